// Package campaign is process 1, the campaign launch: brief review, planning,
// production, readiness, the scheduled launch (held by a critical linked
// risk), KPI tracking and the retrospective. Workflow is registered as
// contract.CampaignLaunchType.
//
// It runs on the kernel (workflows/internal/kernel) and is laid out as every
// process is: workflow.go (the workflow, its state and its end), stages.go
// (the stages), updates.go (its own updates and their validators),
// progress.go (what the Temporal UI shows), and risks.go for what is its own:
// the risks it raises and the news of them it hears. It reaches the risk
// process only through package contract: its workflow type, input, IDs and
// signals.
//
// Workflow code is deterministic; the package must not import gorm, store,
// api, gin, net/http, database/sql or os, nor another process.
package campaign
