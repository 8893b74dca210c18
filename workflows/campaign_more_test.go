package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

func TestReassignedTaskIsCompletedByTheNewAssignee(t *testing.T) {
	h := newHarness(t)
	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		h.ok("reassign to cleo", contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: assets.ID, Actor: pat, Assignee: "cleo", Reason: "Cleo knows the brand"})
	})
	h.at(3*time.Hour, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		if assets.Assignee != "cleo" {
			t.Errorf("assignee = %q, want cleo", assets.Assignee)
		}
		other := domain.Actor{Handle: "cory", Team: domain.TeamCreative, Roles: []domain.Role{domain.RoleCreative}}
		h.refused("another designer", domain.CodeForbidden, contract.UpdateCompleteTask, completion(assets, other, domain.OutcomeDone, "", nil))
		h.complete(assets, cleo, domain.OutcomeDone, "", nil)
	})
	h.cancelAt(4 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
	var told bool
	for _, n := range h.recs.notificationsOf(domain.NotifyAssigned) {
		told = told || (n.Recipient == "cleo" && n.Subject == "Task reassigned to you: Creative assets for “Spring launch”")
	}
	if !told {
		t.Error("cleo was not told about the reassignment")
	}
	if n := len(h.recs.eventsOf(domain.EventTaskReassign)); n != 1 {
		t.Errorf("%d reassignment events, want 1", n)
	}
}

func TestAddedTaskHoldsProductionUntilDone(t *testing.T) {
	h := newHarness(t)
	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		h.ok("PM adds a video", contract.UpdateAddTask, contract.AddTaskInput{Actor: pat, Title: "Launch video", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0.Add(20 * day)})
		h.refused("creative adds a task", domain.CodeForbidden, contract.UpdateAddTask, contract.AddTaskInput{Actor: cleo, Title: "x", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0.Add(20 * day)})
		h.refused("task due in the past", domain.CodeInvalid, contract.UpdateAddTask, contract.AddTaskInput{Actor: pat, Title: "x", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0})
	})
	h.at(3*time.Hour, func() {
		for _, task := range h.detail().Tasks {
			if task.IsOpen() && task.Title != "Launch video" {
				h.complete(task, actorFor[task.Team], domain.OutcomeDone, "", nil)
			}
		}
	})
	h.at(4*time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageProduction || len(d.WaitingOn) != 1 || d.WaitingOn[0].Title != "Launch video" {
			t.Errorf("stage %s waiting on %+v, want production waiting on the added task", d.Stage, d.WaitingOn)
		}
		h.complete(h.openTask(campaign.KeyAdded), cleo, domain.OutcomeDone, "", nil)
	})
	h.at(5*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageReadiness {
			t.Errorf("stage = %s, want readiness once the added task is done", s)
		}
	})
	h.cancelAt(6 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}

// TestSearchAttributesFollowTheCampaign asserts what the Temporal UI can filter on
// after each step: the stage, the status, whom the run waits on and the next due time.
func TestSearchAttributesFollowTheCampaign(t *testing.T) {
	h := newHarness(t)
	upserts := recordUpserts(h)
	h.at(time.Hour, func() {
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeRejected, "Not this quarter", nil)
	})
	h.run(contract.CampaignInput{Brief: testBrief()})

	seen := *upserts
	if len(seen) < 2 {
		t.Fatalf("%d upserts, want one per step", len(seen))
	}
	// After the brief review task opened: the first upsert that waits on someone
	// (a run writes a step's saves, and shows them, together).
	i := slices.IndexFunc(seen, func(u saUpsert) bool { return len(u.waiting) > 0 })
	if i < 0 {
		t.Fatalf("no upsert waits on anyone: %+v", seen)
	}
	review := seen[i]
	wantDue := t0.Add(48 * time.Hour)
	if review.stage != "brief_review" || review.status != "active" ||
		!slices.Equal(review.waiting, []string{"team:marketing-ops"}) || review.nextDue == nil || !review.nextDue.Equal(wantDue) {
		t.Errorf("during review: %+v (due %v), want brief_review/active waiting on marketing-ops (no person: stored in clear), due %s", review, review.nextDue, wantDue)
	}
	last := seen[len(seen)-1]
	if last.status != "rejected" || len(last.waiting) != 0 || last.nextDue != nil {
		t.Errorf("after rejection: %+v, want rejected, waiting on nobody, no due time", last)
	}
}
