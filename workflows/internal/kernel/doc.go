// Package kernel is what every Tandem process runs on, so that a process says
// only what is its own: its input, its stages, its updates and what the
// Temporal UI shows of it.
//
// A process is a struct that embeds *Core (made by New) and implements Process
// (its record as written and as answered, who manages it, its progress); one
// that people may cancel implements Cancellable too. The kernel then owns:
//
//   - the lifecycle: RunToEnd runs the stages under a context the cancel update
//     stops, records the end whatever ended the run, waits for the update
//     handlers and drains the outbound work; End and Finish record an end;
//     Carry and Restore hand a run's state over a continue-as-new;
//   - the updates: every update, the kernel's and the process's own (On,
//     Register), is bound to its Update ID by the command log before its
//     validator runs, and refused with the application error the API reads;
//   - human tasks (Tasks): open, remind, report overdue, escalate, expire,
//     reassign, complete, cancel, carry, waking for every task's reminder and
//     due time with one timer per run (wake.go); and who decides an approval
//     nobody but its requester could (deciders.go);
//   - the projection: the records (Event, Notify, Save), the search attributes
//     and current details of the Temporal UI, the detail answer's task list.
//
// Workflow code is deterministic: it reads time through workflow.Now, starts
// goroutines through workflow.Go and reaches the outside world only through
// activities. It must not import gorm, store, api, gin, net/http, database/sql
// or os. Only the process packages under workflows/ import it (it is internal);
// it imports package contract, the search attribute keys (package workflows),
// domain and activities.
package kernel
