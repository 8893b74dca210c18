package domain

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration written as a Go duration string ("48h", "30s") in
// JSON and YAML, so policies and API bodies stay readable.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes the duration the way people write it: "48h", "1h30m", "90s",
// rather than time.Duration's "48h0m0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 48h or 30m", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a JSON string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the duration from a JSON string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string like \"48h\"")
	}
	return d.UnmarshalText([]byte(s))
}

// Policy holds every SLA, reminder point, threshold and due-date offset. A process
// captures the policy in force when it starts and keeps it for its whole life.
type Policy struct {
	Campaign CampaignPolicy `json:"campaign" yaml:"campaign"`
	Hiring   HiringPolicy   `json:"hiring" yaml:"hiring"`
	Risk     RiskPolicy     `json:"risk" yaml:"risk"`
	// Templates is the policy of the processes teams define in templates.
	Templates TemplatePolicy `json:"templates" yaml:"templates"`
	Capacity  CapacityPolicy `json:"capacity" yaml:"capacity"`
}

// CampaignPolicy is the policy of the campaign launch process.
type CampaignPolicy struct {
	// BriefReviewSLA is how long MOps has to review a brief.
	BriefReviewSLA Duration `json:"brief_review_sla" yaml:"brief_review_sla"`
	// ReviseSLA is how long the PM has to revise a brief after changes were requested.
	ReviseSLA Duration `json:"revise_sla" yaml:"revise_sla"`
	// SignOffSLA is how long each readiness sign-off may take.
	SignOffSLA Duration `json:"sign_off_sla" yaml:"sign_off_sla"`
	// RetrospectiveSLA is how long the managers have to record lessons learned.
	RetrospectiveSLA Duration `json:"retrospective_sla" yaml:"retrospective_sla"`
	// ReminderBeforeDue is when, before a task's due time, its people are reminded.
	ReminderBeforeDue Duration `json:"reminder_before_due" yaml:"reminder_before_due"`
	// ReadinessLeadTime is how long before launch readiness must be signed off.
	ReadinessLeadTime Duration `json:"readiness_lead_time" yaml:"readiness_lead_time"`
	// LaunchSlip is how far the launch moves when readiness misses its lead time.
	LaunchSlip Duration `json:"launch_slip" yaml:"launch_slip"`
	// TrackingWindow is the default time KPIs are tracked after launch.
	TrackingWindow Duration `json:"tracking_window" yaml:"tracking_window"`
	// KPIEvaluationInterval is how often KPI actuals are compared with targets.
	KPIEvaluationInterval Duration `json:"kpi_evaluation_interval" yaml:"kpi_evaluation_interval"`
	// KPIMissThreshold is how far (a fraction of the target) a KPI may be off before it counts as a miss.
	KPIMissThreshold float64 `json:"kpi_miss_threshold" yaml:"kpi_miss_threshold"`
	// BudgetReapprovalThreshold is the budget increase (a fraction) above which MOps must approve again.
	BudgetReapprovalThreshold float64 `json:"budget_reapproval_threshold" yaml:"budget_reapproval_threshold"`
	// Deliverables are the planned work per channel, each due a fixed time before launch.
	Deliverables []Deliverable `json:"deliverables" yaml:"deliverables"`
}

// Deliverable is one kind of work the plan derives from a campaign's channels.
type Deliverable struct {
	Key   string `json:"key" yaml:"key"`
	Title string `json:"title" yaml:"title"`
	Team  Team   `json:"team" yaml:"team"`
	Role  Role   `json:"role" yaml:"role"`
	// Channels: the deliverable is needed when the campaign uses any of them.
	Channels []Channel `json:"channels" yaml:"channels"`
	// WhenRegulated: the deliverable is also needed for every regulated campaign.
	WhenRegulated bool `json:"when_regulated,omitempty" yaml:"when_regulated,omitempty"`
	// DueBeforeLaunch schedules the task back from launch_at.
	DueBeforeLaunch Duration `json:"due_before_launch" yaml:"due_before_launch"`
	// EstimateHours is the work the deliverable's task is planned at when the
	// plan opens it; 0 opens it without an estimate. The campaign's managers
	// may change a task's estimate while it is open.
	EstimateHours float64 `json:"estimate_hours,omitempty" yaml:"estimate_hours,omitempty"`
}

// DefaultPolicy is the built-in policy.
func DefaultPolicy() Policy {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	return Policy{Hiring: defaultHiringPolicy(), Risk: defaultRiskPolicy(), Templates: defaultTemplatePolicy(), Capacity: CapacityPolicy{WeeklyHours: DefaultWeeklyHours}, Campaign: CampaignPolicy{
		BriefReviewSLA:            h(48),
		ReviseSLA:                 h(48),
		SignOffSLA:                h(24),
		RetrospectiveSLA:          h(120),
		ReminderBeforeDue:         h(24),
		ReadinessLeadTime:         h(48),
		LaunchSlip:                h(72),
		TrackingWindow:            h(336),
		KPIEvaluationInterval:     h(24),
		KPIMissThreshold:          0.2,
		BudgetReapprovalThreshold: 0.1,
		Deliverables: []Deliverable{
			{Key: "assets", Title: "Creative assets", Team: TeamCreative, Role: RoleCreative,
				Channels: []Channel{ChannelEmail, ChannelSocial, ChannelPaidSearch, ChannelPaidSocial, ChannelWeb, ChannelEvents}, DueBeforeLaunch: h(168), EstimateHours: 16},
			{Key: "copy", Title: "Copy", Team: TeamContent, Role: RoleContent,
				Channels: Channels, DueBeforeLaunch: h(168), EstimateHours: 8},
			{Key: "landing_page", Title: "Landing page", Team: TeamWeb, Role: RoleWeb,
				Channels: []Channel{ChannelWeb, ChannelEmail, ChannelPaidSearch, ChannelPaidSocial}, DueBeforeLaunch: h(120), EstimateHours: 24},
			{Key: "tracking", Title: "Tracking and attribution", Team: TeamAnalytics, Role: RoleAnalytics,
				Channels: Channels, DueBeforeLaunch: h(96), EstimateHours: 6},
			{Key: "legal_review", Title: "Legal review", Team: TeamLegal, Role: RoleLegal,
				Channels: []Channel{ChannelPaidSearch, ChannelPaidSocial}, WhenRegulated: true, DueBeforeLaunch: h(96), EstimateHours: 4},
		},
	}}
}

// Validate checks a policy before it is used: every duration positive, every
// deliverable on a known team and role.
func (p Policy) Validate() error {
	var probs Problems
	c := p.Campaign
	for name, d := range map[string]Duration{
		"campaign.brief_review_sla": c.BriefReviewSLA, "campaign.revise_sla": c.ReviseSLA,
		"campaign.sign_off_sla": c.SignOffSLA, "campaign.retrospective_sla": c.RetrospectiveSLA,
		"campaign.tracking_window": c.TrackingWindow, "campaign.kpi_evaluation_interval": c.KPIEvaluationInterval,
		"campaign.launch_slip": c.LaunchSlip,
	} {
		if d <= 0 {
			probs.Add(name, "must be a positive duration")
		}
	}
	for name, d := range map[string]Duration{
		"campaign.reminder_before_due": c.ReminderBeforeDue, "campaign.readiness_lead_time": c.ReadinessLeadTime,
	} {
		if d < 0 {
			probs.Add(name, "must not be negative")
		}
	}
	if c.KPIMissThreshold < 0 || c.BudgetReapprovalThreshold < 0 {
		probs.Add("campaign", "thresholds must not be negative")
	}
	seen := map[string]bool{}
	for i, d := range c.Deliverables {
		f := fmt.Sprintf("campaign.deliverables[%d]", i)
		if d.Key == "" || seen[d.Key] {
			probs.Add(f+".key", "must be set and unique")
		}
		seen[d.Key] = true
		if !d.Team.Valid() {
			probs.Add(f+".team", "unknown team %q", d.Team)
		}
		if !d.Role.Valid() {
			probs.Add(f+".role", "unknown role %q", d.Role)
		}
		if d.EstimateHours != 0 {
			CheckTaskHours(&probs, f+".estimate_hours", d.EstimateHours)
		}
		for _, ch := range d.Channels {
			if !ch.Valid() {
				probs.Add(f+".channels", "unknown channel %q", ch)
			}
		}
	}
	CheckWeeklyHours(&probs, "capacity.weekly_hours", p.Capacity.WeeklyHours)
	p.Hiring.check(&probs)
	p.Risk.check(&probs)
	p.Templates.check(&probs)
	// Sorted output keeps the message stable whatever map order the checks ran in.
	sortProblems(probs)
	return probs.Err()
}
