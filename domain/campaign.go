package domain

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Channel is a marketing channel a campaign runs on.
type Channel string

// The channels of the contract.
const (
	ChannelEmail      Channel = "email"
	ChannelSocial     Channel = "social"
	ChannelPaidSearch Channel = "paid_search"
	ChannelPaidSocial Channel = "paid_social"
	ChannelWeb        Channel = "web"
	ChannelEvents     Channel = "events"
	ChannelPR         Channel = "pr"
)

// Channels lists every channel, in the contract's order.
var Channels = []Channel{ChannelEmail, ChannelSocial, ChannelPaidSearch, ChannelPaidSocial, ChannelWeb, ChannelEvents, ChannelPR}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Money is an amount in a currency (ISO 4217 code).
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// Direction says whether a KPI is better high or low.
type Direction string

// KPI directions.
const (
	Higher Direction = "higher"
	Lower  Direction = "lower"
)

// KPI is a campaign goal: a named target with a unit and a direction.
type KPI struct {
	Name      string    `json:"name"`
	Target    float64   `json:"target"`
	Unit      string    `json:"unit"`
	Direction Direction `json:"direction"`
}

// Brief is what a project manager submits to start a campaign launch.
type Brief struct {
	Name                string    `json:"name"`
	Objective           string    `json:"objective"`
	Audience            string    `json:"audience"`
	Channels            []Channel `json:"channels"`
	Budget              Money     `json:"budget"`
	LaunchAt            time.Time `json:"launch_at"`
	TrackingWindow      Duration  `json:"tracking_window"`
	KPIs                []KPI     `json:"kpis"`
	ProjectManager      string    `json:"project_manager"`
	MarketingOpsManager string    `json:"marketing_ops_manager"`
	Regulated           bool      `json:"regulated"`
}

// Stage is where a campaign is in its launch.
type Stage string

// The campaign stages, in order. An ended campaign keeps the stage it ended in;
// its status says how it ended.
const (
	StageBriefReview   Stage = "brief_review"
	StagePlanning      Stage = "planning"
	StageProduction    Stage = "production"
	StageReadiness     Stage = "readiness"
	StageScheduled     Stage = "scheduled"
	StageTracking      Stage = "tracking"
	StageRetrospective Stage = "retrospective"
)

// CampaignStages lists the working stages in order.
var CampaignStages = []Stage{StageBriefReview, StagePlanning, StageProduction, StageReadiness, StageScheduled, StageTracking, StageRetrospective}

// BeforeLaunch reports whether a campaign in stage s has not launched yet, so it
// still takes change requests.
func (s Stage) BeforeLaunch() bool {
	i := slices.Index(CampaignStages, s)
	return i >= 0 && i < slices.Index(CampaignStages, StageTracking)
}

// Status is whether a process is still running and how it ended.
type Status string

// Process statuses. Campaigns end completed, rejected or cancelled.
const (
	StatusActive    Status = "active"
	StatusCompleted Status = "completed"
	StatusRejected  Status = "rejected"
	StatusCancelled Status = "cancelled"
)

// Terminal reports whether the process has ended.
func (s Status) Terminal() bool { return s != StatusActive && s != "" }

var currencyOK = func(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Validate checks a brief as submitted at time now. It fills no defaults: call
// WithDefaults first. Knowing whether the named managers exist is the caller's job.
func (b Brief) Validate(now time.Time) error {
	var p Problems
	if RequireText(&p, "name", b.Name) {
		CheckText(&p, "name", b.Name, MaxNameChars)
	}
	RequireText(&p, "objective", b.Objective)
	RequireText(&p, "audience", b.Audience)
	checkChannels(&p, "channels", b.Channels)
	if len(b.Channels) == 0 {
		p.Add("channels", "at least one channel is required")
	}
	checkBudget(&p, b.Budget)
	if b.LaunchAt.IsZero() {
		p.Add("launch_at", "required, an RFC 3339 time")
	} else if !b.LaunchAt.After(now) {
		p.Add("launch_at", "must be in the future")
	}
	if b.TrackingWindow <= 0 {
		p.Add("tracking_window", "must be a positive duration")
	}
	if len(b.KPIs) == 0 {
		p.Add("kpis", "at least one KPI is required")
	}
	names := map[string]bool{}
	for i, k := range b.KPIs {
		f := "kpis[" + itoa(i) + "]"
		if RequireText(&p, f+".name", k.Name) && names[k.Name] {
			p.Add(f+".name", "duplicate KPI %q", k.Name)
		}
		names[k.Name] = true
		if k.Direction != Higher && k.Direction != Lower {
			p.Add(f+".direction", "must be higher or lower")
		}
		if math.IsNaN(k.Target) || math.IsInf(k.Target, 0) {
			p.Add(f+".target", "must be a number")
		}
	}
	RequireText(&p, "project_manager", b.ProjectManager)
	RequireText(&p, "marketing_ops_manager", b.MarketingOpsManager)
	return p.Err()
}

func checkChannels(p *Problems, field string, chs []Channel) {
	seen := map[Channel]bool{}
	for _, c := range chs {
		if !c.Valid() {
			p.Add(field, "unknown channel %q (one of %s)", c, joinChannels(Channels))
		} else if seen[c] {
			p.Add(field, "channel %q given twice", c)
		}
		seen[c] = true
	}
}

func checkBudget(p *Problems, m Money) {
	if m.Amount < 0 || math.IsNaN(m.Amount) || math.IsInf(m.Amount, 0) {
		p.Add("budget.amount", "must be a non-negative number")
	}
	if !currencyOK(m.Currency) {
		p.Add("budget.currency", "must be a three-letter ISO 4217 code like EUR")
	}
}

// WithDefaults fills what the brief left out from the policy.
func (b Brief) WithDefaults(pol CampaignPolicy) Brief {
	if b.TrackingWindow == 0 {
		b.TrackingWindow = pol.TrackingWindow
	}
	b.LaunchAt = b.LaunchAt.UTC()
	return b
}

// PlannedTask is one task of a campaign's work plan.
type PlannedTask struct {
	Key   string    `json:"key"`
	Title string    `json:"title"`
	Team  Team      `json:"team"`
	Role  Role      `json:"role"`
	DueAt time.Time `json:"due_at"`
	// EstimateHours is the deliverable's estimate from the policy; 0 for none.
	EstimateHours float64 `json:"estimate_hours,omitempty"`
}

// Plan derives the work plan of a brief: one task per deliverable the channels need,
// due a policy offset before launch. A due time already past is moved to now, so a
// late plan asks for the work at once rather than being born overdue.
func Plan(b Brief, pol CampaignPolicy, now time.Time) []PlannedTask {
	var out []PlannedTask
	for _, d := range pol.Deliverables {
		needed := d.WhenRegulated && b.Regulated
		for _, c := range b.Channels {
			needed = needed || slices.Contains(d.Channels, c)
		}
		if !needed {
			continue
		}
		due := b.LaunchAt.Add(-d.DueBeforeLaunch.D())
		if due.Before(now) {
			due = now
		}
		out = append(out, PlannedTask{Key: "deliverable:" + d.Key, Title: d.Title, Team: d.Team, Role: d.Role, DueAt: due, EstimateHours: d.EstimateHours})
	}
	return out
}

// Change is a change request on a campaign that has not launched yet.
type Change struct {
	LaunchAt       *time.Time `json:"launch_at,omitempty"`
	AddChannels    []Channel  `json:"add_channels,omitempty"`
	RemoveChannels []Channel  `json:"remove_channels,omitempty"`
	Budget         *Money     `json:"budget,omitempty"`
	Reason         string     `json:"reason"`
}

// Apply checks a change against brief b at time now and returns the changed brief.
func (c Change) Apply(b Brief, now time.Time) (Brief, error) {
	var p Problems
	if c.LaunchAt == nil && len(c.AddChannels) == 0 && len(c.RemoveChannels) == 0 && c.Budget == nil {
		p.Add("change", "nothing to change: give launch_at, add_channels, remove_channels or budget")
	}
	RequireText(&p, "reason", c.Reason)
	if c.LaunchAt != nil && !c.LaunchAt.After(now) {
		p.Add("launch_at", "must be in the future")
	}
	checkChannels(&p, "add_channels", c.AddChannels)
	checkChannels(&p, "remove_channels", c.RemoveChannels)
	for _, ch := range c.AddChannels {
		if slices.Contains(b.Channels, ch) {
			p.Add("add_channels", "the campaign already uses %q", ch)
		}
	}
	for _, ch := range c.RemoveChannels {
		if !slices.Contains(b.Channels, ch) {
			p.Add("remove_channels", "the campaign does not use %q", ch)
		}
	}
	if c.Budget != nil {
		checkBudget(&p, *c.Budget)
		if c.Budget.Currency != b.Budget.Currency {
			p.Add("budget.currency", "must stay %s", b.Budget.Currency)
		}
	}
	out := b
	out.Channels = slices.DeleteFunc(slices.Clone(b.Channels), func(ch Channel) bool { return slices.Contains(c.RemoveChannels, ch) })
	out.Channels = append(out.Channels, c.AddChannels...)
	if len(out.Channels) == 0 {
		p.Add("remove_channels", "a campaign needs at least one channel")
	}
	if err := p.Err(); err != nil {
		return b, err
	}
	if c.LaunchAt != nil {
		out.LaunchAt = c.LaunchAt.UTC()
	}
	if c.Budget != nil {
		out.Budget = *c.Budget
	}
	return out, nil
}

// NeedsBudgetApproval reports whether moving the budget from old to new is an
// increase above the policy threshold, which MOps must approve again.
func NeedsBudgetApproval(old, new Money, threshold float64) bool {
	return new.Amount > old.Amount*(1+threshold)
}

// KPIActual is a measured value of a KPI.
type KPIActual struct {
	Name       string    `json:"name"`
	Value      float64   `json:"value"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// KPIResult compares one KPI's target with its latest actual.
type KPIResult struct {
	KPI
	Actual   *float64 `json:"actual"`
	Attained *bool    `json:"attained"`
	// Miss is how far the actual falls short of the target, as a fraction of it (0 when on target).
	Miss    float64 `json:"miss"`
	OffMark bool    `json:"off_mark"` // off target by more than the policy threshold
}

// EvaluateKPIs compares targets with the latest actual of each KPI.
func EvaluateKPIs(kpis []KPI, actuals []KPIActual, threshold float64) []KPIResult {
	latest := map[string]float64{}
	for _, a := range actuals { // actuals arrive in recording order: the last wins
		latest[a.Name] = a.Value
	}
	out := make([]KPIResult, 0, len(kpis))
	for _, k := range kpis {
		r := KPIResult{KPI: k}
		if v, ok := latest[k.Name]; ok {
			r.Actual = &v
			attained := v >= k.Target
			if k.Direction == Lower {
				attained = v <= k.Target
			}
			r.Attained = &attained
			if !attained && k.Target != 0 {
				r.Miss = math.Abs(v-k.Target) / math.Abs(k.Target)
			} else if !attained {
				r.Miss = math.Inf(1)
			}
			r.OffMark = r.Miss > threshold
			if math.IsInf(r.Miss, 1) {
				r.Miss = 1 // a zero target missed: report it as fully missed, JSON has no infinity
			}
		}
		out = append(out, r)
	}
	return out
}

// CheckActuals validates KPI actuals against the brief's KPIs.
func CheckActuals(kpis []KPI, actuals []KPIActual) error {
	var p Problems
	if len(actuals) == 0 {
		p.Add("actuals", "at least one actual is required")
	}
	for i, a := range actuals {
		f := "actuals[" + itoa(i) + "]"
		if !slices.ContainsFunc(kpis, func(k KPI) bool { return k.Name == a.Name }) {
			p.Add(f+".name", "the campaign has no KPI %q", a.Name)
		}
		if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) {
			p.Add(f+".value", "must be a number")
		}
	}
	return p.Err()
}

// StageSpan is the time a campaign spent in one stage.
type StageSpan struct {
	Stage   Stage      `json:"stage"`
	Entered time.Time  `json:"entered"`
	Left    *time.Time `json:"left,omitempty"`
}

// Report is the retrospective report of a campaign.
type Report struct {
	KPIs         []KPIResult        `json:"kpis"`
	TimeInStage  map[Stage]Duration `json:"time_in_stage"`
	OverdueTasks int                `json:"overdue_tasks"`
	ReworkTasks  int                `json:"rework_tasks"`
	// PlannedLaunchAt is the launch time people planned: the brief's, as approved
	// and as changed by requests, not as Tandem slipped it. Reports from before it
	// was kept leave it out.
	PlannedLaunchAt *time.Time `json:"planned_launch_at,omitempty"`
	LaunchedAt      *time.Time `json:"launched_at,omitempty"`
	// LaunchSlipped says the launch went out later than planned (LaunchLate).
	LaunchSlipped bool `json:"launch_slipped"`
	// Estimates is how the campaign's estimates held: its tasks done with an
	// estimate and the hours they took. Nil when none had both.
	Estimates *EstimateStats `json:"estimates,omitempty"`
}

// LaunchTolerance is how late a launch may go out and still count as on time. The
// launch timer fires within moments of its time, and a minute covers a worker
// restarting; a launch later than that was moved or held.
const LaunchTolerance = time.Minute

// LaunchLate reports whether a campaign launched at launched went out later than
// planned: by a slip, a hold, or anything else that kept it back.
func LaunchLate(planned, launched time.Time) bool {
	return launched.Sub(planned) > LaunchTolerance
}

// TimeInStage sums the time spent per stage, to the second; an open span counts
// up to now.
func TimeInStage(spans []StageSpan, now time.Time) map[Stage]Duration {
	out := map[Stage]Duration{}
	for _, s := range spans {
		end := now
		if s.Left != nil {
			end = *s.Left
		}
		out[s.Stage] += Duration(end.Sub(s.Entered))
	}
	// Workflows call this (the retrospective): each entry is rounded in
	// place, so the order the map yields them in cannot change the result.
	//workflowcheck:ignore
	for st, d := range out {
		out[st] = Duration(d.D().Round(time.Second))
	}
	return out
}

func joinChannels(chs []Channel) string {
	s := make([]string, len(chs))
	for i, c := range chs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func itoa(i int) string { return strconv.Itoa(i) }

func sortProblems(p Problems) {
	sort.SliceStable(p, func(i, j int) bool { return p[i].Field < p[j].Field })
}
