package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
)

// WebhookRecords holds the outbound webhook subscriptions and their delivery log.
type WebhookRecords interface {
	CreateWebhook(ctx context.Context, w domain.Webhook) error
	Webhook(ctx context.Context, id string) (domain.Webhook, error)
	// Webhooks lists owner's subscriptions, or all when owner is empty.
	Webhooks(ctx context.Context, owner string) ([]domain.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	// WebhookDeliveries returns a subscription's latest delivery attempts, newest first.
	WebhookDeliveries(ctx context.Context, id string, limit int) ([]domain.WebhookDelivery, error)
}

// recentDeliveries is how much of its delivery log a listed subscription shows.
const recentDeliveries = 20

// webhookSubscribers are the roles that may subscribe: the people who run
// processes and wire them to other tools.
var webhookSubscribers = []domain.Role{domain.RoleProjectManager, domain.RoleMarketingOpsManager, domain.RoleDirector, domain.RoleAdmin}

func (s *Server) webhookRoutes(v1 *gin.RouterGroup) {
	v1.POST("/webhooks", s.createWebhook)
	v1.GET("/webhooks", s.listWebhooks)
	v1.DELETE("/webhooks/:id", s.deleteWebhook)
}

// createWebhookRequest is the body of POST /webhooks.
type createWebhookRequest struct {
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Events []string `json:"events"`
	Format string   `json:"format"`
}

// webhookBody is a subscription as the API answers it. Secret is set only in the
// answer to its creation.
type webhookBody struct {
	ID         string                   `json:"id"`
	Owner      string                   `json:"owner"`
	URL        string                   `json:"url"`
	Events     []domain.EventKind       `json:"events"`
	Format     domain.WebhookFormat     `json:"format"`
	Secret     string                   `json:"secret,omitempty"`
	CreatedAt  time.Time                `json:"created_at"`
	Deliveries []domain.WebhookDelivery `json:"recent_deliveries"`
}

func toWebhookBody(w domain.Webhook, ds []domain.WebhookDelivery) webhookBody {
	return webhookBody{
		ID: w.ID, Owner: w.Owner, URL: w.URL, Events: w.Events, Format: w.Format,
		CreatedAt: w.CreatedAt, Deliveries: nonNil(ds),
	}
}

// createWebhook subscribes the caller. Without a secret one is made; either way
// the answer is the only time it is shown.
func (s *Server) createWebhook(c *gin.Context) {
	me := caller(c)
	if !slices.ContainsFunc(webhookSubscribers, me.HasRole) {
		s.fail(c, domain.Forbiddenf("only project managers, marketing ops managers, directors and admins may subscribe to webhooks"))
		return
	}
	var req createWebhookRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	w := domain.Webhook{
		ID: domain.NewID(domain.PrefixWebhook), Owner: me.Handle, URL: req.URL, Secret: req.Secret,
		Format: domain.WebhookFormat(req.Format), CreatedAt: s.now().UTC(),
	}
	if w.Secret == "" {
		w.Secret = newSecret()
	}
	if w.Format == "" {
		w.Format = domain.WebhookJSON
	}
	for _, k := range req.Events {
		w.Events = append(w.Events, domain.EventKind(k))
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.checkWebhook(ctx, w); err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) {
		return
	}
	if err := s.records.CreateWebhook(ctx, w); err != nil {
		s.fail(c, err)
		return
	}
	body := toWebhookBody(w, nil)
	body.Secret = w.Secret
	c.JSON(http.StatusCreated, body)
}

// checkWebhook checks a new subscription: its shape, and where its URL leads.
// The worker checks the destination again, with the same guard rules, before
// every delivery, since a name may resolve elsewhere by then.
func (s *Server) checkWebhook(ctx context.Context, w domain.Webhook) error {
	var p domain.Problems
	var ve *domain.ValidationError
	if err := w.Validate(); errors.As(err, &ve) {
		p = ve.Problems
	} else if err != nil {
		return err
	}
	if slices.ContainsFunc(p, func(fp domain.FieldProblem) bool { return fp.Field == "url" }) {
		return p.Err() // not a URL to resolve
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return fmt.Errorf("parse a validated webhook URL: %w", err)
	}
	switch err := s.webhookGuard.CheckURL(ctx, u); {
	case errors.Is(err, netguard.ErrBlocked), errors.Is(err, netguard.ErrUnresolved):
		p.Add("url", "%s", err.Error())
	case errors.Is(err, netguard.ErrPlainHTTP):
		p.Add("url", "must use https (plain http only to a destination on the operator's webhook allow list)")
	case err != nil:
		// The resolver failed (not "no such host"): try again later.
		return fmt.Errorf("%w: check webhook destination: %w", domain.ErrUnavailable, err)
	}
	return p.Err()
}

// newSecret makes a 256-bit signing secret.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "whsec_" + hex.EncodeToString(b)
}

// listWebhooks lists the caller's subscriptions (everyone's for admins), each with
// its latest delivery attempts.
func (s *Server) listWebhooks(c *gin.Context) {
	me := caller(c)
	owner := me.Handle
	if me.HasRole(domain.RoleAdmin) {
		owner = ""
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	ws, err := s.records.Webhooks(ctx, owner)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]webhookBody, 0, len(ws))
	for _, w := range ws {
		ds, err := s.records.WebhookDeliveries(ctx, w.ID, recentDeliveries)
		if err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, toWebhookBody(w, ds))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// deleteWebhook ends a subscription. Someone else's subscription is not found,
// as it is not listed to them either.
func (s *Server) deleteWebhook(c *gin.Context) {
	me := caller(c)
	id := c.Param("id")
	notFound := domain.NotFoundf("webhook %s not found", id)
	if !domain.HasPrefixID(id, domain.PrefixWebhook) {
		s.fail(c, notFound)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	w, err := s.records.Webhook(ctx, id)
	if err != nil {
		s.fail(c, recordErr(err, "webhook", id))
		return
	}
	if w.Owner != me.Handle && !me.HasRole(domain.RoleAdmin) {
		s.fail(c, notFound)
		return
	}
	if err := s.records.DeleteWebhook(ctx, id); err != nil {
		s.fail(c, recordErr(err, "webhook", id))
		return
	}
	c.Status(http.StatusNoContent)
}
