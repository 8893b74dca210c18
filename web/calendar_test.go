package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// calendarAPI answers GET /calendar with entries (those in the range asked)
// and keeps the queries; the person has a feed link of their own work.
func calendarAPI(f *fakeAPI, entries []domain.CalendarEntry) *[]url.Values {
	var asked []url.Values
	f.on("GET /api/v1/calendar", func(r *http.Request, _ domain.Person) (int, any) {
		q := r.URL.Query()
		asked = append(asked, q)
		from, _ := time.Parse(time.RFC3339, q.Get("from"))
		to, _ := time.Parse(time.RFC3339, q.Get("to"))
		out := domain.Calendar{Entries: []domain.CalendarEntry{}}
		for _, e := range entries {
			if !e.At.Before(from) && e.At.Before(to) || e.Kind == domain.CalendarOutOfOffice {
				out.Entries = append(out.Entries, e)
			}
		}
		return http.StatusOK, out
	})
	f.on("GET /api/v1/calendar/feeds", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []map[string]any{{"created_at": testNow.Add(-48 * time.Hour)}}}
	})
	return &asked
}

// In Tokyo (UTC+9) a deliverable due at 20:00 UTC on 2 December is due on 3
// December at 05:00; a hire needed by 1 December is on 1 December whatever
// the zone; an out-of-office window shows on each day it covers.
func TestCalendarPlacesEntriesInTheViewersZone(t *testing.T) {
	h, f := newTestApp(t)
	asked := calendarAPI(f, []domain.CalendarEntry{
		{Kind: domain.CalendarTaskDue, At: time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC), Title: "Copy for “Winter sale”", Process: domain.ProcessCampaign,
			ProcessID: "cmp_aaaaaaaaaaaa", TaskID: "tsk_aaaaaaaaaaaa", TaskKind: domain.KindWork, Status: domain.TaskOpen, Team: domain.TeamContent, Person: "cleo"},
		{Kind: domain.CalendarTaskDue, At: time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC), Title: "Sign off “Winter sale”", Process: domain.ProcessCampaign,
			ProcessID: "cmp_aaaaaaaaaaaa", TaskID: "tsk_bbbbbbbbbbbb", TaskKind: domain.KindApproval, Status: domain.TaskOpen, Team: domain.TeamLegal},
		{Kind: domain.CalendarLaunch, At: time.Date(2026, 12, 10, 0, 30, 0, 0, time.UTC), Title: "Winter sale", Process: domain.ProcessCampaign,
			ProcessID: "cmp_aaaaaaaaaaaa", Person: "pat", Audience: "smb owners", Overlaps: true},
		{Kind: domain.CalendarHireNeeded, At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Title: "Analyst", Process: domain.ProcessHiring, ProcessID: "hir_aaaaaaaaaaaa", Person: "maya"},
		{Kind: domain.CalendarOutOfOffice, At: time.Date(2026, 12, 14, 23, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 17, 9, 0, 0, 0, time.UTC), Person: "maya"},
	})
	r := zonedGet(sesCleo, "/calendar?date=2026-12-01", "Asia%2FTokyo")
	w := serve(h, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	// December 2026 in Tokyo: Monday 30 November to Monday 4 January.
	if len(*asked) != 1 || (*asked)[0].Get("from") != "2026-11-29T15:00:00Z" || (*asked)[0].Get("to") != "2027-01-03T15:00:00Z" {
		t.Errorf("the calendar asked for %v", *asked)
	}
	body := w.Body.String()
	day := func(key string) string {
		i := strings.Index(body, `id="day-`+key+`"`)
		if i < 0 {
			t.Fatalf("no day %s", key)
		}
		j := strings.Index(body[i:], "</li>\n  \n    <li")
		if j < 0 {
			j = len(body) - i
		}
		return body[i : i+j]
	}
	for key, want := range map[string][]string{
		"2026-12-03": {"05:00", "Due", `href="/campaigns/cmp_aaaaaaaaaaaa#task-tsk_aaaaaaaaaaaa"`, "Copy for “Winter sale”", "Cleo Creative"},
		"2026-12-04": {"10:00", "Sign-off due", "Legal team"},
		"2026-12-10": {"09:30", "Launch", "Overlaps another launch to “smb owners”", "Pat Manager"},
		"2026-12-01": {"all day", "Hire needed by", `href="/hiring-requests/hir_aaaaaaaaaaaa"`, "Maya Ops"},
		"2026-12-15": {"from 08:00", "Out of office", "Maya Ops"},
		"2026-12-16": {"all day", "Out of office"},
		"2026-12-17": {"until 18:00", "Out of office"},
	} {
		got := day(key)
		for _, s := range want {
			if !strings.Contains(got, s) {
				t.Errorf("day %s lacks %q:\n%s", key, s, got)
			}
		}
	}
	if strings.Contains(day("2026-12-02"), "Copy for") {
		t.Error("the deliverable is on its UTC day, not Tokyo's")
	}
	mustContain(t, w, "Times are in Asia/Tokyo", "1 launch overlaps", `aria-current="page">Month`, "December 2026",
		`href="/calendar?date=2026-11-01"`, `href="/calendar?date=2027-01-01"`, "link made", "New link")
}

func TestCalendarWeekWithFilters(t *testing.T) {
	h, f := newTestApp(t)
	asked := calendarAPI(f, nil)
	w := get(t, h, sesCleo, "/calendar?view=week&date=2026-11-25&team=creative&person=cleo&process=campaign")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	q := (*asked)[0]
	if q.Get("from") != "2026-11-23T00:00:00Z" || q.Get("to") != "2026-11-30T00:00:00Z" || q.Get("team") != "creative" || q.Get("person") != "cleo" || q.Get("process") != "campaign" {
		t.Errorf("the calendar asked for %v", q)
	}
	mustContain(t, w, "Nothing is dated in this week for the filters chosen.", "Week of Monday 23 November 2026", `<option value="creative" selected>`, `<option value="cleo" selected>Cleo Creative</option>`,
		`href="/calendar?date=2026-11-18&amp;person=cleo&amp;process=campaign&amp;team=creative&amp;view=week"`)
}

func TestNewFeedLinkShowsItsAddressOnce(t *testing.T) {
	h, f := newTestApp(t)
	calendarAPI(f, nil)
	f.on("POST /api/v1/calendar/feeds", func(*http.Request, domain.Person) (int, any) {
		return http.StatusCreated, map[string]any{"token": "tdf_secret", "path": "/api/v1/calendar/feeds/tdf_secret.ics", "created_at": testNow, "team": "creative"}
	})
	w := post(t, h, sesCleo, "/calendar/feeds", url.Values{"team": {"creative"}})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	mustContain(t, w, "Your new link for Creative team", `>http://example.com/api/v1/calendar/feeds/tdf_secret.ics</textarea>`)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("the page with the secret may be cached")
	}
	made := func() (n int, team any) {
		for _, c := range f.calls {
			if c.Method == http.MethodPost && c.Path == "/api/v1/calendar/feeds" {
				n, team = n+1, c.Body["team"]
			}
		}
		return n, team
	}
	if n, team := made(); n != 1 || team != "creative" {
		t.Errorf("the API was asked %d times, for team %v", n, team)
	}
	// Another team's feed is not the board's to offer; nothing is made.
	w = post(t, h, sesCleo, "/calendar/feeds", url.Values{"team": {"web"}})
	if n, _ := made(); w.Code != http.StatusUnprocessableEntity || n != 1 {
		t.Errorf("another team's link: status %d, API asked %d times", w.Code, n)
	}
}

func zonedGet(session, path, zone string) *http.Request {
	r := newGet(path)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	r.AddCookie(&http.Cookie{Name: zoneCookie, Value: zone})
	return r
}

// A busy day of the month view draws its first entries and "+N more",
// linking to the day in the week view, which draws them all. When the
// calendar's answer was cut, the days from its last entry's on say that more
// may be due.
func TestCalendarMonthFoldsBusyDays(t *testing.T) {
	h, f := newTestApp(t)
	var entries []domain.CalendarEntry
	due := func(day, hour int, title string) domain.CalendarEntry {
		return domain.CalendarEntry{Kind: domain.CalendarTaskDue, At: time.Date(2026, 12, day, hour, 0, 0, 0, time.UTC), Title: title,
			Process: domain.ProcessCampaign, ProcessID: "cmp_aaaaaaaaaaaa", TaskKind: domain.KindWork, Status: domain.TaskOpen, Team: domain.TeamContent}
	}
	for i := range 6 {
		entries = append(entries, due(3, 8+i, fmt.Sprintf("Busy task %d", i+1)))
	}
	// The day's last entry is a launch: the month draws it first.
	entries = append(entries, domain.CalendarEntry{Kind: domain.CalendarLaunch, At: time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC), Title: "Busy launch",
		Process: domain.ProcessCampaign, ProcessID: "cmp_bbbbbbbbbbbb", Audience: "smb owners", Overlaps: true})
	entries = append(entries, due(4, 9, "Quiet task"))
	truncated := false
	f.on("GET /api/v1/calendar", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Calendar{Entries: entries, Truncated: truncated}
	})
	f.on("GET /api/v1/calendar/feeds", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []any{}}
	})
	w := get(t, h, sesCleo, "/calendar?date=2026-12-01")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	mustContain(t, w, "Busy launch", "Overlaps another launch", "Busy task 1", "Busy task 2", "Quiet task", "8 dated things",
		`<a class="more" href="/calendar?date=2026-12-03&amp;view=week#day-2026-12-03">+4 more<span class="visually-hidden"> on Thursday 3 December</span></a>`)
	mustNotContain(t, w, "Busy task 3", "Busy task 6", "More may be due")
	if b := w.Body.String(); strings.Index(b, "Busy launch") > strings.Index(b, "Busy task 1") {
		t.Error("the folded day draws its launch after its tasks")
	}

	w = get(t, h, sesCleo, "/calendar?date=2026-12-03&view=week")
	mustContain(t, w, "Busy task 1", "Busy task 4", "Busy task 6", "Busy launch")
	mustNotContain(t, w, `class="more"`)

	truncated = true
	w = get(t, h, sesCleo, "/calendar?date=2026-12-01")
	body := w.Body.String()
	for key, cut := range map[string]bool{"2026-12-02": false, "2026-12-03": false, "2026-12-04": true, "2026-12-20": true} {
		i := strings.Index(body, `id="day-`+key+`"`)
		j := strings.Index(body[i:], "</li>\n  \n    <li")
		if got := strings.Contains(body[i:i+j], "More may be due"); got != cut {
			t.Errorf("%s says more may be due: %v, want %v", key, got, cut)
		}
	}
}

// The person filter's options are written escaped, the one chosen selected.
func TestPersonOptionsAreEscaped(t *testing.T) {
	got := string(personOptions([]personChoice{{Handle: "ann", Name: `Ann <script>alert("x")</script> & Co`}, {Handle: `b"o`, Name: "Bo"}}, `b"o`))
	want := `<option value="ann">Ann &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</option><option value="b&#34;o" selected>Bo</option>`
	if got != want {
		t.Errorf("options\n%s\nwant\n%s", got, want)
	}
}
