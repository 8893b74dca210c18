package workflows

import (
	"errors"
	"fmt"
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
}

func newRecorder(ctx workflow.Context, process domain.Process, processID string) *recorder {
	return &recorder{mu: workflow.NewMutex(ctx), process: process, processID: processID, taskIndex: map[string]int{}}
}

var saveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	// Records must be written whatever happens, so retries never stop; the cap
	// picks a recovered database up within half a minute.
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "save records",
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
