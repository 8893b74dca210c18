package wiring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/worker"
)

// records is a migrated SQLite store with the demo directory, and its tokens.
func records(t *testing.T) (*store.Store, map[string]string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tokens, err := store.SeedDemo(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, tokens
}

// loopback is a guard that lets webhooks reach 127.0.0.1, as an operator
// allowing a receiver on the same machine would.
func loopback(t *testing.T) *netguard.Guard {
	t.Helper()
	g, err := netguard.New(netguard.Config{Allow: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func do(t *testing.T, h http.Handler, token, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The handler is the board in front of the API, and the API gets the settings
// of the Config: the webhook guard the worker also gets, and the rate limit.
func TestHandlerServesTheBoardAndTheAPIWithTheConfigsSettings(t *testing.T) {
	st, tokens := records(t)
	sub := map[string]any{"url": "http://127.0.0.1:9/hook", "secret": "wiring-test-secret-0123456789", "events": []string{"task_opened"}}
	for name, tc := range map[string]struct {
		guard *netguard.Guard
		want  int
	}{
		"guard allowing loopback": {loopback(t), http.StatusCreated},
		"no guard":                {nil, http.StatusUnprocessableEntity},
	} {
		t.Run(name, func(t *testing.T) {
			h := Handler(nil, Config{Records: st, Webhooks: tc.guard, API: API{Policy: domain.DefaultPolicy()}})
			if rec := do(t, h, tokens["pat"], http.MethodPost, "/api/v1/webhooks", sub); rec.Code != tc.want {
				t.Errorf("subscribing a loopback receiver: %d %s, want %d", rec.Code, rec.Body, tc.want)
			}
		})
	}

	h := Handler(nil, Config{Records: st, API: API{Policy: domain.DefaultPolicy()}})
	if rec := do(t, h, "", http.MethodGet, "/signin", nil); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET /signin: %d %s, want the board's page", rec.Code, rec.Header().Get("Content-Type"))
	}

	// The default budget answers 429 within a hundred requests at once;
	// switched off, none.
	limited := func(rl api.RateLimit) bool {
		h := Handler(nil, Config{Records: st, API: API{Policy: domain.DefaultPolicy(), RateLimit: rl}})
		for range 100 {
			rec := do(t, h, tokens["pat"], http.MethodGet, "/api/v1/tasks?assignee=me", nil)
			if rec.Code == http.StatusTooManyRequests {
				return true
			}
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /api/v1/tasks: %d %s", rec.Code, rec.Body)
			}
		}
		return false
	}
	if !limited(api.RateLimit{}) {
		t.Error("the default rate limit never answered 429")
	}
	if limited(api.RateLimit{PerSecond: -1, Burst: -1}) {
		t.Error("the rate limit switched off answered 429")
	}
}

// The worker's activities send webhooks only where the Config's guard allows,
// and e-mail through the Config's SMTP server.
func TestActivitiesFollowTheConfig(t *testing.T) {
	st, _ := records(t)
	a := newActivities(Config{Records: st})
	if a.HTTP != nil || a.Mail != nil {
		t.Errorf("without a guard or a mail server: HTTP %v, Mail %+v; want the activities' public-only default and no e-mail", a.HTTP, a.Mail)
	}

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(receiver.Close)
	mail := Mail{Addr: "smtp.example.com:587", From: "tandem@example.com", Username: "tandem", Password: "s3cret"}
	a = newActivities(Config{Records: st, Webhooks: loopback(t), Worker: Worker{Mail: mail}})
	resp, err := a.HTTP.Get(receiver.URL)
	if err != nil {
		t.Fatalf("a delivery to a receiver the guard allows: %v", err)
	}
	resp.Body.Close()
	if a.Mail == nil || a.Mail.Addr != mail.Addr || a.Mail.From != mail.From || a.Mail.Username != mail.Username || a.Mail.Password != mail.Password || a.Mail.Records != st {
		t.Errorf("mailer %+v, want the Config's server over its records", a.Mail)
	}

	none, err := netguard.New(netguard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newActivities(Config{Records: st, Webhooks: none}).HTTP.Get(receiver.URL); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("a delivery to loopback through a guard allowing nothing internal: %v, want blocked", err)
	}
}

func TestStartWorkerRefusesANegativeReconcileInterval(t *testing.T) {
	// Refused before anything starts: there is no client to start on.
	_, err := StartWorker(context.Background(), nil, Config{Worker: Worker{Reconcile: worker.ReconcileConfig{Every: -time.Minute}}})
	if err == nil || !strings.Contains(err.Error(), "reconcile") {
		t.Errorf("err = %v, want the reconcile interval refused", err)
	}
}

type embedded struct{}

func (embedded) FrontendHostPort() string { return "127.0.0.1:17233" }
func (embedded) Namespace() string        { return "embedded" }
func (embedded) ConnectionOptions() client.ConnectionOptions {
	return client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}
}

// An embedded server's address and namespace win over the settings'; the
// payload keys stay required.
func TestDialTakesTheEmbeddedServer(t *testing.T) {
	entry, err := codec.NewKeyEntry("k1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := codec.ParseKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Temporal: Temporal{Embedded: embedded{}, Lazy: true, Settings: temporalclient.Settings{HostPort: "elsewhere:7233", Namespace: "other", Keys: keys}}}
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	attrs := c.LogAttrs()
	if c.Namespace != "embedded" || !slices.Contains(attrs, any("127.0.0.1:17233")) || !slices.Contains(attrs, any("k1")) {
		t.Errorf("namespace %q, log attributes %v; want the embedded server's and key k1", c.Namespace, attrs)
	}

	cfg.Temporal.Keys = nil
	if _, err := Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "payload keys") {
		t.Errorf("without payload keys: %v, want refused", err)
	}
}
