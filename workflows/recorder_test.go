package workflows_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// A run waits for its webhook deliveries before it ends, so the retry of one that
// failed is not dropped with it: here the last delivery of a rejected campaign
// fails once and must be delivered on its retry, before the run completes.
func TestRunDrainsWebhookDeliveriesBeforeItEnds(t *testing.T) {
	h := newHarness(t)
	h.webhooks.subscribe(domain.Webhook{ID: "whk_1", URL: "https://hooks.example/tandem", Events: domain.WebhookEventKinds})
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
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeRejected, "No budget", nil)
	})
	if res := h.run(contract.CampaignInput{Brief: testBrief()}); res.Status != domain.StatusRejected {
		t.Fatalf("status = %s", res.Status)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("the rejection's delivery was attempted %d times, want 2: failed, then retried before the run ended", n)
	}
}

// A decision is one write: the completed task and the stages the run moves
// through because of it (planning, production) are written together, and the
// update answers only once they are in the records.
func TestADecisionIsOneWriteBeforeItsAnswer(t *testing.T) {
	h := newHarness(t)
	var review domain.Task
	var before, atAnswer int
	var answered domain.Task
	h.at(time.Hour, func() {
		review = h.openTask(campaign.KeyBriefReview)
		_, before = h.recs.task(review.ID)
		h.env.UpdateWorkflow(contract.UpdateCompleteTask, "approve", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("approval refused: %v", err) },
			OnAccept: func() {},
			OnComplete: func(_ any, err error) {
				if err != nil {
					t.Errorf("approval failed: %v", err)
				}
				answered, atAnswer = h.recs.task(review.ID)
			},
		}, bound(completion(review, maya, domain.OutcomeApproved, "", nil), "approve", h.env.Now()))
	})
	h.at(2*time.Hour, func() {
		if n := atAnswer - before; n != 1 {
			t.Errorf("the approval took %d writes, want 1", n)
		}
		if answered.Status != domain.TaskDone {
			t.Errorf("when the update answered, the records had the task %s, want done", answered.Status)
		}
		h.recs.mu.Lock()
		stage := h.recs.campaign.Stage
		h.recs.mu.Unlock()
		if stage != domain.StageProduction {
			t.Errorf("records show stage %s, want production", stage)
		}
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}

// A write the local activity cannot make (the database is down for its few
// tries) falls back to an ordinary activity, which retries until it is written.
func TestAFailedLocalWriteFallsBackToAnActivity(t *testing.T) {
	h := newHarness(t)
	h.recs.failNext = 3 // the local activity's attempts
	h.at(time.Hour, func() {
		if _, n := h.recs.task(h.openTask(campaign.KeyBriefReview).ID); n != 1 {
			t.Errorf("%d batches written once the run started, want 1", n)
		}
	})
	h.cancelAt(2 * time.Hour)
	if res := h.run(contract.CampaignInput{Brief: testBrief()}); res.Status != domain.StatusCancelled {
		t.Fatalf("status = %s", res.Status)
	}
	if h.recs.calls < 4 {
		t.Errorf("%d writes tried, want the local activity's 3 and the activity's", h.recs.calls)
	}
}

// No webhook delivery is started for a batch no subscription wants.
func TestNoWebhookDeliveriesWithoutSubscribers(t *testing.T) {
	h := newHarness(t)
	var a *activities.Activities
	var deliveries atomic.Int32
	h.env.OnActivity(a.DeliverWebhooks, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.DeliverWebhooksInput) error { deliveries.Add(1); return nil })
	h.approveBrief(time.Hour)
	h.cancelAt(2 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
	if n := deliveries.Load(); n != 0 {
		t.Errorf("%d webhook deliveries started without a subscription, want none", n)
	}
}
