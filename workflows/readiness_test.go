package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

// signOffs returns the open sign-off tasks of the campaign.
func (h *harness) signOffs() []domain.Task {
	h.t.Helper()
	var out []domain.Task
	for _, t := range h.detail().Tasks {
		if t.IsOpen() && strings.HasPrefix(t.Key, campaign.KeySignOff) {
			out = append(out, t)
		}
	}
	return out
}

// Readiness opens 10 hours before its deadline (launch minus the 48h lead time):
// the sign-offs are due at the deadline, not one 24h SLA later, past it.
func TestSignOffsAreDueNoLaterThanTheReadinessDeadline(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	deadline := in.Brief.LaunchAt.Add(-48 * time.Hour)
	h.approveBrief(time.Hour)
	h.doWork(deadline.Sub(t0) - 10*time.Hour)
	h.at(deadline.Sub(t0)-9*time.Hour, func() {
		s := h.signOffs()
		if len(s) != 2 {
			t.Fatalf("%d sign-offs open, want 2", len(s))
		}
		for _, task := range s {
			if !task.DueAt.Equal(deadline) {
				t.Errorf("%s due %s, want the readiness deadline %s", task.Title, task.DueAt, deadline)
			}
		}
	})
	h.cancelAt(deadline.Sub(t0) - 8*time.Hour)
	h.run(in)
}

// A change moving the launch earlier moves the open sign-offs' deadline with
// it; the slip that follows a missed deadline lets them run their SLA again, up
// to the new deadline.
func TestSignOffsFollowTheReadinessDeadline(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	earlier := t0.Add(4 * day)
	h.at(3*time.Hour, func() {
		for _, task := range h.signOffs() {
			if want := task.CreatedAt.Add(24 * time.Hour); !task.DueAt.Equal(want) {
				t.Errorf("%s due %s, want its 24h SLA, %s, well before the deadline", task.Title, task.DueAt, want)
			}
		}
		h.ok("launch earlier", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{LaunchAt: &earlier, Reason: "event moved"}})
	})
	h.at(4*time.Hour, func() {
		// The new deadline, launch minus 48h, is 2 days from the start: still after the SLA.
		for _, task := range h.signOffs() {
			if want := task.CreatedAt.Add(24 * time.Hour); !task.DueAt.Equal(want) {
				t.Errorf("%s due %s, want %s", task.Title, task.DueAt, want)
			}
		}
		closer := t0.Add(2*day + 12*time.Hour)
		h.ok("launch earlier still", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{LaunchAt: &closer, Reason: "event moved again"}})
	})
	h.at(5*time.Hour, func() {
		want := t0.Add(12 * time.Hour) // launch at 2.5 days, minus the 48h lead time
		for _, task := range h.signOffs() {
			if !task.DueAt.Equal(want) {
				t.Errorf("after the launch moved closer: %s due %s, want the deadline %s", task.Title, task.DueAt, want)
			}
		}
	})
	h.at(13*time.Hour, func() {
		// The deadline passed unsigned: the launch slipped 72h, the deadline with it.
		d := h.detail()
		deadline := d.Brief.LaunchAt.Add(-48 * time.Hour)
		for _, task := range h.signOffs() {
			want := task.CreatedAt.Add(24 * time.Hour)
			if deadline.Before(want) {
				want = deadline
			}
			if !task.DueAt.Equal(want) {
				t.Errorf("after the slip: %s due %s, want %s", task.Title, task.DueAt, want)
			}
		}
	})
	h.cancelAt(14 * time.Hour)
	h.run(in)
}

// finishAfter completes the retrospective tasks of a campaign launched at
// launched, a day after its two-week tracking window closed.
func (h *harness) finishAfter(launched time.Duration) {
	h.at(launched+15*day, func() {
		h.complete(h.openTask(campaign.KeyRetrospective+"pat"), pat, domain.OutcomeDone, "lessons", nil)
		h.complete(h.openTask(campaign.KeyRetrospective+"maya"), maya, domain.OutcomeDone, "lessons", nil)
	})
}

// A critical risk held the launch for a day: the retrospective says it slipped,
// against the launch time planned.
func TestRetrospectiveSaysALaunchHeldPastItsTimeSlipped(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	const id = "rsk_test00000009"
	h.approveBrief(time.Hour)
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.at(10*day, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskOpen})
	})
	h.at(launch+day, func() {
		h.env.SignalWorkflow(contract.SignalRiskChanged, domain.LinkedRisk{ID: id, Severity: domain.SeverityCritical, Status: domain.RiskResolved})
	})
	h.finishAfter(launch + day)
	res := h.run(in)
	r := res.Report
	if r == nil || r.LaunchedAt == nil {
		t.Fatalf("report = %+v, want the launch time", r)
	}
	if !r.LaunchSlipped || !r.LaunchedAt.Equal(in.Brief.LaunchAt.Add(day)) {
		t.Errorf("report: launched %s, slipped %t; want launched a day after %s, slipped", r.LaunchedAt, r.LaunchSlipped, in.Brief.LaunchAt)
	}
	if r.PlannedLaunchAt == nil || !r.PlannedLaunchAt.Equal(in.Brief.LaunchAt) {
		t.Errorf("report: planned launch %v, want %s", r.PlannedLaunchAt, in.Brief.LaunchAt)
	}
}

// A launch people moved later by a change request, then made on its new time, did
// not slip.
func TestRetrospectiveSaysALaunchMovedByPeopleDidNotSlip(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	later := in.Brief.LaunchAt.Add(7 * day)
	h.approveBrief(time.Hour)
	h.at(90*time.Minute, func() {
		h.ok("launch a week later", contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{LaunchAt: &later, Reason: "trade show"}})
	})
	h.doWork(2 * time.Hour)
	h.signOff(3*time.Hour, pat, maya)
	h.finishAfter(later.Sub(t0))
	res := h.run(in)
	if r := res.Report; r == nil || r.LaunchSlipped {
		t.Errorf("report = %+v, want not slipped", r)
	}
	if r := res.Report; r == nil || r.PlannedLaunchAt == nil || !r.PlannedLaunchAt.Equal(later) {
		t.Errorf("report = %+v, want planned for the new time", r)
	}
}
