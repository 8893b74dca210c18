package workflows_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/risk"
)

// A launch held by a critical risk waits on the risk's owner, who may resolve
// it, and on marketing ops and directors, who may accept it: since the hold
// began, and no longer once it is released.
func TestHeldLaunchWaitsOnTheRisksOwnerAndWhoMayAcceptIt(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	const id = "rsk_test00000009"
	open := domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskOpen, Title: "Printer may miss the deadline", Owner: "sam", Seq: 1}
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(10*day, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, open)
		// News as the reconciler or an older risk run sends it: no title, no owner.
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskAcknowledged})
	})
	h.at(launch+time.Hour, func() {
		d := h.detail()
		if d.HeldBy != id || d.HeldSince == nil || !d.HeldSince.Equal(in.Brief.LaunchAt) {
			t.Fatalf("held by %q since %v, want %s since the launch time", d.HeldBy, d.HeldSince, id)
		}
		want := []domain.WaitingOn{
			{RiskID: id, Title: "Resolve the risk “Printer may miss the deadline”, which holds the launch", Assignee: "sam", Since: in.Brief.LaunchAt},
			{RiskID: id, Title: "Accept the risk “Printer may miss the deadline” for the launch to go ahead",
				Roles: []domain.Role{domain.RoleMarketingOpsManager, domain.RoleDirector}, Since: in.Brief.LaunchAt},
		}
		if !slices.EqualFunc(d.WaitingOn, want, func(a, b domain.WaitingOn) bool {
			return a.RiskID == b.RiskID && a.Title == b.Title && a.Assignee == b.Assignee && slices.Equal(a.Roles, b.Roles) && a.Since.Equal(b.Since) && a.DueAt.IsZero()
		}) {
			t.Errorf("waiting on %+v, want %+v", d.WaitingOn, want)
		}
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskResolved, Seq: 2})
	})
	h.at(launch+2*time.Hour, func() {
		d := h.detail()
		if d.HeldBy != "" || d.HeldSince != nil || len(d.WaitingOn) != 0 {
			t.Errorf("released: held by %q since %v, waiting on %+v", d.HeldBy, d.HeldSince, d.WaitingOn)
		}
	})
	h.cancelAt(launch + 3*time.Hour)
	h.run(in)
}

// A risk linked to a campaign tells it its title and owner with its news; news a
// run from before they were sent would not have sent is not sent now either.
func TestRiskTellsItsCampaignItsTitleAndOwner(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	in := criticalRisk()
	in.Raise.Related = &domain.Related{Process: domain.ProcessCampaign, ID: "cmp_test00000001"}
	in.Policy.Risk.ContinueAsNewAfter = 1

	// A first run hands its state on once acknowledged, as runs did before the
	// title and owner were sent: what it told the campaign carries neither.
	h := newRiskHarness(t, recs, t0)
	var told []domain.LinkedRisk
	tell := func(_, _, _, _ string, arg any) error {
		told = append(told, arg.(domain.LinkedRisk))
		return nil
	}
	h.env.OnSignalExternalWorkflow(mock.Anything, contract.CampaignWorkflowID("cmp_test00000001"), "", contract.SignalRiskChanged, mock.Anything).Return(tell)
	h.at(10*time.Minute, func() {
		h.complete(h.openRiskTask(risk.KeyAcknowledge), pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
	})
	h.env.ExecuteWorkflow(contract.RiskType, in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the first run ended with %v, want continue-as-new", err)
	}
	if len(told) != 2 || told[0].Title != in.Raise.Title || told[0].Owner != "pat" || told[1].Status != domain.RiskAcknowledged {
		t.Fatalf("the campaign was told %+v, want open then acknowledged, with title and owner", told)
	}
	var next contract.RiskInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	next.Carry.Signalled.Title, next.Carry.Signalled.Owner = "", ""

	// The next run has nothing new to say until the risk is resolved.
	told = nil
	next.Policy.Risk.ContinueAsNewAfter = 100
	h2 := newRiskHarness(t, recs, h.env.Now())
	h2.env.OnSignalExternalWorkflow(mock.Anything, contract.CampaignWorkflowID("cmp_test00000001"), "", contract.SignalRiskChanged, mock.Anything).Return(tell)
	h2.at(time.Hour, func() {
		if len(told) != 0 {
			t.Errorf("told %+v before anything changed", told)
		}
		h2.ok("resolve", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "second printer booked"))
	})
	h2.runRisk(next)
	if len(told) != 1 || told[0].Status != domain.RiskResolved || told[0].Title != in.Raise.Title || told[0].Owner != "pat" {
		t.Errorf("told %+v, want the resolution once, with title and owner", told)
	}
}
