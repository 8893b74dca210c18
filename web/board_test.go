package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// boardOf answers a board's columns with cards, as the API's board route
// does: the column asked for, filtered by owner and by a team waited on.
func boardOf(cards ...domain.BoardCard) apiHandler {
	return func(r *http.Request, _ domain.Person) (int, any) {
		q := r.URL.Query()
		var out []domain.BoardCard
		for _, c := range cards {
			if c.Stage == q.Get("stage") && (q.Get("owner") == "" || c.Owner == q.Get("owner")) &&
				(q.Get("team") == "" || slices.ContainsFunc(c.WaitingOn, func(w domain.WaitingOn) bool { return string(w.Team) == q.Get("team") })) {
				out = append(out, c)
			}
		}
		return http.StatusOK, pageOf(out...)
	}
}

func campaignsBoard(f *fakeAPI) {
	spring := domain.BoardCard{ID: "cmp_spring", Process: domain.ProcessCampaign, Stage: "production", Name: "Spring launch", Owner: "pat"}
	spring.SetWaiting([]domain.Task{
		{ID: "tsk_1", ProcessID: "cmp_spring", Team: domain.TeamCreative, Status: domain.TaskOpen, DueAt: testNow.Add(-3 * time.Hour)},
		{ID: "tsk_2", ProcessID: "cmp_spring", Team: domain.TeamWeb, Assignee: "wes", Status: domain.TaskOpen, DueAt: testNow.Add(30 * time.Hour)},
	}, nil)
	held := domain.Campaign{ID: "cmp_fall", HeldBy: "rsk_1",
		Risks: []domain.LinkedRisk{{ID: "rsk_1", Severity: domain.SeverityCritical, Status: domain.RiskOpen, Title: "Venue may cancel", Owner: "pia"}}}
	fall := domain.BoardCard{ID: "cmp_fall", Process: domain.ProcessCampaign, Stage: "brief_review", Name: "Fall promo", Owner: "pia", HeldBy: "rsk_1"}
	fall.SetWaiting([]domain.Task{
		{ID: "tsk_3", ProcessID: "cmp_fall", Team: domain.TeamMarketingOps, Assignee: "maya", Status: domain.TaskOpen, DueAt: testNow.Add(72 * time.Hour)},
	}, held.WaitingOn(nil))
	f.on("GET /api/v1/boards/campaigns", boardOf(spring, fall))
	f.on("GET /api/v1/people", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(domain.Person{Handle: "pat", Name: "Pat Manager"}, domain.Person{Handle: "pia", Name: "Pia PM"})
	})
}

// inColumn reports whether the card of id sits in the column of stage.
func inColumn(body, stage, id string) bool {
	re := regexp.MustCompile(`(?s)<section class="column" id="stage-` + stage + `".*?</section>`)
	return regexp.MustCompile(`id="card-` + id + `"`).MatchString(re.FindString(body))
}

func TestTheBoardHasAColumnPerStage(t *testing.T) {
	h, f := newTestApp(t)
	campaignsBoard(f)
	w := get(t, h, sesCleo, "/board/campaigns")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	for _, st := range []string{"brief_review", "planning", "production", "readiness", "scheduled", "tracking", "retrospective"} {
		mustContain(t, w, `id="stage-`+st+`"`)
	}
	body := w.Body.String()
	if !inColumn(body, "production", "cmp_spring") || !inColumn(body, "brief_review", "cmp_fall") {
		t.Errorf("cards are not in their stage's column:\n%s", body)
	}
	mustContain(t, w, `href="/campaigns/cmp_spring"`, "Spring launch", "<dd>Pat Manager</dd>",
		"Creative team, wes", "overdue by 3 hours", // waits on both; the soonest due counts
		"Launch held by a risk", "2 running",
		// a held launch waits on the risk's owner and on whoever may accept it
		"maya, Pia PM (risk owner), a marketing ops manager or a director")
}

func TestTheBoardFiltersByTeamAndOwner(t *testing.T) {
	h, f := newTestApp(t)
	campaignsBoard(f)
	w := get(t, h, sesCleo, "/board/campaigns?team=marketing-ops")
	mustContain(t, w, `id="card-cmp_fall"`, "1 running", `<option value="marketing-ops" selected>`)
	mustNotContain(t, w, `id="card-cmp_spring"`)

	w = get(t, h, sesCleo, "/board/campaigns?owner=pat")
	mustContain(t, w, `id="card-cmp_spring"`, `<option value="pat" selected>`)
	mustNotContain(t, w, `id="card-cmp_fall"`)
	var asked bool
	for _, c := range f.calls {
		if c.Path == "/api/v1/boards/campaigns" && c.Query == "limit=25&owner=pat&stage=production" {
			asked = true
		}
	}
	if !asked {
		t.Errorf("the owner filter did not reach the API: %+v", f.calls)
	}
}

func TestTheRiskBoardShowsLiveRisksByStatus(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/boards/risks", boardOf(domain.BoardCard{ID: "rsk_live", Process: domain.ProcessRisk, Name: "Printer late",
		Stage: "acknowledged", Severity: domain.SeverityHigh, Owner: "wes", WaitingOn: []domain.WaitingOn{}}))
	f.on("GET /api/v1/people", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.Person]() })
	w := get(t, h, sesCleo, "/board/risks")
	if !inColumn(w.Body.String(), "acknowledged", "rsk_live") {
		t.Errorf("the live risk is not under acknowledged:\n%s", w.Body)
	}
	mustContain(t, w, "High", "nobody", "no due date", `id="stage-open"`, `id="stage-materialized"`)
	for _, stage := range []string{"open", "acknowledged", "materialized"} {
		if !slices.ContainsFunc(f.calls, func(c apiCall) bool { return c.Path == "/api/v1/boards/risks" && c.Query == "limit=25&stage="+stage }) {
			t.Errorf("the board did not ask for the %s column: %+v", stage, f.calls)
		}
	}
}

// A column with more cards than it shows links to its next ones, keeping the
// filters; the next page links back to the first, and the other columns stay
// at theirs.
func TestABoardColumnPagesOn(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/boards/campaigns", func(r *http.Request, _ domain.Person) (int, any) {
		q := r.URL.Query()
		if q.Get("stage") != "production" {
			return http.StatusOK, pageOf[domain.BoardCard]()
		}
		if q.Get("cursor") == "" {
			return http.StatusOK, domain.Page[domain.BoardCard]{Items: []domain.BoardCard{{ID: "cmp_one", Name: "One", Stage: "production", Process: domain.ProcessCampaign}}, NextCursor: "c2"}
		}
		return http.StatusOK, pageOf(domain.BoardCard{ID: "cmp_two", Name: "Two", Stage: "production", Process: domain.ProcessCampaign})
	})
	w := get(t, h, sesCleo, "/board/campaigns?team=web")
	mustContain(t, w, `id="card-cmp_one"`, `<a href="/board/campaigns?column=production&amp;cursor=c2&amp;team=web#stage-production">More</a>`, "1 shown", "1+")
	mustNotContain(t, w, `id="card-cmp_two"`)

	w = get(t, h, sesCleo, "/board/campaigns?column=production&cursor=c2&team=web")
	mustContain(t, w, `id="card-cmp_two"`, `<a href="/board/campaigns?team=web#stage-production">Back to the first ones</a>`)
	mustNotContain(t, w, `id="card-cmp_one"`, ">More<")
	var planning []string
	for _, c := range f.calls {
		if c.Path == "/api/v1/boards/campaigns" && strings.Contains(c.Query, "stage=planning") {
			planning = append(planning, c.Query)
		}
	}
	if len(planning) != 2 || strings.Contains(planning[1], "cursor") {
		t.Errorf("the planning column was asked %v: another column's cursor is not its own", planning)
	}
}

func TestABoardThePersonMayNotSee(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/boards/hiring-requests", func(*http.Request, domain.Person) (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "hiring requests need the hr, marketing_ops_manager or director role")
	})
	w := get(t, h, sesCleo, "/board/hiring-requests")
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	mustContain(t, w, "You are not allowed to do this: hiring requests need the hr")
	mustNotContain(t, w, `class="column"`)
}

func TestAnUnknownBoard(t *testing.T) {
	h, _ := newTestApp(t)
	if w := get(t, h, sesCleo, "/board/spreadsheets"); w.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", w.Code)
	}
}

// The owner filter's options are written by the board itself, not the
// template: a name is text there, whatever it holds.
func TestTheOwnerFilterEscapesNames(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/people", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(domain.Person{Handle: "eve", Name: `<b>Eve & "co"</b>`}, domain.Person{Handle: "pat", Name: "Pat Manager"})
	})
	w := get(t, h, sesCleo, "/board/risks?owner=pat")
	mustContain(t, w, `<option value="eve">&lt;b&gt;Eve &amp; &#34;co&#34;&lt;/b&gt; (eve)</option>`, `<option value="pat" selected>Pat Manager (pat)</option>`)
	mustNotContain(t, w, "<b>Eve")
}
