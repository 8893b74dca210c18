package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// webhookRow is an outbound webhook subscription. The secret is stored as given:
// signing needs it, so it cannot be a hash.
type webhookRow struct {
	ID        string                      `gorm:"primaryKey"`
	Owner     string                      `gorm:"not null"`
	URL       string                      `gorm:"not null"`
	Secret    string                      `gorm:"not null"`
	Events    jsonCol[[]domain.EventKind] `gorm:"not null"`
	Format    string                      `gorm:"not null"`
	CreatedAt time.Time                   `gorm:"not null;autoCreateTime:false"`
}

func (webhookRow) TableName() string { return "webhooks" }

// webhookDeliveryRow is one delivery attempt, the delivery log. It keeps the
// classified outcome only: no error text, no exact status code.
type webhookDeliveryRow struct {
	ID             uint64    `gorm:"primaryKey;autoIncrement"`
	SubscriptionID string    `gorm:"not null"`
	EventKey       string    `gorm:"not null"`
	Kind           string    `gorm:"not null"`
	Attempt        int       `gorm:"not null"`
	Outcome        string    `gorm:"not null;default:''"`
	StatusClass    string    `gorm:"not null;default:''"`
	Delivered      bool      `gorm:"not null"`
	Abandoned      bool      `gorm:"not null"`
	At             time.Time `gorm:"not null"`
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

// emailRow records that a notification was e-mailed to its recipient, so a
// retried activity sends it once.
type emailRow struct {
	NotificationKey string    `gorm:"primaryKey"`
	Recipient       string    `gorm:"primaryKey"`
	SentAt          time.Time `gorm:"not null;autoCreateTime:false"`
}

func (emailRow) TableName() string { return "emails_sent" }

func (r webhookRow) toDomain() domain.Webhook {
	return domain.Webhook{
		ID: r.ID, Owner: r.Owner, URL: r.URL, Secret: r.Secret, Events: r.Events.V,
		Format: domain.WebhookFormat(r.Format), CreatedAt: fromDB(r.CreatedAt),
	}
}

// CreateWebhook stores a new subscription.
func (st *Store) CreateWebhook(ctx context.Context, w domain.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	row := webhookRow{
		ID: w.ID, Owner: w.Owner, URL: w.URL, Secret: w.Secret, Events: jsonCol[[]domain.EventKind]{w.Events},
		Format: string(w.Format), CreatedAt: utc(w.CreatedAt),
	}
	if err := st.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, classify(err))
	}
	return nil
}

// Webhook returns one subscription, or domain.ErrNotFound.
func (st *Store) Webhook(ctx context.Context, id string) (domain.Webhook, error) {
	var row webhookRow
	err := st.reads.WithContext(ctx).Take(&row, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Webhook{}, domain.NotFoundf("webhook %s not found", id)
	}
	if err != nil {
		return domain.Webhook{}, fmt.Errorf("load webhook %s: %w", id, classify(err))
	}
	return row.toDomain(), nil
}

// Webhooks lists the subscriptions of owner, or every subscription when owner is
// empty, oldest first. Subscriptions are few (a handful per integration), so the
// list is not paged.
func (st *Store) Webhooks(ctx context.Context, owner string) ([]domain.Webhook, error) {
	q := st.reads.WithContext(ctx).Order("created_at, id")
	if owner != "" {
		q = q.Where("owner = ?", owner)
	}
	var rows []webhookRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list webhooks: %w", classify(err))
	}
	out := make([]domain.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// DeleteWebhook removes a subscription and its delivery log; deliveries in flight
// find it gone and stop.
func (st *Store) DeleteWebhook(ctx context.Context, id string) error {
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Delete(&webhookRow{}, "id = ?", id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.NotFoundf("webhook %s not found", id)
		}
		return tx.Delete(&webhookDeliveryRow{}, "subscription_id = ?", id).Error
	})
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("delete webhook %s: %w", id, classify(err))
	}
	return err
}

// LogWebhookDelivery records one attempt. An attempt logged twice (the activity
// retried after logging it) is kept once.
func (st *Store) LogWebhookDelivery(ctx context.Context, d domain.WebhookDelivery) error {
	row := webhookDeliveryRow{
		SubscriptionID: d.SubscriptionID, EventKey: d.EventKey, Kind: string(d.Kind), Attempt: d.Attempt,
		Outcome: string(d.Outcome), StatusClass: d.StatusClass, Delivered: d.Delivered, Abandoned: d.Abandoned, At: utc(d.At),
	}
	err := st.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "subscription_id"}, {Name: "event_key"}, {Name: "attempt"}},
		DoNothing: true,
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("log delivery of %s to %s: %w", d.EventKey, d.SubscriptionID, classify(err))
	}
	return nil
}

// WebhookDelivered reports whether the event already reached the subscription.
func (st *Store) WebhookDelivered(ctx context.Context, subscriptionID, eventKey string) (bool, error) {
	var n int64
	err := st.reads.WithContext(ctx).Model(&webhookDeliveryRow{}).
		Where("subscription_id = ? AND event_key = ? AND delivered", subscriptionID, eventKey).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check delivery of %s to %s: %w", eventKey, subscriptionID, classify(err))
	}
	return n > 0, nil
}

// WebhookDeliveries returns a subscription's latest attempts, newest first.
func (st *Store) WebhookDeliveries(ctx context.Context, subscriptionID string, limit int) ([]domain.WebhookDelivery, error) {
	var rows []webhookDeliveryRow
	err := st.reads.WithContext(ctx).Where("subscription_id = ?", subscriptionID).
		Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", subscriptionID, classify(err))
	}
	out := make([]domain.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = domain.WebhookDelivery{
			SubscriptionID: r.SubscriptionID, EventKey: r.EventKey, Kind: domain.EventKind(r.Kind), Attempt: r.Attempt,
			Outcome: domain.DeliveryOutcome(r.Outcome), StatusClass: r.StatusClass, Delivered: r.Delivered, Abandoned: r.Abandoned, At: fromDB(r.At),
		}
	}
	return out, nil
}

// NotificationsByKey returns the notifications written under the given keys, one
// per recipient (group notifications as they were expanded), in write order.
func (st *Store) NotificationsByKey(ctx context.Context, keys []string) ([]domain.Notification, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var rows []notificationRow
	if err := st.reads.WithContext(ctx).Where("notification_key IN ?", keys).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load notifications: %w", classify(err))
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// EmailSent reports whether a notification was already e-mailed to recipient.
func (st *Store) EmailSent(ctx context.Context, key, recipient string) (bool, error) {
	var n int64
	err := st.reads.WithContext(ctx).Model(&emailRow{}).Where("notification_key = ? AND recipient = ?", key, recipient).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check e-mail %s to %s: %w", key, recipient, classify(err))
	}
	return n > 0, nil
}

// MarkEmailSent records that a notification was e-mailed; marking twice is a no-op.
func (st *Store) MarkEmailSent(ctx context.Context, key, recipient string, at time.Time) error {
	row := emailRow{NotificationKey: key, Recipient: recipient, SentAt: utc(at)}
	if err := st.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("mark e-mail %s to %s: %w", key, recipient, classify(err))
	}
	return nil
}
