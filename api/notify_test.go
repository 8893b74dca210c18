package api

import (
	"testing"

	"github.com/tandemhq/tandem/domain"
)

func TestNotificationPreferences(t *testing.T) {
	e := newEnv(t)
	const path = "/api/v1/people/cara/notification-preferences"
	rr := e.do("GET", path, "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[domain.NotificationSettings](t, rr)
	if got.TimeZone != "UTC" || len(got.Channels) != len(domain.NotificationKinds) || got.Channels[domain.NotifyMention] != domain.NotifyByEmail {
		t.Fatalf("defaults = %+v", got)
	}
	rr = e.do("PUT", path, "tok-cara", `{"time_zone": "Asia/Tokyo", "channels": {"mention": "digest", "assigned": "off"}}`)
	want(t, rr, sOK, "")
	got = decodeJSON[domain.NotificationSettings](t, rr)
	if got.TimeZone != "Asia/Tokyo" || got.Channels[domain.NotifyMention] != domain.NotifyDigest || got.Channels[domain.NotifyAssigned] != domain.NotifyOff ||
		got.Channels[domain.NotifyReminder] != domain.NotifyByEmail {
		t.Fatalf("after PUT = %+v", got)
	}
	// Without a zone the person keeps theirs; kinds not named go back to their default.
	rr = e.do("PUT", path, "tok-ada", `{"channels": {"reply": "in_app"}}`)
	want(t, rr, sOK, "")
	got = decodeJSON[domain.NotificationSettings](t, rr)
	if got.TimeZone != "Asia/Tokyo" || got.Channels[domain.NotifyMention] != domain.NotifyByEmail || got.Channels[domain.NotifyReply] != domain.NotifyInApp {
		t.Fatalf("after the admin's PUT = %+v", got)
	}
	// Bad input: nothing changes.
	for _, body := range []string{
		`{"time_zone": "Mars/Olympus"}`, `{"time_zone": "../../etc/passwd"}`, `{"time_zone": "Local"}`,
		`{"channels": {"gossip": "off"}}`, `{"channels": {"mention": "pigeon"}}`,
	} {
		want(t, e.do("PUT", path, "tok-cara", body), sInvalid, domain.CodeInvalid)
	}
	want(t, e.do("PUT", path, "tok-cara", `{"channels": {}, "extra": 1}`), sBad, "")
	want(t, e.do("PUT", path, "tok-cara", `not json`), sBad, "")
	if s := e.records.prefs()["cara"]; s.TimeZone != "Asia/Tokyo" || len(s.Channels) != 1 {
		t.Fatalf("a refused PUT changed the preferences: %+v", s)
	}
	want(t, e.do("GET", path, "tok-cole", ""), sForbid, domain.CodeForbidden)
	want(t, e.do("PUT", path, "tok-cole", `{}`), sForbid, domain.CodeForbidden)
	want(t, e.do("GET", "/api/v1/people/zed/notification-preferences", "tok-ada", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("PUT", "/api/v1/people/zed/notification-preferences", "tok-ada", `{}`), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", path, "", ""), sUnauth, "unauthorized")
	e.records.fail["NotificationSettings"] = domain.ErrUnavailable
	want(t, e.do("GET", path, "tok-cara", ""), sUnavail, codeUnavailable)
	delete(e.records.fail, "NotificationSettings")
	e.records.fail["SetNotificationSettings"] = domain.ErrUnavailable
	want(t, e.do("PUT", path, "tok-cara", `{}`), sUnavail, codeUnavailable)
}

func TestMarkNotificationRead(t *testing.T) {
	e := newEnv(t)
	e.records.notifications["cara"] = []domain.Notification{
		{ID: 1, Key: "a", Recipient: "cara", Kind: domain.NotifyMention, Subject: "s"},
		{ID: 2, Key: "b", Recipient: "cara", Kind: domain.NotifyReply, Subject: "s"},
	}
	rr := e.do("PUT", "/api/v1/me/notifications/1/read", "tok-cara", "")
	want(t, rr, sOK, "")
	if m := decodeJSON[domain.NotificationMark](t, rr); m.Unread != 1 || m.SeenThrough != 0 {
		t.Fatalf("mark = %+v", m)
	}
	want(t, e.do("PUT", "/api/v1/me/notifications/1/read", "tok-cara", ""), sOK, "")
	if e.records.notifications["cara"][0].ReadAt == nil || e.records.notifications["cara"][1].ReadAt != nil {
		t.Fatalf("read = %+v", e.records.notifications["cara"])
	}
	// Another's notification is not found, as one that does not exist.
	want(t, e.do("PUT", "/api/v1/me/notifications/2/read", "tok-cole", ""), sNotFound, domain.CodeNotFound)
	for _, id := range []string{"0", "x", "-1", "99999999999999999999"} {
		want(t, e.do("PUT", "/api/v1/me/notifications/"+id+"/read", "tok-cara", ""), sInvalid, domain.CodeInvalid)
	}
	want(t, e.do("PUT", "/api/v1/me/notifications/1/read", "", ""), sUnauth, "unauthorized")
	e.records.fail["MarkNotificationRead"] = domain.ErrUnavailable
	want(t, e.do("PUT", "/api/v1/me/notifications/1/read", "tok-cara", ""), sUnavail, codeUnavailable)
}
