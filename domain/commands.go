package domain

import "time"

// CommandStatus is where a sent command stands.
type CommandStatus string

// Command statuses.
const (
	// CommandPending: sent, or to be sent again; its outcome is not known yet.
	CommandPending CommandStatus = "pending"
	// CommandDone: the process applied it; Temporal keeps its outcome.
	CommandDone CommandStatus = "done"
	// CommandRefused: the process (or Temporal) refused it, for good.
	CommandRefused CommandStatus = "refused"
)

// SentCommand is a command a person sent to a process through the API (a
// decision, a change, KPI actuals, a cancel, …), kept so that a retry with the
// same Idempotency-Key, and the status URL of a command admitted but not yet
// processed, reach the one Temporal update it was sent as, and answer its
// outcome. Its ID is that update's ID.
type SentCommand struct {
	ID         string
	Caller     string // the handle of who sent it: only they may read it
	Kind       string // which command route: complete-task, record-kpis, …
	Target     string // the task or process ID the route named
	WorkflowID string
	Update     string // the update's name
	BodyHash   string // SHA-256 of the request body, hex: the same key with another body is a conflict
	Input      []byte // the update's input as JSON, sent again as it is
	Status     CommandStatus
	RunID      string // the run that applied it, once done: its outcome is asked there
	Refusal    []byte // the answer to a refused command, as the API gave it
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
