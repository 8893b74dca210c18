package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/hiring"
)

// The demo directory has maya as its only marketing ops manager, managed by
// dana, the only director, who has no manager; ada is the admin.

// rerouteEvents are the timeline entries saying why an approval went elsewhere.
func rerouteEvents(recs *fakeRecords) []string {
	var out []string
	for _, e := range recs.eventsOf(domain.EventTaskEscalated) {
		if strings.Contains(e.Message, "nobody but") {
			out = append(out, e.Message)
		}
	}
	return out
}

// maya, the only marketing ops manager, raises a brief: nobody else may review
// it, so the review goes to her manager, dana, and the timeline says why.
func TestBriefOfTheOnlyMOpsGoesToHerManager(t *testing.T) {
	h := newHarnessWith(t, demoDirectory())
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		if review.Assignee != "dana" {
			t.Fatalf("the review of maya's brief is for %q (role %s), want her manager dana", review.Assignee, review.Role)
		}
		h.refused("maya reviews her own brief", domain.CodeForbidden, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeApproved, "", nil))
		h.complete(review, dana, domain.OutcomeApproved, "", nil)
	})
	h.at(2*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageProduction {
			t.Errorf("stage = %s, want production once dana approved", s)
		}
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief(), RequestedBy: "maya"})
	why := rerouteEvents(h.recs)
	if len(why) != 1 || !strings.Contains(why[0], "nobody but maya holds the marketing ops manager role, and maya raised the brief: it goes to maya's manager, dana") {
		t.Errorf("timeline: %q, want why the review went to dana", why)
	}
	told := false
	for _, n := range h.recs.notificationsOf(domain.NotifyEscalated) {
		told = told || (n.Recipient == "dana" && strings.Contains(n.Subject, "it comes to you because nobody but maya"))
	}
	if !told {
		t.Error("dana was not told why the review came to her")
	}
}

// Without a manager, the review goes one authority up: to a director.
func TestBriefOfTheOnlyMOpsWithoutAManagerGoesUp(t *testing.T) {
	dir := demoDirectory()
	m := dir["maya"]
	m.Manager = ""
	dir["maya"] = m
	h := newHarnessWith(t, dir)
	h.at(time.Hour, func() {
		if review := h.openTask(campaign.KeyBriefReview); review.Assignee != "dana" || review.Role != domain.RoleDirector {
			t.Errorf("review = %+v, want the director dana", review)
		}
	})
	h.cancelAt(2 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief(), RequestedBy: "maya"})
	if why := rerouteEvents(h.recs); len(why) != 1 || !strings.Contains(why[0], "it goes to the next authority up, dana (director)") {
		t.Errorf("timeline: %q", why)
	}
}

// maya raises the budget of her own campaign above the threshold: the approval
// goes to dana too, and the launch waits for it.
func TestBudgetIncreaseByTheOnlyMOpsGoesToHerManager(t *testing.T) {
	h := newHarnessWith(t, demoDirectory())
	in := contract.CampaignInput{Brief: testBrief(), RequestedBy: "maya"}
	h.at(time.Hour, func() { h.complete(h.openTask(campaign.KeyBriefReview), dana, domain.OutcomeApproved, "", nil) })
	h.at(2*time.Hour, func() {
		more := domain.Money{Amount: 80000, Currency: "EUR"}
		h.ok("budget up", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: maya, Change: domain.Change{Budget: &more, Reason: "more paid search"}})
	})
	h.at(3*time.Hour, func() {
		approval := h.openTask(campaign.KeyBudget)
		if approval.Assignee != "dana" {
			t.Fatalf("the budget approval is for %q, want dana", approval.Assignee)
		}
		h.complete(approval, dana, domain.OutcomeApproved, "", nil)
	})
	h.at(4*time.Hour, func() {
		if b := h.detail().Brief.Budget.Amount; b != 80000 {
			t.Errorf("budget = %g, want the approved 80000", b)
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(in)
}

// dana, the only director, requests a hire over the director threshold: nobody
// may take the director step, and dana has no manager and nobody stands above a
// director, so it goes to an admin, and the timeline says why.
func TestHireOfTheOnlyDirectorGoesToAnAdmin(t *testing.T) {
	h, recs := newHiringHarness(t)
	in := hiringInput(200000)
	in.RequestedBy = "dana"
	approveChain(h, time.Hour, maya, hrFinn)
	h.at(3*time.Hour, func() {
		step := hiringTask(h, hiring.KeyStep+"director")
		if step.Assignee != "ada" {
			t.Fatalf("the director step of dana's request is for %q, want the admin ada", step.Assignee)
		}
		h.refused("dana approves her own request", domain.CodeForbidden, contract.UpdateCompleteTask, completion(step, hrDana, domain.OutcomeApproved, "", nil))
		h.complete(step, hrAda, domain.OutcomeApproved, "", nil)
	})
	h.at(4*time.Hour, func() {
		d := hiringDetail(h)
		if d.Step != "hr" || d.Chain[2].DecidedBy != "ada" {
			t.Errorf("step %q, chain %+v: want the HR step after ada approved", d.Step, d.Chain)
		}
	})
	cancelBy(h, 5*time.Hour, hrDana)
	runHiring(h, in)
	why := rerouteEvents(recs.fakeRecords)
	if len(why) != 1 || !strings.Contains(why[0], "nobody but dana holds the director role, and dana raised the hiring request: it goes to an admin, ada") {
		t.Errorf("timeline: %q", why)
	}
}
