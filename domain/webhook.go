package domain

import (
	"net"
	"net/url"
	"slices"
	"time"
)

// PrefixWebhook is the ID prefix of webhook subscriptions.
const PrefixWebhook = "whk_"

// WebhookFormat is the shape of a delivery's body.
type WebhookFormat string

// Webhook formats: Tandem's own JSON, or a Slack incoming-webhook message.
const (
	WebhookJSON  WebhookFormat = "json"
	WebhookSlack WebhookFormat = "slack"
)

// WebhookEventKinds are the timeline events a subscription may ask for: the ones
// other tools act on. The rest stay on the timeline only.
var WebhookEventKinds = []EventKind{
	EventStage, EventTaskOpened, EventTaskCompleted, EventTaskOverdue,
	EventTaskEscalated, EventRiskRaised, EventRiskEscalated,
}

// MinWebhookSecret is the shortest secret a subscriber may choose.
const MinWebhookSecret = 16

// Webhook is a subscription: events of its kinds are POSTed to URL, signed with
// Secret. The secret is kept because signing needs it; it is shown only once.
type Webhook struct {
	ID        string
	Owner     string
	URL       string
	Secret    string
	Events    []EventKind
	Format    WebhookFormat
	CreatedAt time.Time
}

// Wants reports whether the subscription asked for events of kind k.
func (w Webhook) Wants(k EventKind) bool { return slices.Contains(w.Events, k) }

// Validate checks a new subscription. URLs must be https, or http to the loopback
// interface (a receiver on the same machine, as in development and tests): a
// signed body still travels in clear text over plain http.
func (w Webhook) Validate() error {
	var p Problems
	if u, err := url.Parse(w.URL); err != nil || u.Host == "" || u.User != nil {
		p.Add("url", "must be an absolute URL without credentials")
	} else if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		p.Add("url", "must use https (plain http only to localhost, 127.0.0.1 or ::1)")
	}
	if len(w.Secret) < MinWebhookSecret {
		p.Add("secret", "must be at least %d characters", MinWebhookSecret)
	}
	if len(w.Events) == 0 {
		p.Add("events", "give at least one event kind")
	}
	for i, k := range w.Events {
		switch {
		case !slices.Contains(WebhookEventKinds, k):
			p.Add("events", "%q is not an event kind webhooks deliver (one of %v)", k, WebhookEventKinds)
		case slices.Contains(w.Events[:i], k):
			p.Add("events", "%q is given twice", k)
		}
	}
	if w.Format != WebhookJSON && w.Format != WebhookSlack {
		p.Add("format", "must be json or slack")
	}
	return p.Err()
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WebhookDelivery is one attempt to deliver one event to one subscription: the
// delivery log. Delivered is set on the attempt the receiver answered 2xx.
type WebhookDelivery struct {
	SubscriptionID string    `json:"subscription_id"`
	EventKey       string    `json:"event_id"`
	Kind           EventKind `json:"kind"`
	Attempt        int       `json:"attempt"`
	StatusCode     int       `json:"status_code,omitempty"`
	Error          string    `json:"error,omitempty"`
	Delivered      bool      `json:"delivered"`
	// Abandoned marks the last attempt Tandem makes for the event.
	Abandoned bool      `json:"abandoned,omitempty"`
	At        time.Time `json:"at"`
}
