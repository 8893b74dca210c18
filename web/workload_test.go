package web

import (
	"net/http"
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
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "reports need the project_manager, marketing_ops_manager, director or admin role")
	})
	w := get(t, h, sesCleo, "/workload")
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	mustContain(t, w, "You are not allowed to do this: reports need the project_manager")
	mustNotContain(t, w, "<table")
}
