package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// finishedCampaigns answers the campaigns list by status and name, as the API
// does, from three ended campaigns and a running one.
func finishedCampaigns(f *fakeAPI) {
	all := []domain.Campaign{
		{ID: "cmp_spring", Brief: domain.Brief{Name: "Spring launch", ProjectManager: "pat"}, Status: domain.StatusCompleted, UpdatedAt: testNow.Add(-48 * time.Hour)},
		{ID: "cmp_summer", Brief: domain.Brief{Name: "Summer social", ProjectManager: "pat"}, Status: domain.StatusCompleted, UpdatedAt: testNow.Add(-2 * time.Hour)},
		{ID: "cmp_fall", Brief: domain.Brief{Name: "Fall spring-clean", ProjectManager: "maya"}, Status: domain.StatusCancelled,
			Reason: "budget cut", UpdatedAt: testNow.Add(-24 * time.Hour)},
		{ID: "cmp_live", Brief: domain.Brief{Name: "Spring live", ProjectManager: "pat"}, Status: domain.StatusActive},
	}
	f.on("GET /api/v1/campaigns", func(r *http.Request, _ domain.Person) (int, any) {
		q := r.URL.Query()
		var out []domain.Campaign
		for _, c := range all {
			if (q.Get("status") == "" || string(c.Status) == q.Get("status")) &&
				strings.Contains(strings.ToLower(c.Brief.Name), strings.ToLower(q.Get("q"))) {
				out = append(out, c)
			}
		}
		return http.StatusOK, pageOf(out...)
	})
}

// listed are the queries the page sent to the campaigns list.
func listed(f *fakeAPI) []url.Values {
	var out []url.Values
	for _, c := range f.calls {
		if c.Path == "/api/v1/campaigns" {
			q, _ := url.ParseQuery(c.Query)
			q.Del("limit")
			out = append(out, q)
		}
	}
	return out
}

func TestTheFinishedViewListsEndedProcessesLatestFirst(t *testing.T) {
	h, f := newTestApp(t)
	finishedCampaigns(f)
	w := get(t, h, sesMaya, "/finished/campaigns")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	mustContain(t, w, "<h1>Finished campaigns</h1>", "3 found.",
		`<a href="/finished/campaigns" aria-current="page">Campaigns</a>`, `<a href="/board/campaigns">The running ones, on the board</a>`,
		`<a href="/campaigns/cmp_summer">Summer social</a>`, `<span class="badge s-completed">Completed</span>`,
		`<a href="/campaigns/cmp_fall">Fall spring-clean</a><span class="comment">budget cut</span>`, `<span class="badge s-cancelled">Cancelled</span>`,
		`<time datetime="2026-11-22T07:00:00Z" title="Sunday 22 November 2026, 07:00 UTC" data-local>today 07:00 UTC</time>`, "<td>Pat Manager</td>", "<td>Maya Ops</td>", "<th scope=\"col\">Project manager</th>")
	mustNotContain(t, w, "Spring live")
	if a, b, c := strings.Index(body, "cmp_summer"), strings.Index(body, "cmp_fall"), strings.Index(body, "cmp_spring\""); !(a < b && b < c) {
		t.Error("the latest ended is not first")
	}
	// Any way it ended: each finished status asked for, never the running.
	var statuses []string
	for _, q := range listed(f) {
		statuses = append(statuses, q.Get("status"))
		if q.Get("order") != "newest" {
			t.Errorf("the page asked %v, not the newest first", q)
		}
	}
	if strings.Join(statuses, ",") != "completed,rejected,cancelled" {
		t.Errorf("the page asked for statuses %v", statuses)
	}
}

func TestTheFinishedViewSearchesByNameAndStatus(t *testing.T) {
	h, f := newTestApp(t)
	finishedCampaigns(f)
	w := get(t, h, sesMaya, "/finished/campaigns?status=cancelled&q=+Spring+")
	mustContain(t, w, "1 found.", "Fall spring-clean", `<option value="cancelled" selected>Cancelled</option>`,
		`name="q" value="Spring"`, `<a href="/finished/campaigns">Clear the search</a>`)
	mustNotContain(t, w, "Spring launch")
	if q := listed(f); len(q) != 1 || q[0].Get("status") != "cancelled" || q[0].Get("q") != "Spring" {
		t.Errorf("the page asked %v", q)
	}

	// A status that is not a way to end is no filter: never the running ones.
	h, f = newTestApp(t)
	finishedCampaigns(f)
	mustNotContain(t, get(t, h, sesMaya, "/finished/campaigns?status=active&q=spring"), "Spring live")
	for _, q := range listed(f) {
		if q.Get("status") == "active" {
			t.Errorf("the page asked for running campaigns: %v", q)
		}
	}
	mustContain(t, get(t, h, sesMaya, "/finished/campaigns?q=nothing+like+it"), "Nothing finished matches.")

	if w := get(t, h, sesMaya, "/finished/nope"); w.Code != http.StatusNotFound {
		t.Errorf("an unknown kind: status %d", w.Code)
	}
}

func TestTheBoardLeadsToTheFinishedOnes(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/hiring-requests", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.HiringRequest]() })
	f.on("GET /api/v1/tasks", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.Task]() })
	mustContain(t, get(t, h, sesMaya, "/board/hiring-requests"), `<a href="/finished/hiring-requests">Finished ones, and search by name</a>`)
}
