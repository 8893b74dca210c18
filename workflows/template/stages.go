package template

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// maxEscalations bounds how many times one decision escalates, whatever the
// policy's ladder says (a ladder may go round).
const maxEscalations = 5

// triage puts the intake in the triage queue (the template's triage team or
// role), as a request queue does: approved, the first stage starts; rejected,
// the run ends; changes requested, the requester revises the intake and it is
// triaged again. It reports whether the run goes on.
func (r *run) triage(ctx workflow.Context) (bool, error) {
	r.rec.Stage = domain.StageTriage
	for {
		r.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindApproval, Key: KeyTriage, Title: fmt.Sprintf("Triage the %s request %s", r.t.Name, r.Quote(r.rec.Title)),
			Description: fmt.Sprintf("%s asked for a run of %s (version %d). Approve to start its first stage, request changes to send it back to %s, or reject to decline it (a comment is required for both).",
				r.in.RequestedBy, r.t.Name, r.t.Version, r.in.RequestedBy),
			Team: r.t.Triage.Team, Role: r.t.Triage.Role, RequestedBy: r.in.RequestedBy, DueAt: dueIn(ctx, r.pol.TriageSLA),
		})
		if err := r.save(ctx); err != nil {
			return false, err
		}
		if err := workflow.Await(ctx, func() bool { return r.Tasks.Decided(KeyTriage) }); err != nil {
			return false, err
		}
		d := r.Tasks.Latest(KeyTriage)
		switch d.Outcome {
		case domain.OutcomeApproved:
			r.Event(workflow.Now(ctx), domain.EventChanged, d.CompletedBy, d.ID, "%s accepted the request", d.CompletedBy)
			return true, nil
		case domain.OutcomeRejected:
			r.finish(ctx, domain.StatusRejected, d.CompletedBy, d.Comment)
			return false, nil
		}
		if err := r.revise(ctx, d); err != nil {
			return false, err
		}
	}
}

// revise asks the requester to revise the intake triage sent back: the form
// is the intake's, starting from the values as they are.
func (r *run) revise(ctx workflow.Context, asked *domain.Task) error {
	form := r.t.IntakeForm()
	form.Name = "intake_revision"
	t := r.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyReviseIntake, Title: fmt.Sprintf("Revise the %s request %s", r.t.Name, r.Quote(r.rec.Title)),
		Description: fmt.Sprintf("%s requested changes: %s\nChange what was asked; the request then goes back to triage.", asked.CompletedBy, r.Said(asked.Comment)),
		Assignee:    r.in.RequestedBy, DueAt: dueIn(ctx, r.pol.RevisionSLA), Form: &form,
		Fill: func(f *domain.Form) { f.SetDefaults(r.rec.Intake) },
	})
	if err := r.save(ctx); err != nil {
		return err
	}
	if err := r.Tasks.Await(ctx, t.ID); err != nil {
		return err
	}
	r.rec.Intake = r.t.ReviseIntake(r.rec.Intake, t.Data)
	r.rec.Title = r.t.Title(r.rec.Intake)
	r.rec.KPIs = r.kpisOf() // targets and windows the intake set
	r.Event(workflow.Now(ctx), domain.EventChanged, t.CompletedBy, t.ID, "%s revised the request; it goes back to triage", t.CompletedBy)
	return nil
}

// The states of a task of the stage being run.
const (
	taskOpen    = "open"
	taskDone    = "done"
	taskSkipped = "skipped"
)

// stage runs stage i of the template and returns the index of the stage to
// run next (len(stages) when the run is through), or -1 when the run ended.
func (r *run) stage(ctx workflow.Context, i int) (int, error) {
	s := r.t.Stages[i]
	now := workflow.Now(ctx)
	r.rec.Stage = domain.Stage(s.Key)
	for _, t := range s.Tasks {
		delete(r.answers, t.Key) // this pass answers them anew
	}
	// The round is news only once a stage runs again: "Stage: Plan (round 1)"
	// read as if something had already gone round.
	if r.rec.Round > 1 {
		r.Event(now, domain.EventStage, "", "", "Stage: %s (round %d)", s.Name, r.rec.Round)
	} else {
		r.Event(now, domain.EventStage, "", "", "Stage: %s", s.Name)
	}
	if s.When != "" && !r.holds(ctx, "stage "+s.Key, s.When) {
		r.Event(now, domain.EventChanged, "", "", "Stage %s skipped: its condition is false", s.Name)
		return i + 1, r.save(ctx)
	}
	state := map[string]string{}
	for {
		r.openReady(ctx, s, now, state)
		if err := r.save(ctx); err != nil {
			return 0, err
		}
		if !slices.ContainsFunc(s.Tasks, func(t templates.Task) bool { return state[t.Key] == taskOpen }) {
			return i + 1, nil // every task done or skipped
		}
		var key string
		err := workflow.Await(ctx, func() bool {
			for _, t := range s.Tasks {
				if state[t.Key] == taskOpen && r.Tasks.Decided(t.Key) {
					key = t.Key
					return true
				}
			}
			return false
		})
		if err != nil {
			return 0, err
		}
		d := r.Tasks.Latest(key)
		state[key] = taskDone
		r.answers[key] = templates.Answer{Outcome: d.Outcome, Data: d.Data}
		if d.Kind == domain.KindApproval && (d.Outcome == domain.OutcomeRejected || d.Outcome == domain.OutcomeChangesRequested) {
			return r.route(ctx, i, taskNamed(s, key), d), nil
		}
	}
}

// openReady opens the tasks of stage s whose dependencies are all done or
// skipped, and skips those whose condition is false, until nothing more can
// start: a skipped task counts as done for those that depend on it.
func (r *run) openReady(ctx workflow.Context, s templates.Stage, stageStart time.Time, state map[string]string) {
	for changed := true; changed; {
		changed = false
		for _, t := range s.Tasks {
			if state[t.Key] != "" || slices.ContainsFunc(t.DependsOn, func(dep string) bool { return state[dep] != taskDone && state[dep] != taskSkipped }) {
				continue
			}
			changed = true
			if t.When != "" && !r.holds(ctx, "task "+t.Key, t.When) {
				state[t.Key] = taskSkipped
				r.Event(workflow.Now(ctx), domain.EventChanged, "", "", "Task %s skipped: its condition is false", r.Quote(t.Title))
				continue
			}
			r.open(ctx, t, stageStart)
			state[t.Key] = taskOpen
		}
	}
}

// holds evaluates a condition. One that fails on the run's values (an index
// past the end of a list, say) counts as true, and the timeline says so: a
// failing condition never silently skips work.
func (r *run) holds(ctx workflow.Context, what, when string) bool {
	ok, err := r.t.Eval(when, r.rec.Intake, r.answers)
	if err != nil {
		r.Event(workflow.Now(ctx), domain.EventChanged, "", "", "The condition of %s failed (%s): it runs, as a failing condition never skips work", what, err)
		return true
	}
	return ok
}

// open opens template task t of a stage that started at stageStart.
func (r *run) open(ctx workflow.Context, t templates.Task, stageStart time.Time) {
	due, err := t.Due.At(r.rec.CreatedAt, stageStart, r.rec.Intake)
	if err != nil { // a validated template and a checked intake always give the date
		due = dueIn(ctx, r.pol.TriageSLA)
		r.Event(workflow.Now(ctx), domain.EventChanged, "", "", "Task %s: %s; it is due in %s instead", r.Quote(t.Title), err, r.pol.TriageSLA)
	}
	spec := kernel.TaskSpec{
		Kind: t.Kind, Key: t.Key, Title: fmt.Sprintf("%s: %s", t.Title, r.Quote(r.rec.Title)), Description: t.Description,
		Team: t.Assignee.Team, Role: t.Assignee.Role, DueAt: due,
	}
	if t.Assignee.Person != "" {
		spec.Assignee, _ = r.rec.Intake[t.Assignee.Person].(string) // a required person field of a checked intake
	} else if t.Kind == domain.KindApproval {
		// Separation of duties: who asked for the run may not approve its work
		// as a member of a queue. An approval the template gives to a person of
		// the intake is that person's by design (the requester's own review).
		spec.RequestedBy = r.in.RequestedBy
	}
	if len(t.Form) > 0 {
		spec.Form = &domain.Form{Name: t.Key, Fields: t.Form}
	}
	r.Tasks.Open(ctx, spec)
}

func taskNamed(s templates.Stage, key string) templates.Task {
	i := slices.IndexFunc(s.Tasks, func(t templates.Task) bool { return t.Key == key })
	return s.Tasks[i]
}

// route follows an approval of stage i that rejected or asked for changes:
// the run ends, or goes back to a stage (this one or an earlier one), the
// stage's other open tasks cancelled. It returns the next stage, or -1.
func (r *run) route(ctx workflow.Context, i int, t templates.Task, d *domain.Task) int {
	to, what := t.OnReject, "rejected"
	if d.Outcome == domain.OutcomeChangesRequested {
		to, what = t.OnChangesRequested, "requested changes to"
		if to == "" {
			to = r.t.Stages[i].Key
		}
	}
	if to == "" || to == templates.RouteEnd {
		r.finish(ctx, domain.StatusRejected, d.CompletedBy, d.Comment)
		return -1
	}
	s := r.t.Stages[i]
	r.Tasks.CancelOpen(ctx, fmt.Sprintf("%s %s %s", d.CompletedBy, what, r.Quote(t.Title)), func(o domain.Task) bool {
		return slices.ContainsFunc(s.Tasks, func(st templates.Task) bool { return st.Key == o.Key })
	})
	back := slices.IndexFunc(r.t.Stages, func(st templates.Stage) bool { return st.Key == to })
	r.rec.Round++
	r.Event(workflow.Now(ctx), domain.EventChanged, d.CompletedBy, d.ID, "%s %s %s: back to stage %s", d.CompletedBy, what, r.Quote(t.Title), r.t.Stages[back].Name)
	return back
}

// taskOverdue escalates an approval at its due time: to the approver's
// manager, or the next role up the policy's ladder (templates.escalation).
// Other tasks only get the kernel's notices.
func (r *run) taskOverdue(ctx workflow.Context, t domain.Task) {
	if t.Kind != domain.KindApproval || r.rec.Status.Terminal() || t.EscalationLevel >= maxEscalations {
		_ = r.ShowProgress(ctx)
		return
	}
	to, ok, err := r.nextUp(ctx, t)
	if err != nil || !ok || !r.Tasks.Get(t.ID).IsOpen() {
		_ = r.ShowProgress(ctx)
		return
	}
	to.DueAt = dueIn(ctx, r.pol.EscalatedSLA)
	to.Why = fmt.Sprintf("not decided by its due time, %s", t.DueAt.Format(time.RFC3339))
	r.Tasks.Escalate(ctx, t.ID, to)
	_ = r.save(ctx)
}

// nextUp is where an overdue approval goes: the assignee's manager when there
// is one (and it is not who asked for the run), otherwise the holders of the
// next role up.
func (r *run) nextUp(ctx workflow.Context, t domain.Task) (kernel.Escalation, bool, error) {
	if t.Assignee != "" {
		ref, ok, err := kernel.LookupPerson(ctx, t.Assignee)
		if err != nil {
			return kernel.Escalation{}, false, err
		}
		if ok && ref.Manager != "" && ref.Manager != r.in.RequestedBy {
			mgr, ok, err := kernel.LookupPerson(ctx, ref.Manager)
			if err != nil {
				return kernel.Escalation{}, false, err
			}
			if ok {
				to := kernel.Escalation{Assignee: mgr.Handle, Team: mgr.Team}
				if len(mgr.Roles) > 0 {
					to.Role = mgr.Roles[0]
				}
				return to, true, nil
			}
		}
	}
	rung, ok := r.pol.Up(t.Role)
	if !ok {
		return kernel.Escalation{}, false, nil
	}
	return kernel.Escalation{Team: rung.Team, Role: rung.To}, true, nil
}
