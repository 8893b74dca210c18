package activities

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
)

// fakeNotifier is the notifier's records in memory.
type fakeNotifier struct {
	mu      sync.Mutex
	marks   map[string]uint64
	ns      []domain.Notification
	outbox  []domain.OutboxEvent
	done    map[uint64]bool
	digests []string // handles who chose a digest, sorted
}

func (f *fakeNotifier) DispatchMark(_ context.Context, s string) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.marks[s], nil
}

func (f *fakeNotifier) SetDispatchMark(_ context.Context, s string, through uint64, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marks[s] = max(f.marks[s], through)
	return nil
}

func (f *fakeNotifier) NotificationsAfter(_ context.Context, after uint64, limit int) ([]domain.Notification, error) {
	var out []domain.Notification
	for _, n := range f.ns {
		if n.ID > after && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeNotifier) PendingOutboxEvents(_ context.Context, limit int) ([]domain.OutboxEvent, error) {
	var out []domain.OutboxEvent
	for _, o := range f.outbox {
		if !f.done[o.ID] && len(out) < limit {
			out = append(out, o)
		}
	}
	return out, nil
}

func (f *fakeNotifier) SettleOutboxEvent(_ context.Context, id uint64, done bool, _ time.Time) error {
	for i := range f.outbox {
		if f.outbox[i].ID == id && !f.done[id] {
			f.outbox[i].Attempts++
			f.done[id] = done
		}
	}
	return nil
}

func (f *fakeNotifier) DigestRecipients(_ context.Context, after string, limit int) ([]string, error) {
	var out []string
	for _, h := range f.digests {
		if h > after && len(out) < limit {
			out = append(out, h)
		}
	}
	return out, nil
}

func (f *fakeNotifier) DigestNotifications(_ context.Context, who string, kinds []domain.NotificationKind, from, to time.Time, limit int) ([]domain.Notification, error) {
	var out []domain.Notification
	for _, n := range f.ns {
		if n.Recipient == who && slices.Contains(kinds, n.Kind) && !n.CreatedAt.Before(from) && n.CreatedAt.Before(to) && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

// The outbox's events reach every subscription that wants them, in the
// Slack format too; a receiver that fails keeps its event for the next
// pass, and is given up after OutboxAttempts passes, while the others are
// not sent twice.
func TestDispatchDeliversTheOutbox(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get(HeaderEvent)+" "+string(b))
		mu.Unlock()
	}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer down.Close()
	hooks := &fakeWebhooks{subs: []domain.Webhook{
		{ID: "whk_slack", URL: ok.URL, Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventCommentCreated, domain.EventMention}, Format: domain.WebhookSlack},
		{ID: "whk_down", URL: down.URL, Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventMention}, Format: domain.WebhookJSON},
		{ID: "whk_other", URL: ok.URL, Secret: "0123456789abcdef", Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookJSON},
	}}
	c := domain.Comment{ID: 7, Process: domain.ProcessCampaign, ProcessID: "cmp_1", Author: "pat", CreatedAt: time.Unix(1700000000, 0)}
	rec := &fakeNotifier{marks: map[string]uint64{}, done: map[uint64]bool{}, outbox: []domain.OutboxEvent{
		{ID: 1, Event: domain.CommentEvent(c)}, {ID: 2, Event: domain.MentionEvent(c, "maya", c.CreatedAt)},
	}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Webhooks: hooks, Notifier: rec, HTTP: NewWebhookClient(loopbackGuard(t, nil))})
	pass := func() {
		t.Helper()
		if _, err := env.ExecuteActivity((&Activities{}).DispatchNotifications, DispatchInput{Now: time.Now()}); err != nil {
			t.Fatalf("a failing receiver failed the pass: %v", err)
		}
	}
	pass()
	mu.Lock()
	got := slices.Clone(bodies)
	mu.Unlock()
	want := []string{
		`comment.created {"text":"@pat commented (campaign cmp_1)"}`,
		`mention {"text":"@pat mentioned @maya in a comment (campaign cmp_1)"}`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deliveries = %q, want %q", got, want)
	}
	if !rec.done[1] || rec.done[2] {
		t.Fatalf("after one pass done = %v: the comment's event is done, the mention waits for whk_down", rec.done)
	}
	for range OutboxAttempts - 1 {
		pass()
	}
	if !rec.done[2] {
		t.Fatal("the mention was never given up")
	}
	var down10, abandoned, slackMentions int
	for _, d := range hooks.log {
		switch {
		case d.SubscriptionID == "whk_down":
			down10++
			if d.Abandoned {
				abandoned++
			}
		case d.SubscriptionID == "whk_slack" && d.Kind == domain.EventMention:
			slackMentions++
		}
	}
	if down10 != OutboxAttempts || abandoned != 1 || slackMentions != 1 {
		t.Fatalf("whk_down tried %d times (%d abandoned), whk_slack had the mention %d times", down10, abandoned, slackMentions)
	}
}

// The notifier e-mails the kinds the workflows do not, to whoever chose
// e-mail for them, each once; it leaves reminders and escalations to the
// workflows' own e-mail.
func TestDispatchEmailsByPreference(t *testing.T) {
	srv := startSMTP(t)
	ns := []domain.Notification{
		{ID: 1, Key: "comment/1/mention", Recipient: "maya", Kind: domain.NotifyMention, Subject: "pat mentioned you", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		{ID: 2, Key: "comment/1/reply", Recipient: "ian", Kind: domain.NotifyReply, Subject: "pat replied", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		{ID: 3, Key: "cmp_1/notify/9", Recipient: "pat", Kind: domain.NotifyReminder, Subject: "Reminder", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		{ID: 4, Key: "cmp_1/notify/10", Recipient: "lee", Kind: domain.NotifyAssigned, Subject: "Review the brief", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
	}
	mail := &fakeMail{sent: map[string]bool{}, ns: ns, prefs: map[string]domain.NotificationSettings{
		"ian": {Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyReply: domain.NotifyInApp}},
		"lee": {Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyAssigned: domain.NotifyByEmail}},
	}}
	rec := &fakeNotifier{marks: map[string]uint64{}, done: map[uint64]bool{}, ns: ns}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Directory: mailDirectory{}, Notifier: rec,
		Mail: &Mailer{Addr: srv.ln.Addr().String(), From: "tandem@example.com", Records: mail}})
	for range 2 {
		if _, err := env.ExecuteActivity((&Activities{}).DispatchNotifications, DispatchInput{Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var to []string
	for _, m := range srv.msgs {
		to = append(to, strings.SplitN(m, "\r\n", 2)[0])
	}
	if want := []string{"RCPT <maya@example.com>", "RCPT <lee@example.com>"}; !slices.Equal(to, want) {
		t.Fatalf("sent to %q, want %q", to, want)
	}
	if rec.marks["email"] != 4 {
		t.Fatalf("mark = %d, want 4", rec.marks["email"])
	}
}
