package kernel

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// wakeChangeID versions how a run wakes for its tasks' reminders and due
// times (oneTimerVersion), then also how it shows its progress
// (onlyChangesVersion). Each run keeps the version it started with, so its
// history replays. One change ID for both: each GetVersion a run meets first
// is a marker and an upsert of TemporalChangeVersion, a visibility write, on
// every run's start.
const wakeChangeID = "one-wake-up-timer"

// kernelVersion is the latest version of wakeChangeID, which new runs start on.
const kernelVersion = onlyChangesVersion

// oneTimerVersion wakes a run with one timer for all its open tasks, set to
// the earliest time any of them waits for, instead of a reminder timer and a
// due timer per task. Opening a task then starts a timer only when it is due
// before everything else, and closing one cancels none: a decision that closes
// one task and opens the next costs no timer commands at all in the common
// case, where the older runs cancel one and start two or more.
const oneTimerVersion workflow.Version = 1

// wake is what an open task of a oneTimerVersion run waits for: its reminder,
// then its due time (the task's DueAt, unless it was reported overdue). Like
// the older runs' timers they are sequential: the due time is armed once the
// reminder has been sent, so a reminder set after the due time still comes
// first.
type wake struct {
	ctx workflow.Context // the task's own, which closing or re-arming it cancels
	// remindAt is when the reminder is sent; zero when there is none or it has been.
	remindAt time.Time
}

// arm records what task id waits for, with the task's context tctx, and tells
// the wake-up coroutine. A reminder already past when the task is armed is not
// sent, as the older runs' timers did not.
func (ts *Tasks) arm(tctx workflow.Context, id string) {
	w := &wake{ctx: tctx}
	if r := ts.remindAt(id); r.After(workflow.Now(ts.root)) {
		w.remindAt = r
	}
	ts.wakes[id] = w
	ts.changes++
}

// next returns the earliest time an open task waits for, the task, and
// whether it is its reminder. Ties go to the task opened first, so firing is
// in a deterministic order: by time, then task. ok is false when no task waits.
func (ts *Tasks) next() (at time.Time, id string, reminder, ok bool) {
	for _, tid := range ts.order {
		w, armed := ts.wakes[tid]
		if !armed {
			continue
		}
		var when time.Time
		isReminder := !w.remindAt.IsZero()
		switch {
		case isReminder:
			when = w.remindAt
		case ts.overdue[tid]:
			continue // reported already (a carried task): nothing left to wait for
		default:
			when = ts.byID[tid].DueAt
		}
		if !ok || when.Before(at) {
			at, id, reminder, ok = when, tid, isReminder, true
		}
	}
	return at, id, reminder, ok
}

// fire sends task id's reminder, or reports it overdue, in a coroutine of the
// task's own context, as the older runs' per-task coroutines did: a process's
// reaction to an overdue task may wait (for a directory lookup, say) without
// holding up the other tasks' times, and closing the task stops it.
func (ts *Tasks) fire(id string, reminder bool) {
	w, t := ts.wakes[id], ts.byID[id]
	if reminder {
		w.remindAt = time.Time{}
		workflow.Go(w.ctx, func(ctx workflow.Context) { ts.remind(ctx, t) })
		return
	}
	ts.overdue[id] = true // now, so the next look at the times skips it
	workflow.Go(w.ctx, func(ctx workflow.Context) {
		if !t.IsOpen() {
			// Closed before this coroutine ran, by an update in the same
			// workflow task: as in the older runs, whose check came here, it
			// was never overdue.
			delete(ts.overdue, id)
			return
		}
		ts.reportOverdue(ctx, t)
	})
}

// startWaking runs the wake-up coroutine of a oneTimerVersion run. It fires
// everything due, then keeps one timer armed for the earliest time still
// waited for. When a task is armed it looks again, and replaces the timer only
// when the new earliest time is before the timer's: a task closing, or one due
// later, leaves the timer as it is, and the timer waking early finds nothing
// due and re-arms. Cancelling and starting timers are commands the server
// persists; a wake-up with nothing to do is one workflow task, rarer than the
// decisions that would otherwise cancel and start timers.
func (ts *Tasks) startWaking(root workflow.Context) {
	workflow.Go(root, func(ctx workflow.Context) {
		var (
			timer workflow.Future
			armed time.Time // when timer fires
			stop  workflow.CancelFunc
		)
		for {
			if ctx.Err() != nil {
				// The run is being cancelled in Temporal. Without this, a timer
				// made on the cancelled context is ready at once, Await's
				// condition holds without yielding, and the loop spins until the
				// SDK reports a deadlock.
				return
			}
			now := workflow.Now(ctx)
			for {
				at, id, reminder, ok := ts.next()
				if !ok || at.After(now) {
					break
				}
				ts.fire(id, reminder)
			}
			if at, id, reminder, ok := ts.next(); ok && (timer == nil || at.Before(armed)) {
				if stop != nil {
					stop()
				}
				var tctx workflow.Context
				tctx, stop = workflow.WithCancel(ctx)
				summary := "due: " + ts.byID[id].Title
				if reminder {
					summary = "reminder: " + ts.byID[id].Title
				}
				timer, armed = workflow.NewTimerWithOptions(tctx, at.Sub(now), workflow.TimerOptions{Summary: summary}), at
			}
			seen := ts.changes
			if err := workflow.Await(ctx, func() bool { return ts.changes != seen || (timer != nil && timer.IsReady()) }); err != nil {
				return // the run is being cancelled
			}
			if timer != nil && timer.IsReady() {
				stop() // releases the fired timer's context; cancelling a fired timer sends nothing
				timer, stop = nil, nil
			}
		}
	})
}
