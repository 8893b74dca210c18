package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// overview is a report with something in every part.
func overview(from, to time.Time) domain.Overview {
	h := func(n int) domain.Duration { return domain.Duration(time.Duration(n) * time.Hour) }
	return domain.Overview{
		Window: domain.ReportWindow{From: from, To: to}, GeneratedAt: to,
		OpenProcesses: []domain.StageCount{
			{Process: domain.ProcessCampaign, Stage: "production", Count: 3}, {Process: domain.ProcessCampaign, Stage: "readiness", Count: 1},
			{Process: domain.ProcessHiring, Stage: "recruiting", Count: 2}, {Process: domain.ProcessRisk, Stage: "open", Count: 4},
		},
		OverdueTasks: []domain.TeamCount{{Team: domain.TeamCreative, Count: 5}, {Team: domain.TeamLegal, Count: 1}},
		ApprovalCycleTimes: []domain.CycleTime{
			{Process: domain.ProcessCampaign, Key: "brief_review", Count: 6, Median: h(5), P90: h(30)},
			{Process: domain.ProcessCampaign, Key: "sign_off:pat", Count: 2, Median: h(50), P90: h(60)},
			{Process: domain.ProcessHiring, Key: "offer:mops:cnd_abc", Count: 1, Median: h(2), P90: h(2)},
		},
		SLA:            domain.NewSLABreaches(20, 3, 2),
		EscalatedTasks: []domain.ProcessCount{{Process: domain.ProcessHiring, Count: 2}},
		RisksRaised:    []domain.SeverityCount{{Severity: domain.SeverityHigh, Count: 2}, {Severity: domain.SeverityLow, Count: 1}},
		KPIAttainment: domain.NewKPIAttainment([]domain.CampaignKPIs{{ID: "cmp_spring", Name: "Spring launch", Attained: 2, Total: 3}},
			[]domain.TemplateRunKPIs{{ID: "tpr_launch", Title: "Launch week live", Template: "webinar", TemplateName: "Webinar",
				Met: 1, Missed: 1, Unmeasured: 1, Total: 3}}),
	}
}

func reportAPI(f *fakeAPI) {
	f.on("GET /api/v1/reports/overview", func(r *http.Request, _ domain.Person) (int, any) {
		from, _ := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		to, _ := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
		return http.StatusOK, overview(from, to)
	})
	estimatesAPI(f)
	capacityAPI(f)
}

func TestTheOverviewReportIsDrawnAsChartsWithWords(t *testing.T) {
	h, f := newTestApp(t)
	reportAPI(f)
	w := get(t, h, sesMaya, "/reports?days=7")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	var q url.Values
	for _, c := range f.calls {
		if c.Path == "/api/v1/reports/overview" {
			q, _ = url.ParseQuery(c.Query)
		}
	}
	if q.Get("from") != "2026-11-15T09:00:00Z" || q.Get("to") != "2026-11-22T09:00:00Z" {
		t.Errorf("the report was asked for %v, want the last 7 days", q)
	}
	mustContain(t, w,
		`<a href="/reports" aria-current="page">Reports</a>`, `<a href="/reports?days=7" aria-current="page">7 days</a>`,
		// Each chart is an image with its figures in words, and a table.
		`role="img" aria-labelledby="open-campaign-title open-campaign-desc"`,
		`<desc id="open-campaign-desc">Brief review: 0. Planning: 0. Production: 3. Readiness: 1.`,
		`<desc id="overdue-desc">Creative team: 5 tasks. Legal team: 1 task.</desc>`,
		`<th scope="row">Creative team</th><td>5 tasks</td>`,
		`<desc id="risks-desc">Low: 1 risk. Medium: 0 risks. High: 2 risks. Critical: 0 risks.</desc>`,
		// Steps in words, people by name, times in words.
		`<th scope="row">Campaign: brief review</th><td>6</td><td>5 hours</td><td>30 hours</td>`,
		`Campaign: sign-off by Pat Manager`, `<td>2 days</td>`, `Hiring: offer approval by MOps`,
		`<strong>23%</strong> of due dates missed`, "Of 22 tasks due, 5 missed their due date: 3 of the 20 done were done late, and 2 are still open past it.",
		// Campaigns' and template runs' KPIs, together and each.
		`<strong>50%</strong> of KPIs met (3 of 6)`, `<a href="/campaigns/cmp_spring">Spring launch</a>`,
		`<th scope="row"><a href="/template-runs/tpr_launch">Launch week live</a><span class="comment">Webinar</span></th><td>1 of 3</td><td>1</td><td>1</td>`,
		`<time datetime="2026-11-15T09:00:00Z" title="Sunday 15 November 2026, 09:00 UTC" data-local>Sun 15 Nov 09:00 UTC</time>`)
	mustNotContain(t, w, "cnd_abc", "sign_off:", "brief_review")

	// A window the page does not offer is the default month.
	get(t, h, sesMaya, "/reports?days=13")
	last := f.calls[len(f.calls)-1]
	for _, c := range f.calls {
		if c.Path == "/api/v1/reports/overview" {
			last = c
		}
	}
	if !strings.Contains(last.Query, "from=2026-10-23T09") {
		t.Errorf("days=13 asked for %s, want the last 30 days", last.Query)
	}
}

func TestTheOverviewReportIsForItsReaders(t *testing.T) {
	h, f := newTestApp(t)
	reportAPI(f)
	inbox(f)
	w := get(t, h, sesCleo, "/reports")
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	mustContain(t, w, "You are not allowed to see this page: reports need the project_manager")
	for _, c := range f.calls {
		if c.Path == "/api/v1/reports/overview" {
			t.Error("the page asked the API for a report cleo may not read")
		}
	}
	// The link shows only to those who may open it.
	mustNotContain(t, get(t, h, sesCleo, "/"), `href="/reports"`)
	mustContain(t, get(t, h, sesPat, "/"), `<a href="/reports">Reports</a>`)
}
