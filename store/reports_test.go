package store

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The report window of the tests: ten days from t0, looked at on day eight.
var (
	reportWindow = domain.ReportWindow{From: at(0), To: at(10 * 24 * time.Hour)}
	reportNow    = at(8 * 24 * time.Hour)
)

// reportSeed is what the report test writes, kept so the test can count by hand.
type reportSeed struct {
	campaigns []domain.Campaign
	hiring    []domain.HiringRequest
	risks     []domain.Risk
	tasks     []domain.Task
	templates []domain.StoredTemplate
	runs      []domain.TemplateRun
}

// seedReport makes a varied population from a fixed seed, plus the edge cases the
// definitions turn on: times exactly on the window's bounds, a task done exactly at
// its due time, an open task due exactly now, and a step whose percentiles are
// known by heart.
func seedReport() reportSeed {
	rng := rand.New(rand.NewPCG(6, 6))
	pick := func(n int) int { return rng.IntN(n) }
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+pick(hi-lo)) * time.Minute }
	var s reportSeed

	// Two templates, the webinar renamed in its second version: the report
	// names a template by its latest version, whichever version its runs run.
	s.templates = []domain.StoredTemplate{storedTemplate("webinar", 1, "Webinar"), storedTemplate("webinar", 2, "Webinars"),
		storedTemplate("trade_show", 1, "Trade show")}
	run := func(id, key string, version int, status domain.Status, stage domain.Stage, updated time.Time, results ...domain.KPIResultKind) {
		r := testTemplateRun(id, key, "pat", status, at(-20*24*time.Hour))
		r.TemplateVersion, r.Stage, r.UpdatedAt = version, stage, updated
		// The name of the version it runs.
		r.TemplateName = s.templates[slices.IndexFunc(s.templates, func(tpl domain.StoredTemplate) bool {
			return tpl.Key == key && tpl.Version == version
		})].Name
		for i, res := range results {
			r.KPIs = append(r.KPIs, domain.TemplateKPI{Key: fmt.Sprintf("kpi%d", i), Name: fmt.Sprintf("KPI %d", i), Target: 10,
				Direction: domain.Higher, Result: res})
		}
		s.runs = append(s.runs, r)
	}
	run("tpr_active000001", "webinar", 2, domain.StatusActive, domain.StageTriage, at(0))
	run("tpr_active000002", "webinar", 2, domain.StatusActive, "promote", at(0))
	run("tpr_active000003", "webinar", 1, domain.StatusActive, "promote", at(0))
	run("tpr_active000004", "trade_show", 1, domain.StatusActive, "plan", at(0))
	run("tpr_active000005", "webinar", 2, domain.StatusActive, domain.StageTracking, at(0), "", "")
	run("tpr_ended0000000", "webinar", 2, domain.StatusCompleted, domain.StageRetrospective, at(2*24*time.Hour), domain.KPIMet, domain.KPIMissed, domain.KPIUnmeasured)
	run("tpr_ended0000001", "trade_show", 1, domain.StatusCompleted, domain.StageTracking, reportWindow.From, domain.KPIMet, domain.KPIMet)
	run("tpr_ended0000002", "webinar", 1, domain.StatusCompleted, "follow_up", at(3*24*time.Hour))                         // no KPIs: not scored
	run("tpr_ended0000003", "webinar", 2, domain.StatusCompleted, domain.StageTracking, reportWindow.To, domain.KPIMet)    // outside
	run("tpr_ended0000004", "webinar", 2, domain.StatusCancelled, domain.StageTracking, at(4*24*time.Hour), domain.KPIMet) // not completed

	processes := []domain.Process{domain.ProcessCampaign, domain.ProcessHiring, domain.ProcessRisk, domain.ProcessTemplate}
	teams := []domain.Team{domain.TeamCreative, domain.TeamFinance, domain.TeamLegal, domain.TeamMarketingOps}
	statuses := []domain.TaskStatus{domain.TaskOpen, domain.TaskDone, domain.TaskDone, domain.TaskCancelled, domain.TaskExpired}
	keys := []string{"brief_review", "finance", "mops"}
	for i := range 150 {
		task := newTask(fmt.Sprintf("tsk_%012d", i), at(minutes(-3*24*60, 12*24*60)+time.Duration(pick(60))*time.Second))
		task.Process, task.Team, task.Status = processes[pick(4)], teams[pick(4)], statuses[pick(5)]
		task.Key = keys[pick(3)]
		if task.Process == domain.ProcessTemplate {
			r := s.runs[pick(len(s.runs))]
			task.ProcessID, task.WorkflowID = r.ID, r.WorkflowID
		}
		if pick(2) == 0 {
			task.Kind = domain.KindApproval
		}
		task.DueAt = task.CreatedAt.Add(minutes(60, 72*60))
		task.EscalationLevel = max(0, pick(5)-2)
		if task.Status == domain.TaskDone {
			task.CompletedAt = ptr(task.CreatedAt.Add(minutes(10, 100*60) + time.Duration(pick(60))*time.Second))
		}
		s.tasks = append(s.tasks, task)
	}
	edge := func(id string, kind domain.TaskKind, status domain.TaskStatus, created, due time.Time, completed *time.Time) {
		task := newTask(id, created)
		task.Kind, task.Status, task.DueAt, task.CompletedAt, task.Team = kind, status, due, completed, domain.TeamWeb
		s.tasks = append(s.tasks, task)
	}
	edge("tsk_edgefrom0001", domain.KindWork, domain.TaskDone, at(-time.Hour), at(-time.Minute), ptr(reportWindow.From))
	edge("tsk_edgeto000001", domain.KindWork, domain.TaskDone, at(9*24*time.Hour), at(9*24*time.Hour), ptr(reportWindow.To))
	edge("tsk_edgedue00001", domain.KindWork, domain.TaskDone, at(time.Hour), at(2*time.Hour), ptr(at(2*time.Hour)))
	edge("tsk_edgenow00001", domain.KindWork, domain.TaskOpen, at(7*24*time.Hour), reportNow, nil)
	edge("tsk_edgeafter001", domain.KindWork, domain.TaskOpen, at(7*24*time.Hour), reportNow.Add(time.Minute), nil)
	// Ten approvals of one step taking 1h … 10h: median 5h, p90 9h.
	for h := 1; h <= 10; h++ {
		task := newTask(fmt.Sprintf("tsk_known%07d", h), at(time.Duration(h)*time.Hour))
		task.Process, task.Kind, task.Key, task.Status = domain.ProcessHiring, domain.KindApproval, "director", domain.TaskDone
		task.CompletedAt = ptr(task.CreatedAt.Add(time.Duration(h) * time.Hour))
		s.tasks = append(s.tasks, task)
	}

	attained := func(vals ...bool) []domain.KPIResult {
		out := make([]domain.KPIResult, len(vals))
		for i, v := range vals {
			out[i] = domain.KPIResult{KPI: domain.KPI{Name: fmt.Sprintf("kpi%d", i), Target: 1, Direction: domain.Higher}, Attained: ptr(v)}
		}
		return out
	}
	stages := []domain.Stage{domain.StageBriefReview, domain.StageProduction, domain.StageProduction, domain.StageTracking}
	for i, st := range stages {
		c := newCampaign(fmt.Sprintf("cmp_active%06d", i), "pat", "maya", domain.StatusActive, at(0))
		c.Stage = st
		s.campaigns = append(s.campaigns, c)
	}
	for i, c := range []struct {
		status  domain.Status
		updated time.Time
		kpis    []domain.KPIResult
	}{
		{domain.StatusCompleted, at(24 * time.Hour), attained(true, false, true)},
		{domain.StatusCompleted, reportWindow.From, attained(true)},
		{domain.StatusCompleted, at(5 * 24 * time.Hour), append(attained(false), domain.KPIResult{KPI: domain.KPI{Name: "no actual"}})},
		{domain.StatusCompleted, at(6 * 24 * time.Hour), nil},
		{domain.StatusCompleted, reportWindow.To, attained(true, true)}, // outside: the window is half-open
		{domain.StatusCompleted, at(-time.Hour), attained(true)},
		{domain.StatusCancelled, at(2 * 24 * time.Hour), attained(false)},
	} {
		cm := newCampaign(fmt.Sprintf("cmp_ended%07d", i), "pat", "maya", c.status, at(-20*24*time.Hour))
		cm.Stage, cm.UpdatedAt, cm.KPIs = domain.StageRetrospective, c.updated, c.kpis
		s.campaigns = append(s.campaigns, cm)
	}

	for i, st := range []domain.Status{domain.StatusActive, domain.StatusActive, domain.StatusFilled, domain.StatusActive} {
		h := testHiring(fmt.Sprintf("hir_%012d", i), domain.TeamFinance, "pat", st, at(0))
		if i == 1 {
			h.Stage = domain.StageOffer
		}
		s.hiring = append(s.hiring, h)
	}

	riskStatuses := []domain.RiskStatus{domain.RiskOpen, domain.RiskAcknowledged, domain.RiskMaterialized, domain.RiskResolved, domain.RiskClosed}
	for i := range 25 {
		r := testRisk(fmt.Sprintf("rsk_%012d", i), at(minutes(-5*24*60, 15*24*60)), domain.Severities[pick(4)], "pat", "")
		r.Status = riskStatuses[pick(5)]
		s.risks = append(s.risks, r)
	}
	s.risks = append(s.risks,
		testRisk("rsk_edgefrom0001", reportWindow.From, domain.SeverityLow, "pat", ""),
		testRisk("rsk_edgeto000001", reportWindow.To, domain.SeverityLow, "pat", ""))
	return s
}

func (s reportSeed) apply(t *testing.T, st *Store) {
	t.Helper()
	mustApply(t, st, domain.Batch{Tasks: s.tasks})
	for _, c := range s.campaigns {
		mustApply(t, st, domain.Batch{Campaign: &c})
	}
	for _, h := range s.hiring {
		mustApply(t, st, domain.Batch{Hiring: &h})
	}
	for _, r := range s.risks {
		mustApply(t, st, domain.Batch{Risk: &r})
	}
	for _, tpl := range s.templates {
		mustCreateTemplate(t, st, tpl)
	}
	for _, r := range s.runs {
		mustApply(t, st, domain.Batch{TemplateRun: &r})
	}
}

// templateOf names the template of a template task or run by its key, with the
// name of the template's latest version; the built-in processes have none.
func (s reportSeed) templateOf(p domain.Process, processID string) domain.TemplateOf {
	if p != domain.ProcessTemplate {
		return domain.TemplateOf{}
	}
	var key string
	for _, r := range s.runs {
		if r.ID == processID {
			key = r.TemplateKey
		}
	}
	latest := domain.StoredTemplate{}
	for _, tpl := range s.templates {
		if tpl.Key == key && tpl.Version > latest.Version {
			latest = tpl
		}
	}
	return domain.TemplateOf{Template: key, TemplateName: latest.Name}
}

func inWindow(t time.Time, w domain.ReportWindow) bool { return !t.Before(w.From) && t.Before(w.To) }

// expect counts the report by hand from the seeded records: loops and a sort, no SQL.
func (s reportSeed) expect(w domain.ReportWindow, now time.Time) domain.Overview {
	o := domain.Overview{Window: w, GeneratedAt: now}

	open := map[domain.StageCount]int{}
	for _, c := range s.campaigns {
		if c.Status == domain.StatusActive {
			open[domain.StageCount{Process: domain.ProcessCampaign, Stage: string(c.Stage)}]++
		}
	}
	for _, h := range s.hiring {
		if h.Status == domain.StatusActive {
			open[domain.StageCount{Process: domain.ProcessHiring, Stage: string(h.Stage)}]++
		}
	}
	for _, r := range s.risks {
		if !r.Status.Terminal() {
			open[domain.StageCount{Process: domain.ProcessRisk, Stage: string(r.Status)}]++
		}
	}
	for _, r := range s.runs {
		if r.Status == domain.StatusActive {
			open[domain.StageCount{Process: domain.ProcessTemplate, TemplateOf: s.templateOf(domain.ProcessTemplate, r.ID), Stage: string(r.Stage)}]++
		}
	}
	for k, n := range open {
		k.Count = n
		o.OpenProcesses = append(o.OpenProcesses, k)
	}
	slices.SortFunc(o.OpenProcesses, func(a, b domain.StageCount) int {
		return cmp.Or(cmp.Compare(a.Process, b.Process), cmp.Compare(a.Template, b.Template), cmp.Compare(a.Stage, b.Stage))
	})

	type step struct {
		process domain.Process
		domain.TemplateOf
		key string
	}
	overdue := map[domain.Team]int{}
	cycles := map[step][]time.Duration{}
	escalated := map[domain.ProcessCount]int{}
	var completed, late, openLate int
	for _, t := range s.tasks {
		if t.Status == domain.TaskOpen && t.DueAt.Before(now) {
			overdue[t.Team]++
			if inWindow(t.DueAt, w) {
				openLate++
			}
		}
		if t.Status == domain.TaskDone && inWindow(*t.CompletedAt, w) {
			completed++
			if t.CompletedAt.After(t.DueAt) {
				late++
			}
			if t.Kind == domain.KindApproval {
				k := step{t.Process, s.templateOf(t.Process, t.ProcessID), t.Key}
				cycles[k] = append(cycles[k], t.CompletedAt.Sub(t.CreatedAt).Round(time.Second))
			}
		}
		if t.EscalationLevel > 0 && inWindow(t.CreatedAt, w) {
			escalated[domain.ProcessCount{Process: t.Process, TemplateOf: s.templateOf(t.Process, t.ProcessID)}]++
		}
	}
	for team, n := range overdue {
		o.OverdueTasks = append(o.OverdueTasks, domain.TeamCount{Team: team, Count: n})
	}
	slices.SortFunc(o.OverdueTasks, func(a, b domain.TeamCount) int { return cmp.Compare(a.Team, b.Team) })
	nearestRank := func(sorted []time.Duration, p float64) domain.Duration {
		return domain.Duration(sorted[int(math.Ceil(float64(len(sorted))*p))-1])
	}
	for k, ds := range cycles {
		slices.Sort(ds)
		o.ApprovalCycleTimes = append(o.ApprovalCycleTimes, domain.CycleTime{
			Process: k.process, TemplateOf: k.TemplateOf, Key: k.key, Count: len(ds), Median: nearestRank(ds, 0.5), P90: nearestRank(ds, 0.9),
		})
	}
	slices.SortFunc(o.ApprovalCycleTimes, func(a, b domain.CycleTime) int {
		return cmp.Or(cmp.Compare(a.Process, b.Process), cmp.Compare(a.Template, b.Template), cmp.Compare(a.Key, b.Key))
	})
	o.SLA = domain.SLABreaches{Completed: completed, CompletedLate: late, OpenOverdue: openLate,
		Measured: completed + openLate, Breached: late + openLate}
	if o.SLA.Measured > 0 {
		o.SLA.Rate = float64(o.SLA.Breached) / float64(o.SLA.Measured)
	}
	for p, n := range escalated {
		p.Count = n
		o.EscalatedTasks = append(o.EscalatedTasks, p)
	}
	slices.SortFunc(o.EscalatedTasks, func(a, b domain.ProcessCount) int {
		return cmp.Or(cmp.Compare(a.Process, b.Process), cmp.Compare(a.Template, b.Template))
	})

	for _, sev := range domain.Severities {
		n := 0
		for _, r := range s.risks {
			if r.Severity == sev && inWindow(r.CreatedAt, w) {
				n++
			}
		}
		if n > 0 {
			o.RisksRaised = append(o.RisksRaised, domain.SeverityCount{Severity: sev, Count: n})
		}
	}

	o.KPIAttainment.Campaigns = []domain.CampaignKPIs{}
	for _, c := range s.campaigns {
		if c.Status != domain.StatusCompleted || !inWindow(c.UpdatedAt, w) {
			continue
		}
		ck := domain.CampaignKPIs{ID: c.ID, Name: c.Brief.Name, Total: len(c.KPIs)}
		for _, k := range c.KPIs {
			if k.Attained != nil && *k.Attained {
				ck.Attained++
			}
		}
		o.KPIAttainment.Campaigns = append(o.KPIAttainment.Campaigns, ck)
		o.KPIAttainment.Attained += ck.Attained
		o.KPIAttainment.Total += ck.Total
	}
	slices.SortFunc(o.KPIAttainment.Campaigns, func(a, b domain.CampaignKPIs) int { return cmp.Compare(a.ID, b.ID) })
	o.KPIAttainment.TemplateRuns = []domain.TemplateRunKPIs{}
	for _, r := range s.runs {
		if r.Status != domain.StatusCompleted || !inWindow(r.UpdatedAt, w) || len(r.KPIs) == 0 {
			continue
		}
		rk := domain.TemplateRunKPIs{ID: r.ID, Title: r.Title, Template: r.TemplateKey, TemplateName: r.TemplateName, Total: len(r.KPIs)}
		for _, k := range r.KPIs {
			switch k.Result {
			case domain.KPIMet:
				rk.Met++
			case domain.KPIMissed:
				rk.Missed++
			case domain.KPIUnmeasured:
				rk.Unmeasured++
			}
		}
		o.KPIAttainment.TemplateRuns = append(o.KPIAttainment.TemplateRuns, rk)
		o.KPIAttainment.Attained += rk.Met
		o.KPIAttainment.Total += rk.Total
	}
	slices.SortFunc(o.KPIAttainment.TemplateRuns, func(a, b domain.TemplateRunKPIs) int { return cmp.Compare(a.ID, b.ID) })
	o.KPIAttainment.Rate = float64(o.KPIAttainment.Attained) / float64(o.KPIAttainment.Total)
	return o
}

func TestOverviewMatchesIndependentCounts(t *testing.T) {
	seed := seedReport()
	want := seed.expect(reportWindow, reportNow)
	// The seed must exercise every figure, or a match would prove little.
	templateCycles := 0
	for _, c := range want.ApprovalCycleTimes {
		if c.Process == domain.ProcessTemplate {
			templateCycles++
		}
	}
	if len(want.OpenProcesses) < 5 || len(want.OverdueTasks) < 3 || len(want.ApprovalCycleTimes) < 4 || templateCycles < 4 ||
		want.SLA.CompletedLate == 0 || want.SLA.OpenOverdue == 0 || len(want.EscalatedTasks) != 5 ||
		len(want.RisksRaised) != 4 || len(want.KPIAttainment.Campaigns) != 4 || len(want.KPIAttainment.TemplateRuns) != 2 {
		t.Fatalf("the seed is too thin: %+v", want)
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		empty, err := st.Overview(t.Context(), reportWindow, reportNow)
		if err != nil {
			t.Fatal(err)
		}
		// An empty database answers empty lists, never null, and zero rates.
		if empty.OpenProcesses == nil || empty.OverdueTasks == nil || empty.ApprovalCycleTimes == nil ||
			empty.EscalatedTasks == nil || empty.RisksRaised == nil || empty.KPIAttainment.Campaigns == nil || empty.KPIAttainment.TemplateRuns == nil ||
			empty.SLA != (domain.SLABreaches{}) || empty.KPIAttainment.Rate != 0 {
			t.Errorf("empty overview = %+v", empty)
		}

		seed.apply(t, st)
		// Asked in another zone, the report is the same: times are compared in UTC.
		cet := time.FixedZone("CET", 3600)
		got, err := st.Overview(t.Context(), domain.ReportWindow{From: reportWindow.From.In(cet), To: reportWindow.To.In(cet)}, reportNow.In(cet))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("overview differs from the independent count\n got %+v\nwant %+v", got, want)
		}

		// The figures the definitions fix by hand, whatever the random part holds.
		director := slices.IndexFunc(got.ApprovalCycleTimes, func(c domain.CycleTime) bool { return c.Key == "director" })
		if director < 0 || got.ApprovalCycleTimes[director] != (domain.CycleTime{Process: domain.ProcessHiring, Key: "director",
			Count: 10, Median: domain.Duration(5 * time.Hour), P90: domain.Duration(9 * time.Hour)}) {
			t.Errorf("director cycle times = %+v, want 10, median 5h, p90 9h", got.ApprovalCycleTimes)
		}
		wantKPIs := []domain.CampaignKPIs{
			{ID: "cmp_ended0000000", Name: "Spring launch cmp_ended0000000", Attained: 2, Total: 3},
			{ID: "cmp_ended0000001", Name: "Spring launch cmp_ended0000001", Attained: 1, Total: 1},
			{ID: "cmp_ended0000002", Name: "Spring launch cmp_ended0000002", Attained: 0, Total: 2},
			{ID: "cmp_ended0000003", Name: "Spring launch cmp_ended0000003", Attained: 0, Total: 0},
		}
		wantRuns := []domain.TemplateRunKPIs{
			{ID: "tpr_ended0000000", Title: "Spring webinar tpr_ended0000000", Template: "webinar", TemplateName: "Webinars", Met: 1, Missed: 1, Unmeasured: 1, Total: 3},
			{ID: "tpr_ended0000001", Title: "Spring webinar tpr_ended0000001", Template: "trade_show", TemplateName: "Trade show", Met: 2, Total: 2},
		}
		// Campaigns 3 of 6, runs 3 of 5.
		if !reflect.DeepEqual(got.KPIAttainment.Campaigns, wantKPIs) || !reflect.DeepEqual(got.KPIAttainment.TemplateRuns, wantRuns) ||
			got.KPIAttainment.Attained != 6 || got.KPIAttainment.Total != 11 {
			t.Errorf("KPI attainment = %+v, want %+v and %+v at 6/11", got.KPIAttainment, wantKPIs, wantRuns)
		}
		running := map[string]int{}
		for _, c := range got.OpenProcesses {
			running[string(c.Process)+"/"+c.Template+"/"+c.TemplateName+"/"+c.Stage] = c.Count
		}
		// Both versions' webinars under the latest name.
		if running["campaign///production"] != 2 || running["campaign///brief_review"] != 1 ||
			running["hiring///approval"] != 2 || running["hiring///offer"] != 1 ||
			running["template/webinar/Webinars/promote"] != 2 || running["template/webinar/Webinars/triage"] != 1 ||
			running["template/webinar/Webinars/tracking"] != 1 || running["template/trade_show/Trade show/plan"] != 1 {
			t.Errorf("open processes = %v", running)
		}

		// A window that saw nothing: the present-tense figures remain, the others are empty.
		past := domain.ReportWindow{From: at(-400 * 24 * time.Hour), To: at(-300 * 24 * time.Hour)}
		old, err := st.Overview(t.Context(), past, reportNow)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(old.OverdueTasks, want.OverdueTasks) || len(old.ApprovalCycleTimes) != 0 ||
			old.SLA != (domain.SLABreaches{}) || len(old.RisksRaised) != 0 || len(old.KPIAttainment.Campaigns) != 0 ||
			len(old.KPIAttainment.TemplateRuns) != 0 || !reflect.DeepEqual(old.OpenProcesses, want.OpenProcesses) {
			t.Errorf("past window = %+v", old)
		}
	})
}

// workloadSeed is what the workload test writes, kept so the test can count by hand.
type workloadSeed struct {
	people []domain.Person
	tasks  []domain.Task
}

// workloadSoon is the due-soon horizon the workload test asks for.
const workloadSoon = 48 * time.Hour

// seedWorkload makes a directory and a varied population of tasks around reportNow
// from a fixed seed, plus the edge cases the definitions turn on: a task due exactly
// now (due soon, not overdue), one due exactly at the horizon (neither), one a
// microsecond overdue; an assignee missing from the directory; tasks without a
// team; a team with tasks but no members and one with members but no tasks; people
// with no task at all; out-of-office windows that start or end exactly now.
func seedWorkload() workloadSeed {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func(n int) int { return rng.IntN(n) }
	var s workloadSeed

	ooo := func(p domain.Person, from, to time.Time) domain.Person {
		p.OutOfOffice = &domain.OutOfOffice{From: from, To: to, Delegate: "pat"}
		return p
	}
	s.people = []domain.Person{
		person("pat", domain.TeamPMO, domain.RoleProjectManager),
		person("sam", domain.TeamPMO, domain.RoleProjectManager),
		person("maya", domain.TeamMarketingOps, domain.RoleMarketingOpsManager),
		ooo(person("cleo", domain.TeamCreative, domain.RoleCreative), reportNow.Add(-24*time.Hour), reportNow.Add(24*time.Hour)),
		ooo(person("cara", domain.TeamCreative, domain.RoleCreative), reportNow, reportNow.Add(time.Hour)),                // starts now: away
		ooo(person("wes", domain.TeamWeb, domain.RoleWeb), reportNow.Add(-time.Hour), reportNow),                          // ended now: back
		ooo(person("finn", domain.TeamFinance, domain.RoleFinance), reportNow.Add(time.Hour), reportNow.Add(2*time.Hour)), // not yet
		// Nothing is ever assigned to them: on the board as free, and zero.
		person("ana", domain.TeamAnalytics, domain.RoleAnalytics),
		person("hana", domain.TeamHR, domain.RoleHR),
	}

	assignees := []string{"pat", "sam", "maya", "cleo", "cara", "wes", "finn", "", "", "", "ghost"}
	// Legal has tasks but no members; "" is a task without a team.
	teams := []domain.Team{domain.TeamPMO, domain.TeamMarketingOps, domain.TeamCreative, domain.TeamWeb, domain.TeamFinance, domain.TeamLegal, ""}
	statuses := []domain.TaskStatus{domain.TaskOpen, domain.TaskOpen, domain.TaskOpen, domain.TaskDone, domain.TaskCancelled, domain.TaskExpired}
	// Every process's tasks count, the runs of templates' too: the workload is of
	// the tasks table, whatever process a task belongs to.
	processes := []domain.Process{domain.ProcessCampaign, domain.ProcessHiring, domain.ProcessRisk, domain.ProcessTemplate}
	for i := range 200 {
		task := newTask(fmt.Sprintf("tsk_wl%010d", i), reportNow.Add(-10*24*time.Hour))
		task.Process, task.Status = processes[pick(len(processes))], statuses[pick(len(statuses))]
		if task.Process == domain.ProcessTemplate {
			task.ProcessID, task.WorkflowID = "tpr_000000000001", "template/tpr_000000000001"
		}
		task.Assignee, task.Team = assignees[pick(len(assignees))], teams[pick(len(teams))]
		// Due from four days ago to four days ahead, to the second.
		task.DueAt = reportNow.Add(time.Duration(pick(8*24*3600)-4*24*3600) * time.Second)
		if task.Status == domain.TaskDone {
			task.CompletedAt = ptr(reportNow.Add(-time.Hour))
		}
		s.tasks = append(s.tasks, task)
	}
	edge := func(id, assignee string, team domain.Team, due time.Time) {
		task := newTask(id, reportNow.Add(-24*time.Hour))
		task.Assignee, task.Team, task.DueAt = assignee, team, due
		s.tasks = append(s.tasks, task)
	}
	edge("tsk_wledgenow001", "sam", domain.TeamPMO, reportNow)
	edge("tsk_wledgesoon01", "sam", domain.TeamPMO, reportNow.Add(workloadSoon))
	edge("tsk_wledgelate01", "", domain.TeamPMO, reportNow.Add(-time.Microsecond))
	return s
}

func (s workloadSeed) apply(t *testing.T, st *Store) {
	t.Helper()
	mustUpsert(t, st, s.people...)
	mustApply(t, st, domain.Batch{Tasks: s.tasks})
}

// expect counts the workload by hand from the seeded records: loops and a sort, no SQL.
func (s workloadSeed) expect(now time.Time, soon time.Duration) domain.Workload {
	w := domain.Workload{AsOf: now, DueSoonWithin: domain.Duration(soon), People: []domain.PersonLoad{}, Teams: []domain.TeamLoad{}}
	people := map[string]*domain.PersonLoad{}
	teams := map[domain.Team]*domain.TeamLoad{}
	team := func(tm domain.Team) *domain.TeamLoad {
		if teams[tm] == nil {
			teams[tm] = &domain.TeamLoad{Team: tm}
		}
		return teams[tm]
	}
	for _, p := range s.people {
		people[p.Handle] = &domain.PersonLoad{Handle: p.Handle, Name: p.Name, Team: p.Team, OutOfOffice: p.OutOfOffice.Covers(now)}
		team(p.Team).Members++
	}
	for _, t := range s.tasks {
		if t.Status != domain.TaskOpen {
			continue
		}
		overdue, dueSoon := t.DueAt.Before(now), !t.DueAt.Before(now) && t.DueAt.Before(now.Add(soon))
		add := func(open, late, soon *int) {
			*open++
			if overdue {
				*late++
			}
			if dueSoon {
				*soon++
			}
		}
		add(&w.Totals.Open, &w.Totals.Overdue, &w.Totals.DueSoon)
		tl := team(t.Team)
		add(&tl.Open, &tl.Overdue, &tl.DueSoon)
		if t.Assignee == "" {
			w.Totals.Unassigned++
			tl.Unassigned++
			continue
		}
		if people[t.Assignee] == nil {
			people[t.Assignee] = &domain.PersonLoad{Handle: t.Assignee}
		}
		pl := people[t.Assignee]
		add(&pl.Open, &pl.Overdue, &pl.DueSoon)
	}
	for _, p := range people {
		w.People = append(w.People, *p)
	}
	slices.SortFunc(w.People, func(a, b domain.PersonLoad) int {
		return cmp.Or(-cmp.Compare(a.Overdue, b.Overdue), -cmp.Compare(a.Open, b.Open), cmp.Compare(a.Handle, b.Handle))
	})
	for tm, l := range teams {
		if tm != "" {
			w.Teams = append(w.Teams, *l)
		}
	}
	slices.SortFunc(w.Teams, func(a, b domain.TeamLoad) int {
		return cmp.Or(-cmp.Compare(a.Overdue, b.Overdue), -cmp.Compare(a.Open, b.Open), cmp.Compare(a.Team, b.Team))
	})
	return w
}

func TestWorkloadMatchesIndependentCounts(t *testing.T) {
	seed := seedWorkload()
	want := seed.expect(reportNow, workloadSoon)
	// The seed must exercise every rule, or a match would prove little.
	byHandle := map[string]domain.PersonLoad{}
	for _, p := range want.People {
		byHandle[p.Handle] = p
	}
	byTeam := map[domain.Team]domain.TeamLoad{}
	for _, tl := range want.Teams {
		byTeam[tl.Team] = tl
	}
	teamless := want.Totals.Open
	for _, tl := range want.Teams {
		teamless -= tl.Open
	}
	if len(want.People) != len(seed.people)+1 || byHandle["ghost"].Open == 0 || byHandle["ana"] != (domain.PersonLoad{Handle: "ana", Name: "Ana", Team: domain.TeamAnalytics}) ||
		!byHandle["cleo"].OutOfOffice || !byHandle["cara"].OutOfOffice || byHandle["wes"].OutOfOffice || byHandle["finn"].OutOfOffice ||
		byTeam[domain.TeamLegal].Members != 0 || byTeam[domain.TeamLegal].Open == 0 || byTeam[domain.TeamHR] != (domain.TeamLoad{Team: domain.TeamHR, Members: 1}) ||
		teamless == 0 || want.Totals.Overdue == 0 || want.Totals.DueSoon == 0 || want.Totals.Unassigned == 0 ||
		want.People[0].Overdue == want.People[len(want.People)-1].Overdue {
		t.Fatalf("the seed is too thin: %+v", want)
	}
	templateOpen := 0
	for _, task := range seed.tasks {
		if task.Process == domain.ProcessTemplate && task.Status == domain.TaskOpen {
			templateOpen++
		}
	}
	if templateOpen == 0 {
		t.Fatal("the seed has no open task of a template run")
	}
	withoutEdges := workloadSeed{people: seed.people, tasks: seed.tasks[:len(seed.tasks)-3]}.expect(reportNow, workloadSoon)
	eachBackend(t, func(t *testing.T, st *Store) {
		empty, err := st.Workload(t.Context(), reportNow, workloadSoon)
		if err != nil {
			t.Fatal(err)
		}
		// An empty database answers empty lists, never null, and zero totals.
		if empty.People == nil || empty.Teams == nil || len(empty.People)+len(empty.Teams) != 0 || empty.Totals != (domain.WorkloadTotals{}) {
			t.Errorf("empty workload = %+v", empty)
		}

		seed.apply(t, st)
		// Asked in another zone, the report is the same: times are compared in UTC.
		got, err := st.Workload(t.Context(), reportNow.In(time.FixedZone("CET", 3600)), workloadSoon)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("workload differs from the independent count\n got %+v\nwant %+v", got, want)
		}

		// The edge tasks, whatever the random part holds: due now is due soon, due
		// at the horizon is neither, a microsecond late is overdue.
		personOf := func(w domain.Workload, h string) domain.PersonLoad {
			return w.People[slices.IndexFunc(w.People, func(p domain.PersonLoad) bool { return p.Handle == h })]
		}
		teamOf := func(w domain.Workload, tm domain.Team) domain.TeamLoad {
			return w.Teams[slices.IndexFunc(w.Teams, func(tl domain.TeamLoad) bool { return tl.Team == tm })]
		}
		gs, ws := personOf(got, "sam"), personOf(withoutEdges, "sam")
		if d := [3]int{gs.Open - ws.Open, gs.Overdue - ws.Overdue, gs.DueSoon - ws.DueSoon}; d != [3]int{2, 0, 1} {
			t.Errorf("the edge tasks add %v (open, overdue, due soon) to sam, want [2 0 1]", d)
		}
		gp, wp := teamOf(got, domain.TeamPMO), teamOf(withoutEdges, domain.TeamPMO)
		if d := [4]int{gp.Open - wp.Open, gp.Overdue - wp.Overdue, gp.DueSoon - wp.DueSoon, gp.Unassigned - wp.Unassigned}; d != [4]int{3, 1, 1, 1} {
			t.Errorf("the edge tasks add %v (open, overdue, due soon, unassigned) to pmo, want [3 1 1 1]", d)
		}

		// A longer horizon moves tasks into due soon and changes nothing else.
		week, err := st.Workload(t.Context(), reportNow, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if wantWeek := seed.expect(reportNow, 7*24*time.Hour); !reflect.DeepEqual(week, wantWeek) {
			t.Errorf("a week's horizon\n got %+v\nwant %+v", week, wantWeek)
		}
		if week.Totals.DueSoon <= got.Totals.DueSoon || week.Totals.Open != got.Totals.Open || week.Totals.Overdue != got.Totals.Overdue {
			t.Errorf("a week's horizon: totals %+v, two days' %+v", week.Totals, got.Totals)
		}
	})
}
