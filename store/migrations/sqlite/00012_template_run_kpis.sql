-- +goose Up
-- The KPIs of a template run (issue 19): each one's target and window as the
-- run's intake set them, its latest actual and its result, as JSON, as a
-- campaign's actuals and report are. Empty (NULL, or JSON null) for a run
-- whose template has none, and NULL in the rows the release before wrote
-- (written again, whole, by the run's next change).
ALTER TABLE template_runs ADD COLUMN kpis text;

