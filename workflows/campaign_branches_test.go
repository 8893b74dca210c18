package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// cancelAt ends a test campaign early, once the part under test has run.
func (h *harness) cancelAt(at time.Duration) {
	h.at(at, func() {
		h.ok("cancel", contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: "end of test"})
	})
}

func TestTaskValidatorsRefuseAndChangeNothing(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		h.refused("PM approves the brief they raised", domain.CodeForbidden, contract.UpdateCompleteTask, completion(review, pat, domain.OutcomeApproved, "", nil))
		h.refused("creative approves the brief", domain.CodeForbidden, contract.UpdateCompleteTask, completion(review, cleo, domain.OutcomeApproved, "", nil))
		h.refused("bad outcome", domain.CodeInvalid, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeDone, "", nil))
		h.refused("rejection without comment", domain.CodeInvalid, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeRejected, " ", nil))
		h.refused("unknown task", domain.CodeNotFound, contract.UpdateCompleteTask, contract.CompleteTaskInput{TaskID: "tsk_000000000000", Actor: maya, Completion: domain.Completion{Outcome: domain.OutcomeApproved}})
		h.refused("cancel by a creative", domain.CodeForbidden, contract.UpdateCancel, contract.CancelInput{Actor: cleo, Reason: "no"})
		h.refused("cancel without a reason", domain.CodeInvalid, contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: ""})
		h.refused("KPIs unknown", domain.CodeInvalid, contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: pat, Actuals: []domain.KPIActual{{Name: "nope", Value: 1}}})
	})
	h.at(2*time.Hour, func() {
		if review := h.openTask(campaign.KeyBriefReview); review.CompletedBy != "" {
			t.Errorf("a refused completion changed the task: %+v", review)
		}
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeApproved, "", nil)
	})
	h.at(3*time.Hour, func() {
		d := h.detail()
		var review domain.Task
		for _, task := range d.Tasks {
			if task.Key == campaign.KeyBriefReview {
				review = task
			}
		}
		h.refused("second completion", domain.CodeConflict, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeApproved, "", nil))
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		h.refused("content completes creative work", domain.CodeForbidden, contract.UpdateCompleteTask, completion(assets, col, domain.OutcomeDone, "", nil))
		h.refused("work approved instead of done", domain.CodeInvalid, contract.UpdateCompleteTask, completion(assets, cleo, domain.OutcomeApproved, "", nil))
		h.refused("reassign by a stranger", domain.CodeForbidden, contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: assets.ID, Actor: col, Assignee: "cleo", Reason: "mine"})
		h.refused("reassign without reason", domain.CodeInvalid, contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: assets.ID, Actor: pat, Assignee: "cleo"})
		h.refused("reassign with an invisible reason", domain.CodeInvalid, contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: assets.ID, Actor: pat, Assignee: "cleo", Reason: "\u200b\u3000"})
		h.refused("change after nothing", domain.CodeInvalid, contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{Reason: "x"}})
	})
	h.cancelAt(4 * time.Hour)
	res := h.run(contract.CampaignInput{Brief: testBrief()})
	if res.Status != domain.StatusCancelled {
		t.Errorf("status = %s", res.Status)
	}
}

func TestSeparationOfDutiesWhenMOpsRaisesTheBrief(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		if review.Assignee != "" || review.Role != domain.RoleMarketingOpsManager {
			t.Errorf("review of MOps's own brief = %+v, want it open to another marketing ops manager", review)
		}
		h.refused("MOps approves their own brief", domain.CodeForbidden, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeApproved, "", nil))
		h.complete(review, mo2, domain.OutcomeApproved, "", nil)
	})
	h.at(2*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageProduction {
			t.Errorf("stage = %s, want production after another MOps approved", s)
		}
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief(), RequestedBy: "maya"})
}

func TestBriefChangesRequestedThenRevisedAndApproved(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() {
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeChangesRequested, "Add a KPI for CTR", nil)
	})
	h.at(2*time.Hour, func() {
		revise := h.openTask(campaign.KeyRevise)
		if revise.Assignee != "pat" || !strings.Contains(revise.Description, "Add a KPI for CTR") {
			t.Errorf("revise task = %+v", revise)
		}
		bad := map[string]any{"brief": map[string]any{"kpis": []any{map[string]any{"name": "ctr", "target": 2, "unit": "%", "direction": "sideways"}}}}
		h.refused("revision with a bad KPI", domain.CodeInvalid, contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "", bad))
		good := map[string]any{"brief": map[string]any{"objective": "Grow trials and CTR", "kpis": []any{
			map[string]any{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"},
			map[string]any{"name": "ctr", "target": 2.5, "unit": "%", "direction": "higher"},
		}}}
		h.complete(revise, pat, domain.OutcomeDone, "", good)
	})
	h.at(3*time.Hour, func() {
		d := h.detail()
		if d.Brief.Objective != "Grow trials and CTR" || len(d.Brief.KPIs) != 2 || d.Brief.KPIs[1].Name != "ctr" {
			t.Errorf("brief after revision = %+v", d.Brief)
		}
		review := h.openTask(campaign.KeyBriefReview)
		if !strings.Contains(review.Title, "round 2") {
			t.Errorf("second review = %q", review.Title)
		}
		h.complete(review, maya, domain.OutcomeApproved, "", nil)
	})
	h.at(4*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageProduction {
			t.Errorf("stage = %s, want production", s)
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}

func TestBriefRejectedEndsTheCampaign(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() {
		h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeRejected, "No budget this quarter", nil)
	})
	res := h.run(contract.CampaignInput{Brief: testBrief()})
	if res.Status != domain.StatusRejected {
		t.Fatalf("status = %s, want rejected", res.Status)
	}
	c := h.recs.campaign
	if c.Status != domain.StatusRejected || c.Stage != domain.StageBriefReview || c.Reason != "No budget this quarter" {
		t.Errorf("record = status %s stage %s reason %q", c.Status, c.Stage, c.Reason)
	}
	if ended := h.recs.eventsOf(domain.EventEnded); len(ended) != 1 || ended[0].Actor != "maya" {
		t.Errorf("ended events = %+v", ended)
	}
}

func TestRemindersBeforeDueAndOverdueNotices(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief(), Policy: domain.DefaultPolicy()}
	h.approveBrief(time.Hour)
	// Deliverables are due 4 to 7 days before launch (day 30): assets and copy on
	// day 23, the landing page on day 25, tracking and legal on day 26. Nobody works.
	h.at(21*day, func() {
		if n := len(h.recs.notificationsOf(domain.NotifyReminder)); n != 0 {
			t.Errorf("%d reminders before any due date came near", n)
		}
	})
	h.at(23*day+time.Hour, func() {
		if n := len(h.recs.notificationsOf(domain.NotifyReminder)); n != 2 {
			t.Errorf("%d reminders a day after the first was due, want 2", n)
		}
		if n := len(h.recs.eventsOf(domain.EventTaskOverdue)); n != 2 {
			t.Errorf("%d overdue events on day 23, want 2 (assets and copy)", n)
		}
	})
	h.cancelAt(26*day + time.Hour)
	h.run(in)

	reminders := h.recs.notificationsOf(domain.NotifyReminder)
	if len(reminders) != 5 {
		t.Errorf("%d reminders, want one per deliverable (5)", len(reminders))
	}
	for _, r := range reminders {
		if r.Recipient != "" || r.Team == "" {
			t.Errorf("reminder of an unassigned task goes to %q/%q, want its team", r.Recipient, r.Team)
		}
	}
	overdue := h.recs.notificationsOf(domain.NotifyOverdue)
	told := map[string]int{}
	for _, n := range overdue {
		told[n.Recipient]++
	}
	// Every deliverable is overdue by day 26: each tells its team, the PM and MOps.
	if told["pat"] != 5 || told["maya"] != 5 || told[""] != 5 {
		t.Errorf("overdue notices per recipient = %v, want pat 5, maya 5, team 5", told)
	}
}

func TestReadinessRejectionSendsWorkBackToProduction(t *testing.T) {
	h := newHarness(t)
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.at(3*time.Hour, func() {
		var assets string
		for _, task := range h.detail().Tasks {
			if task.Key == campaign.KeyDeliverable+"assets" {
				assets = task.ID
			}
		}
		so := h.openTask(campaign.KeySignOff + "maya")
		h.refused("rework of an unknown task", domain.CodeInvalid, contract.UpdateCompleteTask, completion(so, maya, domain.OutcomeRejected, "Logo", map[string]any{"rework": []any{"tsk_nope"}}))
		h.complete(so, maya, domain.OutcomeRejected, "The hero image uses the old logo", map[string]any{"rework": []any{assets}})
	})
	h.at(4*time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageProduction {
			t.Errorf("stage after rejection = %s, want production", d.Stage)
		}
		if len(d.WaitingOn) != 1 || !strings.HasPrefix(d.WaitingOn[0].Title, "Rework: Creative assets") {
			t.Errorf("waiting on %+v, want the one rework task", d.WaitingOn)
		}
	})
	h.doWork(5 * time.Hour)
	h.signOff(6*time.Hour, pat, maya)
	h.at(7*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageScheduled {
			t.Errorf("stage = %s, want scheduled after the second sign-off", s)
		}
		if n := len(h.recs.eventsOf(domain.EventTaskCancelled)); n != 1 {
			t.Errorf("%d cancelled tasks, want PM's first sign-off only", n)
		}
	})
	h.cancelAt(8 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}

func TestLateReadinessSlipsTheLaunch(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	// Sign-offs never come; readiness must close 48h before launch.
	h.at(launch.Sub(t0)-47*time.Hour, func() {
		d := h.detail()
		if want := launch.Add(72 * time.Hour); !d.Brief.LaunchAt.Equal(want) {
			t.Errorf("launch_at = %s, want slipped to %s", d.Brief.LaunchAt, want)
		}
		if d.Stage != domain.StageReadiness {
			t.Errorf("stage = %s, want readiness still", d.Stage)
		}
	})
	h.signOff(launch.Sub(t0)-46*time.Hour, pat, maya)
	h.at(launch.Sub(t0)+time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageScheduled {
			t.Errorf("stage at the old launch time = %s, want still scheduled", s)
		}
	})
	h.at(launch.Sub(t0)+73*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageTracking {
			t.Errorf("stage after the slipped launch = %s, want tracking", s)
		}
	})
	h.cancelAt(launch.Sub(t0) + 74*time.Hour)
	h.run(in)
	slips := h.recs.eventsOf(domain.EventLaunchSlipped)
	if len(slips) != 1 {
		t.Fatalf("%d slip events, want 1", len(slips))
	}
	told := 0
	for _, n := range h.recs.notificationsOf(domain.NotifyUpdate) {
		if strings.Contains(n.Subject, "slipped") && (n.Recipient == "pat" || n.Recipient == "maya") {
			told++
		}
	}
	if told != 2 {
		t.Errorf("%d slip notices to the managers, want 2", told)
	}
}

func TestChangeRequestsReplanTheCampaign(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		newLaunch := in.Brief.LaunchAt.Add(10 * day)
		h.ok("move launch, swap paid search for events", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{
			LaunchAt: &newLaunch, AddChannels: []domain.Channel{domain.ChannelEvents}, RemoveChannels: []domain.Channel{domain.ChannelPaidSearch},
			Reason: "Trade show moved",
		}})
		h.refused("change by a creative", domain.CodeForbidden, contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: cleo, Change: domain.Change{AddChannels: []domain.Channel{domain.ChannelPR}, Reason: "x"}})
		h.refused("currency switch", domain.CodeInvalid, contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{Budget: &domain.Money{Amount: 1, Currency: "USD"}, Reason: "x"}})
	})
	h.at(3*time.Hour, func() {
		d := h.detail()
		byKey := map[string]domain.Task{}
		for _, task := range d.Tasks {
			byKey[task.Key] = task
		}
		if byKey[campaign.KeyDeliverable+"legal_review"].Status != domain.TaskCancelled {
			t.Errorf("legal review = %s, want cancelled once no paid channel is left", byKey[campaign.KeyDeliverable+"legal_review"].Status)
		}
		if want := in.Brief.LaunchAt.Add(10*day - 168*time.Hour); !byKey[campaign.KeyDeliverable+"assets"].DueAt.Equal(want) {
			t.Errorf("assets due %s, want recomputed to %s", byKey[campaign.KeyDeliverable+"assets"].DueAt, want)
		}
		if d.Brief.Channels[len(d.Brief.Channels)-1] != domain.ChannelEvents {
			t.Errorf("channels = %v", d.Brief.Channels)
		}
		// A budget increase of 20% (threshold 10%) needs MOps again; 5% does not.
		h.ok("budget +20%", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{Budget: &domain.Money{Amount: 60000, Currency: "EUR"}, Reason: "More events"}})
	})
	h.at(4*time.Hour, func() {
		d := h.detail()
		if d.Brief.Budget.Amount != 50000 {
			t.Errorf("budget = %g before approval, want unchanged 50000", d.Brief.Budget.Amount)
		}
		approval := h.openTask(campaign.KeyBudget)
		h.refused("PM approves their own budget increase", domain.CodeForbidden, contract.UpdateCompleteTask, completion(approval, pat, domain.OutcomeApproved, "", nil))
		h.complete(approval, maya, domain.OutcomeApproved, "", nil)
	})
	h.at(5*time.Hour, func() {
		if b := h.detail().Brief.Budget.Amount; b != 60000 {
			t.Errorf("budget = %g after approval, want 60000", b)
		}
		h.ok("budget +5%", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: maya, Change: domain.Change{Budget: &domain.Money{Amount: 63000, Currency: "EUR"}, Reason: "Rounding"}})
	})
	h.at(6*time.Hour, func() {
		d := h.detail()
		if d.Brief.Budget.Amount != 63000 {
			t.Errorf("budget = %g, want a small increase applied at once", d.Brief.Budget.Amount)
		}
	})
	h.cancelAt(7 * time.Hour)
	h.run(in)
}

func TestCancelEndsTheCampaignAndItsTasks(t *testing.T) {
	h := newHarness(t)
	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		h.ok("cancel", contract.UpdateCancel, contract.CancelInput{Actor: maya, Reason: "Product launch postponed"})
	})
	h.at(3*time.Hour, func() {
		h.refused("cancel twice", domain.CodeConflict, contract.UpdateCancel, contract.CancelInput{Actor: maya, Reason: "again"})
	})
	res := h.run(contract.CampaignInput{Brief: testBrief()})
	if res.Status != domain.StatusCancelled {
		t.Fatalf("status = %s", res.Status)
	}
	c := h.recs.campaign
	if c.Status != domain.StatusCancelled || c.Stage != domain.StageProduction || c.Reason != "Product launch postponed" {
		t.Errorf("record = %s/%s %q", c.Status, c.Stage, c.Reason)
	}
	cancelled := 0
	for _, task := range h.recs.tasks {
		if task.IsOpen() {
			t.Errorf("task %q still open", task.Title)
		}
		if task.Status == domain.TaskCancelled {
			cancelled++
		}
	}
	if cancelled != 5 {
		t.Errorf("%d tasks cancelled, want the 5 deliverables", cancelled)
	}
}

func TestKPIOffTargetIsReportedOnce(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(launch+time.Hour, func() {
		// signups 700 of 1000 is 30% short, beyond the 20% threshold; cpa 45 vs 40 is 12.5% over, within it.
		h.ok("record", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: pat, Actuals: []domain.KPIActual{{Name: "signups", Value: 700}, {Name: "cpa", Value: 45}}})
	})
	h.at(launch+3*day, func() {
		d := h.detail()
		if len(d.KPIs) != 2 || !d.KPIs[0].OffMark || d.KPIs[1].OffMark {
			t.Errorf("KPI report = %+v", d.KPIs)
		}
	})
	h.cancelAt(launch + 3*day + time.Hour)
	h.run(in)
	missed := h.recs.eventsOf(domain.EventKPIMissed)
	if len(missed) != 1 || !strings.Contains(missed[0].Message, "signups") {
		t.Errorf("missed events = %+v, want one for signups after three daily evaluations", missed)
	}
}
