package contract

import "github.com/tandemhq/tandem/domain"

// RiskInput starts a risk, or continues one as new with Carry set.
type RiskInput struct {
	ID       string           `json:"id"`
	Raise    domain.RiskRaise `json:"raise"`
	RaisedBy string           `json:"raised_by"`
	Policy   domain.Policy    `json:"policy"` // captured at start: later edits never change this risk
	Carry    *RiskCarry       `json:"carry,omitempty"`
}

// RiskCarry is the whole state of a risk handed to its next run, so continuing as
// new loses no task, timer or history.
type RiskCarry struct {
	Risk domain.Risk `json:"risk"`
	// Tasks are the open tasks; closed ones live on in the records.
	Tasks []CarriedTask `json:"tasks"`
	// TaskSeq and RecordSeq continue the numbering of task IDs and record keys, so
	// no ID or idempotency key of an earlier run is ever made again.
	TaskSeq   int               `json:"task_seq"`
	RecordSeq int               `json:"record_seq"`
	Signalled domain.LinkedRisk `json:"signalled"` // what the linked process was last told
	Runs      int               `json:"runs"`
	// Commands are the updates applied within CommandTTL, so the next run
	// refuses them again: Temporal deduplicates update IDs within a run only.
	Commands []CarriedCommand `json:"commands,omitempty"`
}

// CauseCleared is what a process tells a risk it raised when the cause has
// cleared: which cause, and in words what changed.
type CauseCleared struct {
	Cause string `json:"cause"`
	Why   string `json:"why"`
}

// RiskResult is how a risk ended.
type RiskResult struct {
	Status domain.RiskStatus `json:"status"`
}

// RiskDetail is the live detail of a risk, answered by QueryDetail.
type RiskDetail struct {
	domain.Risk
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks left out of this answer to keep
	// it within Temporal's payload limit; the task list has them all.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
}

// AssessRiskInput re-assesses a risk.
type AssessRiskInput struct {
	Command
	Actor       domain.Actor `json:"actor"`
	Probability int          `json:"probability"`
	Impact      int          `json:"impact"`
	Comment     string       `json:"comment,omitempty"`
}

// DecideRiskInput resolves, accepts, materializes or closes a risk.
type DecideRiskInput struct {
	Command
	Actor    domain.Actor        `json:"actor"`
	Decision domain.RiskDecision `json:"decision"`
	Comment  string              `json:"comment"`
}
