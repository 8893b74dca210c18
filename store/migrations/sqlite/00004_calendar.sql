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
ALTER TABLE campaigns ADD COLUMN launch_at datetime;
ALTER TABLE campaigns ADD COLUMN audience text NOT NULL DEFAULT '';
ALTER TABLE hiring_requests ADD COLUMN needed_by datetime;
ALTER TABLE risks ADD COLUMN response_due_at datetime;

-- Times are kept as the driver writes them (_time_format=sqlite: "2006-01-02
-- 15:04:05.999999999-07:00"), which sort as text; the JSON holds them in UTC
-- as RFC 3339 ("…T…Z", the same digits), so swapping the T and the Z makes the
-- driver's text. SQLite has no regular expressions: the audience's inner runs
-- of spaces are left as they are, and the next write of the record folds them.
UPDATE campaigns SET
    launch_at = replace(replace(json_extract(brief, '$.launch_at'), 'T', ' '), 'Z', '+00:00'),
    audience = lower(trim(COALESCE(json_extract(brief, '$.audience'), '')))
WHERE brief IS NOT NULL AND json_extract(brief, '$.launch_at') LIKE '%Z';
UPDATE hiring_requests SET needed_by = replace(replace(json_extract(request, '$.needed_by'), 'T', ' '), 'Z', '+00:00')
WHERE request IS NOT NULL AND json_extract(request, '$.needed_by') LIKE '%Z'
    AND json_extract(request, '$.needed_by') <> '0001-01-01T00:00:00Z';
UPDATE risks SET response_due_at = replace(replace(json_extract(record, '$.response.due_at'), 'T', ' '), 'Z', '+00:00')
WHERE json_extract(record, '$.response.due_at') LIKE '%Z';

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
-- reads it. The primary key column is not declared NOT NULL, as GORM leaves
-- it on SQLite.
CREATE TABLE calendar_feeds (
    hash text,
    handle text NOT NULL,
    scope text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (hash),
    CONSTRAINT fk_people_feeds FOREIGN KEY (handle) REFERENCES people (handle) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_calendar_feeds_scope ON calendar_feeds (handle, scope);
