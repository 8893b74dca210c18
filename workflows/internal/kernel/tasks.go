package kernel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// TaskSpec is a task a process asks for.
type TaskSpec struct {
	Kind        domain.TaskKind
	Key         string
	Title       string
	Description string
	Team        domain.Team
	Role        domain.Role
	Assignee    string
	RequestedBy string
	DueAt       time.Time
	// RemindAt is when the task's people are reminded; zero means the kernel's
	// default, Config.ReminderBefore the due time.
	RemindAt time.Time
	// Form is the task's form when the process declares it rather than
	// domain.TaskForm (a template's task, whose form is the template's). Nil:
	// domain.TaskForm's, by the task's key. Open gives the task a copy.
	Form *domain.Form
	// Fill gives the task's form (domain.TaskForm, found by the task's key) what
	// only the run knows: the choices, a currency, the values a revision starts
	// from. It runs each time the task opens, an escalation's successor too.
	Fill func(*domain.Form)
	// Check validates the data of a completion beyond its form, against the
	// process's state: a revised brief as a whole, the rework a sign-off names.
	Check func(domain.Completion) error
	// Notice is what the task's people are told when it opens; empty means "New task: <title>".
	Notice string
	// EstimateHours is the work the task is planned at; 0 opens it without an
	// estimate. An escalation's successor keeps the estimate its task had.
	EstimateHours float64
}

// Tasks is the human-task machinery every process shares: it opens tasks,
// projects them, reminds before due, reports overdue work, escalates, and
// serves the complete-task, reassign-task and release-task updates. A process reaches it as
// its Core's Tasks.
type Tasks struct {
	process    domain.Process
	processID  string
	workflowID string
	out        *recorder
	// reminderBefore is how long before due the people of a task are reminded.
	reminderBefore time.Duration
	// managers may reassign any task, and are told when one is overdue.
	managers func() []string
	// onOverdue runs once for each task still open at its due time, after the
	// notices are queued; the process adds its own reaction there.
	onOverdue func(ctx workflow.Context, t domain.Task)
	// authorize is the process's own check of a completion, on top of the task's
	// eligibility and outcome rules: who may accept a critical risk, say. Nil allows.
	authorize func(contract.CompleteTaskInput) error

	// root is the workflow's own context, the parent of every task's timers: a
	// task opened from an update handler or an overdue hook must outlive them.
	root workflow.Context

	seq     int
	order   []string // task IDs in the order opened, for deterministic iteration
	byID    map[string]*domain.Task
	specs   map[string]TaskSpec // what each task was opened with, for its escalation
	checks  map[string]func(domain.Completion) error
	stops   map[string]workflow.CancelFunc // per open task: stops its reminder and due timers, or their reactions
	overdue map[string]bool

	// oneTimer is whether this run wakes for its tasks' times with one timer
	// (oneTimerVersion): wakes holds what each open task waits for, and
	// changes counts the arms, which the wake-up coroutine watches.
	oneTimer bool
	wakes    map[string]*wake
	changes  int
}

func newTasks(root workflow.Context, out *recorder, workflowID string, reminderBefore time.Duration, managers func() []string) *Tasks {
	ts := &Tasks{
		process: out.process, processID: out.processID, workflowID: workflowID, out: out, root: root,
		reminderBefore: reminderBefore, managers: managers,
		byID: map[string]*domain.Task{}, specs: map[string]TaskSpec{}, checks: map[string]func(domain.Completion) error{},
		stops: map[string]workflow.CancelFunc{}, overdue: map[string]bool{},
	}
	if ts.oneTimer = workflow.GetVersion(root, wakeChangeID, workflow.DefaultVersion, kernelVersion) >= oneTimerVersion; ts.oneTimer {
		ts.wakes = map[string]*wake{}
		ts.startWaking(root)
	}
	return ts
}

// Open creates a task, queues its record, tells its people, and starts its
// timers. It returns the task as the process holds it, which changes as the
// task does. The caller saves.
func (ts *Tasks) Open(ctx workflow.Context, s TaskSpec) *domain.Task {
	ts.seq++
	now := workflow.Now(ctx)
	t := &domain.Task{
		ID: domain.TaskID(ts.processID, ts.seq), Process: ts.process, ProcessID: ts.processID, WorkflowID: ts.workflowID,
		Kind: s.Kind, Key: s.Key, Title: s.Title, Description: s.Description, Team: s.Team, Role: s.Role,
		Assignee: s.Assignee, RequestedBy: s.RequestedBy, Status: domain.TaskOpen, DueAt: s.DueAt.UTC(),
		Form: domain.TaskForm(ts.process, s.Key), CreatedAt: now, UpdatedAt: now,
	}
	if s.Form != nil {
		f := *s.Form
		f.Fields = slices.Clone(f.Fields) // Fill may set defaults: the spec's form stays as declared
		t.Form = &f
	}
	if t.Form != nil && s.Fill != nil {
		s.Fill(t.Form)
	}
	if s.EstimateHours > 0 {
		h := s.EstimateHours
		t.EstimateHours = &h
	}
	ts.order = append(ts.order, t.ID)
	ts.byID[t.ID] = t
	ts.specs[t.ID] = s
	if s.Check != nil {
		ts.checks[t.ID] = s.Check
	}
	ts.out.task(*t)
	ts.out.event(now, domain.EventTaskOpened, "", t.ID, "Task %s opened for %s, due %s", ts.out.quote(t.Title), WhoFor(*t), t.DueAt.Format(time.RFC3339))
	if s.Notice == "" {
		ts.out.notifyTask(now, domain.NotifyAssigned, *t, "New task: "+t.Title)
	} else {
		ts.out.notifyTask(now, domain.NotifyEscalated, *t, s.Notice)
	}
	ts.watch(t.ID)
	return t
}

// WhoFor says who a task is for, in a timeline's words: its assignee, or its
// team and role.
func WhoFor(t domain.Task) string {
	if t.Assignee != "" {
		return t.Assignee
	}
	return fmt.Sprintf("the %s team (%s)", t.Team, t.Role)
}

// watch arms a task's reminder and due time until the task closes. Their
// reactions run in a coroutine of the task's own context, which closing the
// task (or re-arming it) cancels. That context hangs off the root, not the
// caller's: an escalation runs in the expiring task's overdue coroutine, whose
// context closing the old task cancels.
//
// A run of oneTimerVersion hands the times to the run's one wake-up timer
// (wake); an older run keeps a coroutine with a reminder and a due timer per
// task, so its history replays.
func (ts *Tasks) watch(id string) {
	if stop, ok := ts.stops[id]; ok {
		stop()
	}
	tctx, stop := workflow.WithCancel(ts.root)
	ts.stops[id] = stop
	if ts.oneTimer {
		ts.arm(tctx, id)
		return
	}
	workflow.Go(tctx, func(ctx workflow.Context) {
		t := ts.byID[id]
		if remindAt := ts.remindAt(id); !remindAt.IsZero() {
			if d := remindAt.Sub(workflow.Now(ctx)); d > 0 {
				if workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "reminder: " + t.Title}).Get(ctx, nil) != nil {
					return
				}
				ts.remind(ctx, t)
			}
		}
		if d := t.DueAt.Sub(workflow.Now(ctx)); d > 0 {
			if workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "due: " + t.Title}).Get(ctx, nil) != nil {
				return
			}
		}
		if !t.IsOpen() || ts.overdue[id] {
			return
		}
		ts.overdue[id] = true
		ts.reportOverdue(ctx, t)
	})
}

// remindAt is when the people of task id are reminded: its spec's time, or
// the kernel's default before due; zero for no reminder.
func (ts *Tasks) remindAt(id string) time.Time {
	remindAt := ts.specs[id].RemindAt
	if remindAt.IsZero() && ts.reminderBefore > 0 {
		remindAt = ts.byID[id].DueAt.Add(-ts.reminderBefore)
	}
	return remindAt
}

// remind tells an open task's people it is due soon.
func (ts *Tasks) remind(ctx workflow.Context, t *domain.Task) {
	if !t.IsOpen() {
		return
	}
	ts.out.notifyTask(workflow.Now(ctx), domain.NotifyReminder, *t, fmt.Sprintf("Reminder: %s is due %s", ts.out.quote(t.Title), t.DueAt.Format(time.RFC3339)))
	_ = ts.out.flush(ctx)
}

// reportOverdue tells a task's people and the managers that it is past due,
// then runs the process's own reaction (an escalation, say). The caller has
// marked the task overdue.
func (ts *Tasks) reportOverdue(ctx workflow.Context, t *domain.Task) {
	now := workflow.Now(ctx)
	subject := fmt.Sprintf("Overdue: %s was due %s", ts.out.quote(t.Title), t.DueAt.Format(time.RFC3339))
	ts.out.event(now, domain.EventTaskOverdue, "", t.ID, "Task %s is overdue (was due %s)", ts.out.quote(t.Title), t.DueAt.Format(time.RFC3339))
	ts.out.notifyTask(now, domain.NotifyOverdue, *t, subject)
	ts.out.notify(now, domain.NotifyOverdue, t.ID, subject, ts.managers()...)
	_ = ts.out.flush(ctx)
	if ts.onOverdue != nil {
		ts.onOverdue(ctx, *t)
	}
}

// SetDue moves an open task's due time and restarts its timers.
func (ts *Tasks) SetDue(ctx workflow.Context, id string, due time.Time) {
	t := ts.byID[id]
	if !t.IsOpen() || t.DueAt.Equal(due) {
		return
	}
	t.DueAt, t.UpdatedAt = due.UTC(), workflow.Now(ctx)
	delete(ts.overdue, id)
	ts.out.task(*t)
	ts.watch(id)
}

// Reschedule moves an open task's reminder to remind, and its due time to due
// as SetDue does. The reminder is kept even when the due time stays, for the
// next time the task's timers start.
func (ts *Tasks) Reschedule(ctx workflow.Context, id string, remind, due time.Time) {
	spec := ts.specs[id]
	spec.RemindAt = remind
	ts.specs[id] = spec
	ts.SetDue(ctx, id, due)
}

// close ends a task with status and stops its timers. The caller queues events.
func (ts *Tasks) close(ctx workflow.Context, t *domain.Task, status domain.TaskStatus) {
	t.Status, t.UpdatedAt = status, workflow.Now(ctx)
	if stop, ok := ts.stops[t.ID]; ok {
		stop()
		delete(ts.stops, t.ID)
	}
	delete(ts.wakes, t.ID) // the timer stays armed: it wakes, finds nothing due, and re-arms
	ts.out.task(*t)
}

// Cancel closes an open task as cancelled, saying why.
func (ts *Tasks) Cancel(ctx workflow.Context, id, reason string) {
	t := ts.byID[id]
	if t == nil || !t.IsOpen() {
		return
	}
	ts.close(ctx, t, domain.TaskCancelled)
	ts.out.event(workflow.Now(ctx), domain.EventTaskCancelled, "", t.ID, "Task %s cancelled: %s", ts.out.quote(t.Title), reason)
}

// CancelOpen cancels every open task that match selects (all when match is nil).
func (ts *Tasks) CancelOpen(ctx workflow.Context, reason string, match func(domain.Task) bool) {
	for _, id := range ts.order {
		if t := ts.byID[id]; t.IsOpen() && (match == nil || match(*t)) {
			ts.Cancel(ctx, id, reason)
		}
	}
}

// Escalation says where an escalated task goes: to a person, or to everyone
// holding a role in a team when Assignee is empty.
type Escalation struct {
	Assignee string
	Team     domain.Team
	Role     domain.Role
	DueAt    time.Time
	RemindAt time.Time
	Why      string // in words, for the timeline: "not approved within the 24h SLA"
}

// Escalate expires an open task and opens its successor one level up, for the
// same decision: same kind, key and checks, a new owner and due time. Both the
// old and the new owner are told. It returns the new task; the caller saves.
func (ts *Tasks) Escalate(ctx workflow.Context, id string, to Escalation) *domain.Task {
	old := ts.byID[id]
	ts.close(ctx, old, domain.TaskExpired)
	spec := ts.specs[id]
	spec.Assignee, spec.Team, spec.Role, spec.DueAt, spec.RemindAt = to.Assignee, to.Team, to.Role, to.DueAt, to.RemindAt
	subject := fmt.Sprintf("Escalated: %s, %s", ts.out.quote(old.Title), to.Why)
	spec.Notice = subject + "; it is now yours"
	if old.EstimateHours != nil {
		spec.EstimateHours = *old.EstimateHours
	}
	next := ts.Open(ctx, spec)
	next.EscalationLevel = old.EscalationLevel + 1
	ts.out.task(*next)
	now := workflow.Now(ctx)
	ts.out.event(now, domain.EventTaskEscalated, "", next.ID, "%s escalated from %s to %s (level %d): %s",
		ts.out.quote(old.Title), WhoFor(*old), WhoFor(*next), next.EscalationLevel, to.Why)
	ts.out.notifyTask(now, domain.NotifyEscalated, *old, subject+"; it has passed to "+WhoFor(*next))
	return next
}

// SetLevel puts an open task at level of its process's own escalation ladder
// (a risk's), which Escalate's one-level-up does not count.
func (ts *Tasks) SetLevel(t *domain.Task, level int) {
	t.EscalationLevel = level
	ts.out.task(*t)
}

// Rerouted records in the timeline why an approval went where it did (see
// SoleApprover).
func (ts *Tasks) Rerouted(now time.Time, t domain.Task, why string) {
	ts.out.event(now, domain.EventTaskEscalated, "", t.ID, "%s: %s", ts.out.quote(t.Title), why)
}

// Latest returns the most recent task opened with key (an escalated decision's
// current task), or nil.
func (ts *Tasks) Latest(key string) *domain.Task {
	for i := len(ts.order) - 1; i >= 0; i-- {
		if t := ts.byID[ts.order[i]]; t.Key == key {
			return t
		}
	}
	return nil
}

// Decided reports whether the current task of key, following escalations, is
// closed: done or cancelled, not expired into a successor.
func (ts *Tasks) Decided(key string) bool {
	t := ts.Latest(key)
	return t != nil && !t.IsOpen() && t.Status != domain.TaskExpired
}

// carry returns what continue-as-new must hand on: the sequence number, so no
// task ID is ever made twice, and the open tasks.
func (ts *Tasks) carry() (int, []contract.CarriedTask) {
	var out []contract.CarriedTask
	for _, t := range ts.OpenTasks(nil) {
		out = append(out, contract.CarriedTask{Task: t, RemindAt: ts.specs[t.ID].RemindAt, Overdue: ts.overdue[t.ID]})
	}
	return ts.seq, out
}

// restore takes over carried tasks in a new run and re-arms their timers from
// their due and reminder times. Each task keeps the form it was opened with; a
// task carried by a run from before the forms gets its kind's. Only processes
// whose carried tasks need no fill and no check restore this way (the risk).
func (ts *Tasks) restore(seq int, tasks []contract.CarriedTask) {
	ts.seq = seq
	for _, ct := range tasks {
		t := ct.Task
		if t.Form == nil {
			t.Form = domain.TaskForm(ts.process, t.Key)
		}
		ts.order = append(ts.order, t.ID)
		ts.byID[t.ID] = &t
		ts.specs[t.ID] = TaskSpec{
			Kind: t.Kind, Key: t.Key, Title: t.Title, Description: t.Description, Team: t.Team, Role: t.Role,
			Assignee: t.Assignee, RequestedBy: t.RequestedBy, DueAt: t.DueAt, RemindAt: ct.RemindAt,
		}
		if t.EstimateHours != nil {
			spec := ts.specs[t.ID]
			spec.EstimateHours = *t.EstimateHours
			ts.specs[t.ID] = spec
		}
		if ct.Overdue {
			ts.overdue[t.ID] = true
		}
		ts.watch(t.ID)
	}
}

// Await blocks until none of the tasks is open any more.
func (ts *Tasks) Await(ctx workflow.Context, ids ...string) error {
	return workflow.Await(ctx, func() bool { return !ts.AnyOpen(ids...) })
}

// AnyOpen reports whether any of the tasks is open.
func (ts *Tasks) AnyOpen(ids ...string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return ts.byID[id].IsOpen() })
}

// Get returns task id as the process holds it, or nil when this run holds no
// such task.
func (ts *Tasks) Get(id string) *domain.Task { return ts.byID[id] }

// First returns the first task, in the order opened, that match selects, as
// the process holds it; nil when none does.
func (ts *Tasks) First(match func(domain.Task) bool) *domain.Task {
	for _, id := range ts.order {
		if t := ts.byID[id]; match(*t) {
			return t
		}
	}
	return nil
}

// Seq is how many tasks the process has opened, across its runs.
func (ts *Tasks) Seq() int { return ts.seq }

// Overdue counts the tasks of this run that were reported overdue.
func (ts *Tasks) Overdue() int { return len(ts.overdue) }

// List returns copies of all tasks, in the order opened.
func (ts *Tasks) List() []domain.Task {
	out := make([]domain.Task, 0, len(ts.order))
	for _, id := range ts.order {
		out = append(out, *ts.byID[id])
	}
	return out
}

// OpenTasks returns copies of the open tasks that match selects (all when nil),
// in the order opened. It copies only those, into a slice of their number: a
// process's conditions call it each time they are checked, and most of a
// process's tasks are closed or do not match.
func (ts *Tasks) OpenTasks(match func(domain.Task) bool) []domain.Task {
	selected := func(t *domain.Task) bool { return t.IsOpen() && (match == nil || match(*t)) }
	n := 0
	for _, id := range ts.order {
		if selected(ts.byID[id]) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]domain.Task, 0, n)
	for _, id := range ts.order {
		if t := ts.byID[id]; selected(t) {
			out = append(out, *t)
		}
	}
	return out
}

// find returns a task of the process. A task closed in an earlier run of a
// process that continued as new is no longer held, but its ID is still one
// this process made: it is no longer open (a conflict, as for any closed
// task), not a stranger (not found), so a client retrying a completion reads
// the answer right.
//
// A task this process is about to open is "not yet" (unavailable: send it
// again shortly), not a stranger either. The records can be ahead of the
// workflow: a workflow task writes them as it goes, and when its worker dies
// before the task completes, Temporal runs it again from the last completed
// one, so for a few seconds a task the records show open is not opened yet.
// Task IDs are deterministic, so the run opens the very same task again.
func (ts *Tasks) find(id string) (*domain.Task, error) {
	t, ok := ts.byID[id]
	if ok {
		return t, nil
	}
	for seq := ts.seq; seq > 0; seq-- {
		if domain.TaskID(ts.processID, seq) == id {
			return nil, domain.Conflictf("task %s is no longer open", id)
		}
	}
	for seq := ts.seq + 1; seq <= ts.seq+tasksAhead; seq++ {
		if domain.TaskID(ts.processID, seq) == id {
			return nil, domain.Unavailablef("task %s is not open yet: %s is catching up after a restart; send the request again in a few seconds", id, ts.processID)
		}
	}
	return nil, domain.NotFoundf("task %s is not part of %s", id, ts.processID)
}

// tasksAhead bounds how many tasks one workflow task can open (a campaign's
// planning opens one per team), so how far the records can be ahead.
const tasksAhead = 32

// validateComplete refuses a completion that is not this person's to make, or
// that breaks a rule of the task, the caps on what a completion may carry or the
// task's form, which the API checks too: an update sent to Temporal directly
// meets them here.
func (ts *Tasks) validateComplete(_ workflow.Context, in contract.CompleteTaskInput) error {
	t, err := ts.find(in.TaskID)
	if err != nil {
		return err
	}
	if err := t.CheckEligible(in.Actor); err != nil {
		return err
	}
	var p domain.Problems
	in.Completion.CheckLimits(&p)
	if err := p.Err(); err != nil {
		return err
	}
	if err := t.CheckOutcome(in.Completion); err != nil {
		return err
	}
	if t.Form != nil {
		if err := t.Form.Err(in.Completion.Data, workflow.Now(ts.root)); err != nil {
			return err
		}
	}
	if check := ts.checks[in.TaskID]; check != nil {
		if err := check(in.Completion); err != nil {
			return err
		}
	}
	if ts.authorize != nil {
		return ts.authorize(in)
	}
	return nil
}

func (ts *Tasks) complete(ctx workflow.Context, in contract.CompleteTaskInput) (domain.Task, error) {
	t, err := ts.find(in.TaskID)
	if err != nil {
		return domain.Task{}, err
	}
	if !t.IsOpen() { // a second completion that raced past the validator
		return domain.Task{}, domain.Conflictf("task %s is %s", t.ID, t.Status)
	}
	now := workflow.Now(ctx)
	c := in.Completion
	t.Outcome, t.Comment, t.Data, t.ActualHours = c.Outcome, strings.TrimSpace(c.Comment), c.Data, c.ActualHours
	t.CompletedBy, t.OnBehalfOf, t.CompletedAt = in.Actor.Handle, in.Actor.OnBehalfOf, &now
	ts.close(ctx, t, domain.TaskDone)
	by := in.Actor.Handle
	if in.Actor.OnBehalfOf != "" {
		by = fmt.Sprintf("%s on behalf of %s", in.Actor.Handle, in.Actor.OnBehalfOf)
	}
	msg := fmt.Sprintf("%s completed %s: %s", by, ts.out.quote(t.Title), t.Outcome)
	if t.Comment != "" {
		msg += " — " + ts.out.said(t.Comment)
	}
	ts.out.event(now, domain.EventTaskCompleted, in.Actor.Handle, t.ID, "%s", msg)
	if err := ts.out.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

func (ts *Tasks) validateReassign(_ workflow.Context, in contract.ReassignTaskInput) error {
	t, err := ts.find(in.TaskID)
	if err != nil {
		return err
	}
	var p domain.Problems
	if domain.RequireText(&p, "assignee", in.Assignee) && in.Assignee == t.Assignee {
		p.Add("assignee", "the task is already assigned to %s", in.Assignee)
	}
	domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
	if err := domain.CheckReassign(*t, ts.managers(), in.Actor); err != nil {
		return err
	}
	return p.Err()
}

func (ts *Tasks) reassign(ctx workflow.Context, in contract.ReassignTaskInput) (domain.Task, error) {
	t, err := ts.find(in.TaskID)
	if err != nil || !t.IsOpen() {
		return domain.Task{}, domain.Conflictf("task %s can no longer be reassigned", in.TaskID)
	}
	now := workflow.Now(ctx)
	from := WhoFor(*t)
	t.Assignee, t.UpdatedAt = in.Assignee, now
	ts.out.task(*t)
	ts.out.event(now, domain.EventTaskReassign, in.Actor.Handle, t.ID, "%s reassigned %s from %s to %s: %s", in.Actor.Handle, ts.out.quote(t.Title), from, in.Assignee, ts.out.said(in.Reason))
	ts.out.notify(now, domain.NotifyAssigned, t.ID, "Task reassigned to you: "+t.Title, in.Assignee)
	if err := ts.out.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

// validateEstimate refuses an estimate from someone who may not plan the
// task (domain.CheckEstimate), for a closed task, or out of bounds.
func (ts *Tasks) validateEstimate(_ workflow.Context, in contract.EstimateTaskInput) error {
	t, err := ts.find(in.TaskID)
	if err != nil {
		return err
	}
	if err := domain.CheckEstimate(*t, ts.managers(), in.Actor); err != nil {
		return err
	}
	var p domain.Problems
	domain.CheckTaskHours(&p, "hours", in.Hours)
	domain.CheckText(&p, "reason", in.Reason, domain.MaxCommentChars)
	return p.Err()
}

// estimate sets the task's estimate, with a timeline entry saying who
// changed it from what.
func (ts *Tasks) estimate(ctx workflow.Context, in contract.EstimateTaskInput) (domain.Task, error) {
	t, err := ts.find(in.TaskID)
	if err != nil || !t.IsOpen() {
		return domain.Task{}, domain.Conflictf("task %s is no longer open", in.TaskID)
	}
	now := workflow.Now(ctx)
	was := "none"
	if t.EstimateHours != nil {
		was = fmt.Sprintf("%gh", *t.EstimateHours)
	}
	h := in.Hours
	t.EstimateHours, t.UpdatedAt = &h, now
	// The next escalation's successor starts from the estimate as changed.
	spec := ts.specs[t.ID]
	spec.EstimateHours = h
	ts.specs[t.ID] = spec
	ts.out.task(*t)
	msg := fmt.Sprintf("%s changed the estimate of %s from %s to %gh", in.Actor.Handle, ts.out.quote(t.Title), was, h)
	if strings.TrimSpace(in.Reason) != "" {
		msg += ": " + ts.out.said(in.Reason)
	}
	ts.out.event(now, domain.EventTaskEstimated, in.Actor.Handle, t.ID, "%s", msg)
	if err := ts.out.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

// validateRelease checks a give-back of a disabled person's task: only an
// admin's authority sends it (the system actor, on an admin's disabling), the
// task must still be open and held by From, and a task goes back to a queue
// only when it has one: a role to be picked up by.
func (ts *Tasks) validateRelease(_ workflow.Context, in contract.ReleaseTaskInput) error {
	t, err := ts.find(in.TaskID)
	if err != nil {
		return err
	}
	if !in.Actor.HasRole(domain.RoleAdmin) {
		return domain.Forbiddenf("only an admin's disabling of a person gives their tasks back")
	}
	var p domain.Problems
	domain.RequireText(&p, "from", in.From)
	domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
	switch {
	case in.Assignee == "" && t.Role == "":
		p.Add("assignee", "task %s has no role, so no queue to go back to: name who takes it", t.ID)
	case in.Assignee != "" && in.Assignee == in.From:
		p.Add("assignee", "the task is already assigned to %s", in.Assignee)
	}
	if err := p.Err(); err != nil {
		return err
	}
	switch {
	case !t.IsOpen():
		return domain.Conflictf("task %s is %s", t.ID, t.Status)
	case t.Assignee != in.From:
		return domain.Conflictf("task %s is no longer %s's: it is with %s", t.ID, in.From, WhoFor(*t))
	}
	return nil
}

// release gives the task back, with a timeline entry saying why and a notice
// to whoever may now take it.
func (ts *Tasks) release(ctx workflow.Context, in contract.ReleaseTaskInput) (domain.Task, error) {
	t, err := ts.find(in.TaskID)
	if err != nil || !t.IsOpen() || t.Assignee != in.From {
		return domain.Task{}, domain.Conflictf("task %s can no longer be given back", in.TaskID)
	}
	now := workflow.Now(ctx)
	t.Assignee, t.UpdatedAt = in.Assignee, now
	ts.out.task(*t)
	// The reason is Tandem's own words ("maya was disabled"), not a person's.
	ts.out.event(now, domain.EventTaskReassign, in.Actor.Handle, t.ID, "%s; %s is now with %s", in.Reason, ts.out.quote(t.Title), WhoFor(*t))
	ts.out.notifyTask(now, domain.NotifyAssigned, *t, "Task given back to you: "+t.Title)
	if err := ts.out.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}
