package web

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// The overview report as a page: the API's GET /reports/overview, for the
// people who may read it (domain.CheckReadReports), drawn as bar charts with
// every figure also in words and in tables.

// reportDays are the windows the page offers, in days back from now.
var reportDays = []int{7, 30, 90, 365}

type reportPage struct {
	domain.Overview
	Days    int
	Choices []int
	// Open has a chart per process: its running ones by stage.
	Open               []barChart
	Overdue, Escalated barChart
	Risks              barChart
	Cycles             barChart
	CycleRows          []cycleRow
	SLARate, KPIRate   string // as percentages
	KPIRows            []kpiRow
	RunKPIRows         []runKPIRow
	// Estimates is estimated against actual hours over the last quarters
	// (GET /reports/estimates), with its tables' rows.
	Estimates      domain.EstimateReport
	EstimateTables []estimateTable
}

type cycleRow struct {
	Step, Median, P90 string
	Count             int
}

type kpiRow struct {
	Name, Link      string
	Attained, Total int
	Rate            string
}

// runKPIRow is a template run's KPI results.
type runKPIRow struct {
	Title, Link, Template          string
	Met, Missed, Unmeasured, Total int
}

func (a *App) reports(w http.ResponseWriter, r *http.Request, s *session) {
	if err := domain.CheckReadReports(domain.ActorOf(s.me)); err != nil {
		a.render(w, r, http.StatusForbidden, "error", view{Session: s, Title: "Forbidden",
			Problem: "You are not allowed to see this page: " + domain.Message(err) + "."})
		return
	}
	days := 30
	if d, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && slices.Contains(reportDays, d) {
		days = d
	}
	now := a.now().UTC()
	q := url.Values{"from": {now.AddDate(0, 0, -days).Format(time.RFC3339)}, "to": {now.Format(time.RFC3339)}}
	var o domain.Overview
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/overview", q, nil, &o); err != nil {
		a.fail(w, r, s, err)
		return
	}
	var est domain.EstimateReport
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/estimates", nil, nil, &est); err != nil {
		a.fail(w, r, s, err)
		return
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	tmpls, err := a.reportTemplates(r, s, o)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	page := newReportPage(o, days, wd.Name, tmpls)
	page.Estimates, page.EstimateTables = est, []estimateTable{
		{Caption: "Per team", ID: "est-teams", Rows: estimateRows(est.Teams, true), Quarters: est.Quarters},
		{Caption: "Per kind of task", ID: "est-kinds", Rows: estimateRows(est.Kinds, false), Quarters: est.Quarters},
	}
	a.render(w, r, http.StatusOK, "reports", view{Session: s, Title: "Overview report", Nav: "reports", Poll: true, Data: page})
}

// reportTemplates are the templates whose runs the report counts by stage or
// step, by key, for their words: their stages' names in order and their tasks'
// titles. The figures are all the API's.
func (a *App) reportTemplates(r *http.Request, s *session, o domain.Overview) (map[string]templates.Template, error) {
	keys := map[string]bool{}
	for _, c := range o.OpenProcesses {
		keys[c.Template] = true
	}
	for _, c := range o.ApprovalCycleTimes {
		keys[c.Template] = true
	}
	delete(keys, "") // the built-in processes' figures
	out := map[string]templates.Template{}
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		t, err := a.template(r, s, key)
		if err != nil {
			return nil, err
		}
		out[key] = t.Document
	}
	return out, nil
}

// templateCharts are the running runs of each template that has some, by
// stage: those of its latest version as a run's page lists them, then any
// other stage runs are in (one of an older version).
func templateCharts(o domain.Overview, tmpls map[string]templates.Template) []barChart {
	byKey := map[string][]domain.StageCount{}
	for _, c := range o.OpenProcesses {
		if c.Process == domain.ProcessTemplate {
			byKey[c.Template] = append(byKey[c.Template], c)
		}
	}
	var out []barChart
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		stages, names := templateStages(tmpls[key])
		count := map[domain.Stage]int{}
		for _, c := range byKey[key] {
			st := domain.Stage(c.Stage)
			if !slices.Contains(stages, st) {
				stages, names = append(stages, st), append(names, label(st))
			}
			count[st] = c.Count
		}
		rows := make([]barDatum, len(stages))
		for i, st := range stages {
			rows[i] = barDatum{Label: names[i], Value: float64(count[st]), Text: strconv.Itoa(count[st])}
		}
		out = append(out, newBarChart("open-template-"+fieldID(key), byKey[key][0].TemplateName+" runs by stage", rows))
	}
	return out
}

func newReportPage(o domain.Overview, days int, name func(string) string, tmpls map[string]templates.Template) reportPage {
	p := reportPage{Overview: o, Days: days, Choices: reportDays,
		SLARate: percent(o.SLA.Rate), KPIRate: percent(o.KPIAttainment.Rate)}

	for _, proc := range []struct {
		p      domain.Process
		title  string
		stages []string
	}{
		{domain.ProcessCampaign, "Running campaigns by stage", strs(domain.CampaignStages...)},
		{domain.ProcessHiring, "Running hiring requests by stage", strs(domain.HiringStages...)},
		{domain.ProcessRisk, "Live risks by status", strs(domain.RiskOpen, domain.RiskAcknowledged, domain.RiskMaterialized)},
	} {
		var rows []barDatum
		for _, st := range proc.stages {
			n := 0
			for _, c := range o.OpenProcesses {
				if c.Process == proc.p && c.Stage == st {
					n = c.Count
				}
			}
			rows = append(rows, barDatum{Label: label(st), Value: float64(n), Text: strconv.Itoa(n)})
		}
		p.Open = append(p.Open, newBarChart("open-"+string(proc.p), proc.title, rows))
	}
	p.Open = append(p.Open, templateCharts(o, tmpls)...)

	var rows []barDatum
	for _, t := range o.OverdueTasks {
		rows = append(rows, barDatum{Label: label(t.Team) + " team", Value: float64(t.Count), Text: plural(t.Count, "task"), Class: "bar-overdue"})
	}
	p.Overdue = newBarChart("overdue", "Overdue tasks by team, now", rows)

	rows = nil
	for _, e := range o.EscalatedTasks {
		what := label(e.Process)
		if e.Process == domain.ProcessTemplate {
			what = cmp.Or(e.TemplateName, what) // a run's record missing: "Template"
		}
		rows = append(rows, barDatum{Label: what, Value: float64(e.Count), Text: plural(e.Count, "escalation")})
	}
	p.Escalated = newBarChart("escalated", "Escalations by process", rows)

	rows = nil
	for _, sev := range []domain.Severity{domain.SeverityLow, domain.SeverityMedium, domain.SeverityHigh, domain.SeverityCritical} {
		n := 0
		for _, r := range o.RisksRaised {
			if r.Severity == sev {
				n = r.Count
			}
		}
		rows = append(rows, barDatum{Label: label(sev), Value: float64(n), Text: plural(n, "risk"), Class: "sev-" + string(sev)})
	}
	p.Risks = newBarChart("risks", "Risks raised by severity", rows)

	rows = nil
	for _, c := range o.ApprovalCycleTimes {
		step := approvalStep(c.Process, c.Key, name)
		if c.Process == domain.ProcessTemplate && c.TemplateName != "" {
			step = templateStep(c, tmpls[c.Template])
		}
		// A step decided within the second still draws (a hair of a bar): the
		// chart says "None" only when nothing was decided.
		rows = append(rows, barDatum{Label: step, Value: max(c.Median.D().Seconds(), 1), Text: took(c.Median.D())})
		p.CycleRows = append(p.CycleRows, cycleRow{Step: step, Count: c.Count, Median: took(c.Median.D()), P90: took(c.P90.D())})
	}
	p.Cycles = newBarChart("cycles", "Median time to decide, per approval step", rows)

	for _, c := range o.KPIAttainment.Campaigns {
		p.KPIRows = append(p.KPIRows, kpiRow{Name: c.Name, Link: processLink(domain.ProcessCampaign, c.ID),
			Attained: c.Attained, Total: c.Total, Rate: percent(domain.Ratio(c.Attained, c.Total))})
	}
	for _, r := range o.KPIAttainment.TemplateRuns {
		p.RunKPIRows = append(p.RunKPIRows, runKPIRow{Title: r.Title, Link: runPath(r.ID), Template: r.TemplateName,
			Met: r.Met, Missed: r.Missed, Unmeasured: r.Unmeasured, Total: r.Total})
	}
	return p
}

// templateStep names an approval step of a template by its template's name and
// the task's title in it. The run's own step, the triage of its intake, is
// keyed intake:triage, outside the template's keys.
func templateStep(c domain.CycleTime, t templates.Template) string {
	if step, ok := strings.CutPrefix(c.Key, "intake:"); ok {
		return c.TemplateName + ": " + step
	}
	for _, st := range t.Stages {
		for _, task := range st.Tasks {
			if task.Key == c.Key {
				return c.TemplateName + ": " + task.Title
			}
		}
	}
	return c.TemplateName + ": " + label(c.Key) // a task of an older version
}

// approvalStep names an approval step by its task key, in words: the keys of
// a hiring request's steps and offers, a campaign's reviews and sign-offs.
func approvalStep(p domain.Process, key string, name func(string) string) string {
	switch {
	case key == "brief_review":
		return "Campaign: brief review"
	case key == "budget_approval":
		return "Campaign: budget increase"
	case strings.HasPrefix(key, "sign_off:"):
		who := strings.TrimPrefix(key, "sign_off:")
		if domain.Team(who).Valid() {
			return "Campaign: sign-off by the " + label(who) + " team"
		}
		return "Campaign: sign-off by " + name(who)
	case strings.HasPrefix(key, "step:"):
		return "Hiring: " + label(strings.TrimPrefix(key, "step:")) + " step"
	case strings.HasPrefix(key, "offer:"):
		who, _, _ := strings.Cut(strings.TrimPrefix(key, "offer:"), ":")
		return "Hiring: offer approval by " + label(who)
	}
	return label(p) + ": " + label(key)
}

// took says how long something took, to its largest unit.
func took(d time.Duration) string { return ago(max(d, 0)) }

// percent writes a ratio as a whole percentage.
func percent(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return fmt.Sprintf("%d%%", int(math.Round(r*100)))
}
