// Package wiring puts Tandem's parts together, the one way every process runs
// them: `tandem api`, `tandem worker`, `tandem dev`, the end-to-end tests and the
// bench. From a Config (the records, how to reach Temporal, the webhook guard,
// the API's and the worker's settings) it builds the Temporal client all parts of
// a process share (Dial), starts the worker with its activities and the
// reconciler beside it (StartWorker), builds the HTTP handler of the API with
// the board in front (Handler), and a worker process's probes (WorkerProbes). A
// new activity dependency, API setting or background job is added here once,
// and every process gets it.
//
// What differs between processes is a setting, not a copy: an embedded Temporal
// server or an address, the policy, the rate limit (off for the bench), the
// logger, the reconciler (off where a test runs its own passes).
//
// It must not import devserver, bench or go.temporal.io/server: the api and
// worker commands use it, and the services image (built with -tags services)
// must not link the Temporal server, its Web UI or the load generator. An
// embedded server comes in through the Embedded interface, which
// *devserver.Server satisfies. deploy/ checks the services build's dependencies.
package wiring
