package activities

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
)

// smtpServer is a minimal in-process SMTP server that keeps each message's
// recipients and data.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	say("220 test ready")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			rcpt = strings.TrimSpace(line[len("RCPT TO:"):])
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
			s.mu.Lock()
			s.msgs = append(s.msgs, "RCPT "+rcpt+"\r\n"+data.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

type fakeMail struct {
	ns    []domain.Notification
	sent  map[string]bool
	prefs map[string]domain.NotificationSettings
}

func (f *fakeMail) NotificationSettings(_ context.Context, h string) (domain.NotificationSettings, error) {
	return f.prefs[h], nil
}

func (f *fakeMail) NotificationsByKey(_ context.Context, keys []string) ([]domain.Notification, error) {
	var out []domain.Notification
	for _, n := range f.ns {
		for _, k := range keys {
			if n.Key == k {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

func (f *fakeMail) EmailSent(_ context.Context, key, to string) (bool, error) {
	return f.sent[key+"|"+to], nil
}

func (f *fakeMail) MarkEmailSent(_ context.Context, key, to string, _ time.Time) error {
	f.sent[key+"|"+to] = true
	return nil
}

type mailDirectory struct{ Directory }

func (mailDirectory) Person(_ context.Context, h string) (domain.Person, error) {
	if h == "ghost" {
		return domain.Person{}, domain.ErrNotFound
	}
	p := domain.Person{Handle: h, Email: h + "@example.com"}
	if h == "lev" { // disabled: left the company
		left := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		p.DisabledAt = &left
	}
	return p, nil
}

func TestSendEmailOncePerRecipient(t *testing.T) {
	srv := startSMTP(t)
	mail := &fakeMail{sent: map[string]bool{}, ns: []domain.Notification{
		{Key: "cmp_1/notify/4", Recipient: "pat", Kind: domain.NotifyReminder, Subject: "Reminder: \"Brief\" is due\r\nBcc: evil@example.com", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		{Key: "cmp_1/notify/4", Recipient: "ghost", Kind: domain.NotifyReminder, Subject: "Reminder", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		// Who chose the digest, or the app only, for reminders gets no e-mail now.
		{Key: "cmp_1/notify/4", Recipient: "dee", Kind: domain.NotifyReminder, Subject: "Reminder", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		{Key: "cmp_1/notify/4", Recipient: "ian", Kind: domain.NotifyReminder, Subject: "Reminder", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
		// Someone disabled gets nothing, whatever their preferences said.
		{Key: "cmp_1/notify/4", Recipient: "lev", Kind: domain.NotifyReminder, Subject: "Reminder", Process: domain.ProcessCampaign, ProcessID: "cmp_1"},
	}, prefs: map[string]domain.NotificationSettings{
		"dee": {Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyReminder: domain.NotifyDigest}},
		"ian": {Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyReminder: domain.NotifyInApp}},
	}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Directory: mailDirectory{}, Mail: &Mailer{Addr: srv.ln.Addr().String(), From: "tandem@example.com", Records: mail}})
	for range 2 { // a retried activity sends nothing twice
		if _, err := env.ExecuteActivity((&Activities{}).SendEmail, SendEmailInput{Keys: []string{"cmp_1/notify/4"}}); err != nil {
			t.Fatal(err)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.msgs) != 1 {
		t.Fatalf("%d messages, want 1 (pat once; ghost has no address; dee and ian chose no e-mail now; lev is disabled): %q", len(srv.msgs), srv.msgs)
	}
	m := srv.msgs[0]
	if !strings.Contains(m, "RCPT <pat@example.com>") || !strings.Contains(m, "To: pat@example.com\r\n") || !strings.Contains(m, "cmp_1") {
		t.Errorf("message = %q", m)
	}
	if strings.Contains(m, "\r\nBcc:") {
		t.Errorf("a subject added a header: %q", m)
	}
}
