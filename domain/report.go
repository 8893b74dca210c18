package domain

import "time"

// MaxReportWindow bounds a report's window: a year and a day, so a leap year fits
// and no request scans the whole history.
const MaxReportWindow = 366 * 24 * time.Hour

// ReportWindow is the half-open interval [From, To) a report measures.
type ReportWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Check refuses a window that is empty, reversed or longer than MaxReportWindow.
func (w ReportWindow) Check() error {
	var p Problems
	switch {
	case !w.From.Before(w.To):
		p.Add("from", "must be before to")
	case w.To.Sub(w.From) > MaxReportWindow:
		p.Add("to", "the window may span at most 366 days")
	}
	return p.Err()
}

// Overview is the team-performance report over a window. Figures about the present
// (open processes, overdue tasks) are as of GeneratedAt; the others count what
// happened inside the window. Every list is sorted by its labels.
type Overview struct {
	Window      ReportWindow `json:"window"`
	GeneratedAt time.Time    `json:"generated_at"`
	// OpenProcesses counts the processes still running, by process and stage, and
	// the runs of each template by stage (their stages are the template's own). A
	// risk has no stage: its status (open, acknowledged, materialized) stands in
	// for one.
	OpenProcesses []StageCount `json:"open_processes"`
	// OverdueTasks counts the open tasks whose due time has passed, by team.
	OverdueTasks []TeamCount `json:"overdue_tasks"`
	// ApprovalCycleTimes describes, per approval step (of each template, for the
	// runs of templates), how long the approval tasks completed inside the window
	// took from opening to completion.
	ApprovalCycleTimes []CycleTime `json:"approval_cycle_times"`
	SLA                SLABreaches `json:"sla"`
	// EscalatedTasks counts the tasks created inside the window at an escalation
	// level above zero (each escalation opens such a task), by process, and by
	// template for the runs of templates.
	EscalatedTasks []ProcessCount `json:"escalated_tasks"`
	// RisksRaised counts the risks created inside the window, by their severity now.
	RisksRaised   []SeverityCount `json:"risks_raised"`
	KPIAttainment KPIAttainment   `json:"kpi_attainment"`
}

// StageCount is how many running processes of a kind are in one stage.
type StageCount struct {
	Process Process `json:"process"`
	TemplateOf
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

// TemplateOf names the template a figure about template runs counts: every
// template is a process of its own, so the report breaks their figures down by
// template where it breaks the others' down by process. Empty for the
// built-in processes.
type TemplateOf struct {
	// Template is the template's key; TemplateName the name of its latest
	// version, which is what the board calls it.
	Template     string `json:"template,omitempty"`
	TemplateName string `json:"template_name,omitempty"`
}

// TeamCount is a count for one team.
type TeamCount struct {
	Team  Team `json:"team"`
	Count int  `json:"count"`
}

// ProcessCount is a count for one process (one template, for template runs).
type ProcessCount struct {
	Process Process `json:"process"`
	TemplateOf
	Count int `json:"count"`
}

// SeverityCount is a count for one severity.
type SeverityCount struct {
	Severity Severity `json:"severity"`
	Count    int      `json:"count"`
}

// CycleTime is the nearest-rank median and 90th percentile of the time approval
// tasks of one step took, from created_at to completed_at, to the second.
type CycleTime struct {
	Process Process `json:"process"`
	TemplateOf
	// Key is the approval step: the task's key (in its template, for template runs).
	Key    string   `json:"key"`
	Count  int      `json:"count"`
	Median Duration `json:"median"`
	P90    Duration `json:"p90"`
}

// SLABreaches measures due dates kept. Measured are the tasks completed (status
// done) inside the window, plus the open tasks due inside the window whose due time
// has passed; Breached are those completed after their due time plus those open
// ones. Cancelled and expired tasks are not measured: an expiry is an escalation,
// counted in EscalatedTasks.
type SLABreaches struct {
	Completed     int     `json:"completed"`
	CompletedLate int     `json:"completed_late"`
	OpenOverdue   int     `json:"open_overdue"`
	Measured      int     `json:"measured"`
	Breached      int     `json:"breached"`
	Rate          float64 `json:"rate"` // Breached / Measured; 0 when nothing was measured
}

// NewSLABreaches totals the three counts.
func NewSLABreaches(completed, completedLate, openOverdue int) SLABreaches {
	s := SLABreaches{Completed: completed, CompletedLate: completedLate, OpenOverdue: openOverdue,
		Measured: completed + openOverdue, Breached: completedLate + openOverdue}
	s.Rate = Ratio(s.Breached, s.Measured)
	return s
}

// KPIAttainment is how the campaigns and the template runs completed inside the
// window did against their KPIs. A campaign's KPI counts as attained when its
// latest actual met the target in the campaign's final KPI report; a template
// run's when its result is met. A KPI without an actual (a run's unmeasured
// one) counts as not attained.
type KPIAttainment struct {
	Campaigns []CampaignKPIs `json:"campaigns"`
	// TemplateRuns are the completed runs of templates with KPIs; a run whose
	// template has none is not scored.
	TemplateRuns []TemplateRunKPIs `json:"template_runs"`
	Attained     int               `json:"attained"`
	Total        int               `json:"total"`
	Rate         float64           `json:"rate"` // Attained / Total over all of them; 0 without KPIs
}

// CampaignKPIs is one completed campaign's KPI score.
type CampaignKPIs struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Attained int    `json:"attained"`
	Total    int    `json:"total"`
}

// TemplateRunKPIs is one completed template run's KPI results: each KPI's
// window had ended, so each is met, missed or unmeasured.
type TemplateRunKPIs struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Template is the run's template's key, TemplateName the name of the
	// version it ran.
	Template     string `json:"template"`
	TemplateName string `json:"template_name"`
	Met          int    `json:"met"`
	Missed       int    `json:"missed"`
	Unmeasured   int    `json:"unmeasured"`
	Total        int    `json:"total"`
}

// NewKPIAttainment totals the campaigns' and the template runs' scores: a
// run's met KPIs are attained, its missed and unmeasured ones not.
func NewKPIAttainment(cs []CampaignKPIs, runs []TemplateRunKPIs) KPIAttainment {
	a := KPIAttainment{Campaigns: cs, TemplateRuns: runs}
	if a.Campaigns == nil {
		a.Campaigns = []CampaignKPIs{}
	}
	if a.TemplateRuns == nil {
		a.TemplateRuns = []TemplateRunKPIs{}
	}
	for _, c := range cs {
		a.Attained += c.Attained
		a.Total += c.Total
	}
	for _, r := range runs {
		a.Attained += r.Met
		a.Total += r.Total
	}
	a.Rate = Ratio(a.Attained, a.Total)
	return a
}

// Ratio is part / whole, or 0 when whole is 0: a report never answers NaN, which
// JSON cannot carry.
func Ratio(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// The workload report's due-soon horizon: DefaultDueSoon when the request names
// none, at most MaxDueSoon.
const (
	DefaultDueSoon = 48 * time.Hour
	MaxDueSoon     = 30 * 24 * time.Hour
)

// CheckDueSoon refuses a due-soon horizon that is not positive or longer than MaxDueSoon.
func CheckDueSoon(d time.Duration) error {
	var p Problems
	switch {
	case d <= 0:
		p.Add("due_soon_within", "must be positive")
	case d > MaxDueSoon:
		p.Add("due_soon_within", "may be at most 720h (30 days)")
	}
	return p.Err()
}

// Workload is who holds the open work, as of AsOf: the open tasks of every process,
// per person and per team, so whoever assigns work sees who is overloaded and who
// is free. A task is overdue when its due time is before AsOf, and due soon when it
// is due in [AsOf, AsOf+DueSoonWithin); the two never overlap.
type Workload struct {
	AsOf          time.Time `json:"as_of"`
	DueSoonWithin Duration  `json:"due_soon_within"`
	// Totals counts every open task once.
	Totals WorkloadTotals `json:"totals"`
	// People has a row for every person in the directory, those with no open task
	// too, plus one for any assignee missing from the directory, so every assigned
	// open task is on exactly one row. Most overdue first, then most open, then by
	// handle.
	People []PersonLoad `json:"people"`
	// PeopleTotal is how many rows People has in the whole report, of the
	// team asked for when the request named one: the API answers a window of
	// them (?offset=, ?limit=), as a page of 2,000 people is too long to read.
	PeopleTotal int `json:"people_total"`
	// Teams has a row for every team that has members or open tasks. A task counts
	// for the team it belongs to (its candidate group), whoever it is assigned to; a
	// task without a team (a retrospective, assigned to a person) counts in Totals
	// and on its assignee's row only. Most overdue first, then most open, then by team.
	Teams []TeamLoad `json:"teams"`
}

// WorkloadTotals counts all open tasks.
type WorkloadTotals struct {
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	DueSoon int `json:"due_soon"`
	// Unassigned are the open tasks no one holds yet: anyone eligible in the team
	// may take them.
	Unassigned int `json:"unassigned"`
}

// PersonLoad is the open work assigned to one person. An assignee missing from the
// directory has no name or team.
type PersonLoad struct {
	Handle string `json:"handle"`
	Name   string `json:"name,omitempty"`
	Team   Team   `json:"team,omitempty"`
	// OutOfOffice is set when the person's out-of-office window covers AsOf: free or
	// not, they cannot take work now.
	OutOfOffice bool `json:"out_of_office"`
	Open        int  `json:"open"`
	Overdue     int  `json:"overdue"`
	DueSoon     int  `json:"due_soon"`
}

// TeamLoad is the open work of one team.
type TeamLoad struct {
	Team Team `json:"team"`
	// Members counts the people of the directory in the team.
	Members    int `json:"members"`
	Open       int `json:"open"`
	Overdue    int `json:"overdue"`
	DueSoon    int `json:"due_soon"`
	Unassigned int `json:"unassigned"`
}
