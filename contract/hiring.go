package contract

import "github.com/tandemhq/tandem/domain"

// HiringInput starts a hiring request. It carries no personal data: candidates
// arrive later, by ID only.
type HiringInput struct {
	ID          string             `json:"id"`
	Request     domain.Requisition `json:"request"`
	RequestedBy string             `json:"requested_by"`
	Policy      domain.Policy      `json:"policy"` // captured at start: later edits never change this run
}

// HiringResult is how a hiring request ended.
type HiringResult struct {
	Status domain.Status `json:"status"`
	Hired  string        `json:"hired,omitempty"` // candidate ID
}

// HiringDetail is the live detail of a hiring request, answered by QueryDetail.
type HiringDetail struct {
	domain.HiringRequest
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks left out of this answer to keep
	// it within Temporal's payload limit; the task list has them all.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
}

// AddCandidateInput adds a candidate the API has already stored; only the ID
// enters the workflow.
type AddCandidateInput struct {
	Command
	Actor       domain.Actor `json:"actor"`
	CandidateID string       `json:"candidate_id"`
}
