package template

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Task keys of a template run besides the template's own, which are
// identifiers (templates' keys have no colon, so these never collide).
const (
	// KeyTriage is the triage queue's decision on a new intake.
	KeyTriage = "intake:triage"
	// KeyReviseIntake is the requester's revision of an intake triage sent back.
	KeyReviseIntake = "intake:revise"
)

// ErrTypeBadTemplate is the type of the error a run fails with when the
// template its input carries cannot be read or is not valid: the API checks
// both before it starts one, so only a client talking to Temporal directly
// meets it.
const ErrTypeBadTemplate = "bad_template"

// run is the state of one template run.
type run struct {
	*kernel.Core
	in  contract.TemplateRunInput
	t   templates.Template
	pol domain.TemplatePolicy
	rec domain.TemplateRun
	// answers are the answers of the tasks done in the latest pass of their
	// stage, by task key, which conditions read; a task skipped has none.
	answers map[string]templates.Answer
}

// Workflow runs a process template: triage, then the template's stages. It is
// registered as contract.TemplateRunType.
func Workflow(ctx workflow.Context, in contract.TemplateRunInput) (contract.TemplateRunResult, error) {
	r, err := start(ctx, in)
	if err != nil {
		return contract.TemplateRunResult{}, err
	}
	if err := r.RunToEnd(ctx, r.run); err != nil {
		return contract.TemplateRunResult{}, err
	}
	return contract.TemplateRunResult{Status: r.rec.Status}, nil
}

func start(ctx workflow.Context, in contract.TemplateRunInput) (*run, error) {
	// Decoding and validating the template is pure (no clock, no I/O), so it
	// may come before kernel.New.
	t, err := templates.Decode(in.Template)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("the run's template is refused: "+domain.Message(err), ErrTypeBadTemplate, err)
	}
	now := workflow.Now(ctx)
	r := &run{in: in, t: t, pol: in.Policy.Templates, answers: map[string]templates.Answer{}}
	r.rec = domain.TemplateRun{
		ID: in.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		TemplateKey: t.Key, TemplateVersion: t.Version, TemplateName: t.Name, Title: t.Title(in.Intake),
		Status: domain.StatusActive, Stage: domain.StageTriage, Intake: in.Intake, RequestedBy: in.RequestedBy,
		CreatedAt: now, UpdatedAt: now,
	}
	r.rec.KPIs = r.kpisOf()
	core, err := kernel.New(ctx, r, kernel.Config{
		Process: domain.ProcessTemplate, ID: in.ID, Noun: "run of " + t.Name,
		ReminderBefore: r.pol.ReminderBeforeDue.D(), OnOverdue: r.taskOverdue, Authorize: r.authorize,
	})
	if err != nil {
		return nil, err
	}
	r.Core = core
	if err := r.Register(ctx, r.updates()...); err != nil {
		return nil, err
	}
	r.Event(now, domain.EventStarted, in.RequestedBy, "", "%s started %s (version %d): %s",
		in.RequestedBy, r.Quote(t.Name), t.Version, r.Quote(r.rec.Title))
	return r, nil
}

// run walks triage, then the stages, then tracks the KPIs and asks for the
// retrospective when the template has them. It returns nil when the run ended by
// itself, a cancelled error when it was cancelled.
func (r *run) run(ctx workflow.Context) error {
	accepted, err := r.triage(ctx)
	if err != nil || !accepted {
		return err
	}
	r.rec.Round = 1
	for i := 0; i < len(r.t.Stages); {
		next, err := r.stage(ctx, i)
		if err != nil || next < 0 {
			return err
		}
		i = next
	}
	if err := r.tracking(ctx); err != nil {
		return err
	}
	if err := r.retrospective(ctx); err != nil {
		return err
	}
	r.finish(ctx, domain.StatusCompleted, "", "")
	return nil
}

// Managers are who asked for the run: they may reassign its tasks and hear
// of overdue work.
func (r *run) Managers() []string { return r.rec.Managers() }

// Snapshot puts the run's record into a batch being written.
func (r *run) Snapshot(b *domain.Batch) { b.TemplateRun = r.snapshot() }

// Detail is the live detail of the run.
func (r *run) Detail() any { return r.detail() }

func (r *run) snapshot() *domain.TemplateRun {
	rec := r.rec
	return &rec // the intake is replaced whole when revised, never changed in place
}

func (r *run) detail() contract.TemplateRunDetail {
	a := r.Tasks.Answer()
	return contract.TemplateRunDetail{TemplateRun: *r.snapshot(), Tasks: a.Tasks, WaitingOn: domain.WaitingOnOf(a.All), TasksOmitted: a.Omitted}
}

// save is the kernel's Save, with the record stamped as updated now.
func (r *run) save(ctx workflow.Context) error {
	r.rec.UpdatedAt = workflow.Now(ctx)
	return r.Save(ctx)
}

// finish ends the run with status: open tasks cancelled, the end recorded
// and told.
func (r *run) finish(ctx workflow.Context, status domain.Status, by, reason string) {
	r.rec.Status, r.rec.Reason, r.rec.UpdatedAt = status, reason, workflow.Now(ctx)
	r.Finish(ctx, kernel.Ending{Status: string(status), By: by, Reason: reason, Event: domain.EventEnded,
		Subject: r.Quote(r.rec.Title), Tell: r.Managers()})
}

// MayCancel lets who asked for the run, marketing ops and admins cancel it
// while it runs.
func (r *run) MayCancel(a domain.Actor) error {
	if err := domain.CheckCancelTemplateRun(r.rec, a); err != nil {
		return err
	}
	if r.rec.Status.Terminal() {
		return domain.Conflictf("the run is %s", r.rec.Status)
	}
	return nil
}

// NoteCancel keeps a cancellation's reason on the record.
func (r *run) NoteCancel(reason string) { r.rec.Reason = reason }

// Cancelled ends the run as cancelled.
func (r *run) Cancelled(ctx workflow.Context, by, reason string) {
	r.finish(ctx, domain.StatusCancelled, by, reason)
}

// dueIn is now plus d, for the tasks whose time the policy gives.
func dueIn(ctx workflow.Context, d domain.Duration) time.Time { return workflow.Now(ctx).Add(d.D()) }
