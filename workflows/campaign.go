package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// Task keys of the campaign process: what each task is for.
const (
	keyBriefReview   = "brief_review"
	keyRevise        = "revise_brief"
	keySignOff       = "sign_off:"    // + handle or team
	keyDeliverable   = "deliverable:" // + deliverable key (from domain.Plan)
	keyAdded         = "added:"       // + sequence, tasks the PM adds
	keyRework        = "rework:"      // + the reworked task's ID
	keyBudget        = "budget_approval"
	keyRetrospective = "retrospective:" // + handle
)

// campaign is the state of one campaign launch run.
type campaign struct {
	in    CampaignInput
	pol   domain.CampaignPolicy
	rec   domain.Campaign
	out   *recorder
	tasks *humanTasks

	stopRun     workflow.CancelFunc // ends the run early: cancel
	cancelledBy string
	ended       bool
	changed     bool // a change request arrived: waits recompute their deadlines
	newWork     bool // work was added after readiness began: production must run again
	reworkCount int
	launchedAt  *time.Time
	// plannedLaunch is the launch time people planned: the brief's, as approved
	// and as changed by requests, never as a slip moved it.
	plannedLaunch time.Time
	flaggedKPIs   map[string]bool
	clearedKPIs   map[string]bool // missed KPIs back on target, whose risks were told
	budgetWanted  *domain.Money   // a budget increase waiting for MOps approval
}

// linkedRisksVersion guards raising linked risks: runs from before it raise none.
const linkedRisksVersion = "linked-risks"

// kpiRiskClearsVersion guards telling a KPI's risk that the KPI is back on
// target: runs from before it send no such signal.
const kpiRiskClearsVersion = "kpi-risk-clears"

// signOffDueVersion guards sign-offs due no later than the readiness deadline:
// runs from before it keep their sign-offs due one SLA after they opened, whose
// timers their histories hold.
const signOffDueVersion = "sign-off-due"

// CampaignLaunch runs process 1: a campaign from brief review to retrospective.
func CampaignLaunch(ctx workflow.Context, in CampaignInput) (CampaignResult, error) {
	c, err := startCampaign(ctx, in)
	if err != nil {
		return CampaignResult{}, err
	}
	runCtx, stop := workflow.WithCancel(ctx)
	c.stopRun = stop
	err = c.run(runCtx)

	// Whatever ended the run, the end is recorded, even if Temporal is cancelling it.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	switch {
	case err == nil:
	case temporal.IsCanceledError(err):
		c.finish(dctx, domain.StatusCancelled, c.cancelledBy, c.rec.Reason)
	default:
		return CampaignResult{}, err
	}
	if err := workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) }); err != nil {
		return CampaignResult{}, err
	}
	if err := c.out.drain(dctx); err != nil {
		return CampaignResult{}, err
	}
	return CampaignResult{Status: c.rec.Status, Report: c.rec.Report}, nil
}

func startCampaign(ctx workflow.Context, in CampaignInput) (*campaign, error) {
	now := workflow.Now(ctx)
	c := &campaign{in: in, pol: in.Policy.Campaign, flaggedKPIs: map[string]bool{}, clearedKPIs: map[string]bool{}, plannedLaunch: in.Brief.LaunchAt}
	c.rec = domain.Campaign{
		ID: in.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Brief: in.Brief,
		Status: domain.StatusActive, RequestedBy: in.RequestedBy, Actuals: []domain.KPIActual{},
		CreatedAt: now, UpdatedAt: now,
	}
	c.out = newRecorder(ctx, domain.ProcessCampaign, in.ID)
	c.out.snapshot = func(b *domain.Batch) { b.Campaign = c.snapshot() }
	c.out.progress = c.showProgress
	c.tasks = newHumanTasks(c.out, c.rec.WorkflowID, c.pol.ReminderBeforeDue.D(), c.managers)
	c.tasks.onOverdue = c.taskOverdue
	if err := c.tasks.register(ctx); err != nil {
		return nil, err
	}
	if err := c.registerUpdates(ctx); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryDetail, func() (CampaignDetail, error) { return c.detail(), nil }); err != nil {
		return nil, err
	}
	risks := workflow.GetSignalChannel(ctx, SignalRiskChanged)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var l domain.LinkedRisk
			risks.Receive(ctx, &l)
			c.riskChanged(l)
		}
	})
	c.out.event(now, domain.EventStarted, in.RequestedBy, "", "%s started the campaign %s, launching %s", in.RequestedBy, c.out.quote(in.Brief.Name), in.Brief.LaunchAt.Format(time.RFC3339))
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

func (c *campaign) managers() []string {
	return c.rec.Managers()
}

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

func (c *campaign) detail() CampaignDetail {
	all := c.tasks.list()
	tasks, omitted := fitTasks(all, tasksBudget)
	rec := *c.snapshot()
	return CampaignDetail{Campaign: rec, Tasks: tasks, WaitingOn: rec.WaitingOn(all), TasksOmitted: omitted}
}

// setStage moves the campaign to stage s and records it.
func (c *campaign) setStage(ctx workflow.Context, s domain.Stage) error {
	now := workflow.Now(ctx)
	if n := len(c.rec.Stages); n > 0 {
		c.rec.Stages[n-1].Left = &now
	}
	c.rec.Stages = append(c.rec.Stages, domain.StageSpan{Stage: s, Entered: now})
	c.rec.Stage, c.rec.UpdatedAt = s, now
	c.out.changed()
	c.out.event(now, domain.EventStage, "", "", "Stage: %s", stageWords[s])
	return c.save(ctx)
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

// save writes what changed and refreshes what the Temporal UI shows.
func (c *campaign) save(ctx workflow.Context) error {
	c.out.changed()
	if err := c.out.flush(ctx); err != nil {
		return err
	}
	if c.out.local {
		return nil // the writer shows the progress with the write
	}
	return c.showProgress(ctx)
}

// briefReview asks MOps to approve the brief, looping through revisions. It
// reports whether the brief was approved; a rejection ends the campaign.
func (c *campaign) briefReview(ctx workflow.Context) (bool, error) {
	if err := c.setStage(ctx, domain.StageBriefReview); err != nil {
		return false, err
	}
	for round := 1; ; round++ {
		b := c.rec.Brief
		spec := taskSpec{
			Kind: domain.KindApproval, Key: keyBriefReview, Title: fmt.Sprintf("Review the brief of %s", c.out.quote(b.Name)),
			Description: "Approve the goals, KPIs and budget, request changes, or reject the campaign.",
			Team:        domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: b.MarketingOpsManager,
			RequestedBy: c.in.RequestedBy, DueAt: workflow.Now(ctx).Add(c.pol.BriefReviewSLA.D()),
		}
		if round > 1 {
			spec.Title = fmt.Sprintf("Review the revised brief of %s (round %d)", c.out.quote(b.Name), round)
		}
		var why string
		if b.MarketingOpsManager == c.in.RequestedBy {
			// Nobody approves what they raised: any other marketing ops manager
			// reviews it, or, when there is none, whoever soleApprover says.
			spec.Assignee = ""
			var err error
			if why, err = c.elsewhere(ctx, &spec, c.in.RequestedBy, "the brief"); err != nil {
				return false, err
			}
		}
		review := c.tasks.open(ctx, spec)
		if why != "" {
			rerouted(c.out, workflow.Now(ctx), *review, why)
		}
		if err := c.save(ctx); err != nil {
			return false, err
		}
		if err := c.tasks.await(ctx, review.ID); err != nil {
			return false, err
		}
		switch review.Outcome {
		case domain.OutcomeApproved:
			return true, nil
		case domain.OutcomeRejected:
			c.finish(ctx, domain.StatusRejected, review.CompletedBy, review.Comment)
			return false, nil
		}
		revise := c.tasks.open(ctx, taskSpec{
			Kind: domain.KindWork, Key: keyRevise, Title: fmt.Sprintf("Revise the brief of %s", c.out.quote(b.Name)),
			Description: "Changes requested: " + review.Comment + "\nChange what was asked for in the brief; it then goes to marketing ops for review again.",
			Team:        domain.TeamPMO, Role: domain.RoleProjectManager, Assignee: b.ProjectManager,
			DueAt: workflow.Now(ctx).Add(c.pol.ReviseSLA.D()), check: c.checkRevision(ctx), fill: c.fillRevision,
		})
		if err := c.save(ctx); err != nil {
			return false, err
		}
		if err := c.tasks.await(ctx, revise.ID); err != nil {
			return false, err
		}
		if revised, err := c.revisedBrief(workflow.Now(ctx), revise.Data); err == nil {
			c.rec.Brief, c.plannedLaunch = revised, revised.LaunchAt
		}
	}
}

// elsewhere routes an approval that requester may not decide, open to anyone
// else holding its role, to whoever soleApprover says when nobody else does, and
// returns why ("" when it stays as it was). Runs from before
// soleApproverVersion look nobody up.
func (c *campaign) elsewhere(ctx workflow.Context, s *taskSpec, requester, what string) (string, error) {
	if workflow.GetVersion(ctx, soleApproverVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return "", nil
	}
	people, err := findPeople(ctx, s.Role, teamIfBound(s.Role, s.Team))
	if err != nil || !slices.Contains(people, requester) || len(others(people, requester)) > 0 {
		return "", err
	}
	d, ok, err := soleApprover(ctx, c.in.Policy, requester, s.Role, what)
	if err != nil || !ok {
		return "", err
	}
	reroute(s, d)
	return d.Why, nil
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
	if err := decodeData(raw, &rev); err != nil {
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
	return c.save(ctx)
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
	for _, t := range c.tasks.list() {
		if !strings.HasPrefix(t.Key, keyDeliverable) || t.Status == domain.TaskCancelled {
			continue
		}
		have[t.Key] = true
		p, ok := wanted[t.Key]
		switch {
		case !ok:
			c.tasks.cancel(ctx, t.ID, "no channel of the campaign needs it any more")
		case t.IsOpen():
			c.tasks.setDue(ctx, t.ID, p.DueAt)
		}
	}
	for _, p := range plan {
		if have[p.Key] {
			continue
		}
		c.tasks.open(ctx, taskSpec{
			Kind: domain.KindWork, Key: p.Key, Title: fmt.Sprintf("%s for %s", p.Title, c.out.quote(c.rec.Brief.Name)),
			Description: fmt.Sprintf("Channels: %s. Launch %s.", channelList(c.rec.Brief.Channels), c.rec.Brief.LaunchAt.Format(time.RFC3339)),
			Team:        p.Team, Role: p.Role, DueAt: p.DueAt,
		})
		c.noteNewWork()
	}
	c.boundSignOffs(ctx)
	c.out.event(workflow.Now(ctx), domain.EventChanged, "", "", "Work plan %s: %d deliverables", why, len(plan))
}

// noteNewWork marks that work was added after production, so it runs again.
func (c *campaign) noteNewWork() {
	if c.rec.Stage == domain.StageReadiness || c.rec.Stage == domain.StageScheduled {
		c.newWork = true
	}
}

func isWork(t domain.Task) bool {
	return strings.HasPrefix(t.Key, keyDeliverable) || strings.HasPrefix(t.Key, keyAdded) || strings.HasPrefix(t.Key, keyRework)
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
	return c.untilReady(ctx, func() bool { return len(c.tasks.openTasks(isWork)) == 0 })
}

// readinessDeadline is when readiness must be signed off for launch_at to hold.
func (c *campaign) readinessDeadline() time.Time {
	return c.rec.Brief.LaunchAt.Add(-c.pol.ReadinessLeadTime.D())
}

// untilReady waits for done, slipping the launch each time the readiness
// deadline passes first.
func (c *campaign) untilReady(ctx workflow.Context, done func() bool) error {
	for {
		c.changed = false
		wait := c.readinessDeadline().Sub(workflow.Now(ctx))
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "readiness deadline"},
			}, func() bool { return done() || c.changed })
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
	c.out.event(now, domain.EventLaunchSlipped, "", "", "%s", msg)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.out.quote(c.rec.Brief.Name), msg), c.managers()...)
	c.replan(ctx, "rescheduled after the slip")
	return c.save(ctx)
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
	specs := []taskSpec{
		{Key: keySignOff + b.ProjectManager, Title: "Project manager sign-off", Team: domain.TeamPMO, Role: domain.RoleProjectManager, Assignee: b.ProjectManager},
		{Key: keySignOff + b.MarketingOpsManager, Title: "Marketing ops sign-off", Team: domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Assignee: b.MarketingOpsManager},
	}
	if b.Regulated {
		specs = append(specs, taskSpec{Key: keySignOff + string(domain.TeamLegal), Title: "Legal sign-off", Team: domain.TeamLegal, Role: domain.RoleLegal})
	}
	var ids []string
	for _, s := range specs {
		s.Kind, s.DueAt = domain.KindApproval, due
		s.Title = fmt.Sprintf("%s for %s", s.Title, c.out.quote(b.Name))
		s.Description = "Is everything ready to launch? If not, reject and pick the work to redo: it goes back to production."
		s.check, s.fill = c.checkRework, c.fillRework
		ids = append(ids, c.tasks.open(ctx, s).ID)
	}
	if err := c.save(ctx); err != nil {
		return false, err
	}
	var rejection *domain.Task
	err := c.untilReady(ctx, func() bool {
		for _, id := range ids {
			if t := c.tasks.byID[id]; t.Status == domain.TaskDone && t.Outcome != domain.OutcomeApproved {
				rejection = t
				return true
			}
		}
		return !c.tasks.anyOpen(ids...) && len(c.tasks.openTasks(isWork)) == 0
	})
	if err != nil {
		return false, err
	}
	if rejection == nil {
		return !c.newWork, nil
	}
	c.tasks.cancelOpen(ctx, "readiness was rejected", func(t domain.Task) bool { return slices.Contains(ids, t.ID) })
	c.rework(ctx, rejection)
	return false, c.save(ctx)
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
	for _, t := range c.tasks.openTasks(func(t domain.Task) bool { return strings.HasPrefix(t.Key, keySignOff) }) {
		c.tasks.setDue(ctx, t.ID, c.signOffDue(t.CreatedAt, now))
	}
}

// fillRework offers a sign-off the finished work it may send back, by title.
func (c *campaign) fillRework(f *domain.Form) {
	var choices []domain.Choice
	for _, t := range c.tasks.list() {
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
		if err := decodeData(raw, &ids); err != nil {
			return nil, domain.Invalid(domain.FieldProblem{Field: "data.rework", Problem: "must be a list of task IDs"})
		}
	}
	var out []domain.Task
	for _, t := range c.tasks.list() {
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
		c.tasks.open(ctx, taskSpec{
			Kind: domain.KindWork, Key: keyRework + t.ID, Title: "Rework: " + t.Title,
			Description: fmt.Sprintf("%s asked for rework: %s", rejection.CompletedBy, rejection.Comment),
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
		c.changed = false
		wait := c.rec.Brief.LaunchAt.Sub(workflow.Now(ctx))
		if wait > 0 {
			if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "launch at " + c.rec.Brief.LaunchAt.Format(time.RFC3339)},
			}, func() bool { return c.changed || c.newWork }); err != nil {
				return false, err
			}
		}
		if c.newWork {
			return false, nil
		}
		if c.changed {
			continue
		}
		// A budget increase still waiting for approval holds the launch.
		if err := workflow.Await(ctx, func() bool { return c.budgetWanted == nil || c.newWork || c.changed }); err != nil {
			return false, err
		}
		if c.budgetWanted == nil && !c.newWork && !c.changed {
			if err := c.holdForRisks(ctx); err != nil {
				return false, err
			}
			if c.newWork || c.changed {
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
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s launched", c.out.quote(c.rec.Brief.Name)), c.managers()...)
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
		msg := fmt.Sprintf("KPI %s is off target: %g %s against a target of %g (%s is better)", c.out.quote(r.Name), *r.Actual, r.Unit, r.Target, r.Direction)
		c.out.event(now, domain.EventKPIMissed, "", "", "%s", msg)
		c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.out.quote(c.rec.Brief.Name), msg), c.managers()...)
		// A missed KPI is marketing ops' to answer: they approved the goals and own the budget.
		c.raiseRisk(ctx, "kpi:"+r.Name, domain.RiskRaise{
			Title: fmt.Sprintf("%s misses its KPI %s", c.out.quote(c.rec.Brief.Name), r.Name), Description: msg,
			Category: domain.CategoryMarket, Probability: 4, Impact: 4, Owner: c.rec.Brief.MarketingOpsManager,
		})
	}
	return c.save(ctx)
}

// kpiBackOnTarget tells the risk a KPI's miss raised that the KPI is back on
// target, once: the risk resolves itself (see risk.causeCleared), and the
// timeline says so. A KPI that misses again later raises no second risk: its
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
	why := fmt.Sprintf("KPI %s is back on target: %g %s against a target of %g", c.out.quote(r.Name), *r.Actual, r.Unit, r.Target)
	err := workflow.SignalExternalWorkflow(ctx, RiskWorkflowID(id), "", SignalCauseCleared, CauseCleared{Cause: cause, Why: why}).Get(ctx, nil)
	if err != nil {
		// The risk ended meanwhile: nothing to clear.
		workflow.GetLogger(ctx).Warn("could not tell a risk its cause cleared", "risk", id, "error", err)
		return
	}
	now := workflow.Now(ctx)
	if c.rec.Risks[i].Status == domain.RiskMaterialized {
		c.out.event(now, domain.EventKPIOnTarget, "", "", "%s; the owner of the issue %s it raised is told", why, id)
	} else {
		c.out.event(now, domain.EventKPIOnTarget, "", "", "%s; the risk %s it raised resolves itself", why, id)
	}
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.out.quote(c.rec.Brief.Name), why), c.managers()...)
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
		OverdueTasks: len(c.tasks.overdue),
		ReworkTasks:  c.reworkCount,
		LaunchedAt:   c.launchedAt,
	}
	if c.launchedAt != nil {
		planned := c.plannedLaunch
		c.rec.Report.PlannedLaunchAt = &planned
		c.rec.Report.LaunchSlipped = domain.LaunchLate(planned, *c.launchedAt)
	}
	var ids []string
	for _, h := range slices.Compact(c.managers()) {
		ids = append(ids, c.tasks.open(ctx, taskSpec{
			Kind: domain.KindWork, Key: keyRetrospective + h, Title: fmt.Sprintf("Retrospective of %s: lessons learned", c.out.quote(c.rec.Brief.Name)),
			Description: "Read the report, then complete with your lessons learned as the comment.",
			Assignee:    h, DueAt: now.Add(c.pol.RetrospectiveSLA.D()),
		}).ID)
	}
	if err := c.save(ctx); err != nil {
		return err
	}
	if err := c.tasks.await(ctx, ids...); err != nil {
		return err
	}
	c.finish(ctx, domain.StatusCompleted, "", "")
	return nil
}

// finish ends the campaign with status: open tasks cancelled, the end recorded.
func (c *campaign) finish(ctx workflow.Context, status domain.Status, by, reason string) {
	now := workflow.Now(ctx)
	c.tasks.cancelOpen(ctx, "the campaign is "+string(status), nil)
	if n := len(c.rec.Stages); n > 0 {
		c.rec.Stages[n-1].Left = &now
	}
	c.rec.Status, c.rec.Reason, c.rec.UpdatedAt = status, reason, now
	msg := "The campaign is " + string(status)
	if by != "" {
		msg += " by " + by
	}
	if reason != "" {
		msg += ": " + reason
	}
	c.out.event(now, domain.EventEnded, by, "", "%s", msg)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.out.quote(c.rec.Brief.Name), msg), c.managers()...)
	_ = c.save(ctx) // the recorder retries until written; only a terminated run stops it
	c.ended = true
}

// taskOverdue is the campaign's reaction to overdue work, beyond the notices the
// task machinery already sent: a linked schedule risk, owned by the project
// manager, who runs the production schedule.
func (c *campaign) taskOverdue(ctx workflow.Context, t domain.Task) {
	c.raiseRisk(ctx, "overdue:"+t.ID, domain.RiskRaise{
		Title:       fmt.Sprintf("Overdue: %s", t.Title),
		Description: fmt.Sprintf("Task %s for %s was due %s and is not done.", t.ID, whoFor(t), t.DueAt.Format(time.RFC3339)),
		Category:    domain.CategorySchedule, Probability: 4, Impact: 3, Owner: c.rec.Brief.ProjectManager,
	})
	_ = c.showProgress(ctx)
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
		WorkflowID:            RiskWorkflowID(id),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "Risk: " + raise.Title,
		// The description names people; the Temporal UI's details do not.
		StaticDetails: fmt.Sprintf("Raised by campaign %s: %s risk, category %s.", c.in.ID, domain.SeverityOf(raise.Probability*raise.Impact), raise.Category),
	})
	in := RiskInput{ID: id, Raise: raise, RaisedBy: "tandem", Policy: c.in.Policy}
	err := workflow.ExecuteChildWorkflow(cctx, RiskType, in).GetChildWorkflowExecution().Get(ctx, nil)
	var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &dup) {
		workflow.GetLogger(ctx).Error("could not raise a linked risk", "risk", id, "error", err)
		return
	}
	now := workflow.Now(ctx)
	sev := domain.SeverityOf(domain.Score(raise.Probability, raise.Impact))
	c.riskChanged(domain.LinkedRisk{ID: id, Cause: cause, Severity: sev, Status: domain.RiskOpen, Title: raise.Title, Owner: raise.Owner})
	c.out.event(now, domain.EventRiskLinked, "", "", "Raised the %s risk %s: %s (owner %s)", sev, id, raise.Title, raise.Owner)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: risk %s raised: %s", c.out.quote(c.rec.Brief.Name), id, raise.Title), c.managers()...)
	_ = c.save(ctx) // the recorder retries until written
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
	c.out.event(now, domain.EventLaunchHeld, "", "", "Launch held by risk %s: it is critical and open", id)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: launch held by risk %s", c.out.quote(c.rec.Brief.Name), id), c.managers()...)
	if err := c.save(ctx); err != nil {
		return err
	}
	for {
		if err := workflow.Await(ctx, func() bool { return c.holdingRisk() != c.rec.HeldBy || c.newWork || c.changed }); err != nil {
			return err
		}
		if next := c.holdingRisk(); next != "" && !c.newWork && !c.changed {
			c.rec.HeldBy = next // another critical risk still holds it
			if err := c.save(ctx); err != nil {
				return err
			}
			continue
		}
		break
	}
	now = workflow.Now(ctx)
	msg := fmt.Sprintf("Launch released: risk %s no longer holds it", id)
	if late := now.Sub(c.rec.Brief.LaunchAt); late > 0 && !c.newWork && !c.changed {
		msg += fmt.Sprintf("; launching late, %s after %s", late.Round(time.Second), c.rec.Brief.LaunchAt.Format(time.RFC3339))
	}
	c.rec.HeldBy, c.rec.HeldSince = "", nil
	c.out.event(now, domain.EventLaunchReleased, "", "", "%s", msg)
	c.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s", c.out.quote(c.rec.Brief.Name), msg), c.managers()...)
	return c.save(ctx)
}
