-- +goose Up
-- Process templates (issue 19): every version of every template a team
-- defined, as validated (document, the JSON of templates.Template) and as its
-- author sent it (source, YAML comments and all). Versions count from 1 per
-- key and are never changed, only retired: a run keeps its own copy of the
-- version it started with. name, description and stage_count are the
-- document's, so a list need not read documents. The primary key is the
-- (key, version) pair that must be unique, and serves the reads by key. A new
-- table: the release before never reads it.
CREATE TABLE templates (
    template_key text NOT NULL,
    version bigint NOT NULL,
    name text NOT NULL,
    description text NOT NULL,
    stage_count bigint NOT NULL,
    document jsonb NOT NULL,
    source text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    retired_by text,
    CONSTRAINT templates_pkey PRIMARY KEY (template_key, version)
);
