package domain

import (
	"fmt"
	"slices"
	"time"
)

// Process names the kind of process a task or record belongs to.
type Process string

// The processes Tandem runs.
const (
	ProcessCampaign Process = "campaign"
	ProcessHiring   Process = "hiring"
	ProcessRisk     Process = "risk"
	// ProcessTemplate is a run of a process template (templates/): a process
	// a team defined, run by the one generic workflow.
	ProcessTemplate Process = "template"
)

// TaskKind says what sort of human work a task is, and so which outcomes it takes.
type TaskKind string

// The task kinds of the contract.
const (
	KindWork        TaskKind = "work"
	KindApproval    TaskKind = "approval"
	KindAcknowledge TaskKind = "acknowledge"
	KindReview      TaskKind = "review"
)

// TaskStatus is where a task is in its life.
type TaskStatus string

// A task is open until it is done, cancelled by its process, or expired by an escalation.
const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
	TaskExpired   TaskStatus = "expired"
)

// Outcome is how a task was completed.
type Outcome string

// Outcomes: approval tasks take the first three, every other kind takes done.
const (
	OutcomeApproved         Outcome = "approved"
	OutcomeRejected         Outcome = "rejected"
	OutcomeChangesRequested Outcome = "changes_requested"
	OutcomeDone             Outcome = "done"
)

// Task is one piece of human work in a process: the one primitive every process uses.
type Task struct {
	ID              string         `json:"id"`
	Process         Process        `json:"process"`
	ProcessID       string         `json:"process_id"`
	WorkflowID      string         `json:"workflow_id"`
	Kind            TaskKind       `json:"kind"`
	Key             string         `json:"key,omitempty"` // what the task is for within its process, e.g. "deliverable:assets"
	Title           string         `json:"title"`
	Description     string         `json:"description,omitempty"`
	Team            Team           `json:"team,omitempty"`
	Role            Role           `json:"role,omitempty"`
	Assignee        string         `json:"assignee,omitempty"`
	RequestedBy     string         `json:"requested_by,omitempty"` // who raised what this task decides; they may not approve it
	Status          TaskStatus     `json:"status"`
	DueAt           time.Time      `json:"due_at"`
	EscalationLevel int            `json:"escalation_level"`
	Outcome         Outcome        `json:"outcome,omitempty"`
	Comment         string         `json:"comment,omitempty"`
	CompletedBy     string         `json:"completed_by,omitempty"`
	OnBehalfOf      string         `json:"on_behalf_of,omitempty"`
	CompletedAt     *time.Time     `json:"completed_at,omitempty"`
	Data            map[string]any `json:"data,omitempty"` // structured answer given with the completion
	// EstimateHours is the work the task was planned at (capacity.go): the
	// policy's for its kind when opened, as the process's managers changed it
	// since; nil when nobody estimated it.
	EstimateHours *float64 `json:"estimate_hours,omitempty"`
	// ActualHours is the time it took, as whoever completed it said; nil when
	// they did not say (or it is not done).
	ActualHours *float64 `json:"actual_hours,omitempty"`
	// Form is the shape Data must have, for a task whose process reads its data
	// (taskforms.go); nil when the outcome and comment are the whole answer.
	Form      *Form     `json:"form,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// DataOmitted says this answer leaves out the task's data, and the form of a
	// closed task with it: for room in a process's detail (the task itself has
	// them), or because the data breaks the caps, which only a completion made
	// before they existed can.
	DataOmitted bool `json:"data_omitted,omitempty"`
}

// IsOpen reports whether the task still waits for someone.
func (t Task) IsOpen() bool { return t.Status == TaskOpen }

// OmitData leaves the task's data out of an answer, and marks that it did. A
// closed task's form goes too: nobody answers it any more, and a revision's
// form, which holds what it revised, is as large as its data.
func (t *Task) OmitData() {
	t.Data, t.DataOmitted = nil, true
	if !t.IsOpen() {
		t.Form = nil
	}
}

// OmitUnfitData leaves out data that breaks the caps (see DataProblem): only a
// completion made before they existed holds such data, and answering it is what
// once made a process's detail unreadable.
func (t *Task) OmitUnfitData() {
	if DataProblem(t.Data) != "" {
		t.OmitData()
	}
}

// Completion is a person's answer to a task.
type Completion struct {
	Outcome Outcome        `json:"outcome"`
	Comment string         `json:"comment,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	// ActualHours is the time the task took, when the person says (optional).
	ActualHours *float64 `json:"actual_hours,omitempty"`
}

// CheckOutcome says whether c is an acceptable answer to a task of this kind.
// It returns a *ValidationError (422) when it is not.
func (t Task) CheckOutcome(c Completion) error {
	switch t.Kind {
	case KindApproval:
		switch c.Outcome {
		case OutcomeApproved:
		case OutcomeRejected, OutcomeChangesRequested:
			if Blank(c.Comment) {
				return Invalid(FieldProblem{Field: "comment", Problem: fmt.Sprintf("required when the outcome is %s", c.Outcome)})
			}
		default:
			return Invalid(FieldProblem{Field: "outcome", Problem: "must be approved, rejected or changes_requested"})
		}
	default:
		if c.Outcome != OutcomeDone {
			return Invalid(FieldProblem{Field: "outcome", Problem: "must be done"})
		}
	}
	return nil
}

// teamBound are the roles that only count inside their own team: a designer in the
// web team does not pick up creative work. Managers, directors and admins act across teams.
var teamBound = []Role{RoleCreative, RoleContent, RoleWeb, RoleAnalytics, RoleLegal, RoleFinance, RoleHR}

// CheckEligible says whether actor may complete the task. The caller has already
// resolved delegation: Actor.OnBehalfOf is set only when the API has verified the
// actor is that person's out-of-office delegate right now.
func (t Task) CheckEligible(a Actor) error {
	if !t.IsOpen() {
		return Conflictf("task %s is %s", t.ID, t.Status)
	}
	if t.Kind == KindApproval && t.RequestedBy != "" && (a.Handle == t.RequestedBy || a.OnBehalfOf == t.RequestedBy) {
		return Forbiddenf("%s raised this request and may not approve it", t.RequestedBy)
	}
	if t.Assignee != "" {
		if a.Handle == t.Assignee || (a.OnBehalfOf != "" && a.OnBehalfOf == t.Assignee) {
			return nil
		}
		return Forbiddenf("task %s is assigned to %s", t.ID, t.Assignee)
	}
	if t.Role != "" && !a.HasRole(t.Role) {
		return Forbiddenf("task %s needs the %s role", t.ID, t.Role)
	}
	if t.Team != "" && slices.Contains(teamBound, t.Role) && a.Team != t.Team {
		return Forbiddenf("task %s is for the %s team", t.ID, t.Team)
	}
	return nil
}
