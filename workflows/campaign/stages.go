package campaign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// signOffDueVersion guards sign-offs due no later than the readiness deadline:
// runs from before it keep their sign-offs due one SLA after they opened, whose
// timers their histories hold.
const signOffDueVersion = "sign-off-due"

// setStage moves the campaign to stage s and records it.
func (c *campaign) setStage(ctx workflow.Context, s domain.Stage) error {
	now := workflow.Now(ctx)
	if n := len(c.rec.Stages); n > 0 {
		c.rec.Stages[n-1].Left = &now
	}
	c.rec.Stages = append(c.rec.Stages, domain.StageSpan{Stage: s, Entered: now})
	c.rec.Stage, c.rec.UpdatedAt = s, now
	c.Event(now, domain.EventStage, "", "", "Stage: %s", stageWords[s])
	return c.Save(ctx)
}

var stageWords = map[domain.Stage]string{
	domain.StageBriefReview:   "brief review by marketing ops",
	domain.StagePlanning:      "planning the work",
	domain.StageProduction:    "production by the teams",
	domain.StageReadiness:     "readiness sign-off",
	domain.StageScheduled:     "scheduled for launch",
	domain.StageTracking:      "launched; tracking KPIs",
	domain.StageRetrospective: "retrospective",
}

// briefReview asks MOps to approve the brief, looping through revisions. It
// reports whether the brief was approved; a rejection ends the campaign.
func (c *campaign) briefReview(ctx workflow.Context) (bool, error) {
	if err := c.setStage(ctx, domain.StageBriefReview); err != nil {
		return false, err
	}
	for round := 1; ; round++ {
		b := c.rec.Brief
		spec := kernel.TaskSpec{
			Kind: domain.KindApproval, Key: KeyBriefReview, Title: fmt.Sprintf("Review the brief of %s", c.Quote(b.Name)),
			Description: "Approve the goals, KPIs and budget, request changes, or reject the campaign.",
			Team:        domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: b.MarketingOpsManager,
			RequestedBy: c.in.RequestedBy, DueAt: workflow.Now(ctx).Add(c.pol.BriefReviewSLA.D()),
		}
		if round > 1 {
			spec.Title = fmt.Sprintf("Review the revised brief of %s (round %d)", c.Quote(b.Name), round)
		}
		var why string
		if b.MarketingOpsManager == c.in.RequestedBy {
			// Nobody approves what they raised: any other marketing ops manager
			// reviews it, or, when there is none, whoever kernel.SoleApprover says.
			spec.Assignee = ""
			var err error
			if why, err = kernel.Elsewhere(ctx, c.in.Policy, &spec, c.in.RequestedBy, "the brief"); err != nil {
				return false, err
			}
		}
		review := c.Tasks.Open(ctx, spec)
		if why != "" {
			c.Tasks.Rerouted(workflow.Now(ctx), *review, why)
		}
		if err := c.Save(ctx); err != nil {
			return false, err
		}
		if err := c.Tasks.Await(ctx, review.ID); err != nil {
			return false, err
		}
		switch review.Outcome {
		case domain.OutcomeApproved:
			return true, nil
		case domain.OutcomeRejected:
			c.finish(ctx, domain.StatusRejected, review.CompletedBy, review.Comment)
			return false, nil
		}
		revise := c.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyRevise, Title: fmt.Sprintf("Revise the brief of %s", c.Quote(b.Name)),
			Description: "Changes requested: " + c.Said(review.Comment) + "\nChange what was asked for in the brief; it then goes to marketing ops for review again.",
			Team:        domain.TeamPMO, Role: domain.RoleProjectManager, Assignee: b.ProjectManager,
			DueAt: workflow.Now(ctx).Add(c.pol.ReviseSLA.D()), Check: c.checkRevision(ctx), Fill: c.fillRevision,
		})
		if err := c.Save(ctx); err != nil {
			return false, err
		}
		if err := c.Tasks.Await(ctx, revise.ID); err != nil {
			return false, err
		}
		if revised, err := c.revisedBrief(workflow.Now(ctx), revise.Data); err == nil {
			c.rec.Brief, c.plannedLaunch = revised, revised.LaunchAt
		}
	}
}

// checkRevision validates the revised brief a revise task is completed with,
// caps included: revisedBrief, which the run re-applies on replay, leaves them out.
func (c *campaign) checkRevision(ctx workflow.Context) func(domain.Completion) error {
	return func(done domain.Completion) error {
		b, err := c.revisedBrief(workflow.Now(ctx), done.Data)
		if err != nil {
			return err
		}
		var p domain.Problems
		b.CheckLimits(&p)
		for i := range p {
			p[i].Field = "data.brief." + p[i].Field
		}
		return p.Err()
	}
}

// fillRevision starts the revise form from the brief as it is: a field left as
// it was stays as it was.
func (c *campaign) fillRevision(f *domain.Form) {
	b := c.rec.Brief
	channels := make([]any, len(b.Channels))
	for i, ch := range b.Channels {
		channels[i] = string(ch)
	}
	kpis := make([]any, len(b.KPIs))
	for i, k := range b.KPIs {
		kpis[i] = map[string]any{"name": k.Name, "target": k.Target, "unit": k.Unit, "direction": string(k.Direction)}
	}
	f.SetDefaults(map[string]any{domain.DataBrief: map[string]any{
		"objective": b.Objective, "audience": b.Audience, "channels": channels,
		"budget":    map[string]any{"amount": b.Budget.Amount, "currency": b.Budget.Currency},
		"launch_at": b.LaunchAt.UTC().Format(time.RFC3339), "kpis": kpis,
	}})
}

// revisedBrief applies data.brief, the fields a revision changes, to the brief.
// A budget's amount or currency left out stays as it was.
func (c *campaign) revisedBrief(now time.Time, data map[string]any) (domain.Brief, error) {
	b := c.rec.Brief
	raw, ok := data[domain.DataBrief]
	if !ok {
		return b, nil
	}
	var rev struct {
		Objective *string          `json:"objective"`
		Audience  *string          `json:"audience"`
		Channels  []domain.Channel `json:"channels"`
		Budget    *struct {
			Amount   *float64 `json:"amount"`
			Currency *string  `json:"currency"`
		} `json:"budget"`
		LaunchAt *time.Time   `json:"launch_at"`
		KPIs     []domain.KPI `json:"kpis"`
	}
	if err := kernel.DecodeData(raw, &rev); err != nil {
		return b, domain.Invalid(domain.FieldProblem{Field: "data.brief", Problem: err.Error()})
	}
	if rev.Objective != nil {
		b.Objective = *rev.Objective
	}
	if rev.Audience != nil {
		b.Audience = *rev.Audience
	}
	if rev.Channels != nil {
		b.Channels = rev.Channels
	}
	if rev.Budget != nil && rev.Budget.Amount != nil {
		b.Budget.Amount = *rev.Budget.Amount
	}
	if rev.Budget != nil && rev.Budget.Currency != nil {
		b.Budget.Currency = *rev.Budget.Currency
	}
	if rev.LaunchAt != nil {
		b.LaunchAt = rev.LaunchAt.UTC()
	}
	if rev.KPIs != nil {
		b.KPIs = rev.KPIs
	}
	if err := b.Validate(now); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			for i := range ve.Problems {
				ve.Problems[i].Field = "data.brief." + ve.Problems[i].Field
			}
		}
		return c.rec.Brief, err
	}
	return b, nil
}

// planning derives the work plan from the channels.
func (c *campaign) planning(ctx workflow.Context) error {
	if err := c.setStage(ctx, domain.StagePlanning); err != nil {
		return err
	}
	c.replan(ctx, "made")
	return c.Save(ctx)
}

// replan brings the open deliverable tasks in line with the brief: tasks for new
// deliverables, cancellations for ones no longer needed, due dates recomputed.
func (c *campaign) replan(ctx workflow.Context, why string) {
	plan := domain.Plan(c.rec.Brief, c.pol, workflow.Now(ctx))
	wanted := map[string]domain.PlannedTask{}
	for _, p := range plan {
		wanted[p.Key] = p
	}
	have := map[string]bool{}
	for _, t := range c.Tasks.List() {
		if !strings.HasPrefix(t.Key, KeyDeliverable) || t.Status == domain.TaskCancelled {
			continue
		}
		have[t.Key] = true
		p, ok := wanted[t.Key]
		switch {
		case !ok:
			c.Tasks.Cancel(ctx, t.ID, "no channel of the campaign needs it any more")
		case t.IsOpen():
			c.Tasks.SetDue(ctx, t.ID, p.DueAt)
		}
	}
	for _, p := range plan {
		if have[p.Key] {
			continue
		}
		c.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: p.Key, Title: fmt.Sprintf("%s for %s", p.Title, c.Quote(c.rec.Brief.Name)),
			Description: fmt.Sprintf("Channels: %s. Launch %s.", channelList(c.rec.Brief.Channels), c.rec.Brief.LaunchAt.Format(time.RFC3339)),
			Team:        p.Team, Role: p.Role, DueAt: p.DueAt, EstimateHours: p.EstimateHours,
		})
		c.noteNewWork()
	}
	c.boundSignOffs(ctx)
	c.Event(workflow.Now(ctx), domain.EventChanged, "", "", "Work plan %s: %d deliverables", why, len(plan))
}

// noteNewWork marks that work was added after production, so it runs again.
func (c *campaign) noteNewWork() {
	if c.rec.Stage == domain.StageReadiness || c.rec.Stage == domain.StageScheduled {
		c.newWork = true
	}
}

func isWork(t domain.Task) bool {
	return strings.HasPrefix(t.Key, KeyDeliverable) || strings.HasPrefix(t.Key, KeyAdded) || strings.HasPrefix(t.Key, KeyRework)
}

func channelList(chs []domain.Channel) string {
	s := make([]string, len(chs))
	for i, ch := range chs {
		s[i] = string(ch)
	}
	return strings.Join(s, ", ")
}

// production waits for every open work task, slipping the launch if the work
// runs past the readiness deadline.
func (c *campaign) production(ctx workflow.Context) error {
	c.newWork = false
	if err := c.setStage(ctx, domain.StageProduction); err != nil {
		return err
	}
	return c.untilReady(ctx, func() bool { return len(c.Tasks.OpenTasks(isWork)) == 0 })
}

// readinessDeadline is when readiness must be signed off for launch_at to hold.
func (c *campaign) readinessDeadline() time.Time {
	return c.rec.Brief.LaunchAt.Add(-c.pol.ReadinessLeadTime.D())
}

// untilReady waits for done, slipping the launch each time the readiness
// deadline passes first.
func (c *campaign) untilReady(ctx workflow.Context, done func() bool) error {
	for {
		c.changeArrived = false
		wait := c.readinessDeadline().Sub(workflow.Now(ctx))
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "readiness deadline"},
			}, func() bool { return done() || c.changeArrived })
			if err != nil {
				return err
			}
			if ok {
				if done() {
					return nil
				}
				continue // the launch date changed: wait for the new deadline
			}
		} else if done() {
			return nil
		}
		if err := c.slip(ctx); err != nil {
			return err
		}
	}
}

// slip moves the launch by the policy's slip and tells both managers.
func (c *campaign) slip(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	from := c.rec.Brief.LaunchAt
	c.rec.Brief.LaunchAt = from.Add(c.pol.LaunchSlip.D())
	for !c.readinessDeadline().After(now) { // a launch already past slips until readiness has a chance
		c.rec.Brief.LaunchAt = c.rec.Brief.LaunchAt.Add(c.pol.LaunchSlip.D())
	}
	msg := fmt.Sprintf("Launch slipped from %s to %s: readiness was not signed off %s before launch",
		from.Format(time.RFC3339), c.rec.Brief.LaunchAt.Format(time.RFC3339), c.pol.ReadinessLeadTime)
	c.Event(now, domain.EventLaunchSlipped, "", "", "%s", msg)
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.Quote(c.rec.Brief.Name), msg), c.Managers()...)
	c.replan(ctx, "rescheduled after the slip")
	return c.Save(ctx)
}

// readiness asks for the sign-offs. It reports true when all approved, false
// when a rejection sent work back to production.
func (c *campaign) readiness(ctx workflow.Context) (bool, error) {
	if err := c.setStage(ctx, domain.StageReadiness); err != nil {
		return false, err
	}
	now := workflow.Now(ctx)
	due := now.Add(c.pol.SignOffSLA.D())
	if c.signOffsBounded(ctx) {
		due = c.signOffDue(now, now)
	}
	b := c.rec.Brief
	specs := []kernel.TaskSpec{
		{Key: KeySignOff + b.ProjectManager, Title: "Project manager sign-off", Team: domain.TeamPMO, Role: domain.RoleProjectManager, Assignee: b.ProjectManager},
		{Key: KeySignOff + b.MarketingOpsManager, Title: "Marketing ops sign-off", Team: domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: b.MarketingOpsManager},
	}
	if b.Regulated {
		specs = append(specs, kernel.TaskSpec{Key: KeySignOff + string(domain.TeamLegal), Title: "Legal sign-off", Team: domain.TeamLegal, Role: domain.RoleLegal})
	}
	var ids []string
	for _, s := range specs {
		s.Kind, s.DueAt = domain.KindApproval, due
		s.Title = fmt.Sprintf("%s for %s", s.Title, c.Quote(b.Name))
		s.Description = "Is everything ready to launch? If not, reject and pick the work to redo: it goes back to production."
		s.Check, s.Fill = c.checkRework, c.fillRework
		ids = append(ids, c.Tasks.Open(ctx, s).ID)
	}
	if err := c.Save(ctx); err != nil {
		return false, err
	}
	var rejection *domain.Task
	err := c.untilReady(ctx, func() bool {
		for _, id := range ids {
			if t := c.Tasks.Get(id); t.Status == domain.TaskDone && t.Outcome != domain.OutcomeApproved {
				rejection = t
				return true
			}
		}
		return !c.Tasks.AnyOpen(ids...) && len(c.Tasks.OpenTasks(isWork)) == 0
	})
	if err != nil {
		return false, err
	}
	if rejection == nil {
		return !c.newWork, nil
	}
	c.Tasks.CancelOpen(ctx, "readiness was rejected", func(t domain.Task) bool { return slices.Contains(ids, t.ID) })
	c.rework(ctx, rejection)
	return false, c.Save(ctx)
}

// signOffsBounded reports whether this run keeps its sign-offs due no later than
// the readiness deadline (signOffDueVersion).
func (c *campaign) signOffsBounded(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, signOffDueVersion, workflow.DefaultVersion, 1) >= 1
}

// signOffDue is when a sign-off opened at opened is due, seen at now: one SLA
// after it opened, but no later than the readiness deadline, for a sign-off due
// after it is a launch already slipping. A deadline already past is not one to
// meet any more: the launch slips, and the new deadline bounds it then.
func (c *campaign) signOffDue(opened, now time.Time) time.Time {
	due := opened.Add(c.pol.SignOffSLA.D())
	if d := c.readinessDeadline(); d.After(now) && d.Before(due) {
		due = d
	}
	return due
}

// boundSignOffs moves the open sign-offs' due times to follow a readiness
// deadline that moved: a slip or a new launch time.
func (c *campaign) boundSignOffs(ctx workflow.Context) {
	if c.rec.Stage != domain.StageReadiness || !c.signOffsBounded(ctx) {
		return
	}
	now := workflow.Now(ctx)
	for _, t := range c.Tasks.OpenTasks(func(t domain.Task) bool { return strings.HasPrefix(t.Key, KeySignOff) }) {
		c.Tasks.SetDue(ctx, t.ID, c.signOffDue(t.CreatedAt, now))
	}
}

// fillRework offers a sign-off the finished work it may send back, by title.
func (c *campaign) fillRework(f *domain.Form) {
	var choices []domain.Choice
	for _, t := range c.Tasks.List() {
		if isWork(t) && t.Status == domain.TaskDone {
			choices = append(choices, domain.Choice{Value: t.ID, Label: t.Title})
		}
	}
	f.SetChoices(domain.DataRework, choices)
}

// checkRework validates data.rework of a sign-off: IDs of this campaign's
// finished work tasks. The form offers those finished when the sign-off opened;
// this check takes the work as it is now.
func (c *campaign) checkRework(done domain.Completion) error {
	_, err := c.reworkTargets(done.Data)
	return err
}

func (c *campaign) reworkTargets(data map[string]any) ([]domain.Task, error) {
	var ids []string
	if raw, ok := data[domain.DataRework]; ok {
		if err := kernel.DecodeData(raw, &ids); err != nil {
			return nil, domain.Invalid(domain.FieldProblem{Field: "data.rework", Problem: "must be a list of task IDs"})
		}
	}
	var out []domain.Task
	for _, t := range c.Tasks.List() {
		if isWork(t) && t.Status == domain.TaskDone && (len(ids) == 0 || slices.Contains(ids, t.ID)) {
			out = append(out, t)
		}
	}
	for _, id := range ids {
		if !slices.ContainsFunc(out, func(t domain.Task) bool { return t.ID == id }) {
			return nil, domain.Invalid(domain.FieldProblem{Field: "data.rework", Problem: fmt.Sprintf("%s is not a finished work task of this campaign", id)})
		}
	}
	return out, nil
}

// rework opens a task to redo each piece of work a rejected sign-off names (all
// finished work when it names none).
func (c *campaign) rework(ctx workflow.Context, rejection *domain.Task) {
	targets, _ := c.reworkTargets(rejection.Data) // checked by the validator
	due := workflow.Now(ctx).Add(c.pol.ReviseSLA.D())
	for _, t := range targets {
		c.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyRework + t.ID, Title: "Rework: " + t.Title,
			Description: fmt.Sprintf("%s asked for rework: %s", rejection.CompletedBy, c.Said(rejection.Comment)),
			Team:        t.Team, Role: t.Role, Assignee: t.Assignee, DueAt: due,
		})
		c.reworkCount++
	}
}

// scheduled waits for launch_at (which a change may move). It reports false when
// new work arrived first, which sends the campaign back to production.
func (c *campaign) scheduled(ctx workflow.Context) (bool, error) {
	if err := c.setStage(ctx, domain.StageScheduled); err != nil {
		return false, err
	}
	for {
		c.changeArrived = false
		wait := c.rec.Brief.LaunchAt.Sub(workflow.Now(ctx))
		if wait > 0 {
			if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "launch at " + c.rec.Brief.LaunchAt.Format(time.RFC3339)},
			}, func() bool { return c.changeArrived || c.newWork }); err != nil {
				return false, err
			}
		}
		if c.newWork {
			return false, nil
		}
		if c.changeArrived {
			continue
		}
		// A budget increase still waiting for approval holds the launch.
		if err := workflow.Await(ctx, func() bool { return c.budgetWanted == nil || c.newWork || c.changeArrived }); err != nil {
			return false, err
		}
		if c.budgetWanted == nil && !c.newWork && !c.changeArrived {
			if err := c.holdForRisks(ctx); err != nil {
				return false, err
			}
			if c.newWork || c.changeArrived {
				continue
			}
			return true, nil
		}
	}
}

// tracking records the launch, then evaluates KPI actuals at the policy interval
// until the tracking window closes.
func (c *campaign) tracking(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	c.launchedAt = &now
	if err := c.setStage(ctx, domain.StageTracking); err != nil {
		return err
	}
	c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s launched", c.Quote(c.rec.Brief.Name)), c.Managers()...)
	end := now.Add(c.rec.Brief.TrackingWindow.D())
	for {
		next := workflow.Now(ctx).Add(c.pol.KPIEvaluationInterval.D())
		if next.After(end) {
			next = end
		}
		if err := workflow.NewTimerWithOptions(ctx, next.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: "KPI evaluation"}).Get(ctx, nil); err != nil {
			return err
		}
		if err := c.evaluateKPIs(ctx); err != nil {
			return err
		}
		if !workflow.Now(ctx).Before(end) {
			return nil
		}
	}
}

// evaluateKPIs compares actuals with targets and reports each KPI the first time
// it is off target by more than the policy threshold, and the first time a KPI
// reported so is back on target.
func (c *campaign) evaluateKPIs(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	for _, r := range domain.EvaluateKPIs(c.rec.Brief.KPIs, c.rec.Actuals, c.pol.KPIMissThreshold) {
		if !r.OffMark && r.Actual != nil && c.flaggedKPIs[r.Name] {
			c.kpiBackOnTarget(ctx, r)
		}
		if !r.OffMark || c.flaggedKPIs[r.Name] {
			continue
		}
		c.flaggedKPIs[r.Name] = true
		msg := fmt.Sprintf("KPI %s is off target: %g %s against a target of %g (%s is better)", c.Quote(r.Name), *r.Actual, r.Unit, r.Target, r.Direction)
		c.Event(now, domain.EventKPIMissed, "", "", "%s", msg)
		c.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.Quote(c.rec.Brief.Name), msg), c.Managers()...)
		// A missed KPI is marketing ops' to answer: they approved the goals and own the budget.
		c.raiseRisk(ctx, "kpi:"+r.Name, domain.RiskRaise{
			Title: fmt.Sprintf("%s misses its KPI %s", c.Quote(c.rec.Brief.Name), r.Name), Description: msg,
			Category: domain.CategoryMarket, Probability: 4, Impact: 4, Owner: c.rec.Brief.MarketingOpsManager,
		})
	}
	return c.Save(ctx)
}

// retrospective writes the report and asks both managers for lessons learned.
func (c *campaign) retrospective(ctx workflow.Context) error {
	if err := c.setStage(ctx, domain.StageRetrospective); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	c.rec.Report = &domain.Report{
		KPIs:         domain.EvaluateKPIs(c.rec.Brief.KPIs, c.rec.Actuals, c.pol.KPIMissThreshold),
		TimeInStage:  domain.TimeInStage(c.rec.Stages, now),
		OverdueTasks: c.Tasks.Overdue(),
		ReworkTasks:  c.reworkCount,
		LaunchedAt:   c.launchedAt,
		Estimates:    domain.EstimateAccuracy(c.Tasks.List()),
	}
	if c.launchedAt != nil {
		planned := c.plannedLaunch
		c.rec.Report.PlannedLaunchAt = &planned
		c.rec.Report.LaunchSlipped = domain.LaunchLate(planned, *c.launchedAt)
	}
	var ids []string
	for _, h := range slices.Compact(c.Managers()) {
		ids = append(ids, c.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyRetrospective + h, Title: fmt.Sprintf("Retrospective of %s: lessons learned", c.Quote(c.rec.Brief.Name)),
			Description: "Read the report, then complete with your lessons learned as the comment.",
			Assignee:    h, DueAt: now.Add(c.pol.RetrospectiveSLA.D()),
		}).ID)
	}
	if err := c.Save(ctx); err != nil {
		return err
	}
	if err := c.Tasks.Await(ctx, ids...); err != nil {
		return err
	}
	c.finish(ctx, domain.StatusCompleted, "", "")
	return nil
}
