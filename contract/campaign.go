package contract

import (
	"time"

	"github.com/tandemhq/tandem/domain"
)

// CampaignInput starts a campaign launch.
type CampaignInput struct {
	ID          string        `json:"id"`
	Brief       domain.Brief  `json:"brief"`
	RequestedBy string        `json:"requested_by"`
	Policy      domain.Policy `json:"policy"` // captured at start: later edits never change this run
}

// CampaignResult is how a campaign launch ended.
type CampaignResult struct {
	Status domain.Status  `json:"status"`
	Report *domain.Report `json:"report,omitempty"`
}

// CampaignDetail is the live detail of a campaign, answered by QueryDetail.
type CampaignDetail struct {
	domain.Campaign
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks left out of this answer to keep
	// it within Temporal's payload limit; the task list has them all.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
}

// AddTaskInput is a task the project manager adds to a campaign's plan.
type AddTaskInput struct {
	Command
	Actor       domain.Actor `json:"actor"`
	Title       string       `json:"title"`
	Description string       `json:"description,omitempty"`
	Team        domain.Team  `json:"team"`
	Role        domain.Role  `json:"role"`
	Assignee    string       `json:"assignee,omitempty"`
	DueAt       time.Time    `json:"due_at"`
}

// ChangeCampaignInput is a change request on a campaign before launch.
type ChangeCampaignInput struct {
	Command
	Actor  domain.Actor  `json:"actor"`
	Change domain.Change `json:"change"`
}

// RecordKPIsInput records KPI actuals on a launched (or launching) campaign.
type RecordKPIsInput struct {
	Command
	Actor   domain.Actor       `json:"actor"`
	Actuals []domain.KPIActual `json:"actuals"`
}
