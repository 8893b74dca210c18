package web

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestWorkloadShowsWhoIsOverloaded(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Workload{
			AsOf: testNow, DueSoonWithin: domain.Duration(24 * time.Hour),
			Totals: domain.WorkloadTotals{Open: 6, Overdue: 2, DueSoon: 1, Unassigned: 1},
			People: []domain.PersonLoad{
				{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Open: 4, Overdue: 2},
				{Handle: "wes", Name: "Wes Web", Team: domain.TeamWeb, Open: 1, OutOfOffice: true},
				{Handle: "ana", Name: "Ana Analytics", Team: domain.TeamAnalytics},
			},
			Teams: []domain.TeamLoad{{Team: domain.TeamCreative, Members: 1, Open: 5, Overdue: 2, Unassigned: 1}},
		}
	})
	capacityAPI(f)
	w := get(t, h, sesMaya, "/workload")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w,
		"6 open tasks", "2 overdue", "due within 1 day", "1 waiting for someone",
		`<tr id="person-cleo" class="overdue">`, "Cleo Creative", "<td>4</td><td>2</td>",
		`id="person-wes"`, "out of office",
		`id="person-ana"`, // free people are listed too
		`<tr id="team-creative" class="overdue">`,
		// cleo holds the most: a full bar, half of it overdue.
		`width="100" height="12" fill="#0b57d0"/><rect x="0" y="0" width="50"`,
	)
}

func TestWorkloadForSomeoneWhoMayNotReadReports(t *testing.T) {
	h, f := newTestApp(t)
	// The API refuses both reports to her; the page asks for them together.
	for _, report := range []string{"workload", "capacity"} {
		f.on("GET /api/v1/reports/"+report, func(*http.Request, domain.Person) (int, any) {
			return http.StatusForbidden, apiErr("forbidden", "reports need the project_manager, marketing_ops_manager, director or admin role")
		})
	}
	w := get(t, h, sesCleo, "/workload")
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	mustContain(t, w, "You are not allowed to do this: reports need the project_manager")
	mustNotContain(t, w, "<table")
}

// The workload page draws a page of people, of one team when asked: it asks
// the reports for that window, says which people it shows of how many, and
// links the pages before and after and each team's people.
func TestWorkloadShowsAPageOfPeople(t *testing.T) {
	h, f := newTestApp(t)
	var mu sync.Mutex // the page asks for both reports at once
	var asked []url.Values
	ask := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, r.URL.Query())
	}
	f.on("GET /api/v1/reports/workload", func(r *http.Request, _ domain.Person) (int, any) {
		ask(r)
		return http.StatusOK, domain.Workload{AsOf: testNow, PeopleTotal: 60,
			People: []domain.PersonLoad{{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Open: 4}},
			Teams:  []domain.TeamLoad{{Team: domain.TeamCreative, Members: 60, Open: 4}}}
	})
	f.on("GET /api/v1/reports/capacity", func(r *http.Request, _ domain.Person) (int, any) {
		ask(r)
		return http.StatusOK, domain.Capacity{AsOf: testNow, Weeks: domain.WeekStarts(testNow)[:4], DefaultWeeklyHours: 40, PeopleTotal: 58}
	})
	for _, tc := range []struct {
		path, query string
		want        []string
		not         []string
	}{
		{"/workload", "limit=25&offset=0", []string{"People 1–25 of 60", `href="/workload?page=2#people" rel="next"`,
			`<a href="/workload?team=creative#people">Creative</a>`}, []string{`rel="prev"`}},
		{"/workload?team=creative&page=2", "limit=25&offset=25&team=creative", []string{"Per person: Creative", "People 26–50 of 60 in Creative",
			`href="/workload?team=creative#people" rel="prev"`, `href="/workload?page=3&amp;team=creative#people" rel="next"`,
			`<option value="creative" selected>`}, nil},
		{"/workload?page=3", "limit=25&offset=50", []string{"People 51–60 of 60", `href="/workload?page=2#people" rel="prev"`}, []string{`rel="next"`}},
		// What cannot be read is the default: every team, the first page.
		{"/workload?team=nobody&page=-4", "limit=25&offset=0", []string{"People 1–25 of 60"}, nil},
	} {
		asked = nil
		w := get(t, h, sesMaya, tc.path)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", tc.path, w.Code)
		}
		if len(asked) != 2 || asked[0].Encode() != tc.query || asked[1].Encode() != tc.query {
			t.Errorf("%s: asked %v, want %s of both reports", tc.path, asked, tc.query)
		}
		mustContain(t, w, tc.want...)
		mustNotContain(t, w, tc.not...)
	}
}
