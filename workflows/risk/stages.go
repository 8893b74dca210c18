package risk

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// handle applies a completed task: an acknowledgement records the response and
// starts the reviews; a review opens the next; closing the issue ends the risk.
func (r *risk) handle(ctx workflow.Context, t *domain.Task) error {
	r.handled[t.ID] = true
	r.steps++
	now := workflow.Now(ctx)
	switch t.Key {
	case KeyAcknowledge:
		plan := planOf(t.Data) // checked against the task's form by the validator
		plan.By, plan.At = t.CompletedBy, now
		r.rec.Response = &plan
		if r.rec.Status == domain.RiskOpen {
			r.rec.Status = domain.RiskAcknowledged
		}
		r.rec.UpdatedAt = now
		r.Event(now, domain.EventRiskResponded, t.CompletedBy, t.ID, "%s acknowledged the risk: %s, due %s — %s", t.CompletedBy, plan.Response, plan.DueAt.Format(time.RFC3339), plan.Plan)
		r.Notify(now, domain.NotifyUpdate, t.ID, fmt.Sprintf("Risk %s acknowledged by %s: %s", r.Quote(r.rec.Title), t.CompletedBy, plan.Response), r.rec.Owner)
		r.openReview(ctx)
	case KeyReview:
		if !r.rec.Status.Terminal() {
			r.openReview(ctx)
		}
	case KeyCloseIssue:
		r.finish(ctx, domain.RiskClosed, t.CompletedBy, t.Comment)
	}
	return r.save(ctx)
}

// openAck opens the acknowledge task at ladder level for who; notice, when set,
// tells them it was escalated to them.
func (r *risk) openAck(ctx workflow.Context, level int, who, notice string) *domain.Task {
	now := workflow.Now(ctx)
	sla := r.pol.AcknowledgeSLA.Of(r.rec.Severity)
	t := r.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindAcknowledge, Key: KeyAcknowledge, Title: fmt.Sprintf("Acknowledge the risk %s", r.Quote(r.rec.Title)),
		Description: "Choose how the risk will be handled, write the plan, and say when the plan is due.",
		Assignee:    who, DueAt: now.Add(sla), RemindAt: now.Add(sla / 2), Notice: notice,
	})
	if level > 0 {
		r.Tasks.SetLevel(t, level)
	}
	r.rec.Level = level
	return t
}

// openReview opens the next periodic review, due one cadence of the risk's
// severity from now, unless one is open.
func (r *risk) openReview(ctx workflow.Context) {
	if t := r.Tasks.Latest(KeyReview); t != nil && t.IsOpen() {
		return
	}
	every := r.pol.ReviewEvery.Of(r.rec.Severity)
	now := workflow.Now(ctx)
	r.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindReview, Key: KeyReview, Title: fmt.Sprintf("Review the risk %s", r.Quote(r.rec.Title)),
		Description: "Is the response working? Complete with done and a comment; re-assess or resolve the risk when it has changed.",
		Assignee:    r.rec.Owner, DueAt: now.Add(every), RemindAt: now.Add(every * 3 / 4),
	})
}

// causeCleared answers the news that what raised the risk has cleared. A risk
// raised by a process for a cause resolves itself: the process saw the cause
// clear (a KPI back on target), the timeline and the owner are told why, and
// whoever still sees a risk there raises it again. A materialized risk is an
// issue people handle: its owner is told, and closes it. News about another
// cause, or a risk already ended, changes nothing.
func (r *risk) causeCleared(ctx workflow.Context, c contract.CauseCleared) error {
	if c.Cause == "" || c.Cause != r.rec.Cause || r.rec.Status.Terminal() {
		return nil
	}
	r.steps++
	why := "the cause cleared: " + c.Why
	if r.rec.Status == domain.RiskMaterialized {
		now := workflow.Now(ctx)
		r.Event(now, domain.EventChanged, "", "", "The cause of the issue cleared (%s); close it once it is handled", c.Why)
		r.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("Risk %s: the cause of the issue cleared (%s); close it once it is handled", r.Quote(r.rec.Title), c.Why), r.rec.Owner)
	} else {
		r.finish(ctx, domain.RiskResolved, "", why)
	}
	return r.save(ctx)
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
