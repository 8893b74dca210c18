package domain

import (
	"fmt"
	"slices"
	"time"
)

// RunEnd is how Temporal closed a process's run without the process ending: the
// run could not write its own end to the records. Tandem ends its processes through
// its own commands, which let the run finish cleanly, so each of these came from
// outside Tandem (an operator or a client talking to Temporal directly) or from a
// fault.
type RunEnd string

// How a run can end without its process ending.
const (
	RunTerminated RunEnd = "terminated"
	RunCancelled  RunEnd = "cancelled"
	RunFailed     RunEnd = "failed"
	RunTimedOut   RunEnd = "timed_out"
)

// EndedRun is a process's workflow run that Temporal closed as How, at At.
type EndedRun struct {
	Process   Process
	ProcessID string
	RunID     string
	How       RunEnd
	At        time.Time
}

// Reason says in words what happened to the run, for the record's reason.
func (e EndedRun) Reason() string {
	switch e.How {
	case RunTerminated:
		return "its workflow run was terminated in Temporal, outside Tandem"
	case RunCancelled:
		return "its workflow run was cancelled in Temporal, outside Tandem"
	case RunTimedOut:
		return "its workflow run timed out in Temporal"
	}
	return "its workflow run failed in Temporal"
}

// key is the idempotency key of the event and notification that record the end:
// one per run, so recording it twice, here or in another worker, writes them once.
func (e EndedRun) key(kind string) string { return e.ProcessID + "/run-ended/" + e.RunID + "/" + kind }

// message is the timeline line: what happened to the run, how the record ended,
// and what became of its open tasks.
func (e EndedRun) message(what string, status string, tasks int) string {
	msg := fmt.Sprintf("The %s is %s: %s", what, status, e.Reason())
	switch tasks {
	case 0:
		return msg + "."
	case 1:
		return msg + "; its open task was cancelled."
	}
	return fmt.Sprintf("%s; its %d open tasks were cancelled.", msg, tasks)
}

// ending is the batch that records the end: the open tasks cancelled, one timeline
// event saying what happened, and a notice to who must know. The actor is "tandem",
// as for everything Tandem does on its own: it noticed and recorded the end; who
// ended the run in Temporal, Tandem cannot know.
func (e EndedRun) ending(at time.Time, what, status, subject string, open []Task, notify ...string) Batch {
	var b Batch
	for _, t := range open {
		if t.IsOpen() && t.Process == e.Process && t.ProcessID == e.ProcessID {
			t.Status, t.UpdatedAt = TaskCancelled, at
			b.Tasks = append(b.Tasks, t)
		}
	}
	msg := e.message(what, status, len(b.Tasks))
	b.Events = []Event{{
		Key: e.key("event"), Process: e.Process, ProcessID: e.ProcessID, Kind: EventEnded,
		Actor: "tandem", Message: msg, At: at,
	}}
	slices.Sort(notify)
	for _, h := range slices.Compact(notify) {
		if h != "" {
			b.Notifications = append(b.Notifications, Notification{
				Key: e.key("notify"), Recipient: h, Kind: NotifyUpdate, Subject: fmt.Sprintf("%s: %s", subject, msg),
				Process: e.Process, ProcessID: e.ProcessID, CreatedAt: at,
			})
		}
	}
	return b
}

// endedAt is when the record ends: when the run closed, or the record's last
// change if that is later (the worker's clock and Temporal's may differ a little).
func (e EndedRun) endedAt(updated time.Time) time.Time {
	if updated.After(e.At) {
		return updated
	}
	return e.At
}

// EndCampaign ends campaign c, whose run ended as e, as cancelled: the current
// stage left, open tasks cancelled, the managers told. A campaign that has already
// ended is returned as it is, with an empty batch.
func (e EndedRun) EndCampaign(c Campaign, open []Task) Batch {
	if c.Status.Terminal() {
		return Batch{}
	}
	at := e.endedAt(c.UpdatedAt)
	c.Stages = slices.Clone(c.Stages)
	if n := len(c.Stages); n > 0 && c.Stages[n-1].Left == nil {
		c.Stages[n-1].Left = &at
	}
	c.Status, c.Reason, c.UpdatedAt = StatusCancelled, e.Reason(), at
	b := e.ending(at, "campaign", string(c.Status), fmt.Sprintf("%q", c.Brief.Name), open,
		c.Brief.ProjectManager, c.Brief.MarketingOpsManager)
	b.Campaign = &c
	return b
}

// EndHiring ends hiring request h, whose run ended as e, as cancelled: candidates
// still in play not hired, open tasks cancelled, the requester and the hiring
// manager told. A request that has already ended gives an empty batch.
func (e EndedRun) EndHiring(h HiringRequest, open []Task) Batch {
	if h.Status.Terminal() {
		return Batch{}
	}
	at := e.endedAt(h.UpdatedAt)
	h.Candidates = slices.Clone(h.Candidates)
	for i, c := range h.Candidates {
		if c.Status == CandidateInterviewing || c.Status == CandidateOffered {
			h.Candidates[i].Status = CandidateNotHired
		}
	}
	h.Status, h.Reason, h.Step, h.UpdatedAt = StatusCancelled, e.Reason(), "", at
	b := e.ending(at, "hiring request", string(h.Status), fmt.Sprintf("%q", h.Request.Title), open,
		h.RequestedBy, h.Request.HiringManager)
	b.Hiring = &h
	return b
}

// EndRisk ends risk r, whose run ended as e, as closed: the status of a risk
// nobody resolved or accepted, whose process has stopped (resolved or accepted
// would claim a decision nobody made). Open tasks are cancelled and the owner is
// told. A risk that has already ended gives an empty batch.
func (e EndedRun) EndRisk(r Risk, open []Task) Batch {
	if r.Status.Terminal() {
		return Batch{}
	}
	at := e.endedAt(r.UpdatedAt)
	r.Status, r.Reason, r.UpdatedAt, r.EndedAt = RiskClosed, e.Reason(), at, &at
	b := e.ending(at, "risk", string(r.Status), fmt.Sprintf("Risk %q", r.Title), open, r.Owner)
	b.Risk = &r
	return b
}
