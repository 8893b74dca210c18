// Package notifier is the notifier workflow (contract.NotifierType): one run
// per namespace, started by the worker, that every Tick sends what no process
// sends (activities.DispatchNotifications: the outbox of comment events to
// the webhooks, e-mail of the notifications the processes do not e-mail) and
// every DigestEvery the daily digests that are due (activities.SendDigests).
//
// Why one long-running workflow and not a Temporal Schedule: the work is a
// pass over the records, whatever the time, so its durability is the
// records' (each digest is recorded under the person and their local date,
// each outbox event once done, the e-mail mark only moves forward), and the
// workflow only has to keep passing. A workflow's timers run under the SDK's
// test environment with time skipping, so days of passes, a continue-as-new
// and a restart are tested (workflows/notifier_test.go); a Schedule's
// firings are not, and it would start a workflow a minute, each one a run in
// the namespace's visibility. The run continues as new every hour so its
// history stays short.
//
// Workflow code is deterministic; the package must not import gorm, store,
// api, gin, net/http, database/sql or os, nor a process. It imports
// activities, contract and domain.
package notifier
