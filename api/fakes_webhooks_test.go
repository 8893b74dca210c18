package api

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
)

// webhookFake is the webhook part of a fakeRecords, kept beside it so the shared
// fake needs no field of ours.
type webhookFake struct {
	webhooks   []domain.Webhook
	deliveries map[string][]domain.WebhookDelivery
}

var webhookFakes sync.Map // *fakeRecords → *webhookFake

// webhook returns the webhook part of r; the caller holds r.mu.
func (r *fakeRecords) webhook() *webhookFake {
	v, _ := webhookFakes.LoadOrStore(r, &webhookFake{deliveries: map[string][]domain.WebhookDelivery{}})
	return v.(*webhookFake)
}

func (r *fakeRecords) CreateWebhook(_ context.Context, w domain.Webhook) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CreateWebhook"); err != nil {
		return err
	}
	f := r.webhook()
	f.webhooks = append(f.webhooks, w)
	return nil
}

func (r *fakeRecords) Webhook(_ context.Context, id string) (domain.Webhook, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Webhook"); err != nil {
		return domain.Webhook{}, err
	}
	for _, w := range r.webhook().webhooks {
		if w.ID == id {
			return w, nil
		}
	}
	return domain.Webhook{}, domain.ErrNotFound
}

func (r *fakeRecords) Webhooks(_ context.Context, owner string) ([]domain.Webhook, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Webhooks"); err != nil {
		return nil, err
	}
	var out []domain.Webhook
	for _, w := range r.webhook().webhooks {
		if owner == "" || w.Owner == owner {
			out = append(out, w)
		}
	}
	return out, nil
}

func (r *fakeRecords) DeleteWebhook(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("DeleteWebhook"); err != nil {
		return err
	}
	f := r.webhook()
	for i, w := range f.webhooks {
		if w.ID == id {
			f.webhooks = append(f.webhooks[:i], f.webhooks[i+1:]...)
			delete(f.deliveries, id)
			return nil
		}
	}
	return domain.ErrNotFound
}

func (r *fakeRecords) WebhookDeliveries(_ context.Context, id string, limit int) ([]domain.WebhookDelivery, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("WebhookDeliveries"); err != nil {
		return nil, err
	}
	ds := r.webhook().deliveries[id]
	return ds[:min(limit, len(ds))], nil
}

// dns answers names from a table a test may change between lookups, as a DNS
// server rebinding a name would; other names do not exist.
type dns map[string][]string

var dnsMu sync.Mutex

func (d *dns) set(host string, addrs ...string) {
	dnsMu.Lock()
	defer dnsMu.Unlock()
	(*d)[host] = addrs
}

func (d *dns) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	dnsMu.Lock()
	defer dnsMu.Unlock()
	as, ok := (*d)[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]netip.Addr, len(as))
	for i, a := range as {
		out[i] = netip.MustParseAddr(a)
	}
	return out, nil
}

// webhookGuard is a destination guard over r with the given allow list.
func webhookGuard(t *testing.T, r netguard.Resolver, allow ...string) *netguard.Guard {
	t.Helper()
	g, err := netguard.New(netguard.Config{Allow: allow, Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	return g
}
