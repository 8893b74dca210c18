package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
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
	env.RegisterActivity(&Activities{Webhooks: hooks, HTTP: NewWebhookClient(loopbackGuard(t, nil))})

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
	if len(hooks.log) != 3 || hooks.log[0].Outcome != domain.DeliveryRefused || hooks.log[0].StatusClass != "5xx" || hooks.log[0].Delivered ||
		!hooks.log[2].Delivered || hooks.log[2].Outcome != domain.DeliveryDelivered {
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

// resolver answers names from a table, and "not found" for the rest.
type resolver map[string][]netip.Addr

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := r[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// loopbackGuard allows what the test servers listen on (httptest binds
// 127.0.0.1) and nothing else internal, as an operator allowing a receiver on
// the same machine would.
func loopbackGuard(t *testing.T, r netguard.Resolver) *netguard.Guard {
	t.Helper()
	g, err := netguard.New(netguard.Config{Allow: []string{"127.0.0.1"}, Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// deliver runs DeliverWebhooks once for one event to subs, through client, and
// returns the delivery log and what the activity logged.
func deliver(t *testing.T, client *http.Client, subs ...domain.Webhook) ([]domain.WebhookDelivery, string) {
	t.Helper()
	hooks := &fakeWebhooks{subs: subs}
	var logs bytes.Buffer
	var s testsuite.WorkflowTestSuite
	// No timestamps: their digits would match the codes and ports the tests
	// look for.
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{ReplaceAttr: noTime}))))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Webhooks: hooks, HTTP: client})
	in := DeliverWebhooksInput{Events: []domain.Event{{Key: "cmp_1/event/1", Kind: domain.EventTaskOpened, Process: domain.ProcessCampaign, ProcessID: "cmp_1", Message: "Task opened"}}}
	_, _ = env.ExecuteActivity((&Activities{}).DeliverWebhooks, in)
	if len(hooks.log) != len(subs) {
		t.Fatalf("%d attempts logged for %d subscriptions: %+v", len(hooks.log), len(subs), hooks.log)
	}
	return hooks.log, logs.String()
}

func sub(id, url string) domain.Webhook {
	return domain.Webhook{ID: id, URL: url, Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookJSON}
}

// TestDeliveryFollowsNoRedirect: a receiver that answers a redirect has
// answered; the body is not re-sent where it points, even to an allowed server.
func TestDeliveryFollowsNoRedirect(t *testing.T) {
	var second atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { second.Add(1) }))
	defer target.Close()
	var subs []domain.Webhook
	for _, code := range []int{301, 302, 303, 307, 308} {
		subs = append(subs, sub("whk_"+strconv.Itoa(code), "")) // URLs below
	}
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		http.Redirect(w, r, target.URL+"/landed", code)
	}))
	defer redirector.Close()
	for i, code := range []int{301, 302, 303, 307, 308} {
		subs[i].URL = redirector.URL + "/" + strconv.Itoa(code)
	}
	log, _ := deliver(t, NewWebhookClient(loopbackGuard(t, nil)), subs...)
	for _, d := range log {
		if d.Outcome != domain.DeliveryRefused || d.StatusClass != "3xx" || d.Delivered {
			t.Errorf("%s: %+v, want refused by receiver, 3xx", d.SubscriptionID, d)
		}
	}
	if n := second.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests, want none", n)
	}
}

// TestDeliveryLogHoldsOutcomesNotErrors: whatever goes wrong, the delivery log
// and the worker's log say how it ended in Tandem's words, never with the error
// text, the exact status, the address or the URL (whose path or query may be a
// secret).
func TestDeliveryLogHoldsOutcomesNotErrors(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then the request's context ends when the client hangs up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	answer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "receiver-says-secret-things")
	}))
	defer answer.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close() // nothing listens there any more: the connection is refused

	const token = "?token=xoxb-very-secret"
	cases := []struct {
		sub     domain.Webhook
		outcome domain.DeliveryOutcome
		class   string
	}{
		{sub("whk_a", answer.URL+"/h"+token+"&code=204"), domain.DeliveryDelivered, "2xx"},
		{sub("whk_b", answer.URL+"/h"+token+"&code=401"), domain.DeliveryRefused, "4xx"},
		{sub("whk_c", answer.URL+"/h"+token+"&code=503"), domain.DeliveryRefused, "5xx"},
		{sub("whk_d", closedURL+"/h"+token), domain.DeliveryUnreachable, ""},
		{sub("whk_e", "https://nowhere.example/h"+token), domain.DeliveryUnreachable, ""},
		{sub("whk_f", slow.URL+"/h"+token), domain.DeliveryTimedOut, ""},
		{sub("whk_g", "http://169.254.169.254/latest/meta-data/iam"+token), domain.DeliveryBlocked, ""},
		{sub("whk_h", "https://rebound.example:6379/h"+token), domain.DeliveryBlocked, ""},
		{sub("whk_i", "https://[::ffff:a9fe:a9fe]/h"+token), domain.DeliveryBlocked, ""},
	}
	client := NewWebhookClient(loopbackGuard(t, resolver{"rebound.example": {netip.MustParseAddr("10.0.0.7")}}))
	client.Timeout = 300 * time.Millisecond // the slow receiver times out without slowing the test
	var subs []domain.Webhook
	for _, c := range cases {
		subs = append(subs, c.sub)
	}
	log, logged := deliver(t, client, subs...)

	_, closedPort, _ := net.SplitHostPort(strings.TrimPrefix(closedURL, "http://"))
	_, answerPort, _ := net.SplitHostPort(strings.TrimPrefix(answer.URL, "http://"))
	raw := []string{"xoxb", "token", "127.0.0.1", "169.254", "10.0.0.7", "6379", closedPort, answerPort, "nowhere", "rebound",
		"dial", "connect", "refused:", "lookup", "deadline", "Timeout", "Post", "http", "401", "503", "204", "receiver-says"}
	for i, d := range log {
		c := cases[i]
		if d.SubscriptionID != c.sub.ID || d.Outcome != c.outcome || d.StatusClass != c.class || d.Delivered != (c.outcome == domain.DeliveryDelivered) {
			t.Errorf("%s: logged %+v, want %s %s", c.sub.ID, d, c.outcome, c.class)
		}
		b, _ := json.Marshal(d)
		var fields map[string]any
		_ = json.Unmarshal(b, &fields)
		for k := range fields {
			if !slices.Contains([]string{"subscription_id", "event_id", "kind", "attempt", "outcome", "status_class", "delivered", "abandoned", "at"}, k) {
				t.Errorf("%s: the log entry has a field %q: %s", c.sub.ID, k, b)
			}
		}
		at := d
		at.At = time.Time{} // the attempt's time, whose digits are no leak
		shown, _ := json.Marshal(at)
		for _, r := range raw {
			if strings.Contains(string(shown), r) {
				t.Errorf("%s: the log entry %s contains %q", c.sub.ID, b, r)
			}
		}
	}
	if strings.Count(logged, "webhook delivery failed") != len(cases)-1 {
		t.Errorf("worker log does not report each failed delivery:\n%s", logged)
	}
	for _, r := range raw {
		if strings.Contains(logged, r) {
			t.Errorf("the worker log contains %q:\n%s", r, logged)
		}
	}
}

// TestDeliveryReadsLittleOfTheAnswer: a receiver answering an endless body does
// not make the worker read it.
func TestDeliveryReadsLittleOfTheAnswer(t *testing.T) {
	var written atomic.Int64
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for written.Load() < 256<<20 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer big.Close()
	log, _ := deliver(t, NewWebhookClient(loopbackGuard(t, nil)), sub("whk_big", big.URL))
	if log[0].Outcome != domain.DeliveryDelivered {
		t.Errorf("logged %+v, want delivered", log[0])
	}
	big.CloseClientConnections()
	if n := written.Load(); n >= 64<<20 {
		t.Errorf("the receiver got %d bytes of its answer read, want the connection dropped after a few KiB", n)
	}
}
