// Package store owns Tandem's records in SQL: the GORM models, their queries and the
// schema migration, on PostgreSQL (production) and SQLite (the embedded default).
//
// It holds the directory (people, roles, API tokens), the versions of process
// templates (templates.go: each document kept as JSON, compared but never
// interpreted here; a run carries its own copy), the projection that workflows
// write through activities (campaigns, tasks, timeline events, notifications)
// and the Idempotency-Keys of create requests. The workflows are the source of
// truth for process state; the process records here are a projection they keep
// up to date, written idempotently so activity retries are harmless. The one
// other writer of those is the worker's reconciler, which ends the record of a
// run Temporal closed without its process ending (CloseEndedRun). Comments
// (comments.go) are not projection: the conversation about a process, which no
// workflow reads, is written by the API directly, with the notifications its
// mentions send.
//
// The board's sessions may keep an identity provider's refresh token, to be
// re-checked with it: sealed by the Sealer the process gives (SealSecretsWith),
// never in clear; the store itself imports no key.
//
// The schema is versioned: numbered SQL files per database in migrations/, applied
// by Migrate with goose and reported by Schema and SchemaVersion (docs/migrations.md).
// Databases made before versioning are adopted at version 1 (legacy.go).
//
// Models are the store's own structs, converted to and from domain types at the
// edge. Refusals come back as domain errors (domain.ErrNotFound, domain.ErrConflict,
// domain.ErrInvalid) and an unreachable database as domain.ErrUnavailable.
//
// It imports domain, gorm, the database drivers and goose (which brings no driver)
// only: never the Temporal SDK, gin or workflows.
package store
