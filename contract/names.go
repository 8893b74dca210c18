package contract

import (
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// TaskQueue is the one task queue Tandem's workers poll.
const TaskQueue = "tandem"

// Workflow type names. Workflows are registered under these constants, so renaming a
// Go function never orphans a running process.
const (
	CampaignLaunchType = "CampaignLaunch"
	HiringRequestType  = "HiringRequest"
	RiskType           = "Risk"
	// TemplateRunType is the one generic workflow that runs any process
	// template (contract.TemplateRunInput).
	TemplateRunType = "TemplateRun"
)

// Update, query and signal names.
const (
	// UpdateCompleteTask completes one human task of a process.
	UpdateCompleteTask = "complete-task"
	// UpdateReassignTask gives a task to another person.
	UpdateReassignTask = "reassign-task"
	// UpdateReleaseTask gives back the task of someone disabled: to its team's
	// queue, or to a named person.
	UpdateReleaseTask = "release-task"
	// UpdateEstimateTask changes the estimate of an open task.
	UpdateEstimateTask = "estimate-task"
	// UpdateAddTask lets the project manager add a task to a campaign's plan.
	UpdateAddTask = "add-task"
	// UpdateChangeCampaign applies a change request to a campaign before launch.
	UpdateChangeCampaign = "change-campaign"
	// UpdateRecordKPIs records KPI actuals.
	UpdateRecordKPIs = "record-kpis"
	// UpdateCancel cancels a process with a reason.
	UpdateCancel = "cancel"
	// QueryDetail returns the live detail of a process.
	QueryDetail = "detail"
)

// Risk
const (
	// UpdateAssessRisk re-assesses a risk's probability and impact.
	UpdateAssessRisk = "assess-risk"
	// UpdateDecideRisk resolves, accepts, materializes or closes a risk.
	UpdateDecideRisk = "decide-risk"
	// SignalRiskChanged tells a risk's linked process its severity or status changed:
	// system to system, not a human decision, so a signal.
	SignalRiskChanged = "risk-changed"
	// SignalCauseCleared tells a risk a process raised that its cause has cleared
	// (a missed KPI is back on target): system to system, so a signal.
	SignalCauseCleared = "cause-cleared"
)

// Hiring
const (
	// UpdateAddCandidate adds a candidate, by ID only, to a hiring request in recruiting.
	UpdateAddCandidate = "add-candidate"
)

// CampaignWorkflowID is the readable workflow ID of campaign id: "campaign/cmp_…".
func CampaignWorkflowID(id string) string { return "campaign/" + id }

// CampaignIDFromWorkflowID is the inverse of CampaignWorkflowID.
func CampaignIDFromWorkflowID(wid string) (string, bool) {
	id, ok := strings.CutPrefix(wid, "campaign/")
	return id, ok && domain.HasPrefixID(id, domain.PrefixCampaign)
}

// HiringWorkflowID is the readable workflow ID of hiring request id: "hiring/hir_…".
func HiringWorkflowID(id string) string { return "hiring/" + id }

// RiskWorkflowID is the readable workflow ID of risk id: "risk/rsk_…".
func RiskWorkflowID(id string) string { return "risk/" + id }

// TemplateRunWorkflowID is the readable workflow ID of template run id: "template/tpr_…".
func TemplateRunWorkflowID(id string) string { return "template/" + id }

// ProcessOfWorkflowID is the inverse of the four workflow-ID helpers: the process
// and record ID a workflow ID names, or false when it names none of Tandem's.
func ProcessOfWorkflowID(wid string) (domain.Process, string, bool) {
	for _, p := range []struct {
		process             domain.Process
		idPrefix, widPrefix string
	}{
		{domain.ProcessCampaign, domain.PrefixCampaign, CampaignWorkflowID("")},
		{domain.ProcessHiring, domain.PrefixHiring, HiringWorkflowID("")},
		{domain.ProcessRisk, domain.PrefixRisk, RiskWorkflowID("")},
		{domain.ProcessTemplate, domain.PrefixTemplateRun, TemplateRunWorkflowID("")},
	} {
		if id, ok := strings.CutPrefix(wid, p.widPrefix); ok && domain.HasPrefixID(id, p.idPrefix) {
			return p.process, id, true
		}
	}
	return "", "", false
}
