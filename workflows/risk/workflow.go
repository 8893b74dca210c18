package risk

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Task keys of the risk process.
const (
	KeyAcknowledge = "acknowledge"
	KeyReview      = "review"
	KeyCloseIssue  = "close_issue"
)

// risk is the state of one risk run.
type risk struct {
	*kernel.Core
	in      contract.RiskInput
	pol     domain.RiskPolicy
	rec     domain.Risk
	handled map[string]bool // done tasks whose consequences were applied
	// steps counts what this run did; past the policy's bound it continues as new.
	steps     int
	runs      int
	climbing  bool // an escalation is between its lookups and its new task
	root      workflow.Context
	signalled domain.LinkedRisk
	clears    []contract.CauseCleared // news that the cause cleared, not answered yet
}

// Workflow runs process 3, the risk escalation: a risk from raised to
// resolved, accepted or closed, continuing as new past the policy's bound. It
// is registered as contract.RiskType.
func Workflow(ctx workflow.Context, in contract.RiskInput) (contract.RiskResult, error) {
	r, err := start(ctx, in)
	if err != nil {
		return contract.RiskResult{}, err
	}
	for {
		if err := workflow.Await(ctx, func() bool {
			return r.rec.Status.Terminal() || r.nextDone() != nil || len(r.clears) > 0 || r.mayContinue(ctx)
		}); err != nil {
			return contract.RiskResult{}, err
		}
		switch t := r.nextDone(); {
		case r.rec.Status.Terminal():
			if err := r.AwaitHandlers(ctx, r.isClimbing); err != nil {
				return contract.RiskResult{}, err
			}
			if err := r.Drain(ctx); err != nil {
				return contract.RiskResult{}, err
			}
			return contract.RiskResult{Status: r.rec.Status}, nil
		case t != nil:
			if err := r.handle(ctx, t); err != nil {
				return contract.RiskResult{}, err
			}
		case len(r.clears) > 0:
			c := r.clears[0]
			r.clears = r.clears[1:]
			if err := r.causeCleared(ctx, c); err != nil {
				return contract.RiskResult{}, err
			}
		default:
			// Updates finish before the state is handed on, so none is lost.
			if err := r.AwaitHandlers(ctx, r.isClimbing); err != nil {
				return contract.RiskResult{}, err
			}
			if r.nextDone() != nil || r.rec.Status.Terminal() || len(r.clears) > 0 {
				continue // an update or news landed meanwhile: apply it first
			}
			return contract.RiskResult{}, r.continueAsNew(ctx)
		}
	}
}

func start(ctx workflow.Context, in contract.RiskInput) (*risk, error) {
	r := &risk{in: in, pol: in.Policy.Risk, handled: map[string]bool{}, root: ctx}
	core, err := kernel.New(ctx, r, kernel.Config{
		Process: domain.ProcessRisk, ID: in.ID, Noun: "risk",
		OnOverdue: r.overdue, Authorize: r.checkAcceptAuthority,
	})
	if err != nil {
		return nil, err
	}
	r.Core = core
	if err := r.register(ctx); err != nil {
		return nil, err
	}
	if in.Carry != nil {
		r.restore(in.Carry)
		return r, nil
	}
	now := workflow.Now(ctx)
	rs := in.Raise
	score := domain.Score(rs.Probability, rs.Impact)
	r.rec = domain.Risk{
		ID: in.ID, WorkflowID: r.WorkflowID(), Title: rs.Title, Description: rs.Description, Category: rs.Category,
		Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: domain.SeverityOf(score),
		Owner: rs.Owner, RaisedBy: in.RaisedBy, Related: rs.Related, Cause: rs.Cause, Status: domain.RiskOpen,
		Assessments: []domain.Assessment{{Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: domain.SeverityOf(score), By: in.RaisedBy, At: now}},
		Escalations: []domain.RiskEscalation{}, CreatedAt: now, UpdatedAt: now,
	}
	r.Event(now, domain.EventRiskRaised, in.RaisedBy, "", "%s raised the %s risk %s (score %d), owned by %s", in.RaisedBy, r.rec.Severity, r.Quote(rs.Title), score, rs.Owner)
	r.openAck(ctx, 0, rs.Owner, "")
	return r, r.save(ctx)
}

// isClimbing reports whether an escalation is under way: a run waits for it
// before it ends or continues as new.
func (r *risk) isClimbing() bool { return r.climbing }

// register installs the risk's own updates, besides the kernel's
// (complete-task, with the risk's authority check on acknowledgements, and
// reassign-task), and listens for the news that its cause cleared.
func (r *risk) register(ctx workflow.Context) error {
	if err := r.Register(ctx,
		kernel.On(r.Core, contract.UpdateAssessRisk, r.assess, r.validateAssess),
		kernel.On(r.Core, contract.UpdateDecideRisk, r.decide, r.validateDecide),
	); err != nil {
		return err
	}
	cleared := workflow.GetSignalChannel(ctx, contract.SignalCauseCleared)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var c contract.CauseCleared
			cleared.Receive(ctx, &c)
			r.clears = append(r.clears, c) // the run's loop answers it, in turn with the rest
		}
	})
	return nil
}

// restore takes over the state a previous run carried: the record, what the
// linked campaign was told, and the kernel's part (the open tasks with their
// IDs, due times and levels, timers re-armed; the numbering; the commands).
func (r *risk) restore(c *contract.RiskCarry) {
	r.rec, r.signalled, r.runs = c.Risk, c.Signalled, c.Runs
	r.Restore(kernel.Carried{TaskSeq: c.TaskSeq, Tasks: c.Tasks, RecordSeq: c.RecordSeq, Commands: c.Commands})
}

// mayContinue reports whether the run should hand its state to a new run: its
// history has grown past the policy's bound, or Temporal suggests it.
func (r *risk) mayContinue(ctx workflow.Context) bool {
	return !r.climbing && (r.steps >= r.pol.ContinueAsNewAfter || workflow.GetInfo(ctx).GetContinueAsNewSuggested())
}

func (r *risk) continueAsNew(ctx workflow.Context) error {
	k, err := r.Carry(ctx)
	if err != nil {
		return err
	}
	next := r.in
	next.Carry = &contract.RiskCarry{
		Risk: *r.snapshot(), Tasks: k.Tasks, TaskSeq: k.TaskSeq, RecordSeq: k.RecordSeq,
		Signalled: r.signalled, Runs: r.runs + 1, Commands: k.Commands,
	}
	return workflow.NewContinueAsNewError(ctx, contract.RiskType, next)
}

// nextDone is the first completed task whose consequences are not applied yet.
func (r *risk) nextDone() *domain.Task {
	return r.Tasks.First(func(t domain.Task) bool { return t.Status == domain.TaskDone && !r.handled[t.ID] })
}

// Managers are the risk's owner, read at each use: the owner may change.
func (r *risk) Managers() []string { return r.rec.Managers() }

// Snapshot puts the risk record into a batch being written.
func (r *risk) Snapshot(b *domain.Batch) { b.Risk = r.snapshot() }

// Detail is the live detail of the risk.
func (r *risk) Detail() any { return r.detail() }

func (r *risk) detail() contract.RiskDetail {
	a := r.Tasks.Answer()
	return contract.RiskDetail{Risk: *r.snapshot(), Tasks: a.Tasks, WaitingOn: domain.WaitingOnOf(a.All), TasksOmitted: a.Omitted}
}

// snapshot is the record as it is now; it copies what the workflow changes later.
func (r *risk) snapshot() *domain.Risk {
	rec := r.rec
	rec.Assessments = slices.Clone(rec.Assessments)
	rec.Escalations = slices.Clone(rec.Escalations)
	if rec.Response != nil {
		plan := *rec.Response
		rec.Response = &plan
	}
	return &rec
}

// finish ends the risk with status: open tasks cancelled, the end recorded and
// told to the owner. The caller saves.
func (r *risk) finish(ctx workflow.Context, status domain.RiskStatus, by, reason string) {
	now := workflow.Now(ctx)
	r.rec.Status, r.rec.Reason, r.rec.UpdatedAt, r.rec.EndedAt = status, reason, now, &now
	r.End(ctx, kernel.Ending{Status: string(status), By: by, Reason: reason, Event: domain.EventRiskDecided, Subject: "Risk " + r.Quote(r.rec.Title), Tell: []string{r.rec.Owner}})
}

// save is the kernel's Save, then tells the linked campaign when severity or
// status changed.
func (r *risk) save(ctx workflow.Context) error {
	if err := r.Save(ctx); err != nil {
		return err
	}
	r.tellRelated(ctx)
	return nil
}

// link is the risk as its linked process sees it.
func (r *risk) link() domain.LinkedRisk {
	return domain.LinkedRisk{ID: r.rec.ID, Cause: r.rec.Cause, Severity: r.rec.Severity, Status: r.rec.Status, Title: r.rec.Title, Owner: r.rec.Owner}
}

// tellRelated signals the linked campaign when what it sees of the risk changed.
// A campaign that has ended no longer listens; that is no error of the risk's.
// The title and owner ride along but are no change of their own: news that
// runs from before they were sent did not send is not sent now either.
func (r *risk) tellRelated(ctx workflow.Context) {
	rel := r.rec.Related
	told := r.signalled
	told.Seq = 0
	if rel == nil || rel.Process != domain.ProcessCampaign || r.link().Same(told) {
		return
	}
	next := r.link()
	next.Seq = r.signalled.Seq + 1 // carried across continue-as-new with Signalled
	r.signalled = next
	err := workflow.SignalExternalWorkflow(ctx, contract.CampaignWorkflowID(rel.ID), "", contract.SignalRiskChanged, r.signalled).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the linked campaign", "campaign", rel.ID, "error", err)
	}
}
