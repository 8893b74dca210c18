package contract

import (
	"time"

	"github.com/tandemhq/tandem/domain"
)

// CompleteTaskInput is a person's answer to a task, with the actor the API resolved.
type CompleteTaskInput struct {
	Command
	TaskID     string            `json:"task_id"`
	Actor      domain.Actor      `json:"actor"`
	Completion domain.Completion `json:"completion"`
}

// ReassignTaskInput gives a task to another person. The API has checked that the
// new assignee exists and may hold the task.
type ReassignTaskInput struct {
	Command
	TaskID   string       `json:"task_id"`
	Actor    domain.Actor `json:"actor"`
	Assignee string       `json:"assignee"`
	Reason   string       `json:"reason"`
}

// EstimateTaskInput sets the estimate of an open task, in hours, with why
// (optional).
type EstimateTaskInput struct {
	Command
	TaskID string       `json:"task_id"`
	Actor  domain.Actor `json:"actor"`
	Hours  float64      `json:"hours"`
	Reason string       `json:"reason,omitempty"`
}

// ReleaseTaskInput gives back a task From holds: to its team's queue (every
// holder of its role, in its team when the role is team-bound) when Assignee is
// empty, else to Assignee. It is what disabling a person sends for each of
// their open tasks, as the system actor: the task moves only while From still
// holds it, so a retry after it moved, or after someone took it since, moves
// nothing.
type ReleaseTaskInput struct {
	Command
	TaskID   string       `json:"task_id"`
	Actor    domain.Actor `json:"actor"`
	From     string       `json:"from"`
	Assignee string       `json:"assignee,omitempty"`
	Reason   string       `json:"reason"`
}

// CancelInput cancels a process.
type CancelInput struct {
	Command
	Actor  domain.Actor `json:"actor"`
	Reason string       `json:"reason"`
}

// CarriedTask is an open task handed to the next run by continue-as-new, with
// what its timers need.
type CarriedTask struct {
	Task     domain.Task `json:"task"`
	RemindAt time.Time   `json:"remind_at"`
	Overdue  bool        `json:"overdue"` // already reported: not reported again
}
