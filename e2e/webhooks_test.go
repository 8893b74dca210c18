package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
)

// receiver is a webhook endpoint that checks every signature and answers 500 to
// the very first delivery it gets.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    []received
}

type received struct {
	id, kind string
	status   int
	payload  activities.WebhookPayload
}

// verify checks X-Tandem-Signature as a receiver would: recompute the HMAC over
// "<t>.<body>" with the secret, compare in constant time, refuse stale times.
func verify(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(mac.Sum(nil), want)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !verify(rc.secret, r.Header.Get(activities.HeaderSignature), body) {
		rc.t.Errorf("delivery %s: bad signature %q", r.Header.Get(activities.HeaderEventID), r.Header.Get(activities.HeaderSignature))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p activities.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("delivery body %s: %v", body, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	status := http.StatusNoContent
	if len(rc.got) == 0 {
		status = http.StatusInternalServerError
	}
	rc.got = append(rc.got, received{id: r.Header.Get(activities.HeaderEventID), kind: r.Header.Get(activities.HeaderEvent), status: status, payload: p})
	w.WriteHeader(status)
}

func (rc *receiver) snapshot() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func TestWebhooksDeliverSignedEventsOnceAndRetryAfter500(t *testing.T) {
	s := start(t, seconds())
	rc := &receiver{t: t, secret: "e2e-webhook-secret-0123456789"}
	hs := httptest.NewServer(rc)
	t.Cleanup(hs.Close)

	sub := map[string]any{"url": hs.URL, "secret": rc.secret, "events": []string{"stage_changed", "task_opened", "task_completed"}}
	s.must(http.StatusForbidden, "cleo", http.MethodPost, "/api/v1/webhooks", sub, nil)
	var created struct{ ID, Secret string }
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/webhooks", sub, &created)
	if created.Secret != rc.secret {
		t.Fatalf("the creation answer shows secret %q, want the one given", created.Secret)
	}

	brief := map[string]any{
		"name": "Webhook launch", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 1000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 10, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &c)
	c = s.projected(s.waitFor(c.ID, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	review := c.open("brief_review")[0]
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)

	// Wait for the brief review's opening and completion, and the retry of the
	// first event, to be delivered.
	var got []received
	deadline := time.Now().Add(time.Minute)
	for {
		got = rc.snapshot()
		done := map[string]bool{}
		for _, r := range got {
			if r.status < 300 && r.payload.TaskID == review.ID {
				done[r.kind] = true
			}
			if r.status < 300 && r.id == got[0].id {
				done["retry"] = true
			}
		}
		if done["task_opened"] && done["task_completed"] && done["retry"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the review task's events never arrived; got %+v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The first delivery was refused and came again with the same event ID; every
	// other event came exactly once; headers and body agree.
	first := got[0]
	counts := map[string]int{}
	for _, r := range got {
		counts[r.id]++
		if r.id != r.payload.ID || r.kind != string(r.payload.Kind) || r.payload.ProcessID != c.ID {
			t.Errorf("headers (%s, %s) and body %+v disagree", r.id, r.kind, r.payload)
		}
		if r.kind != "stage_changed" && r.kind != "task_opened" && r.kind != "task_completed" {
			t.Errorf("got a %s event, which was not subscribed to", r.kind)
		}
	}
	if first.status != http.StatusInternalServerError || counts[first.id] != 2 {
		t.Errorf("the event refused with 500 (%s) came %d times, want twice", first.id, counts[first.id])
	}
	for id, n := range counts {
		if id != first.id && n != 1 {
			t.Errorf("event %s came %d times, want once", id, n)
		}
	}

	// The delivery log shows the refusal and the deliveries, as outcomes.
	var list struct {
		Items []struct {
			ID               string
			Secret           string
			RecentDeliveries []domain.WebhookDelivery `json:"recent_deliveries"`
		}
	}
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/webhooks", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID || list.Items[0].Secret != "" {
		t.Fatalf("list = %+v, want the one subscription without its secret", list.Items)
	}
	var refused, retried bool
	for _, d := range list.Items[0].RecentDeliveries {
		refused = refused || (d.EventKey == first.id && d.Outcome == domain.DeliveryRefused && d.StatusClass == "5xx" && !d.Delivered && d.Attempt == 1)
		retried = retried || (d.EventKey == first.id && d.Outcome == domain.DeliveryDelivered && d.Delivered && d.Attempt == 2)
	}
	if !refused || !retried {
		t.Errorf("delivery log %+v lacks the refused first attempt or the delivered retry", list.Items[0].RecentDeliveries)
	}

	s.must(http.StatusNotFound, "maya", http.MethodDelete, "/api/v1/webhooks/"+created.ID, nil, nil)
	s.must(http.StatusNoContent, "pat", http.MethodDelete, "/api/v1/webhooks/"+created.ID, nil, nil)
}
