package workflows_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/worker"
)

// notifierRecords is the records behind the notifier's real activities: the
// preferences, the notifications and the e-mails sent, as the store keeps
// them (a digest is recorded sent under the person and its local date).
type notifierRecords struct {
	mu    sync.Mutex
	prefs map[string]domain.NotificationSettings
	ns    []domain.Notification
	sent  map[string]bool
}

func (r *notifierRecords) setPrefs(h string, s domain.NotificationSettings) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prefs[h] = s
}

func (r *notifierRecords) NotificationSettings(_ context.Context, h string) (domain.NotificationSettings, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.prefs[h]
	if !ok {
		return domain.NotificationSettings{}, domain.ErrNotFound
	}
	return s, nil
}

func (r *notifierRecords) NotificationsByKey(context.Context, []string) ([]domain.Notification, error) {
	return nil, nil
}

func (r *notifierRecords) EmailSent(_ context.Context, key, to string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[key+"|"+to], nil
}

func (r *notifierRecords) MarkEmailSent(_ context.Context, key, to string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[key+"|"+to] = true
	return nil
}

func (r *notifierRecords) DispatchMark(context.Context, string) (uint64, error) { return 0, nil }
func (r *notifierRecords) SetDispatchMark(context.Context, string, uint64, time.Time) error {
	return nil
}

func (r *notifierRecords) NotificationsAfter(context.Context, uint64, int) ([]domain.Notification, error) {
	return nil, nil // the digest is under test: nothing to e-mail at once
}

func (r *notifierRecords) PendingOutboxEvents(context.Context, int) ([]domain.OutboxEvent, error) {
	return nil, nil
}

func (r *notifierRecords) SettleOutboxEvent(context.Context, uint64, bool, time.Time) error {
	return nil
}

// DigestRecipients are those whose preferences name the digest now, as the
// store reads them.
func (r *notifierRecords) DigestRecipients(_ context.Context, after string, limit int) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for h, s := range r.prefs {
		if h > after && slices.Contains(slices.Collect(mapValues(s.Channels)), domain.NotifyDigest) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out[:min(limit, len(out))], nil
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func (r *notifierRecords) DigestNotifications(_ context.Context, who string, kinds []domain.NotificationKind, from, to time.Time, limit int) ([]domain.Notification, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []domain.Notification
	for _, n := range r.ns {
		if n.Recipient == who && slices.Contains(kinds, n.Kind) && !n.CreatedAt.Before(from) && n.CreatedAt.Before(to) && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

type notifierDirectory struct{}

func (notifierDirectory) Person(_ context.Context, h string) (domain.Person, error) {
	return domain.Person{Handle: h, Email: h + "@example.com"}, nil
}

func (notifierDirectory) People(context.Context, domain.PeopleFilter) (domain.Page[domain.Person], error) {
	return domain.Page[domain.Person]{}, nil
}

// mailbox is an SMTP server on the loopback that keeps each message's
// recipient and subject.
type mailbox struct {
	mu   sync.Mutex
	msgs []string // "to subject (lines)"
}

func startMailbox(t *testing.T) (*mailbox, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	m := &mailbox{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.serve(c)
		}
	}()
	return m, ln.Addr().String()
}

var subjectLine = regexp.MustCompile(`(?m)^Subject: (.*)\r$`)

func (m *mailbox) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	say("220 ready")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			subject := ""
			if s := subjectLine.FindStringSubmatch(data.String()); s != nil {
				subject = s[1]
			}
			m.mu.Lock()
			m.msgs = append(m.msgs, fmt.Sprintf("%s %s (%d lines)", rcpt, subject, strings.Count(data.String(), "\r\n- ")))
			m.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// runNotifierHour runs the notifier from start with in, under time skipping,
// until it continues as new an hour later, and answers what it hands on.
func runNotifierHour(t *testing.T, acts *activities.Activities, start time.Time, in contract.NotifierInput) contract.NotifierInput {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	worker.RegisterWorkflows(env)
	env.RegisterActivity(acts)
	env.SetStartTime(start)
	env.ExecuteWorkflow(contract.NotifierType, in)
	var can *workflow.ContinueAsNewError
	if !env.IsWorkflowCompleted() || !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("the run from %v did not continue as new: %v", start, env.GetWorkflowError())
	}
	if can.WorkflowType.Name != contract.NotifierType {
		t.Fatalf("continued as %s", can.WorkflowType.Name)
	}
	var next contract.NotifierInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if now := env.Now(); !now.Equal(start.Add(time.Hour)) {
		t.Fatalf("a run from %v ended at %v, want an hour later", start, now)
	}
	return next
}

// The daily digest goes to each person who chose it once per local day, at
// DigestHour in their time zone, over three days of runs that continue as
// new every hour and are restarted from scratch twice (a new run with no
// input, as a worker that starts the notifier again after the old run was
// lost), each restart replaying the hour its digest went out in. It never
// goes to someone whose preference is off, and stops when a person turns it
// off.
func TestNotifierSendsOneDigestPerPersonPerDayAcrossRestarts(t *testing.T) {
	box, addr := startMailbox(t)
	digest := func(zone string) domain.NotificationSettings {
		return domain.NotificationSettings{TimeZone: zone, Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyMention: domain.NotifyDigest}}
	}
	recs := &notifierRecords{sent: map[string]bool{}, prefs: map[string]domain.NotificationSettings{
		"kenji":  digest("Asia/Tokyo"),   // 08:00 there is 23:00 UTC
		"claire": digest("Europe/Paris"), // 07:00 UTC in March
		"olga": {TimeZone: "UTC", Channels: map[domain.NotificationKind]domain.NotifyChannel{
			domain.NotifyMention: domain.NotifyOff, domain.NotifyReply: domain.NotifyInApp,
		}},
	}}
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	// A mention for each of them every six hours (olga's from before she
	// turned mentions off).
	for i := range 12 {
		for _, h := range []string{"kenji", "claire", "olga"} {
			recs.ns = append(recs.ns, domain.Notification{ID: uint64(len(recs.ns) + 1), Key: fmt.Sprintf("m%d", i), Recipient: h,
				Kind: domain.NotifyMention, Subject: "pat mentioned you", Process: domain.ProcessCampaign, ProcessID: "cmp_1",
				CreatedAt: start.Add(time.Duration(i) * 6 * time.Hour)})
		}
	}
	acts := &activities.Activities{Directory: notifierDirectory{}, Notifier: recs,
		Mail: &activities.Mailer{Addr: addr, From: "tandem@example.com", Records: recs}}

	in := contract.NotifierInput{}
	restarts := map[int]bool{23: true, 31: true} // kenji's second digest, claire's second
	for hour := 0; hour < 72; hour++ {
		at := start.Add(time.Duration(hour) * time.Hour)
		if hour == 36 {
			// claire turns the digest off at noon on the 2nd.
			recs.setPrefs("claire", domain.NotificationSettings{TimeZone: "Europe/Paris", Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyMention: domain.NotifyOff}})
		}
		next := runNotifierHour(t, acts, at, in)
		if restarts[hour] {
			// The run is lost and the notifier started anew: the same hour
			// passes again, from no input at all.
			next = runNotifierHour(t, acts, at, contract.NotifierInput{})
		}
		in = next
	}

	box.mu.Lock()
	defer box.mu.Unlock()
	want := []string{
		"claire@example.com Your Tandem digest for 2027-03-01 (2 lines)", // 00:00 and 06:00 UTC
		"kenji@example.com Your Tandem digest for 2027-03-02 (4 lines)",  // the 1st, 23:00 UTC to 23:00
		"claire@example.com Your Tandem digest for 2027-03-02 (4 lines)",
		"kenji@example.com Your Tandem digest for 2027-03-03 (4 lines)",
		"kenji@example.com Your Tandem digest for 2027-03-04 (4 lines)",
	}
	if !slices.Equal(box.msgs, want) {
		t.Fatalf("digests sent:\n%s\nwant:\n%s", strings.Join(box.msgs, "\n"), strings.Join(want, "\n"))
	}
}
