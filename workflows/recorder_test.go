package workflows

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
)

// A run waits for its webhook deliveries before it ends, so the retry of one that
// failed is not dropped with it: here the last delivery of a rejected campaign
// fails once and must be delivered on its retry, before the run completes.
func TestRunDrainsWebhookDeliveriesBeforeItEnds(t *testing.T) {
	h := newHarness(t)
	var a *activities.Activities
	var attempts atomic.Int32 // of the delivery carrying the rejection
	h.env.OnActivity(a.DeliverWebhooks, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DeliverWebhooksInput) error {
			for _, e := range in.Events {
				// The rejection's task_completed is the last event a webhook gets.
				if e.Kind == domain.EventTaskCompleted && attempts.Add(1) == 1 {
					return errors.New("receiver answered 500")
				}
			}
			return nil
		})
	h.at(time.Hour, func() {
		h.complete(h.openTask(keyBriefReview), maya, domain.OutcomeRejected, "No budget", nil)
	})
	if res := h.run(CampaignInput{Brief: testBrief()}); res.Status != domain.StatusRejected {
		t.Fatalf("status = %s", res.Status)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("the rejection's delivery was attempted %d times, want 2: failed, then retried before the run ended", n)
	}
}
