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

		failed := domain.WebhookDelivery{SubscriptionID: w.ID, EventKey: "cmp_1/event/1", Kind: domain.EventTaskOpened, Attempt: 1, StatusCode: 500, At: at}
		for range 2 { // logging an attempt twice keeps it once
			if err := st.LogWebhookDelivery(ctx, failed); err != nil {
				t.Fatal(err)
			}
		}
		if done, err := st.WebhookDelivered(ctx, w.ID, failed.EventKey); err != nil || done {
			t.Errorf("delivered after a 500: %v %v", done, err)
		}
		ok := failed
		ok.Attempt, ok.StatusCode, ok.Delivered = 2, 204, true
		if err := st.LogWebhookDelivery(ctx, ok); err != nil {
			t.Fatal(err)
		}
		if done, err := st.WebhookDelivered(ctx, w.ID, failed.EventKey); err != nil || !done {
			t.Errorf("not delivered after a 204: %v %v", done, err)
		}
		log, err := st.WebhookDeliveries(ctx, w.ID, 10)
		if err != nil || len(log) != 2 || log[0].Attempt != 2 || log[1].StatusCode != 500 {
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
