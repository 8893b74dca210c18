package contract

import "time"

// The notifier: one workflow per Temporal namespace that sends what no
// process sends (the outbox of comment events to webhooks, e-mail of the
// notifications the processes do not e-mail, the daily digests), on a timer.
// The worker starts it when it starts, under NotifierWorkflowID, and a start
// that finds it running joins it, so there is one however many workers run.
const (
	NotifierType       = "Notifier"
	NotifierWorkflowID = "tandem/notifier"
)

// NotifierInput is what one run of the notifier hands the next (it continues
// as new every hour, to keep its history short): when the next digest pass is
// due. The zero value (a first start) runs one at once.
type NotifierInput struct {
	NextDigest time.Time `json:"next_digest,omitzero"`
}
