package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// Command is what every update's input carries to bind it to the one Temporal
// Update it was sent as. The API makes the update ID from the caller's
// Idempotency-Key (or at random) and seals it with the rest of the input, so
// a sealed input copied out of a run's history and sent as another update is
// refused by the validator, and sent under its own ID meets Temporal's
// deduplication (its outcome, never a second application). IssuedAt is when
// the API made it: a command older than commandTTL is not applied, which is
// what makes a copy useless once a risk has continued as new (Temporal
// deduplicates within one run only; the log of applied IDs a risk carries
// over reaches back commandTTL).
type Command struct {
	UpdateID string    `json:"update_id"`
	IssuedAt time.Time `json:"issued_at"`
}

// Bind makes the input carrying c the command sent as update id, made at at.
func (c *Command) Bind(id string, at time.Time) {
	c.UpdateID, c.IssuedAt = id, at.UTC()
}

// commandTTL is how long a command may take from the API to its workflow, and
// how long a risk remembers the IDs of the commands it applied across
// continue-as-new: far beyond any retry or worker outage.
const commandTTL = 7 * 24 * time.Hour

// CarriedCommand is the ID of an update a run applied, and when, handed to the
// next run by continue-as-new.
type CarriedCommand struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// commands is a run's log of the updates it applied: its own and, carried over
// by continue-as-new, those of its earlier runs within commandTTL.
type commands struct {
	applied []CarriedCommand
	known   map[string]bool
}

func newCommands(carried []CarriedCommand) *commands {
	l := &commands{known: map[string]bool{}}
	for _, c := range carried {
		l.applied = append(l.applied, c)
		l.known[c.ID] = true
	}
	return l
}

// check is what every update validator asks first: the input was made for
// this very update, recently enough, and is not one an earlier run applied.
// Validators do not run on replay, so this needs no versioning.
func (l *commands) check(ctx workflow.Context, c Command) error {
	info := workflow.GetCurrentUpdateInfo(ctx)
	switch {
	case info == nil || c.UpdateID == "" || c.UpdateID != info.ID:
		return domain.Forbiddenf("this command was made for another update: commands are sent through Tandem's API")
	case workflow.Now(ctx).Sub(c.IssuedAt) > commandTTL:
		return domain.Conflictf("this command was issued %s, more than %s ago, and is no longer applied", c.IssuedAt.UTC().Format(time.RFC3339), commandTTL)
	case l.known[c.UpdateID]:
		return domain.Conflictf("this command was already applied")
	}
	return nil
}

// note logs the current update as applied; every update handler calls it
// first. It runs on replay too, so the log a risk carries over is the same.
func (l *commands) note(ctx workflow.Context) {
	now := workflow.Now(ctx)
	l.applied = slices.DeleteFunc(l.applied, func(c CarriedCommand) bool {
		old := now.Sub(c.At) > commandTTL
		if old {
			delete(l.known, c.ID)
		}
		return old
	})
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		l.applied = append(l.applied, CarriedCommand{ID: info.ID, At: now})
		l.known[info.ID] = true
	}
}

// carry returns the log for the next run.
func (l *commands) carry() []CarriedCommand { return slices.Clone(l.applied) }
