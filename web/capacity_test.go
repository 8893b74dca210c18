package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// capacityAPI answers the capacity report: cleo (maya's report) over in the
// first week, wes with room, over four weeks from testNow's Monday.
func capacityAPI(f *fakeAPI) {
	f.on("GET /api/v1/reports/capacity", func(*http.Request, domain.Person) (int, any) {
		weeks := domain.WeekStarts(testNow)[:4]
		week := func(c, p float64) domain.WeekLoad { return domain.NewWeekLoad(c, p) }
		return http.StatusOK, domain.Capacity{AsOf: testNow, Weeks: weeks, DefaultWeeklyHours: 40,
			People: []domain.PersonCapacity{
				{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Manager: "maya", WeeklyHours: 32, OwnWeeklyHours: true,
					Weeks: []domain.WeekLoad{week(32, 44.5), week(32, 8), week(32, 0), week(19.2, 0)}, Over: true},
				{Handle: "wes", Name: "Wes Web", Team: domain.TeamWeb, WeeklyHours: 40,
					Weeks: []domain.WeekLoad{week(40, 6), week(40, 0), week(40, 0), week(40, 0)}},
			},
			Teams: []domain.TeamCapacity{{Team: domain.TeamCreative, Members: 1, Over: true, UnassignedHours: []float64{0, 0, 0, 0},
				Weeks: []domain.WeekLoad{week(32, 44.5), week(32, 8), week(32, 0), week(19.2, 0)}}},
		}
	})
}

// estimatesAPI answers the estimate report with the creative team's assets.
func estimatesAPI(f *fakeAPI) {
	f.on("GET /api/v1/reports/estimates", func(*http.Request, domain.Person) (int, any) {
		q := domain.QuartersUpTo(testNow)
		tasks := []domain.EstimatedTask{
			{Team: domain.TeamCreative, Kind: "deliverable:assets", CompletedAt: q[3].Start.Add(48 * 3600e9), Estimate: 16, Actual: 24},
			{Team: domain.TeamCreative, Kind: "deliverable:assets", CompletedAt: q[2].Start.Add(48 * 3600e9), Estimate: 16, Actual: 16},
			{Team: domain.TeamWeb, Kind: "deliverable:landing_page", CompletedAt: q[3].Start.Add(72 * 3600e9), Estimate: 24, Actual: 12},
		}
		return http.StatusOK, domain.NewEstimateReport(testNow, q, tasks)
	})
}

func TestWorkloadShowsCapacityPerWeek(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Workload{AsOf: testNow}
	})
	capacityAPI(f)
	w := get(t, h, sesMaya, "/workload")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	week0 := "week of " + domain.WeekStarts(testNow)[0].Format("2 Jan")
	mustContain(t, w, "Capacity, the next four weeks", "<th scope=\"col\">"+week0+"</th>",
		`<tr id="capacity-cleo" class="over">`, `<td class="over">44.5h of 32h <strong class="over-flag">over</strong></td>`,
		`<tr id="capacity-wes">`, "<td>6h of 40h</td>", "40h <span class=\"handle\">(policy)</span>",
		`<tr id="capacity-team-creative" class="over">`, "19.2h")
}

func TestReportsShowEstimateAccuracy(t *testing.T) {
	h, f := newTestApp(t)
	reportAPI(f)
	w := get(t, h, sesMaya, "/reports")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	// Ratios 1.5, 1 and 0.5: median ×1.00, middle half ×0.75–×1.25.
	mustContain(t, w, "Estimates against actual hours", "<strong>×1.00</strong> their estimate", "between ×0.75 and ×1.25",
		"3 tasks done", "56h estimated, 52h taken", `id="est-teams"`, `id="est-kinds"`,
		"<th scope=\"row\">Assets</th><td>2</td><td>32h</td><td>40h</td><td>×1.25</td>",
		"<th scope=\"row\">Creative</th>", "<th scope=\"row\">Landing page</th>")
}

func TestReassignToSomeoneOverCapacityWarnsWithWhoHasRoom(t *testing.T) {
	h, f := newTestApp(t)
	withMo(f)
	inbox(f)
	f.knowTasks(approval)
	f.on("POST /api/v1/tasks/{id}/reassign", func(*http.Request, domain.Person) (int, any) {
		moved := approval
		moved.Assignee = "mo"
		week := domain.WeekStarts(testNow)[0]
		return http.StatusOK, map[string]any{"id": moved.ID, "title": moved.Title, "assignee": "mo", "status": "open",
			"warnings": []map[string]any{{"code": "over_capacity", "message": "mo is over", "person": "mo", "week_start": week,
				"planned_hours": 52, "capacity_hours": 40, "with_room": []map[string]any{
					{"handle": "omar", "name": "Omar Ops", "free_hours": 20}, {"handle": "maya", "name": "Maya Ops", "free_hours": 2.5}}}}}
	})
	w := post(t, h, sesMaya, "/tasks/tsk_review/reassign", url.Values{"assignee": {"mo"}, "reason": {"Away"}, "back": {"/"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	week := "week of " + domain.WeekStarts(testNow)[0].Format("2 Jan")
	mustContain(t, followFlash(t, h, w, sesMaya, "/"), "Reassigned to Mo Second: Review the brief of Spring launch. Mo Second is over capacity in the "+week+
		": 52h planned for 40h. With room in the team that week: Omar Ops (20h free), Maya Ops (2.5h free).")
}

func TestCompletionSendsTheTimeItTook(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	f.knowTasks(approval)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		done := approval
		done.Status, done.Outcome = domain.TaskDone, domain.OutcomeApproved
		return http.StatusOK, done
	})
	page := get(t, h, sesMaya, "/").Body.String()
	mustHold(t, "maya's card", cardOf(t, page, "tsk_review"), `name="actual_hours" type="number"`, "Time it took, in hours")

	for _, bad := range []string{"0", "1001", "two"} {
		w := post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"approved"}, "actual_hours": {bad}, "back": {"/"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "the time it took must be a number of hours") {
			t.Errorf("%q: status %d", bad, w.Code)
		}
	}
	if c := f.commands(); len(c) != 0 {
		t.Fatalf("a refused time was sent: %+v", c)
	}
	w := post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"approved"}, "actual_hours": {"2,5"}, "back": {"/"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	if c := f.commands(); len(c) != 1 || c[0].Body["actual_hours"] != 2.5 {
		t.Errorf("commands %+v, want actual_hours 2.5", c)
	}
}

// The retrospective says how the campaign's estimates held; a report from
// before estimates says nothing of them.
func TestRetrospectiveReportSaysHowEstimatesHeld(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	c.Stage, c.HeldBy = domain.StageRetrospective, ""
	c.Report = &domain.Report{TimeInStage: map[domain.Stage]domain.Duration{},
		Estimates: &domain.EstimateStats{Tasks: 3, EstimatedHours: 24, ActualHours: 27, MedianRatio: 1, P25Ratio: 0.75, P75Ratio: 2}}
	campaignAPI(f, c)
	mustContain(t, get(t, h, sesPat, "/campaigns/cmp_spring"),
		`<dd id="retro-estimates">Tasks took ×1.00 their estimate (median; middle half ×0.75–×2.00): 3 tasks, 24h estimated, 27h taken</dd>`)

	c.Report.Estimates = nil
	campaignAPI(f, c)
	mustNotContain(t, get(t, h, sesPat, "/campaigns/cmp_spring"), "Estimate accuracy")
}

// A task added with an assignee over capacity is added; the notice says so,
// with who in the team has room that week.
func TestAddingATaskToSomeoneOverCapacityWarnsWithWhoHasRoom(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	week := domain.WeekStarts(testNow)[0]
	f.on("POST /api/v1/campaigns/{id}/tasks", func(*http.Request, domain.Person) (int, any) {
		return http.StatusCreated, map[string]any{"id": "tsk_new", "title": "Print the flyers", "assignee": "cleo", "status": "open",
			"warnings": []map[string]any{{"code": "over_capacity", "message": "cleo is over", "person": "cleo", "week_start": week,
				"planned_hours": 44.5, "capacity_hours": 32, "with_room": []map[string]any{{"handle": "cory", "name": "Cory Craft", "free_hours": 12}}}}}
	})
	w := post(t, h, sesPat, "/campaigns/cmp_spring/tasks", url.Values{"title": {"Print the flyers"}, "team": {"creative"}, "assignee": {"cleo"},
		"due_at": {"2026-11-30T17:00"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	mustContain(t, followFlash(t, h, w, sesPat, "/campaigns/cmp_spring"), "Task added: Print the flyers. Cleo Creative is over capacity in the "+weekOf(week)+
		": 44.5h planned for 32h. With room in the team that week: Cory Craft (12h free).")
}

// workloadAPI answers an empty workload report and the capacity report.
func workloadAPI(f *fakeAPI) {
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Workload{AsOf: testNow}
	})
	capacityAPI(f)
}

// The workload page offers to set the weekly hours of the people it shows
// whom the viewer may set them of: maya, cleo's manager, cleo's alone; pat,
// nobody's, no form. Someone maya manages whom the page does not show (pat,
// in the directory, not in the capacity report's window) is not offered.
func TestWeeklyHoursAreOfferedByTheRule(t *testing.T) {
	h, f := newTestApp(t)
	workloadAPI(f)
	pat := f.people[sesPat]
	pat.Manager = "maya"
	f.people[sesPat] = pat
	form := formWith(get(t, h, sesMaya, "/workload"), "/workload/weekly-hours")
	mustHold(t, "maya's form", form, `<option value="cleo">Cleo Creative (cleo, Creative) — 32h a week</option>`,
		`type="number" id="f-weekly-weekly-hours" name="weekly_hours" value="" min="0" max="168" step="0.5"`, "go back to the policy&#39;s 40h")
	for _, who := range []string{`value="pat"`, `value="maya"`} {
		if strings.Contains(form, who) {
			t.Errorf("maya may set %s's weekly hours:\n%s", who, form)
		}
	}
	if w := get(t, h, sesPat, "/workload"); strings.Contains(w.Body.String(), "/workload/weekly-hours") {
		t.Error("pat, nobody's manager, is offered the weekly-hours form")
	}
}

func TestSetWeeklyHoursFromTheWorkloadPage(t *testing.T) {
	h, f := newTestApp(t)
	workloadAPI(f)
	cleo := f.people[sesCleo]
	cleo.Manager = "maya"
	f.people[sesCleo] = cleo
	var answer func(body map[string]any) (int, any)
	f.on("PUT /api/v1/people/{handle}/weekly-hours", func(r *http.Request, _ domain.Person) (int, any) {
		c := f.commands()
		return answer(c[len(c)-1].Body)
	})
	answer = func(body map[string]any) (int, any) {
		p := cleo
		if h, ok := body["weekly_hours"].(float64); ok {
			p.WeeklyHours = &h
		}
		return http.StatusOK, p
	}

	// Out of bounds, not a number, or nobody chosen: refused here, nothing sent,
	// the form open with what was typed.
	for _, bad := range []url.Values{{"person": {"cleo"}, "weekly_hours": {"168.5"}}, {"person": {"cleo"}, "weekly_hours": {"-1"}},
		{"person": {"cleo"}, "weekly_hours": {"lots"}}, {"person": {""}, "weekly_hours": {"32"}}} {
		w := post(t, h, sesMaya, "/workload/weekly-hours", bad)
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%v: status %d", bad, w.Code)
		}
		mustContain(t, w, `<details class="action" id="weekly-hours" open>`, `aria-invalid="true"`, "Check the form: ")
	}
	if c := f.commands(); len(c) != 0 {
		t.Fatalf("refused weekly hours were sent: %+v", c)
	}

	w := post(t, h, sesMaya, "/workload/weekly-hours", url.Values{"person": {"cleo"}, "weekly_hours": {"32"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/workload#capacity" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Method != http.MethodPut || c[0].Path != "/api/v1/people/cleo/weekly-hours" || c[0].Body["weekly_hours"] != 32.0 {
		t.Fatalf("calls %+v", c)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/workload"), "Weekly hours of Cleo Creative: 32h")

	// Empty goes back to the policy's: null.
	w = post(t, h, sesMaya, "/workload/weekly-hours", url.Values{"person": {"cleo"}, "weekly_hours": {""}})
	if c := f.commands(); len(c) != 2 || c[1].Body["weekly_hours"] != nil {
		t.Fatalf("calls %+v", c)
	}
	if _, sent := f.commands()[1].Body["weekly_hours"]; !sent {
		t.Error("weekly_hours was left out, not sent as null")
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/workload"), "Weekly hours of Cleo Creative: the policy&#39;s")

	// The API's refusal is said in the form.
	answer = func(map[string]any) (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "only an admin or cleo's manager may set their weekly hours")
	}
	w = post(t, h, sesMaya, "/workload/weekly-hours", url.Values{"person": {"cleo"}, "weekly_hours": {"20"}})
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, `<details class="action" id="weekly-hours" open>`, "You may not set these weekly hours: only an admin or Cleo Creative&#39;s manager may")
}

// The weekly-hours form sends the window of people it was drawn with, so the
// page after it (the redirect, or the form again when refused) shows the same
// people, among them the person chosen.
func TestWeeklyHoursFormKeepsThePeopleShown(t *testing.T) {
	h, f := newTestApp(t)
	var asked []string
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Workload{AsOf: testNow, PeopleTotal: 60}
	})
	f.on("GET /api/v1/reports/capacity", func(r *http.Request, _ domain.Person) (int, any) {
		asked = append(asked, r.URL.Query().Encode())
		return http.StatusOK, domain.Capacity{AsOf: testNow, Weeks: domain.WeekStarts(testNow)[:4], DefaultWeeklyHours: 40, PeopleTotal: 60,
			People: []domain.PersonCapacity{{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Manager: "maya", WeeklyHours: 40,
				Weeks: []domain.WeekLoad{{}, {}, {}, {}}}}}
	})
	f.on("PUT /api/v1/people/{handle}/weekly-hours", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, f.people[sesCleo]
	})
	form := formWith(get(t, h, sesMaya, "/workload?team=creative&page=2"), "/workload/weekly-hours")
	mustHold(t, "the form", form, `<input type="hidden" name="team" value="creative">`, `<input type="hidden" name="page" value="2">`)

	w := post(t, h, sesMaya, "/workload/weekly-hours", url.Values{"person": {"cleo"}, "weekly_hours": {"30"}, "team": {"creative"}, "page": {"2"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/workload?page=2&team=creative#capacity" {
		t.Errorf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	asked = nil
	w = post(t, h, sesMaya, "/workload/weekly-hours", url.Values{"person": {"cleo"}, "weekly_hours": {"lots"}, "team": {"creative"}, "page": {"2"}})
	if w.Code != http.StatusUnprocessableEntity || len(asked) != 1 || asked[0] != "limit=25&offset=25&team=creative" {
		t.Errorf("refused: status %d, the capacity asked %v", w.Code, asked)
	}
	mustContain(t, w, `<option value="cleo" selected>`)
}
