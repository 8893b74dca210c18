-- +goose Up
-- The board reads one column at a time (issue 21): the running processes of
-- one stage, oldest first, a page at a time (store.BoardCards). These make
-- that a range scan of the stage's rows alone, whatever the table's size.
-- A risk's column is its status: idx_risks_status (status, created_at, id)
-- serves it already.
CREATE INDEX idx_campaigns_board ON campaigns (status, stage, created_at, id);
CREATE INDEX idx_hiring_board ON hiring_requests (status, stage, created_at, id);
-- Then the open tasks of the page's processes: only the open ones (a few
-- percent of the table) are in this index, so it stays small, and a query
-- saying status = 'open' as a literal (a partial index needs the very
-- condition) reads just them, on both databases.
CREATE INDEX idx_tasks_open_process ON tasks (process_id) WHERE status = 'open';
