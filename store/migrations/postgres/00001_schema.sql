-- +goose Up
-- Version 1: the schema as Tandem's AutoMigrate and explicit indexes made it
-- before migrations were versioned. A database made then is adopted at this
-- version without running it (store/legacy.go).

CREATE TABLE people (
    handle text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    team text NOT NULL,
    manager text NOT NULL,
    ooo_from timestamp with time zone,
    ooo_to timestamp with time zone,
    ooo_delegate text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT people_pkey PRIMARY KEY (handle)
);

CREATE TABLE person_roles (
    handle text NOT NULL,
    role text NOT NULL,
    "position" bigint NOT NULL,
    CONSTRAINT person_roles_pkey PRIMARY KEY (handle, role),
    CONSTRAINT fk_people_roles FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);

CREATE TABLE api_tokens (
    hash text NOT NULL,
    handle text NOT NULL,
    label text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    expires_at timestamp with time zone,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (hash),
    CONSTRAINT fk_people_tokens FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);

CREATE TABLE campaigns (
    id text NOT NULL,
    workflow_id text NOT NULL,
    status text NOT NULL,
    stage text NOT NULL,
    project_manager text NOT NULL,
    marketing_ops_manager text NOT NULL,
    requested_by text NOT NULL,
    reason text NOT NULL,
    name text NOT NULL DEFAULT '',
    brief jsonb,
    actuals jsonb,
    kpi_report jsonb,
    stages jsonb,
    report jsonb,
    risks jsonb,
    held_by text NOT NULL DEFAULT '',
    held_since timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT campaigns_pkey PRIMARY KEY (id)
);

CREATE TABLE tasks (
    id text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    workflow_id text NOT NULL,
    kind text NOT NULL,
    task_key text NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    team text NOT NULL,
    role text NOT NULL,
    assignee text NOT NULL,
    requested_by text NOT NULL,
    status text NOT NULL,
    due_at timestamp with time zone,
    escalation_level bigint NOT NULL,
    outcome text NOT NULL,
    comment text NOT NULL,
    completed_by text NOT NULL,
    on_behalf_of text NOT NULL,
    completed_at timestamp with time zone,
    data jsonb,
    form jsonb,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT tasks_pkey PRIMARY KEY (id)
);

CREATE TABLE events (
    id bigserial NOT NULL,
    event_key text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    kind text NOT NULL,
    actor text NOT NULL,
    task_id text NOT NULL,
    message text NOT NULL,
    at timestamp with time zone,
    CONSTRAINT events_pkey PRIMARY KEY (id)
);

CREATE TABLE notifications (
    id bigserial NOT NULL,
    notification_key text NOT NULL,
    recipient text NOT NULL,
    team text NOT NULL,
    role text NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    task_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    read_at timestamp with time zone,
    CONSTRAINT notifications_pkey PRIMARY KEY (id)
);

CREATE TABLE notification_marks (
    recipient text NOT NULL,
    seen_through bigint NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT notification_marks_pkey PRIMARY KEY (recipient)
);

CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    idem_key text NOT NULL,
    body_hash text NOT NULL,
    resource_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, idem_key)
);

CREATE TABLE audit_log (
    seq bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    on_behalf_of text NOT NULL,
    action text NOT NULL,
    object text NOT NULL,
    outcome text NOT NULL,
    status bigint NOT NULL,
    reason text NOT NULL,
    request_id text NOT NULL,
    client_ip text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (seq)
);

CREATE TABLE commands (
    id text NOT NULL,
    caller text NOT NULL,
    kind text NOT NULL,
    target text NOT NULL,
    workflow_id text NOT NULL,
    update_name text NOT NULL,
    body_hash text NOT NULL,
    input text NOT NULL,
    status text NOT NULL,
    run_id text NOT NULL DEFAULT '',
    refusal text NOT NULL DEFAULT '',
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT commands_pkey PRIMARY KEY (id)
);

CREATE TABLE hiring_requests (
    id text NOT NULL,
    workflow_id text NOT NULL,
    status text NOT NULL,
    stage text NOT NULL,
    step text NOT NULL,
    requested_by text NOT NULL,
    team text NOT NULL,
    hiring_manager text NOT NULL,
    round bigint NOT NULL,
    hired text NOT NULL,
    reason text NOT NULL,
    name text NOT NULL DEFAULT '',
    request jsonb,
    chain jsonb,
    candidates jsonb,
    offer jsonb,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT hiring_requests_pkey PRIMARY KEY (id)
);

CREATE TABLE candidates (
    id text NOT NULL,
    hiring_id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    added_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT candidates_pkey PRIMARY KEY (id)
);

CREATE TABLE risks (
    id text NOT NULL,
    workflow_id text NOT NULL,
    status text NOT NULL,
    severity text NOT NULL,
    score bigint NOT NULL,
    owner text NOT NULL,
    level bigint NOT NULL,
    related_process text NOT NULL,
    related_id text NOT NULL,
    name text NOT NULL DEFAULT '',
    record jsonb,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT risks_pkey PRIMARY KEY (id)
);

CREATE TABLE webhooks (
    id text NOT NULL,
    owner text NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    events jsonb NOT NULL,
    format text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT webhooks_pkey PRIMARY KEY (id)
);

CREATE TABLE webhook_deliveries (
    id bigserial NOT NULL,
    subscription_id text NOT NULL,
    event_key text NOT NULL,
    kind text NOT NULL,
    attempt bigint NOT NULL,
    outcome text NOT NULL DEFAULT '',
    status_class text NOT NULL DEFAULT '',
    delivered boolean NOT NULL,
    abandoned boolean NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id)
);

CREATE TABLE emails_sent (
    notification_key text NOT NULL,
    recipient text NOT NULL,
    sent_at timestamp with time zone NOT NULL,
    CONSTRAINT emails_sent_pkey PRIMARY KEY (notification_key, recipient)
);

-- Every list and inbox query has an index whose leading columns are its filters
-- and whose trailing columns are its keyset order, so a page is one index range
-- scan.

-- Directory: people by team, and the holders of a role (notification expansion,
-- people filtered by role).
CREATE INDEX idx_people_team ON people (team, handle);
CREATE INDEX idx_person_roles_role ON person_roles (role, handle);
CREATE INDEX idx_api_tokens_handle ON api_tokens (handle);

-- Campaign lists: all, by status, by owner (either manager).
CREATE INDEX idx_campaigns_created ON campaigns (created_at, id);
CREATE INDEX idx_campaigns_status ON campaigns (status, created_at, id);
CREATE INDEX idx_campaigns_pm ON campaigns (project_manager, created_at, id);
CREATE INDEX idx_campaigns_mops ON campaigns (marketing_ops_manager, created_at, id);

-- The inbox: by assignee, team or role, each usually with a status, and a
-- process's tasks. An assignee's or a team's tasks of every status have indexes
-- of their own: with only the status ones, a person's first page meant sorting
-- all their tasks, or walking idx_tasks_created past everyone else's (tandem
-- bench, inbox part).
CREATE INDEX idx_tasks_created ON tasks (created_at, id);
CREATE INDEX idx_tasks_assignee ON tasks (assignee, created_at, id);
CREATE INDEX idx_tasks_assignee_status ON tasks (assignee, status, created_at, id);
CREATE INDEX idx_tasks_team ON tasks (team, created_at, id);
CREATE INDEX idx_tasks_team_status ON tasks (team, status, created_at, id);
CREATE INDEX idx_tasks_role_status ON tasks (role, status, created_at, id);
CREATE INDEX idx_tasks_status ON tasks (status, created_at, id);
CREATE INDEX idx_tasks_process_status ON tasks (process, status, created_at, id);
CREATE INDEX idx_tasks_process_id ON tasks (process_id, created_at, id);

-- Timeline of a process, and the idempotency of event writes.
CREATE INDEX idx_events_process_id ON events (process_id, at, id);
CREATE UNIQUE INDEX uq_events_key ON events (event_key);

-- The refused commands a process's timeline shows, by object.
CREATE INDEX idx_audit_object ON audit_log (object, seq);

-- A person's notifications, newest first, and the idempotency of notification
-- writes.
CREATE INDEX idx_notifications_recipient ON notifications (recipient, id);
CREATE UNIQUE INDEX uq_notifications_key_recipient ON notifications (notification_key, recipient);

-- Risk lists: all, by severity, status, owner, and the risks of a linked process.
CREATE INDEX idx_risks_created ON risks (created_at, id);
CREATE INDEX idx_risks_severity ON risks (severity, created_at, id);
CREATE INDEX idx_risks_status ON risks (status, created_at, id);
CREATE INDEX idx_risks_owner ON risks (owner, created_at, id);
CREATE INDEX idx_risks_related ON risks (related_id, created_at, id);

-- Hiring request lists: all, by status, by requester, by team; a request's
-- candidates.
CREATE INDEX idx_hiring_created ON hiring_requests (created_at, id);
CREATE INDEX idx_hiring_status ON hiring_requests (status, created_at, id);
CREATE INDEX idx_hiring_requested_by ON hiring_requests (requested_by, created_at, id);
CREATE INDEX idx_hiring_team ON hiring_requests (team, created_at, id);
CREATE INDEX idx_candidates_hiring ON candidates (hiring_id, created_at, id);

-- Reports (store/reports.go): open tasks by due time, tasks done by completion
-- time (all, and approvals alone), campaigns by status and completion time.
CREATE INDEX idx_tasks_status_due ON tasks (status, due_at);
CREATE INDEX idx_tasks_status_completed ON tasks (status, completed_at);
CREATE INDEX idx_tasks_kind_status_completed ON tasks (kind, status, completed_at);
CREATE INDEX idx_campaigns_status_updated ON campaigns (status, updated_at);

-- Webhooks: a caller's subscriptions; the idempotency of logging a delivery
-- attempt.
CREATE INDEX idx_webhooks_owner ON webhooks (owner, created_at, id);
CREATE UNIQUE INDEX uq_webhook_deliveries_attempt ON webhook_deliveries (subscription_id, event_key, attempt);
