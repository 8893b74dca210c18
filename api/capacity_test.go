package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// capacityWeeks are the four Mondays from testNow (a Monday).
func capacityWeeks() []time.Time {
	return []time.Time{testNow, testNow.AddDate(0, 0, 7), testNow.AddDate(0, 0, 14), testNow.AddDate(0, 0, 21)}
}

// loads makes a person's four weeks of (capacity, planned).
func loads(weeks ...[2]float64) []domain.WeekLoad {
	out := make([]domain.WeekLoad, len(weeks))
	for i, w := range weeks {
		out[i] = domain.NewWeekLoad(w[0], w[1])
	}
	return out
}

// withCapacity makes cole over capacity in the first week only; cara and
// cleo (creative) have room then, cleo the most; fay (creative) is exactly
// full; wes has room but is in another team.
func withCapacity(e *env) {
	free, full := [2]float64{40, 0}, [2]float64{40, 40}
	e.records.mu.Lock()
	defer e.records.mu.Unlock()
	e.records.capacityOf().capacity = domain.Capacity{
		AsOf: testNow, Weeks: capacityWeeks(), DefaultWeeklyHours: 40,
		People: []domain.PersonCapacity{
			{Handle: "cole", Name: "Cole", Team: domain.TeamCreative, WeeklyHours: 40, Weeks: loads([2]float64{40, 52}, free, free, free), Over: true},
			{Handle: "cara", Name: "Cara", Team: domain.TeamCreative, WeeklyHours: 40, Weeks: loads([2]float64{40, 30}, full, full, full)},
			{Handle: "cleo", Name: "Cleo", Team: domain.TeamCreative, WeeklyHours: 32, OwnWeeklyHours: true, Weeks: loads([2]float64{32, 12}, free, free, free)},
			{Handle: "fay", Name: "Fay", Team: domain.TeamCreative, WeeklyHours: 40, Weeks: loads(full, free, free, free)},
			{Handle: "wes", Name: "Wes", Team: domain.TeamWeb, WeeklyHours: 40, Weeks: loads(free, free, free, free)},
		},
		Teams: []domain.TeamCapacity{},
	}
}

func TestReassigningToSomeoneOverCapacityWarns(t *testing.T) {
	for _, tc := range []struct {
		name string
		due  time.Time
		warn bool
	}{
		{"due in the week cole is over", testNow.Add(48 * time.Hour), true},
		{"overdue: counts in the current week", testNow.Add(-72 * time.Hour), true},
		{"due in a week cole has room", testNow.AddDate(0, 0, 8), false},
		{"due after the report's weeks", testNow.AddDate(0, 0, 29), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := permEnv(t)
			withCapacity(e)
			moved := e.records.tasks[workTask]
			moved.Assignee, moved.DueAt = "cole", tc.due
			e.temporal.update = func(string, string, any) (any, error) { return moved, nil }
			rr := e.do("POST", "/api/v1/tasks/"+workTask+"/reassign", "tok-paula", `{"assignee": "cole", "reason": "cara is away"}`)
			want(t, rr, http.StatusOK, "")
			got := decodeJSON[reassignBody](t, rr)
			if got.ID != workTask || got.Assignee != "cole" {
				t.Errorf("answered task %s with %s, want %s with cole", got.ID, got.Assignee, workTask)
			}
			if !tc.warn {
				if len(got.Warnings) != 0 {
					t.Errorf("warnings = %+v, want none", got.Warnings)
				}
				return
			}
			if len(got.Warnings) != 1 {
				t.Fatalf("warnings = %+v, want one", got.Warnings)
			}
			w := got.Warnings[0]
			if w.Code != "over_capacity" || w.Person != "cole" || w.PlannedHours != 52 || w.CapacityHours != 40 || w.WeekStart == nil || !w.WeekStart.Equal(testNow) {
				t.Errorf("warning = %+v, want cole's 52h against 40h in the week of %s", w, testNow)
			}
			// The creative team's people with room, most first: not cole, not
			// fay (full), not wes (another team).
			var room []string
			for _, r := range w.WithRoom {
				room = append(room, r.Handle)
			}
			if !slices.Equal(room, []string{"cleo", "cara"}) {
				t.Errorf("with room = %v, want cleo then cara", room)
			}
			if w.WithRoom[0].FreeHours != 20 || w.WithRoom[1].FreeHours != 10 {
				t.Errorf("free hours = %+v, want 20 and 10", w.WithRoom)
			}
		})
	}
}

// A capacity report that cannot be read warns of nothing: the reassignment
// is done all the same.
func TestReassignWithoutCapacityStillAnswers(t *testing.T) {
	e := permEnv(t)
	e.records.fail = map[string]error{"Capacity": errors.New("disk on fire")}
	moved := e.records.tasks[workTask]
	moved.Assignee = "cole"
	e.temporal.update = func(string, string, any) (any, error) { return moved, nil }
	rr := e.do("POST", "/api/v1/tasks/"+workTask+"/reassign", "tok-paula", `{"assignee": "cole", "reason": "r"}`)
	want(t, rr, http.StatusOK, "")
	if got := decodeJSON[reassignBody](t, rr); len(got.Warnings) != 0 || got.Assignee != "cole" {
		t.Errorf("answer = %+v", got)
	}
}

func TestEstimateTask(t *testing.T) {
	e := permEnv(t)
	path := "/api/v1/tasks/" + workTask + "/estimate"
	for _, body := range []string{`{"hours": 0}`, `{"hours": -2}`, `{"hours": 1000.5}`, `{}`, `{"hours": 3, "reason": "` + strings.Repeat("x", 2001) + `"}`} {
		want(t, e.do("POST", path, "tok-paula", body), http.StatusUnprocessableEntity, domain.CodeInvalid)
	}
	if n := len(e.temporal.updates); n != 0 {
		t.Fatalf("%d updates sent for refused estimates", n)
	}
	want(t, e.do("POST", "/api/v1/tasks/tsk_zzzzzzzzzzzz/estimate", "tok-paula", `{"hours": 3}`), http.StatusNotFound, domain.CodeNotFound)

	done := e.records.tasks[poolTask]
	done.Status = domain.TaskDone
	e.records.tasks[poolTask] = done
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/estimate", "tok-paula", `{"hours": 3}`), http.StatusConflict, domain.CodeConflict)

	estimated := e.records.tasks[workTask]
	hours := 12.5
	estimated.EstimateHours = &hours
	e.temporal.update = func(string, string, any) (any, error) { return estimated, nil }
	rr := e.do("POST", path, "tok-paula", `{"hours": 12.5, "reason": "two formats more"}`)
	want(t, rr, http.StatusOK, "")
	if got := decodeJSON[taskBody](t, rr); got.EstimateHours == nil || *got.EstimateHours != 12.5 {
		t.Errorf("answer's estimate = %v, want 12.5", got.EstimateHours)
	}
	u := e.temporal.updates[len(e.temporal.updates)-1]
	in, ok := u.Input.(contract.EstimateTaskInput)
	if u.Name != contract.UpdateEstimateTask || !ok || in.Hours != 12.5 || in.Actor.Handle != "paula" || in.TaskID != workTask || in.Reason != "two formats more" {
		t.Errorf("sent %s %+v", u.Name, u.Input)
	}
}

func TestCompletionCarriesActualHours(t *testing.T) {
	e := permEnv(t)
	path := "/api/v1/tasks/" + workTask + "/complete"
	for _, body := range []string{`{"outcome": "done", "actual_hours": 0}`, `{"outcome": "done", "actual_hours": 1001}`, `{"outcome": "done", "actual_hours": "3h"}`} {
		rr := e.do("POST", path, "tok-cara", body)
		if rr.Code != http.StatusUnprocessableEntity && rr.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want a refusal; %s", body, rr.Code, rr.Body)
		}
	}
	if n := len(e.temporal.updates); n != 0 {
		t.Fatalf("%d updates sent for refused completions", n)
	}
	want(t, e.do("POST", path, "tok-cara", `{"outcome": "done", "actual_hours": 7.5}`), http.StatusOK, "")
	in := e.temporal.updates[0].Input.(contract.CompleteTaskInput)
	if in.Completion.ActualHours == nil || *in.Completion.ActualHours != 7.5 {
		t.Errorf("completion sent = %+v, want actual_hours 7.5", in.Completion)
	}
}

func TestSetWeeklyHours(t *testing.T) {
	e := permEnv(t)
	path := "/api/v1/people/cole/weekly-hours"
	for _, body := range []string{`{"weekly_hours": -1}`, `{"weekly_hours": 168.5}`} {
		want(t, e.do("PUT", path, "tok-ada", body), http.StatusUnprocessableEntity, domain.CodeInvalid)
	}
	if p := e.records.people["cole"]; p.WeeklyHours != nil {
		t.Errorf("a refused request set weekly hours %v", *p.WeeklyHours)
	}
	want(t, e.do("PUT", "/api/v1/people/nobody/weekly-hours", "tok-ada", `{"weekly_hours": 20}`), http.StatusNotFound, domain.CodeNotFound)

	rr := e.do("PUT", path, "tok-ada", `{"weekly_hours": 24}`)
	want(t, rr, http.StatusOK, "")
	if p := e.records.people["cole"]; p.WeeklyHours == nil || *p.WeeklyHours != 24 {
		t.Errorf("stored weekly hours = %v, want 24", p.WeeklyHours)
	}
	if got := decodeJSON[domain.Person](t, rr); got.WeeklyHours == nil || *got.WeeklyHours != 24 {
		t.Errorf("answered weekly hours = %v, want 24", got.WeeklyHours)
	}
	want(t, e.do("PUT", path, "tok-ada", `{"weekly_hours": null}`), http.StatusOK, "")
	if p := e.records.people["cole"]; p.WeeklyHours != nil {
		t.Errorf("weekly hours after null = %v, want the policy's (nil)", *p.WeeklyHours)
	}
}

func TestCapacityReportAsksWithThePolicysHours(t *testing.T) {
	e := permEnv(t)
	withCapacity(e)
	rr := e.do("GET", "/api/v1/reports/capacity", "tok-paula", "")
	want(t, rr, http.StatusOK, "")
	got := decodeJSON[domain.Capacity](t, rr)
	if len(got.People) != 5 || got.People[0].Handle != "cole" || !got.People[0].Weeks[0].Over {
		t.Errorf("report = %+v", got)
	}
	if asked := e.records.capacityOf().defaultWeekly; len(asked) != 1 || asked[0] != domain.DefaultWeeklyHours {
		t.Errorf("asked with default weekly hours %v, want the policy's %g", asked, domain.DefaultWeeklyHours)
	}
	e.records.fail = map[string]error{"EstimateReport": errors.New("disk on fire")}
	want(t, e.do("GET", "/api/v1/reports/estimates", "tok-paula", ""), http.StatusInternalServerError, codeInternal)
}

// Adding a task with an assignee over capacity in the week it is due adds
// it (201) and warns as a reassignment does; one due in a week with room
// answers no warning.
func TestAddingATaskToSomeoneOverCapacityWarns(t *testing.T) {
	for _, tc := range []struct {
		name string
		due  time.Time
		warn bool
	}{
		{"due in the week cole is over", testNow.Add(48 * time.Hour), true},
		{"due in a week cole has room", testNow.AddDate(0, 0, 8), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			withCapacity(e)
			e.temporal.update = func(_, _ string, input any) (any, error) {
				in := input.(contract.AddTaskInput)
				return domain.Task{ID: "tsk_cccccccccccc", Title: in.Title, Team: in.Team, Role: in.Role, Assignee: in.Assignee,
					Status: domain.TaskOpen, DueAt: in.DueAt}, nil
			}
			body := `{"title": "Press kit", "team": "creative", "role": "creative", "assignee": "cole", "due_at": "` + tc.due.Format(time.RFC3339) + `"}`
			rr := e.do("POST", "/api/v1/campaigns/"+campaignID1+"/tasks", "tok-paula", body)
			want(t, rr, http.StatusCreated, "")
			if rr.Header().Get("Location") != "/api/v1/tasks/tsk_cccccccccccc" {
				t.Errorf("Location = %q", rr.Header().Get("Location"))
			}
			got := decodeJSON[reassignBody](t, rr)
			if got.ID != "tsk_cccccccccccc" || got.Assignee != "cole" {
				t.Errorf("answered %+v, want the new task, cole's", got.taskBody)
			}
			if !tc.warn {
				if len(got.Warnings) != 0 {
					t.Errorf("warnings = %+v, want none", got.Warnings)
				}
				return
			}
			if len(got.Warnings) != 1 {
				t.Fatalf("warnings = %+v, want one", got.Warnings)
			}
			w := got.Warnings[0]
			var room []string
			for _, r := range w.WithRoom {
				room = append(room, r.Handle)
			}
			if w.Code != "over_capacity" || w.Person != "cole" || w.PlannedHours != 52 || w.CapacityHours != 40 || !slices.Equal(room, []string{"cleo", "cara"}) {
				t.Errorf("warning = %+v, with room %v; want cole's 52h against 40h, cleo then cara with room", w, room)
			}
		})
	}
}

// The capacity and workload reports answer a window of their people: those
// of ?team=, from ?offset= on, at most ?limit=, in the report's order, with
// how many there are; the team rows stay whole. Without the parameters,
// everyone.
func TestReportsAnswerAWindowOfPeople(t *testing.T) {
	e := permEnv(t)
	withCapacity(e)
	e.records.report().workload = domain.Workload{AsOf: testNow,
		People: []domain.PersonLoad{{Handle: "cole", Team: domain.TeamCreative, Open: 3}, {Handle: "ghost", Open: 2},
			{Handle: "wes", Team: domain.TeamWeb, Open: 1}, {Handle: "cara", Team: domain.TeamCreative}},
		Teams: []domain.TeamLoad{{Team: domain.TeamCreative, Open: 3}, {Team: domain.TeamWeb, Open: 1}}}
	type answer struct {
		People []struct {
			Handle string `json:"handle"`
		} `json:"people"`
		PeopleTotal int               `json:"people_total"`
		Teams       []json.RawMessage `json:"teams"`
	}
	for _, tc := range []struct {
		route, query string
		want         string // the handles answered
		total, teams int
	}{
		{"capacity", "", "cole cara cleo fay wes", 5, 0},
		{"capacity", "?limit=2", "cole cara", 5, 0},
		{"capacity", "?limit=2&offset=2", "cleo fay", 5, 0},
		{"capacity", "?limit=2&offset=4", "wes", 5, 0},
		{"capacity", "?offset=9", "", 5, 0},
		{"capacity", "?team=creative&offset=1&limit=2", "cara cleo", 4, 0},
		{"capacity", "?team=web", "wes", 1, 0},
		{"capacity", "?team=legal", "", 0, 0},
		{"capacity", "?team=&limit=1", "cole", 5, 0}, // an empty team is no team, as in the other lists
		{"workload", "", "cole ghost wes cara", 4, 2},
		{"workload", "?limit=1&offset=1", "ghost", 4, 2},
		{"workload", "?team=creative", "cole cara", 2, 2},
	} {
		rr := e.do("GET", "/api/v1/reports/"+tc.route+tc.query, "tok-paula", "")
		want(t, rr, http.StatusOK, "")
		got := decodeJSON[answer](t, rr)
		var handles []string
		for _, p := range got.People {
			handles = append(handles, p.Handle)
		}
		if strings.Join(handles, " ") != tc.want || got.PeopleTotal != tc.total || len(got.Teams) != tc.teams || got.People == nil {
			t.Errorf("%s%s: people %v of %d, %d teams; want %q of %d, %d teams", tc.route, tc.query, handles, got.PeopleTotal, len(got.Teams), tc.want, tc.total, tc.teams)
		}
	}
	for _, route := range []string{"capacity", "workload"} {
		for query, field := range map[string]string{"?limit=0": "limit", "?limit=201": "limit", "?limit=x": "limit",
			"?offset=-1": "offset", "?offset=x": "offset", "?team=nobody": "team"} {
			o := want(t, e.do("GET", "/api/v1/reports/"+route+query, "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
			if !hasProblem(o, field, "") {
				t.Errorf("%s%s: details %+v, want a problem with %s", route, query, o.Details, field)
			}
		}
	}
}
