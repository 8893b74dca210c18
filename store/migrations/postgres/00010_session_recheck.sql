-- +goose Up
-- A board session signed in by OpenID Connect is re-checked with the identity
-- provider (issue 16: a person the provider no longer vouches for loses their
-- session, and may be disabled). refresh_sealed is the provider's refresh token,
-- sealed with a key derived from the payload keys and bound to the session
-- (never the token in clear); recheck_at is when the session is next due, NULL
-- for a session that is never re-checked. Nullable columns added: the release
-- before never reads them, and its sessions are never re-checked.
ALTER TABLE board_sessions ADD COLUMN refresh_sealed text;
ALTER TABLE board_sessions ADD COLUMN recheck_at timestamp with time zone;
