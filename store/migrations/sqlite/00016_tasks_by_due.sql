-- +goose Up
-- My work (issue 21) reads an assignee's and a team's open tasks soonest due
-- first, a page at a time, with how many each list holds and how many are
-- overdue (store.Tasks with ByDue, store.TaskCounts). These make each of
-- those one range scan in (due_at, id) order, however many tasks the list
-- or the table holds. They are whole, not partial indexes of the open tasks:
-- the list's statement names its status as a parameter, and a generic plan
-- of "status = $1" cannot use a partial index.
CREATE INDEX idx_tasks_assignee_due ON tasks (assignee, status, due_at, id);
CREATE INDEX idx_tasks_team_due ON tasks (team, status, due_at, id);
