package activities

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/smtp"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tandemhq/tandem/domain"
)

// MailRecords is what e-mailing needs of the records; *store.Store implements it.
type MailRecords interface {
	// NotificationsByKey returns the notifications written under keys, one per recipient.
	NotificationsByKey(ctx context.Context, keys []string) ([]domain.Notification, error)
	EmailSent(ctx context.Context, key, recipient string) (bool, error)
	MarkEmailSent(ctx context.Context, key, recipient string, at time.Time) error
	// NotificationSettings is how a person wants to hear of each kind; a
	// person not in the directory is domain.ErrNotFound.
	NotificationSettings(ctx context.Context, handle string) (domain.NotificationSettings, error)
}

// Mailer sends notifications through an SMTP server.
type Mailer struct {
	Addr string // host:port
	From string
	// Username and Password, when set, authenticate with PLAIN, which net/smtp
	// only allows over TLS or to localhost.
	Username, Password string
	Records            MailRecords
}

// EmailKinds are the notifications the workflows e-mail themselves, right
// after writing them (SendEmail): the ones that need someone to act soon. The
// notifier (DispatchNotifications) e-mails the other kinds, to whoever chose
// e-mail for them, so each kind has one path and is never sent twice at once.
var EmailKinds = []domain.NotificationKind{domain.NotifyReminder, domain.NotifyEscalated}

// SendEmailInput names the notifications to e-mail by key; the records hold the
// recipients and the directory their addresses, so no address enters history.
type SendEmailInput struct {
	Keys []string `json:"keys"`
}

// SendEmail e-mails each notification of the given keys to its recipient, once:
// a sent message is recorded, and a retry skips it. A recipient without an
// address in the directory, or who chose anything but e-mail at once for the
// kind (the app only, the daily digest, off), is skipped. Any failed send fails the activity, so
// Temporal retries the rest.
func (a *Activities) SendEmail(ctx context.Context, in SendEmailInput) error {
	if a.Mail == nil {
		return nil // no SMTP server configured: e-mail is off
	}
	ns, err := a.Mail.Records.NotificationsByKey(ctx, in.Keys)
	if err != nil {
		return fmt.Errorf("send e-mail: %w", err)
	}
	var failed []error
	for _, n := range ns {
		if err := a.mailOne(ctx, n); err != nil {
			failed = append(failed, err)
		}
	}
	if err := errors.Join(failed...); err != nil {
		return fmt.Errorf("send e-mail: %w", err)
	}
	return nil
}

func (a *Activities) mailOne(ctx context.Context, n domain.Notification) error {
	sent, err := a.Mail.Records.EmailSent(ctx, n.Key, n.Recipient)
	if err != nil || sent {
		return err
	}
	settings, err := a.Mail.Records.NotificationSettings(ctx, n.Recipient)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("preferences of %s: %w", n.Recipient, err)
	}
	if settings.Channel(n.Kind) != domain.NotifyByEmail {
		return nil
	}
	p, err := a.Directory.Person(ctx, n.Recipient)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && p.Email == "") {
		activity.GetLogger(ctx).Warn("no e-mail address; notification not e-mailed", "recipient", n.Recipient, "key", n.Key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", n.Recipient, err)
	}
	if !p.Active() {
		return nil // disabled: their address may be someone else's by now
	}
	if err := a.Mail.send(p.Email, message(a.Mail.From, p.Email, n)); err != nil {
		return fmt.Errorf("e-mail %s to %s: %w", n.Key, n.Recipient, err)
	}
	return a.Mail.Records.MarkEmailSent(ctx, n.Key, n.Recipient, time.Now())
}

// send sends one message to one address through the SMTP server.
func (m *Mailer) send(to string, msg []byte) error {
	var auth smtp.Auth
	if m.Username != "" {
		host, _, _ := strings.Cut(m.Addr, ":")
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	return smtp.SendMail(m.Addr, auth, m.From, []string{to}, msg)
}

// message is the RFC 5322 text of n. Header values lose line breaks, so a task
// title cannot add headers; the Message-ID is made from the key, so a message sent
// twice (the mark failed after the send) is one message to mail clients.
func message(from, to string, n domain.Notification) []byte {
	oneLine := strings.NewReplacer("\r", " ", "\n", " ").Replace
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", oneLine(from))
	fmt.Fprintf(&b, "To: %s\r\n", oneLine(to))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", oneLine(n.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s.%s@tandem>\r\n", strings.NewReplacer("/", ".", " ", "").Replace(n.Key), oneLine(n.Recipient))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "%s\r\n\r\n%s %s", oneLine(n.Subject), n.Process, n.ProcessID)
	if n.TaskID != "" {
		fmt.Fprintf(&b, ", task %s", n.TaskID)
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}
