-- +goose Up
-- Version 1: the schema as Tandem's AutoMigrate and explicit indexes made it
-- before migrations were versioned, column for column (a primary key column is
-- not declared NOT NULL, as GORM left it). A database made then is adopted at
-- this version without running it (store/legacy.go).

CREATE TABLE people (
    handle text,
    name text NOT NULL,
    email text NOT NULL,
    team text NOT NULL,
    manager text NOT NULL,
    ooo_from datetime,
    ooo_to datetime,
    ooo_delegate text,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (handle)
);

CREATE TABLE person_roles (
    handle text,
    role text,
    position integer NOT NULL,
    PRIMARY KEY (handle, role),
    CONSTRAINT fk_people_roles FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);

CREATE TABLE api_tokens (
    hash text,
    handle text NOT NULL,
    label text NOT NULL,
    created_at datetime NOT NULL,
    last_used_at datetime,
    revoked_at datetime,
    expires_at datetime,
    PRIMARY KEY (hash),
    CONSTRAINT fk_people_tokens FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);

CREATE TABLE campaigns (
    id text,
    workflow_id text NOT NULL,
    status text NOT NULL,
    stage text NOT NULL,
    project_manager text NOT NULL,
    marketing_ops_manager text NOT NULL,
    requested_by text NOT NULL,
    reason text NOT NULL,
    name text NOT NULL DEFAULT '',
    brief text,
    actuals text,
    kpi_report text,
    stages text,
    report text,
    risks text,
    held_by text NOT NULL DEFAULT '',
    held_since datetime,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE tasks (
    id text,
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
    due_at datetime,
    escalation_level integer NOT NULL,
    outcome text NOT NULL,
    comment text NOT NULL,
    completed_by text NOT NULL,
    on_behalf_of text NOT NULL,
    completed_at datetime,
    data text,
    form text,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE events (
    id integer PRIMARY KEY AUTOINCREMENT,
    event_key text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    kind text NOT NULL,
    actor text NOT NULL,
    task_id text NOT NULL,
    message text NOT NULL,
    at datetime
);

CREATE TABLE notifications (
    id integer PRIMARY KEY AUTOINCREMENT,
    notification_key text NOT NULL,
    recipient text NOT NULL,
    team text NOT NULL,
    role text NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    task_id text NOT NULL,
    created_at datetime NOT NULL,
    read_at datetime
);

CREATE TABLE notification_marks (
    recipient text,
    seen_through integer NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (recipient)
);

CREATE TABLE idempotency_keys (
    scope text,
    idem_key text,
    body_hash text NOT NULL,
    resource_id text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE TABLE audit_log (
    seq integer,
    at datetime NOT NULL,
    actor text NOT NULL,
    on_behalf_of text NOT NULL,
    action text NOT NULL,
    object text NOT NULL,
    outcome text NOT NULL,
    status integer NOT NULL,
    reason text NOT NULL,
    request_id text NOT NULL,
    client_ip text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (seq)
);

CREATE TABLE commands (
    id text,
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
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE hiring_requests (
    id text,
    workflow_id text NOT NULL,
    status text NOT NULL,
    stage text NOT NULL,
    step text NOT NULL,
    requested_by text NOT NULL,
    team text NOT NULL,
    hiring_manager text NOT NULL,
    round integer NOT NULL,
    hired text NOT NULL,
    reason text NOT NULL,
    name text NOT NULL DEFAULT '',
    request text,
    chain text,
    candidates text,
    offer text,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE candidates (
    id text,
    hiring_id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    added_by text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE risks (
    id text,
    workflow_id text NOT NULL,
    status text NOT NULL,
    severity text NOT NULL,
    score integer NOT NULL,
    owner text NOT NULL,
    level integer NOT NULL,
    related_process text NOT NULL,
    related_id text NOT NULL,
    name text NOT NULL DEFAULT '',
    record text,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE webhooks (
    id text,
    owner text NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    events text NOT NULL,
    format text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE webhook_deliveries (
    id integer PRIMARY KEY AUTOINCREMENT,
    subscription_id text NOT NULL,
    event_key text NOT NULL,
    kind text NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL DEFAULT '',
    status_class text NOT NULL DEFAULT '',
    delivered numeric NOT NULL,
    abandoned numeric NOT NULL,
    at datetime NOT NULL
);

CREATE TABLE emails_sent (
    notification_key text,
    recipient text,
    sent_at datetime NOT NULL,
    PRIMARY KEY (notification_key, recipient)
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
