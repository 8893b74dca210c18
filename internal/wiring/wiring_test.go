package wiring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
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
	"github.com/tandemhq/tandem/web"
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

// browser is a browser on the board: it keeps the cookies it is given and
// sends forms as the board's own pages do.
type browser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
}

func (b *browser) send(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	req.RemoteAddr = "192.0.2.1:1234"
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

// signInForm opens the sign-in page and returns its form token.
func (b *browser) signInForm() string {
	b.t.Helper()
	page := b.send(http.MethodGet, "/signin", nil).Body.String()
	_, rest, ok := strings.Cut(page, `name="csrf" value="`)
	if !ok {
		b.t.Fatalf("the sign-in page has no form token:\n%s", page)
	}
	return rest[:strings.IndexByte(rest, '"')]
}

// auditCount is how many entries the audit trail holds, checking its chain.
func auditCount(t *testing.T, st *store.Store) int {
	t.Helper()
	n, broken, err := st.VerifyAudit(context.Background())
	if err != nil || broken != nil {
		t.Fatalf("audit trail: %v %+v", err, broken)
	}
	return n
}

// The board's sign-ins run through the API into the records: a token or a
// demo pick starts a session kept in the database, the browser holds the
// session's ID, sign-out ends it, and each is an audit entry. The demo pick is
// there only when the Config names demo people, as tandem dev's does.
func TestBoardSignInsKeepSessionsInTheRecords(t *testing.T) {
	st, tokens := records(t)
	demo, err := store.DemoPeople(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		demo     []domain.Person
		wantDemo int
	}{
		"tandem api's board": {nil, http.StatusNotFound},
		"tandem dev's board": {demo, http.StatusSeeOther},
	} {
		t.Run(name, func(t *testing.T) {
			// Token sign-in allowed, as an admin may, to show a token still signs in.
			h := Handler(nil, Config{Records: st, API: API{Policy: domain.DefaultPolicy(), DemoPeople: tc.demo, TokenSignIn: true}})
			b := &browser{t: t, h: h, cookies: map[string]*http.Cookie{}}
			before := auditCount(t, st)
			rec := b.send(http.MethodPost, "/signin/demo", url.Values{"csrf": {b.signInForm()}, "handle": {"maya"}})
			if rec.Code != tc.wantDemo {
				t.Fatalf("POST /signin/demo: %d, want %d", rec.Code, tc.wantDemo)
			}
			if tc.demo == nil {
				if b.cookies["tandem_session"] != nil || auditCount(t, st) != before {
					t.Error("the refused demo sign-in signed the browser in or was recorded")
				}
				// A token still signs in.
				rec = b.send(http.MethodPost, "/signin", url.Values{"csrf": {b.signInForm()}, "token": {tokens["maya"]}})
				if rec.Code != http.StatusSeeOther {
					t.Fatalf("token sign-in: %d %s", rec.Code, rec.Body)
				}
			}
			session := b.cookies["tandem_session"]
			if session == nil || !strings.HasPrefix(session.Value, "tds_") || strings.Contains(session.Value, tokens["maya"]) {
				t.Fatalf("session cookie %+v: want a session ID, not the token", session)
			}
			if got := auditCount(t, st); got != before+1 {
				t.Errorf("%d audit entries after the sign-in, want %d", got, before+1)
			}
			if rec := b.send(http.MethodGet, "/me", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Maya Ortiz") {
				t.Fatalf("GET /me signed in: %d", rec.Code)
			}
			p, _, err := st.PersonBySession(context.Background(), session.Value, time.Now(), time.Hour)
			if err != nil || p.Handle != "maya" {
				t.Fatalf("the records resolve the cookie to %q (%v), want maya", p.Handle, err)
			}

			page := b.send(http.MethodGet, "/me", nil).Body.String()
			_, rest, _ := strings.Cut(page, `name="csrf" value="`)
			csrf := rest[:strings.IndexByte(rest, '"')]
			if rec := b.send(http.MethodPost, "/signout", url.Values{"csrf": {csrf}}); rec.Code != http.StatusSeeOther || b.cookies["tandem_session"] != nil {
				t.Fatalf("sign out: %d, cookie %+v", rec.Code, b.cookies["tandem_session"])
			}
			if _, _, err := st.PersonBySession(context.Background(), session.Value, time.Now(), time.Hour); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("the session outlived sign-out: %v", err)
			}
			if got := auditCount(t, st); got != before+2 {
				t.Errorf("%d audit entries after sign-out, want %d", got, before+2)
			}
		})
	}
}

// An OpenID Connect sign-in through the real API and records, against a
// provider in the test: the verified e-mail of a demo person signs them in,
// into a session in the database, and is an audit entry; an e-mail the
// directory does not know signs nobody in, and is an audit entry too.
func TestBoardOIDCSignInKeepsSessionsInTheRecords(t *testing.T) {
	st, _ := records(t)
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	const board = "http://board.test"
	h := Handler(nil, Config{Records: st, API: API{Policy: domain.DefaultPolicy(), OIDC: &web.OIDC{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RedirectURL: board + "/signin/oidc/callback", Name: "Example SSO",
	}}})
	provider := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	signIn := func(t *testing.T, email string) (*browser, *httptest.ResponseRecorder) {
		t.Helper()
		b := &browser{t: t, h: h, cookies: map[string]*http.Cookie{}}
		rec := b.send(http.MethodPost, "/signin/oidc", url.Values{"csrf": {b.signInForm()}, "next": {"/me"}})
		_, rest, ok := strings.Cut(rec.Body.String(), `<meta http-equiv="refresh" content="0;url=`)
		if rec.Code != http.StatusOK || !ok {
			t.Fatalf("POST /signin/oidc: %d %s", rec.Code, rec.Body)
		}
		m.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true})
		resp, err := provider.Get(html.UnescapeString(rest[:strings.IndexByte(rest, '"')]))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(back.String(), board+"/signin/oidc/callback?") {
			t.Fatalf("the provider sent the browser to %q (%v)", resp.Header.Get("Location"), err)
		}
		return b, b.send(http.MethodGet, back.RequestURI(), nil)
	}

	before := auditCount(t, st)
	b, rec := signIn(t, "maya@tandem.example")
	session := b.cookies["tandem_session"]
	if rec.Code != http.StatusOK || session == nil || !strings.HasPrefix(session.Value, "tds_") {
		t.Fatalf("callback: %d, session %+v\n%s", rec.Code, session, rec.Body)
	}
	p, s, err := st.PersonBySession(context.Background(), session.Value, time.Now(), time.Hour)
	if err != nil || p.Handle != "maya" || s.Method != domain.SignInOIDC {
		t.Fatalf("the records resolve the cookie to %q by %q (%v), want maya by oidc", p.Handle, s.Method, err)
	}
	if rec := b.send(http.MethodGet, "/me", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Maya Ortiz") {
		t.Errorf("GET /me signed in: %d", rec.Code)
	}
	if got := auditCount(t, st); got != before+1 {
		t.Errorf("%d audit entries after the sign-in, want %d", got, before+1)
	}

	b, rec = signIn(t, "stranger@example.com")
	if rec.Code != http.StatusForbidden || b.cookies["tandem_session"] != nil || !strings.Contains(rec.Body.String(), "as stranger@example.com, but no one in Tandem&#39;s directory has that e-mail address") {
		t.Errorf("an unknown identity: %d, session %+v", rec.Code, b.cookies["tandem_session"])
	}
	if got := auditCount(t, st); got != before+2 {
		t.Errorf("%d audit entries after the refused sign-in, want %d", got, before+2)
	}
	refused, err := st.RefusedCommands(context.Background(), []string{""})
	if err != nil || len(refused) == 0 || !strings.Contains(refused[len(refused)-1].Reason, "stranger@example.com") || refused[len(refused)-1].Action != "POST /api/v1/sessions" {
		t.Errorf("the refused sign-in's entry: %+v, %v", refused, err)
	}
}

// Issue 16's "the identity provider refusing them": signed in through a
// provider in the test, with re-checks due at once, a person's board session
// is re-checked with the provider on their requests, through the real board,
// API and records. The provider down changes nothing; the provider refusing
// the refresh ends the session, sends the browser to sign in saying why, and
// disables the person (set up so), with the audit trail's entry.
func TestBoardRechecksOIDCSessionsWithTheProvider(t *testing.T) {
	st, tokens := records(t)
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	entry, err := codec.NewKeyEntry("k1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := codec.ParseKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	const board = "http://board.test"
	h := Handler(nil, Config{Records: st, Temporal: Temporal{Settings: temporalclient.Settings{Keys: keys}}, API: API{Policy: domain.DefaultPolicy(), OIDC: &web.OIDC{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RedirectURL: board + "/signin/oidc/callback", Name: "Example SSO",
		Recheck: time.Millisecond, DisableRefused: true,
	}}})
	b := &browser{t: t, h: h, cookies: map[string]*http.Cookie{}}
	rec := b.send(http.MethodPost, "/signin/oidc", url.Values{"csrf": {b.signInForm()}, "next": {"/me"}})
	_, rest, ok := strings.Cut(rec.Body.String(), `<meta http-equiv="refresh" content="0;url=`)
	if rec.Code != http.StatusOK || !ok {
		t.Fatalf("POST /signin/oidc: %d %s", rec.Code, rec.Body)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "maya", Email: "maya@tandem.example", EmailVerified: true})
	provider := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := provider.Get(html.UnescapeString(rest[:strings.IndexByte(rest, '"')]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if rec := b.send(http.MethodGet, back.RequestURI(), nil); rec.Code != http.StatusOK || b.cookies["tandem_session"] == nil {
		t.Fatalf("callback: %d\n%s", rec.Code, rec.Body)
	}
	// wait lets the re-check come due (a millisecond after the last).
	wait := func() { time.Sleep(5 * time.Millisecond) }

	// The provider vouches, then is down: the person goes on working.
	wait()
	if rec := b.send(http.MethodGet, "/me", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Maya Ortiz") {
		t.Fatalf("GET /me, the provider vouching: %d", rec.Code)
	}
	m.QueueError(&mockoidc.ServerError{Code: http.StatusServiceUnavailable, Error: "temporarily_unavailable"})
	wait()
	if rec := b.send(http.MethodGet, "/me", nil); rec.Code != http.StatusOK {
		t.Fatalf("GET /me, the provider down: %d", rec.Code)
	}
	if p, err := st.Person(context.Background(), "maya"); err != nil || !p.Active() {
		t.Fatalf("maya after the provider was down: %+v %v", p, err)
	}

	// The provider refuses: signed out at once, told why, and disabled.
	before := auditCount(t, st)
	m.QueueError(&mockoidc.ServerError{Code: http.StatusBadRequest, Error: "invalid_grant", Description: "User is disabled"})
	wait()
	session := b.cookies["tandem_session"].Value
	rec = b.send(http.MethodGet, "/me", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin?next=%2Fme&why=refused" || b.cookies["tandem_session"] != nil {
		t.Fatalf("GET /me, the provider refusing: %d to %q, cookie %+v", rec.Code, rec.Header().Get("Location"), b.cookies["tandem_session"])
	}
	if _, _, err := st.PersonBySession(context.Background(), session, time.Now(), time.Hour); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the refused session still resolves: %v", err)
	}
	if p, err := st.Person(context.Background(), "maya"); err != nil || p.Active() {
		t.Errorf("maya after the provider refused her: %+v %v, want disabled", p, err)
	}
	if _, err := st.PersonByToken(context.Background(), tokens["maya"]); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("maya's API token still resolves: %v", err)
	}
	if got := auditCount(t, st); got != before+1 {
		t.Errorf("%d audit entries after the refusal, want %d (Tandem disabling her)", got, before+1)
	}
}

// Without Temporal (the bench's inbox), a process's detail is answered from
// the records, saying so, and a start is unavailable: nothing panics on a nil
// client.
func TestWithoutTemporalADetailIsTheRecordsView(t *testing.T) {
	st, tokens := records(t)
	c := domain.Campaign{ID: "cmp_0000000000w1", WorkflowID: "campaign/cmp_0000000000w1", Status: domain.StatusActive, Stage: domain.StageProduction,
		Brief: domain.Brief{Name: "Records only", ProjectManager: "pat"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.Apply(t.Context(), domain.Batch{Campaign: &c}); err != nil {
		t.Fatal(err)
	}
	h := Handler(nil, Config{Records: st, API: API{Policy: domain.DefaultPolicy()}})
	rec := do(t, h, tokens["pat"], http.MethodGet, "/api/v1/campaigns/"+c.ID, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Temporal cannot be reached") || !strings.Contains(rec.Body.String(), "Records only") {
		t.Errorf("GET the campaign without Temporal: %d %s, want the records' view", rec.Code, rec.Body)
	}
	if rec := do(t, h, tokens["pat"], http.MethodGet, "/readyz", nil); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz without Temporal: %d %s, want 503", rec.Code, rec.Body)
	}
}
