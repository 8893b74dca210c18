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
		"open_processes": `[]`, "escalated_tasks": `[]`, "risks_raised": `[]`,
		"kpi_attainment": `{"campaigns":[],"attained":0,"total":0,"rate":0}`,
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
