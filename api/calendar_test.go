package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tandemhq/tandem/domain"
)

// calendarEntries are one of each kind, around testNow.
func calendarEntries() []domain.CalendarEntry {
	day := func(d int, h int) time.Time {
		return testNow.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour)
	}
	return []domain.CalendarEntry{
		{Kind: domain.CalendarLaunch, At: day(3, 6), Title: "Spring social", Process: domain.ProcessCampaign, ProcessID: campaignID1,
			Team: domain.TeamPMO, Person: "paula", Audience: "small business owners", Overlaps: true},
		{Kind: domain.CalendarTaskDue, At: day(1, 0), Title: "Copy for “Spring social”", Process: domain.ProcessCampaign, ProcessID: campaignID1,
			TaskID: workTask, TaskKind: domain.KindWork, Status: domain.TaskOpen, Team: domain.TeamCreative, Person: "cara"},
		{Kind: domain.CalendarHireNeeded, At: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC), Title: "Analyst", Process: domain.ProcessHiring,
			ProcessID: permHiringID, Team: domain.TeamCreative, Person: "cole"},
		{Kind: domain.CalendarRiskResponse, At: day(5, 2), Title: "Printer", Process: domain.ProcessRisk, ProcessID: riskID1, Team: domain.TeamPMO, Person: "paula"},
		{Kind: domain.CalendarOutOfOffice, At: day(10, 0), End: day(14, 0), Team: domain.TeamCreative, Person: "cara"},
	}
}

func TestCalendarAnswersTheRangeAskedFor(t *testing.T) {
	e := newEnv(t)
	e.records.cal().answer = domain.Calendar{Entries: calendarEntries()}
	q := url.Values{"from": {"2030-01-07T00:00:00Z"}, "to": {"2030-02-07T00:00:00Z"}, "team": {"creative"}, "person": {"me"}, "process": {"campaign"}}
	rr := e.do(http.MethodGet, "/api/v1/calendar?"+q.Encode(), "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	var body struct {
		From, To      time.Time
		Entries       []map[string]any
		Truncated     bool
		OverlapWindow string `json:"overlap_window"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	asked := e.records.cal().asked
	wantFilter := domain.CalendarFilter{From: time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 2, 7, 0, 0, 0, 0, time.UTC),
		Team: domain.TeamCreative, Person: "cara", Process: domain.ProcessCampaign}
	if len(asked) != 1 || asked[0] != wantFilter {
		t.Errorf("the records were asked %+v, want %+v", asked, wantFilter)
	}
	if len(body.Entries) != 5 || body.OverlapWindow != "168h" || !body.From.Equal(wantFilter.From) {
		t.Fatalf("answer: %s", rr.Body)
	}
	launch, ooo := body.Entries[0], body.Entries[4]
	if launch["kind"] != "launch" || launch["overlaps"] != true || launch["audience"] != "small business owners" || launch["end"] != nil {
		t.Errorf("the launch: %v", launch)
	}
	if ooo["kind"] != "out_of_office" || ooo["end"] != "2030-01-21T09:00:00Z" || ooo["person"] != "cara" {
		t.Errorf("the out-of-office window: %v", ooo)
	}
}

func TestCalendarRefusesABadRange(t *testing.T) {
	for _, c := range []struct{ query, field string }{
		{"to=2030-02-01T00:00:00Z", "from"},
		{"from=2030-02-01T00:00:00Z", "to"},
		{"from=2030-02-01&to=2030-03-01T00:00:00Z", "from"},
		{"from=2030-02-01T00:00:00Z&to=2030-02-01T00:00:00Z", "to"},
		{"from=2030-01-01T00:00:00Z&to=2030-03-05T00:00:00Z", "to"},
		{"from=2030-01-01T00:00:00Z&to=2030-01-05T00:00:00Z&team=sales", "team"},
		{"from=2030-01-01T00:00:00Z&to=2030-01-05T00:00:00Z&process=launch", "process"},
		{"from=2030-01-01T00:00:00Z&to=2030-01-05T00:00:00Z&person=Not+A+Handle", "person"},
	} {
		t.Run(c.query, func(t *testing.T) {
			e := newEnv(t)
			got := want(t, e.do(http.MethodGet, "/api/v1/calendar?"+c.query, "tok-cara", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
			if len(got.Details) == 0 || got.Details[0].Field != c.field {
				t.Errorf("problems %+v, want one about %s", got.Details, c.field)
			}
			if len(e.records.cal().asked) != 0 {
				t.Error("a refused request reached the records")
			}
		})
	}
}

// parseFeed fetches path as a calendar application would, with no
// credential, and parses the answer with the library's own parser.
func parseFeed(t *testing.T, e *env, path string) *ics.Calendar {
	t.Helper()
	rr := e.do(http.MethodGet, path, "", "")
	if rr.Code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, rr.Code, rr.Body)
	}
	if ct := rr.Header().Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(rr.Body.String()))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, rr.Body)
	}
	return cal
}

func makeFeed(t *testing.T, e *env, token, body string) createFeedResponse {
	t.Helper()
	rr := e.do(http.MethodPost, "/api/v1/calendar/feeds", token, body)
	want(t, rr, http.StatusCreated, "")
	var res createFeedResponse
	if err := json.Unmarshal(rr.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if cc := rr.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	return res
}

func TestFeedListsThePersonsDatesAndANewLinkEndsTheOld(t *testing.T) {
	e := newEnv(t)
	e.records.cal().answer = domain.Calendar{Entries: calendarEntries()}
	first := makeFeed(t, e, "tok-cara", `{}`)
	if !strings.HasPrefix(first.Path, feedPath) || !strings.HasSuffix(first.Path, ".ics") || first.Team != "" {
		t.Fatalf("the new link: %+v", first)
	}
	cal := parseFeed(t, e, first.Path)
	asked := e.records.cal().asked
	if len(asked) != 1 || asked[0].Person != "cara" || asked[0].Team != "" ||
		!asked[0].From.Equal(testNow.Add(-domain.FeedPast)) || !asked[0].To.Equal(testNow.Add(domain.FeedFuture)) {
		t.Errorf("the feed asked the records for %+v", asked)
	}
	type event struct{ uid, summary, start, end string }
	var got []event
	for _, ev := range cal.Events() {
		x := event{uid: ev.Id(), summary: ev.GetProperty(ics.ComponentPropertySummary).Value}
		if p := ev.GetProperty(ics.ComponentPropertyDtStart); p != nil {
			x.start = p.Value
			if v, ok := p.ICalParameters["VALUE"]; ok {
				x.start += ";" + strings.Join(v, ",")
			}
		}
		if p := ev.GetProperty(ics.ComponentPropertyDtEnd); p != nil {
			x.end = p.Value
		}
		if ev.GetProperty(ics.ComponentPropertyDtstamp) == nil {
			t.Errorf("event %s has no DTSTAMP", x.uid)
		}
		got = append(got, x)
	}
	wantEvents := []event{
		{"launch-" + campaignID1 + "@tandem", "Launch: Spring social (another launch to the same audience within a week)", "20300110T150000Z", ""},
		{"task-" + workTask + "@tandem", "Due: Copy for “Spring social” (Cara)", "20300108T090000Z", ""},
		{"hire-" + permHiringID + "@tandem", "Hire needed by: Analyst", "20300201;DATE", "20300202"},
		{"risk-response-" + riskID1 + "@tandem", "Risk response due: Printer", "20300112T110000Z", ""},
		{"ooo-cara-1894870800@tandem", "Cara out of office", "20300117T090000Z", "20300121T090000Z"},
	}
	if !slices.Equal(got, wantEvents) {
		t.Errorf("the feed's events:\n%v\nwant\n%v", got, wantEvents)
	}
	// The library's own reading of the times agrees.
	if start, err := cal.Events()[1].GetStartAt(); err != nil || !start.Equal(testNow.Add(24*time.Hour)) {
		t.Errorf("the task's start reads %v, %v", start, err)
	}
	if day, err := cal.Events()[2].GetAllDayStartAt(); err != nil || day.Format(time.DateOnly) != "2030-02-01" {
		t.Errorf("the hire's day reads %v, %v", day, err)
	}

	// A new link: the old address is not found, the new one answers.
	second := makeFeed(t, e, "tok-cara", `{}`)
	if second.Token == first.Token {
		t.Fatal("the new link has the old secret")
	}
	want(t, e.do(http.MethodGet, first.Path, "", ""), http.StatusNotFound, domain.CodeNotFound)
	parseFeed(t, e, second.Path)
	parseFeed(t, e, strings.TrimSuffix(second.Path, ".ics"))
	rr := e.do(http.MethodGet, "/api/v1/calendar/feeds", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	if !strings.Contains(rr.Body.String(), `"created_at":"2030-01-07T09:00:00Z"`) || strings.Contains(rr.Body.String(), second.Token) {
		t.Errorf("the links listed: %s", rr.Body)
	}
}

func TestTeamFeedNamesItsMembers(t *testing.T) {
	e := newEnv(t)
	e.records.cal().answer = domain.Calendar{Entries: calendarEntries()[1:2]}
	link := makeFeed(t, e, "tok-wes", `{"team": "creative"}`)
	if link.Team != domain.TeamCreative {
		t.Errorf("the team link: %+v", link)
	}
	cal := parseFeed(t, e, link.Path)
	if asked := e.records.cal().asked; len(asked) != 1 || asked[0].Team != domain.TeamCreative || asked[0].Person != "" {
		t.Errorf("the team feed asked for %+v", asked)
	}
	var name string
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyName) {
			name = p.Value
		}
	}
	if name != "Tandem: team creative" {
		t.Errorf("the calendar's name: %q", name)
	}
	if evs := cal.Events(); len(evs) != 1 || evs[0].GetProperty(ics.ComponentPropertySummary).Value != "Due: Copy for “Spring social” (Cara)" {
		t.Errorf("the team's events: %+v", evs)
	}
	got := want(t, e.do(http.MethodPost, "/api/v1/calendar/feeds", "tok-wes", `{"team": "sales"}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	if len(got.Details) == 0 || got.Details[0].Field != "team" {
		t.Errorf("a link of no team: %+v", got)
	}
}

// A wrong secret is not found and spends the address's budget of refused
// requests, as a bad token does; a good one has its own budget.
func TestFeedSecretsAreGuardedLikeTokens(t *testing.T) {
	e := newEnv(t)
	link := makeFeed(t, e, "tok-cara", `{}`)
	for i := range defaultAddressBurst {
		rr := e.do(http.MethodGet, feedPath+"tdf_guess"+strings.Repeat("x", i)+".ics", "", "")
		want(t, rr, http.StatusNotFound, domain.CodeNotFound)
	}
	rr := e.do(http.MethodGet, link.Path, "", "")
	want(t, rr, http.StatusTooManyRequests, "rate_limited")
	if rr.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}

	e = newEnv(t)
	link = makeFeed(t, e, "tok-cara", `{}`)
	for range feedBurst {
		parseFeed(t, e, link.Path)
	}
	want(t, e.do(http.MethodGet, link.Path, "", ""), http.StatusTooManyRequests, "rate_limited")
	want(t, e.do(http.MethodGet, feedPath+strings.Repeat("a", maxFeedToken+1), "", ""), http.StatusNotFound, domain.CodeNotFound)
}
