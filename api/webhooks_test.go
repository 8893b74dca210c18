package api

import (
	"net/http"
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
	o := want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"http://example.com/h","secret":"short","events":["ended"],"format":"xml"}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	for _, f := range []string{"url", "secret", "events", "format"} {
		if !hasProblem(o, f, "") {
			t.Errorf("no problem with %s in %+v", f, o.Details)
		}
	}
	// Plain http is allowed to the loopback interface only.
	want(t, e.do("POST", "/api/v1/webhooks", "tok-paula", `{"url":"http://127.0.0.1:9/h","events":["task_opened"]}`), sCreated, "")
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
