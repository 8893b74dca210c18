package workflows

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// registerUpdates installs the campaign's own updates. Each has a validator, so a
// refused request never reaches the history.
func (c *campaign) registerUpdates(ctx workflow.Context) error {
	for name, u := range map[string]struct{ handler, validator any }{
		UpdateChangeCampaign: {c.change, c.validateChange},
		UpdateAddTask:        {c.addTask, c.validateAddTask},
		UpdateRecordKPIs:     {c.recordKPIs, c.validateKPIs},
		UpdateCancel:         {c.cancel, c.validateCancel},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return err
		}
	}
	return nil
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

func (c *campaign) validateChange(ctx workflow.Context, in ChangeCampaignInput) error {
	err := c.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = c.checkManager(in.Actor, "change it")
	}
	if err == nil {
		err = c.checkActive()
	}
	if err == nil && !c.rec.Stage.BeforeLaunch() {
		err = domain.Conflictf("the campaign has launched: changes are taken only before launch")
	}
	if err == nil {
		var p domain.Problems
		in.Change.CheckLimits(&p)
		err = p.Err()
	}
	if err == nil {
		_, err = in.Change.Apply(c.rec.Brief, workflow.Now(ctx))
	}
	return refusal(err)
}

// change applies a change request and re-plans. A budget increase above the
// policy threshold, after the brief was approved, waits for MOps approval.
func (c *campaign) change(ctx workflow.Context, in ChangeCampaignInput) (CampaignDetail, error) {
	c.tasks.cmds.note(ctx)
	now := workflow.Now(ctx)
	old := c.rec.Brief
	changed, err := in.Change.Apply(old, now)
	if err != nil {
		return CampaignDetail{}, refusal(err)
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
	c.changed = true
	c.out.event(now, domain.EventChanged, in.Actor.Handle, "", "%s changed the campaign (%s): %s", in.Actor.Handle, describeChange(in.Change), in.Change.Reason)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s changed by %s: %s", c.out.quote(changed.Name), in.Actor.Handle, describeChange(in.Change)), c.managers()...)
	if c.rec.Stage != domain.StageBriefReview {
		c.replan(ctx, "re-planned after a change")
	}
	if approvalNeeded {
		c.askBudgetApproval(ctx, in.Actor.Handle, *in.Change.Budget, in.Change.Reason)
	}
	if err := c.save(ctx); err != nil {
		return CampaignDetail{}, err
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
	c.tasks.cancelOpen(ctx, "replaced by a newer budget change", func(t domain.Task) bool { return t.Key == keyBudget })
	c.budgetWanted = &budget
	spec := taskSpec{
		Kind: domain.KindApproval, Key: keyBudget,
		Title:       fmt.Sprintf("Approve the budget increase of %s to %g %s", c.out.quote(c.rec.Brief.Name), budget.Amount, budget.Currency),
		Description: fmt.Sprintf("From %g %s. Reason: %s", c.rec.Brief.Budget.Amount, c.rec.Brief.Budget.Currency, reason),
		Team:        domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: c.rec.Brief.MarketingOpsManager,
		RequestedBy: requester, DueAt: workflow.Now(ctx).Add(c.pol.SignOffSLA.D()),
	}
	var why string
	if spec.Assignee == requester {
		// MOps raised it: another marketing ops manager decides, or, when there is
		// none, whoever soleApprover says. (A lookup fails only when the run is
		// cancelled: then it stays open to the others, which ends with the run.)
		spec.Assignee = ""
		why, _ = c.elsewhere(ctx, &spec, requester, "the budget change")
	}
	t := c.tasks.open(ctx, spec)
	if why != "" {
		rerouted(c.out, workflow.Now(ctx), *t, why)
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if c.tasks.await(ctx, t.ID) != nil {
			return
		}
		if t.Status == domain.TaskDone && t.Outcome == domain.OutcomeApproved {
			c.rec.Brief.Budget = budget
		}
		if t.Status != domain.TaskCancelled {
			c.budgetWanted = nil
		}
		c.changed = true
		_ = c.save(ctx)
	})
}

func (c *campaign) validateAddTask(ctx workflow.Context, in AddTaskInput) error {
	err := c.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = domain.CheckAddCampaignTask(c.rec, in.Actor)
	}
	if err == nil {
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
		err = p.Err()
	}
	return refusal(err)
}

func (c *campaign) addTask(ctx workflow.Context, in AddTaskInput) (domain.Task, error) {
	c.tasks.cmds.note(ctx)
	t := c.tasks.open(ctx, taskSpec{
		Kind: domain.KindWork, Key: fmt.Sprintf("%s%d", keyAdded, c.tasks.seq+1), Title: in.Title, Description: in.Description,
		Team: in.Team, Role: in.Role, Assignee: in.Assignee, DueAt: in.DueAt,
	})
	c.noteNewWork()
	c.out.event(workflow.Now(ctx), domain.EventChanged, in.Actor.Handle, t.ID, "%s added the task %s", in.Actor.Handle, c.out.quote(t.Title))
	if err := c.save(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

func (c *campaign) validateKPIs(ctx workflow.Context, in RecordKPIsInput) error {
	err := c.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = c.checkActive()
	}
	if err == nil {
		err = domain.CheckRecordKPIs(c.rec, in.Actor)
	}
	if err == nil {
		var p domain.Problems
		domain.CheckActualsLimits(&p, in.Actuals)
		err = p.Err()
	}
	if err == nil {
		err = domain.CheckActuals(c.rec.Brief.KPIs, in.Actuals)
	}
	return refusal(err)
}

func (c *campaign) recordKPIs(ctx workflow.Context, in RecordKPIsInput) (CampaignDetail, error) {
	c.tasks.cmds.note(ctx)
	now := workflow.Now(ctx)
	var parts []string
	for _, a := range in.Actuals {
		a.RecordedAt, a.RecordedBy = now, in.Actor.Handle
		c.rec.Actuals = append(c.rec.Actuals, a)
		parts = append(parts, fmt.Sprintf("%s = %g", a.Name, a.Value))
	}
	c.rec.UpdatedAt = now
	c.out.event(now, domain.EventKPIRecorded, in.Actor.Handle, "", "%s recorded KPI actuals: %s", in.Actor.Handle, strings.Join(parts, ", "))
	if err := c.save(ctx); err != nil {
		return CampaignDetail{}, err
	}
	return c.detail(), nil
}

func (c *campaign) validateCancel(ctx workflow.Context, in CancelInput) error {
	err := c.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = c.checkManager(in.Actor, "cancel it")
	}
	if err == nil {
		err = c.checkActive()
	}
	if err == nil {
		var p domain.Problems
		domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
		err = p.Err()
	}
	return refusal(err)
}

// cancel stops the run; the workflow then cancels the open tasks and records the
// end, and the caller gets the campaign as it ended.
func (c *campaign) cancel(ctx workflow.Context, in CancelInput) (CampaignDetail, error) {
	c.tasks.cmds.note(ctx)
	c.cancelledBy, c.rec.Reason = in.Actor.Handle, strings.TrimSpace(in.Reason)
	c.stopRun()
	if err := workflow.Await(ctx, func() bool { return c.ended }); err != nil {
		return CampaignDetail{}, err
	}
	if err := c.out.written(ctx); err != nil { // the end is in the records before the answer
		return CampaignDetail{}, err
	}
	return c.detail(), nil
}

// decodeData reads a JSON value that arrived in a task's free-form data into v.
func decodeData(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
