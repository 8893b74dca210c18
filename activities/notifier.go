package activities

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tandemhq/tandem/domain"
)

// The notifier's work, which the Notifier workflow runs on a timer: what
// nothing else sends. The API writes comments and their mentions to the
// records itself, with their webhook events in an outbox; it sends nothing, so
// no request waits on a receiver or an SMTP server. Here the outbox goes to
// the webhooks, the notifications the workflows do not e-mail go by e-mail to
// whoever chose it, and each person's daily digest goes out once a day.

// NotifierRecords is what the notifier reads and marks; *store.Store
// implements it.
type NotifierRecords interface {
	DispatchMark(ctx context.Context, stream string) (uint64, error)
	SetDispatchMark(ctx context.Context, stream string, through uint64, at time.Time) error
	NotificationsAfter(ctx context.Context, after uint64, limit int) ([]domain.Notification, error)
	PendingOutboxEvents(ctx context.Context, limit int) ([]domain.OutboxEvent, error)
	SettleOutboxEvent(ctx context.Context, id uint64, done bool, at time.Time) error
	DigestRecipients(ctx context.Context, after string, limit int) ([]string, error)
	DigestNotifications(ctx context.Context, recipient string, kinds []domain.NotificationKind, from, to time.Time, limit int) ([]domain.Notification, error)
}

// Bounds of one pass: what a pass does not reach, the next one does.
const (
	// outboxBatch is how many outbox events one pass delivers.
	outboxBatch = 100
	// OutboxAttempts is how many passes try an outbox event before it is
	// given up (logged as abandoned): with a pass a minute, a receiver down
	// for ten minutes.
	OutboxAttempts = 10
	// emailBatch is how many notifications one pass reads for e-mail, and
	// emailPages how many batches.
	emailBatch = 200
	emailPages = 5
	// digestPage is how many people one read of the digest's recipients
	// answers, and digestMax how many notifications one digest lists (it
	// says how many more there were).
	digestPage = 200
	digestMax  = 50
)

// emailStream names the dispatch mark of the notifications the notifier e-mails.
const emailStream = "email"

// DispatchInput is one pass of the notifier, at Now (the workflow's clock).
type DispatchInput struct {
	Now time.Time `json:"now"`
}

// DispatchNotifications delivers the outbox's events to the webhooks that
// want them, and e-mails the notifications the workflows do not (every kind
// but EmailKinds) to whoever chose e-mail at once for their kind. A webhook
// receiver that fails keeps its event in the outbox for the next pass, up to
// OutboxAttempts passes, so one dead receiver neither fails the pass nor holds
// up the others. An e-mail that fails fails the pass, which Temporal retries
// from the first notification not e-mailed.
func (a *Activities) DispatchNotifications(ctx context.Context, in DispatchInput) error {
	if a.Notifier == nil {
		return nil // no notifier records on this worker: nothing to dispatch
	}
	if err := a.drainOutbox(ctx, in.Now); err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	if err := a.emailNew(ctx, in.Now); err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	return nil
}

func (a *Activities) drainOutbox(ctx context.Context, now time.Time) error {
	events, err := a.Notifier.PendingOutboxEvents(ctx, outboxBatch)
	if err != nil || len(events) == 0 {
		return err
	}
	var subs []domain.Webhook
	if a.Webhooks != nil {
		if subs, err = a.Webhooks.Webhooks(ctx, ""); err != nil {
			return fmt.Errorf("subscriptions: %w", err)
		}
	}
	for _, o := range events {
		attempt := o.Attempts + 1
		last := attempt >= OutboxAttempts
		failed := 0
		if len(subs) > 0 {
			if failed, err = a.deliverEvent(ctx, subs, o.Event, attempt, last); err != nil {
				return fmt.Errorf("deliver %s: %w", o.Event.Key, err)
			}
		}
		if err := a.Notifier.SettleOutboxEvent(ctx, o.ID, failed == 0 || last, now); err != nil {
			return err
		}
	}
	return nil
}

// emailNew reads the notifications written since the last pass and e-mails
// those whose recipient chose e-mail at once, moving the mark past each one
// done. With e-mail off the mark moves all the same: turning e-mail on later
// does not send what was written before.
func (a *Activities) emailNew(ctx context.Context, now time.Time) error {
	mark, err := a.Notifier.DispatchMark(ctx, emailStream)
	if err != nil {
		return err
	}
	for range emailPages {
		ns, err := a.Notifier.NotificationsAfter(ctx, mark, emailBatch)
		if err != nil || len(ns) == 0 {
			return err
		}
		for _, n := range ns {
			if a.Mail != nil && !slices.Contains(EmailKinds, n.Kind) {
				if err := a.mailOne(ctx, n); err != nil {
					// Keep what was done: the retry starts at this one.
					return errors.Join(err, a.Notifier.SetDispatchMark(ctx, emailStream, mark, now))
				}
			}
			mark = n.ID
		}
		if err := a.Notifier.SetDispatchMark(ctx, emailStream, mark, now); err != nil {
			return err
		}
	}
	return nil
}

// SendDigestsInput is one pass of the digest, at Now (the workflow's clock).
type SendDigestsInput struct {
	Now time.Time `json:"now"`
}

// SendDigests e-mails each person who chose the daily digest for some kind
// their digest of the local day, once: due from domain.DigestHour in their
// time zone, it lists their notifications of those kinds from the day
// before, and is recorded as sent under the key "digest/<local date>" for
// them, so a pass again that day, a retry, a restarted worker or a workflow
// started anew sends nothing twice. A person with nothing to list gets no
// e-mail; a person with no address, or disabled, is skipped.
func (a *Activities) SendDigests(ctx context.Context, in SendDigestsInput) error {
	if a.Notifier == nil || a.Mail == nil {
		return nil // e-mail is off: there is no digest to send
	}
	var failed []error
	after := ""
	for {
		handles, err := a.Notifier.DigestRecipients(ctx, after, digestPage)
		if err != nil {
			return fmt.Errorf("send digests: %w", err)
		}
		for _, h := range handles {
			if err := a.digestOne(ctx, h, in.Now); err != nil {
				failed = append(failed, err)
			}
		}
		if len(handles) < digestPage {
			break
		}
		after = handles[len(handles)-1]
	}
	if err := errors.Join(failed...); err != nil {
		return fmt.Errorf("send digests: %w", err)
	}
	return nil
}

func (a *Activities) digestOne(ctx context.Context, handle string, now time.Time) error {
	settings, err := a.Mail.Records.NotificationSettings(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) {
		return nil // preferences left by someone no longer in the directory
	}
	if err != nil {
		return fmt.Errorf("preferences of %s: %w", handle, err)
	}
	settings = settings.Complete()
	loc, err := domain.LoadTimeZone(settings.TimeZone)
	if err != nil {
		loc = time.UTC // a zone this build no longer knows: the default's
	}
	date, from, to, due := domain.DigestDay(now, loc)
	if !due {
		return nil
	}
	key := "digest/" + date
	if sent, err := a.Mail.Records.EmailSent(ctx, key, handle); err != nil || sent {
		return err
	}
	var kinds []domain.NotificationKind
	for _, k := range domain.NotificationKinds {
		if settings.Channel(k) == domain.NotifyDigest {
			kinds = append(kinds, k)
		}
	}
	ns, err := a.Notifier.DigestNotifications(ctx, handle, kinds, from, to, digestMax+1)
	if err != nil || len(ns) == 0 {
		return err
	}
	p, err := a.Directory.Person(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) || err == nil && (p.Email == "" || !p.Active()) {
		activity.GetLogger(ctx).Warn("no e-mail address or disabled; digest not sent", "recipient", handle, "date", date)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", handle, err)
	}
	if err := a.Mail.send(p.Email, digestMessage(a.Mail.From, p.Email, handle, date, ns, now)); err != nil {
		return fmt.Errorf("digest %s to %s: %w", date, handle, err)
	}
	return a.Mail.Records.MarkEmailSent(ctx, key, handle, now)
}

// digestMessage is the RFC 5322 text of handle's digest of date: one line per
// notification, at most digestMax (ns may hold one more, to say there were
// more). Its Message-ID is made from the person and the date, so a digest
// sent twice (the mark failed after the send) is one message to mail clients.
func digestMessage(from, to, handle, date string, ns []domain.Notification, now time.Time) []byte {
	oneLine := strings.NewReplacer("\r", " ", "\n", " ").Replace
	var b strings.Builder
	subject := fmt.Sprintf("Your Tandem digest for %s", date)
	fmt.Fprintf(&b, "From: %s\r\n", oneLine(from))
	fmt.Fprintf(&b, "To: %s\r\n", oneLine(to))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <digest.%s.%s@tandem>\r\n", date, oneLine(handle))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "%s\r\n\r\n", subject)
	for i, n := range ns {
		if i == digestMax {
			b.WriteString("... and more in your notifications.\r\n")
			break
		}
		fmt.Fprintf(&b, "- %s (%s %s)\r\n", oneLine(n.Subject), n.Process, n.ProcessID)
	}
	return []byte(b.String())
}
