package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// queryOrRecords answers what every process detail route does: the live detail from
// the workflow's query, or else the detail fromRecords builds out of the database,
// which activities keep up to date. It reports why the answer is not live: ""
// when it is, else a sentence for the answer's live_unavailable. The records
// answer whenever the query fails: no worker is polling (Temporal refuses the
// query at once when none has polled for a while), Temporal no longer has the
// run (past retention) or cannot be reached, or it cannot return the detail at
// all (an answer over Temporal's payload limit, one that does not decode, a query
// that failed in the workflow). Such a process must stay readable; the last kind
// is a fault, so it goes to the log with the request. When the records lack the
// process too, the query's error answers: 503 if Temporal or its workers were
// only unavailable, not 404, since the process may exist, not yet projected (its
// record is written by a worker). On failure it has answered the request and
// reports ok false.
func queryOrRecords[D any](s *Server, c *gin.Context, what, id, workflowID string,
	fromRecords func(ctx context.Context) (D, error)) (d D, stale string, ok bool) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	qerr := s.temporal.Query(ctx, workflowID, contract.QueryDetail, &d)
	if qerr == nil {
		return d, "", true
	}
	// The fallback has a deadline of its own: a timed-out query must not leave it none.
	ctx, cancel = context.WithTimeout(c.Request.Context(), downstreamTimeout)
	defer cancel()
	d, err := fromRecords(ctx)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) && !errors.Is(qerr, domain.ErrNotFound) {
			err = fmt.Errorf("query %s %s: %w", what, id, qerr)
		}
		s.fail(c, err)
		return d, "", false
	}
	switch {
	case errors.Is(qerr, errNoWorkers):
		stale = "no worker is running: this is the records' view, and commands wait until a worker is back"
	case errors.Is(qerr, domain.ErrUnavailable):
		stale = "Temporal cannot be reached: this is the records' view"
	case errors.Is(qerr, domain.ErrNotFound):
		stale = "Temporal no longer runs this process: this is the records' view"
	default:
		stale = "the live view could not be read: this is the records' view"
		_ = c.Error(fmt.Errorf("query %s %s, answered from the records: %w", what, id, qerr))
	}
	return d, stale, true
}

// firstTaskWait bounds how long a create waits for the new process to open its
// first task, so the answer can say what it waits on. The first task opens in
// the run's first workflow task (a campaign's brief review, a risk's
// acknowledgement), or after one directory lookup (a hiring request's first
// approver): tens of milliseconds. Past the bound the answer goes without it.
const firstTaskWait = 2 * time.Second

// createdDetail is the answer to a create: the new process's live detail once it
// has opened its first task (live is true), or made, the record as the request
// made it, when the run cannot say in time. It asks the run's query, which
// Temporal holds until the run's first workflow task has finished, again a few
// times while the first task waits on a lookup: a create costs one query more,
// not a poll of the records. opened says whether a detail has a task (or has
// ended).
func createdDetail[D any](s *Server, c *gin.Context, workflowID string, made D, opened func(D) bool) (D, bool) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), firstTaskWait)
	defer cancel()
	got, live := made, false
	for wait := 25 * time.Millisecond; ; wait *= 2 {
		var d D
		if err := s.temporal.Query(ctx, workflowID, contract.QueryDetail, &d); err != nil {
			return got, live
		}
		got, live = d, true
		if opened(d) {
			return got, live
		}
		select {
		case <-ctx.Done():
			return got, live
		case <-time.After(wait):
		}
	}
}

// processTasks reads a process's tasks from the records, for a detail built there.
func (s *Server) processTasks(ctx context.Context, p domain.Process, what, id string) ([]domain.Task, error) {
	tasks, err := s.records.Tasks(ctx, domain.TaskFilter{Process: p, ProcessID: id, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}})
	if err != nil {
		return nil, fmt.Errorf("load tasks of %s %s: %w", what, id, err)
	}
	return fitRecords(tasks.Items), nil
}

// fitRecords answers recorded tasks: an open one from before forms with its
// kind's form (withForm), and without the data that breaks the caps, which only
// a completion from before them holds: data nested thousands deep is what made
// clients (the board among them) fail to read an answer.
func fitRecords(tasks []domain.Task) []domain.Task {
	for i := range tasks {
		withForm(&tasks[i])
		tasks[i].OmitUnfitData()
	}
	return tasks
}

// startCreated starts the workflow of a resource a create request made, or that
// its Idempotency-Key replays, and sets the answer's headers; the caller writes
// the 201 body from the record it returns. A replay starts the workflow again:
// starting is idempotent, and it finishes the job if the first request claimed
// the key but died before its start landed. A replay answers with the record as
// it now is, once projected (stored), else as made. A failed start frees the key
// as releaseKeyAfter says. On failure it has answered and reports false.
func startCreated[R any](ctx context.Context, s *Server, c *gin.Context, scope, key string, replayed bool,
	what, location string, rec R, start StartRequest, stored func(context.Context) (R, error)) (R, bool) {
	if err := s.temporal.Start(ctx, start); err != nil {
		if key != "" && !replayed {
			s.releaseKeyAfter(c, scope, key, err)
		}
		s.fail(c, err)
		return rec, false
	}
	if replayed {
		if now, err := stored(ctx); err == nil {
			rec = now
		} else if !errors.Is(err, domain.ErrNotFound) {
			s.fail(c, fmt.Errorf("load replayed %s: %w", what, err))
			return rec, false
		}
		c.Header(replayedHeader, "true")
	}
	c.Header("Location", location)
	return rec, true
}
