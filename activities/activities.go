package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/domain"
)

// Records is where projections are written; *store.Store implements it.
type Records interface {
	// Apply writes a batch in one transaction. Applying the same batch twice leaves
	// the records as applying it once does.
	Apply(ctx context.Context, b domain.Batch) error
}

// Activities are the side effects workflows ask for. Register a pointer to one
// value with the worker; workflows call the methods through a nil *Activities.
type Activities struct {
	Records   Records
	Directory Directory
	// Webhooks holds the webhook subscriptions; nil turns webhooks off.
	Webhooks WebhookRecords
	// HTTP sends webhook deliveries; nil means http.DefaultClient. Give it a timeout.
	HTTP *http.Client
	// Mail sends reminders and escalations by e-mail; nil turns e-mail off.
	Mail *Mailer
}

// ErrTypeBadRecord is the application error type of a batch the records refuse as
// invalid: retrying cannot help, so it is not retried.
const ErrTypeBadRecord = "BadRecord"

// SaveRecords writes what one workflow step changed: the process record, tasks,
// timeline events and notifications, all or nothing.
func (a *Activities) SaveRecords(ctx context.Context, b domain.Batch) error {
	if b.Empty() {
		return nil
	}
	err := a.Records.Apply(ctx, b)
	if errors.Is(err, domain.ErrInvalid) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBadRecord, err)
	}
	if err != nil {
		return fmt.Errorf("save records: %w", err)
	}
	return nil
}
