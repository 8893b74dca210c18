package risk

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

var ladderOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	// The directory is the database: a climb waits for it to come back rather
	// than skip a rung. An unknown person is not retried (non-retryable error).
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "escalation ladder lookup",
}

// overdue is the reaction to an unacknowledged risk: one level up the ladder.
// Escalating expires the task whose timer calls this, which cancels the caller's
// context, so the climb runs in a coroutine of the run's own.
func (r *risk) overdue(_ workflow.Context, t domain.Task) {
	if t.Key != KeyAcknowledge || r.rec.Status.Terminal() || r.climbing {
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
	cur := r.Tasks.Get(id)
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
		next := r.Tasks.Escalate(ctx, id, kernel.Escalation{Assignee: who, DueAt: now.Add(sla), RemindAt: now.Add(sla / 2), Why: why})
		r.Tasks.SetLevel(next, level)
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
	r.Event(now, domain.EventRiskEscalated, "", taskID, "The %s risk %s escalated to level %d (%s, %s): %s", r.rec.Severity, r.Quote(r.rec.Title), level, r.pol.Ladder[level], to, why)
	if from != r.rec.Owner {
		r.Notify(now, domain.NotifyEscalated, taskID, fmt.Sprintf("Risk %s escalated to %s (level %d): %s", r.Quote(r.rec.Title), to, level, why), r.rec.Owner)
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
		t := r.openAck(ctx, level, who, fmt.Sprintf("Escalated: the risk %s was %s; acknowledge it", r.Quote(r.rec.Title), why))
		r.rec.Status = domain.RiskOpen
		r.escalated(now, level, r.rec.Owner, who, why, t.ID)
		return
	}
}
