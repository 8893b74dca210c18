// Package hiring is process 2, the hiring request: an approval chain from
// policy (with SLAs, reminders and escalations), recruiting, the offer and
// onboarding. Workflow is registered as contract.HiringRequestType.
// Candidates' personal data never enters it: they arrive by ID.
//
// It runs on the kernel (workflows/internal/kernel) and is laid out as every
// process is: workflow.go (the workflow, its state and its end), stages.go
// (the stages, and where an overdue approval escalates), updates.go (its own
// updates and their validators) and progress.go (what the Temporal UI shows).
//
// Workflow code is deterministic; the package must not import gorm, store,
// api, gin, net/http, database/sql or os, nor another process.
package hiring
