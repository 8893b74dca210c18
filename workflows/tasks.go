package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// taskSpec is a task a process asks for.
type taskSpec struct {
	Kind        domain.TaskKind
	Key         string
	Title       string
	Description string
	Team        domain.Team
	Role        domain.Role
	Assignee    string
	RequestedBy string
	DueAt       time.Time
	// RemindAt is when the task's people are reminded; zero means the machinery's
	// default, reminderBefore the due time.
	RemindAt time.Time
	// fill gives the task's form (domain.TaskForm, found by the task's key) what
	// only the run knows: the choices, a currency, the values a revision starts
	// from. It runs each time the task opens, an escalation's successor too.
	fill func(*domain.Form)
	// check validates the data of a completion beyond its form, against the
	// process's state: a revised brief as a whole, the rework a sign-off names.
	check func(domain.Completion) error
	// notice is what the task's people are told when it opens; empty means "New task: <title>".
	notice string
}

// humanTasks is the human-task machinery every process shares: it opens tasks,
// projects them, reminds before due, reports overdue work, and serves the
// complete-task and reassign-task updates with validators.
type humanTasks struct {
	process    domain.Process
	processID  string
	workflowID string
	rec        *recorder
	// reminderBefore is how long before due the people of a task are reminded.
	reminderBefore time.Duration
	// managers may reassign any task, and are told when one is overdue.
	managers func() []string
	// onOverdue runs once for each task still open at its due time, after the
	// notices are queued; the process adds its own reaction there.
	onOverdue func(ctx workflow.Context, t domain.Task)
	// authorize is the process's own check of a completion, on top of the task's
	// eligibility and outcome rules: who may accept a critical risk, say. Nil allows.
	authorize func(CompleteTaskInput) error
	// cmds is the process's log of applied updates, which every validator of
	// the process's updates checks and every handler adds to.
	cmds *commands

	// root is the workflow's own context, the parent of every task's timers: a
	// task opened from an update handler or an overdue hook must outlive them.
	root workflow.Context

	seq     int
	order   []string // task IDs in the order opened, for deterministic iteration
	byID    map[string]*domain.Task
	specs   map[string]taskSpec // what each task was opened with, for its escalation
	checks  map[string]func(domain.Completion) error
	stops   map[string]workflow.CancelFunc // per open task: stops its reminder and due timers
	overdue map[string]bool
}

func newHumanTasks(rec *recorder, workflowID string, reminderBefore time.Duration, managers func() []string) *humanTasks {
	return &humanTasks{
		process: rec.process, processID: rec.processID, workflowID: workflowID, rec: rec,
		reminderBefore: reminderBefore, managers: managers,
		byID: map[string]*domain.Task{}, specs: map[string]taskSpec{}, checks: map[string]func(domain.Completion) error{},
		stops: map[string]workflow.CancelFunc{}, overdue: map[string]bool{}, cmds: newCommands(nil),
	}
}

// register installs the task updates on the workflow; ctx must be the workflow's
// root context.
func (h *humanTasks) register(ctx workflow.Context) error {
	h.root = ctx
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, h.complete,
		workflow.UpdateHandlerOptions{Validator: h.validateComplete}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateReassignTask, h.reassign,
		workflow.UpdateHandlerOptions{Validator: h.validateReassign})
}

// open creates a task, queues its record, tells its people, and starts its timers.
// The caller flushes.
func (h *humanTasks) open(ctx workflow.Context, s taskSpec) *domain.Task {
	h.seq++
	now := workflow.Now(ctx)
	t := &domain.Task{
		ID: domain.TaskID(h.processID, h.seq), Process: h.process, ProcessID: h.processID, WorkflowID: h.workflowID,
		Kind: s.Kind, Key: s.Key, Title: s.Title, Description: s.Description, Team: s.Team, Role: s.Role,
		Assignee: s.Assignee, RequestedBy: s.RequestedBy, Status: domain.TaskOpen, DueAt: s.DueAt.UTC(),
		Form: domain.TaskForm(h.process, s.Key), CreatedAt: now, UpdatedAt: now,
	}
	if t.Form != nil && s.fill != nil {
		s.fill(t.Form)
	}
	h.order = append(h.order, t.ID)
	h.byID[t.ID] = t
	h.specs[t.ID] = s
	if s.check != nil {
		h.checks[t.ID] = s.check
	}
	h.rec.task(*t)
	h.rec.event(now, domain.EventTaskOpened, "", t.ID, "Task %s opened for %s, due %s", h.rec.quote(t.Title), whoFor(*t), t.DueAt.Format(time.RFC3339))
	if s.notice == "" {
		h.rec.notifyTask(now, domain.NotifyAssigned, *t, "New task: "+t.Title)
	} else {
		h.rec.notifyTask(now, domain.NotifyEscalated, *t, s.notice)
	}
	h.watch(t.ID)
	return t
}

func whoFor(t domain.Task) string {
	if t.Assignee != "" {
		return t.Assignee
	}
	return fmt.Sprintf("the %s team (%s)", t.Team, t.Role)
}

// watch runs a task's reminder and due timers until the task closes. They hang
// off the root context, not the caller's: an escalation runs in the expiring
// task's own timer coroutine, whose context closing the old task cancels.
func (h *humanTasks) watch(id string) {
	if stop, ok := h.stops[id]; ok {
		stop()
	}
	tctx, stop := workflow.WithCancel(h.root)
	h.stops[id] = stop
	workflow.Go(tctx, func(ctx workflow.Context) {
		t := h.byID[id]
		remindAt := h.specs[id].RemindAt
		if remindAt.IsZero() && h.reminderBefore > 0 {
			remindAt = t.DueAt.Add(-h.reminderBefore)
		}
		if !remindAt.IsZero() {
			if d := remindAt.Sub(workflow.Now(ctx)); d > 0 {
				if workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "reminder: " + t.Title}).Get(ctx, nil) != nil {
					return
				}
				if t.IsOpen() {
					h.rec.notifyTask(workflow.Now(ctx), domain.NotifyReminder, *t, fmt.Sprintf("Reminder: %s is due %s", h.rec.quote(t.Title), t.DueAt.Format(time.RFC3339)))
					_ = h.rec.flush(ctx)
				}
			}
		}
		if d := t.DueAt.Sub(workflow.Now(ctx)); d > 0 {
			if workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "due: " + t.Title}).Get(ctx, nil) != nil {
				return
			}
		}
		if !t.IsOpen() || h.overdue[id] {
			return
		}
		h.overdue[id] = true
		now := workflow.Now(ctx)
		subject := fmt.Sprintf("Overdue: %s was due %s", h.rec.quote(t.Title), t.DueAt.Format(time.RFC3339))
		h.rec.event(now, domain.EventTaskOverdue, "", t.ID, "Task %s is overdue (was due %s)", h.rec.quote(t.Title), t.DueAt.Format(time.RFC3339))
		h.rec.notifyTask(now, domain.NotifyOverdue, *t, subject)
		h.rec.notify(now, domain.NotifyOverdue, t.ID, subject, h.managers()...)
		_ = h.rec.flush(ctx)
		if h.onOverdue != nil {
			h.onOverdue(ctx, *t)
		}
	})
}

// setDue moves an open task's due time and restarts its timers.
func (h *humanTasks) setDue(ctx workflow.Context, id string, due time.Time) {
	t := h.byID[id]
	if !t.IsOpen() || t.DueAt.Equal(due) {
		return
	}
	t.DueAt, t.UpdatedAt = due.UTC(), workflow.Now(ctx)
	delete(h.overdue, id)
	h.rec.task(*t)
	h.watch(id)
}

// close ends a task with status and stops its timers. The caller queues events.
func (h *humanTasks) close(ctx workflow.Context, t *domain.Task, status domain.TaskStatus) {
	t.Status, t.UpdatedAt = status, workflow.Now(ctx)
	if stop, ok := h.stops[t.ID]; ok {
		stop()
		delete(h.stops, t.ID)
	}
	h.rec.task(*t)
}

// cancel closes an open task as cancelled, saying why.
func (h *humanTasks) cancel(ctx workflow.Context, id, reason string) {
	t := h.byID[id]
	if t == nil || !t.IsOpen() {
		return
	}
	h.close(ctx, t, domain.TaskCancelled)
	h.rec.event(workflow.Now(ctx), domain.EventTaskCancelled, "", t.ID, "Task %s cancelled: %s", h.rec.quote(t.Title), reason)
}

// cancelOpen cancels every open task that match selects (all when match is nil).
func (h *humanTasks) cancelOpen(ctx workflow.Context, reason string, match func(domain.Task) bool) {
	for _, id := range h.order {
		if t := h.byID[id]; t.IsOpen() && (match == nil || match(*t)) {
			h.cancel(ctx, id, reason)
		}
	}
}

// escalation says where an escalated task goes: to a person, or to everyone
// holding a role in a team when Assignee is empty.
type escalation struct {
	Assignee string
	Team     domain.Team
	Role     domain.Role
	DueAt    time.Time
	RemindAt time.Time
	Why      string // in words, for the timeline: "not approved within the 24h SLA"
}

// escalate expires an open task and opens its successor one level up, for the
// same decision: same kind, key and checks, a new owner and due time. Both the
// old and the new owner are told. It returns the new task; the caller flushes.
func (h *humanTasks) escalate(ctx workflow.Context, id string, to escalation) *domain.Task {
	old := h.byID[id]
	h.close(ctx, old, domain.TaskExpired)
	spec := h.specs[id]
	spec.Assignee, spec.Team, spec.Role, spec.DueAt, spec.RemindAt = to.Assignee, to.Team, to.Role, to.DueAt, to.RemindAt
	subject := fmt.Sprintf("Escalated: %s, %s", h.rec.quote(old.Title), to.Why)
	spec.notice = subject + "; it is now yours"
	next := h.open(ctx, spec)
	next.EscalationLevel = old.EscalationLevel + 1
	h.rec.task(*next)
	now := workflow.Now(ctx)
	h.rec.event(now, domain.EventTaskEscalated, "", next.ID, "%s escalated from %s to %s (level %d): %s",
		h.rec.quote(old.Title), whoFor(*old), whoFor(*next), next.EscalationLevel, to.Why)
	h.rec.notifyTask(now, domain.NotifyEscalated, *old, subject+"; it has passed to "+whoFor(*next))
	return next
}

// latest returns the most recent task opened with key (an escalated decision's
// current task), or nil.
func (h *humanTasks) latest(key string) *domain.Task {
	for i := len(h.order) - 1; i >= 0; i-- {
		if t := h.byID[h.order[i]]; t.Key == key {
			return t
		}
	}
	return nil
}

// awaitKey blocks until the current task for key is no longer open, following
// escalations, and returns it.
func (h *humanTasks) awaitKey(ctx workflow.Context, key string) (*domain.Task, error) {
	err := workflow.Await(ctx, func() bool { t := h.latest(key); return t != nil && !t.IsOpen() && t.Status != domain.TaskExpired })
	return h.latest(key), err
}

// CarriedTask is an open task handed to the next run by continue-as-new, with
// what its timers need.
type CarriedTask struct {
	Task     domain.Task `json:"task"`
	RemindAt time.Time   `json:"remind_at"`
	Overdue  bool        `json:"overdue"` // already reported: not reported again
}

// carry returns what continue-as-new must hand on: the sequence number, so no
// task ID is ever made twice, and the open tasks.
func (h *humanTasks) carry() (int, []CarriedTask) {
	var out []CarriedTask
	for _, t := range h.openTasks(nil) {
		out = append(out, CarriedTask{Task: t, RemindAt: h.specs[t.ID].RemindAt, Overdue: h.overdue[t.ID]})
	}
	return h.seq, out
}

// restore takes over carried tasks in a new run and re-arms their timers from
// their due and reminder times. Each task keeps the form it was opened with; a
// task carried by a run from before the forms gets its kind's. Only processes
// whose carried tasks need no fill and no check restore this way (the risk).
func (h *humanTasks) restore(seq int, tasks []CarriedTask) {
	h.seq = seq
	for _, ct := range tasks {
		t := ct.Task
		if t.Form == nil {
			t.Form = domain.TaskForm(h.process, t.Key)
		}
		h.order = append(h.order, t.ID)
		h.byID[t.ID] = &t
		h.specs[t.ID] = taskSpec{
			Kind: t.Kind, Key: t.Key, Title: t.Title, Description: t.Description, Team: t.Team, Role: t.Role,
			Assignee: t.Assignee, RequestedBy: t.RequestedBy, DueAt: t.DueAt, RemindAt: ct.RemindAt,
		}
		if ct.Overdue {
			h.overdue[t.ID] = true
		}
		h.watch(t.ID)
	}
}

// await blocks until none of the tasks is open any more.
func (h *humanTasks) await(ctx workflow.Context, ids ...string) error {
	return workflow.Await(ctx, func() bool { return !h.anyOpen(ids...) })
}

func (h *humanTasks) anyOpen(ids ...string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return h.byID[id].IsOpen() })
}

// list returns copies of all tasks, in the order opened.
func (h *humanTasks) list() []domain.Task {
	out := make([]domain.Task, 0, len(h.order))
	for _, id := range h.order {
		out = append(out, *h.byID[id])
	}
	return out
}

// tasksBudget is the most a detail answer's tasks may take as JSON. The detail
// is both the query's answer and the result of the updates that return it, and
// Temporal refuses either over its blob limit, 2 MiB by default: a query fails,
// and an update result that large terminates the run. Each task's data is
// capped at 16 KiB, but a process's tasks are not counted (a manager adds tasks,
// each revision, rework round or budget change opens more), so a long campaign
// could reach the limit through its tasks alone. The budget leaves the other
// half of the limit to the record itself.
const tasksBudget = 1 << 20

// fitTasks returns tasks as a detail answers them: all of them, whole, while
// their JSON fits budget bytes. Past it, the data of the oldest tasks (and the
// forms of the closed ones) is left out first, each marked data_omitted (the task itself, GET /tasks/{id}, still has
// it); then the oldest closed tasks, whose number it returns. Open tasks are
// always answered: they are what the process waits on. Data over the caps,
// which only a completion made before they existed holds, is left out whatever
// the budget: answering it is what once made such a detail unreadable. tasks is
// not changed. Answers only: nothing here reaches a command, so replay is
// unaffected.
func fitTasks(tasks []domain.Task, budget int) ([]domain.Task, int) {
	out := slices.Clone(tasks)
	sizes := make([]int, len(out))
	total := 0
	for i := range out {
		out[i].OmitUnfitData()
		sizes[i] = encodedSize(out[i])
		total += sizes[i]
	}
	for i := 0; i < len(out) && total > budget; i++ {
		if out[i].Data != nil || !out[i].IsOpen() && out[i].Form != nil {
			out[i].OmitData()
			size := encodedSize(out[i])
			total, sizes[i] = total-sizes[i]+size, size
		}
	}
	kept, omitted := out[:0], 0
	for i, t := range out {
		if total > budget && !t.IsOpen() {
			total -= sizes[i]
			omitted++
			continue
		}
		kept = append(kept, t)
	}
	return kept, omitted
}

// encodedSize is how many bytes t takes as JSON, as the data converter encodes it.
func encodedSize(t domain.Task) int {
	b, err := json.Marshal(t)
	if err != nil {
		// Only data can fail to encode, and such data is unfit and already left
		// out. Counting the task as over any budget keeps the answer safe anyway.
		return math.MaxInt32
	}
	return len(b)
}

// openTasks returns copies of the open tasks that match selects (all when nil).
func (h *humanTasks) openTasks(match func(domain.Task) bool) []domain.Task {
	return slices.DeleteFunc(h.list(), func(t domain.Task) bool { return !t.IsOpen() || (match != nil && !match(t)) })
}

// find returns a task of the process. A task closed in an earlier run of a
// process that continued as new is no longer held, but its ID is still one
// this process made: it is no longer open (a conflict, as for any closed
// task), not a stranger (not found), so a client retrying a completion reads
// the answer right.
func (h *humanTasks) find(id string) (*domain.Task, error) {
	t, ok := h.byID[id]
	if ok {
		return t, nil
	}
	for seq := h.seq; seq > 0; seq-- {
		if domain.TaskID(h.processID, seq) == id {
			return nil, domain.Conflictf("task %s is no longer open", id)
		}
	}
	return nil, domain.NotFoundf("task %s is not part of %s", id, h.processID)
}

// validateComplete refuses a completion that is not this person's to make, or
// that breaks a rule of the task, the caps on what a completion may carry or the
// task's form, which the API checks too: an update sent to Temporal directly
// meets them here.
func (h *humanTasks) validateComplete(ctx workflow.Context, in CompleteTaskInput) error {
	if err := h.cmds.check(ctx, in.Command); err != nil {
		return refusal(err)
	}
	t, err := h.find(in.TaskID)
	if err == nil {
		err = t.CheckEligible(in.Actor)
	}
	if err == nil {
		var p domain.Problems
		in.Completion.CheckLimits(&p)
		err = p.Err()
	}
	if err == nil {
		err = t.CheckOutcome(in.Completion)
	}
	if err == nil && t.Form != nil {
		err = t.Form.Err(in.Completion.Data, workflow.Now(h.root))
	}
	if check := h.checks[in.TaskID]; err == nil && check != nil {
		err = check(in.Completion)
	}
	if err == nil && h.authorize != nil {
		err = h.authorize(in)
	}
	return refusal(err)
}

func (h *humanTasks) complete(ctx workflow.Context, in CompleteTaskInput) (domain.Task, error) {
	h.cmds.note(ctx)
	t, err := h.find(in.TaskID)
	if err != nil {
		return domain.Task{}, refusal(err)
	}
	if !t.IsOpen() { // a second completion that raced past the validator
		return domain.Task{}, refusal(domain.Conflictf("task %s is %s", t.ID, t.Status))
	}
	now := workflow.Now(ctx)
	c := in.Completion
	t.Outcome, t.Comment, t.Data = c.Outcome, strings.TrimSpace(c.Comment), c.Data
	t.CompletedBy, t.OnBehalfOf, t.CompletedAt = in.Actor.Handle, in.Actor.OnBehalfOf, &now
	h.close(ctx, t, domain.TaskDone)
	by := in.Actor.Handle
	if in.Actor.OnBehalfOf != "" {
		by = fmt.Sprintf("%s on behalf of %s", in.Actor.Handle, in.Actor.OnBehalfOf)
	}
	msg := fmt.Sprintf("%s completed %s: %s", by, h.rec.quote(t.Title), t.Outcome)
	if t.Comment != "" {
		msg += " — " + t.Comment
	}
	h.rec.event(now, domain.EventTaskCompleted, in.Actor.Handle, t.ID, "%s", msg)
	if err := h.rec.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

func (h *humanTasks) validateReassign(ctx workflow.Context, in ReassignTaskInput) error {
	if err := h.cmds.check(ctx, in.Command); err != nil {
		return refusal(err)
	}
	t, err := h.find(in.TaskID)
	if err != nil {
		return refusal(err)
	}
	var p domain.Problems
	if domain.RequireText(&p, "assignee", in.Assignee) && in.Assignee == t.Assignee {
		p.Add("assignee", "the task is already assigned to %s", in.Assignee)
	}
	domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
	if err = domain.CheckReassign(*t, h.managers(), in.Actor); err == nil {
		err = p.Err()
	}
	return refusal(err)
}

func (h *humanTasks) reassign(ctx workflow.Context, in ReassignTaskInput) (domain.Task, error) {
	h.cmds.note(ctx)
	t, err := h.find(in.TaskID)
	if err != nil || !t.IsOpen() {
		return domain.Task{}, refusal(domain.Conflictf("task %s can no longer be reassigned", in.TaskID))
	}
	now := workflow.Now(ctx)
	from := whoFor(*t)
	t.Assignee, t.UpdatedAt = in.Assignee, now
	h.rec.task(*t)
	h.rec.event(now, domain.EventTaskReassign, in.Actor.Handle, t.ID, "%s reassigned %s from %s to %s: %s", in.Actor.Handle, h.rec.quote(t.Title), from, in.Assignee, in.Reason)
	h.rec.notify(now, domain.NotifyAssigned, t.ID, "Task reassigned to you: "+t.Title, in.Assignee)
	if err := h.rec.flush(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

// refusal turns a domain refusal into the application error an update answers
// with: the domain code as its type, field problems as its details. The API turns
// it back. Other errors pass through unchanged.
func refusal(err error) error {
	code := domain.Code(err)
	if code == "" {
		return err
	}
	var details []any
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		details = append(details, ve.Problems)
	}
	return temporal.NewApplicationErrorWithOptions(domain.Message(err), code,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: details})
}
