// Package worker builds Tandem's Temporal worker: one Register function that puts
// every workflow and activity on a registry under its explicit name, used by the
// worker command, `tandem dev`, the replay tests and the end-to-end tests alike.
// It shadows the SDK's worker package, which is imported as sdkworker.
package worker
