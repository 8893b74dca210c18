-- +goose Up
-- The calendar (issue 20) reads, in one query, the dates of every kind of
-- record over a range: campaigns' launches, tasks' due times, hiring requests'
-- needed-by days, risks' response due times and out-of-office windows. The
-- launch, the needed-by day and the response's due time lived only inside the
-- records' JSON, where no index reaches: they become columns of their own,
-- written with the record, filled here from the JSON for the records already
-- kept. A launch's audience becomes a column too, compared without case or
-- extra spaces (domain.AudienceKey), so launches to the same audience are
-- found by index. All are nullable or defaulted: the release before writes
-- rows without them, and the next write of each record fills them.
ALTER TABLE campaigns ADD COLUMN launch_at timestamp with time zone;
ALTER TABLE campaigns ADD COLUMN audience text NOT NULL DEFAULT '';
ALTER TABLE hiring_requests ADD COLUMN needed_by timestamp with time zone;
ALTER TABLE risks ADD COLUMN response_due_at timestamp with time zone;

UPDATE campaigns SET
    launch_at = NULLIF(brief->>'launch_at', '')::timestamptz,
    audience = lower(regexp_replace(btrim(COALESCE(brief->>'audience', '')), '\s+', ' ', 'g'))
WHERE brief IS NOT NULL;
UPDATE hiring_requests SET needed_by = NULLIF(request->>'needed_by', '')::timestamptz
WHERE request IS NOT NULL AND request->>'needed_by' <> '0001-01-01T00:00:00Z';
UPDATE risks SET response_due_at = NULLIF(record->'response'->>'due_at', '')::timestamptz
WHERE record->'response' IS NOT NULL AND jsonb_typeof(record->'response') = 'object';

-- The calendar's range scans, one per kind of date; launches to one audience
-- are looked up by audience and time.
CREATE INDEX idx_campaigns_launch ON campaigns (launch_at);
CREATE INDEX idx_campaigns_audience ON campaigns (audience, launch_at);
CREATE INDEX idx_tasks_due ON tasks (due_at);
CREATE INDEX idx_hiring_needed_by ON hiring_requests (needed_by);
CREATE INDEX idx_risks_response_due ON risks (response_due_at);

-- iCalendar feeds: a person's secret link to their own work, or a team's, for
-- a calendar application to subscribe to. Only the SHA-256 of the link's
-- secret is kept, as of API tokens and sessions; a person has one link per
-- scope ("person", or "team:" and the team), and making a new one deletes the
-- old, whose address then answers 404. A new table: the release before never
-- reads it.
CREATE TABLE calendar_feeds (
    hash text NOT NULL,
    handle text NOT NULL,
    scope text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT calendar_feeds_pkey PRIMARY KEY (hash),
    CONSTRAINT fk_people_feeds FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_calendar_feeds_scope ON calendar_feeds (handle, scope);
