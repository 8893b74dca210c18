package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// quotedBrief is the test brief named with quotes of its own.
func quotedBrief() domain.Brief {
	b := testBrief()
	b.Name = `Spring "Big" launch`
	return b
}

// A name with quotes in it reads as typed in titles, the timeline and
// notifications: quoted “so”, never with backslashes.
func TestTitlesWithQuotesReadWithoutBackslashes(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() {
		if review := h.openTask(campaign.KeyBriefReview); review.Title != `Review the brief of “Spring "Big" launch”` {
			t.Errorf("title = %s", review.Title)
		}
	})
	h.cancelAt(2 * time.Hour)
	h.run(contract.CampaignInput{Brief: quotedBrief()})
	for _, e := range h.recs.events {
		if strings.Contains(e.Message, `\`) {
			t.Errorf("timeline: %s", e.Message)
		}
	}
	for _, n := range h.recs.notifications {
		if strings.Contains(n.Subject, `\`) {
			t.Errorf("notification: %s", n.Subject)
		}
	}
	if started := h.recs.eventsOf(domain.EventStarted); len(started) != 1 || !strings.Contains(started[0].Message, `started the campaign “Spring "Big" launch”`) {
		t.Errorf("started: %+v", started)
	}
}

// A run started before the plain-quotes version keeps quoting as it did, so its
// texts stay of one kind. The change ID is named by its value, as runs in
// flight hold it.
func TestARunFromBeforeKeepsItsQuoting(t *testing.T) {
	h := newHarness(t)
	h.env.OnGetVersion("plain-quotes", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	h.at(time.Hour, func() {
		if review := h.openTask(campaign.KeyBriefReview); review.Title != `Review the brief of "Spring \"Big\" launch"` {
			t.Errorf("title = %s", review.Title)
		}
	})
	h.cancelAt(2 * time.Hour)
	h.run(contract.CampaignInput{Brief: quotedBrief()})
}
