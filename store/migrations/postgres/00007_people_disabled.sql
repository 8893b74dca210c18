-- +goose Up
-- A person can be disabled (issue 16: someone who left): disabled_at is when,
-- NULL while they are active. Their tokens and sessions stop resolving, and
-- their history keeps their handle, so the row stays. A nullable column
-- added: the release before never reads it, and its writes leave it NULL.
ALTER TABLE people ADD COLUMN disabled_at timestamp with time zone;
