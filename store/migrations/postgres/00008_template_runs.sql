-- +goose Up
-- Runs of process templates (issue 19): the projection of the generic
-- workflow, one row per run, as hiring_requests is of a hiring request's. The
-- template is named by key and version (the run keeps the version it started
-- with); the intake's values are JSON. A run's tasks, events and
-- notifications go in the tables every process shares, under the process
-- "template". A new table: the release before never reads it.
CREATE TABLE template_runs (
    id text NOT NULL,
    workflow_id text NOT NULL,
    template_key text NOT NULL,
    template_version bigint NOT NULL,
    template_name text NOT NULL,
    status text NOT NULL,
    stage text NOT NULL,
    round bigint NOT NULL,
    requested_by text NOT NULL,
    reason text NOT NULL,
    name text NOT NULL DEFAULT '',
    intake jsonb,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT template_runs_pkey PRIMARY KEY (id)
);

-- Lists run oldest first, by status, by template or by requester, as the
-- other processes' lists do.
CREATE INDEX idx_template_runs_created ON template_runs (created_at, id);
CREATE INDEX idx_template_runs_status ON template_runs (status, created_at, id);
CREATE INDEX idx_template_runs_template ON template_runs (template_key, created_at, id);
CREATE INDEX idx_template_runs_requested_by ON template_runs (requested_by, created_at, id);
