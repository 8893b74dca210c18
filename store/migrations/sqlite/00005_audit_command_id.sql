-- +goose Up
-- A process writes the audit entry of each command it applies in the same
-- transaction as the records the command changed (issue 21), so a command
-- never takes effect without its entry, even when the API is killed between
-- the update and its answer. command_id makes that write idempotent: a batch
-- written again (a retried activity) finds its entry and adds none. The API's
-- own entries (refusals, sign-ins, admin writes) leave it NULL. A nullable
-- column: the release before neither reads nor writes it.
ALTER TABLE audit_log ADD COLUMN command_id text;
CREATE UNIQUE INDEX idx_audit_log_command_id ON audit_log (command_id) WHERE command_id IS NOT NULL;

