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
