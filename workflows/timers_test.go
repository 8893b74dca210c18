package workflows_test

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// wakeChangeID is the kernel's change ID for the one wake-up timer (version 1)
// and for upserting only the search attributes that changed (version 2),
// named by its value as runs in flight hold it.
const wakeChangeID = "one-wake-up-timer"

// timerCount counts the timers a run starts, cancels and sees fire: each
// start and cancel is a command the server persists, each fire a workflow task.
type timerCount struct{ started, cancelled, fired int }

func (c timerCount) minus(o timerCount) timerCount {
	return timerCount{c.started - o.started, c.cancelled - o.cancelled, c.fired - o.fired}
}

func (c timerCount) String() string {
	return fmt.Sprintf("%d started, %d cancelled, %d fired", c.started, c.cancelled, c.fired)
}

// countTimers counts env's timers from now on. The test environment's
// delayed callbacks are not timers of the workflow and are not counted.
func countTimers(env *testsuite.TestWorkflowEnvironment) *timerCount {
	c := &timerCount{}
	env.SetOnTimerScheduledListener(func(string, time.Duration) { c.started++ })
	env.SetOnTimerCanceledListener(func(string) { c.cancelled++ })
	env.SetOnTimerFiredListener(func(string) { c.fired++ })
	return c
}

// onVersion makes the run start on the older per-task timers when old is set;
// otherwise it starts, as every new run does, on the one wake-up timer.
func onVersion(env *testsuite.TestWorkflowEnvironment, old bool) {
	if old {
		env.OnGetVersion(wakeChangeID, workflow.DefaultVersion, 2).Return(workflow.DefaultVersion)
	}
}

// happyCampaignTimers runs the test campaign from brief to completed on one
// version, and counts the timers of each decision (the window from the
// callback that sends it to the next step's) and of the whole run.
func happyCampaignTimers(t *testing.T, old bool) (approve, work, signOff, whole timerCount, res contract.CampaignResult) {
	h := newHarness(t)
	onVersion(h.env, old)
	c := countTimers(h.env)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)
	var at1, at3, at4, at5 timerCount
	h.at(time.Hour-time.Minute, func() { at1 = *c })
	h.approveBrief(time.Hour)
	h.at(3*time.Hour-time.Minute, func() { at3 = *c })
	h.doWork(3 * time.Hour)
	h.at(4*time.Hour-time.Minute, func() { at4 = *c })
	h.signOff(4*time.Hour, pat, maya)
	h.at(5*time.Hour, func() { at5 = *c })
	h.at(launch+time.Hour, func() {
		h.ok("record KPIs", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: ana, Actuals: []domain.KPIActual{
			{Name: "signups", Value: 1200}, {Name: "cpa", Value: 38},
		}})
	})
	h.at(launch+15*day, func() {
		h.complete(h.openTask("retrospective:pat"), pat, domain.OutcomeDone, "", nil)
		h.complete(h.openTask("retrospective:maya"), maya, domain.OutcomeDone, "", nil)
	})
	res = h.run(in)
	return at3.minus(at1), at4.minus(at3), at5.minus(at4), *c, res
}

// Approving a brief closes the review and opens the production work. On the
// per-task timers that cancels the review's timer and starts a reminder for
// each new task; on the one wake-up timer, a decision whose new tasks are due
// after what the run already waits for starts and cancels nothing. The whole
// run ends the same either way, on fewer timers.
func TestOneWakeUpTimerStartsFewerTimersThanOnePerTask(t *testing.T) {
	oldApprove, oldWork, oldSignOff, oldWhole, oldRes := happyCampaignTimers(t, true)
	approve, work, signOff, whole, res := happyCampaignTimers(t, false)
	t.Logf("approve the brief: per-task timers %s; one wake-up timer %s", oldApprove, approve)
	t.Logf("complete the work: per-task timers %s; one wake-up timer %s", oldWork, work)
	t.Logf("sign off:          per-task timers %s; one wake-up timer %s", oldSignOff, signOff)
	t.Logf("whole campaign:    per-task timers %s; one wake-up timer %s", oldWhole, whole)

	if oldApprove.started < 5 || oldApprove.cancelled < 1 {
		t.Errorf("per-task timers, approving: %s; want a timer for each of the 5 new tasks and the review's cancelled", oldApprove)
	}
	if approve.started > 1 || approve.cancelled > 0 {
		t.Errorf("one wake-up timer, approving: %s; want at most one started and none cancelled", approve)
	}
	if whole.started+whole.cancelled >= oldWhole.started+oldWhole.cancelled {
		t.Errorf("whole run: one wake-up timer %s, not fewer commands than per-task timers %s", whole, oldWhole)
	}
	if res.Status != oldRes.Status || !reflect.DeepEqual(res.Report, oldRes.Report) {
		t.Errorf("the runs ended differently: %+v / %+v", res, oldRes)
	}
}

// perTaskTimers starts the runs of every harness on the older per-task
// timers; TestOneWakeUpTimerDoesWhatThePerTaskTimersDid sets it for a run.
var perTaskTimers bool

// written logs, while on, what every fake records store is given: each
// event and notification with its time, and each task as last written, in
// words that leave out only the record keys (they number the records in the
// order queued, which coincident times may change).
var written recordLog

type recordLog struct {
	mu    sync.Mutex
	on    bool
	lines []string
	tasks map[string]string
}

func (l *recordLog) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on, l.lines, l.tasks = true, nil, map[string]string{}
}

// stop ends the log and returns it sorted, the tasks after the records.
func (l *recordLog) stop() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	out := slices.Sorted(slices.Values(l.lines))
	for _, id := range slices.Sorted(maps.Keys(l.tasks)) {
		out = append(out, "task "+id+": "+l.tasks[id])
	}
	return out
}

func (l *recordLog) collect(b domain.Batch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	for _, e := range b.Events {
		l.lines = append(l.lines, fmt.Sprintf("%s event %s task=%s actor=%s: %s", at(e.At), e.Kind, e.TaskID, e.Actor, e.Message))
	}
	for _, n := range b.Notifications {
		l.lines = append(l.lines, fmt.Sprintf("%s notify %s to=%s/%s/%s task=%s: %s", at(n.CreatedAt), n.Kind, n.Recipient, n.Team, n.Role, n.TaskID, n.Subject))
	}
	for _, t := range b.Tasks {
		l.tasks[t.ID] = fmt.Sprintf("%s key=%s for=%s due=%s level=%d updated=%s", t.Status, t.Key, kernelWho(t), at(t.DueAt), t.EscalationLevel, at(t.UpdatedAt))
	}
}

func kernelWho(t domain.Task) string { return t.Assignee + "/" + string(t.Team) + "/" + string(t.Role) }

// The one wake-up timer changes how a run waits, not what it does: the
// scenarios with reminders, overdue notices, escalations, expiries, moved due
// times and a continue-as-new write the same events, notifications and tasks,
// at the same workflow times, on either way of waking. Each scenario is a
// test of its own, run here once per way; it must pass on both.
func TestOneWakeUpTimerDoesWhatThePerTaskTimersDid(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"campaign happy path", TestCampaignRunsFromBriefToCompleted},
		{"campaign reminders and overdue", TestRemindersBeforeDueAndOverdueNotices},
		{"campaign overdue raises risks", TestOverdueWorkRaisesOneLinkedRiskPerTask},
		{"campaign late readiness", TestLateReadinessSlipsTheLaunch},
		{"campaign sign-off due moved", TestSignOffsAreDueNoLaterThanTheReadinessDeadline},
		{"hiring reminds and escalates", TestHiringStepRemindsThenEscalatesToTheManager},
		{"hiring expires", TestHiringExpiresPastNeededBy},
		{"risk climbs the ladder", TestRiskNobodyAcknowledgesClimbsTheLadder},
		{"risk rescheduled", TestRiskReassessedDownMovesTheSLAAndUpEscalates},
		{"risk continues as new", TestRiskContinuesAsNewWithItsState},
		{"kernel escalation", TestEscalationExpiresTheTaskAndOpensOneForTheManager},
		{"template overdue approval", TestTemplateWebinarOverdueApprovalEscalates},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := recordRun(t, "per-task timers", true, tc.run)
			now := recordRun(t, "one wake-up timer", false, tc.run)
			if len(old) == 0 {
				t.Fatal("the scenario wrote nothing")
			}
			if !slices.Equal(old, now) {
				t.Errorf("the records differ:\n%s", lineDiff(old, now))
			}
		})
	}
}

// recordRun runs scenario as a subtest with every run on per-task timers or
// not, and returns what it wrote.
func recordRun(t *testing.T, name string, old bool, scenario func(*testing.T)) []string {
	t.Helper()
	perTaskTimers = old
	defer func() { perTaskTimers = false }()
	written.start()
	ok := t.Run(name, scenario)
	lines := written.stop()
	if !ok {
		t.Fatalf("the scenario failed on the %s", name)
	}
	return lines
}

// lineDiff lists the lines only one of two sorted logs has.
func lineDiff(old, now []string) string {
	var b strings.Builder
	for _, l := range old {
		if !slices.Contains(now, l) {
			fmt.Fprintf(&b, "  per-task timers only:   %s\n", l)
		}
	}
	for _, l := range now {
		if !slices.Contains(old, l) {
			fmt.Fprintf(&b, "  one wake-up timer only: %s\n", l)
		}
	}
	if b.Len() == 0 {
		return "  (the same lines, repeated a different number of times)"
	}
	return b.String()
}

// dueSooner opens a task due in ten days, then, an hour in, one reminded at
// two hours and due at three: a task opened later that is due before what
// the run waits for. It returns when the second task has been reported overdue.
func dueSooner(ctx workflow.Context) (time.Time, error) {
	a := &approval{}
	k, err := kernel.New(ctx, a, kernel.Config{Process: domain.ProcessHiring, ID: "hir_test00000002", Noun: "approval"})
	if err != nil {
		return time.Time{}, err
	}
	a.Core = k
	start := workflow.Now(ctx)
	open := func(key string, remind, due time.Duration) {
		spec := kernel.TaskSpec{Kind: domain.KindApproval, Key: key, Title: key, Team: domain.TeamFinance, Role: domain.RoleFinance,
			Assignee: "finn", RequestedBy: "pat", DueAt: start.Add(due)}
		if remind > 0 {
			spec.RemindAt = start.Add(remind)
		}
		a.Tasks.Open(ctx, spec)
	}
	open("later", 0, 10*day)
	if err := a.Save(ctx); err != nil {
		return time.Time{}, err
	}
	if err := workflow.Sleep(ctx, time.Hour); err != nil {
		return time.Time{}, err
	}
	open("sooner", 2*time.Hour, 3*time.Hour)
	if err := a.Save(ctx); err != nil {
		return time.Time{}, err
	}
	if err := workflow.Await(ctx, func() bool { return a.Tasks.Overdue() == 1 }); err != nil {
		return time.Time{}, err
	}
	return workflow.Now(ctx), a.Drain(ctx)
}

// A task opened while the run waits for a later time is reminded and reported
// overdue on time: the wake-up timer is replaced by an earlier one.
func TestATaskDueSoonerThanTheWakeUpIsOnTime(t *testing.T) {
	for _, old := range []bool{true, false} {
		t.Run(fmt.Sprintf("per-task timers %v", old), func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(t0)
			recs := &fakeRecords{tasks: map[string]domain.Task{}}
			env.RegisterWorkflow(dueSooner)
			env.RegisterActivity(&activities.Activities{Records: recs})
			onVersion(env, old)
			c := countTimers(env)
			env.ExecuteWorkflow(dueSooner)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var overdueAt time.Time
			if err := env.GetWorkflowResult(&overdueAt); err != nil {
				t.Fatal(err)
			}
			if want := t0.Add(3 * time.Hour); !overdueAt.Equal(want) {
				t.Errorf("reported overdue at %s, want %s", overdueAt, want)
			}
			reminders := recs.notificationsOf(domain.NotifyReminder)
			if len(reminders) != 1 || !reminders[0].CreatedAt.Equal(t0.Add(2*time.Hour)) || !strings.Contains(reminders[0].Subject, "sooner") {
				t.Errorf("reminders = %+v, want sooner's at 2h", reminders)
			}
			overdue := recs.eventsOf(domain.EventTaskOverdue)
			if len(overdue) != 1 || !overdue[0].At.Equal(t0.Add(3*time.Hour)) || !strings.Contains(overdue[0].Message, "sooner") {
				t.Errorf("overdue events = %+v, want sooner's at 3h", overdue)
			}
			// The one-hour sleep is a timer of its own. The one wake-up timer
			// is armed for ten days, replaced at 1h for the reminder, re-armed
			// for the due time and, once that fired, for the ten days again: a
			// wake-up always re-arms, where the per-task timers (three, none
			// replaced) were all started already.
			want := timerCount{started: 5, cancelled: 1, fired: 3}
			if old {
				want = timerCount{started: 4, cancelled: 0, fired: 3}
			}
			if *c != want {
				t.Errorf("timers: %s, want %s", *c, want)
			}
		})
	}
}
