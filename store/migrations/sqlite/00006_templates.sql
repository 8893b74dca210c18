-- +goose Up
-- Process templates (issue 19): every version of every template a team
-- defined, as validated (document, the JSON of templates.Template) and as its
-- author sent it (source, YAML comments and all). Versions count from 1 per
-- key and are never changed, only retired: a run keeps its own copy of the
-- version it started with. name, description and stage_count are the
-- document's, so a list need not read documents. The primary key is the
-- (key, version) pair that must be unique, and serves the reads by key. A new
-- table: the release before never reads it. The primary key columns are not
-- declared NOT NULL, as GORM leaves them on SQLite.
CREATE TABLE templates (
    template_key text,
    version integer,
    name text NOT NULL,
    description text NOT NULL,
    stage_count integer NOT NULL,
    document text NOT NULL,
    source text NOT NULL,
    created_by text NOT NULL,
    created_at datetime NOT NULL,
    retired_at datetime,
    retired_by text,
    PRIMARY KEY (template_key, version)
);
