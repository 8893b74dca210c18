package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
)

// Task keys of the risk process.
const (
	keyAcknowledge = "acknowledge"
	keyReview      = "review"
	keyCloseIssue  = "close_issue"
)

// RiskInput starts a risk, or continues one as new with Carry set.
type RiskInput struct {
	ID       string           `json:"id"`
	Raise    domain.RiskRaise `json:"raise"`
	RaisedBy string           `json:"raised_by"`
	Policy   domain.Policy    `json:"policy"` // captured at start: later edits never change this risk
	Carry    *RiskCarry       `json:"carry,omitempty"`
}

// RiskCarry is the whole state of a risk handed to its next run, so continuing as
// new loses no task, timer or history.
type RiskCarry struct {
	Risk domain.Risk `json:"risk"`
	// Tasks are the open tasks; closed ones live on in the records.
	Tasks []CarriedTask `json:"tasks"`
	// TaskSeq and RecordSeq continue the numbering of task IDs and record keys, so
	// no ID or idempotency key of an earlier run is ever made again.
	TaskSeq   int               `json:"task_seq"`
	RecordSeq int               `json:"record_seq"`
	Signalled domain.LinkedRisk `json:"signalled"` // what the linked process was last told
	Runs      int               `json:"runs"`
	// Commands are the updates applied within commandTTL, so the next run
	// refuses them again: Temporal deduplicates update IDs within a run only.
	Commands []CarriedCommand `json:"commands,omitempty"`
}

// CauseCleared is what a process tells a risk it raised when the cause has
// cleared: which cause, and in words what changed.
type CauseCleared struct {
	Cause string `json:"cause"`
	Why   string `json:"why"`
}

// RiskResult is how a risk ended.
type RiskResult struct {
	Status domain.RiskStatus `json:"status"`
}

// RiskDetail is the live detail of a risk, answered by QueryDetail.
type RiskDetail struct {
	domain.Risk
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks left out of this answer to keep
	// it within Temporal's payload limit; the task list has them all.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
}

// AssessRiskInput re-assesses a risk.
type AssessRiskInput struct {
	Command
	Actor       domain.Actor `json:"actor"`
	Probability int          `json:"probability"`
	Impact      int          `json:"impact"`
	Comment     string       `json:"comment,omitempty"`
}

// DecideRiskInput resolves, accepts, materializes or closes a risk.
type DecideRiskInput struct {
	Command
	Actor    domain.Actor        `json:"actor"`
	Decision domain.RiskDecision `json:"decision"`
	Comment  string              `json:"comment"`
}

// risk is the state of one risk run.
type risk struct {
	in      RiskInput
	pol     domain.RiskPolicy
	rec     domain.Risk
	out     *recorder
	tasks   *humanTasks
	handled map[string]bool // done tasks whose consequences were applied
	// steps counts what this run did; past the policy's bound it continues as new.
	steps     int
	runs      int
	climbing  bool // an escalation is between its lookups and its new task
	root      workflow.Context
	signalled domain.LinkedRisk
	clears    []CauseCleared // news that the cause cleared, not answered yet
}

var ladderOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	// The directory is the database: a climb waits for it to come back rather
	// than skip a rung. An unknown person is not retried (non-retryable error).
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "escalation ladder lookup",
}

// RiskProcess runs process 3: a risk from raised to resolved, accepted or closed.
func RiskProcess(ctx workflow.Context, in RiskInput) (RiskResult, error) {
	r, err := startRisk(ctx, in)
	if err != nil {
		return RiskResult{}, err
	}
	for {
		if err := workflow.Await(ctx, func() bool {
			return r.rec.Status.Terminal() || r.nextDone() != nil || len(r.clears) > 0 || r.mayContinue(ctx)
		}); err != nil {
			return RiskResult{}, err
		}
		switch t := r.nextDone(); {
		case r.rec.Status.Terminal():
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !r.climbing }); err != nil {
				return RiskResult{}, err
			}
			if err := r.out.drain(ctx); err != nil {
				return RiskResult{}, err
			}
			return RiskResult{Status: r.rec.Status}, nil
		case t != nil:
			if err := r.handle(ctx, t); err != nil {
				return RiskResult{}, err
			}
		case len(r.clears) > 0:
			c := r.clears[0]
			r.clears = r.clears[1:]
			if err := r.causeCleared(ctx, c); err != nil {
				return RiskResult{}, err
			}
		default:
			// Updates finish before the state is handed on, so none is lost.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !r.climbing }); err != nil {
				return RiskResult{}, err
			}
			if r.nextDone() != nil || r.rec.Status.Terminal() || len(r.clears) > 0 {
				continue // an update or news landed meanwhile: apply it first
			}
			return RiskResult{}, r.continueAsNew(ctx)
		}
	}
}

func startRisk(ctx workflow.Context, in RiskInput) (*risk, error) {
	r := &risk{in: in, pol: in.Policy.Risk, handled: map[string]bool{}, root: ctx}
	wid := workflow.GetInfo(ctx).WorkflowExecution.ID
	r.out = newRecorder(ctx, domain.ProcessRisk, in.ID)
	r.out.snapshot = func(b *domain.Batch) { b.Risk = r.snapshot() }
	r.out.progress = r.showProgress
	r.tasks = newHumanTasks(r.out, wid, 0, func() []string { return r.rec.Managers() }) // read at each use: the owner may change
	r.tasks.onOverdue = r.overdue
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
		ID: in.ID, WorkflowID: wid, Title: rs.Title, Description: rs.Description, Category: rs.Category,
		Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: domain.SeverityOf(score),
		Owner: rs.Owner, RaisedBy: in.RaisedBy, Related: rs.Related, Cause: rs.Cause, Status: domain.RiskOpen,
		Assessments: []domain.Assessment{{Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: domain.SeverityOf(score), By: in.RaisedBy, At: now}},
		Escalations: []domain.RiskEscalation{}, CreatedAt: now, UpdatedAt: now,
	}
	r.out.event(now, domain.EventRiskRaised, in.RaisedBy, "", "%s raised the %s risk %s (score %d), owned by %s", in.RaisedBy, r.rec.Severity, r.out.quote(rs.Title), score, rs.Owner)
	r.openAck(ctx, 0, rs.Owner, "")
	return r, r.save(ctx)
}

// register installs the task updates (with the risk's own authority check on
// acknowledgements), the risk's updates and its query.
func (r *risk) register(ctx workflow.Context) error {
	r.tasks.authorize = r.checkAcceptAuthority
	if err := r.tasks.register(ctx); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAssessRisk, r.assess,
		workflow.UpdateHandlerOptions{Validator: r.validateAssess}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideRisk, r.decide,
		workflow.UpdateHandlerOptions{Validator: r.validateDecide}); err != nil {
		return err
	}
	cleared := workflow.GetSignalChannel(ctx, SignalCauseCleared)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var c CauseCleared
			cleared.Receive(ctx, &c)
			r.clears = append(r.clears, c) // the run's loop answers it, in turn with the rest
		}
	})
	return workflow.SetQueryHandler(ctx, QueryDetail, func() (RiskDetail, error) { return r.detail(), nil })
}

// causeCleared answers the news that what raised the risk has cleared. A risk
// raised by a process for a cause resolves itself: the process saw the cause
// clear (a KPI back on target), the timeline and the owner are told why, and
// whoever still sees a risk there raises it again. A materialized risk is an
// issue people handle: its owner is told, and closes it. News about another
// cause, or a risk already ended, changes nothing.
func (r *risk) causeCleared(ctx workflow.Context, c CauseCleared) error {
	if c.Cause == "" || c.Cause != r.rec.Cause || r.rec.Status.Terminal() {
		return nil
	}
	r.steps++
	why := "the cause cleared: " + c.Why
	if r.rec.Status == domain.RiskMaterialized {
		now := workflow.Now(ctx)
		r.out.event(now, domain.EventChanged, "", "", "The cause of the issue cleared (%s); close it once it is handled", c.Why)
		r.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("Risk %s: the cause of the issue cleared (%s); close it once it is handled", r.out.quote(r.rec.Title), c.Why), r.rec.Owner)
	} else {
		r.finish(ctx, domain.RiskResolved, "", why)
	}
	return r.save(ctx)
}

// restore takes over the state a previous run carried: the record, the open
// tasks with their IDs, due times and levels, and re-arms their timers.
func (r *risk) restore(c *RiskCarry) {
	r.rec, r.signalled, r.runs = c.Risk, c.Signalled, c.Runs
	r.out.seq = c.RecordSeq
	r.tasks.cmds = newCommands(c.Commands)
	r.tasks.restore(c.TaskSeq, c.Tasks)
}

// mayContinue reports whether the run should hand its state to a new run: its
// history has grown past the policy's bound, or Temporal suggests it.
func (r *risk) mayContinue(ctx workflow.Context) bool {
	return !r.climbing && (r.steps >= r.pol.ContinueAsNewAfter || workflow.GetInfo(ctx).GetContinueAsNewSuggested())
}

func (r *risk) continueAsNew(ctx workflow.Context) error {
	if err := r.out.flush(ctx); err != nil {
		return err
	}
	if err := r.out.drain(ctx); err != nil {
		return err
	}
	c := &RiskCarry{Risk: *r.snapshot(), RecordSeq: r.out.seq, Signalled: r.signalled, Runs: r.runs + 1, Commands: r.tasks.cmds.carry()}
	c.TaskSeq, c.Tasks = r.tasks.carry()
	next := r.in
	next.Carry = c
	return workflow.NewContinueAsNewError(ctx, RiskType, next)
}

// nextDone is the first completed task whose consequences are not applied yet.
func (r *risk) nextDone() *domain.Task {
	for _, id := range r.tasks.order {
		if t := r.tasks.byID[id]; t.Status == domain.TaskDone && !r.handled[id] {
			return t
		}
	}
	return nil
}

// handle applies a completed task: an acknowledgement records the response and
// starts the reviews; a review opens the next; closing the issue ends the risk.
func (r *risk) handle(ctx workflow.Context, t *domain.Task) error {
	r.handled[t.ID] = true
	r.steps++
	now := workflow.Now(ctx)
	switch t.Key {
	case keyAcknowledge:
		plan := planOf(t.Data) // checked against the task's form by the validator
		plan.By, plan.At = t.CompletedBy, now
		r.rec.Response = &plan
		if r.rec.Status == domain.RiskOpen {
			r.rec.Status = domain.RiskAcknowledged
		}
		r.rec.UpdatedAt = now
		r.out.event(now, domain.EventRiskResponded, t.CompletedBy, t.ID, "%s acknowledged the risk: %s, due %s — %s", t.CompletedBy, plan.Response, plan.DueAt.Format(time.RFC3339), plan.Plan)
		r.out.notify(now, domain.NotifyUpdate, t.ID, fmt.Sprintf("Risk %s acknowledged by %s: %s", r.out.quote(r.rec.Title), t.CompletedBy, plan.Response), r.rec.Owner)
		r.openReview(ctx)
	case keyReview:
		if !r.rec.Status.Terminal() {
			r.openReview(ctx)
		}
	case keyCloseIssue:
		r.finish(ctx, domain.RiskClosed, t.CompletedBy, t.Comment)
	}
	return r.save(ctx)
}

// openAck opens the acknowledge task at ladder level for who; notice, when set,
// tells them it was escalated to them.
func (r *risk) openAck(ctx workflow.Context, level int, who, notice string) *domain.Task {
	now := workflow.Now(ctx)
	sla := r.pol.AcknowledgeSLA.Of(r.rec.Severity)
	t := r.tasks.open(ctx, taskSpec{
		Kind: domain.KindAcknowledge, Key: keyAcknowledge, Title: fmt.Sprintf("Acknowledge the risk %s", r.out.quote(r.rec.Title)),
		Description: "Choose how the risk will be handled, write the plan, and say when the plan is due.",
		Assignee:    who, DueAt: now.Add(sla), RemindAt: now.Add(sla / 2), notice: notice,
	})
	if level > 0 {
		t.EscalationLevel = level
		r.out.task(*t)
	}
	r.rec.Level = level
	return t
}

// openReview opens the next periodic review, due one cadence of the risk's
// severity from now, unless one is open.
func (r *risk) openReview(ctx workflow.Context) {
	if t := r.tasks.latest(keyReview); t != nil && t.IsOpen() {
		return
	}
	every := r.pol.ReviewEvery.Of(r.rec.Severity)
	now := workflow.Now(ctx)
	r.tasks.open(ctx, taskSpec{
		Kind: domain.KindReview, Key: keyReview, Title: fmt.Sprintf("Review the risk %s", r.out.quote(r.rec.Title)),
		Description: "Is the response working? Complete with done and a comment; re-assess or resolve the risk when it has changed.",
		Assignee:    r.rec.Owner, DueAt: now.Add(every), RemindAt: now.Add(every * 3 / 4),
	})
}

// overdue is the reaction to an unacknowledged risk: one level up the ladder.
// Escalating expires the task whose timer calls this, which cancels the caller's
// context, so the climb runs in a coroutine of the run's own.
func (r *risk) overdue(_ workflow.Context, t domain.Task) {
	if t.Key != keyAcknowledge || r.rec.Status.Terminal() || r.climbing {
		return
	}
	r.climbing = true
	why := fmt.Sprintf("not acknowledged within the %s SLA of a %s risk", domain.Duration(r.pol.AcknowledgeSLA.Of(r.rec.Severity)), r.rec.Severity)
	workflow.Go(r.root, func(ctx workflow.Context) {
		defer func() { r.climbing = false }()
		if r.climb(ctx, t.ID, why) {
			_ = r.save(ctx) // the recorder retries until written
		}
	})
}

// climbNow climbs unless an escalation is already under way.
func (r *risk) climbNow(ctx workflow.Context, id, why string) bool {
	if r.climbing {
		return false
	}
	r.climbing = true
	defer func() { r.climbing = false }()
	return r.climb(ctx, id, why)
}

// climb moves the open acknowledge task id to the next rung of the ladder that
// has somebody new, with the SLA of the risk's severity. It reports whether it
// escalated: at the top of the ladder, or when the task was answered meanwhile,
// there is nobody to climb to. The caller sets climbing.
func (r *risk) climb(ctx workflow.Context, id, why string) bool {
	cur := r.tasks.byID[id]
	for level := r.rec.Level + 1; level < len(r.pol.Ladder); level++ {
		who := r.rungHolder(ctx, level)
		if !cur.IsOpen() || r.rec.Status.Terminal() {
			return false
		}
		if who == "" || who == cur.Assignee || who == r.rec.Owner {
			continue
		}
		now := workflow.Now(ctx)
		sla := r.pol.AcknowledgeSLA.Of(r.rec.Severity)
		next := r.tasks.escalate(ctx, id, escalation{Assignee: who, DueAt: now.Add(sla), RemindAt: now.Add(sla / 2), Why: why})
		next.EscalationLevel = level
		r.out.task(*next)
		r.escalated(now, level, cur.Assignee, who, why, next.ID)
		return true
	}
	return false
}

// escalated records one step up the ladder and tells the owner.
func (r *risk) escalated(now time.Time, level int, from, to, why, taskID string) {
	r.steps++
	r.rec.Level, r.rec.UpdatedAt = level, now
	r.rec.Escalations = append(r.rec.Escalations, domain.RiskEscalation{Level: level, From: from, To: to, Why: why, At: now})
	r.out.event(now, domain.EventRiskEscalated, "", taskID, "The %s risk %s escalated to level %d (%s, %s): %s", r.rec.Severity, r.out.quote(r.rec.Title), level, r.pol.Ladder[level], to, why)
	if from != r.rec.Owner {
		r.out.notify(now, domain.NotifyEscalated, taskID, fmt.Sprintf("Risk %s escalated to %s (level %d): %s", r.out.quote(r.rec.Title), to, level, why), r.rec.Owner)
	}
}

// rungHolder is who stands on a rung of the ladder, or "" when nobody does.
func (r *risk) rungHolder(ctx workflow.Context, level int) string {
	ctx = workflow.WithActivityOptions(ctx, ladderOptions)
	var a *activities.Activities
	switch rung := r.pol.Ladder[level]; rung {
	case domain.RungOwner:
		return r.rec.Owner
	case domain.RungManager:
		var ref domain.PersonRef
		if err := workflow.ExecuteActivity(ctx, a.LookupPerson, r.rec.Owner).Get(ctx, &ref); err != nil {
			workflow.GetLogger(ctx).Warn("no manager to escalate to", "owner", r.rec.Owner, "error", err)
			return ""
		}
		return ref.Manager
	default:
		var handles []string
		if err := workflow.ExecuteActivity(ctx, a.FindPeople, activities.FindPeopleInput{Role: domain.Role(rung)}).Get(ctx, &handles); err != nil || len(handles) == 0 {
			workflow.GetLogger(ctx).Warn("nobody holds the role to escalate to", "role", rung, "error", err)
			return ""
		}
		return handles[0]
	}
}

// planOf reads an acknowledgement's answer: data.response, data.plan and
// data.due_at, which the task's form has checked.
func planOf(data map[string]any) domain.RiskPlan {
	response, _ := data[domain.DataResponse].(string)
	plan, _ := data[domain.DataPlan].(string)
	due, _ := data[domain.DataDueAt].(string)
	at, _ := time.Parse(time.RFC3339, due)
	return domain.RiskPlan{Response: domain.Response(response), Plan: strings.TrimSpace(plan), DueAt: at.UTC()}
}

// checkAcceptAuthority refuses an acknowledgement choosing to accept a high or
// critical risk from anyone without the authority of MOps or a director.
func (r *risk) checkAcceptAuthority(in CompleteTaskInput) error {
	t := r.tasks.byID[in.TaskID]
	if t.Key != keyAcknowledge || in.Completion.Data[domain.DataResponse] != string(domain.ResponseAccept) {
		return nil
	}
	return domain.CheckAcceptRisk(r.rec, in.Actor)
}

// mayAct refuses anyone but who may re-assess or decide the risk: its owner,
// whoever holds one of its open tasks, MOps, directors and admins.
func (r *risk) mayAct(a domain.Actor, what string) error {
	return domain.CheckActOnRisk(r.rec, r.tasks.list(), a, what)
}

func (r *risk) validateAssess(ctx workflow.Context, in AssessRiskInput) error {
	if err := r.tasks.cmds.check(ctx, in.Command); err != nil {
		return refusal(err)
	}
	var p domain.Problems
	domain.CheckLevels(&p, in.Probability, in.Impact)
	domain.CheckText(&p, "comment", in.Comment, domain.MaxCommentChars)
	switch {
	case r.rec.Status.Terminal():
		return refusal(domain.Conflictf("the risk is %s", r.rec.Status))
	}
	if err := r.mayAct(in.Actor, "re-assess"); err != nil {
		return refusal(err)
	}
	return refusal(p.Err())
}

// assess re-scores the risk. A lower or equal band moves the open deadlines to
// the new SLA and cadence; a higher band escalates the acknowledgement.
func (r *risk) assess(ctx workflow.Context, in AssessRiskInput) (RiskDetail, error) {
	r.tasks.cmds.note(ctx)
	now := workflow.Now(ctx)
	old := r.rec.Severity
	score := domain.Score(in.Probability, in.Impact)
	sev := domain.SeverityOf(score)
	r.rec.Probability, r.rec.Impact, r.rec.Score, r.rec.Severity, r.rec.UpdatedAt = in.Probability, in.Impact, score, sev, now
	r.rec.Assessments = append(r.rec.Assessments, domain.Assessment{
		Probability: in.Probability, Impact: in.Impact, Score: score, Severity: sev, By: in.Actor.Handle, Comment: strings.TrimSpace(in.Comment), At: now,
	})
	r.steps++
	r.out.event(now, domain.EventRiskAssessed, in.Actor.Handle, "", "%s re-assessed the risk: probability %d, impact %d, score %d, %s (was %s)", in.Actor.Handle, in.Probability, in.Impact, score, sev, old)
	higher := sev.Rank() > old.Rank()
	why := fmt.Sprintf("re-assessed from %s to %s", old, sev)
	ack := r.tasks.latest(keyAcknowledge)
	switch {
	case ack != nil && ack.IsOpen():
		if !higher || !r.climbNow(ctx, ack.ID, why) {
			sla := r.pol.AcknowledgeSLA.Of(sev)
			r.reschedule(ctx, ack, ack.CreatedAt.Add(sla/2), ack.CreatedAt.Add(sla))
		}
	case higher && r.rec.Status == domain.RiskAcknowledged:
		r.reacknowledge(ctx, why)
	}
	if rv := r.tasks.latest(keyReview); rv != nil && rv.IsOpen() {
		every := r.pol.ReviewEvery.Of(sev)
		r.reschedule(ctx, rv, rv.CreatedAt.Add(every*3/4), rv.CreatedAt.Add(every))
	}
	if err := r.save(ctx); err != nil {
		return RiskDetail{}, err
	}
	return r.detail(), nil
}

// reschedule moves an open task's reminder and due time; a due time already
// past makes it due now.
func (r *risk) reschedule(ctx workflow.Context, t *domain.Task, remind, due time.Time) {
	if now := workflow.Now(ctx); due.Before(now) {
		due = now
	}
	spec := r.tasks.specs[t.ID]
	spec.RemindAt = remind
	r.tasks.specs[t.ID] = spec
	r.tasks.setDue(ctx, t.ID, due)
}

// reacknowledge asks the next rung above the owner to acknowledge a risk that
// got worse after it was acknowledged.
func (r *risk) reacknowledge(ctx workflow.Context, why string) {
	if r.climbing {
		return
	}
	r.climbing = true
	defer func() { r.climbing = false }()
	for level := 1; level < len(r.pol.Ladder); level++ {
		who := r.rungHolder(ctx, level)
		if who == "" || who == r.rec.Owner || r.rec.Status != domain.RiskAcknowledged {
			continue
		}
		now := workflow.Now(ctx)
		t := r.openAck(ctx, level, who, fmt.Sprintf("Escalated: the risk %s was %s; acknowledge it", r.out.quote(r.rec.Title), why))
		r.rec.Status = domain.RiskOpen
		r.escalated(now, level, r.rec.Owner, who, why, t.ID)
		return
	}
}

func (r *risk) validateDecide(ctx workflow.Context, in DecideRiskInput) error {
	err := r.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = domain.CheckRiskDecision(r.rec.Status, in.Decision)
	}
	if err == nil {
		err = r.mayAct(in.Actor, string(in.Decision))
	}
	if err == nil && in.Decision == domain.DecideAccept {
		err = domain.CheckAcceptRisk(r.rec, in.Actor)
	}
	if err == nil {
		var p domain.Problems
		domain.CheckRequiredText(&p, "comment", in.Comment, domain.MaxCommentChars)
		err = p.Err()
	}
	return refusal(err)
}

func (r *risk) decide(ctx workflow.Context, in DecideRiskInput) (RiskDetail, error) {
	r.tasks.cmds.note(ctx)
	if r.rec.Status.Terminal() { // a second decision that raced past the validator
		return RiskDetail{}, refusal(domain.Conflictf("the risk is %s", r.rec.Status))
	}
	r.steps++
	by, comment := in.Actor.Handle, strings.TrimSpace(in.Comment)
	switch in.Decision {
	case domain.DecideResolve:
		r.finish(ctx, domain.RiskResolved, by, comment)
	case domain.DecideAccept:
		r.finish(ctx, domain.RiskAccepted, by, comment)
	case domain.DecideClose:
		r.finish(ctx, domain.RiskClosed, by, comment)
	case domain.DecideMaterialize:
		now := workflow.Now(ctx)
		r.tasks.cancelOpen(ctx, "the risk has materialized", nil)
		r.rec.Status, r.rec.Reason, r.rec.UpdatedAt = domain.RiskMaterialized, comment, now
		r.out.event(now, domain.EventRiskDecided, by, "", "%s: the risk materialized, it is now an issue — %s", by, comment)
		r.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("Risk %s materialized: %s", r.out.quote(r.rec.Title), comment), r.rec.Owner, by)
		r.tasks.open(ctx, taskSpec{
			Kind: domain.KindWork, Key: keyCloseIssue, Title: fmt.Sprintf("Handle the issue %s, then close it", r.out.quote(r.rec.Title)),
			Description: "The risk became an issue. Complete this task (done, with a comment) once it is handled: that closes it.",
			Assignee:    r.rec.Owner, DueAt: now.Add(r.pol.ReviewEvery.Of(r.rec.Severity)),
		})
	}
	if err := r.save(ctx); err != nil {
		return RiskDetail{}, err
	}
	return r.detail(), nil
}

// finish ends the risk with status: open tasks cancelled, the end recorded.
func (r *risk) finish(ctx workflow.Context, status domain.RiskStatus, by, reason string) {
	now := workflow.Now(ctx)
	r.tasks.cancelOpen(ctx, "the risk is "+string(status), nil)
	r.rec.Status, r.rec.Reason, r.rec.UpdatedAt, r.rec.EndedAt = status, reason, now, &now
	msg := fmt.Sprintf("The risk is %s", status)
	if by != "" {
		msg += " by " + by
	}
	if reason != "" {
		msg += ": " + reason
	}
	r.out.event(now, domain.EventRiskDecided, by, "", "%s", msg)
	r.out.notify(now, domain.NotifyUpdate, "", fmt.Sprintf("Risk %s: %s", r.out.quote(r.rec.Title), msg), r.rec.Owner)
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

func (r *risk) detail() RiskDetail {
	all := r.tasks.list()
	tasks, omitted := fitTasks(all, tasksBudget)
	return RiskDetail{Risk: *r.snapshot(), Tasks: tasks, WaitingOn: domain.WaitingOnOf(all), TasksOmitted: omitted}
}

// save writes the record with what is queued, refreshes what the Temporal UI
// shows, and tells the linked campaign when severity or status changed.
func (r *risk) save(ctx workflow.Context) error {
	r.out.changed()
	if err := r.out.flush(ctx); err != nil {
		return err
	}
	if !r.out.local { // a newer run's writer shows the progress with the write
		if err := r.showProgress(ctx); err != nil {
			return err
		}
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
	err := workflow.SignalExternalWorkflow(ctx, CampaignWorkflowID(rel.ID), "", SignalRiskChanged, r.signalled).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the linked campaign", "campaign", rel.ID, "error", err)
	}
}

// showProgress keeps the Temporal UI current: severity, level and the teams the
// risk waits on as search attributes, and which team must act by when as details.
func (r *risk) showProgress(ctx workflow.Context) error {
	return showProgress(ctx, r.tasks, string(r.rec.Status), string(r.rec.Status), r.currentDetails,
		AttrProcess.ValueSet(string(domain.ProcessRisk)),
		AttrSeverity.ValueSet(string(r.rec.Severity)),
		AttrLevel.ValueSet(int64(r.rec.Level)),
	)
}

func (r *risk) currentDetails(open []domain.Task, _ time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s risk (score %d), **%s**, escalation level %d\n\n", r.rec.Title, r.rec.Severity, r.rec.Score, r.rec.Status, r.rec.Level)
	if len(open) == 0 {
		b.WriteString("Waiting on nobody.\n")
		return b.String()
	}
	b.WriteString("Must act:\n")
	for _, t := range open {
		fmt.Fprintf(&b, "- %s: %s, by %s\n", teamOf(t), t.Title, t.DueAt.Format(time.RFC3339))
	}
	return b.String()
}
