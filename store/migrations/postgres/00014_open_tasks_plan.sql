-- +goose Up
-- The workload and capacity reports (issue 20) read only the open tasks:
-- about 2.5 % of the table at 1M tasks (`tandem bench`, plan pages). This
-- index holds only those, with every column the reports read, so they are an
-- index-only scan in (assignee, team) order, grouped without a sort, where a
-- bitmap scan of idx_tasks_status_completed fetched each open task's row
-- from the heap (120 ms of the capacity report's SQL at 1M tasks). The
-- reports name 'open' as a literal, not a parameter: a generic plan of
-- "status = $1" could not use a partial index.
CREATE INDEX idx_tasks_open_plan ON tasks (assignee, team, due_at) INCLUDE (estimate_hours) WHERE status = 'open';
