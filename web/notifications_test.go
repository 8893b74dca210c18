package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// mayasNotes answers maya's notifications: two, the newer unread, and an older page.
func mayasNotes(f *fakeAPI, unread int) {
	f.on("GET /api/v1/notifications", func(r *http.Request, me domain.Person) (int, any) {
		if me.Handle != "maya" {
			return http.StatusOK, map[string]any{"items": []domain.Notification{}, "seen_through": 0, "unread": 0}
		}
		if r.URL.Query().Get("cursor") == "older" {
			return http.StatusOK, map[string]any{"items": []domain.Notification{
				{ID: 2, Recipient: "maya", Kind: domain.NotifyUpdate, Subject: "Spring launch: planned", CreatedAt: testNow.Add(-72 * time.Hour)},
			}, "seen_through": 5, "unread": unread}
		}
		return http.StatusOK, map[string]any{"items": []domain.Notification{
			{ID: 9, Recipient: "maya", Kind: domain.NotifyEscalated, Subject: "Escalated to you: Approve the budget",
				Process: domain.ProcessHiring, ProcessID: "hir_eng", TaskID: "tsk_fin", CreatedAt: testNow.Add(-2 * time.Hour)},
			{ID: 5, Recipient: "maya", Kind: domain.NotifyReminder, Subject: "Due soon: Review the brief",
				Process: domain.ProcessCampaign, ProcessID: "cmp_spring", CreatedAt: testNow.Add(-26 * time.Hour)},
		}, "seen_through": 5, "unread": unread, "next_cursor": "older"}
	})
}

func TestTheHeaderCountsUnreadNotifications(t *testing.T) {
	for _, tc := range []struct {
		unread int
		want   string
	}{{1, `<span class="count unread" id="unread"><span id="unread-n">1</span><span class="visually-hidden"> unread</span></span>`},
		{100, `<span id="unread-n">99&#43;</span>`},
		{0, `<span class="count unread" id="unread" hidden><span id="unread-n"></span>`}} {
		h, f := newTestApp(t)
		inbox(f)
		mayasNotes(f, tc.unread)
		mustContain(t, get(t, h, sesMaya, "/"), `<a href="/notifications">Notifications `, tc.want)
	}

	// A background refresh redraws only <main>: it says the count in a header.
	h, f := newTestApp(t)
	inbox(f)
	mayasNotes(f, 4)
	r := newGet("/")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
	r.Header.Set(fragmentHeader, "main")
	if got := serve(h, r).Header().Get(unreadHeader); got != "4" {
		t.Errorf("the refresh says %q unread, want 4", got)
	}
}

func TestNotificationsPageMarksTheUnread(t *testing.T) {
	h, f := newTestApp(t)
	mayasNotes(f, 1)
	w := get(t, h, sesMaya, "/notifications")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "1 unread.",
		`<li class="note unread" id="note-9">`, `<span class="new">Unread`, "Escalation",
		`<a href="/hiring-requests/hir_eng#task-tsk_fin">Escalated to you: Approve the budget</a>`,
		`<time datetime="2026-11-22T07:00:00Z" title="Sunday 22 November 2026, 07:00 UTC" data-local>today 07:00 UTC</time> · 2 hours ago`,
		`<li class="note" id="note-5">`, "Reminder", `<a href="/campaigns/cmp_spring">Due soon: Review the brief</a>`,
		`action="/notifications/seen"`, `<input type="hidden" name="through" value="9">`,
		`<a href="/notifications?cursor=older">Older notifications</a>`,
		`<a href="/notifications" aria-current="page">Notifications`)
	if strings.Count(w.Body.String(), `class="new"`) != 1 {
		t.Error("a read notification is marked unread")
	}

	// The older page: no button, a way back.
	w = get(t, h, sesMaya, "/notifications?cursor=older")
	mustContain(t, w, "Spring launch: planned", `<a href="/notifications">Newest</a>`)
	mustNotContain(t, w, `action="/notifications/seen"`)

	// Nothing to read: nothing to mark.
	mustContain(t, get(t, h, sesCleo, "/notifications"), "Nothing unread.", "No notifications yet.")
}

func TestMarkingNotificationsRead(t *testing.T) {
	h, f := newTestApp(t)
	mayasNotes(f, 1)
	f.on("PUT /api/v1/me/notifications/seen", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.NotificationMark{SeenThrough: 9}
	})
	w := post(t, h, sesMaya, "/notifications/seen", url.Values{"through": {"9"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/notifications" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Method != http.MethodPut || c[0].Path != "/api/v1/me/notifications/seen" || c[0].Body["through"] != float64(9) {
		t.Fatalf("commands %+v", c)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/notifications"), "All marked as read.")

	// A mark that is not a notification's ID is never sent.
	for _, bad := range []string{"", "-1", "nine", "99999999999999999999"} {
		w = post(t, h, sesMaya, "/notifications/seen", url.Values{"through": {bad}})
		if w.Code != http.StatusSeeOther || len(f.commands()) != 1 {
			t.Errorf("through %q: status %d, commands %+v", bad, w.Code, f.commands())
		}
	}
	if w := post(t, h, sesMaya, "/notifications/seen", url.Values{"through": {"9"}, "csrf": {"forged"}}); w.Code != http.StatusForbidden {
		t.Errorf("a forged form: status %d", w.Code)
	}
}
