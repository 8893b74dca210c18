-- +goose Up
-- Board sign-ins become server-side sessions (issue 16): the browser's cookie
-- carries a random session ID instead of the person's API token, and only the
-- ID's SHA-256 is kept here. A session ends when it is idle past
-- idle_expires_at (each use moves it on), at expires_at whatever happens, when
-- revoked ("sign out everywhere"), when the token it was signed in with is
-- revoked or expires, or when its row is deleted (signing out). A new table:
-- the release before never reads it.
CREATE TABLE board_sessions (
    hash text NOT NULL,
    handle text NOT NULL,
    method text NOT NULL,
    token_hash text,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    idle_expires_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT board_sessions_pkey PRIMARY KEY (hash),
    CONSTRAINT fk_people_sessions FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE,
    CONSTRAINT fk_api_tokens_sessions FOREIGN KEY (token_hash) REFERENCES api_tokens (hash) ON DELETE CASCADE
);

-- Signing a person out everywhere finds their sessions by handle; the sweep of
-- ended sessions at each sign-in finds them by absolute expiry.
CREATE INDEX idx_board_sessions_handle ON board_sessions (handle);
CREATE INDEX idx_board_sessions_expires_at ON board_sessions (expires_at);
