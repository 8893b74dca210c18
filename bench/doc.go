// Package bench is `tandem bench`, a load generator. One run does up to four parts:
//
//   - dev: `tandem dev` started as a separate process on a fresh data directory:
//     the time until /readyz answers 200 and its resident memory from /proc.
//   - levels: on one embedded Temporal server started in this process, the floor
//     (the raw SDK starting a one-step workflow and completing it through an
//     Update) and Tandem over HTTP (starting a campaign, completing a task) at
//     several concurrency levels, closed loop, with p50, p95 and p99 per operation
//     and the ratio of each to the floor. The server persists on SQLite in memory
//     (one history shard, one connection) or, with Options.Temporal, on
//     PostgreSQL with several shards, in databases made for the run and dropped
//     afterwards; the report says which.
//   - sustained: on the same stack, task decisions at a fixed arrival rate, open
//     loop, latency counted from each operation's scheduled start (no coordinated
//     omission), against TargetShare of the floor's throughput and TargetP99.
//   - inbox: the inbox query through the real API handler on PostgreSQL, in a
//     schema of its own that is dropped afterwards, at several table sizes seeded
//     in bulk, with the EXPLAIN (ANALYZE) plan of the statement the store sent.
//
// The floor's workflow lives here, on a task queue of its own: it is never
// registered by Tandem's production worker.
//
// The stack of the levels and the sustained run, and the inbox's API, are wired
// by internal/wiring, as every Tandem process is; the bench's settings differ
// only where it says (no per-token rate limit, no Temporal Web UI).
//
// Only cmd/tandem (outside its services build) and tests import bench; it may
// import devserver, internal/wiring, internal/cputime, worker, api, store, workflows, domain, and
// codec and temporalclient to seal its clients' payloads as Tandem's are.
package bench
