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
	// HTTP sends webhook deliveries: NewWebhookClient over the operator's
	// destination guard. nil means that client over a guard that allows public
	// destinations only.
	HTTP *http.Client
	// Mail sends notifications by e-mail; nil turns e-mail off.
	Mail *Mailer
	// Notifier holds the outbox and the notifier's marks (DispatchNotifications,
	// SendDigests); nil turns the notifier's work off.
	Notifier NotifierRecords
}

// ErrTypeBadRecord is the application error type of a batch the records refuse as
// invalid: retrying cannot help, so it is not retried.
const ErrTypeBadRecord = "BadRecord"

// SaveRecordsResult tells the workflow which outbound work a written batch needs,
// so it starts only the activities that have something to do. The zero value asks
// for all of it, which is also what a worker older than this result answers.
type SaveRecordsResult struct {
	// NoWebhooks: no subscription wants any event of the batch, or webhooks are off.
	NoWebhooks bool `json:"no_webhooks,omitempty"`
	// NoEmail: e-mail is off on this worker.
	NoEmail bool `json:"no_email,omitempty"`
}

// SaveRecords writes what one workflow step changed: the process record, tasks,
// timeline events and notifications, all or nothing. Once written, it says which
// webhook and e-mail work the batch needs; a failure to tell leaves that work to
// the delivery activities, which retry it.
func (a *Activities) SaveRecords(ctx context.Context, b domain.Batch) (SaveRecordsResult, error) {
	if b.Empty() {
		return SaveRecordsResult{}, nil
	}
	err := a.Records.Apply(ctx, b)
	if errors.Is(err, domain.ErrInvalid) {
		return SaveRecordsResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBadRecord, err)
	}
	if err != nil {
		return SaveRecordsResult{}, fmt.Errorf("save records: %w", err)
	}
	return SaveRecordsResult{NoWebhooks: a.noWebhooks(ctx, b.Events), NoEmail: a.Mail == nil}, nil
}

// noWebhooks reports whether no subscription wants any of events. When the
// subscriptions cannot be read it answers false: DeliverWebhooks reads them
// again, and retries until it can.
func (a *Activities) noWebhooks(ctx context.Context, events []domain.Event) bool {
	if a.Webhooks == nil {
		return true
	}
	if len(events) == 0 {
		return true
	}
	subs, err := a.Webhooks.Webhooks(ctx, "")
	if err != nil {
		return false
	}
	for _, e := range events {
		for _, w := range subs {
			if w.Wants(e.Kind) {
				return false
			}
		}
	}
	return true
}
