package kernel

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// commands is a run's log of the updates it applied: its own and, carried over
// by continue-as-new, those of its earlier runs within contract.CommandTTL.
type commands struct {
	applied []contract.CarriedCommand
	known   map[string]bool
}

func newCommands(carried []contract.CarriedCommand) *commands {
	l := &commands{known: map[string]bool{}}
	for _, c := range carried {
		l.applied = append(l.applied, c)
		l.known[c.ID] = true
	}
	return l
}

// check is what every update validator asks first (On puts it there): the
// input was made for this very update, recently enough, and is not one an
// earlier run applied. Validators do not run on replay, so this needs no
// versioning.
func (l *commands) check(ctx workflow.Context, c contract.Command) error {
	info := workflow.GetCurrentUpdateInfo(ctx)
	switch {
	case info == nil || c.UpdateID == "" || c.UpdateID != info.ID:
		return domain.Forbiddenf("this command was made for another update: commands are sent through Tandem's API")
	case workflow.Now(ctx).Sub(c.IssuedAt) > contract.CommandTTL:
		return domain.Conflictf("this command was issued %s, more than %s ago, and is no longer applied", c.IssuedAt.UTC().Format(time.RFC3339), contract.CommandTTL)
	case l.known[c.UpdateID]:
		return domain.Conflictf("this command was already applied")
	}
	return nil
}

// note logs the current update as applied; every update handler calls it
// first (On puts it there). It runs on replay too, so the log a risk carries
// over is the same.
func (l *commands) note(ctx workflow.Context) {
	now := workflow.Now(ctx)
	l.applied = slices.DeleteFunc(l.applied, func(c contract.CarriedCommand) bool {
		old := now.Sub(c.At) > contract.CommandTTL
		if old {
			delete(l.known, c.ID)
		}
		return old
	})
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		l.applied = append(l.applied, contract.CarriedCommand{ID: info.ID, At: now})
		l.known[info.ID] = true
	}
}

// carry returns the log for the next run.
func (l *commands) carry() []contract.CarriedCommand { return slices.Clone(l.applied) }
