-- +goose Up
-- Comments on processes and tasks (issue 17): the conversation about the work,
-- written by the API, not by the workflows (they decide nothing a process
-- reads). A reply names its parent (one level); an edit keeps the text it
-- replaces in comment_revisions, for the audit; a deletion leaves the row as a
-- tombstone (no text, deleted_at set) and its last text in the revisions.
-- New tables: the release before never reads them.
CREATE TABLE comments (
    id bigserial NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    task_id text NOT NULL,
    parent_id bigint NOT NULL,
    author text NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    edited_at timestamp with time zone,
    deleted_at timestamp with time zone,
    CONSTRAINT comments_pkey PRIMARY KEY (id)
);

CREATE TABLE comment_revisions (
    id bigserial NOT NULL,
    comment_id bigint NOT NULL,
    body text NOT NULL,
    editor text NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT comment_revisions_pkey PRIMARY KEY (id)
);

-- A process's comments, and a task's, oldest first, a page at a time: each
-- page one range scan in id order. A comment's revisions, in order.
CREATE INDEX idx_comments_process ON comments (process, process_id, id);
CREATE INDEX idx_comments_task ON comments (task_id, id);
CREATE INDEX idx_comment_revisions_comment ON comment_revisions (comment_id, id);

-- A mention or a reply notifies with a link to its comment. Notifications the
-- workflows write have none (0). A column with a default: the release before
-- writes its notifications without it and reads around it.
ALTER TABLE notifications ADD COLUMN comment_id bigint NOT NULL DEFAULT 0;
