// Package worker builds Tandem's Temporal worker: one Register function that puts
// every workflow and activity on a registry under its explicit name, used by the
// worker command, `tandem dev`, the replay tests and the end-to-end tests alike.
// It shadows the SDK's worker package, which is imported as sdkworker.
// Settings turn what an operator tunes (slots, pollers, the graceful stop, the
// Worker Deployment Version) into the SDK's worker options, refusing what the
// SDK would panic on or Temporal refuse.
//
// It also holds the Reconciler every worker process runs beside the worker: it
// closes the records of runs that Temporal closed without their process ending
// (terminated or cancelled outside Tandem, failed, timed out), and the Readiness
// a worker process answers /readyz with, which also exports the task queue's
// pollers and backlog to Prometheus. They reach the records through the small
// interfaces they declare, never the store package.
package worker
