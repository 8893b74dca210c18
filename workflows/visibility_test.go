package workflows_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
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

// upsertCount is how many upserts a run made in each window of the scripted
// campaign, and the attributes at checkpoints and at the end.
type upsertCount struct {
	approve, reassign, estimate, work, whole int
	afterApprove, afterReplan, last          saUpsert
}

// campaignUpserts runs the test campaign with a reassignment and a re-plan
// between the brief's approval and the work, on the older version (every
// write upserts every attribute) when all is set, and counts the upserts of
// each decision: the window from a minute before it to a minute before the next.
func campaignUpserts(t *testing.T, all bool) upsertCount {
	h := newHarness(t)
	if all {
		// Version 1 of the kernel's change: one wake-up timer, every attribute.
		h.env.OnGetVersion(wakeChangeID, workflow.DefaultVersion, 2).Return(workflow.Version(1))
	}
	upserts := recordUpserts(h)
	var c upsertCount
	var marks []int
	mark := func(at time.Duration) { h.at(at, func() { marks = append(marks, len(*upserts)) }) }
	mark(time.Hour - time.Minute)
	h.approveBrief(time.Hour)
	mark(2*time.Hour - time.Minute)
	h.at(2*time.Hour-time.Minute, func() { c.afterApprove = lastUpsert(t, *upserts) })
	// Both change who does a task and how long it takes, not the stage, the
	// status, the teams waited on or the next due time: nothing the run list shows.
	h.at(2*time.Hour, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		h.ok("reassign to cleo", contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: assets.ID, Actor: pat, Assignee: "cleo", Reason: "Cleo knows the brand"})
	})
	mark(150 * time.Minute)
	h.at(150*time.Minute, func() {
		assets := h.openTask(campaign.KeyDeliverable + "assets")
		h.ok("the PM re-plans", contract.UpdateEstimateTask, contract.EstimateTaskInput{TaskID: assets.ID, Actor: pat, Hours: 20, Reason: "two formats more"})
	})
	mark(3*time.Hour - time.Minute)
	h.at(3*time.Hour-time.Minute, func() { c.afterReplan = lastUpsert(t, *upserts) })
	h.doWork(3 * time.Hour)
	mark(4*time.Hour - time.Minute)
	h.cancelAt(5 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
	if len(marks) != 5 {
		t.Fatalf("%d marks, want 5", len(marks))
	}
	c.approve, c.reassign, c.estimate, c.work = marks[1]-marks[0], marks[2]-marks[1], marks[3]-marks[2], marks[4]-marks[3]
	c.whole, c.last = len(*upserts), lastUpsert(t, *upserts)
	return c
}

// A decision that changes nothing the run list shows upserts no search
// attribute on onlyChangesVersion, where the older runs upsert them all with
// every write; a decision that moves the stage still upserts. Either way the
// run list shows the same at every checkpoint and at the end.
func TestUnchangedSearchAttributesAreNotUpserted(t *testing.T) {
	old := campaignUpserts(t, true)
	now := campaignUpserts(t, false)
	t.Logf("upserts per decision, every attribute / only changes: approve %d / %d, reassign %d / %d, re-plan %d / %d, the work %d / %d, whole run %d / %d",
		old.approve, now.approve, old.reassign, now.reassign, old.estimate, now.estimate, old.work, now.work, old.whole, now.whole)
	if old.reassign != 1 || old.estimate != 1 {
		t.Errorf("every attribute: reassign %d, re-plan %d upserts; want one each (one write each)", old.reassign, old.estimate)
	}
	if now.reassign != 0 || now.estimate != 0 {
		t.Errorf("only changes: reassign %d, re-plan %d upserts; want none: nothing the run list shows changed", now.reassign, now.estimate)
	}
	if now.approve < 1 {
		t.Errorf("only changes: approving the brief made no upsert; the stage changed")
	}
	if now.whole >= old.whole {
		t.Errorf("whole run: %d upserts on only changes, not fewer than %d", now.whole, old.whole)
	}
	for _, p := range []struct {
		name     string
		old, now saUpsert
	}{{"after approving", old.afterApprove, now.afterApprove}, {"after the re-plan", old.afterReplan, now.afterReplan}, {"at the end", old.last, now.last}} {
		if !reflect.DeepEqual(p.old, p.now) {
			t.Errorf("%s the run list shows %+v on only changes, %+v on every attribute", p.name, p.now, p.old)
		}
	}
	if now.afterReplan.stage != string(domain.StageProduction) || now.afterReplan.nextDue == nil || len(now.afterReplan.waiting) == 0 {
		t.Errorf("after the re-plan: %+v, want production, waiting on teams, with a due time", now.afterReplan)
	}
	if now.last.status != string(domain.StatusCancelled) || len(now.last.waiting) != 0 || now.last.nextDue != nil {
		t.Errorf("at the end: %+v, want cancelled, waiting on nobody, no due time", now.last)
	}
}
