// Package template is the one generic workflow that runs any process
// template (package templates): a team's own process, described in a document
// rather than written in Go. Workflow is registered as
// contract.TemplateRunType.
//
// A run keeps the template it started with (contract.TemplateRunInput carries
// it whole), so editing a template never changes a running process. It puts
// the intake in the triage queue first, then runs the template's stages in
// order: in a stage, the tasks run in parallel but for those that depend on
// others; a stage's or a task's condition is evaluated, with the templates
// package, on the intake and the answers so far; an approval rejected or sent
// back for changes leads where the template says (back to a stage, or the
// end). Due dates come from the run's start, the stage's start or a date of
// the intake, read through workflow.Now only; reminders and the escalation of
// an overdue approval follow the policy's templates section.
//
// After the last stage, a run of a template with KPIs tracks them until the
// window of each has ended (stage tracking), taking actuals by the
// record-kpis update and settling each KPI's result (met, missed,
// unmeasured) as its window ends; a template that asks for a retrospective
// then gives who asked for the run its task (stage retrospective). A template
// with neither ends after its last stage.
//
// It runs on the kernel (workflows/internal/kernel) and is laid out as every
// process is: workflow.go (the workflow, its state and its end), stages.go
// (triage, the stages and where an overdue approval escalates), kpis.go (the
// tracking, its record-kpis update and the retrospective), updates.go (its
// check of a completion beyond the kernel's) and progress.go (what the
// Temporal UI shows). Its one update of its own is record-kpis; the kernel's
// complete-task (each answer checked against the task's form from the
// template), reassign-task and cancel serve its tasks.
//
// Workflow code is deterministic; the package must not import gorm, store,
// api, gin, net/http, database/sql or os, nor another process. It imports
// templates, which does no I/O and reads no clock (its conditions are
// restricted to pure builtins).
package template
