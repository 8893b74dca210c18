// Package devserver owns the embedded Temporal server and Temporal Web UI that
// `tandem dev` and the end-to-end tests run in-process: one SQLite-backed server
// with a single history shard, the namespace Tandem uses, its custom search
// attributes, and the UI pointed at the server's frontend. On request (the bench
// does) the server persists on PostgreSQL instead, with several history shards,
// in databases it creates and migrates with the server's own schema tool.
//
// Only cmd/tandem's dev and bench commands (and package bench) and tests may
// import this package: it links go.temporal.io/server, which is heavy to compile
// and link, and nothing that runs against a real Temporal cluster should pull it in.
// The package must not import Tandem's own packages either; callers pass in what
// it needs (for example workflows.SearchAttributes).
package devserver
