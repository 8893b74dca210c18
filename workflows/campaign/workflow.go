package campaign

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Task keys of the campaign process: what each task is for.
const (
	KeyBriefReview   = "brief_review"
	KeyRevise        = "revise_brief"
	KeySignOff       = "sign_off:"    // + handle or team
	KeyDeliverable   = "deliverable:" // + deliverable key (from domain.Plan)
	KeyAdded         = "added:"       // + sequence, tasks the PM adds
	KeyRework        = "rework:"      // + the reworked task's ID
	KeyBudget        = "budget_approval"
	KeyRetrospective = "retrospective:" // + handle
)

// campaign is the state of one campaign launch run.
type campaign struct {
	*kernel.Core
	in  contract.CampaignInput
	pol domain.CampaignPolicy
	rec domain.Campaign

	changeArrived bool // a change request or budget decision arrived: waits recompute their deadlines
	newWork       bool // work was added after readiness began: production must run again
	reworkCount   int
	launchedAt    *time.Time
	// plannedLaunch is the launch time people planned: the brief's, as approved
	// and as changed by requests, never as a slip moved it.
	plannedLaunch time.Time
	flaggedKPIs   map[string]bool
	clearedKPIs   map[string]bool // missed KPIs back on target, whose risks were told
	budgetWanted  *domain.Money   // a budget increase waiting for MOps approval
}

// Workflow runs process 1, the campaign launch: a campaign from brief review to
// retrospective. It is registered as contract.CampaignLaunchType.
func Workflow(ctx workflow.Context, in contract.CampaignInput) (contract.CampaignResult, error) {
	c, err := start(ctx, in)
	if err != nil {
		return contract.CampaignResult{}, err
	}
	if err := c.RunToEnd(ctx, c.run); err != nil {
		return contract.CampaignResult{}, err
	}
	return contract.CampaignResult{Status: c.rec.Status, Report: c.rec.Report}, nil
}

func start(ctx workflow.Context, in contract.CampaignInput) (*campaign, error) {
	now := workflow.Now(ctx)
	c := &campaign{in: in, pol: in.Policy.Campaign, flaggedKPIs: map[string]bool{}, clearedKPIs: map[string]bool{}, plannedLaunch: in.Brief.LaunchAt}
	c.rec = domain.Campaign{
		ID: in.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Brief: in.Brief,
		Status: domain.StatusActive, RequestedBy: in.RequestedBy, Actuals: []domain.KPIActual{},
		CreatedAt: now, UpdatedAt: now,
	}
	core, err := kernel.New(ctx, c, kernel.Config{
		Process: domain.ProcessCampaign, ID: in.ID, Noun: "campaign",
		ReminderBefore: c.pol.ReminderBeforeDue.D(), OnOverdue: c.taskOverdue,
	})
	if err != nil {
		return nil, err
	}
	c.Core = core
	if err := c.Register(ctx, c.updates()...); err != nil {
		return nil, err
	}
	risks := workflow.GetSignalChannel(ctx, contract.SignalRiskChanged)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var l domain.LinkedRisk
			risks.Receive(ctx, &l)
			c.riskChanged(l)
		}
	})
	c.Event(now, domain.EventStarted, in.RequestedBy, "", "%s started the campaign %s, launching %s", in.RequestedBy, c.Quote(in.Brief.Name), in.Brief.LaunchAt.Format(time.RFC3339))
	return c, nil
}

// run walks the stages. It returns nil when the campaign ended by itself
// (completed or rejected), a cancelled error when it was cancelled.
func (c *campaign) run(ctx workflow.Context) error {
	approved, err := c.briefReview(ctx)
	if err != nil || !approved {
		return err
	}
	if err := c.planning(ctx); err != nil {
		return err
	}
	for {
		if err := c.production(ctx); err != nil {
			return err
		}
		ready, err := c.readiness(ctx)
		if err != nil {
			return err
		}
		if !ready {
			continue // rework: back to production
		}
		launched, err := c.scheduled(ctx)
		if err != nil {
			return err
		}
		if launched {
			break
		}
	}
	if err := c.tracking(ctx); err != nil {
		return err
	}
	return c.retrospective(ctx)
}

// Managers are the campaign's project manager and marketing ops manager.
func (c *campaign) Managers() []string {
	return c.rec.Managers()
}

// Snapshot puts the campaign record into a batch being written.
func (c *campaign) Snapshot(b *domain.Batch) { b.Campaign = c.snapshot() }

// Detail is the live detail of the campaign.
func (c *campaign) Detail() any { return c.detail() }

// snapshot is the record as it is now, for the projection. It copies what the
// workflow may change later, because the batch is encoded when the write is asked for.
func (c *campaign) snapshot() *domain.Campaign {
	r := c.rec
	r.Actuals = slices.Clone(r.Actuals)
	r.Stages = slices.Clone(r.Stages)
	r.Risks = slices.Clone(r.Risks)
	r.KPIs = domain.EvaluateKPIs(r.Brief.KPIs, r.Actuals, c.pol.KPIMissThreshold)
	return &r
}

func (c *campaign) detail() contract.CampaignDetail {
	a := c.Tasks.Answer()
	rec := *c.snapshot()
	return contract.CampaignDetail{Campaign: rec, Tasks: a.Tasks, WaitingOn: rec.WaitingOn(a.All), TasksOmitted: a.Omitted}
}

// finish ends the campaign with status: open tasks cancelled, the end recorded.
func (c *campaign) finish(ctx workflow.Context, status domain.Status, by, reason string) {
	now := workflow.Now(ctx)
	if n := len(c.rec.Stages); n > 0 {
		c.rec.Stages[n-1].Left = &now
	}
	c.rec.Status, c.rec.Reason, c.rec.UpdatedAt = status, reason, now
	c.Finish(ctx, kernel.Ending{Status: string(status), By: by, Reason: reason, Event: domain.EventEnded, Subject: c.Quote(c.rec.Brief.Name), Tell: c.Managers()})
}

// MayCancel lets the campaign's two managers and admins cancel it while it runs.
func (c *campaign) MayCancel(a domain.Actor) error {
	if err := c.checkManager(a, "cancel it"); err != nil {
		return err
	}
	return c.checkActive()
}

// NoteCancel keeps a cancellation's reason on the record.
func (c *campaign) NoteCancel(reason string) { c.rec.Reason = reason }

// Cancelled ends the campaign as cancelled.
func (c *campaign) Cancelled(ctx workflow.Context, by, reason string) {
	c.finish(ctx, domain.StatusCancelled, by, reason)
}

// checkManager refuses anyone but the campaign's two managers and admins.
func (c *campaign) checkManager(a domain.Actor, what string) error {
	return domain.CheckManageCampaign(c.rec, a, what)
}

func (c *campaign) checkActive() error {
	if c.rec.Status.Terminal() {
		return domain.Conflictf("the campaign is %s", c.rec.Status)
	}
	return nil
}
