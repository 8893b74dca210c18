-- +goose Up
-- The workload and capacity reports (issue 20) read only the open tasks:
-- about 2.5 % of the table at 1M tasks (`tandem bench`, plan pages). This
-- index holds only those, with every column the reports read, so they are a
-- covering scan in (assignee, team) order. SQLite has no INCLUDE: the
-- estimate is the index's last column. The reports name 'open' as a literal,
-- as a partial index is only used for a literal that matches its WHERE.
CREATE INDEX idx_tasks_open_plan ON tasks (assignee, team, due_at, estimate_hours) WHERE status = 'open';
