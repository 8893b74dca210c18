package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ID prefixes of the contract.
const (
	PrefixCampaign = "cmp_"
	PrefixHiring   = "hir_"
	PrefixRisk     = "rsk_"
	PrefixTask     = "tsk_"
	// PrefixTemplateRun is the prefix of a template run's ID: tpr_….
	PrefixTemplateRun = "tpr_"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a short random ID with the given prefix, such as cmp_5kq3h8d2xw9a.
func NewID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + idEncoding.EncodeToString(b)[:12]
}

// TaskID derives a task's ID from its process's ID and its sequence number there,
// so a workflow makes the same IDs on every replay without recording a side
// effect. It uses the process ID from the workflow's input, not the run's workflow
// ID, which a replayer may not know.
func TaskID(processID string, seq int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/task/%d", processID, seq))
	return PrefixTask + idEncoding.EncodeToString(sum[:])[:12]
}

// HasPrefixID reports whether id looks like an ID with the given prefix.
func HasPrefixID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != 12 {
		return false
	}
	for _, r := range rest {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", r) {
			return false
		}
	}
	return true
}

// WaitingOn says whom a process waits for, since when and until when: one of its
// open tasks, or a decision on a risk that holds it.
type WaitingOn struct {
	TaskID string `json:"task_id,omitempty"` // the open task; empty when it waits on a risk
	// RiskID is the risk whose decision it waits on, when it is held by one.
	RiskID   string `json:"risk_id,omitempty"`
	Title    string `json:"title"`
	Team     Team   `json:"team,omitempty"`
	Assignee string `json:"assignee,omitempty"`
	// Roles, when Assignee is empty, are the roles any holder of which may act.
	Roles []Role    `json:"roles,omitempty"`
	Since time.Time `json:"since"`
	DueAt time.Time `json:"due_at,omitzero"` // zero when nothing sets a deadline
}

// WaitingOnOf lists the open tasks among tasks.
func WaitingOnOf(tasks []Task) []WaitingOn {
	out := []WaitingOn{}
	for _, t := range tasks {
		if t.IsOpen() {
			out = append(out, WaitingOn{TaskID: t.ID, Title: t.Title, Team: t.Team, Assignee: t.Assignee, Since: t.CreatedAt, DueAt: t.DueAt})
		}
	}
	return out
}

// WaitingOn lists whom the campaign waits on: its open tasks among tasks, and,
// while a risk holds its launch, the risk's owner, who may resolve it, and
// marketing ops and directors, who may accept it (the owner may hold that
// authority too).
func (c Campaign) WaitingOn(tasks []Task) []WaitingOn {
	out := WaitingOnOf(tasks)
	if c.HeldBy == "" {
		return out
	}
	l := LinkedRisk{ID: c.HeldBy}
	for _, r := range c.Risks {
		if r.ID == c.HeldBy {
			l = r
		}
	}
	name := "“" + l.Title + "”"
	if l.Title == "" {
		name = l.ID
	}
	var since time.Time
	if c.HeldSince != nil {
		since = *c.HeldSince
	}
	return append(out,
		WaitingOn{RiskID: l.ID, Title: "Resolve the risk " + name + ", which holds the launch", Assignee: l.Owner, Since: since},
		WaitingOn{RiskID: l.ID, Title: "Accept the risk " + name + " for the launch to go ahead", Roles: slices.Clone(riskAuthority), Since: since},
	)
}

// Campaign is the record of a campaign launch: the database's projection of the
// workflow's state, and the body of its detail.
type Campaign struct {
	ID          string      `json:"id"`
	WorkflowID  string      `json:"workflow_id"`
	Brief       Brief       `json:"brief"`
	Status      Status      `json:"status"`
	Stage       Stage       `json:"stage"`
	RequestedBy string      `json:"requested_by"`
	Actuals     []KPIActual `json:"kpi_actuals"`
	KPIs        []KPIResult `json:"kpi_report"`
	Stages      []StageSpan `json:"stages"`
	Report      *Report     `json:"report,omitempty"`
	Reason      string      `json:"reason,omitempty"` // why it ended, when it was cancelled or rejected
	// Risks are the risks linked to the campaign; HeldBy names the critical one
	// holding its launch, if any.
	Risks  []LinkedRisk `json:"risks,omitempty"`
	HeldBy string       `json:"held_by,omitempty"`
	// HeldSince is when the risk began holding the launch.
	HeldSince *time.Time `json:"held_since,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// EventKind classifies timeline events.
type EventKind string

// Timeline event kinds.
const (
	EventStarted       EventKind = "started"
	EventStage         EventKind = "stage_changed"
	EventTaskOpened    EventKind = "task_opened"
	EventTaskCompleted EventKind = "task_completed"
	EventTaskCancelled EventKind = "task_cancelled"
	EventTaskReassign  EventKind = "task_reassigned"
	EventTaskEstimated EventKind = "task_estimated" // a task's estimate changed
	EventTaskOverdue   EventKind = "task_overdue"
	EventTaskEscalated EventKind = "task_escalated"
	EventChanged       EventKind = "changed"
	EventLaunchSlipped EventKind = "launch_slipped"
	EventKPIRecorded   EventKind = "kpi_recorded"
	EventKPIMissed     EventKind = "kpi_missed"
	EventKPIOnTarget   EventKind = "kpi_on_target" // a missed KPI is back on target
	EventEnded         EventKind = "ended"
	// EventRefused is a command refused or failed on the process, from the audit trail.
	EventRefused EventKind = "refused"
	// Risk
	EventRiskRaised     EventKind = "risk_raised"
	EventRiskAssessed   EventKind = "risk_assessed"
	EventRiskEscalated  EventKind = "risk_escalated"
	EventRiskResponded  EventKind = "risk_responded"
	EventRiskDecided    EventKind = "risk_decided"
	EventRiskLinked     EventKind = "risk_linked"
	EventLaunchHeld     EventKind = "launch_held"
	EventLaunchReleased EventKind = "launch_released"
)

// Event is one line of a process's business timeline: who did what, when.
type Event struct {
	Key       string    `json:"key"` // idempotency key made by the workflow; stable, so clients can de-duplicate
	Process   Process   `json:"process"`
	ProcessID string    `json:"process_id"`
	Kind      EventKind `json:"kind"`
	Actor     string    `json:"actor,omitempty"`
	TaskID    string    `json:"task_id,omitempty"`
	Message   string    `json:"message"`
	At        time.Time `json:"at"`
	// Refused is, for a refused command, what was tried and the answer: for a
	// reader to put in their own words. Only events of kind refused have it.
	Refused *Refusal `json:"refused,omitempty"`
}

// Refusal is a command refused (or failed) on a process, from the audit trail.
type Refusal struct {
	Action string `json:"action"`           // method and route: "POST /api/v1/tasks/:id/complete"
	Object string `json:"object,omitempty"` // the ID in the path
	Status int    `json:"status"`
	Reason string `json:"reason,omitempty"` // the public message the client was answered with
}

// NotificationKind classifies notifications.
type NotificationKind string

// Notification kinds.
const (
	NotifyAssigned  NotificationKind = "assigned"
	NotifyReminder  NotificationKind = "reminder"
	NotifyOverdue   NotificationKind = "overdue"
	NotifyEscalated NotificationKind = "escalation"
	NotifyUpdate    NotificationKind = "update"
)

// Notification is a message to one person, or to everyone holding Role in Team
// when Recipient is empty (expanded when it is written).
type Notification struct {
	Key       string           `json:"key"` // idempotency key made by the workflow, unique per recipient
	ID        uint64           `json:"id,omitempty"`
	Recipient string           `json:"recipient,omitempty"`
	Team      Team             `json:"team,omitempty"`
	Role      Role             `json:"role,omitempty"`
	Kind      NotificationKind `json:"kind"`
	Subject   string           `json:"subject"`
	Process   Process          `json:"process,omitempty"`
	ProcessID string           `json:"process_id,omitempty"`
	TaskID    string           `json:"task_id,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	ReadAt    *time.Time       `json:"read_at,omitempty"`
	// CommentID is the comment a mention or a reply is about, for a link to it.
	CommentID uint64 `json:"comment_id,omitempty"`
}

// MaxUnread caps how many unread notifications are counted: a badge says "99+"
// long before, and counting stops there, so the count is one short index scan.
const MaxUnread = 100

// NotificationMark is how far a person has read their notifications: every one
// up to SeenThrough (a notification ID; IDs grow with each notification) is
// read, and Unread counts those after it, at most MaxUnread.
type NotificationMark struct {
	SeenThrough uint64 `json:"seen_through"`
	Unread      int    `json:"unread"`
}

// Batch is what one workflow step writes to the records, at once and idempotently:
// the process record as it now is, the tasks that changed, new timeline events and
// notifications. Writing the same batch twice leaves the records as after once.
type Batch struct {
	Campaign      *Campaign      `json:"campaign,omitempty"`
	Hiring        *HiringRequest `json:"hiring,omitempty"`
	Risk          *Risk          `json:"risk,omitempty"`
	TemplateRun   *TemplateRun   `json:"template_run,omitempty"`
	Tasks         []Task         `json:"tasks,omitempty"`
	Events        []Event        `json:"events,omitempty"`
	Notifications []Notification `json:"notifications,omitempty"`
	// Audit holds the audit-trail entries of the commands whose changes the
	// batch writes, so that a command never takes effect without its entry.
	Audit []CommandAudit `json:"audit,omitempty"`
}

// CommandAudit is the audit-trail entry of a command a process applied, and
// the command's ID, which makes writing it idempotent: a batch written twice
// (a retried activity) adds the entry once. Seq and the hashes are the
// store's to set, as it chains the entry.
type CommandAudit struct {
	CommandID string     `json:"command_id"`
	Entry     AuditEntry `json:"entry"`
}

// Empty reports whether the batch writes nothing.
func (b Batch) Empty() bool {
	return b.Campaign == nil && b.Hiring == nil && b.Risk == nil && b.TemplateRun == nil && len(b.Tasks) == 0 && len(b.Events) == 0 && len(b.Notifications) == 0 && len(b.Audit) == 0
}
