package web

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func campaignsBoard(f *fakeAPI) {
	f.on("GET /api/v1/campaigns", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("status") != "active" {
			return http.StatusOK, pageOf[domain.Campaign]()
		}
		all := []domain.Campaign{
			{ID: "cmp_spring", Stage: domain.StageProduction, Status: domain.StatusActive, Brief: domain.Brief{Name: "Spring launch", ProjectManager: "pat"}},
			{ID: "cmp_fall", Stage: domain.StageBriefReview, Status: domain.StatusActive, Brief: domain.Brief{Name: "Fall promo", ProjectManager: "pia"}, HeldBy: "rsk_1",
				Risks: []domain.LinkedRisk{{ID: "rsk_1", Severity: domain.SeverityCritical, Status: domain.RiskOpen, Title: "Venue may cancel", Owner: "pia"}}},
		}
		if o := r.URL.Query().Get("owner"); o != "" {
			all = all[:1] // the fake's owner filter: only pat's
		}
		return http.StatusOK, pageOf(all...)
	})
	f.on("GET /api/v1/tasks", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("process") != "campaign" || r.URL.Query().Get("status") != "open" {
			return http.StatusOK, pageOf[domain.Task]()
		}
		return http.StatusOK, pageOf(
			domain.Task{ID: "tsk_1", ProcessID: "cmp_spring", Team: domain.TeamCreative, Status: domain.TaskOpen, DueAt: testNow.Add(-3 * time.Hour)},
			domain.Task{ID: "tsk_2", ProcessID: "cmp_spring", Team: domain.TeamWeb, Assignee: "wes", Status: domain.TaskOpen, DueAt: testNow.Add(30 * time.Hour)},
			domain.Task{ID: "tsk_3", ProcessID: "cmp_fall", Team: domain.TeamMarketingOps, Assignee: "maya", Status: domain.TaskOpen, DueAt: testNow.Add(72 * time.Hour)},
		)
	})
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
		if c.Path == "/api/v1/campaigns" && c.Query == "limit=200&owner=pat&status=active" {
			asked = true
		}
	}
	if !asked {
		t.Errorf("the owner filter did not reach the API: %+v", f.calls)
	}
}

func TestTheRiskBoardShowsLiveRisksByStatus(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/risks", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(
			domain.Risk{ID: "rsk_live", Title: "Printer late", Status: domain.RiskAcknowledged, Severity: domain.SeverityHigh, Owner: "wes"},
			domain.Risk{ID: "rsk_gone", Title: "Old worry", Status: domain.RiskClosed, Severity: domain.SeverityLow, Owner: "wes"},
		)
	})
	f.on("GET /api/v1/tasks", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.Task]() })
	f.on("GET /api/v1/people", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.Person]() })
	w := get(t, h, sesCleo, "/board/risks")
	if !inColumn(w.Body.String(), "acknowledged", "rsk_live") {
		t.Errorf("the live risk is not under acknowledged:\n%s", w.Body)
	}
	mustContain(t, w, "High", "nobody", "no due date")
	mustNotContain(t, w, "rsk_gone")
}

func TestABoardThePersonMayNotSee(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/hiring-requests", func(*http.Request, domain.Person) (int, any) {
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
