// Package bench is `tandem bench`: a load generator that measures, in one run on
// one embedded Temporal server, the floor (the raw SDK starting a one-step
// workflow and completing it through an Update) and Tandem over HTTP (starting a
// campaign, completing a task), at several concurrency levels, with p50, p95 and
// p99 per operation and the ratio of each to the floor.
//
// It starts the whole stack in its own process, as `tandem dev` does. The floor's
// workflow lives here, on a task queue of its own: it is never registered by
// Tandem's production worker.
//
// Only cmd/tandem and tests import bench; it may import devserver, worker, api,
// store, activities, workflows and domain.
package bench
