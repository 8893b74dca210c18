package kernel

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
)

// recorder collects what a workflow step changes and writes it to the records with
// one SaveRecords activity. Writes go one at a time, in order, so a slow write can
// never land after a newer one and put an old snapshot back.
type recorder struct {
	mu        workflow.Mutex
	process   domain.Process
	processID string
	// snapshot puts the process's record, as it is now, into a batch being written.
	snapshot func(*domain.Batch)
	// progress refreshes what the Temporal UI shows of the process. Runs of
	// localRecordsVersion call it once per write, not once per save: each upsert
	// is a visibility write on the server.
	progress  func(workflow.Context) error
	pending   domain.Batch
	taskIndex map[string]int // position of a task in pending.Tasks, so a task queued twice is written once, as it is last
	dirty     bool
	seq       int // numbers events and notifications, which makes their idempotency keys
	// outbound is whether this run sends webhooks and e-mail after each write.
	// Runs started before that existed never do, so their histories replay.
	outbound bool
	// local is whether this run writes through a local activity first and starts
	// only the outbound activities a batch needs. Runs started before that existed
	// write with an activity and always start them, so their histories replay.
	local bool
	// asked counts the writes flush asked the writer for, done those it finished;
	// werr is the error of the writer's last round (runs of localRecordsVersion only).
	asked, done int
	werr        error
	// outstanding counts webhook and e-mail activities not settled yet; a run
	// drains them before it ends, so their retries are not dropped with it.
	outstanding int
	// curly is whether this run quotes names in its texts “so”, as people read
	// them. Runs started before plainQuotesVersion quote them as Go does, with
	// backslashes before the quotes inside, and keep doing so: their texts stay
	// as they were.
	curly bool
}

// plainQuotesVersion is when names in a run's texts (titles, events,
// notifications) began to be quoted “so”: a title with quotes in it read with
// backslashes (“Review the brief of "Spring \"Big\" launch"”) before. Texts are
// no commands, but a run keeps the quoting it started with, so what it writes
// stays of one kind.
const plainQuotesVersion = "plain-quotes"

// writesChangeID is the change ID under which the recorder's way of writing is
// versioned; each run keeps the version it started with, so its history replays.
// It keeps the name its first version (outboundVersion) was released under:
// runs in flight hold it in their markers.
const writesChangeID = "outbound-webhooks-email"

// Versions of writesChangeID.
const (
	// outboundVersion added webhooks and e-mail after each write.
	outboundVersion workflow.Version = 1
	// localRecordsVersion writes with a local activity, falling back to an ordinary
	// one; coalesces the writes of a workflow task into one; and starts only the
	// outbound activities a batch needs. A decision then costs one workflow task
	// instead of a workflow task, an activity task and a second workflow task
	// before its update can answer, and one write instead of one per step.
	localRecordsVersion workflow.Version = 2
)

func newRecorder(ctx workflow.Context, process domain.Process, processID string) *recorder {
	v := workflow.GetVersion(ctx, writesChangeID, workflow.DefaultVersion, localRecordsVersion)
	r := &recorder{
		mu: workflow.NewMutex(ctx), process: process, processID: processID, taskIndex: map[string]int{},
		outbound: v >= outboundVersion, local: v >= localRecordsVersion,
	}
	r.curly = workflow.GetVersion(ctx, plainQuotesVersion, workflow.DefaultVersion, 1) >= 1
	if r.local {
		r.startWriter(ctx)
	}
	return r
}

// quote quotes a name (a campaign's, a task's title) in a text for people.
func (r *recorder) quote(s string) string {
	if r.curly {
		return "“" + s + "”"
	}
	return strconv.Quote(s) // as %q did
}

// said quotes what a person wrote (a comment, a reason) in a text for people,
// so that it reads as theirs: the board puts Tandem's own words in the reader's
// (names for handles, separators in numbers, times in their zone) and leaves
// what is quoted as it was typed. Runs started before plainQuotesVersion kept
// people's words unquoted, and keep doing so.
func (r *recorder) said(s string) string {
	if r.curly && s != "" {
		return "“" + s + "”"
	}
	return s
}

var saveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	// Records must be written whatever happens, so retries never stop; the cap
	// picks a recovered database up within half a minute.
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "save records",
}

// localSaveOptions run a write inside the workflow task, where a decision's update
// waits for it: no round trip through the server. A write takes milliseconds, so a
// few quick tries, well inside the workflow task timeout, then the write falls back
// to an ordinary activity (saveOptions), which retries for ever and shows in the UI.
var localSaveOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 8 * time.Second,
	StartToCloseTimeout:    5 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumAttempts: 3},
	Summary:                "save records",
}

var webhookOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	// Receivers go down for minutes, not days: back off from a second to ten
	// minutes and give up after about an hour, logging the delivery as abandoned.
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: 15},
	Summary:     "deliver webhooks",
}

var emailOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	// A reminder is worth little hours late: about an hour of retries, as webhooks.
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: 15},
	Summary:     "send e-mail",
}

func (r *recorder) key(kind string) string {
	r.seq++
	return fmt.Sprintf("%s/%s/%d", r.processID, kind, r.seq)
}

// markDirty marks the process record as changed, so the next flush writes it.
func (r *recorder) markDirty() { r.dirty = true }

func (r *recorder) task(t domain.Task) {
	if i, ok := r.taskIndex[t.ID]; ok {
		r.pending.Tasks[i] = t
		return
	}
	r.taskIndex[t.ID] = len(r.pending.Tasks)
	r.pending.Tasks = append(r.pending.Tasks, t)
}

func (r *recorder) event(now time.Time, kind domain.EventKind, actor, taskID, format string, args ...any) {
	r.pending.Events = append(r.pending.Events, domain.Event{
		Key: r.key("event"), Process: r.process, ProcessID: r.processID, Kind: kind,
		Actor: actor, TaskID: taskID, Message: fmt.Sprintf(format, args...), At: now,
	})
}

// notify queues a notification to each recipient handle (empty ones skipped).
func (r *recorder) notify(now time.Time, kind domain.NotificationKind, taskID, subject string, recipients ...string) {
	key := r.key("notify")
	seen := map[string]bool{}
	for _, h := range recipients {
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		r.pending.Notifications = append(r.pending.Notifications, domain.Notification{
			Key: key, Recipient: h, Kind: kind, Subject: subject,
			Process: r.process, ProcessID: r.processID, TaskID: taskID, CreatedAt: now,
		})
	}
}

// audit queues the audit-trail entry of command id, applied at now, for the
// next write: the one that writes what the command changed, or an earlier one.
func (r *recorder) audit(now time.Time, id string, e domain.AuditEntry) {
	e.At = now
	r.pending.Audit = append(r.pending.Audit, domain.CommandAudit{CommandID: id, Entry: e})
}

// unaudit drops command id's entry if no write has taken it yet, and reports
// whether it was still waiting.
func (r *recorder) unaudit(id string) bool {
	n := len(r.pending.Audit)
	r.pending.Audit = slices.DeleteFunc(r.pending.Audit, func(a domain.CommandAudit) bool { return a.CommandID == id })
	return len(r.pending.Audit) < n
}

// notifyTask queues a notification to whoever may complete t: its assignee, or
// everyone holding its role in its team.
func (r *recorder) notifyTask(now time.Time, kind domain.NotificationKind, t domain.Task, subject string) {
	if t.Assignee != "" {
		r.notify(now, kind, t.ID, subject, t.Assignee)
		return
	}
	r.pending.Notifications = append(r.pending.Notifications, domain.Notification{
		Key: r.key("notify"), Team: t.Team, Role: t.Role, Kind: kind, Subject: subject,
		Process: r.process, ProcessID: r.processID, TaskID: t.ID, CreatedAt: now,
	})
}

// flush writes everything queued so far. Callers that queued nothing new find
// their changes already written by an earlier flush and return at once. The write
// is disconnected from ctx: records are written even while a run is being cancelled.
//
// A run from localRecordsVersion on hands the write to the run's writer instead:
// from an update handler flush waits for it, so an answer is never ahead of the
// records; anywhere else it returns at once, and the writer writes once every
// coroutine of the run is waiting, in one batch with whatever else they queued
// meanwhile (a decision and the stages it moves through are one write, not four).
// The local activity keeps the workflow task open until the write is done, so
// nothing of the step is visible before its records.
func (r *recorder) flush(ctx workflow.Context) error {
	if r.local {
		r.asked++
		if !inUpdate(ctx) {
			return r.werr
		}
		return r.written(ctx)
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithActivityOptions(ctx, saveOptions)
	if err := r.mu.Lock(ctx); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.writePending(ctx)
}

// inUpdate reports whether ctx is an update handler's (or a coroutine's it
// started). The SDK's GetCurrentUpdateInfo panics outside one rather than
// answering nil, so the panic is the answer.
func inUpdate(ctx workflow.Context) (in bool) {
	defer func() {
		if recover() != nil {
			in = false
		}
	}()
	return workflow.GetCurrentUpdateInfo(ctx) != nil
}

// written waits until every write asked for so far is done, and returns the
// error of a write that failed. Runs before localRecordsVersion write in flush
// itself: for them it returns at once.
func (r *recorder) written(ctx workflow.Context) error {
	if !r.local {
		return nil
	}
	want := r.asked
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if err := workflow.Await(ctx, func() bool { return r.done >= want }); err != nil {
		return err
	}
	return r.werr
}

// startWriter runs the writer of a localRecordsVersion run: one coroutine, so
// writes go one at a time, in order, each with everything queued until it began.
// It is started before the run's other coroutines, so within a workflow task it
// runs after them and finds all they queued.
func (r *recorder) startWriter(ctx workflow.Context) {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithActivityOptions(ctx, saveOptions)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool { return r.asked > r.done }); err != nil {
				return
			}
			want := r.asked
			var err error
			if r.progress != nil {
				err = r.progress(ctx)
			}
			if werr := r.writePending(ctx); werr != nil {
				err = werr
			}
			r.werr, r.done = err, want
		}
	})
}

// writePending writes the queued batch with the process's snapshot, then starts
// its outbound work.
func (r *recorder) writePending(ctx workflow.Context) error {
	b := r.pending
	if b.Empty() && !r.dirty {
		return nil
	}
	r.pending, r.taskIndex, r.dirty = domain.Batch{}, map[string]int{}, false
	if r.snapshot != nil {
		r.snapshot(&b)
	}
	res, err := r.write(ctx, b)
	if err == nil && r.outbound {
		r.sendOutbound(ctx, b, res)
	}
	if isBadRecord(err) {
		// The records refused the batch as invalid: a bug, which retrying cannot fix.
		// The run is the source of truth and goes on; the next snapshot rewrites the
		// process record and tasks, so only this batch's events and notices are lost.
		workflow.GetLogger(ctx).Error("records refused a batch", "error", err)
		return nil
	}
	return err
}

// write saves b with the SaveRecords activity. A run from before
// localRecordsVersion uses an ordinary activity and asks for all outbound work;
// a newer one tries a local activity first and, unless the records refused the
// batch, falls back to the ordinary activity when it fails.
func (r *recorder) write(ctx workflow.Context, b domain.Batch) (activities.SaveRecordsResult, error) {
	var a *activities.Activities
	var res activities.SaveRecordsResult
	if !r.local {
		return res, workflow.ExecuteActivity(ctx, a.SaveRecords, b).Get(ctx, nil)
	}
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localSaveOptions), a.SaveRecords, b).Get(ctx, &res)
	if err == nil || isBadRecord(err) {
		return res, err
	}
	workflow.GetLogger(ctx).Warn("local write failed; writing with an activity", "process_id", r.processID, "error", err)
	res = activities.SaveRecordsResult{}
	err = workflow.ExecuteActivity(ctx, a.SaveRecords, b).Get(ctx, &res)
	return res, err
}

func isBadRecord(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeBadRecord
}

// sendOutbound starts the webhook deliveries and e-mails of a written batch that
// res, the write's answer, says are needed. They run beside the workflow, not in
// the flush: a receiver that is down retries for an hour, and no step (or update
// answer) waits for it.
func (r *recorder) sendOutbound(ctx workflow.Context, b domain.Batch, res activities.SaveRecordsResult) {
	var a *activities.Activities
	var events []domain.Event
	for _, e := range b.Events {
		if !res.NoWebhooks && slices.Contains(domain.WebhookEventKinds, e.Kind) {
			events = append(events, e)
		}
	}
	var keys []string
	for _, n := range b.Notifications {
		if !res.NoEmail && slices.Contains(activities.EmailKinds, n.Kind) && !slices.Contains(keys, n.Key) {
			keys = append(keys, n.Key)
		}
	}
	if len(events) > 0 {
		f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, webhookOptions), a.DeliverWebhooks, activities.DeliverWebhooksInput{Events: events})
		r.logFailure(ctx, f, "webhook deliveries abandoned")
	}
	if len(keys) > 0 {
		f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, emailOptions), a.SendEmail, activities.SendEmailInput{Keys: keys})
		r.logFailure(ctx, f, "e-mails abandoned")
	}
}

// logFailure logs f's error once it is settled, without making anyone wait for
// it but drain.
func (r *recorder) logFailure(ctx workflow.Context, f workflow.Future, msg string) {
	r.outstanding++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.outstanding-- }()
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn(msg, "process_id", r.processID, "error", err)
		}
	})
}

// drain waits until every write asked for is done and every webhook delivery and
// e-mail this run started has settled: delivered, or abandoned after its retries.
// A run calls it last (and before continue-as-new): the business outcome is
// already in the records, and a receiver that is down keeps the run open, not the
// people waiting on it.
func (r *recorder) drain(ctx workflow.Context) error {
	if err := r.written(ctx); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return r.outstanding == 0 })
}
