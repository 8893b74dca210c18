package domain

import (
	"net/url"
	"slices"
	"strconv"
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
	EventCommentCreated, EventMention,
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

// Validate checks a new subscription's shape. Which destinations a URL may reach,
// and whether plain http is allowed to it, is the destination guard's to decide
// (package netguard): it depends on the operator's settings and on DNS.
func (w Webhook) Validate() error {
	var p Problems
	if u, err := url.Parse(w.URL); err != nil || u.Hostname() == "" || u.User != nil || u.Scheme != "https" && u.Scheme != "http" {
		p.Add("url", "must be an absolute https URL without credentials")
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

// DeliveryOutcome is how one delivery attempt ended, as the delivery log keeps
// and shows it: a class, never the network's or the receiver's own words (an
// error text, a status code, a body), so that aiming a subscription somewhere
// and reading its log tells little about what is there.
type DeliveryOutcome string

// Delivery outcomes.
const (
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered DeliveryOutcome = "delivered"
	// DeliveryRefused: the receiver answered 3xx (redirects are not followed),
	// 4xx or 5xx; StatusClass says which.
	DeliveryRefused DeliveryOutcome = "refused_by_receiver"
	// DeliveryUnreachable: no answer: the name did not resolve, or the
	// connection or the TLS handshake failed.
	DeliveryUnreachable DeliveryOutcome = "unreachable"
	// DeliveryBlocked: the destination is not allowed (it is, or now resolves
	// to, an address that is not public); nothing was sent.
	DeliveryBlocked DeliveryOutcome = "blocked"
	// DeliveryTimedOut: the receiver did not answer in time.
	DeliveryTimedOut DeliveryOutcome = "timed_out"
)

// StatusClass is a receiver's status code as the log keeps it: "2xx" to "5xx",
// or "" for a code outside them.
func StatusClass(code int) string {
	if code < 200 || code > 599 {
		return ""
	}
	return strconv.Itoa(code/100) + "xx"
}

// WebhookDelivery is one attempt to deliver one event to one subscription: the
// delivery log. Delivered is set on the attempt the receiver answered 2xx.
type WebhookDelivery struct {
	SubscriptionID string          `json:"subscription_id"`
	EventKey       string          `json:"event_id"`
	Kind           EventKind       `json:"kind"`
	Attempt        int             `json:"attempt"`
	Outcome        DeliveryOutcome `json:"outcome"`
	// StatusClass is the class of the receiver's answer ("4xx"), when it answered.
	StatusClass string `json:"status_class,omitempty"`
	Delivered   bool   `json:"delivered"`
	// Abandoned marks the last attempt Tandem makes for the event.
	Abandoned bool      `json:"abandoned,omitempty"`
	At        time.Time `json:"at"`
}
