-- +goose Up
-- The board reads one column at a time (issue 21): the running processes of
-- one stage, oldest first, a page at a time (store.BoardCards). These make
-- that a range scan of the stage's rows alone, whatever the table's size.
-- A risk's column is its status: idx_risks_status (status, created_at, id)
-- serves it already.
CREATE INDEX idx_campaigns_board ON campaigns (status, stage, created_at, id);
CREATE INDEX idx_hiring_board ON hiring_requests (status, stage, created_at, id);
-- The page's open tasks are then read by process ID from idx_tasks_process_id,
-- the status a filter on a process's few tasks. (A partial index of the open
-- tasks by process was tried: PostgreSQL then chose it for the capacity
-- report too, an index scan and a sort instead of its bitmap scan, and that
-- report's SQL took 245 ms at 1M tasks against 120 ms in an earlier run.)
