package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
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

// Limits of one delivery. The whole POST is bounded so one slow receiver cannot
// use up the activity's start-to-close time; each step within it is bounded
// too; and of the answer only the status and a little of the body are read.
const (
	deliveryTimeout     = 10 * time.Second
	tlsHandshakeTimeout = 5 * time.Second
	responseTimeout     = 5 * time.Second // from the request sent to the response headers
	maxResponseHeaders  = 16 << 10
	maxResponseBody     = 4 << 10
)

// NewWebhookClient returns the HTTP client deliveries go through. It connects
// only through the guard, which dials a destination only when the guard allows
// the address it resolves to at that moment. It uses no proxy, not even one from
// the environment, as a proxy would resolve and dial past the guard. It follows
// no redirect: a 3xx is the receiver's answer, and following it would send the
// signed body wherever the receiver points (the metadata address, say).
func NewWebhookClient(g *netguard.Guard) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            g.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    tlsHandshakeTimeout,
			ResponseHeaderTimeout:  responseTimeout,
			MaxResponseHeaderBytes: maxResponseHeaders,
			MaxIdleConns:           100,
			IdleConnTimeout:        90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       deliveryTimeout,
	}
}

// publicOnlyClient delivers for Activities without a client of their own: public
// destinations only.
var publicOnlyClient = sync.OnceValue(func() *http.Client {
	g, err := netguard.New(netguard.Config{})
	if err != nil {
		panic(err) // an empty configuration has nothing to refuse
	}
	return NewWebhookClient(g)
})

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
		n, err := a.deliverEvent(ctx, subs, e, int(info.Attempt), last)
		if err != nil {
			return fmt.Errorf("deliver webhooks: %w", err)
		}
		failed += n
	}
	if failed > 0 {
		return fmt.Errorf("deliver webhooks: %d deliveries failed", failed)
	}
	return nil
}

// deliverEvent POSTs e to each of subs that wants its kind and has not had it
// yet, logging the attempt (numbered attempt; the last one allowed is logged
// as abandoned when it fails), and answers how many deliveries failed. An
// error is the records', not a receiver's.
func (a *Activities) deliverEvent(ctx context.Context, subs []domain.Webhook, e domain.Event, attempt int, last bool) (int, error) {
	failed := 0
	for _, w := range subs {
		if !w.Wants(e.Kind) {
			continue
		}
		done, err := a.Webhooks.WebhookDelivered(ctx, w.ID, e.Key)
		if err != nil {
			return failed, err
		}
		if done {
			continue
		}
		body, err := webhookBody(w.Format, e)
		if err != nil {
			return failed, err
		}
		d := a.post(ctx, w, e, body)
		d.Attempt, d.Abandoned = attempt, !d.Delivered && last
		if err := a.Webhooks.LogWebhookDelivery(ctx, d); err != nil {
			return failed, err
		}
		if !d.Delivered {
			failed++
			// The outcome only: an error's text carries the URL, whose path
			// or query may be the receiver's secret (Slack's are).
			activity.GetLogger(ctx).Warn("webhook delivery failed", "subscription", w.ID, "event", e.Key,
				"outcome", d.Outcome, "status_class", d.StatusClass, "attempt", d.Attempt, "abandoned", d.Abandoned)
		}
	}
	return failed, nil
}

// post makes one delivery attempt; its classified outcome goes to the log,
// never an error or its text.
func (a *Activities) post(ctx context.Context, w domain.Webhook, e domain.Event, body []byte) domain.WebhookDelivery {
	d := domain.WebhookDelivery{SubscriptionID: w.ID, EventKey: e.Key, Kind: e.Kind, At: time.Now()}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		d.Outcome = domain.DeliveryUnreachable // a stored URL that no longer parses
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tandem-Webhooks/1")
	req.Header.Set(HeaderEventID, e.Key)
	req.Header.Set(HeaderEvent, string(e.Kind))
	req.Header.Set(HeaderSignature, Sign(w.Secret, d.At, body))
	client := a.HTTP
	if client == nil {
		client = publicOnlyClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		d.Outcome = failureOutcome(err)
		return d
	}
	// A little of the body is read so a small answer leaves the connection
	// reusable; a receiver cannot make Tandem read more.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()
	d.StatusClass = domain.StatusClass(resp.StatusCode)
	d.Delivered = resp.StatusCode >= 200 && resp.StatusCode < 300
	d.Outcome = domain.DeliveryRefused
	if d.Delivered {
		d.Outcome = domain.DeliveryDelivered
	}
	return d
}

// failureOutcome classifies why a delivery got no answer.
func failureOutcome(err error) domain.DeliveryOutcome {
	var ne net.Error
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return domain.DeliveryBlocked
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return domain.DeliveryTimedOut
	}
	return domain.DeliveryUnreachable
}
