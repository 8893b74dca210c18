package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// reportEnv is a test server whose directory also holds a director.
func reportEnv(t *testing.T) *env {
	e := newEnv(t)
	dina := person("dina", domain.TeamLeadership, domain.RoleDirector)
	e.records.people[dina.Handle] = dina
	e.records.tokens["tok-dina"] = dina.Handle
	return e
}

func TestReportOverview200(t *testing.T) {
	e := reportEnv(t)
	e.records.report().overview = domain.Overview{
		OverdueTasks: []domain.TeamCount{{Team: domain.TeamCreative, Count: 2}},
		ApprovalCycleTimes: []domain.CycleTime{{Process: domain.ProcessHiring, Key: "finance", Count: 3,
			Median: domain.Duration(90 * time.Minute), P90: domain.Duration(48 * time.Hour)}},
		SLA: domain.NewSLABreaches(3, 1, 1),
		EscalatedTasks: []domain.ProcessCount{{Process: domain.ProcessCampaign, Count: 1},
			{Process: domain.ProcessTemplate, TemplateOf: domain.TemplateOf{Template: "webinar", TemplateName: "Webinar"}, Count: 2}},
		KPIAttainment: domain.KPIAttainment{TemplateRuns: []domain.TemplateRunKPIs{{ID: "tpr_000000000001", Title: "Launch week live",
			Template: "webinar", TemplateName: "Webinar", Met: 1, Missed: 1, Unmeasured: 1, Total: 3}}, Attained: 1, Total: 3, Rate: 1.0 / 3},
	}
	rr := e.do("GET", "/api/v1/reports/overview?from=2030-01-01T00:00:00Z&to=2030-01-07T00:00:00%2B01:00", "tok-dina", "")
	want(t, rr, sOK, "")
	f := e.records.report()
	wantWindow := domain.ReportWindow{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 6, 23, 0, 0, 0, time.UTC)}
	if len(f.asked) != 1 || f.asked[0] != wantWindow || !f.askedAt[0].Equal(testNow) {
		t.Fatalf("asked %v at %v, want %v at %v", f.asked, f.askedAt, wantWindow, testNow)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(rr.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	for field, wantJSON := range map[string]string{
		"overdue_tasks":        `[{"team":"creative","count":2}]`,
		"approval_cycle_times": `[{"process":"hiring","key":"finance","count":3,"median":"1h30m","p90":"48h"}]`,
		"sla":                  `{"completed":3,"completed_late":1,"open_overdue":1,"measured":4,"breached":2,"rate":0.5}`,
		// Lists the records left nil are arrays all the same.
		"open_processes": `[]`, "risks_raised": `[]`,
		// A template's figures name the template; the built-in processes' do not.
		"escalated_tasks": `[{"process":"campaign","count":1},{"process":"template","template":"webinar","template_name":"Webinar","count":2}]`,
		"kpi_attainment": `{"campaigns":[],"template_runs":[{"id":"tpr_000000000001","title":"Launch week live","template":"webinar",` +
			`"template_name":"Webinar","met":1,"missed":1,"unmeasured":1,"total":3}],"attained":1,"total":3,"rate":0.3333333333333333}`,
	} {
		if got := string(body[field]); got != wantJSON {
			t.Errorf("%s = %s, want %s", field, got, wantJSON)
		}
	}
}

func TestReportOverviewDefaultWindow(t *testing.T) {
	e := reportEnv(t)
	for _, tc := range []struct {
		query string
		want  domain.ReportWindow
	}{
		{"", domain.ReportWindow{From: testNow.Add(-30 * 24 * time.Hour), To: testNow}},
		{"?to=2029-12-31T00:00:00Z", domain.ReportWindow{From: time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{"?from=2029-12-25T00:00:00Z", domain.ReportWindow{From: time.Date(2029, 12, 25, 0, 0, 0, 0, time.UTC), To: testNow}},
	} {
		want(t, e.do("GET", "/api/v1/reports/overview"+tc.query, "tok-ada", ""), sOK, "")
		f := e.records.report()
		if got := f.asked[len(f.asked)-1]; got != tc.want {
			t.Errorf("%q: window %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestReportOverviewReaders(t *testing.T) {
	e := reportEnv(t)
	for _, tok := range []string{"tok-paula", "tok-mo", "tok-dina", "tok-ada"} {
		want(t, e.do("GET", "/api/v1/reports/overview", tok, ""), sOK, "")
	}
}

func TestReportOverview401(t *testing.T) {
	e := reportEnv(t)
	want(t, e.do("GET", "/api/v1/reports/overview", "", ""), sUnauth, "unauthorized")
	if n := len(e.records.report().asked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportOverview403(t *testing.T) {
	e := reportEnv(t)
	o := want(t, e.do("GET", "/api/v1/reports/overview", "tok-cara", ""), sForbid, domain.CodeForbidden)
	if !strings.Contains(o.Message, "director") {
		t.Errorf("message %q does not say who may read reports", o.Message)
	}
	if n := len(e.records.report().asked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportOverview422(t *testing.T) {
	e := reportEnv(t)
	for _, tc := range []struct{ query, field, problem string }{
		{"?from=yesterday", "from", "RFC 3339"},
		{"?to=2030-01-07", "to", "RFC 3339"},
		{"?from=2030-01-07T09:00:00Z", "from", "before to"}, // from = now = the default to
		{"?from=2030-01-05T00:00:00Z&to=2030-01-01T00:00:00Z", "from", "before to"},
		{"?from=2028-01-01T00:00:00Z&to=2029-01-01T00:00:01Z", "to", "366 days"}, // 2028 is a leap year: 366 days and a second
	} {
		o := want(t, e.do("GET", "/api/v1/reports/overview"+tc.query, "tok-mo", ""), sInvalid, domain.CodeInvalid)
		if !hasProblem(o, tc.field, tc.problem) {
			t.Errorf("%s: details %+v, want %s: %s", tc.query, o.Details, tc.field, tc.problem)
		}
	}
	if n := len(e.records.report().asked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportOverview503(t *testing.T) {
	e := reportEnv(t)
	e.records.fail["Overview"] = fmt.Errorf("%w: dial tcp 10.0.0.9:5432: connection refused", domain.ErrUnavailable)
	rr := e.do("GET", "/api/v1/reports/overview", "tok-paula", "")
	want(t, rr, sUnavail, codeUnavailable)
	if strings.Contains(rr.Body.String(), "10.0.0.9") {
		t.Errorf("the answer leaks the cause: %s", rr.Body)
	}
}

func TestReportWorkload200(t *testing.T) {
	e := reportEnv(t)
	e.records.report().workload = domain.Workload{
		AsOf: testNow, DueSoonWithin: domain.Duration(domain.DefaultDueSoon),
		Totals: domain.WorkloadTotals{Open: 5, Overdue: 2, DueSoon: 1, Unassigned: 1},
		People: []domain.PersonLoad{
			{Handle: "cara", Name: "Cara", Team: domain.TeamCreative, Open: 3, Overdue: 2, DueSoon: 1},
			{Handle: "ghost", Open: 1},
			{Handle: "cole", Name: "Cole", Team: domain.TeamCreative, OutOfOffice: true},
		},
	}
	rr := e.do("GET", "/api/v1/reports/workload", "tok-dina", "")
	want(t, rr, sOK, "")
	f := e.records.report()
	if len(f.workloadAsked) != 1 || f.workloadAsked[0] != (workloadAsk{now: testNow, dueSoon: 48 * time.Hour}) {
		t.Fatalf("asked %+v, want now %v and 48h", f.workloadAsked, testNow)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(rr.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	for field, wantJSON := range map[string]string{
		"as_of":           `"2030-01-07T09:00:00Z"`,
		"due_soon_within": `"48h"`,
		"totals":          `{"open":5,"overdue":2,"due_soon":1,"unassigned":1}`,
		// An assignee missing from the directory has no name or team; a free person is listed.
		"people": `[{"handle":"cara","name":"Cara","team":"creative","out_of_office":false,"open":3,"overdue":2,"due_soon":1},` +
			`{"handle":"ghost","out_of_office":false,"open":1,"overdue":0,"due_soon":0},` +
			`{"handle":"cole","name":"Cole","team":"creative","out_of_office":true,"open":0,"overdue":0,"due_soon":0}]`,
		// A list the records left nil is an array all the same.
		"teams": `[]`,
	} {
		if got := string(body[field]); got != wantJSON {
			t.Errorf("%s = %s, want %s", field, got, wantJSON)
		}
	}
}

func TestReportWorkloadDueSoonWithin(t *testing.T) {
	e := reportEnv(t)
	for _, tc := range []struct {
		query string
		want  time.Duration
	}{
		{"", 48 * time.Hour},
		{"?due_soon_within=168h", 168 * time.Hour},
		{"?due_soon_within=90m", 90 * time.Minute},
		{"?due_soon_within=720h", 720 * time.Hour},
	} {
		want(t, e.do("GET", "/api/v1/reports/workload"+tc.query, "tok-mo", ""), sOK, "")
		f := e.records.report()
		if got := f.workloadAsked[len(f.workloadAsked)-1].dueSoon; got != tc.want {
			t.Errorf("%q: due soon within %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestReportWorkloadReaders(t *testing.T) {
	e := reportEnv(t)
	for _, tok := range []string{"tok-paula", "tok-mo", "tok-dina", "tok-ada"} {
		want(t, e.do("GET", "/api/v1/reports/workload", tok, ""), sOK, "")
	}
}

func TestReportWorkload401(t *testing.T) {
	e := reportEnv(t)
	want(t, e.do("GET", "/api/v1/reports/workload", "", ""), sUnauth, "unauthorized")
	if n := len(e.records.report().workloadAsked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportWorkload403(t *testing.T) {
	e := reportEnv(t)
	for _, tok := range []string{"tok-cara", "tok-wes"} {
		o := want(t, e.do("GET", "/api/v1/reports/workload", tok, ""), sForbid, domain.CodeForbidden)
		if !strings.Contains(o.Message, "director") {
			t.Errorf("message %q does not say who may read reports", o.Message)
		}
	}
	if n := len(e.records.report().workloadAsked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportWorkload422(t *testing.T) {
	e := reportEnv(t)
	for _, tc := range []struct{ query, problem string }{
		{"?due_soon_within=", "duration"},
		{"?due_soon_within=2d", "duration"},
		{"?due_soon_within=0s", "positive"},
		{"?due_soon_within=-1h", "positive"},
		{"?due_soon_within=720h1s", "720h"},
	} {
		o := want(t, e.do("GET", "/api/v1/reports/workload"+tc.query, "tok-mo", ""), sInvalid, domain.CodeInvalid)
		if !hasProblem(o, "due_soon_within", tc.problem) {
			t.Errorf("%s: details %+v, want due_soon_within: %s", tc.query, o.Details, tc.problem)
		}
	}
	if n := len(e.records.report().workloadAsked); n != 0 {
		t.Errorf("the records were asked %d times", n)
	}
}

func TestReportWorkload503(t *testing.T) {
	e := reportEnv(t)
	e.records.fail["Workload"] = fmt.Errorf("%w: dial tcp 10.0.0.9:5432: connection refused", domain.ErrUnavailable)
	rr := e.do("GET", "/api/v1/reports/workload", "tok-paula", "")
	want(t, rr, sUnavail, codeUnavailable)
	if strings.Contains(rr.Body.String(), "10.0.0.9") {
		t.Errorf("the answer leaks the cause: %s", rr.Body)
	}
}
