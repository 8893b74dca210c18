package activities

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
)

// fakeWebhooks is an in-memory subscriptions store and delivery log.
type fakeWebhooks struct {
	mu   sync.Mutex
	subs []domain.Webhook
	log  []domain.WebhookDelivery
}

func (f *fakeWebhooks) Webhooks(context.Context, string) ([]domain.Webhook, error) {
	return f.subs, nil
}

func (f *fakeWebhooks) WebhookDelivered(_ context.Context, sub, key string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.log {
		if d.SubscriptionID == sub && d.EventKey == key && d.Delivered {
			return true, nil
		}
	}
	return false, nil
}

func (f *fakeWebhooks) LogWebhookDelivery(_ context.Context, d domain.WebhookDelivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, d)
	return nil
}

func TestSign(t *testing.T) {
	at := time.Unix(1700000000, 0)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(`1700000000.{"a":1}`))
	want := "t=1700000000,v1=" + hex.EncodeToString(mac.Sum(nil))
	if got := Sign("s3cret", at, []byte(`{"a":1}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if Sign("other", at, []byte(`{"a":1}`)) == want {
		t.Error("another secret gives the same signature")
	}
}

func TestDeliverWebhooksFormatsAndRetries(t *testing.T) {
	type hit struct{ id, sig, body string }
	var mu sync.Mutex
	var hits []hit
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		hits = append(hits, hit{r.Header.Get(HeaderEventID), r.Header.Get(HeaderSignature), string(b)})
		if strings.HasSuffix(r.URL.Path, "/json") && fail {
			fail = false
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	hooks := &fakeWebhooks{subs: []domain.Webhook{
		{ID: "whk_json", URL: srv.URL + "/json", Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookJSON},
		{ID: "whk_slack", URL: srv.URL + "/slack", Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookSlack},
		{ID: "whk_other", URL: srv.URL + "/other", Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventRiskRaised}, Format: domain.WebhookJSON},
	}}
	in := DeliverWebhooksInput{Events: []domain.Event{{Key: "cmp_1/event/3", Kind: domain.EventTaskOpened, Process: domain.ProcessCampaign, ProcessID: "cmp_1", Message: "Task opened"}}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Webhooks: hooks})

	// First run: the JSON receiver answers 500, so the activity fails for Temporal to retry.
	if _, err := env.ExecuteActivity((&Activities{}).DeliverWebhooks, in); err == nil {
		t.Fatal("a 500 did not fail the activity")
	}
	// The retry sends only what was not delivered.
	if _, err := env.ExecuteActivity((&Activities{}).DeliverWebhooks, in); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 {
		t.Fatalf("%d requests, want 3 (json refused, slack, json again): %+v", len(hits), hits)
	}
	for _, h := range hits {
		if h.id != "cmp_1/event/3" {
			t.Errorf("event ID header %q", h.id)
		}
		ts := strings.TrimPrefix(strings.Split(h.sig, ",")[0], "t=")
		if !strings.HasPrefix(h.sig, "t="+ts+",v1=") || Sign("0123456789abcdef", unix(t, ts), []byte(h.body)) != h.sig {
			t.Errorf("signature %q does not verify over %s", h.sig, h.body)
		}
	}
	if hits[1].body != `{"text":"Task opened (campaign cmp_1)"}` {
		t.Errorf("slack body = %s", hits[1].body)
	}
	if !strings.Contains(hits[0].body, `"id":"cmp_1/event/3"`) || !strings.Contains(hits[0].body, `"kind":"task_opened"`) {
		t.Errorf("json body = %s", hits[0].body)
	}
	if len(hooks.log) != 3 || hooks.log[0].StatusCode != 500 || hooks.log[0].Delivered || !hooks.log[2].Delivered {
		t.Errorf("log = %+v", hooks.log)
	}
}

func unix(t *testing.T, s string) time.Time {
	t.Helper()
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("signature time %q: %v", s, err)
	}
	return time.Unix(sec, 0)
}
