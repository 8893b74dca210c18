package kernel

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// Input is what every update's input is: a struct embedding contract.Command.
type Input interface {
	Bound() contract.Command
}

// Update is one update of a process, made by On and installed by Register.
type Update struct {
	name      string
	handler   any
	validator any
}

// On makes update name of k's process: validate decides whether an input may
// be applied, handle applies it. Every update is served the same way: the
// validator first checks that the input was made for this very update and was
// not applied before (the command log, carried across continue-as-new), then
// asks validate; the handler first logs the update as applied, then runs
// handle. A domain error either returns (domain.Forbiddenf, Conflictf,
// Invalid…) reaches the caller as the application error the API turns back
// into its answer; any other error passes as it is.
func On[In Input, Out any](k *Core, name string, handle func(workflow.Context, In) (Out, error), validate func(workflow.Context, In) error) Update {
	return Update{
		name: name,
		handler: func(ctx workflow.Context, in In) (Out, error) {
			k.cmds.note(ctx)
			audit := in.Bound().Audit
			id := workflow.GetCurrentUpdateInfo(ctx).ID
			if audit != nil {
				k.out.audit(workflow.Now(ctx), id, *audit)
			}
			out, err := handle(ctx, in)
			if audit != nil && k.out.unaudit(id) && err == nil {
				// The command changed nothing the records hold, so nothing wrote
				// its entry: a write of its own, before the answer.
				err = k.auditAlone(ctx, id, *audit)
			}
			return out, refusal(err)
		},
		validator: func(ctx workflow.Context, in In) error {
			if err := k.cmds.check(ctx, in.Bound()); err != nil {
				return refusal(err)
			}
			return refusal(validate(ctx, in))
		},
	}
}

// Register installs updates on the workflow, in the order given; ctx is the
// workflow's root context.
func (k *Core) Register(ctx workflow.Context, updates ...Update) error {
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return err
		}
	}
	return nil
}

// refusal turns a domain refusal into the application error an update answers
// with: the domain code as its type, field problems as its details. The API turns
// it back. Other errors pass through unchanged.
func refusal(err error) error {
	code := domain.Code(err)
	if code == "" {
		return err
	}
	var details []any
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		details = append(details, ve.Problems)
	}
	return temporal.NewApplicationErrorWithOptions(domain.Message(err), code,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: details})
}

// auditAlone writes the entry of command id, applied now, on its own, for an
// update whose handler wrote nothing. Only inputs from this release on carry
// an entry, so no history from before reaches it: it needs no version.
func (k *Core) auditAlone(ctx workflow.Context, id string, e domain.AuditEntry) error {
	k.out.audit(workflow.Now(ctx), id, e)
	return k.out.flush(ctx)
}
