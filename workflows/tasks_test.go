package workflows_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// approval is a test-only process on the kernel, and all a process must say:
// its record for the batches (none here), its detail, its managers and its
// progress.
type approval struct{ *kernel.Core }

func (approval) Snapshot(*domain.Batch) {}
func (a approval) Detail() any          { return a.Tasks.List() }
func (approval) Managers() []string     { return []string{"pat"} }
func (approval) Progress([]domain.Task, time.Time) kernel.Progress {
	return kernel.Progress{Stage: "approval", Status: "active"}
}

// escalatingApproval runs it: one approval with a 10h SLA, a reminder at half
// of it, and an escalation to the approver's manager each time the SLA passes.
func escalatingApproval(ctx workflow.Context) (domain.Task, error) {
	managers := map[string]string{"finn": "dana", "dana": "ada", "ada": ""}
	sla := 10 * time.Hour
	due := func() (time.Time, time.Time) {
		now := workflow.Now(ctx)
		return now.Add(sla), now.Add(sla / 2)
	}
	a := &approval{}
	k, err := kernel.New(ctx, a, kernel.Config{Process: domain.ProcessHiring, ID: "hir_test00000001", Noun: "approval",
		OnOverdue: func(ctx workflow.Context, t domain.Task) {
			if next := managers[t.Assignee]; next != "" {
				d, r := due()
				a.Tasks.Escalate(ctx, t.ID, kernel.Escalation{Assignee: next, DueAt: d, RemindAt: r, Why: "not decided within the 10h SLA"})
				_ = a.Save(ctx)
			}
		}})
	if err != nil {
		return domain.Task{}, err
	}
	a.Core = k
	d, r := due()
	a.Tasks.Open(ctx, kernel.TaskSpec{Kind: domain.KindApproval, Key: "step:finance", Title: "Approve the budget", Team: domain.TeamFinance, Role: domain.RoleFinance, Assignee: "finn", RequestedBy: "pat", DueAt: d, RemindAt: r})
	if err := a.Save(ctx); err != nil {
		return domain.Task{}, err
	}
	if err := workflow.Await(ctx, func() bool { return a.Tasks.Decided("step:finance") }); err != nil {
		return domain.Task{}, err
	}
	return *a.Tasks.Latest("step:finance"), a.AwaitHandlers(ctx, nil)
}

// The climb goes two levels: the second escalation runs from the successor's
// timers, which must survive the first task's timers being stopped.
func TestEscalationExpiresTheTaskAndOpensOneForTheManager(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	env.RegisterWorkflow(escalatingApproval)
	env.RegisterActivity(&activities.Activities{Records: recs})
	onVersion(env, perTaskTimers)
	h := &harness{t: t, env: env, recs: recs}
	dana := domain.Actor{Handle: "dana", Team: domain.TeamLeadership, Roles: []domain.Role{domain.RoleDirector}}
	ada := domain.Actor{Handle: "ada", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleAdmin}}
	finn := domain.Actor{Handle: "finn", Team: domain.TeamFinance, Roles: []domain.Role{domain.RoleFinance}}

	var first, second domain.Task
	env.RegisterDelayedCallback(func() {
		for _, task := range recs.tasks {
			first = task
		}
		if n := len(recs.notificationsOf(domain.NotifyReminder)); n != 1 {
			t.Errorf("%d reminders at 6h, want one at half the SLA", n)
		}
	}, 6*time.Hour)
	env.RegisterDelayedCallback(func() {
		h.refused("finn decides after the escalation", domain.CodeConflict, contract.UpdateCompleteTask, completion(first, finn, domain.OutcomeApproved, "", nil))
		var current domain.Task
		for _, task := range recs.tasks {
			if task.IsOpen() {
				current = task
			}
		}
		if current.Assignee != "dana" || current.EscalationLevel != 1 || current.Key != "step:finance" {
			t.Errorf("after the SLA the open task is %+v, want dana's, level 1", current)
		}
		second = current
	}, 11*time.Hour)
	env.RegisterDelayedCallback(func() {
		var current domain.Task
		for _, task := range recs.tasks {
			if task.IsOpen() {
				current = task
			}
		}
		if current.Assignee != "ada" || current.EscalationLevel != 2 {
			t.Errorf("after the second SLA the open task is %+v, want ada's, level 2", current)
		}
		h.refused("dana decides after the second escalation", domain.CodeConflict, contract.UpdateCompleteTask, completion(second, dana, domain.OutcomeApproved, "", nil))
		h.complete(current, ada, domain.OutcomeApproved, "", nil)
	}, 21*time.Hour)
	env.ExecuteWorkflow(escalatingApproval)
	h.checkSent()
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var decided domain.Task
	_ = env.GetWorkflowResult(&decided)
	if decided.CompletedBy != "ada" || decided.Outcome != domain.OutcomeApproved {
		t.Errorf("decision = %+v, want ada's approval", decided)
	}
	if recs.tasks[first.ID].Status != domain.TaskExpired {
		t.Errorf("finn's task is %s, want expired", recs.tasks[first.ID].Status)
	}
	told := map[string]int{}
	for _, n := range recs.notificationsOf(domain.NotifyEscalated) {
		told[n.Recipient]++
	}
	if told["finn"] != 1 || told["dana"] != 2 || told["ada"] != 1 {
		t.Errorf("escalation notices = %v, want finn 1, dana 2 (in, then out), ada 1", told)
	}
	if n := len(recs.eventsOf(domain.EventTaskEscalated)); n != 2 {
		t.Errorf("%d escalation events, want 2", n)
	}
}

// A run cancelled in Temporal (the CLI, the UI), not through Tandem, ends with
// its record cancelled. On a real server the one-wake-up-timer path once spun
// on the cancelled context (a deadlock the SDK reported, the run's workflow
// task failing for ever): e2e's TestRunEndedInTemporalIsClosedInTheRecords
// caught it; the test environment does not reproduce that spin.
func TestARunCancelledInTemporalEnds(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() { h.env.CancelWorkflow() })
	h.env.ExecuteWorkflow(contract.CampaignLaunchType, contract.CampaignInput{ID: "cmp_test00000001", Brief: testBrief(), RequestedBy: "pat", Policy: domain.DefaultPolicy()})
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("the run cancelled in Temporal did not end")
	}
	if err := h.env.GetWorkflowError(); err != nil && !temporal.IsCanceledError(err) {
		t.Errorf("the run ended with %v, want it ended as cancelled", err)
	}
	if c := h.recs.campaign; c == nil || c.Status != domain.StatusCancelled {
		t.Errorf("the record after the cancel: %+v, want it cancelled", c)
	}
}
