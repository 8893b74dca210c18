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

// What people write (a review's comment, a cancel's reason) is quoted in the
// texts around it, so the board shows it as typed: it puts Tandem's own words
// in the reader's (names for handles, separators in numbers) and leaves what is
// quoted alone. "Aim for 1200, ask maya" must not read "Aim for 1,200, ask Maya
// Ortiz".
func TestPeoplesWordsAreQuotedInTexts(t *testing.T) {
	const said = "Aim for 1200, ask maya"
	h := newHarness(t)
	h.at(time.Hour, func() {
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeChangesRequested, said, nil)
	})
	h.at(2*time.Hour, func() {
		if revise := h.openTask(campaign.KeyRevise); !strings.Contains(revise.Description, "“"+said+"”") {
			t.Errorf("revise description = %q", revise.Description)
		}
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
	quoted := 0
	for _, e := range h.recs.events {
		if strings.Contains(e.Message, said) {
			if !strings.Contains(e.Message, "“"+said+"”") {
				t.Errorf("timeline: %s", e.Message)
			}
			quoted++
		}
	}
	if quoted == 0 {
		t.Error("the comment is in no timeline entry")
	}
}
