package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestNotificationSettingsRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustUpsert(t, st, person("maya", domain.TeamCreative))
		got, err := st.NotificationSettings(t.Context(), "maya")
		if err != nil {
			t.Fatal(err)
		}
		if got.Complete().TimeZone != "UTC" || len(got.Channels) != 0 || got.Channel(domain.NotifyMention) != domain.NotifyByEmail {
			t.Fatalf("a new person's settings = %+v, want the defaults", got)
		}
		want := domain.NotificationSettings{TimeZone: "Europe/Paris", Channels: map[domain.NotificationKind]domain.NotifyChannel{
			domain.NotifyMention: domain.NotifyDigest, domain.NotifyAssigned: domain.NotifyOff,
		}}
		if err := st.SetNotificationSettings(t.Context(), "maya", want, at(0)); err != nil {
			t.Fatal(err)
		}
		got, err = st.NotificationSettings(t.Context(), "maya")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "settings", got, want)
		// An upsert of the person (the directory's sync) keeps their zone.
		mustUpsert(t, st, person("maya", domain.TeamCreative))
		if got, _ := st.NotificationSettings(t.Context(), "maya"); got.TimeZone != "Europe/Paris" {
			t.Fatalf("after an upsert the zone is %q", got.TimeZone)
		}
		// A PUT replaces: kinds not named go back to their default.
		if err := st.SetNotificationSettings(t.Context(), "maya", domain.NotificationSettings{TimeZone: "UTC"}, at(1)); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.NotificationSettings(t.Context(), "maya"); len(got.Channels) != 0 {
			t.Fatalf("after a replace, channels = %v", got.Channels)
		}
		err = st.SetNotificationSettings(t.Context(), "nobody", domain.NotificationSettings{TimeZone: "UTC"}, at(1))
		wantErr(t, err, domain.ErrNotFound, "settings of a person not in the directory")
		_, err = st.NotificationSettings(t.Context(), "nobody")
		wantErr(t, err, domain.ErrNotFound, "settings of a person not in the directory")
		err = st.SetNotificationSettings(t.Context(), "maya", domain.NotificationSettings{TimeZone: "Mars/Olympus"}, at(1))
		wantErr(t, err, domain.ErrInvalid, "an unknown zone")
	})
}

// A kind a person turned off is not written for them, by a workflow's batch
// (a role's notification expanded) or by a comment; others still get it.
func TestMutedNotificationsAreNotWritten(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustUpsert(t, st, person("maya", domain.TeamCreative, domain.RoleLegal), person("lee", domain.TeamCreative, domain.RoleLegal))
		off := domain.NotificationSettings{TimeZone: "UTC", Channels: map[domain.NotificationKind]domain.NotifyChannel{
			domain.NotifyReminder: domain.NotifyOff, domain.NotifyMention: domain.NotifyOff,
		}}
		if err := st.SetNotificationSettings(t.Context(), "maya", off, at(0)); err != nil {
			t.Fatal(err)
		}
		mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
			{Key: "cmp_1/remind/1", Role: domain.RoleLegal, Kind: domain.NotifyReminder, Subject: "Review", Process: domain.ProcessCampaign, ProcessID: "cmp_1", CreatedAt: at(1)},
			{Key: "cmp_1/assign/1", Recipient: "maya", Kind: domain.NotifyAssigned, Subject: "Review", Process: domain.ProcessCampaign, ProcessID: "cmp_1", CreatedAt: at(1)},
		}})
		c := domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", Author: "pat", Body: "@maya @lee", CreatedAt: at(2)}
		if _, err := st.AddComment(t.Context(), c, []domain.Notification{
			{Recipient: "maya", Kind: domain.NotifyMention, Subject: "pat mentioned you", Process: domain.ProcessCampaign, ProcessID: "cmp_1", CreatedAt: at(2)},
			{Recipient: "lee", Kind: domain.NotifyMention, Subject: "pat mentioned you", Process: domain.ProcessCampaign, ProcessID: "cmp_1", CreatedAt: at(2)},
		}); err != nil {
			t.Fatal(err)
		}
		kinds := func(who string) []domain.NotificationKind {
			page, err := st.Notifications(t.Context(), who, domain.ListOptions{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var out []domain.NotificationKind
			for _, n := range page.Items {
				out = append(out, n.Kind)
			}
			slices.Sort(out)
			return out
		}
		equal(t, "maya's", kinds("maya"), []domain.NotificationKind{domain.NotifyAssigned})
		equal(t, "lee's", kinds("lee"), []domain.NotificationKind{domain.NotifyMention, domain.NotifyReminder})
		// The mention's webhook event is the comment's news, written for both.
		events, err := st.PendingOutboxEvents(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range events {
			keys = append(keys, e.Event.Key)
		}
		equal(t, "outbox", keys, []string{"comment/1/created", "comment/1/mention/maya", "comment/1/mention/lee"})
	})
}

func TestMarkOneNotificationRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		var ns []domain.Notification
		for i := range 3 {
			ns = append(ns, domain.Notification{Key: fmt.Sprintf("k%d", i), Recipient: "maya", Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: at(time.Duration(i))})
		}
		ns = append(ns, domain.Notification{Key: "other", Recipient: "lee", Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: at(0)})
		mustApply(t, st, domain.Batch{Notifications: ns})
		m, err := st.MarkNotificationRead(t.Context(), "maya", 2, at(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "mark after one read", m, domain.NotificationMark{SeenThrough: 0, Unread: 2})
		if m, err = st.MarkNotificationRead(t.Context(), "maya", 2, at(6)); err != nil || m.Unread != 2 {
			t.Fatalf("marking again = %+v, %v", m, err)
		}
		page, err := st.Notifications(t.Context(), "maya", domain.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page.Items {
			if (n.ReadAt != nil) != (n.ID == 2) || n.ReadAt != nil && !n.ReadAt.Equal(at(5*time.Second)) {
				t.Errorf("notification %d read at %v", n.ID, n.ReadAt)
			}
		}
		// Another's notification is not found, as one that does not exist.
		_, err = st.MarkNotificationRead(t.Context(), "maya", 4, at(7))
		wantErr(t, err, domain.ErrNotFound, "another person's notification")
		_, err = st.MarkNotificationRead(t.Context(), "maya", 99, at(7))
		wantErr(t, err, domain.ErrNotFound, "a notification that does not exist")
		if m, _ := st.NotificationMark(t.Context(), "lee"); m.Unread != 1 {
			t.Fatalf("lee's unread = %d, want 1", m.Unread)
		}
		// Marking all read still works with one read before.
		if m, err := st.MarkNotificationsSeen(t.Context(), "maya", 3, at(8)); err != nil || m.Unread != 0 {
			t.Fatalf("mark all = %+v, %v", m, err)
		}
	})
}

func TestOutboxSettles(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		c := domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", Author: "pat", Body: "hi", CreatedAt: at(0)}
		c, err := st.AddComment(t.Context(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		mention := []domain.Notification{{Recipient: "maya", Kind: domain.NotifyMention, Subject: "s", Process: c.Process, ProcessID: c.ProcessID, CreatedAt: at(1)}}
		// An edit that mentions maya twice adds her event once.
		for range 2 {
			if _, err := st.EditComment(t.Context(), c.ID, "pat", "hi @maya", at(1), mention); err != nil {
				t.Fatal(err)
			}
		}
		events, err := st.PendingOutboxEvents(t.Context(), 10)
		if err != nil || len(events) != 2 {
			t.Fatalf("pending = %+v, %v", events, err)
		}
		want := domain.Event{Key: "comment/1/created", Process: domain.ProcessCampaign, ProcessID: "cmp_1", Kind: domain.EventCommentCreated,
			Actor: "pat", Message: "@pat commented", At: at(0)}
		equal(t, "the comment's event", events[0].Event, want)
		if err := st.SettleOutboxEvent(t.Context(), events[0].ID, true, at(2)); err != nil {
			t.Fatal(err)
		}
		if err := st.SettleOutboxEvent(t.Context(), events[1].ID, false, at(2)); err != nil {
			t.Fatal(err)
		}
		events, err = st.PendingOutboxEvents(t.Context(), 10)
		if err != nil || len(events) != 1 || events[0].Event.Kind != domain.EventMention || events[0].Attempts != 1 {
			t.Fatalf("pending after a pass = %+v, %v", events, err)
		}
	})
}

func TestDispatchMarkMovesForwardOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		// The migration starts the e-mail mark at the newest notification: none.
		if m, err := st.DispatchMark(t.Context(), "email"); err != nil || m != 0 {
			t.Fatalf("mark = %d, %v", m, err)
		}
		for _, through := range []uint64{5, 3} {
			if err := st.SetDispatchMark(t.Context(), "email", through, at(0)); err != nil {
				t.Fatal(err)
			}
		}
		if m, err := st.DispatchMark(t.Context(), "email"); err != nil || m != 5 {
			t.Fatalf("mark = %d, %v, want 5", m, err)
		}
		var ns []domain.Notification
		for i := range 4 {
			ns = append(ns, domain.Notification{Key: fmt.Sprintf("k%d", i), Recipient: "maya", Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: at(0)})
		}
		mustApply(t, st, domain.Batch{Notifications: ns})
		after, err := st.NotificationsAfter(t.Context(), 1, 2)
		if err != nil || len(after) != 2 || after[0].ID != 2 || after[1].ID != 3 {
			t.Fatalf("after 1 = %+v, %v", after, err)
		}
	})
}

func TestDigestReads(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustUpsert(t, st, person("ana", domain.TeamCreative), person("bo", domain.TeamCreative), person("cy", domain.TeamCreative))
		digest := map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyMention: domain.NotifyDigest, domain.NotifyReply: domain.NotifyDigest}
		for _, h := range []string{"cy", "ana"} {
			if err := st.SetNotificationSettings(t.Context(), h, domain.NotificationSettings{TimeZone: "UTC", Channels: digest}, at(0)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.DigestRecipients(t.Context(), "", 10)
		equal(t, "digest recipients", got, []string{"ana", "cy"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := st.DigestRecipients(t.Context(), "ana", 10); !slices.Equal(got, []string{"cy"}) {
			t.Fatalf("after ana: %v", got)
		}
		mustApply(t, st, domain.Batch{Notifications: []domain.Notification{
			{Key: "early", Recipient: "ana", Kind: domain.NotifyMention, Subject: "s", CreatedAt: at(-time.Minute)},
			{Key: "in", Recipient: "ana", Kind: domain.NotifyMention, Subject: "s", CreatedAt: at(0)},
			{Key: "other-kind", Recipient: "ana", Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: at(time.Hour)},
			{Key: "late", Recipient: "ana", Kind: domain.NotifyReply, Subject: "s", CreatedAt: at(24 * time.Hour)},
		}})
		ns, err := st.DigestNotifications(t.Context(), "ana", []domain.NotificationKind{domain.NotifyMention, domain.NotifyReply}, at(0), at(24*time.Hour), 10)
		if err != nil || len(ns) != 1 || ns[0].Key != "in" {
			t.Fatalf("digest = %+v, %v", ns, err)
		}
	})
}

// A page of a person's notifications, first or later, is one range scan of
// idx_notifications_recipient, newest first, however many notifications
// others have.
func TestNotificationInboxIsAnIndexRangeScan(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		var ns []domain.Notification
		for i := range 30 {
			ns = append(ns, domain.Notification{Key: fmt.Sprintf("k%d", i), Recipient: []string{"maya", "lee", "ana"}[i%3],
				Kind: domain.NotifyAssigned, Subject: "s", CreatedAt: at(time.Duration(i))})
		}
		mustApply(t, st, domain.Batch{Notifications: ns})
		reads := captureReads(t, st, "query")
		sqlDB := reads.pool
		const index = "idx_notifications_recipient"
		for _, page := range []string{"first", "next"} {
			o := domain.ListOptions{Limit: 5}
			if page == "next" {
				o.Cursor = cursor{Seq: 20}.encode()
			}
			if _, err := st.Notifications(t.Context(), "maya", o); err != nil {
				t.Fatal(err)
			}
			stmt := reads.last()
			var problem string
			if st.postgres {
				problem = postgresRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, index, secondaryIndexes(t, st, "notifications"))
			} else {
				problem = sqliteRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, "notifications", index)
			}
			if problem != "" {
				t.Errorf("%s page: %s\n%s", page, problem, stmt.sql)
			}
		}
	})
}
