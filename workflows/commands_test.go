package workflows_test

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/risk"
)

// copied is in bound to another update than the one it is sent as, or not
// bound at all when other is "": a sealed input copied out of a history and
// sent again under a new update ID, or one sent around the API.
func copied(in any, other string, at time.Time) any {
	if other == "" {
		return in
	}
	return bound(in, other, at)
}

// Every validator of every process refuses an input not made for the update
// it arrives as, before anything else (so even one that would pass every
// other check): the sealed command copied out of a run's history and sent
// again under a new update ID. The right one is applied once.
func TestEveryUpdateRefusesACommandMadeForAnother(t *testing.T) {
	kpis := contract.RecordKPIsInput{Actor: pat, Actuals: []domain.KPIActual{{Name: "signups", Value: 40}}}
	h := newHarness(t)
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		now := h.env.Now()
		for _, other := range []string{"", "u-original"} {
			for name, in := range map[string]any{
				contract.UpdateCompleteTask:   completion(review, maya, domain.OutcomeApproved, "", nil),
				contract.UpdateReassignTask:   contract.ReassignTaskInput{TaskID: review.ID, Actor: maya, Assignee: "omar", Reason: "away"},
				contract.UpdateReleaseTask:    contract.ReleaseTaskInput{TaskID: review.ID, Actor: domain.SystemActor(), From: "maya", Reason: "maya was disabled"},
				contract.UpdateEstimateTask:   contract.EstimateTaskInput{TaskID: review.ID, Actor: pat, Hours: 2},
				contract.UpdateAddTask:        contract.AddTaskInput{Actor: pat, Title: "Press kit", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0.Add(20 * day)},
				contract.UpdateChangeCampaign: contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{Budget: &domain.Money{Amount: 51000, Currency: "EUR"}, Reason: "more"}},
				contract.UpdateRecordKPIs:     kpis,
				contract.UpdateCancel:         contract.CancelInput{Actor: pat, Reason: "copied"},
			} {
				h.sendAs(name+" copied from "+other, domain.CodeForbidden, name, "u-copy-"+name+other, copied(in, other, now))
			}
		}
		// Issued longer ago than a command may take: refused however it came.
		id := "u-stale"
		h.sendAs("a stale command", domain.CodeConflict, contract.UpdateRecordKPIs, id, bound(kpis, id, now.Add(-contract.CommandTTL-time.Minute)))
		h.ok("the KPIs, as the API sends them", contract.UpdateRecordKPIs, kpis)
	})
	h.at(2*time.Hour, func() {
		d := h.detail()
		if d.Status != domain.StatusActive || len(d.Actuals) != 1 || d.Brief.Budget.Amount != 50000 || len(d.Tasks) != 1 || !d.Tasks[0].IsOpen() || d.Tasks[0].Assignee != "maya" {
			t.Errorf("a refused command changed the campaign: %d actuals, budget %v, tasks %+v", len(d.Actuals), d.Brief.Budget, d.Tasks)
		}
	})
	h.cancelAt(3 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief(), Policy: domain.DefaultPolicy()})

	hh, _ := newHiringHarness(t)
	hh.at(time.Hour, func() {
		now := hh.env.Now()
		hh.sendAs("add-candidate copied", domain.CodeForbidden, contract.UpdateAddCandidate, "u-c1", copied(contract.AddCandidateInput{Actor: pat, CandidateID: "cnd_aaaaaaaaaaaa"}, "u-other", now))
		hh.sendAs("cancel copied", domain.CodeForbidden, contract.UpdateCancel, "u-c2", copied(contract.CancelInput{Actor: pat, Reason: "copied"}, "u-other", now))
		hh.ok("cancel", contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: "end of test"})
	})
	if res := runHiring(hh, hiringInput(100000)); res.Status != domain.StatusCancelled {
		t.Errorf("hiring ended %s", res.Status)
	}

	rh := newRiskHarness(t, &fakeRecords{tasks: map[string]domain.Task{}}, t0)
	rh.at(10*time.Minute, func() {
		now := rh.env.Now()
		rh.sendAs("assess copied", domain.CodeForbidden, contract.UpdateAssessRisk, "u-r1", copied(contract.AssessRiskInput{Actor: pat, Probability: 1, Impact: 1}, "u-other", now))
		rh.sendAs("decide copied", domain.CodeForbidden, contract.UpdateDecideRisk, "u-r2", copied(decide(pat, domain.DecideResolve, "copied"), "u-other", now))
	})
	rh.at(20*time.Minute, func() {
		if d := rh.risk(); d.Score != 20 || d.Status != domain.RiskOpen {
			t.Errorf("a copied command changed the risk: score %d, %s", d.Score, d.Status)
		}
		rh.ok("resolve", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "end of test"))
	})
	if res := rh.runRisk(criticalRisk()); res.Status != domain.RiskResolved {
		t.Errorf("risk ended %s", res.Status)
	}
}

// Temporal deduplicates update IDs within one run; a risk continues as new,
// and its next run would take a command applied before again. It carries the
// IDs it applied and refuses them; a task closed in an earlier run is no
// longer open (409 for a retrying client), not a stranger (404, as it was).
func TestRiskRefusesAcrossContinueAsNewWhatItApplied(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	in := criticalRisk()
	in.Policy.Risk.ContinueAsNewAfter = 2

	// First run: the owner acknowledges and re-assesses (two steps), then it hands over.
	h := newRiskHarness(t, recs, t0)
	var ack domain.Task
	var assess contract.AssessRiskInput
	h.at(10*time.Minute, func() {
		ack = h.openRiskTask(risk.KeyAcknowledge)
		h.complete(ack, pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
	})
	h.at(20*time.Minute, func() {
		assess = bound(contract.AssessRiskInput{Actor: pat, Probability: 4, Impact: 5, Comment: "same band"}, "u-assess-1", h.env.Now()).(contract.AssessRiskInput)
		h.sendAs("re-assess", "", contract.UpdateAssessRisk, assess.UpdateID, assess)
	})
	h.env.ExecuteWorkflow(contract.RiskType, in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the first run ended with %v, want continue-as-new", err)
	}
	h.checkSent()
	var next contract.RiskInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if n := len(next.Carry.Commands); n != 2 || next.Carry.Commands[1].ID != "u-assess-1" {
		t.Fatalf("carried commands %+v, want the completion and the assessment", next.Carry.Commands)
	}

	next.Policy.Risk.ContinueAsNewAfter = 100
	h2 := newRiskHarness(t, recs, h.env.Now())
	h2.at(time.Minute, func() {
		h2.sendAs("the assessment again, under its own ID", domain.CodeConflict, contract.UpdateAssessRisk, assess.UpdateID, assess)
		h2.refused("the acknowledgement again", domain.CodeConflict, contract.UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day))))
		h2.refused("a task no risk of this one made", domain.CodeNotFound, contract.UpdateCompleteTask, completion(domain.Task{ID: domain.TaskID("rsk_other0000001", 1)}, pat, domain.OutcomeDone, "", nil))
		// The records can be ahead of a run that is replaying a workflow task its
		// dead worker never completed: a task it is about to open is "not yet".
		h2.refused("a task this risk has not opened yet", domain.CodeUnavailable, contract.UpdateCompleteTask, completion(domain.Task{ID: domain.TaskID(in.ID, next.Carry.TaskSeq+1)}, pat, domain.OutcomeDone, "", nil))
	})
	h2.at(2*time.Minute, func() {
		if d := h2.risk(); len(d.Assessments) != 2 {
			t.Errorf("%d assessments, want the first and the one re-assessment", len(d.Assessments))
		}
		h2.ok("a new assessment", contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: pat, Probability: 5, Impact: 5, Comment: "worse"})
		h2.ok("resolve", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "mitigated"))
	})
	if res := h2.runRisk(next); res.Status != domain.RiskResolved {
		t.Errorf("status %s", res.Status)
	}
	if n := len(recs.eventsOf(domain.EventRiskAssessed)); n != 2 {
		t.Errorf("%d re-assessments recorded, want 2", n)
	}
}
