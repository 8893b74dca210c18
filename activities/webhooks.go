package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tandemhq/tandem/domain"
)

// WebhookRecords holds the subscriptions and their delivery log; *store.Store
// implements it.
type WebhookRecords interface {
	Webhooks(ctx context.Context, owner string) ([]domain.Webhook, error)
	WebhookDelivered(ctx context.Context, subscriptionID, eventKey string) (bool, error)
	LogWebhookDelivery(ctx context.Context, d domain.WebhookDelivery) error
}

// Headers of a webhook delivery.
const (
	HeaderSignature = "X-Tandem-Signature"
	HeaderEventID   = "X-Tandem-Event-Id"
	HeaderEvent     = "X-Tandem-Event"
)

// deliveryTimeout bounds one POST, so one slow receiver cannot use up the
// activity's whole start-to-close time.
const deliveryTimeout = 10 * time.Second

// DeliverWebhooksInput is the events one workflow step wrote that webhooks may want.
type DeliverWebhooksInput struct {
	Events []domain.Event `json:"events"`
}

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	ID        string           `json:"id"`
	Kind      domain.EventKind `json:"kind"`
	Process   domain.Process   `json:"process"`
	ProcessID string           `json:"process_id"`
	TaskID    string           `json:"task_id,omitempty"`
	Actor     string           `json:"actor,omitempty"`
	Message   string           `json:"message"`
	At        time.Time        `json:"at"`
}

// Sign returns the X-Tandem-Signature value of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". Signing the time
// lets a receiver refuse an old delivery replayed at it.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// webhookBody is what a subscription of the given format receives for e.
func webhookBody(format domain.WebhookFormat, e domain.Event) ([]byte, error) {
	var v any = WebhookPayload{
		ID: e.Key, Kind: e.Kind, Process: e.Process, ProcessID: e.ProcessID,
		TaskID: e.TaskID, Actor: e.Actor, Message: e.Message, At: e.At,
	}
	if format == domain.WebhookSlack {
		v = map[string]string{"text": fmt.Sprintf("%s (%s %s)", e.Message, e.Process, e.ProcessID)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.Key, err)
	}
	return b, nil
}

// DeliverWebhooks POSTs each event to every subscription that wants its kind and
// has not had it yet, logging every attempt. It fails while any delivery fails,
// so Temporal retries it with backoff; what was delivered is not sent again, and a
// resent event keeps its ID (the event key) so receivers can de-duplicate. The
// last attempt the retry policy allows is logged as abandoned.
func (a *Activities) DeliverWebhooks(ctx context.Context, in DeliverWebhooksInput) error {
	if a.Webhooks == nil {
		return nil // this worker has no subscriptions store: webhooks are off
	}
	subs, err := a.Webhooks.Webhooks(ctx, "")
	if err != nil {
		return fmt.Errorf("deliver webhooks: %w", err)
	}
	info := activity.GetInfo(ctx)
	last := info.RetryPolicy != nil && info.RetryPolicy.MaximumAttempts > 0 && info.Attempt >= info.RetryPolicy.MaximumAttempts
	failed := 0
	for _, e := range in.Events {
		for _, w := range subs {
			if !w.Wants(e.Kind) {
				continue
			}
			done, err := a.Webhooks.WebhookDelivered(ctx, w.ID, e.Key)
			if err != nil {
				return fmt.Errorf("deliver webhooks: %w", err)
			}
			if done {
				continue
			}
			d := a.post(ctx, w, e)
			d.Attempt, d.Abandoned = int(info.Attempt), !d.Delivered && last
			if err := a.Webhooks.LogWebhookDelivery(ctx, d); err != nil {
				return fmt.Errorf("deliver webhooks: %w", err)
			}
			if !d.Delivered {
				failed++
				activity.GetLogger(ctx).Warn("webhook delivery failed", "subscription", w.ID, "event", e.Key, "status", d.StatusCode, "error", d.Error, "abandoned", d.Abandoned)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("deliver webhooks: %d deliveries failed", failed)
	}
	return nil
}

// post makes one delivery attempt; the outcome goes to the log, never an error.
func (a *Activities) post(ctx context.Context, w domain.Webhook, e domain.Event) domain.WebhookDelivery {
	d := domain.WebhookDelivery{SubscriptionID: w.ID, EventKey: e.Key, Kind: e.Kind, At: time.Now()}
	body, err := webhookBody(w.Format, e)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tandem-Webhooks/1")
	req.Header.Set(HeaderEventID, e.Key)
	req.Header.Set(HeaderEvent, string(e.Kind))
	req.Header.Set(HeaderSignature, Sign(w.Secret, d.At, body))
	client := a.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // drain, so the connection is reused
	d.StatusCode = resp.StatusCode
	d.Delivered = resp.StatusCode >= 200 && resp.StatusCode < 300
	return d
}
