-- +goose Up
-- Estimates, actuals and capacity (issue 20). A task carries the hours it was
-- estimated at and the hours it took, as the workflow projects them; a person
-- their own weekly hours, NULL for the policy's. All nullable: the release
-- before writes rows without them (a task it writes is written again, whole,
-- by the next update of its process), and NULL is "not known", which the
-- reports leave out.
ALTER TABLE tasks ADD COLUMN estimate_hours real;
ALTER TABLE tasks ADD COLUMN actual_hours real;
ALTER TABLE people ADD COLUMN weekly_hours real;

-- The estimate report reads the tasks done with actual hours over the last
-- quarters, by completion time: only those, so the index stays small.
CREATE INDEX idx_tasks_actuals ON tasks (completed_at) WHERE actual_hours IS NOT NULL;
