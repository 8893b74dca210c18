package workflows

import (
	"errors"
	"fmt"
	"slices"
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
	snapshot  func(*domain.Batch)
	pending   domain.Batch
	taskIndex map[string]int // position of a task in pending.Tasks, so a task queued twice is written once, as it is last
	dirty     bool
	seq       int // numbers events and notifications, which makes their idempotency keys
	// outbound is whether this run sends webhooks and e-mail after each write.
	// Runs started before that existed never do, so their histories replay.
	outbound bool
	// outstanding counts webhook and e-mail activities not settled yet; a run
	// drains them before it ends, so their retries are not dropped with it.
	outstanding int
}

// outboundVersion is the change that added webhooks and e-mail after each write.
const outboundVersion = "outbound-webhooks-email"

func newRecorder(ctx workflow.Context, process domain.Process, processID string) *recorder {
	return &recorder{
		mu: workflow.NewMutex(ctx), process: process, processID: processID, taskIndex: map[string]int{},
		outbound: workflow.GetVersion(ctx, outboundVersion, workflow.DefaultVersion, 1) >= 1,
	}
}

var saveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	// Records must be written whatever happens, so retries never stop; the cap
	// picks a recovered database up within half a minute.
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "save records",
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

// changed marks the process record as changed, so the next flush writes it.
func (r *recorder) changed() { r.dirty = true }

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
func (r *recorder) flush(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithActivityOptions(ctx, saveOptions)
	if err := r.mu.Lock(ctx); err != nil {
		return err
	}
	defer r.mu.Unlock()
	b := r.pending
	if b.Empty() && !r.dirty {
		return nil
	}
	r.pending, r.taskIndex, r.dirty = domain.Batch{}, map[string]int{}, false
	if r.snapshot != nil {
		r.snapshot(&b)
	}
	var a *activities.Activities
	err := workflow.ExecuteActivity(ctx, a.SaveRecords, b).Get(ctx, nil)
	if err == nil && r.outbound {
		r.sendOutbound(ctx, b)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeBadRecord {
		// The records refused the batch as invalid: a bug, which retrying cannot fix.
		// The run is the source of truth and goes on; the next snapshot rewrites the
		// process record and tasks, so only this batch's events and notices are lost.
		workflow.GetLogger(ctx).Error("records refused a batch", "error", err)
		return nil
	}
	return err
}

// sendOutbound starts the webhook deliveries and e-mails of a written batch. They
// run beside the workflow, not in the flush: a receiver that is down retries for
// an hour, and no step (or update answer) waits for it.
func (r *recorder) sendOutbound(ctx workflow.Context, b domain.Batch) {
	var a *activities.Activities
	var events []domain.Event
	for _, e := range b.Events {
		if slices.Contains(domain.WebhookEventKinds, e.Kind) {
			events = append(events, e)
		}
	}
	var keys []string
	for _, n := range b.Notifications {
		if slices.Contains(activities.EmailKinds, n.Kind) && !slices.Contains(keys, n.Key) {
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

// drain waits until every webhook delivery and e-mail this run started has
// settled: delivered, or abandoned after its retries. A run calls it last (and
// before continue-as-new): the business outcome is already in the records, and a
// receiver that is down keeps the run open, not the people waiting on it.
func (r *recorder) drain(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return r.outstanding == 0 })
}
