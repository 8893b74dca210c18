package notifier

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
)

const (
	// Tick is the time between two passes of the outbox and the e-mail: how
	// late a mention's e-mail or a comment's webhook may be.
	Tick = time.Minute
	// DigestEvery is the time between two digest passes: a digest due at
	// domain.DigestHour goes out within it, in every zone (those a half or
	// a quarter of an hour off UTC included).
	DigestEvery = 15 * time.Minute
	// ticksPerRun is how many passes one run makes before it continues as
	// new: an hour, a few hundred events of history.
	ticksPerRun = 60
)

// passOptions: a pass is bounded (a batch of outbox events, each delivery
// within its own timeout, and a few pages of notifications), and one that
// fails is tried a little, then left to the next tick, which starts over
// from the records.
var passOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 3},
}

// Workflow passes every Tick and, when due, sends the digests, for an hour,
// then continues as new. A pass that fails is logged and the next one tries
// again; only a cancellation ends the run.
func Workflow(ctx workflow.Context, in contract.NotifierInput) error {
	var a *activities.Activities
	log := workflow.GetLogger(ctx)
	for range ticksPerRun {
		now := workflow.Now(ctx)
		dispatch := workflow.WithActivityOptions(ctx, withSummary(passOptions, "dispatch notifications"))
		if err := workflow.ExecuteActivity(dispatch, a.DispatchNotifications, activities.DispatchInput{Now: now}).Get(ctx, nil); err != nil {
			log.Warn("notifier pass failed; the next one starts over", "err", err)
		}
		if !now.Before(in.NextDigest) {
			digests := workflow.WithActivityOptions(ctx, withSummary(passOptions, "send digests"))
			if err := workflow.ExecuteActivity(digests, a.SendDigests, activities.SendDigestsInput{Now: now}).Get(ctx, nil); err != nil {
				log.Warn("digest pass failed; the next one sends what is still due", "err", err)
			}
			in.NextDigest = now.Truncate(DigestEvery).Add(DigestEvery)
		}
		if err := workflow.NewTimerWithOptions(ctx, Tick, workflow.TimerOptions{Summary: "next pass"}).Get(ctx, nil); err != nil {
			return err // cancelled
		}
	}
	return workflow.NewContinueAsNewError(ctx, contract.NotifierType, in)
}

func withSummary(o workflow.ActivityOptions, summary string) workflow.ActivityOptions {
	o.Summary = summary
	return o
}
