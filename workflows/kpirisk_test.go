package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/risk"
)

// A KPI misses, then is back on target: the campaign tells the risk the miss
// raised once, says so in its timeline, and completes. (The test environment
// delivers no signal to a child that has returned, as the harness's risks do:
// here the risk is linked as it reports itself, so the campaign raises no child
// and signals it as the running workflow it is.)
func TestKPIBackOnTargetClearsTheRiskItRaised(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	riskID := domain.LinkedRiskID("cmp_test00000001", "kpi:signups")
	var told []contract.CauseCleared
	h.env.OnSignalExternalWorkflow(mock.Anything, contract.RiskWorkflowID(riskID), "", contract.SignalCauseCleared, mock.Anything).
		Return(func(_, _, _, _ string, arg any) error {
			told = append(told, arg.(contract.CauseCleared))
			return nil
		})
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(launch+time.Hour, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: riskID, Cause: "kpi:signups", Severity: domain.SeverityHigh, Status: domain.RiskOpen})
		h.ok("a miss", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: ana, Actuals: []domain.KPIActual{{Name: "signups", Value: 600}}})
	})
	h.at(launch+2*day+time.Hour, func() {
		h.ok("back on target", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: ana, Actuals: []domain.KPIActual{{Name: "signups", Value: 1100}}})
	})
	h.finishAfter(launch)
	res := h.run(in)
	if res.Status != domain.StatusCompleted {
		t.Fatalf("status = %s", res.Status)
	}
	if len(told) != 1 || told[0].Cause != "kpi:signups" || !strings.Contains(told[0].Why, "back on target: 1100 signups against a target of 1000") {
		t.Errorf("the risk was told %+v, want once that signups is back on target", told)
	}
	back := h.recs.eventsOf(domain.EventKPIOnTarget)
	if len(back) != 1 || !strings.Contains(back[0].Message, riskID+" it raised resolves itself") {
		t.Errorf("timeline: %+v, want one entry saying the KPI is back and its risk resolves itself", back)
	}
}

// kpiRisk is a risk a campaign raised for a missed KPI.
func kpiRisk() contract.RiskInput {
	in := criticalRisk()
	in.RaisedBy = "tandem"
	in.Raise = domain.RiskRaise{Title: `"Spring launch" misses its KPI signups`, Category: domain.CategoryMarket, Probability: 4, Impact: 4,
		Owner: "pat", Cause: "kpi:signups"}
	return in
}

// Told its cause cleared, a risk resolves itself, says why, and tells its
// owner; news about another cause changes nothing.
func TestRiskResolvesItselfWhenItsCauseClears(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(time.Minute, func() {
		h.env.SignalWorkflow(contract.SignalCauseCleared, contract.CauseCleared{Cause: "kpi:cpa", Why: "KPI cpa is back on target"})
	})
	h.at(2*time.Minute, func() {
		if d := h.risk(); d.Status != domain.RiskOpen {
			t.Errorf("news of another cause: status %s, want open", d.Status)
		}
		h.env.SignalWorkflow(contract.SignalCauseCleared, contract.CauseCleared{Cause: "kpi:signups", Why: `KPI "signups" is back on target: 1100 signups against a target of 1000`})
	})
	res := h.runRisk(kpiRisk())
	if res.Status != domain.RiskResolved {
		t.Fatalf("status = %s, want resolved", res.Status)
	}
	decided := recs.eventsOf(domain.EventRiskDecided)
	if len(decided) != 1 || !strings.Contains(decided[0].Message, "resolved: the cause cleared: KPI \"signups\" is back on target") {
		t.Errorf("timeline: %+v, want the risk resolved because its cause cleared", decided)
	}
	toldOwner := false
	for _, n := range recs.notificationsOf(domain.NotifyUpdate) {
		toldOwner = toldOwner || (n.Recipient == "pat" && strings.Contains(n.Subject, "the cause cleared"))
	}
	if !toldOwner {
		t.Error("the owner was not told")
	}
	for _, task := range recs.tasks {
		if task.IsOpen() {
			t.Errorf("task %s still open", task.Title)
		}
	}
}

// A materialized risk is an issue people handle: its owner is told the cause
// cleared, and it stays until they close it.
func TestMaterializedRiskIsNotClosedByItsCauseClearing(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(time.Minute, func() {
		h.ok("materialize", contract.UpdateDecideRisk, decide(pat, domain.DecideMaterialize, "signups collapsed"))
	})
	h.at(2*time.Minute, func() {
		h.env.SignalWorkflow(contract.SignalCauseCleared, contract.CauseCleared{Cause: "kpi:signups", Why: "KPI signups is back on target"})
	})
	h.at(3*time.Minute, func() {
		if d := h.risk(); d.Status != domain.RiskMaterialized {
			t.Errorf("status %s, want still materialized", d.Status)
		}
		h.complete(h.openRiskTask(risk.KeyCloseIssue), pat, domain.OutcomeDone, "handled", nil)
	})
	if res := h.runRisk(kpiRisk()); res.Status != domain.RiskClosed {
		t.Fatalf("status = %s, want closed by its owner", res.Status)
	}
	told := false
	for _, n := range recs.notificationsOf(domain.NotifyUpdate) {
		told = told || (n.Recipient == "pat" && strings.Contains(n.Subject, "the cause of the issue cleared"))
	}
	if !told {
		t.Error("the owner was not told the cause cleared")
	}
}
