package workflows_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// A deliverable opens with its policy estimate; only the campaign's managers
// (or an admin) change it while it is open, within bounds; whoever completes
// it says how long it took, and the retrospective reports the accuracy.
func TestEstimatesAndActuals(t *testing.T) {
	h := newHarness(t)
	h.approveBrief(time.Hour)
	ptr := func(v float64) *float64 { return &v }
	h.at(2*time.Hour, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		if assets.EstimateHours == nil || *assets.EstimateHours != 16 {
			t.Errorf("assets opened with estimate %v, want the policy's 16h", assets.EstimateHours)
		}
		h.refused("the designer re-plans", domain.CodeForbidden, contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: assets.ID, Actor: cleo, Hours: 4})
		h.refusedField("zero hours", "hours", contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: assets.ID, Actor: pat, Hours: 0})
		h.refusedField("too many hours", "hours", contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: assets.ID, Actor: pat, Hours: 1000.5})
		h.ok("the PM re-plans", contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: assets.ID, Actor: pat, Hours: 20, Reason: "two formats more"})
	})
	h.at(3*time.Hour, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		if assets.EstimateHours == nil || *assets.EstimateHours != 20 {
			t.Errorf("estimate = %v after the change, want 20", assets.EstimateHours)
		}
		c := completion(assets, cleo, domain.OutcomeDone, "", nil)
		c.Completion.ActualHours = ptr(-1)
		h.refusedField("negative actual hours", "actual_hours", contract.UpdateCompleteTask, c)
		c.Completion.ActualHours = ptr(30)
		h.ok("done in 30h", contract.UpdateCompleteTask, c)
	})
	h.at(4*time.Hour, func() {
		var done *domain.Task
		for _, task := range h.detail().Tasks {
			if task.Key == campaign.KeyDeliverable+"assets" {
				done = &task
			}
		}
		switch {
		case done == nil || done.ActualHours == nil || *done.ActualHours != 30:
			t.Errorf("assets done = %+v, want actual 30h", done)
		default:
			h.refused("re-plan a done task", domain.CodeConflict, contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: done.ID, Actor: pat, Hours: 8})
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
	if n := len(h.recs.eventsOf(domain.EventTaskEstimated)); n != 1 {
		t.Errorf("%d estimate events, want 1", n)
	}
}

func TestEstimateAccuracyOfACampaign(t *testing.T) {
	h := func(v float64) *float64 { return &v }
	tasks := []domain.Task{
		{Status: domain.TaskDone, EstimateHours: h(10), ActualHours: h(5)},
		{Status: domain.TaskDone, EstimateHours: h(10), ActualHours: h(10)},
		{Status: domain.TaskDone, EstimateHours: h(4), ActualHours: h(12)},
		{Status: domain.TaskDone, EstimateHours: h(8)},                    // no actual: left out
		{Status: domain.TaskOpen, EstimateHours: h(8), ActualHours: h(1)}, // not done
	}
	got := domain.EstimateAccuracy(tasks)
	// Ratios 0.5, 1, 3: median 1, quartiles 0.75 and 2.
	want := domain.EstimateStats{Tasks: 3, EstimatedHours: 24, ActualHours: 27, MedianRatio: 1, P25Ratio: 0.75, P75Ratio: 2}
	if got == nil || *got != want {
		t.Errorf("accuracy = %+v, want %+v", got, want)
	}
	if domain.EstimateAccuracy(tasks[3:]) != nil {
		t.Error("a campaign with no task estimated and timed has an accuracy")
	}
}
