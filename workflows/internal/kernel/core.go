package kernel

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// Process is what the kernel asks of the process it runs. The kernel calls
// these when it needs them, so each answers from the process's state as it is
// then.
type Process interface {
	// Snapshot puts the process's record, as it is now, into a batch being
	// written. It copies what the process may change later: the batch is
	// encoded when the write is asked for.
	Snapshot(b *domain.Batch)
	// Detail is the live detail of the process: the answer of QueryDetail and
	// of the updates that return it (contract.CampaignDetail and its kind).
	Detail() any
	// Managers may reassign any of the process's tasks, and are told when one
	// is overdue.
	Managers() []string
	// Progress is what the Temporal UI shows of the process, given its open
	// tasks at now.
	Progress(open []domain.Task, now time.Time) Progress
}

// Cancellable is a process that runs to an end of its own (RunToEnd) and that
// people may cancel before it: New serves it the cancel update.
type Cancellable interface {
	Process
	// MayCancel refuses a cancellation a may not make: not theirs to make, or
	// the process has ended.
	MayCancel(a domain.Actor) error
	// NoteCancel keeps the reason of a cancellation on the record as it
	// arrives, before the run has stopped.
	NoteCancel(reason string)
	// Cancelled ends the process as cancelled, by whom and why, once RunToEnd
	// sees its stages stopped (by the cancel update, or by Temporal).
	Cancelled(ctx workflow.Context, by, reason string)
}

// Config is what New needs to know of a process.
type Config struct {
	Process domain.Process
	// ID is the process's record ID, which makes its task IDs and record keys.
	ID string
	// Noun is what texts call the process: "the campaign is completed".
	Noun string
	// ReminderBefore is how long before due a task's people are reminded, for
	// tasks opened without a RemindAt; zero reminds only those with one.
	ReminderBefore time.Duration
	// OnOverdue is the process's reaction to a task still open at its due time,
	// after the kernel has told its people and the managers. Nil: none.
	OnOverdue func(ctx workflow.Context, t domain.Task)
	// Authorize is the process's own check of a completion, on top of the
	// task's eligibility, outcome and form: who may accept a critical risk.
	// Nil allows.
	Authorize func(contract.CompleteTaskInput) error
}

// Core is the kernel of one run of a process, which the process embeds: its
// tasks, its records and its lifecycle.
type Core struct {
	// Tasks are the process's human tasks.
	Tasks *Tasks

	p           Process
	cancellable Cancellable // p, when people may cancel it
	noun        string
	workflowID  string
	out         *recorder
	cmds        *commands

	stopRun      workflow.CancelFunc // ends RunToEnd's stages early: cancel
	cancelledBy  string
	cancelReason string
	finished     bool // Finish has recorded the end and saved it
	// onlyChanges is whether ShowProgress upserts only the search attributes
	// that changed (onlyChangesVersion); older runs upsert all of them.
	onlyChanges bool
}

// New makes the kernel of a run of process p and installs on the workflow
// what every process has: the complete-task, reassign-task and release-task
// updates, the cancel update when p is Cancellable, and the detail query. ctx must be the
// workflow's root context, and New the first thing the workflow does with it:
// the recorder's versions are read, and its writer started, here, before any
// coroutine of the process's own.
func New(ctx workflow.Context, p Process, cfg Config) (*Core, error) {
	k := &Core{p: p, noun: cfg.Noun, workflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, cmds: newCommands(nil)}
	k.out = newRecorder(ctx, cfg.Process, cfg.ID)
	k.out.snapshot = p.Snapshot
	k.out.progress = k.ShowProgress
	k.Tasks = newTasks(ctx, k.out, k.workflowID, cfg.ReminderBefore, p.Managers)
	k.Tasks.onOverdue, k.Tasks.authorize = cfg.OnOverdue, cfg.Authorize
	k.onlyChanges = workflow.GetVersion(ctx, wakeChangeID, workflow.DefaultVersion, kernelVersion) >= onlyChangesVersion
	updates := []Update{
		On(k, contract.UpdateCompleteTask, k.Tasks.complete, k.Tasks.validateComplete),
		On(k, contract.UpdateReassignTask, k.Tasks.reassign, k.Tasks.validateReassign),
		On(k, contract.UpdateReleaseTask, k.Tasks.release, k.Tasks.validateRelease),
		// Registering a handler writes no command into the history, so runs
		// started before it replay unchanged.
		On(k, contract.UpdateEstimateTask, k.Tasks.estimate, k.Tasks.validateEstimate),
	}
	if c, ok := p.(Cancellable); ok {
		k.cancellable = c
		updates = append(updates, On(k, contract.UpdateCancel, k.cancel, k.validateCancel))
	}
	if err := k.Register(ctx, updates...); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryDetail, func() (any, error) { return p.Detail(), nil }); err != nil {
		return nil, err
	}
	return k, nil
}

// WorkflowID is the ID of the run's workflow: "campaign/cmp_…".
func (k *Core) WorkflowID() string { return k.workflowID }

// RunToEnd runs the process's stages until they end by themselves (nil) or
// are stopped. Whatever ended them, the end is recorded, even while Temporal
// is cancelling the run: a stopped Cancellable is Cancelled. Then it waits for
// the update handlers still running and drains the outbound work, so the
// workflow may return.
func (k *Core) RunToEnd(ctx workflow.Context, stages func(workflow.Context) error) error {
	runCtx, stop := workflow.WithCancel(ctx)
	k.stopRun = stop
	err := stages(runCtx)

	dctx, _ := workflow.NewDisconnectedContext(ctx)
	switch {
	case err == nil:
	case temporal.IsCanceledError(err) && k.cancellable != nil:
		k.cancellable.Cancelled(dctx, k.cancelledBy, k.cancelReason)
	default:
		return err
	}
	if err := k.AwaitHandlers(dctx, nil); err != nil {
		return err
	}
	return k.Drain(dctx)
}

func (k *Core) validateCancel(_ workflow.Context, in contract.CancelInput) error {
	if err := k.cancellable.MayCancel(in.Actor); err != nil {
		return err
	}
	var p domain.Problems
	domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
	return p.Err()
}

// cancel stops the stages; RunToEnd then records the end (Cancelled), and the
// caller gets the process as it ended, once the end is in the records.
func (k *Core) cancel(ctx workflow.Context, in contract.CancelInput) (any, error) {
	k.cancelledBy, k.cancelReason = in.Actor.Handle, strings.TrimSpace(in.Reason)
	k.cancellable.NoteCancel(k.cancelReason)
	k.stopRun()
	if err := workflow.Await(ctx, func() bool { return k.finished }); err != nil {
		return nil, err
	}
	if err := k.out.written(ctx); err != nil {
		return nil, err
	}
	return k.p.Detail(), nil
}

// Ending is how a process ended, as End records it.
type Ending struct {
	Status string           // as the record has it: "completed"
	By     string           // who ended it; "" when it ended by itself
	Reason string           // why, when someone said
	Event  domain.EventKind // the timeline's kind for the end
	// Subject is how notices name the process: “Spring launch”.
	Subject string
	// Tell are the handles told of the end.
	Tell []string
}

// End records the end of the process, whose record already says it ended:
// its open tasks are cancelled, the end goes into the timeline, and e.Tell
// are told. The caller saves.
func (k *Core) End(ctx workflow.Context, e Ending) {
	now := workflow.Now(ctx)
	k.Tasks.CancelOpen(ctx, "the "+k.noun+" is "+e.Status, nil)
	msg := "The " + k.noun + " is " + e.Status
	if e.By != "" {
		msg += " by " + e.By
	}
	switch {
	case e.Reason != "" && e.By != "": // a person's reason, in their words
		msg += ": " + k.out.said(e.Reason)
	case e.Reason != "":
		msg += ": " + e.Reason
	}
	k.Event(now, e.Event, e.By, "", "%s", msg)
	k.Notify(now, domain.NotifyUpdate, "", e.Subject+": "+msg, e.Tell...)
}

// Finish is End for a process run by RunToEnd: it saves the end, and a
// cancellation waiting for it then answers.
func (k *Core) Finish(ctx workflow.Context, e Ending) {
	k.End(ctx, e)
	_ = k.Save(ctx) // the recorder retries until written; only a terminated run stops it
	k.finished = true
}

// Save writes the process's record with everything queued, and refreshes what
// the Temporal UI shows. From an update handler it returns once the write is
// done, so an answer is never ahead of the records.
func (k *Core) Save(ctx workflow.Context) error {
	k.out.markDirty()
	if err := k.out.flush(ctx); err != nil {
		return err
	}
	if k.out.local {
		return nil // the writer shows the progress with the write
	}
	return k.ShowProgress(ctx)
}

// Event queues an event for the process's timeline; the next save writes it.
func (k *Core) Event(now time.Time, kind domain.EventKind, actor, taskID, format string, args ...any) {
	k.out.event(now, kind, actor, taskID, format, args...)
}

// Notify queues a notification to each recipient handle (empty ones and
// repeats skipped); the next save writes it.
func (k *Core) Notify(now time.Time, kind domain.NotificationKind, taskID, subject string, recipients ...string) {
	k.out.notify(now, kind, taskID, subject, recipients...)
}

// Quote quotes a name (a campaign's, a task's title) in a text for people, as
// this run always has.
func (k *Core) Quote(s string) string { return k.out.quote(s) }

// Said quotes what a person wrote (a comment, a reason) in a text, so the board
// shows it as typed; see recorder.said.
func (k *Core) Said(s string) string { return k.out.said(s) }

// AwaitHandlers waits until no update handler is running and busy, when set,
// reports false: what a run waits for before it ends or continues as new.
func (k *Core) AwaitHandlers(ctx workflow.Context, busy func() bool) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && (busy == nil || !busy()) })
}

// Drain waits until every write asked for is done and every webhook delivery
// and e-mail this run started has settled. A run calls it last.
func (k *Core) Drain(ctx workflow.Context) error { return k.out.drain(ctx) }

// Carried is the kernel's part of what a run hands its next run through
// continue-as-new: the open tasks, the numbering of task IDs and record keys,
// and the commands applied within contract.CommandTTL.
type Carried struct {
	TaskSeq   int
	Tasks     []contract.CarriedTask
	RecordSeq int
	Commands  []contract.CarriedCommand
}

// Carry writes what is queued, drains the outbound work, and returns the
// kernel's part of the state for the next run.
func (k *Core) Carry(ctx workflow.Context) (Carried, error) {
	if err := k.out.flush(ctx); err != nil {
		return Carried{}, err
	}
	if err := k.out.drain(ctx); err != nil {
		return Carried{}, err
	}
	c := Carried{RecordSeq: k.out.seq, Commands: k.cmds.carry()}
	c.TaskSeq, c.Tasks = k.Tasks.carry()
	return c, nil
}

// Restore takes over what an earlier run carried: the numbering goes on, the
// commands it applied stay refused, and its open tasks are held again with
// their IDs, due times and levels, their timers re-armed.
func (k *Core) Restore(c Carried) {
	k.out.seq = c.RecordSeq
	k.cmds = newCommands(c.Commands)
	k.Tasks.restore(c.TaskSeq, c.Tasks)
}
