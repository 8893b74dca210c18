package contract

import (
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Command is what every update's input carries to bind it to the one Temporal
// Update it was sent as. The API makes the update ID from the caller's
// Idempotency-Key (or at random) and seals it with the rest of the input, so
// a sealed input copied out of a run's history and sent as another update is
// refused by the validator, and sent under its own ID meets Temporal's
// deduplication (its outcome, never a second application). IssuedAt is when
// the API made it: a command older than CommandTTL is not applied, which is
// what makes a copy useless once a risk has continued as new (Temporal
// deduplicates within one run only; the log of applied IDs a risk carries
// over reaches back CommandTTL).
type Command struct {
	UpdateID string    `json:"update_id"`
	IssuedAt time.Time `json:"issued_at"`
	// Audit is the command's entry in the audit trail, as the API saw the
	// request (who, the route, the object, the request ID and address): the
	// run writes it, stamped with the time it applied the command, in the
	// same transaction as the records the command changed, so no command
	// takes effect without its entry. Nil in commands from before.
	Audit *domain.AuditEntry `json:"audit,omitempty"`
}

// Bind makes the input carrying c the command sent as update id, made at at,
// whose audit-trail entry is audit.
func (c *Command) Bind(id string, at time.Time, audit domain.AuditEntry) {
	c.UpdateID, c.IssuedAt, c.Audit = id, at.UTC(), &audit
}

// Bound returns the binding Bind made: what a workflow checks an update's
// input against. Every update input embeds a Command, so every one has it.
func (c Command) Bound() Command { return c }

// CommandTTL is how long a command may take from the API to its workflow, and
// how long a risk remembers the IDs of the commands it applied across
// continue-as-new: far beyond any retry or worker outage.
const CommandTTL = 7 * 24 * time.Hour

// CarriedCommand is the ID of an update a run applied, and when, handed to the
// next run by continue-as-new.
type CarriedCommand struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}
