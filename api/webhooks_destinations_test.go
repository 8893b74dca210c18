package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
)

// deliveryLog lets the worker's webhook activity log its attempts into the API's
// fake records, newest first, as the store lists them.
type deliveryLog struct{ *fakeRecords }

func (l deliveryLog) WebhookDelivered(context.Context, string, string) (bool, error) {
	return false, nil
}

func (l deliveryLog) LogWebhookDelivery(_ context.Context, d domain.WebhookDelivery) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.webhook()
	f.deliveries[d.SubscriptionID] = append([]domain.WebhookDelivery{d}, f.deliveries[d.SubscriptionID]...)
	return nil
}

// TestWebhookDestinationsRefusedAtSubscriptionAndAtDelivery is the SSRF table:
// every class of destination that is not public is refused when subscribed,
// whether given as an address or as a name that resolves to it; and a name that
// was public when subscribed and resolves to that class by delivery time (DNS
// rebinding) is refused when dialled, through the same guard, with nothing sent.
// A server listens where the loopback cases point, and must see nothing.
func TestWebhookDestinationsRefusedAtSubscriptionAndAtDelivery(t *testing.T) {
	var hits atomic.Int32 // connections, not requests: a TLS handshake to it would already be one
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			hits.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	cases := []struct{ addr, reason string }{
		{"127.0.0.1", "a loopback address"},
		{"::1", "a loopback address"},
		{"10.0.0.1", "a private address"},
		{"172.16.0.1", "a private address"},
		{"192.168.0.1", "a private address"},
		{"fd12::1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"100.64.0.1", "a shared (carrier-grade NAT) address"},
		{"224.0.0.1", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"0.0.0.0", "an unspecified address"}, // Linux dials this as the local host
		{"::", "an unspecified address"},
		{"255.255.255.255", "a broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.2.10", "a documentation address"},
		{"::ffff:a9fe:a9fe", "a link-local address"},   // IPv4-mapped
		{"::ffff:127.0.0.1", "a loopback address"},     // IPv4-mapped
		{"::a9fe:a9fe", "a link-local address"},        // IPv4-compatible
		{"64:ff9b::a9fe:a9fe", "a link-local address"}, // NAT64
		{"2002:0a00:0001::1", "a private address"},     // 6to4
		{"8.8.4.4", "an address on the deny list"},     // public, but the operator denies it
	}
	names := &dns{}
	guard, err := netguard.New(netguard.Config{Deny: []string{"8.8.4.0/24"}, Resolver: names})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.srv.webhookGuard = guard
	e.srv.limiter = nil // six requests per case
	var s testsuite.WorkflowTestSuite
	worker := s.NewTestActivityEnvironment()
	worker.RegisterActivity(&activities.Activities{Webhooks: deliveryLog{e.records}, HTTP: activities.NewWebhookClient(guard)})

	for i, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			// At subscription: the address itself, then a name resolving to it.
			literal := "https://" + net.JoinHostPort(c.addr, port) + "/hook"
			o := want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"`+literal+`","events":["task_opened"]}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
			if !hasProblem(o, "url", "destination not allowed: "+c.reason) {
				t.Errorf("subscribing %s: problems %+v, want url: destination not allowed: %s", literal, o.Details, c.reason)
			}
			names.set("rebind.example", c.addr)
			named := "https://rebind.example:" + port + "/hook"
			o = want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"`+named+`","events":["task_opened"]}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
			if !hasProblem(o, "url", "destination not allowed: resolves to "+c.reason) {
				t.Errorf("subscribing %s → %s: problems %+v", named, c.addr, o.Details)
			}

			// The name is public when subscribed...
			names.set("rebind.example", "93.184.215.14")
			rr := e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"`+named+`","events":["task_opened"]}`)
			want(t, rr, sCreated, "")
			created := decodeJSON[webhookBody](t, rr)
			defer e.do("DELETE", "/api/v1/webhooks/"+created.ID, "tok-paula", "")

			// ...and resolves to the internal address when the worker delivers.
			names.set("rebind.example", c.addr)
			event := domain.Event{Key: "cmp_1/event/" + strconv.Itoa(i), Kind: domain.EventTaskOpened, Process: domain.ProcessCampaign, ProcessID: "cmp_1", Message: "Task opened"}
			if _, err := worker.ExecuteActivity((&activities.Activities{}).DeliverWebhooks, activities.DeliverWebhooksInput{Events: []domain.Event{event}}); err == nil {
				t.Error("a blocked delivery did not fail the activity")
			}
			rr = e.do("GET", "/api/v1/webhooks", "tok-paula", "")
			want(t, rr, sOK, "")
			var list struct{ Items []webhookBody }
			if err := json.Unmarshal(rr.Body.Bytes(), &list); err != nil {
				t.Fatal(err)
			}
			var log []domain.WebhookDelivery
			for _, w := range list.Items {
				if w.ID == created.ID {
					log = w.Deliveries
				}
			}
			if len(log) != 1 || log[0].Outcome != domain.DeliveryBlocked || log[0].Delivered || log[0].StatusClass != "" {
				t.Errorf("delivery log %+v, want one blocked attempt", log)
			}
			if body := rr.Body.String(); strings.Contains(body, `"error"`) || strings.Contains(body, "status_code") || strings.Contains(body, c.addr) {
				t.Errorf("the list shows more than the outcome: %s", body)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server behind the refused addresses got %d connections", n)
	}
}
