package api

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

const validWebhookRaw = `{"url":"https://hooks.example.com/t","events":["task_opened","risk_raised"],"format":"slack"}`

func TestCreateWebhook201ShowsTheSecretOnce(t *testing.T) {
	e := newEnv(t)
	rr := e.do("POST", "/api/v1/webhooks", "tok-paula", validWebhookRaw)
	want(t, rr, sCreated, "")
	got := decodeJSON[webhookBody](t, rr)
	if !domain.HasPrefixID(got.ID, domain.PrefixWebhook) || got.Owner != "paula" || got.Format != domain.WebhookSlack || !strings.HasPrefix(got.Secret, "whsec_") {
		t.Fatalf("created %+v", got)
	}
	rr = e.do("GET", "/api/v1/webhooks", "tok-paula", "")
	want(t, rr, sOK, "")
	if strings.Contains(rr.Body.String(), got.Secret) || !strings.Contains(rr.Body.String(), got.ID) {
		t.Errorf("list %s: want the subscription without its secret", rr.Body)
	}
	// Others see none of it; admins see it.
	if rr := e.do("GET", "/api/v1/webhooks", "tok-mo", ""); strings.Contains(rr.Body.String(), got.ID) {
		t.Errorf("mo sees paula's subscription: %s", rr.Body)
	}
	if rr := e.do("GET", "/api/v1/webhooks", "tok-ada", ""); !strings.Contains(rr.Body.String(), got.ID) {
		t.Errorf("the admin does not see paula's subscription: %s", rr.Body)
	}
}

func TestCreateWebhookRefusals(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("POST", "/api/v1/webhooks", "", validWebhookRaw), sUnauth, "unauthorized")
	want(t, e.do("POST", "/api/v1/webhooks", "tok-cara", validWebhookRaw), sForbid, domain.CodeForbidden)
	want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":1}`), sBad, "bad_request")
	o := want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"ftp://hooks.example.com/h","secret":"short","events":["ended"],"format":"xml"}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	for _, f := range []string{"url", "secret", "events", "format"} {
		if !hasProblem(o, f, "") {
			t.Errorf("no problem with %s in %+v", f, o.Details)
		}
	}
	// Where the URL leads is checked with the rest, so every problem comes at once.
	o = want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"https://10.0.0.1/h","secret":"short","events":["task_opened"]}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	if !hasProblem(o, "url", "destination not allowed: a private address") || !hasProblem(o, "secret", "") {
		t.Errorf("problems %+v, want the private destination and the short secret", o.Details)
	}
	for url, problem := range map[string]string{
		"http://hooks.example.com/h":         "must use https",
		"https://nowhere.example.com/h":      "host name does not resolve",
		"http://127.0.0.1:9/h":               "destination not allowed: a loopback address",
		"https://localhost/h":                "host name does not resolve", // the test resolver knows no localhost
		"https://[::ffff:a9fe:a9fe]/latest/": "destination not allowed: a link-local address",
	} {
		o := want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"`+url+`","events":["task_opened"]}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
		if !hasProblem(o, "url", problem) {
			t.Errorf("%s: problems %+v, want url: %s", url, o.Details, problem)
		}
	}
	if n := len(e.records.webhook().webhooks); n != 0 {
		t.Errorf("%d refused subscriptions were stored", n)
	}
	// An operator who allows the loopback interface may have plain http to it.
	e.srv.webhookGuard = webhookGuard(t, &dns{}, "127.0.0.0/8")
	want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"http://127.0.0.1:9/h","events":["task_opened"]}`), sCreated, "")
}

func TestCreateWebhook503WhenTheResolverFails(t *testing.T) {
	e := newEnv(t)
	e.srv.webhookGuard = webhookGuard(t, failingResolver{})
	rr := e.do("POST", "/api/v1/webhooks", "tok-paula", validWebhookRaw)
	want(t, rr, sUnavail, codeUnavailable)
	if strings.Contains(rr.Body.String(), "SERVFAIL") {
		t.Errorf("the answer shows the resolver's error: %s", rr.Body)
	}
	if !strings.Contains(e.logs.String(), "SERVFAIL") {
		t.Errorf("the resolver's failure is not logged for the operator:\n%s", e.logs)
	}
}

// failingResolver fails as a DNS server that cannot answer does.
type failingResolver struct{}

func (failingResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "server misbehaving (SERVFAIL)", Name: host, IsTemporary: true}
}

func TestDeleteWebhook(t *testing.T) {
	e := newEnv(t)
	id := decodeJSON[webhookBody](t, e.do("POST", "/api/v1/webhooks", "tok-paula", validWebhookRaw)).ID
	want(t, e.do("DELETE", "/api/v1/webhooks/whk_nope", "tok-paula", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("DELETE", "/api/v1/webhooks/"+id, "tok-mo", ""), sNotFound, domain.CodeNotFound)
	if rr := e.do("DELETE", "/api/v1/webhooks/"+id, "tok-paula", ""); rr.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rr.Code, rr.Body)
	}
	want(t, e.do("DELETE", "/api/v1/webhooks/"+id, "tok-ada", ""), sNotFound, domain.CodeNotFound)
}
