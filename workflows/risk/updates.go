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

// checkAcceptAuthority refuses an acknowledgement choosing to accept a high or
// critical risk from anyone without the authority of MOps or a director.
func (r *risk) checkAcceptAuthority(in contract.CompleteTaskInput) error {
	t := r.Tasks.Get(in.TaskID)
	if t.Key != KeyAcknowledge || in.Completion.Data[domain.DataResponse] != string(domain.ResponseAccept) {
		return nil
	}
	return domain.CheckAcceptRisk(r.rec, in.Actor)
}

// mayAct refuses anyone but who may re-assess or decide the risk: its owner,
// whoever holds one of its open tasks, MOps, directors and admins.
func (r *risk) mayAct(a domain.Actor, what string) error {
	return domain.CheckActOnRisk(r.rec, r.Tasks.List(), a, what)
}

func (r *risk) validateAssess(_ workflow.Context, in contract.AssessRiskInput) error {
	if r.rec.Status.Terminal() {
		return domain.Conflictf("the risk is %s", r.rec.Status)
	}
	if err := r.mayAct(in.Actor, "re-assess"); err != nil {
		return err
	}
	var p domain.Problems
	domain.CheckLevels(&p, in.Probability, in.Impact)
	domain.CheckText(&p, "comment", in.Comment, domain.MaxCommentChars)
	return p.Err()
}

// assess re-scores the risk. A lower or equal band moves the open deadlines to
// the new SLA and cadence; a higher band escalates the acknowledgement.
func (r *risk) assess(ctx workflow.Context, in contract.AssessRiskInput) (contract.RiskDetail, error) {
	now := workflow.Now(ctx)
	old := r.rec.Severity
	score := domain.Score(in.Probability, in.Impact)
	sev := domain.SeverityOf(score)
	r.rec.Probability, r.rec.Impact, r.rec.Score, r.rec.Severity, r.rec.UpdatedAt = in.Probability, in.Impact, score, sev, now
	r.rec.Assessments = append(r.rec.Assessments, domain.Assessment{
		Probability: in.Probability, Impact: in.Impact, Score: score, Severity: sev, By: in.Actor.Handle, Comment: strings.TrimSpace(in.Comment), At: now,
	})
	r.steps++
	r.Event(now, domain.EventRiskAssessed, in.Actor.Handle, "", "%s re-assessed the risk: probability %d, impact %d, score %d, %s (was %s)", in.Actor.Handle, in.Probability, in.Impact, score, sev, old)
	higher := sev.Rank() > old.Rank()
	why := fmt.Sprintf("re-assessed from %s to %s", old, sev)
	ack := r.Tasks.Latest(KeyAcknowledge)
	switch {
	case ack != nil && ack.IsOpen():
		if !higher || !r.climbNow(ctx, ack.ID, why) {
			sla := r.pol.AcknowledgeSLA.Of(sev)
			r.reschedule(ctx, ack, ack.CreatedAt.Add(sla/2), ack.CreatedAt.Add(sla))
		}
	case higher && r.rec.Status == domain.RiskAcknowledged:
		r.reacknowledge(ctx, why)
	}
	if rv := r.Tasks.Latest(KeyReview); rv != nil && rv.IsOpen() {
		every := r.pol.ReviewEvery.Of(sev)
		r.reschedule(ctx, rv, rv.CreatedAt.Add(every*3/4), rv.CreatedAt.Add(every))
	}
	if err := r.save(ctx); err != nil {
		return contract.RiskDetail{}, err
	}
	return r.detail(), nil
}

// reschedule moves an open task's reminder and due time; a due time already
// past makes it due now.
func (r *risk) reschedule(ctx workflow.Context, t *domain.Task, remind, due time.Time) {
	if now := workflow.Now(ctx); due.Before(now) {
		due = now
	}
	r.Tasks.Reschedule(ctx, t.ID, remind, due)
}

func (r *risk) validateDecide(_ workflow.Context, in contract.DecideRiskInput) error {
	if err := domain.CheckRiskDecision(r.rec.Status, in.Decision); err != nil {
		return err
	}
	if err := r.mayAct(in.Actor, string(in.Decision)); err != nil {
		return err
	}
	if in.Decision == domain.DecideAccept {
		if err := domain.CheckAcceptRisk(r.rec, in.Actor); err != nil {
			return err
		}
	}
	var p domain.Problems
	domain.CheckRequiredText(&p, "comment", in.Comment, domain.MaxCommentChars)
	return p.Err()
}

func (r *risk) decide(ctx workflow.Context, in contract.DecideRiskInput) (contract.RiskDetail, error) {
	if r.rec.Status.Terminal() { // a second decision that raced past the validator
		return contract.RiskDetail{}, domain.Conflictf("the risk is %s", r.rec.Status)
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
		r.Tasks.CancelOpen(ctx, "the risk has materialized", nil)
		r.rec.Status, r.rec.Reason, r.rec.UpdatedAt = domain.RiskMaterialized, comment, now
		r.Event(now, domain.EventRiskDecided, by, "", "%s: the risk materialized, it is now an issue — %s", by, comment)
		r.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("Risk %s materialized: %s", r.Quote(r.rec.Title), comment), r.rec.Owner, by)
		r.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyCloseIssue, Title: fmt.Sprintf("Handle the issue %s, then close it", r.Quote(r.rec.Title)),
			Description: "The risk became an issue. Complete this task (done, with a comment) once it is handled: that closes it.",
			Assignee:    r.rec.Owner, DueAt: now.Add(r.pol.ReviewEvery.Of(r.rec.Severity)),
		})
	}
	if err := r.save(ctx); err != nil {
		return contract.RiskDetail{}, err
	}
	return r.detail(), nil
}
