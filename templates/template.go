package templates

import "github.com/tandemhq/tandem/domain"

// Template is a process a team defines: what it asks at the start (the intake),
// the stages it runs in order with their tasks, its KPIs, who triages it and
// what its card on the board shows. Every stage, task and KPI has a key that is
// stable across versions of the template, so a run (which keeps the version it
// started with) and its records name them the same way; every time in it is a
// duration from something the run knows, never a date on a calendar.
type Template struct {
	// Key names the template for good ("webinar"); Version counts its
	// published versions from 1.
	Key         string `json:"key"`
	Version     int    `json:"version"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Triage is the team or role whose queue an intake reaches first.
	Triage Triage `json:"triage"`
	// Intake is the form a run starts from: the fields of task forms
	// (domain.FormField), read by conditions as intake.NAME.
	Intake []domain.FormField `json:"intake"`
	// Stages run in order; a stage starts when the one before it ends.
	Stages []Stage `json:"stages"`
	KPIs   []KPI   `json:"kpis,omitempty"`
	// Retrospective, when set, asks who asked for a run for its lessons
	// learned once its last stage, and the tracking of its KPIs, are over.
	Retrospective bool  `json:"retrospective,omitempty"`
	Board         Board `json:"board"`
}

// Triage is who looks at a new intake first: a team, or the holders of a role.
type Triage struct {
	Team domain.Team `json:"team,omitempty"`
	Role domain.Role `json:"role,omitempty"`
}

// Stage is one column of the board: tasks that run in parallel, but for those
// that depend on others of the stage.
type Stage struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// When, if set, is a condition on the intake and the answers of earlier
	// stages' tasks; a stage whose condition is false is skipped.
	When  string `json:"when,omitempty"`
	Tasks []Task `json:"tasks"`
}

// Task is one piece of human work of a stage.
type Task struct {
	// Key is unique in the template, so a condition names a task by it alone
	// (tasks.KEY).
	Key         string          `json:"key"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Kind        domain.TaskKind `json:"kind"`
	Assignee    Assignee        `json:"assignee"`
	Due         Due             `json:"due"`
	// When, if set, is a condition on the intake, the answers of earlier
	// stages' tasks and those of the tasks this one depends on; a task whose
	// condition is false is skipped, and counts as done for those after it.
	When string `json:"when,omitempty"`
	// DependsOn names tasks of the same stage that must be done first.
	DependsOn []string `json:"depends_on,omitempty"`
	// Form is the structured answer the task takes, which later conditions
	// read as tasks.KEY.data.NAME.
	Form []domain.FormField `json:"form,omitempty"`
	// OnReject and OnChangesRequested say where an approval's rejection, or
	// its request for changes, leads: RouteEnd, or back to the key of this
	// stage or an earlier one. Left out, a rejection ends the run and a request
	// for changes runs this stage again.
	OnReject           string `json:"on_reject,omitempty"`
	OnChangesRequested string `json:"on_changes_requested,omitempty"`
}

// RouteEnd ends the run, as an approval's on_reject or on_changes_requested.
const RouteEnd = "end"

// The kinds of task a template may have; each takes the outcomes of its kind
// in domain (an approval: approved, rejected or changes requested).
var taskKinds = []domain.TaskKind{domain.KindWork, domain.KindApproval, domain.KindReview}

// Assignee is who does a task: a team, the holders of a role (in a team, when
// both are given), or the person an intake field names.
type Assignee struct {
	Team domain.Team `json:"team,omitempty"`
	Role domain.Role `json:"role,omitempty"`
	// Person is the name of a person field of the intake.
	Person string `json:"person,omitempty"`
}

// KPI is a goal a run is measured by, against a target the intake gives or
// the template fixes, over a tracking window.
type KPI struct {
	Key       string           `json:"key"`
	Name      string           `json:"name"`
	Unit      string           `json:"unit,omitempty"`
	Direction domain.Direction `json:"direction"`
	Target    Target           `json:"target"`
	Tracking  Tracking         `json:"tracking"`
}

// Target is a KPI's target: a number or money field of the intake, or a value.
type Target struct {
	Field string   `json:"field,omitempty"`
	Value *float64 `json:"value,omitempty"`
}

// Tracking is a KPI's window: For long, from From (AnchorStart, or a date field
// of the intake, such as the event's date).
type Tracking struct {
	From string `json:"from"`
	For  Offset `json:"for"`
}

// Board is what the board shows of a run: its stages are the columns; Title
// (a text field of the intake) names its card, and Card lists the intake fields
// the card shows beside it.
type Board struct {
	Title string   `json:"title"`
	Card  []string `json:"card,omitempty"`
}

// Caps on what a template may hold: a run's workflow carries the template in
// its history, and the board draws all of it.
const (
	MaxIntakeFields = 50
	MaxStages       = 30
	MaxTasks        = 200 // in all stages together
	MaxCardFields   = 8
	MaxWhenChars    = 1000
	MaxKeyChars     = 64
	// MaxDocumentBytes caps a template document.
	MaxDocumentBytes = 1 << 20
)
