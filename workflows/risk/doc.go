// Package risk is process 3, the risk escalation: a risk from raised to
// acknowledged, reviewed, re-assessed, and resolved, accepted, materialized
// or closed, climbing the escalation ladder when nobody acknowledges it.
// Workflow is registered as contract.RiskType. Its history is bounded: past
// the policy's continue_as_new_after steps a run hands its whole state
// (contract.RiskCarry) to the next.
//
// It runs on the kernel (workflows/internal/kernel) and is laid out as every
// process is: workflow.go (the workflow, its state, its end and its
// continue-as-new), stages.go (what each answered task leads to), updates.go
// (its own updates and their validators), progress.go (what the Temporal UI
// shows), and ladder.go for what is its own: the escalation ladder. It tells
// a linked campaign of its news, and hears that its cause cleared, only
// through package contract: IDs and signals.
//
// Workflow code is deterministic; the package must not import gorm, store,
// api, gin, net/http, database/sql or os, nor another process.
package risk
