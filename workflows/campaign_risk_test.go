package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

func TestOverdueWorkRaisesOneLinkedRiskPerTask(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief(), Policy: domain.DefaultPolicy()}
	h.approveBrief(time.Hour)
	// Nobody works: all five deliverables go overdue by day 26; on day 28 the launch
	// slips, the re-plan moves their due dates, and they go overdue again.
	h.at(26*day+time.Hour, func() {
		if n := len(h.detail().Risks); n != 5 {
			t.Errorf("%d linked risks on day 26, want 5", n)
		}
	})
	h.cancelAt(29 * day)
	h.run(in)

	if len(h.raised) != 5 {
		t.Fatalf("%d risks raised, want one per overdue task (5)", len(h.raised))
	}
	ids := map[string]bool{}
	for _, r := range h.raised {
		taskID, ok := strings.CutPrefix(r.Raise.Cause, "overdue:")
		if !ok || r.ID != domain.LinkedRiskID("cmp_test00000001", r.Raise.Cause) || ids[r.ID] {
			t.Errorf("raised %s for cause %q", r.ID, r.Raise.Cause)
		}
		ids[r.ID] = true
		if h.recs.tasks[taskID].Process != domain.ProcessCampaign || r.Raise.Owner != "pat" || r.Raise.Related.ID != "cmp_test00000001" ||
			domain.SeverityOf(domain.Score(r.Raise.Probability, r.Raise.Impact)) != domain.SeverityHigh {
			t.Errorf("raised %+v", r.Raise)
		}
	}
	if n := len(h.recs.eventsOf(domain.EventRiskLinked)); n != 5 {
		t.Errorf("%d risk_linked events, want 5", n)
	}
	if n := len(h.recs.eventsOf(domain.EventLaunchSlipped)); n == 0 {
		t.Error("the launch never slipped: the second overdue round was not exercised")
	}
}

func TestKPIMissRaisesOneLinkedRiskOwnedByMOps(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(launch+time.Hour, func() {
		h.ok("record", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: pat, Actuals: []domain.KPIActual{{Name: "signups", Value: 700}, {Name: "cpa", Value: 45}}})
	})
	h.cancelAt(launch + 3*day + time.Hour)
	h.run(in)
	if len(h.raised) != 1 || h.raised[0].Raise.Cause != "kpi:signups" || h.raised[0].Raise.Owner != "maya" ||
		h.raised[0].ID != domain.LinkedRiskID("cmp_test00000001", "kpi:signups") {
		t.Errorf("raised %+v, want one risk for signups owned by maya", h.raised)
	}
}

func TestCriticalRiskHoldsTheLaunchUntilResolved(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	const id = "rsk_test00000009"
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(10*day, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: "rsk_test00000008", Severity: domain.SeverityHigh, Status: domain.RiskOpen})
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskOpen})
	})
	h.at(launch+time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageScheduled || d.HeldBy != id || len(d.Risks) != 2 {
			t.Errorf("at launch time: stage %s, held by %q, risks %+v", d.Stage, d.HeldBy, d.Risks)
		}
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskResolved})
	})
	h.at(launch+2*time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageTracking || d.HeldBy != "" {
			t.Errorf("after the risk was resolved: stage %s, held by %q", d.Stage, d.HeldBy)
		}
		i := slices.IndexFunc(d.Risks, func(l domain.LinkedRisk) bool { return l.ID == id })
		if i < 0 || d.Risks[i].Status != domain.RiskResolved {
			t.Errorf("linked risks %+v", d.Risks)
		}
	})
	h.cancelAt(launch + 3*time.Hour)
	h.run(in)
	held, released := h.recs.eventsOf(domain.EventLaunchHeld), h.recs.eventsOf(domain.EventLaunchReleased)
	if len(held) != 1 || len(released) != 1 || !strings.Contains(released[0].Message, "launching late, 1h0m0s after") {
		t.Errorf("held %+v, released %+v", held, released)
	}
}

// A risk-changed signal copied from the campaign's own history and sent again
// decodes (it is sealed for this run), so the campaign itself drops news older
// than what it knows: a replayed signal neither holds a launch again nor lowers
// a risk's severity.
func TestReplayedRiskNewsChangesNothing(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	const id = "rsk_test00000009"
	open := domain.LinkedRisk{ID: id, Severity: domain.SeverityHigh, Status: domain.RiskOpen, Seq: 1}
	critical := domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskOpen, Seq: 2}
	resolved := domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskResolved, Seq: 3}
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(10*day, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, open)
		h.env.SignalWorkflow(contract.SignalRiskChanged, critical)
		h.env.SignalWorkflow(contract.SignalRiskChanged, open) // replayed: would release the hold
	})
	h.at(launch+time.Hour, func() {
		if d := h.detail(); d.HeldBy != id {
			t.Errorf("an older signal replayed released the hold: held by %q, risks %+v", d.HeldBy, d.Risks)
		}
		h.env.SignalWorkflow(contract.SignalRiskChanged, resolved)
		h.env.SignalWorkflow(contract.SignalRiskChanged, critical) // replayed: would hold again
	})
	h.at(launch+2*time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageTracking || d.HeldBy != "" || len(d.Risks) != 1 || d.Risks[0].Status != domain.RiskResolved {
			t.Errorf("after the risk was resolved and an old signal replayed: stage %s, held by %q, risks %+v", d.Stage, d.HeldBy, d.Risks)
		}
	})
	h.cancelAt(launch + 3*time.Hour)
	h.run(in)
}
