package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/workflows"
)

// sdkTemporal adapts the Temporal SDK client to the Temporal interface, and turns
// what Temporal answers into domain errors the API maps to status codes.
type sdkTemporal struct {
	c client.Client
}

// NewTemporal adapts a Temporal SDK client for the server.
func NewTemporal(c client.Client) Temporal { return sdkTemporal{c: c} }

func (t sdkTemporal) Start(ctx context.Context, req StartRequest) error {
	_, err := t.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    req.WorkflowID,
		TaskQueue:             workflows.TaskQueue,
		StaticSummary:         req.Summary,
		StaticDetails:         req.Details,
		TypedSearchAttributes: req.SearchAttributes,
		// A process ID names one run for ever: a retry after the run ended must not
		// start the process again.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, req.WorkflowType, req.Input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &started) {
		return nil
	}
	return fmt.Errorf("start %s: %w", req.WorkflowID, fromTemporal(err))
}

func (t sdkTemporal) Update(ctx context.Context, workflowID, update string, input, result any) error {
	h, err := t.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   update,
		Args:         []any{input},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	if err != nil {
		return fmt.Errorf("update %s on %s: %w", update, workflowID, fromTemporal(err))
	}
	return nil
}

// Query asks a run for its live detail. A run Temporal closed without its process
// ending (terminated or cancelled outside Tandem, failed, timed out) would answer
// as it stood then: open, waiting on tasks nobody can complete. Temporal refuses
// the query on such a run, and the refusal reads as not found, so the detail is
// read from the records, where the worker's reconciler has recorded how it ended.
func (t sdkTemporal) Query(ctx context.Context, workflowID, query string, result any) error {
	resp, err := t.c.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{
		WorkflowID: workflowID, QueryType: query,
		QueryRejectCondition: enumspb.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY,
	})
	if err != nil {
		return fmt.Errorf("query %s on %s: %w", query, workflowID, fromTemporal(err))
	}
	if r := resp.QueryRejected; r != nil {
		return fmt.Errorf("query %s on %s: the run is %s: %w", query, workflowID, r.GetStatus(), domain.ErrNotFound)
	}
	if err := resp.QueryResult.Get(result); err != nil {
		return fmt.Errorf("decode %s of %s: %w", query, workflowID, err)
	}
	return nil
}

func (t sdkTemporal) CheckHealth(ctx context.Context) error {
	if _, err := t.c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("temporal health: %w", fromTemporal(err))
	}
	return nil
}

// Workers counts the pollers of the workflow task queue Temporal saw lately:
// without one, no update, query or timer of any process is handled.
func (t sdkTemporal) Workers(ctx context.Context) (int, error) {
	resp, err := t.c.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return 0, fmt.Errorf("describe task queue %s: %w", workflows.TaskQueue, fromTemporal(err))
	}
	return len(temporalclient.LivePollers(resp.GetPollers(), time.Now())), nil
}

// endedMessages are what the Temporal server answers, as NotFound, to an update on
// a workflow that has closed, or that closed while the update waited
// (consts.ErrWorkflowCompleted and update.AbortedByWorkflowClosingErr in the server).
var endedMessages = []string{
	"workflow execution already completed",
	"workflow update was aborted by closing workflow",
}

// noPollerMessage is how Temporal refuses a query when no worker has polled the
// task queue for a while (matching.queryPollerUnavailableWindow, 20s by default):
// a FailedPrecondition, "no poller seen for task queue recently, worker may be
// down" (errNoRecentPoller in the server's matching service).
const noPollerMessage = "no poller seen for task queue recently"

// errNoWorkers says no worker polls Tandem's task queue: Temporal is up, but
// nothing runs the workflows.
var errNoWorkers = errors.New("no worker is polling Tandem's task queue")

// fromTemporal converts an error from the Temporal client into a domain error.
//
// A refusal by a workflow (an update validator or handler) arrives as an
// *temporal.ApplicationError whose type is a domain code and whose message is meant
// for people; an invalid one carries its []domain.FieldProblem as details. Other
// application errors are bugs, answered as internal errors. Errors that say Temporal
// cannot be reached right now become domain.ErrUnavailable, wrapping the cause for the
// log; so does a query no worker is there to answer, wrapping errNoWorkers too.
func fromTemporal(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch app.Type() {
		case domain.CodeForbidden:
			return domain.Forbiddenf("%s", app.Message())
		case domain.CodeNotFound:
			return domain.NotFoundf("%s", app.Message())
		case domain.CodeConflict:
			return domain.Conflictf("%s", app.Message())
		case domain.CodeInvalid:
			var problems []domain.FieldProblem
			if app.HasDetails() && app.Details(&problems) == nil && len(problems) > 0 {
				return &domain.ValidationError{Problems: problems}
			}
			return fmt.Errorf("%w: %s", domain.ErrInvalid, app.Message())
		}
		return err
	}

	var precondition *serviceerror.FailedPrecondition
	if errors.As(err, &precondition) && strings.Contains(precondition.Message, noPollerMessage) {
		return fmt.Errorf("%w: %w: %w", domain.ErrUnavailable, errNoWorkers, err)
	}

	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		for _, m := range endedMessages {
			if strings.Contains(notFound.Message, m) {
				return domain.Conflictf("the process has ended")
			}
		}
		return domain.ErrNotFound
	}

	var (
		unavailable *serviceerror.Unavailable
		deadline    *serviceerror.DeadlineExceeded
		canceled    *serviceerror.Canceled
		exhausted   *serviceerror.ResourceExhausted
		notReady    *serviceerror.WorkflowNotReady
		updateWait  *client.WorkflowUpdateServiceTimeoutOrCanceledError
	)
	switch {
	case errors.As(err, &unavailable), errors.As(err, &deadline), errors.As(err, &canceled),
		errors.As(err, &exhausted), errors.As(err, &notReady), errors.As(err, &updateWait),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// Busy, closing or not reachable in time: the same request may succeed later.
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}
