package campaign

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// linkedRisksVersion guards raising linked risks: runs from before it raise none.
const linkedRisksVersion = "linked-risks"

// kpiRiskClearsVersion guards telling a KPI's risk that the KPI is back on
// target: runs from before it send no such signal.
const kpiRiskClearsVersion = "kpi-risk-clears"

// taskOverdue is the campaign's reaction to overdue work, beyond the notices the
// kernel already sent: a linked schedule risk, owned by the project
// manager, who runs the production schedule.
func (c *campaign) taskOverdue(ctx workflow.Context, t domain.Task) {
	c.raiseRisk(ctx, "overdue:"+t.ID, domain.RiskRaise{
		Title:       fmt.Sprintf("Overdue: %s", t.Title),
		Description: fmt.Sprintf("Task %s for %s was due %s and is not done.", t.ID, kernel.WhoFor(t), t.DueAt.Format(time.RFC3339)),
		Category:    domain.CategorySchedule, Probability: 4, Impact: 3, Owner: c.rec.Brief.ProjectManager,
	})
	_ = c.ShowProgress(ctx)
}

// raiseRisk raises the risk of one cause, linked to the campaign, exactly once:
// its ID derives from the cause, it starts as a child whose start the history
// records (so a retry or a restarted worker replays it rather than raising it
// again), and an "already started" answer counts as raised. The risk outlives
// the campaign (parent close policy abandon).
func (c *campaign) raiseRisk(ctx workflow.Context, cause string, raise domain.RiskRaise) {
	if workflow.GetVersion(ctx, linkedRisksVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	id := domain.LinkedRiskID(c.in.ID, cause)
	if slices.ContainsFunc(c.rec.Risks, func(l domain.LinkedRisk) bool { return l.ID == id }) {
		return
	}
	raise.Cause, raise.Related = cause, &domain.Related{Process: domain.ProcessCampaign, ID: c.in.ID}
	// The task whose timer raised it may close meanwhile; the raise goes on.
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            contract.RiskWorkflowID(id),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "Risk: " + raise.Title,
		// The description names people; the Temporal UI's details do not.
		StaticDetails: fmt.Sprintf("Raised by campaign %s: %s risk, category %s.", c.in.ID, domain.SeverityOf(raise.Probability*raise.Impact), raise.Category),
	})
	in := contract.RiskInput{ID: id, Raise: raise, RaisedBy: "tandem", Policy: c.in.Policy}
	err := workflow.ExecuteChildWorkflow(cctx, contract.RiskType, in).GetChildWorkflowExecution().Get(ctx, nil)
	var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &dup) {
		workflow.GetLogger(ctx).Error("could not raise a linked risk", "risk", id, "error", err)
		return
	}
	now := workflow.Now(ctx)
	sev := domain.SeverityOf(domain.Score(raise.Probability, raise.Impact))
	c.riskChanged(domain.LinkedRisk{ID: id, Cause: cause, Severity: sev, Status: domain.RiskOpen, Title: raise.Title, Owner: raise.Owner})
	c.Event(now, domain.EventRiskLinked, "", "", "Raised the %s risk %s: %s (owner %s)", sev, id, raise.Title, raise.Owner)
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: risk %s raised: %s", c.Quote(c.rec.Brief.Name), id, raise.Title), c.Managers()...)
	_ = c.Save(ctx) // the recorder retries until written
}

// riskChanged keeps the campaign's view of a linked risk; the first news of a
// risk links it, and news older than what the campaign knows is dropped.
func (c *campaign) riskChanged(l domain.LinkedRisk) {
	i := slices.IndexFunc(c.rec.Risks, func(x domain.LinkedRisk) bool { return x.ID == l.ID })
	if i < 0 {
		c.rec.Risks = append(c.rec.Risks, l)
		return
	}
	if !l.Supersedes(c.rec.Risks[i]) {
		return
	}
	// News from before they were sent, or from the reconciler, may leave out what
	// never changes: what was known is kept.
	old := c.rec.Risks[i]
	l.Cause, l.Title, l.Owner = cmp.Or(l.Cause, old.Cause), cmp.Or(l.Title, old.Title), cmp.Or(l.Owner, old.Owner)
	c.rec.Risks[i] = l
}

// holdingRisk is the first linked critical risk still open, or "".
func (c *campaign) holdingRisk() string {
	for _, l := range c.rec.Risks {
		if l.Holds() {
			return l.ID
		}
	}
	return ""
}

// holdForRisks holds the launch while a linked critical risk is open: until it
// is resolved or accepted, or a change or new work sends the campaign elsewhere.
// Released past launch_at, the campaign launches at once and says it is late.
func (c *campaign) holdForRisks(ctx workflow.Context) error {
	id := c.holdingRisk()
	if id == "" {
		return nil
	}
	now := workflow.Now(ctx)
	c.rec.HeldBy, c.rec.HeldSince = id, &now
	c.Event(now, domain.EventLaunchHeld, "", "", "Launch held by risk %s: it is critical and open", id)
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: launch held by risk %s", c.Quote(c.rec.Brief.Name), id), c.Managers()...)
	if err := c.Save(ctx); err != nil {
		return err
	}
	for {
		if err := workflow.Await(ctx, func() bool { return c.holdingRisk() != c.rec.HeldBy || c.newWork || c.changeArrived }); err != nil {
			return err
		}
		if next := c.holdingRisk(); next != "" && !c.newWork && !c.changeArrived {
			c.rec.HeldBy = next // another critical risk still holds it
			if err := c.Save(ctx); err != nil {
				return err
			}
			continue
		}
		break
	}
	now = workflow.Now(ctx)
	msg := fmt.Sprintf("Launch released: risk %s no longer holds it", id)
	if late := now.Sub(c.rec.Brief.LaunchAt); late > 0 && !c.newWork && !c.changeArrived {
		msg += fmt.Sprintf("; launching late, %s after %s", late.Round(time.Second), c.rec.Brief.LaunchAt.Format(time.RFC3339))
	}
	c.rec.HeldBy, c.rec.HeldSince = "", nil
	c.Event(now, domain.EventLaunchReleased, "", "", "%s", msg)
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.Quote(c.rec.Brief.Name), msg), c.Managers()...)
	return c.Save(ctx)
}

// kpiBackOnTarget tells the risk a KPI's miss raised that the KPI is back on
// target, once: the risk resolves itself (workflows/risk), and the timeline
// says so. A KPI that misses again later raises no second risk: its
// cause, and so its risk's ID, is the same.
func (c *campaign) kpiBackOnTarget(ctx workflow.Context, r domain.KPIResult) {
	cause := "kpi:" + r.Name
	id := domain.LinkedRiskID(c.in.ID, cause)
	i := slices.IndexFunc(c.rec.Risks, func(l domain.LinkedRisk) bool { return l.ID == id })
	if i < 0 || c.rec.Risks[i].Status.Terminal() || c.clearedKPIs[r.Name] {
		return
	}
	if workflow.GetVersion(ctx, kpiRiskClearsVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	c.clearedKPIs[r.Name] = true
	why := fmt.Sprintf("KPI %s is back on target: %g %s against a target of %g", c.Quote(r.Name), *r.Actual, r.Unit, r.Target)
	err := workflow.SignalExternalWorkflow(ctx, contract.RiskWorkflowID(id), "", contract.SignalCauseCleared, contract.CauseCleared{Cause: cause, Why: why}).Get(ctx, nil)
	if err != nil {
		// The risk ended meanwhile: nothing to clear.
		workflow.GetLogger(ctx).Warn("could not tell a risk its cause cleared", "risk", id, "error", err)
		return
	}
	now := workflow.Now(ctx)
	if c.rec.Risks[i].Status == domain.RiskMaterialized {
		c.Event(now, domain.EventKPIOnTarget, "", "", "%s; the owner of the issue %s it raised is told", why, id)
	} else {
		c.Event(now, domain.EventKPIOnTarget, "", "", "%s; the risk %s it raised resolves itself", why, id)
	}
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.Quote(c.rec.Brief.Name), why), c.Managers()...)
}
