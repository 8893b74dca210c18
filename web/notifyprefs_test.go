package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// One notification marked read: its own button, the API's one-notification
// route, and back to the page it was on.
func TestMarkingOneNotificationRead(t *testing.T) {
	h, f := newTestApp(t)
	read := testNow.Add(-time.Hour)
	f.on("GET /api/v1/notifications", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Notification{
			{ID: 12, Recipient: "maya", Kind: domain.NotifyMention, Subject: "Pat mentioned you", Process: domain.ProcessCampaign,
				ProcessID: "cmp_spring", CommentID: 4, CreatedAt: testNow.Add(-2 * time.Hour)},
			{ID: 11, Recipient: "maya", Kind: domain.NotifyReply, Subject: "Pat replied", CreatedAt: testNow.Add(-3 * time.Hour), ReadAt: &read},
		}, "seen_through": 5, "unread": 1}
	})
	w := get(t, h, sesMaya, "/notifications")
	mustContain(t, w, `<li class="note unread" id="note-12">`, `<a href="/campaigns/cmp_spring#comment-4">Pat mentioned you</a>`,
		`action="/notifications/12/read"`, `<li class="note" id="note-11">`, `href="/me#notify-h"`)
	mustNotContain(t, w, `action="/notifications/11/read"`)

	f.on("PUT /api/v1/me/notifications/{id}/read", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.NotificationMark{SeenThrough: 5}
	})
	w = post(t, h, sesMaya, "/notifications/12/read", url.Values{"back": {"/notifications"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/notifications#note-12" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Method != http.MethodPut || c[0].Path != "/api/v1/me/notifications/12/read" {
		t.Fatalf("commands %+v", c)
	}
	// Back to an older page; never anywhere else.
	w = post(t, h, sesMaya, "/notifications/12/read", url.Values{"back": {"/notifications?cursor=older"}})
	if got := w.Header().Get("Location"); got != "/notifications?cursor=older#note-12" {
		t.Errorf("back to %q", got)
	}
	for _, away := range []string{"https://evil.example/", "//evil.example/notifications", "/admin"} {
		if got := post(t, h, sesMaya, "/notifications/12/read", url.Values{"back": {away}}).Header().Get("Location"); got != "/notifications#note-12" {
			t.Errorf("back %q sent to %q", away, got)
		}
	}
	n := len(f.commands())
	for _, bad := range []string{"0", "x", "99999999999999999999"} {
		if w := post(t, h, sesMaya, "/notifications/"+bad+"/read", url.Values{}); w.Code != http.StatusSeeOther || len(f.commands()) != n {
			t.Errorf("id %q: status %d, %d commands", bad, w.Code, len(f.commands()))
		}
	}
}

func TestMyPageSetsNotificationPreferences(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/people/{handle}/notification-preferences", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.NotificationSettings{TimeZone: "Asia/Tokyo",
			Channels: map[domain.NotificationKind]domain.NotifyChannel{domain.NotifyMention: domain.NotifyDigest}}.Complete()
	})
	w := get(t, h, sesMaya, "/me")
	mustContain(t, w, `<h2 id="notify-h">Notifications</h2>`, `action="/me/notification-preferences"`,
		`<option value="Asia/Tokyo" selected>Asia/Tokyo</option>`,
		`name="channel-mention"`, `<option value="digest" selected>Here and in the daily e-mail</option>`,
		`name="channel-reminder"`, `<option value="email" selected>Here and by e-mail at once</option>`)

	var sent map[string]any
	f.on("PUT /api/v1/people/{handle}/notification-preferences", func(r *http.Request, me domain.Person) (int, any) {
		if r.PathValue("handle") != me.Handle {
			t.Errorf("set the preferences of %s as %s", r.PathValue("handle"), me.Handle)
		}
		return http.StatusOK, domain.NotificationSettings{}.Complete()
	})
	w = post(t, h, sesMaya, "/me/notification-preferences", url.Values{"time_zone": {"Europe/Paris"}, "channel-mention": {"off"}, "channel-reply": {"digest"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/me#notify-h" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	c := f.commands()
	if len(c) != 1 || c[0].Method != http.MethodPut || c[0].Path != "/api/v1/people/maya/notification-preferences" {
		t.Fatalf("commands %+v", c)
	}
	sent = c[0].Body
	if sent["time_zone"] != "Europe/Paris" || sent["channels"].(map[string]any)["mention"] != "off" || sent["channels"].(map[string]any)["reply"] != "digest" {
		t.Fatalf("sent %v", sent)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/me"), "Notification preferences saved.")

	// A refusal says what is wrong; nothing was saved.
	f.on("PUT /api/v1/people/{handle}/notification-preferences", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr(domain.CodeInvalid, "time_zone: must be an IANA time zone name such as Europe/Paris or UTC")
	})
	w = post(t, h, sesMaya, "/me/notification-preferences", url.Values{"time_zone": {"Mars/Olympus"}})
	page := followFlash(t, h, w, sesMaya, "/me")
	if !strings.Contains(page.Body.String(), "Nothing was saved") {
		t.Fatalf("no refusal shown:\n%s", page.Body.String())
	}
}
