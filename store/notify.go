package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// The notification center's records beyond the notifications themselves: each
// person's preferences (a channel per kind, and their time zone on the
// person's row), a notification read on its own, the outbox of events the API
// writes for webhooks, and how far the worker's notifier has e-mailed.

// notificationPreferenceRow is one person's channel for one kind; a kind
// without a row has the default channel.
type notificationPreferenceRow struct {
	Handle    string    `gorm:"primaryKey"`
	Kind      string    `gorm:"primaryKey"`
	Channel   string    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (notificationPreferenceRow) TableName() string { return "notification_preferences" }

// outboxEventRow is an event the API wrote, waiting for its webhook
// deliveries until DoneAt is set.
type outboxEventRow struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	EventKey  string    `gorm:"not null"`
	Kind      string    `gorm:"not null"`
	Process   string    `gorm:"not null"`
	ProcessID string    `gorm:"not null"`
	TaskID    string    `gorm:"not null"`
	Actor     string    `gorm:"not null"`
	Message   string    `gorm:"not null"`
	At        time.Time `gorm:"not null"`
	Attempts  int       `gorm:"not null;default:0"`
	DoneAt    *time.Time
}

func (outboxEventRow) TableName() string { return "outbox_events" }

// dispatchMarkRow is how far the notifier has read one stream of records.
type dispatchMarkRow struct {
	Stream    string    `gorm:"primaryKey"`
	Through   uint64    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (dispatchMarkRow) TableName() string { return "dispatch_marks" }

// NotificationSettings reads handle's time zone and the channels they chose
// (kinds they did not choose are absent: domain.NotificationSettings.Channel
// answers their default). A person not in the directory is domain.ErrNotFound.
func (st *Store) NotificationSettings(ctx context.Context, handle string) (domain.NotificationSettings, error) {
	db := st.reads.WithContext(ctx)
	var zones []string
	if err := db.Model(&personRow{}).Where("handle = ?", handle).Limit(1).Pluck("time_zone", &zones).Error; err != nil {
		return domain.NotificationSettings{}, wrap(err, "notification settings of "+handle)
	}
	if len(zones) == 0 {
		return domain.NotificationSettings{}, fmt.Errorf("person %s: %w", handle, domain.ErrNotFound)
	}
	var rows []notificationPreferenceRow
	if err := db.Where("handle = ?", handle).Order("kind").Find(&rows).Error; err != nil {
		return domain.NotificationSettings{}, wrap(err, "notification preferences of "+handle)
	}
	s := domain.NotificationSettings{TimeZone: zones[0], Channels: make(map[domain.NotificationKind]domain.NotifyChannel, len(rows))}
	for _, r := range rows {
		s.Channels[domain.NotificationKind(r.Kind)] = domain.NotifyChannel(r.Channel)
	}
	return s, nil
}

// SetNotificationSettings replaces handle's preferences with s, at once: the
// time zone, and a channel for each kind s names (the others go back to their
// default). s must be valid (domain.NotificationSettings.Validate).
func (st *Store) SetNotificationSettings(ctx context.Context, handle string, s domain.NotificationSettings, at time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&personRow{}).Where("handle = ?", handle).Update("time_zone", s.TimeZone)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("person %s: %w", handle, domain.ErrNotFound)
		}
		if err := tx.Where("handle = ?", handle).Delete(&notificationPreferenceRow{}).Error; err != nil {
			return err
		}
		rows := make([]notificationPreferenceRow, 0, len(s.Channels))
		for _, k := range domain.NotificationKinds {
			if c, ok := s.Channels[k]; ok {
				rows = append(rows, notificationPreferenceRow{Handle: handle, Kind: string(k), Channel: string(c), UpdatedAt: utc(at)})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	return wrap(err, "set notification settings of "+handle)
}

// dropMuted leaves out of rows each notification whose recipient turned its
// kind off: nothing is written for them, so the notification center, the
// e-mail and the digest all pass them by.
func dropMuted(tx *gorm.DB, rows []notificationRow) ([]notificationRow, error) {
	if len(rows) == 0 {
		return rows, nil
	}
	handles := make([]string, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Recipient] {
			seen[r.Recipient] = true
			handles = append(handles, r.Recipient)
		}
	}
	// Read by hand, as the rows are written (rawwrite.go): this runs in every
	// records write that notifies.
	off := map[[2]string]bool{}
	for chunk := range chunks(handles, batchSize) {
		if err := mutedOf(tx, chunk, off); err != nil {
			return nil, fmt.Errorf("muted notifications: %w", err)
		}
	}
	if len(off) == 0 {
		return rows, nil
	}
	kept := rows[:0]
	for _, r := range rows {
		if !off[[2]string{r.Recipient, r.Kind}] {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// mutedOf adds to off the (handle, kind) each of handles turned off.
func mutedOf(tx *gorm.DB, handles []string, off map[[2]string]bool) error {
	postgres := onPostgres(tx)
	args := make([]any, 0, 1+len(handles))
	args = append(args, string(domain.NotifyOff))
	q := "SELECT handle, kind FROM notification_preferences WHERE channel = " + placeholder(postgres, 1) +
		" AND handle IN " + inList(postgres, &args, handles)
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, q, args...)
	if err != nil {
		return translated(tx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var handle, kind string
		if err := rows.Scan(&handle, &kind); err != nil {
			return err
		}
		off[[2]string{handle, kind}] = true
	}
	return rows.Err()
}

// chunks splits s into slices of at most n, for IN lists a database bounds.
func chunks(s []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// MarkNotificationRead marks one of recipient's notifications read, and
// answers their mark with the unread count after it. Marking one read twice
// changes nothing; a notification that is not recipient's is
// domain.ErrNotFound, whether or not it exists, so nobody learns of another's.
func (st *Store) MarkNotificationRead(ctx context.Context, recipient string, id uint64, at time.Time) (domain.NotificationMark, error) {
	var m domain.NotificationMark
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&notificationRow{}).Where("id = ? AND recipient = ?", id, recipient).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("notification %d: %w", id, domain.ErrNotFound)
		}
		if err := tx.Model(&notificationRow{}).Where("id = ? AND recipient = ? AND read_at IS NULL", id, recipient).
			Update("read_at", utc(at)).Error; err != nil {
			return err
		}
		var err error
		m, err = notificationMark(tx, recipient)
		return err
	})
	return m, wrap(err, fmt.Sprintf("mark notification %d read", id))
}

// writeOutbox adds events to the outbox, each once by its key: an edit that
// mentions someone again adds nothing.
func writeOutbox(tx *gorm.DB, events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]outboxEventRow, len(events))
	for i, e := range events {
		rows[i] = outboxEventRow{
			EventKey: e.Key, Kind: string(e.Kind), Process: string(e.Process), ProcessID: e.ProcessID,
			TaskID: e.TaskID, Actor: e.Actor, Message: e.Message, At: utc(e.At),
		}
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).
		CreateInBatches(&rows, batchSize).Error
}

// PendingOutboxEvents answers up to limit events of the outbox not yet done,
// oldest first: one range scan of idx_outbox_events_pending.
func (st *Store) PendingOutboxEvents(ctx context.Context, limit int) ([]domain.OutboxEvent, error) {
	var rows []outboxEventRow
	if err := st.db.WithContext(ctx).Where("done_at IS NULL").Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "pending outbox events")
	}
	out := make([]domain.OutboxEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.OutboxEvent{ID: r.ID, Attempts: r.Attempts, Event: domain.Event{
			Key: r.EventKey, Kind: domain.EventKind(r.Kind), Process: domain.Process(r.Process), ProcessID: r.ProcessID,
			TaskID: r.TaskID, Actor: r.Actor, Message: r.Message, At: fromDB(r.At),
		}}
	}
	return out, nil
}

// SettleOutboxEvent records one pass over outbox event id: done (every
// delivery made, or given up), or one more attempt to come.
func (st *Store) SettleOutboxEvent(ctx context.Context, id uint64, done bool, at time.Time) error {
	updates := map[string]any{"attempts": gorm.Expr("attempts + 1")}
	if done {
		updates["done_at"] = utc(at)
	}
	err := st.db.WithContext(ctx).Model(&outboxEventRow{}).Where("id = ? AND done_at IS NULL", id).Updates(updates).Error
	return wrap(err, fmt.Sprintf("settle outbox event %d", id))
}

// DispatchMark answers how far the notifier has read stream (0 before it
// read any).
func (st *Store) DispatchMark(ctx context.Context, stream string) (uint64, error) {
	var through []uint64
	if err := st.db.WithContext(ctx).Model(&dispatchMarkRow{}).Where("stream = ?", stream).Limit(1).Pluck("through", &through).Error; err != nil {
		return 0, wrap(err, "dispatch mark "+stream)
	}
	if len(through) == 0 {
		return 0, nil
	}
	return through[0], nil
}

// SetDispatchMark moves stream's mark forward to through; never back, so a
// retried pass cannot make the notifier read again what it did.
func (st *Store) SetDispatchMark(ctx context.Context, stream string, through uint64, at time.Time) error {
	row := dispatchMarkRow{Stream: stream, Through: through, UpdatedAt: utc(at)}
	err := st.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "stream"}},
		DoUpdates: clause.Assignments(map[string]any{
			"through":    gorm.Expr("CASE WHEN excluded.through > dispatch_marks.through THEN excluded.through ELSE dispatch_marks.through END"),
			"updated_at": gorm.Expr("excluded.updated_at"),
		}),
	}).Create(&row).Error
	return wrap(err, "set dispatch mark "+stream)
}

// NotificationsAfter answers up to limit notifications (of everyone) with an
// ID above after, oldest first: a range scan of the primary key.
func (st *Store) NotificationsAfter(ctx context.Context, after uint64, limit int) ([]domain.Notification, error) {
	var rows []notificationRow
	if err := st.db.WithContext(ctx).Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "notifications to dispatch")
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// DigestRecipients answers up to limit people, in handle order after after,
// who chose the daily digest for some kind: the notifier's page of people a
// digest may be due to.
func (st *Store) DigestRecipients(ctx context.Context, after string, limit int) ([]string, error) {
	var handles []string
	err := st.reads.WithContext(ctx).Model(&notificationPreferenceRow{}).Distinct("handle").
		Where("channel = ? AND handle > ?", string(domain.NotifyDigest), after).Order("handle").Limit(limit).Pluck("handle", &handles).Error
	return handles, wrap(err, "digest recipients")
}

// DigestNotifications answers recipient's notifications of kinds made in
// [from, to), oldest first, at most limit: what one day's digest lists.
func (st *Store) DigestNotifications(ctx context.Context, recipient string, kinds []domain.NotificationKind, from, to time.Time, limit int) ([]domain.Notification, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	var rows []notificationRow
	err := st.reads.WithContext(ctx).Where("recipient = ? AND kind IN ? AND created_at >= ? AND created_at < ?", recipient, kinds, utc(from), utc(to)).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "digest of "+recipient)
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
