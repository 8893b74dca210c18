package domain

import (
	"fmt"
	"time"
)

// TemplateRun is the record of a run of a process template: the projection of
// the generic workflow that runs it. The template itself (templates.Template)
// is not domain's (it needs YAML and expr); the record names it by key and
// version, which the run keeps from its start to its end.
type TemplateRun struct {
	ID              string `json:"id"`
	WorkflowID      string `json:"workflow_id"`
	TemplateKey     string `json:"template_key"`
	TemplateVersion int    `json:"template_version"`
	TemplateName    string `json:"template_name"`
	// Title names the run: the intake's field the template's board.title names.
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Stage is the key of the template's stage the run is in (the last one it
	// was in, once it has ended); "triage" while its intake waits in the
	// triage queue.
	Stage Stage `json:"stage"`
	// Round counts the passes through the stages: a rejection or a request for
	// changes that sends the run back to a stage starts the next round.
	Round int `json:"round"`
	// Intake is the values the run started from, as the intake form checked
	// them (the data of a form: form.go), revised when triage asked for changes.
	Intake map[string]any `json:"intake"`
	// KPIs are the template's KPIs with their targets and windows as this
	// run's intake sets them, the latest actual recorded, and each one's
	// result once its window has ended. None when the template has none.
	KPIs        []TemplateKPI `json:"kpis,omitempty"`
	RequestedBy string        `json:"requested_by"`
	Reason      string        `json:"reason,omitempty"` // why it ended, when it was rejected or cancelled
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// TemplateKPI is a KPI of a template run.
type TemplateKPI struct {
	// Key is the KPI's key in the template, which actuals name it by.
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	Unit      string    `json:"unit,omitempty"`
	Direction Direction `json:"direction"`
	Target    float64   `json:"target"`
	// TrackedFrom and TrackedUntil are the KPI's window: actuals are recorded
	// while it is open, and its result is settled when it ends.
	TrackedFrom  time.Time `json:"tracked_from"`
	TrackedUntil time.Time `json:"tracked_until"`
	// Actual is the latest value recorded (a later recording replaces an
	// earlier one), with when and by whom; nil until one is.
	Actual     *float64   `json:"actual,omitempty"`
	RecordedAt *time.Time `json:"recorded_at,omitempty"`
	RecordedBy string     `json:"recorded_by,omitempty"`
	// Result is set when the window ends: met or missed against the target,
	// or unmeasured when no actual was recorded in it.
	Result KPIResultKind `json:"result,omitempty"`
}

// KPIResultKind is how a template run's KPI ended.
type KPIResultKind string

// The results of a template run's KPI.
const (
	KPIMet        KPIResultKind = "met"
	KPIMissed     KPIResultKind = "missed"
	KPIUnmeasured KPIResultKind = "unmeasured"
)

// Settle is the KPI with its result: met when its actual reaches the target
// in its direction (at least the target when higher is better, at most when
// lower is), missed when it does not, unmeasured without an actual.
func (k TemplateKPI) Settle() TemplateKPI {
	switch {
	case k.Actual == nil:
		k.Result = KPIUnmeasured
	case k.Direction == Lower && *k.Actual <= k.Target, k.Direction != Lower && *k.Actual >= k.Target:
		k.Result = KPIMet
	default:
		k.Result = KPIMissed
	}
	return k
}

// CheckRecordTemplateKPIs says whether a may record KPI actuals of the
// template run r: who asked for it, marketing ops and admins, as for
// cancelling it.
func CheckRecordTemplateKPIs(r TemplateRun, a Actor) error {
	if (a.Handle != "" && a.Handle == r.RequestedBy) || a.HasRole(RoleMarketingOpsManager) || a.HasRole(RoleAdmin) {
		return nil
	}
	return Forbiddenf("only who asked for it or marketing ops may record the KPIs of a run of a template")
}

// StageTriage is a template run's stage while its intake waits in the triage
// queue, before the template's first stage.
const StageTriage Stage = "triage"

// TemplateRunStatuses lists the statuses of a template run: it runs, then is
// completed, rejected (an approval rejected it, or triage declined it) or
// cancelled.
var TemplateRunStatuses = []Status{StatusActive, StatusCompleted, StatusRejected, StatusCancelled}

// Managers are the people who run a template run: who asked for it. They may
// reassign its tasks and hear of overdue work.
func (r TemplateRun) Managers() []string { return []string{r.RequestedBy} }

// CheckCancelTemplateRun says whether a may cancel the template run r: who
// asked for it, marketing ops and admins.
func CheckCancelTemplateRun(r TemplateRun, a Actor) error {
	if (a.Handle != "" && a.Handle == r.RequestedBy) || a.HasRole(RoleMarketingOpsManager) || a.HasRole(RoleAdmin) {
		return nil
	}
	return Forbiddenf("only who asked for it or marketing ops may cancel a run of a template")
}

// TemplateRunFilter selects template runs. Empty fields do not filter; Name
// keeps the runs whose title holds it.
type TemplateRunFilter struct {
	Status      Status
	TemplateKey string
	RequestedBy string
	Name        string
	ListOptions
}

// EndTemplateRun ends template run r, whose run ended as e, as cancelled: open
// tasks cancelled, who asked for it told. A run that has already ended gives
// an empty batch.
func (e EndedRun) EndTemplateRun(r TemplateRun, open []Task) Batch {
	if r.Status.Terminal() {
		return Batch{}
	}
	at := e.endedAt(r.UpdatedAt)
	r.Status, r.Reason, r.UpdatedAt = StatusCancelled, e.Reason(), at
	b := e.ending(at, "run of "+r.TemplateName, string(r.Status), fmt.Sprintf("%q", r.Title), open, r.RequestedBy)
	b.TemplateRun = &r
	return b
}

// TemplatePolicy is the policy of the processes teams define in templates.
// A template says when each task is due; the policy says what happens around
// that, as it does for the built-in processes.
type TemplatePolicy struct {
	// ReminderBeforeDue is when, before a task's due time, its people are reminded.
	ReminderBeforeDue Duration `json:"reminder_before_due" yaml:"reminder_before_due"`
	// TriageSLA is how long the triage queue has to accept a new intake, and
	// RevisionSLA how long its requester has to revise one sent back.
	TriageSLA   Duration `json:"triage_sla" yaml:"triage_sla"`
	RevisionSLA Duration `json:"revision_sla" yaml:"revision_sla"`
	// EscalatedSLA is how long an approval escalated at its due time has
	// before it escalates again.
	EscalatedSLA Duration `json:"escalated_sla" yaml:"escalated_sla"`
	// Escalation says where an approval goes at its due time when its
	// approver has no manager (or nobody was assigned): the next role up.
	Escalation []EscalationRung `json:"escalation" yaml:"escalation"`
}

// Up returns the rung that escalates role r, if the policy has one.
func (t TemplatePolicy) Up(r Role) (EscalationRung, bool) {
	for _, rung := range t.Escalation {
		if rung.From == r {
			return rung, true
		}
	}
	return EscalationRung{}, false
}

func defaultTemplatePolicy() TemplatePolicy {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	return TemplatePolicy{
		ReminderBeforeDue: h(24),
		TriageSLA:         h(48),
		RevisionSLA:       h(72),
		EscalatedSLA:      h(48),
		Escalation: []EscalationRung{
			{From: RoleProjectManager, To: RoleMarketingOpsManager, Team: TeamMarketingOps},
			{From: RoleMarketingOpsManager, To: RoleDirector, Team: TeamLeadership},
			{From: RoleFinance, To: RoleDirector, Team: TeamLeadership},
			{From: RoleLegal, To: RoleDirector, Team: TeamLeadership},
			{From: RoleContent, To: RoleMarketingOpsManager, Team: TeamMarketingOps},
			{From: RoleCreative, To: RoleMarketingOpsManager, Team: TeamMarketingOps},
			{From: RoleWeb, To: RoleMarketingOpsManager, Team: TeamMarketingOps},
			{From: RoleAnalytics, To: RoleMarketingOpsManager, Team: TeamMarketingOps},
			{From: RoleHR, To: RoleDirector, Team: TeamLeadership},
		},
	}
}

// check adds the policy's problems to p.
func (t TemplatePolicy) check(p *Problems) {
	for _, d := range []struct {
		name string
		d    Duration
	}{{"templates.triage_sla", t.TriageSLA}, {"templates.revision_sla", t.RevisionSLA}, {"templates.escalated_sla", t.EscalatedSLA}} {
		if d.d <= 0 {
			p.Add(d.name, "must be a positive duration")
		}
	}
	if t.ReminderBeforeDue < 0 {
		p.Add("templates.reminder_before_due", "must not be negative")
	}
	from := map[Role]bool{}
	for i, r := range t.Escalation {
		f := fmt.Sprintf("templates.escalation[%d]", i)
		if !r.From.Valid() || !r.To.Valid() || r.From == r.To {
			p.Add(f, "from and to must be two known roles")
		}
		if !r.Team.Valid() {
			p.Add(f+".team", "unknown team %q", r.Team)
		}
		if from[r.From] {
			p.Add(f+".from", "%s escalates once: it has a rung already", r.From)
		}
		from[r.From] = true
	}
}
