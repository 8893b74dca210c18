package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// lastUpsert returns the search attributes as they stood at the end of the
// upserts seen so far: what the run list shows at that moment.
func lastUpsert(t *testing.T, seen []saUpsert) saUpsert {
	t.Helper()
	if len(seen) == 0 {
		t.Fatal("no search-attribute upsert yet")
	}
	return seen[len(seen)-1]
}

// The hiring run list shows the chain step and whom it waits on at every step.
func TestHiringSearchAttributesFollowTheChain(t *testing.T) {
	h, _ := newHiringHarness(t)
	upserts := recordUpserts(h)
	check := func(at time.Duration, stage string, waiting ...string) {
		h.at(at, func() {
			u := lastUpsert(t, *upserts)
			slices.Sort(waiting)
			if u.stage != stage || u.status != string(domain.StatusActive) || !slices.Equal(u.waiting, waiting) || u.nextDue == nil {
				t.Errorf("at %s: %+v, want stage %s waiting on %v with a due time", at, u, stage, waiting)
			}
		})
	}
	// Teams only: search attributes are stored in clear, so they name no person.
	check(30*time.Minute, "approval:mops", "team:marketing-ops")
	approveChain(h, time.Hour, maya)
	check(90*time.Minute, "approval:finance", "team:finance")
	approveChain(h, 2*time.Hour, hrFinn)
	check(150*time.Minute, "approval:hr", "team:hr")
	cancelBy(h, 3*time.Hour, pat)
	runHiring(h, hiringInput(100000))
	if u := lastUpsert(t, *upserts); u.status != string(domain.StatusCancelled) || len(u.waiting) != 0 || u.nextDue != nil {
		t.Errorf("after cancel: %+v, want cancelled, waiting on nobody, no due time", u)
	}
}

// The risk run list shows severity, level and the team that must act as the risk
// climbs its ladder; no person.
func TestRiskSearchAttributesFollowTheClimb(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	upserts := recordUpserts(h)
	var levels []int64
	var holders [][]string
	for _, at := range []time.Duration{30 * time.Minute, 90 * time.Minute, 150 * time.Minute} {
		h.at(at, func() {
			u := lastUpsert(t, *upserts)
			if u.process != string(domain.ProcessRisk) || u.severity != string(domain.SeverityCritical) || u.status != string(domain.RiskOpen) {
				t.Errorf("at %s: %+v, want an open critical risk", at, u)
			}
			levels = append(levels, u.level)
			holders = append(holders, u.waiting)
		})
	}
	h.at(160*time.Minute, func() {
		h.ok("maya resolves", contract.UpdateDecideRisk, decide(maya, domain.DecideResolve, "handled"))
	})
	h.runRisk(criticalRisk())
	if !slices.Equal(levels, []int64{0, 1, 2}) {
		t.Errorf("TandemLevel over the climb = %v, want 0, 1, 2", levels)
	}
	// Acknowledge tasks go to a person, not a team; search attributes, stored in
	// clear, name no person, so the climb shows in TandemLevel alone.
	if len(holders) != 3 || len(slices.Concat(holders...)) != 0 {
		t.Errorf("TandemWaitingOn over the climb = %v, want no person named", holders)
	}
	if u := lastUpsert(t, *upserts); u.status != string(domain.RiskResolved) || len(u.waiting) != 0 {
		t.Errorf("after resolving: %+v, want resolved, waiting on nobody", u)
	}
}
