package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestMe(t *testing.T) {
	e := newEnv(t)
	rr := e.do("GET", "/api/v1/me", "tok-cara", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Person](t, rr); got.Handle != "cara" || got.Team != domain.TeamCreative {
		t.Errorf("me = %+v", got)
	}
	want(t, e.do("GET", "/api/v1/me", "", ""), sUnauth, "unauthorized")
	// The token lookup itself failing is not the caller's fault.
	e.records.fail["PersonByToken"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/me", "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestListPeople(t *testing.T) {
	e := newEnv(t)
	rr := e.do("GET", "/api/v1/people?team=creative&role=creative&limit=1", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[domain.Page[domain.Person]](t, rr)
	if len(got.Items) != 1 || got.Items[0].Handle != "cara" || got.NextCursor == "" {
		t.Errorf("page = %+v", got)
	}
	if f := e.records.lastPeople; f.Team != domain.TeamCreative || f.Role != domain.RoleCreative || f.Limit != 1 {
		t.Errorf("filter = %+v", f)
	}
	for _, q := range []string{"team=design", "role=king", "limit=500"} {
		want(t, e.do("GET", "/api/v1/people?"+q, "tok-cara", ""), sInvalid, domain.CodeInvalid)
	}
	want(t, e.do("GET", "/api/v1/people", "", ""), sUnauth, "unauthorized")
	e.records.fail["People"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/people", "tok-cara", ""), sUnavail, codeUnavailable)
}

// TestListPeopleAnswersNotModifiedWhileNobodyChanged: a page of the
// directory carries an ETag; asked again with it, the API answers 304
// without the people, until someone changes (disabled here), or for
// another page, or for someone who is not signed in.
func TestListPeopleAnswersNotModifiedWhileNobodyChanged(t *testing.T) {
	e := newEnv(t)
	rr := e.do("GET", "/api/v1/people?limit=2", "tok-cara", "")
	want(t, rr, sOK, "")
	etag := rr.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	rr = e.do("GET", "/api/v1/people?limit=2", "tok-cara", "", "If-None-Match", etag)
	if rr.Code != http.StatusNotModified || rr.Body.Len() != 0 || rr.Header().Get("ETag") != etag {
		t.Errorf("unchanged: %d %q, ETag %q", rr.Code, rr.Body.String(), rr.Header().Get("ETag"))
	}
	if rr := e.do("GET", "/api/v1/people?limit=3", "tok-cara", "", "If-None-Match", etag); rr.Code != http.StatusOK {
		t.Errorf("another page: %d", rr.Code)
	}
	want(t, e.do("GET", "/api/v1/people?limit=2", "", "", "If-None-Match", etag), sUnauth, "unauthorized")
	e.records.mu.Lock()
	cole := e.records.people["cole"]
	now := time.Now()
	cole.DisabledAt = &now
	e.records.people["cole"] = cole
	e.records.mu.Unlock()
	rr = e.do("GET", "/api/v1/people?limit=2", "tok-cara", "", "If-None-Match", etag)
	if rr.Code != http.StatusOK || rr.Header().Get("ETag") == etag {
		t.Errorf("after a change: %d, ETag %q", rr.Code, rr.Header().Get("ETag"))
	}
}

const oooBody = `{"from": "2030-01-10T00:00:00Z", "to": "2030-01-20T00:00:00Z", "delegate": "cole"}`

func TestSetOutOfOffice200(t *testing.T) {
	e := newEnv(t)
	rr := e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", oooBody)
	want(t, rr, sOK, "")
	wantWindow := &domain.OutOfOffice{From: time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 20, 0, 0, 0, 0, time.UTC), Delegate: "cole"}
	got := decodeJSON[domain.Person](t, rr)
	if got.Handle != "cara" || got.OutOfOffice == nil || *got.OutOfOffice != *wantWindow {
		t.Errorf("person = %+v", got)
	}
	if stored := e.records.people["cara"].OutOfOffice; stored == nil || *stored != *wantWindow {
		t.Errorf("stored = %+v", stored)
	}
	// An admin may set it for someone else.
	want(t, e.do("PUT", "/api/v1/people/cole/out-of-office", "tok-ada", strings.Replace(oooBody, "cole", "cara", 1)), sOK, "")
	if e.records.people["cole"].OutOfOffice == nil {
		t.Error("the admin's window was not stored")
	}
}

func TestClearOutOfOffice(t *testing.T) {
	for _, body := range []string{`{}`, `null`} {
		t.Run(body, func(t *testing.T) {
			e := newEnv(t)
			want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", oooBody), sOK, "")
			rr := e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", body)
			want(t, rr, sOK, "")
			if e.records.people["cara"].OutOfOffice != nil || strings.Contains(rr.Body.String(), "out_of_office") {
				t.Errorf("not cleared: %s", rr.Body)
			}
		})
	}
}

func TestSetOutOfOffice403(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cole", oooBody), sForbid, domain.CodeForbidden)
	if e.records.people["cara"].OutOfOffice != nil {
		t.Error("stored a window set by someone else")
	}
}

func TestSetOutOfOffice422(t *testing.T) {
	for name, tc := range map[string]struct{ body, field, text string }{
		"unknown delegate": {strings.Replace(oooBody, "cole", "nobody", 1), "delegate", "no person"},
		"self delegate":    {strings.Replace(oooBody, "cole", "cara", 1), "delegate", "someone else"},
		"no delegate":      {`{"from": "2030-01-10T00:00:00Z", "to": "2030-01-20T00:00:00Z"}`, "delegate", "required"},
		"to before from":   {strings.Replace(oooBody, "2030-01-20", "2030-01-09", 1), "to", "after from"},
		"to equals from":   {strings.Replace(oooBody, "2030-01-20", "2030-01-10", 1), "to", "after from"},
		"bad time":         {strings.Replace(oooBody, "2030-01-10T00:00:00Z", "monday", 1), "from", "RFC 3339"},
		"half a window":    {`{"delegate": "cole"}`, "from", "required"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			got := want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, tc.text) {
				t.Errorf("details = %v, want %s: %s", got.Details, tc.field, tc.text)
			}
		})
	}
}

func TestSetOutOfOfficeOtherStatuses(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("PUT", "/api/v1/people/ghost/out-of-office", "tok-ada", oooBody), sNotFound, domain.CodeNotFound)
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", `{"from": 1}`), sBad, "bad_request")
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", `{"until": "x"}`), sBad, "bad_request")
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", `{"delegate": "`+strings.Repeat("x", maxBody)+`"}`), sTooLarge, "payload_too_large")
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "", oooBody), sUnauth, "unauthorized")
	e.records.fail["SetOutOfOffice"] = domain.ErrUnavailable
	want(t, e.do("PUT", "/api/v1/people/cara/out-of-office", "tok-cara", oooBody), sUnavail, codeUnavailable)
}

func TestListNotifications(t *testing.T) {
	e := newEnv(t)
	e.records.notifications["cara"] = []domain.Notification{
		{ID: 1, Recipient: "cara", Kind: domain.NotifyAssigned, Subject: "New task", CreatedAt: testNow},
		{ID: 2, Recipient: "cara", Kind: domain.NotifyReminder, Subject: "Due soon", CreatedAt: testNow},
	}
	e.records.notifications["cole"] = []domain.Notification{{ID: 3, Recipient: "cole", Subject: "not yours"}}
	rr := e.do("GET", "/api/v1/notifications?limit=1", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[notificationsPage](t, rr)
	if len(got.Items) != 1 || got.Items[0].Recipient != "cara" || got.NextCursor == "" {
		t.Errorf("page = %+v", got)
	}
	// Nothing read yet: both unread, whatever the page holds.
	if got.Unread != 2 || got.SeenThrough != 0 || !strings.Contains(rr.Body.String(), `"unread":2,"seen_through":0`) && !strings.Contains(rr.Body.String(), `"seen_through":0,"unread":2`) {
		t.Errorf("mark = %+v in %s", got.NotificationMark, rr.Body)
	}
	if o := e.records.lastNotify; o.Limit != 1 {
		t.Errorf("options = %+v", o)
	}
	want(t, e.do("GET", "/api/v1/notifications?limit=-1", "tok-cara", ""), sInvalid, domain.CodeInvalid)
	want(t, e.do("GET", "/api/v1/notifications", "", ""), sUnauth, "unauthorized")
	e.records.fail["Notifications"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/notifications", "tok-cara", ""), sUnavail, codeUnavailable)
	delete(e.records.fail, "Notifications")
	e.records.fail["NotificationMark"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/notifications", "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestMarkNotificationsSeen(t *testing.T) {
	e := newEnv(t)
	e.records.notifications["cara"] = []domain.Notification{
		{ID: 7, Recipient: "cara", Kind: domain.NotifyAssigned, Subject: "New task", CreatedAt: testNow},
		{ID: 4, Recipient: "cara", Kind: domain.NotifyReminder, Subject: "Due soon", CreatedAt: testNow},
	}
	e.records.notifications["cole"] = []domain.Notification{{ID: 9, Recipient: "cole", Subject: "not yours"}}
	const path = "/api/v1/me/notifications/seen"

	rr := e.do("PUT", path, "tok-cara", `{"through": 4}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.NotificationMark](t, rr); got != (domain.NotificationMark{SeenThrough: 4, Unread: 1}) {
		t.Errorf("mark = %+v", got)
	}
	// Back is no way: an older page marking late changes nothing.
	rr = e.do("PUT", path, "tok-cara", `{"through": 0}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.NotificationMark](t, rr); got != (domain.NotificationMark{SeenThrough: 4, Unread: 1}) {
		t.Errorf("mark after going back = %+v", got)
	}
	// The caller's own mark alone moves.
	if e.records.seen["cole"] != 0 {
		t.Errorf("cole's mark moved to %d", e.records.seen["cole"])
	}
	rr = e.do("GET", "/api/v1/notifications", "tok-cara", "")
	if got := decodeJSON[notificationsPage](t, rr); got.Unread != 1 || got.SeenThrough != 4 {
		t.Errorf("the list says %+v", got.NotificationMark)
	}

	for _, tc := range []struct {
		body, field, problem string
	}{
		{`{}`, "through", "required"},
		{`{"through": -1}`, "through", "0 or more"},
	} {
		got := want(t, e.do("PUT", path, "tok-cara", tc.body), sInvalid, domain.CodeInvalid)
		if len(got.Details) != 1 || got.Details[0].Field != tc.field || !strings.Contains(got.Details[0].Problem, tc.problem) {
			t.Errorf("%s: details %+v", tc.body, got.Details)
		}
	}
	want(t, e.do("PUT", path, "tok-cara", `{"through": "7"}`), sBad, "bad_request")
	want(t, e.do("PUT", path, "tok-cara", `{"through": 7, "all": true}`), sBad, "bad_request")
	want(t, e.do("PUT", path, "tok-cara", `{"through": 7, "pad": "`+strings.Repeat("x", maxBody)+`"}`), sTooLarge, "payload_too_large")
	want(t, e.do("PUT", path, "", `{"through": 7}`), sUnauth, "unauthorized")
	e.records.fail["MarkNotificationsSeen"] = domain.ErrUnavailable
	want(t, e.do("PUT", path, "tok-cara", `{"through": 7}`), sUnavail, codeUnavailable)
}
