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

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/devserver"
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

// Settings the SDK would panic on are refused before anything starts.
func TestStartWorkerRefusesSettingsItCannotRun(t *testing.T) {
	_, err := StartWorker(context.Background(), nil, Config{Worker: Worker{Settings: worker.Settings{WorkflowTaskSlots: 1}}})
	if err == nil || !strings.Contains(err.Error(), "workflow task slots: 1") {
		t.Errorf("err = %v, want the one slot refused", err)
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

// The worker runs as its settings say: the SDK reports the slots it was given.
// With nothing in flight, a stop does not wait out the stop timeout.
func TestStartWorkerRunsWithTheSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	entry, err := codec.NewKeyEntry("k1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := codec.ParseKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := records(t)
	cfg := Config{
		Records:  st,
		Temporal: Temporal{Embedded: srv, Settings: temporalclient.Settings{Keys: keys}},
		Worker: Worker{
			Reconcile: worker.ReconcileConfig{Every: 0},
			Settings:  worker.Settings{WorkflowTaskSlots: 7, ActivitySlots: 5, StopTimeout: time.Minute},
		},
	}
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stop, err := StartWorker(ctx, c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Metrics)
	want := map[string]float64{"WorkflowWorker": 7, "ActivityWorker": 5}
	for {
		got := slotsAvailable(t, reg)
		if got["WorkflowWorker"] == want["WorkflowWorker"] && got["ActivityWorker"] == want["ActivityWorker"] {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("slots available %v, want %v", got, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
	began := time.Now()
	stop()
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("an idle worker took %s to stop, with a stop timeout of a minute", d)
	}
}

// slotsAvailable is the SDK's temporal_worker_task_slots_available by worker type.
func slotsAvailable(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	slots := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "temporal_worker_task_slots_available" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "worker_type" {
					slots[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return slots
}
