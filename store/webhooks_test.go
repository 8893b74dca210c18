package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestWebhooksAndDeliveryLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		w := domain.Webhook{ID: "whk_aaaaaaaaaaaa", Owner: "pat", URL: "https://example.com/h", Secret: "0123456789abcdef",
			Events: []domain.EventKind{domain.EventTaskOpened}, Format: domain.WebhookSlack, CreatedAt: at}
		if err := st.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateWebhook(ctx, domain.Webhook{ID: "whk_bbbbbbbbbbbb", Owner: "pat", URL: "ftp://x"}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("invalid subscription: %v, want invalid", err)
		}
		got, err := st.Webhook(ctx, w.ID)
		if err != nil || got.Secret != w.Secret || got.Format != domain.WebhookSlack || !got.Wants(domain.EventTaskOpened) || !got.CreatedAt.Equal(at) {
			t.Fatalf("Webhook = %+v, %v", got, err)
		}
		if l, _ := st.Webhooks(ctx, "maya"); len(l) != 0 {
			t.Errorf("maya sees %d subscriptions", len(l))
		}
		if l, _ := st.Webhooks(ctx, ""); len(l) != 1 {
			t.Errorf("all = %d subscriptions, want 1", len(l))
		}

		failed := domain.WebhookDelivery{SubscriptionID: w.ID, EventKey: "cmp_1/event/1", Kind: domain.EventTaskOpened, Attempt: 1,
			Outcome: domain.DeliveryRefused, StatusClass: "5xx", At: at}
		for range 2 { // logging an attempt twice keeps it once
			if err := st.LogWebhookDelivery(ctx, failed); err != nil {
				t.Fatal(err)
			}
		}
		if done, err := st.WebhookDelivered(ctx, w.ID, failed.EventKey); err != nil || done {
			t.Errorf("delivered after a 500: %v %v", done, err)
		}
		ok := failed
		ok.Attempt, ok.Outcome, ok.StatusClass, ok.Delivered = 2, domain.DeliveryDelivered, "2xx", true
		if err := st.LogWebhookDelivery(ctx, ok); err != nil {
			t.Fatal(err)
		}
		if done, err := st.WebhookDelivered(ctx, w.ID, failed.EventKey); err != nil || !done {
			t.Errorf("not delivered after a 204: %v %v", done, err)
		}
		log, err := st.WebhookDeliveries(ctx, w.ID, 10)
		if err != nil || len(log) != 2 || log[0].Attempt != 2 || log[0].Outcome != domain.DeliveryDelivered ||
			log[1].Outcome != domain.DeliveryRefused || log[1].StatusClass != "5xx" {
			t.Fatalf("log = %+v, %v; want the two attempts, newest first", log, err)
		}

		if err := st.DeleteWebhook(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteWebhook(ctx, w.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("second delete: %v, want not found", err)
		}
		if log, _ := st.WebhookDeliveries(ctx, w.ID, 10); len(log) != 0 {
			t.Errorf("the log outlived its subscription: %+v", log)
		}
	})
}

// legacyDeliveryRow is the delivery log as releases before outcomes made it: the
// raw error text and the exact status code.
type legacyDeliveryRow struct {
	ID             uint64    `gorm:"primaryKey;autoIncrement"`
	SubscriptionID string    `gorm:"not null"`
	EventKey       string    `gorm:"not null"`
	Kind           string    `gorm:"not null"`
	Attempt        int       `gorm:"not null"`
	StatusCode     int       `gorm:"not null"`
	Error          string    `gorm:"not null"`
	Delivered      bool      `gorm:"not null"`
	Abandoned      bool      `gorm:"not null"`
	At             time.Time `gorm:"not null"`
}

func (legacyDeliveryRow) TableName() string { return "webhook_deliveries" }

// TestMigrateClassifiesAndDropsRawDeliveryErrors: a log written before outcomes
// held dial errors and exact status codes, which made it a port scanner. After
// Migrate every attempt has an outcome, the raw columns are gone, and the log
// still takes new attempts and keeps its idempotency index.
func TestMigrateClassifiesAndDropsRawDeliveryErrors(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		st, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.db.AutoMigrate(&legacyDeliveryRow{}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		raw := []legacyDeliveryRow{
			{Attempt: 1, StatusCode: 502},
			{Attempt: 2, Error: `Post "https://10.0.0.1:6379/x?token=s3cret": dial tcp 10.0.0.1:6379: connect: connection refused`},
			{Attempt: 3, Error: `Post "https://10.0.0.2/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`},
			{Attempt: 4, Error: "net/http: TLS handshake timeout"},
			{Attempt: 5, StatusCode: 204, Delivered: true},
			{Attempt: 6, StatusCode: 301},
		}
		for i := range raw {
			raw[i].SubscriptionID, raw[i].EventKey, raw[i].Kind, raw[i].At = "whk_aaaaaaaaaaaa", "cmp_1/event/1", "task_opened", at
		}
		if err := st.db.Create(&raw).Error; err != nil {
			t.Fatal(err)
		}

		for range 2 { // a second Migrate finds nothing left to do
			if err := st.Migrate(ctx); err != nil {
				t.Fatalf("Migrate over the old delivery log: %v", err)
			}
		}
		for _, col := range []string{"error", "status_code"} {
			if st.db.Migrator().HasColumn(&webhookDeliveryRow{}, col) {
				t.Errorf("webhook_deliveries.%s survived Migrate", col)
			}
		}
		log, err := st.WebhookDeliveries(ctx, "whk_aaaaaaaaaaaa", 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]string{}
		for _, d := range log {
			got[d.Attempt] = string(d.Outcome) + " " + d.StatusClass
		}
		want := map[int]string{
			1: "refused_by_receiver 5xx", 2: "unreachable ", 3: "timed_out ", 4: "timed_out ", 5: "delivered 2xx", 6: "refused_by_receiver 3xx",
		}
		equal(t, "outcomes after Migrate", got, want)
		if done, err := st.WebhookDelivered(ctx, "whk_aaaaaaaaaaaa", "cmp_1/event/1"); err != nil || !done {
			t.Errorf("WebhookDelivered after Migrate = %v, %v", done, err)
		}
		again := domain.WebhookDelivery{SubscriptionID: "whk_aaaaaaaaaaaa", EventKey: "cmp_1/event/1", Kind: domain.EventTaskOpened,
			Attempt: 7, Outcome: domain.DeliveryBlocked, At: at}
		for range 2 {
			if err := st.LogWebhookDelivery(ctx, again); err != nil {
				t.Fatalf("log an attempt after Migrate: %v", err)
			}
		}
		if log, _ := st.WebhookDeliveries(ctx, "whk_aaaaaaaaaaaa", 10); len(log) != 7 || log[0].Outcome != domain.DeliveryBlocked {
			t.Errorf("log after a new attempt logged twice = %+v, want 7 attempts, the blocked one first", log)
		}
	})
}

func TestEmailSentLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		b := domain.Batch{Notifications: []domain.Notification{
			{Key: "cmp_1/notify/1", Recipient: "pat", Kind: domain.NotifyReminder, Subject: "Reminder", CreatedAt: at},
			{Key: "cmp_1/notify/2", Recipient: "pat", Kind: domain.NotifyAssigned, Subject: "Assigned", CreatedAt: at},
		}}
		if err := st.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		ns, err := st.NotificationsByKey(ctx, []string{"cmp_1/notify/1"})
		if err != nil || len(ns) != 1 || ns[0].Recipient != "pat" || ns[0].Kind != domain.NotifyReminder {
			t.Fatalf("NotificationsByKey = %+v, %v", ns, err)
		}
		for range 2 {
			if err := st.MarkEmailSent(ctx, "cmp_1/notify/1", "pat", at); err != nil {
				t.Fatal(err)
			}
		}
		if sent, err := st.EmailSent(ctx, "cmp_1/notify/1", "pat"); err != nil || !sent {
			t.Errorf("EmailSent = %v, %v", sent, err)
		}
		if sent, _ := st.EmailSent(ctx, "cmp_1/notify/2", "pat"); sent {
			t.Error("an unsent notification reads as sent")
		}
	})
}
