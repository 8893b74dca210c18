package template

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// KeyRetrospective is the retrospective task of who asked for the run, when
// the template asks for one.
const KeyRetrospective = "run:retrospective"

// updates are the run's own updates, besides the kernel's (complete-task,
// reassign-task, cancel).
func (r *run) updates() []kernel.Update {
	return []kernel.Update{kernel.On(r.Core, contract.UpdateRecordKPIs, r.recordKPIs, r.validateKPIs)}
}

// kpisOf is the template's KPIs as the run's intake sets them: each one's
// target and window. The intake is checked and the template validated, so
// both always read; a run whose intake triage sent back gets them anew.
func (r *run) kpisOf() []domain.TemplateKPI {
	if len(r.t.KPIs) == 0 {
		return nil
	}
	out := make([]domain.TemplateKPI, len(r.t.KPIs))
	for i, k := range r.t.KPIs {
		target, _ := k.TargetOf(r.rec.Intake)
		from, until, _ := k.Window(r.rec.CreatedAt, r.rec.Intake)
		out[i] = domain.TemplateKPI{Key: k.Key, Name: k.Name, Unit: k.Unit, Direction: k.Direction, Target: target,
			TrackedFrom: from, TrackedUntil: until}
	}
	return out
}

// validateKPIs lets who asked for the run, marketing ops and admins record
// actuals while the run tracks its KPIs: each of a KPI of the template whose
// window has not ended, once in a recording, a finite number no larger than
// domain.MaxKPIActual either way.
func (r *run) validateKPIs(_ workflow.Context, in contract.RecordKPIsInput) error {
	if err := domain.CheckRecordTemplateKPIs(r.rec, in.Actor); err != nil {
		return err
	}
	switch {
	case r.rec.Status.Terminal():
		return domain.Conflictf("the run is %s", r.rec.Status)
	case r.rec.Stage != domain.StageTracking:
		return domain.Conflictf("KPI actuals are recorded once the run's last stage is done, while it tracks its KPIs; it is in %s", r.rec.Stage)
	}
	var p domain.Problems
	domain.CheckActualsLimits(&p, in.Actuals)
	if len(in.Actuals) == 0 {
		p.Add("actuals", "at least one actual is required")
	}
	seen := map[string]bool{}
	for i, a := range in.Actuals {
		f := fmt.Sprintf("actuals[%d]", i)
		k := r.kpi(a.Name)
		switch {
		case k == nil:
			p.Add(f+".name", "the template has no KPI %q (a KPI is named by its key)", a.Name)
		case seen[a.Name]:
			p.Add(f+".name", "%s is given twice: one actual of a KPI in a recording", a.Name)
		case k.Result != "":
			p.Add(f+".name", "the window of %s ended at %s: its result (%s) is settled", a.Name, k.TrackedUntil.Format(time.RFC3339), k.Result)
		}
		seen[a.Name] = true
		if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) || math.Abs(a.Value) > domain.MaxKPIActual {
			p.Add(f+".value", "must be a number between %g and %g", -domain.MaxKPIActual, domain.MaxKPIActual)
		}
	}
	return p.Err()
}

// recordKPIs records actuals: each replaces the KPI's earlier one (the
// latest recording is the measure), and the timeline keeps every recording.
func (r *run) recordKPIs(ctx workflow.Context, in contract.RecordKPIsInput) (contract.TemplateRunDetail, error) {
	now := workflow.Now(ctx)
	parts := make([]string, 0, len(in.Actuals))
	for _, a := range in.Actuals {
		k := r.kpi(a.Name)
		v, at := a.Value, now
		k.Actual, k.RecordedAt, k.RecordedBy = &v, &at, in.Actor.Handle
		parts = append(parts, fmt.Sprintf("%s = %g", k.Name, v))
	}
	r.Event(now, domain.EventKPIRecorded, in.Actor.Handle, "", "%s recorded KPI actuals: %s", in.Actor.Handle, strings.Join(parts, ", "))
	if err := r.save(ctx); err != nil {
		return contract.TemplateRunDetail{}, err
	}
	return r.detail(), nil
}

// kpi is the run's KPI with key, or nil.
func (r *run) kpi(key string) *domain.TemplateKPI {
	for i := range r.rec.KPIs {
		if r.rec.KPIs[i].Key == key {
			return &r.rec.KPIs[i]
		}
	}
	return nil
}

// tracking is the stage after the last one of a template with KPIs: the run
// waits until the window of each KPI has ended, settling each one's result
// as its window ends. A window that ended before the stage began settles at
// once. A template without KPIs has no such stage.
func (r *run) tracking(ctx workflow.Context) error {
	if len(r.rec.KPIs) == 0 {
		return nil
	}
	r.rec.Stage = domain.StageTracking
	last := r.rec.KPIs[0].TrackedUntil
	for _, k := range r.rec.KPIs {
		if k.TrackedUntil.After(last) {
			last = k.TrackedUntil
		}
	}
	r.Event(workflow.Now(ctx), domain.EventStage, "", "", "Stage: tracking the KPIs until %s", last.Format(time.RFC3339))
	for {
		if err := r.save(ctx); err != nil {
			return err
		}
		var next time.Time
		for _, k := range r.rec.KPIs {
			if k.Result == "" && (next.IsZero() || k.TrackedUntil.Before(next)) {
				next = k.TrackedUntil
			}
		}
		if next.IsZero() {
			return nil
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			if err := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: "KPI window ends"}).Get(ctx, nil); err != nil {
				return err
			}
		}
		r.settle(ctx)
	}
}

// settle records the result of each KPI whose window has ended, in the
// record and the timeline.
func (r *run) settle(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for i, k := range r.rec.KPIs {
		if k.Result != "" || k.TrackedUntil.After(now) {
			continue
		}
		k = k.Settle()
		r.rec.KPIs[i] = k
		switch k.Result {
		case domain.KPIMet:
			r.Event(now, domain.EventKPIOnTarget, "", "", "KPI %s met its target: %g %s against %g (%s is better)", r.Quote(k.Name), *k.Actual, k.Unit, k.Target, k.Direction)
		case domain.KPIMissed:
			r.Event(now, domain.EventKPIMissed, "", "", "KPI %s missed its target: %g %s against %g (%s is better)", r.Quote(k.Name), *k.Actual, k.Unit, k.Target, k.Direction)
		default:
			r.Event(now, domain.EventKPIMissed, "", "", "KPI %s is unmeasured: no actual was recorded before its window ended", r.Quote(k.Name))
		}
	}
}

// retrospective asks who asked for the run for its lessons learned, when the
// template says so, and waits for them; the task's description carries the
// KPIs' results.
func (r *run) retrospective(ctx workflow.Context) error {
	if !r.t.Retrospective {
		return nil
	}
	r.rec.Stage = domain.StageRetrospective
	now := workflow.Now(ctx)
	r.Event(now, domain.EventStage, "", "", "Stage: retrospective")
	desc := "Write what went well, what did not and what to change next time."
	if len(r.rec.KPIs) > 0 {
		var b strings.Builder
		b.WriteString(desc + "\n\nKPIs:")
		for _, k := range r.rec.KPIs {
			fmt.Fprintf(&b, "\n- %s: %s (target %g %s, %s is better)", k.Name, k.Result, k.Target, k.Unit, k.Direction)
		}
		desc = b.String()
	}
	t := r.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyRetrospective, Title: fmt.Sprintf("Retrospective: %s", r.Quote(r.rec.Title)),
		Description: desc, Assignee: r.in.RequestedBy, DueAt: dueIn(ctx, r.in.Policy.Campaign.RetrospectiveSLA),
		Form: &domain.Form{Name: "retrospective", Fields: []domain.FormField{
			{Name: "lessons", Type: domain.FieldLongText, Label: "Lessons learned", Required: true, MaxLength: domain.MaxDescriptionChars},
		}},
	})
	if err := r.save(ctx); err != nil {
		return err
	}
	if err := r.Tasks.Await(ctx, t.ID); err != nil {
		return err
	}
	r.Event(workflow.Now(ctx), domain.EventChanged, t.CompletedBy, t.ID, "%s wrote the retrospective", t.CompletedBy)
	return nil
}
