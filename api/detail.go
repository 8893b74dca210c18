package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

// queryOrRecords answers what every process detail route does: the live detail from
// the workflow's query, or, when Temporal no longer has the run (past retention)
// or cannot be reached, the detail fromRecords builds out of the database, which
// activities keep up to date. When the records lack it too but Temporal was only
// unreachable, the answer is 503, not 404: the process may exist, not yet
// projected. On failure it has answered the request and reports false.
func queryOrRecords[D any](s *Server, c *gin.Context, what, id, workflowID string,
	fromRecords func(ctx context.Context) (D, error)) (D, bool) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	var d D
	qerr := s.temporal.Query(ctx, workflowID, workflows.QueryDetail, &d)
	if qerr == nil {
		return d, true
	}
	if !errors.Is(qerr, domain.ErrNotFound) && !errors.Is(qerr, domain.ErrUnavailable) {
		s.fail(c, fmt.Errorf("query %s %s: %w", what, id, qerr))
		return d, false
	}
	// The fallback has a deadline of its own: a timed-out query must not leave it none.
	ctx, cancel = context.WithTimeout(c.Request.Context(), downstreamTimeout)
	defer cancel()
	d, err := fromRecords(ctx)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) && errors.Is(qerr, domain.ErrUnavailable) {
			err = qerr
		}
		s.fail(c, err)
		return d, false
	}
	return d, true
}

// updateDetail runs update on a process's workflow and answers 200 with the
// detail it returns, shaped by body; a run Temporal does not know is the named
// process not found.
func updateDetail[D, B any](s *Server, c *gin.Context, what, id, workflowID, update string, input any, body func(D) B) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	var d D
	if err := s.temporal.Update(ctx, workflowID, update, input, &d); err != nil {
		s.fail(c, namedNotFound(err, what, id))
		return
	}
	c.JSON(http.StatusOK, body(d))
}

// processTasks reads a process's tasks from the records, for a detail built there.
func (s *Server) processTasks(ctx context.Context, p domain.Process, what, id string) ([]domain.Task, error) {
	tasks, err := s.records.Tasks(ctx, domain.TaskFilter{Process: p, ProcessID: id, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}})
	if err != nil {
		return nil, fmt.Errorf("load tasks of %s %s: %w", what, id, err)
	}
	return tasks.Items, nil
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
