package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/risk"
)

// A disabled person's task goes back to its queue through release-task, sent
// by the system actor: once, while the person still holds it, with a timeline
// entry saying why; then anyone of the queue completes it.
func TestReleasedTaskGoesBackToItsQueue(t *testing.T) {
	h := newHarness(t)
	sys := domain.SystemActor()
	release := func(task domain.Task) contract.ReleaseTaskInput {
		return contract.ReleaseTaskInput{TaskID: task.ID, Actor: sys, From: "maya", Reason: "maya was disabled"}
	}
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		if review.Assignee != "maya" {
			t.Fatalf("the brief review is with %q, want maya", review.Assignee)
		}
		h.refused("a project manager", domain.CodeForbidden, contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: review.ID, Actor: pat, From: "maya", Reason: "maya was disabled"})
		h.refusedField("no reason", "reason", contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: review.ID, Actor: sys, From: "maya"})
		h.refused("from someone who does not hold it", domain.CodeConflict, contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: review.ID, Actor: sys, From: "omar", Reason: "omar was disabled"})
		h.refusedField("to the person it is from", "assignee", contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: review.ID, Actor: sys, From: "maya", Assignee: "maya", Reason: "maya was disabled"})
		h.ok("back to the queue", contract.UpdateReleaseTask, release(review))
	})
	h.at(2*time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		if review.Assignee != "" {
			t.Errorf("after the release the brief review is with %q, want its queue", review.Assignee)
		}
		// A retry of the disabling, under a new update ID: maya no longer holds it.
		h.refused("released again", domain.CodeConflict, contract.UpdateReleaseTask, release(review))
		h.complete(review, mo2, domain.OutcomeApproved, "", nil)
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})

	var said []string
	for _, e := range h.recs.eventsOf(domain.EventTaskReassign) {
		said = append(said, e.Message)
		if e.Actor != domain.SystemHandle {
			t.Errorf("release recorded as by %q, want %s", e.Actor, domain.SystemHandle)
		}
	}
	if len(said) != 1 || !strings.HasPrefix(said[0], "maya was disabled; ") || !strings.HasSuffix(said[0], "is now with the marketing-ops team (marketing_ops_manager)") {
		t.Errorf("reassignment events %q, want one saying maya was disabled and where the task is now", said)
	}
	var told bool
	for _, n := range h.recs.notificationsOf(domain.NotifyAssigned) {
		told = told || (n.Recipient == "" && n.Role == domain.RoleMarketingOpsManager && strings.HasPrefix(n.Subject, "Task given back to you: "))
	}
	if !told {
		t.Error("the marketing ops queue was not told the task is back")
	}
}

// A task with no role (a risk's acknowledgement, its owner's) has no queue:
// it goes to the person named, and nowhere without one. Every process serves
// release-task, since the kernel does.
func TestReleasedTaskWithoutARoleGoesToWhoIsNamed(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	sys := domain.SystemActor()
	h.at(10*time.Minute, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if ack.Role != "" || ack.Assignee != "pat" {
			t.Fatalf("the acknowledgement is %q's with role %q, want pat's with none", ack.Assignee, ack.Role)
		}
		h.refusedField("to no queue", "assignee", contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: ack.ID, Actor: sys, From: "pat", Reason: "pat was disabled"})
		h.ok("to pat's manager", contract.UpdateReleaseTask, contract.ReleaseTaskInput{TaskID: ack.ID, Actor: sys, From: "pat", Assignee: "dana", Reason: "pat was disabled"})
	})
	h.at(20*time.Minute, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if ack.Assignee != "dana" {
			t.Errorf("the acknowledgement is with %q, want dana", ack.Assignee)
		}
		h.complete(ack, dana, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
	})
	h.at(30*time.Minute, func() {
		h.ok("dana resolves", contract.UpdateDecideRisk, decide(dana, domain.DecideResolve, "done"))
	})
	h.runRisk(criticalRisk())
	var told bool
	for _, n := range recs.notificationsOf(domain.NotifyAssigned) {
		told = told || (n.Recipient == "dana" && strings.HasPrefix(n.Subject, "Task given back to you: "))
	}
	if !told {
		t.Error("dana was not told the task is hers")
	}
}
