-- +goose Up
-- The notification center and its preferences (issue 17). Every statement adds:
-- the release before never reads the new tables and columns, and its writes
-- leave the new columns at their defaults.

-- A person's time zone, an IANA name, for the daily digest; '' until they
-- choose one, which reads as UTC (domain.DefaultTimeZone).
ALTER TABLE people ADD COLUMN time_zone text NOT NULL DEFAULT '';

-- How each person wants to hear of each kind of notification; a kind without
-- a row has the default channel (domain.DefaultChannels). The digest reads
-- the people who chose a digest for any kind through idx_notification_preferences_channel.
CREATE TABLE notification_preferences (
    handle text,
    kind text,
    channel text NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (handle, kind)
);
CREATE INDEX idx_notification_preferences_channel ON notification_preferences (channel, handle);

-- A notification read on its own sets read_at; the unread count reads those
-- above the person's mark and still unread through this partial index, so
-- marking some read one by one never lengthens the count's scan.
CREATE INDEX idx_notifications_unread ON notifications (recipient, id) WHERE read_at IS NULL;

-- The outbox of events the API writes (a comment, a mention), in the same
-- transaction as the comment: the worker's notifier delivers them to the
-- webhooks, so no request waits on a receiver. done_at is set once every
-- subscription that wants the event has it, or the attempts ran out.
CREATE TABLE outbox_events (
    id integer PRIMARY KEY AUTOINCREMENT,
    event_key text NOT NULL,
    kind text NOT NULL,
    process text NOT NULL,
    process_id text NOT NULL,
    task_id text NOT NULL,
    actor text NOT NULL,
    message text NOT NULL,
    at datetime NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    done_at datetime
);
CREATE UNIQUE INDEX uq_outbox_events_key ON outbox_events (event_key);
CREATE INDEX idx_outbox_events_pending ON outbox_events (id) WHERE done_at IS NULL;

-- How far the notifier has read a stream of records (the notifications it
-- e-mails at once). The mark starts at the newest notification there is, so
-- upgrading never e-mails the notifications made before.
CREATE TABLE dispatch_marks (
    stream text,
    through integer NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (stream)
);
INSERT INTO dispatch_marks (stream, through, updated_at)
SELECT 'email', COALESCE(MAX(id), 0), strftime('%Y-%m-%d %H:%M:%f', 'now') FROM notifications;
