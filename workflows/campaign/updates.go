package campaign

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// updates are the campaign's own updates, besides the kernel's (complete-task,
// reassign-task, cancel).
func (c *campaign) updates() []kernel.Update {
	return []kernel.Update{
		kernel.On(c.Core, contract.UpdateChangeCampaign, c.change, c.validateChange),
		kernel.On(c.Core, contract.UpdateAddTask, c.addTask, c.validateAddTask),
		kernel.On(c.Core, contract.UpdateRecordKPIs, c.recordKPIs, c.validateKPIs),
	}
}

func (c *campaign) validateChange(ctx workflow.Context, in contract.ChangeCampaignInput) error {
	if err := c.checkManager(in.Actor, "change it"); err != nil {
		return err
	}
	if err := c.checkActive(); err != nil {
		return err
	}
	if !c.rec.Stage.BeforeLaunch() {
		return domain.Conflictf("the campaign has launched: changes are taken only before launch")
	}
	var p domain.Problems
	in.Change.CheckLimits(&p)
	if err := p.Err(); err != nil {
		return err
	}
	_, err := in.Change.Apply(c.rec.Brief, workflow.Now(ctx))
	return err
}

// change applies a change request and re-plans. A budget increase above the
// policy threshold, after the brief was approved, waits for MOps approval.
func (c *campaign) change(ctx workflow.Context, in contract.ChangeCampaignInput) (contract.CampaignDetail, error) {
	now := workflow.Now(ctx)
	old := c.rec.Brief
	changed, err := in.Change.Apply(old, now)
	if err != nil {
		return contract.CampaignDetail{}, err
	}
	approvalNeeded := c.rec.Stage != domain.StageBriefReview && in.Change.Budget != nil &&
		domain.NeedsBudgetApproval(old.Budget, *in.Change.Budget, c.pol.BudgetReapprovalThreshold)
	if approvalNeeded {
		changed.Budget = old.Budget // applied once approved
	}
	c.rec.Brief, c.rec.UpdatedAt = changed, now
	if in.Change.LaunchAt != nil {
		c.plannedLaunch = changed.LaunchAt // re-planned by people: not a slip
	}
	c.changeArrived = true
	c.Event(now, domain.EventChanged, in.Actor.Handle, "", "%s changed the campaign (%s): %s", in.Actor.Handle, describeChange(in.Change), c.Said(in.Change.Reason))
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s changed by %s: %s", c.Quote(changed.Name), in.Actor.Handle, describeChange(in.Change)), c.Managers()...)
	if c.rec.Stage != domain.StageBriefReview {
		c.replan(ctx, "re-planned after a change")
	}
	if approvalNeeded {
		c.askBudgetApproval(ctx, in.Actor.Handle, *in.Change.Budget, in.Change.Reason)
	}
	if err := c.Save(ctx); err != nil {
		return contract.CampaignDetail{}, err
	}
	return c.detail(), nil
}

func describeChange(ch domain.Change) string {
	var parts []string
	if ch.LaunchAt != nil {
		parts = append(parts, "launch "+ch.LaunchAt.UTC().Format(time.RFC3339))
	}
	if len(ch.AddChannels) > 0 {
		parts = append(parts, "channels added: "+channelList(ch.AddChannels))
	}
	if len(ch.RemoveChannels) > 0 {
		parts = append(parts, "channels removed: "+channelList(ch.RemoveChannels))
	}
	if ch.Budget != nil {
		parts = append(parts, fmt.Sprintf("budget %g %s", ch.Budget.Amount, ch.Budget.Currency))
	}
	return strings.Join(parts, "; ")
}

// askBudgetApproval opens a MOps approval for a budget increase; the new budget
// applies when it is approved. A newer request replaces one still open.
func (c *campaign) askBudgetApproval(ctx workflow.Context, requester string, budget domain.Money, reason string) {
	c.Tasks.CancelOpen(ctx, "replaced by a newer budget change", func(t domain.Task) bool { return t.Key == KeyBudget })
	c.budgetWanted = &budget
	spec := kernel.TaskSpec{
		Kind: domain.KindApproval, Key: KeyBudget,
		Title:       fmt.Sprintf("Approve the budget increase of %s to %g %s", c.Quote(c.rec.Brief.Name), budget.Amount, budget.Currency),
		Description: fmt.Sprintf("From %g %s. Reason: %s", c.rec.Brief.Budget.Amount, c.rec.Brief.Budget.Currency, c.Said(reason)),
		Team:        domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: c.rec.Brief.MarketingOpsManager,
		RequestedBy: requester, DueAt: workflow.Now(ctx).Add(c.pol.SignOffSLA.D()),
	}
	var why string
	if spec.Assignee == requester {
		// MOps raised it: another marketing ops manager decides, or, when there is
		// none, whoever kernel.SoleApprover says. (A lookup fails only when the run is
		// cancelled: then it stays open to the others, which ends with the run.)
		spec.Assignee = ""
		why, _ = kernel.Elsewhere(ctx, c.in.Policy, &spec, requester, "the budget change")
	}
	t := c.Tasks.Open(ctx, spec)
	if why != "" {
		c.Tasks.Rerouted(workflow.Now(ctx), *t, why)
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if c.Tasks.Await(ctx, t.ID) != nil {
			return
		}
		if t.Status == domain.TaskDone && t.Outcome == domain.OutcomeApproved {
			c.rec.Brief.Budget = budget
		}
		if t.Status != domain.TaskCancelled {
			c.budgetWanted = nil
		}
		c.changeArrived = true
		_ = c.Save(ctx)
	})
}

func (c *campaign) validateAddTask(ctx workflow.Context, in contract.AddTaskInput) error {
	if err := domain.CheckAddCampaignTask(c.rec, in.Actor); err != nil {
		return err
	}
	var p domain.Problems
	domain.CheckRequiredText(&p, "title", in.Title, domain.MaxNameChars)
	domain.CheckText(&p, "description", in.Description, domain.MaxDescriptionChars)
	if !in.Team.Valid() {
		p.Add("team", "unknown team %q", in.Team)
	}
	if !in.Role.Valid() {
		p.Add("role", "unknown role %q", in.Role)
	}
	if !in.DueAt.After(workflow.Now(ctx)) {
		p.Add("due_at", "must be in the future")
	}
	return p.Err()
}

func (c *campaign) addTask(ctx workflow.Context, in contract.AddTaskInput) (domain.Task, error) {
	t := c.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: fmt.Sprintf("%s%d", KeyAdded, c.Tasks.Seq()+1), Title: in.Title, Description: in.Description,
		Team: in.Team, Role: in.Role, Assignee: in.Assignee, DueAt: in.DueAt,
	})
	c.noteNewWork()
	c.Event(workflow.Now(ctx), domain.EventChanged, in.Actor.Handle, t.ID, "%s added the task %s", in.Actor.Handle, c.Quote(t.Title))
	if err := c.Save(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

func (c *campaign) validateKPIs(_ workflow.Context, in contract.RecordKPIsInput) error {
	if err := c.checkActive(); err != nil {
		return err
	}
	if err := domain.CheckRecordKPIs(c.rec, in.Actor); err != nil {
		return err
	}
	var p domain.Problems
	domain.CheckActualsLimits(&p, in.Actuals)
	if err := p.Err(); err != nil {
		return err
	}
	return domain.CheckActuals(c.rec.Brief.KPIs, in.Actuals)
}

func (c *campaign) recordKPIs(ctx workflow.Context, in contract.RecordKPIsInput) (contract.CampaignDetail, error) {
	now := workflow.Now(ctx)
	var parts []string
	for _, a := range in.Actuals {
		a.RecordedAt, a.RecordedBy = now, in.Actor.Handle
		c.rec.Actuals = append(c.rec.Actuals, a)
		parts = append(parts, fmt.Sprintf("%s = %g", a.Name, a.Value))
	}
	c.rec.UpdatedAt = now
	c.Event(now, domain.EventKPIRecorded, in.Actor.Handle, "", "%s recorded KPI actuals: %s", in.Actor.Handle, strings.Join(parts, ", "))
	if err := c.Save(ctx); err != nil {
		return contract.CampaignDetail{}, err
	}
	return c.detail(), nil
}
