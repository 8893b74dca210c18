package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/temporalclient"
)

// sdkTemporal adapts the Temporal SDK client to the Temporal interface, and turns
// what Temporal answers into domain errors the API maps to status codes.
type sdkTemporal struct {
	c         client.Client
	namespace string
}

// NewTemporal adapts a Temporal SDK client of namespace for the server.
func NewTemporal(c client.Client, namespace string) Temporal {
	return sdkTemporal{c: c, namespace: namespace}
}

func (t sdkTemporal) Start(ctx context.Context, req StartRequest) error {
	_, err := t.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    req.WorkflowID,
		TaskQueue:             contract.TaskQueue,
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

// admitProbe is how much of a command's deadline is kept, after waiting for the
// outcome, to ask Temporal whether it holds the update at all.
const admitProbe = 2 * time.Second

// Update waits for the outcome until admitProbe before ctx's deadline. If
// none came by then, it asks Temporal whether it admitted the update: then it
// is errAdmitted (applied when a worker processes it: no worker polls, or all
// are busy), else Temporal was not reached, and nothing was admitted.
func (t sdkTemporal) Update(ctx context.Context, u UpdateRequest, result any) (string, error) {
	wait, cancel := ctx, context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		wait, cancel = context.WithDeadline(ctx, deadline.Add(-admitProbe))
	}
	defer cancel()
	h, err := t.c.UpdateWorkflow(wait, client.UpdateWorkflowOptions{
		WorkflowID:   u.WorkflowID,
		RunID:        u.RunID,
		UpdateID:     u.ID,
		UpdateName:   u.Name,
		Args:         []any{u.Input},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		if err = h.Get(wait, result); err == nil {
			return h.RunID(), nil
		}
	}
	// The SDK may give up a moment before wait's deadline (its long polls keep a
	// margin), so its own timeout counts as running out too.
	var gaveUp *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if ctx.Err() == nil && (wait.Err() != nil || errors.As(err, &gaveUp)) {
		if ok, perr := t.admitted(ctx, u); perr == nil && ok {
			return "", fmt.Errorf("update %s on %s: %w", u.Name, u.WorkflowID, errAdmitted)
		}
	}
	return "", fmt.Errorf("update %s on %s: %w", u.Name, u.WorkflowID, fromTemporal(err))
}

// admitted asks Temporal, without waiting, whether it holds update u: admitted
// and waiting for a worker, accepted, or done.
func (t sdkTemporal) admitted(ctx context.Context, u UpdateRequest) (bool, error) {
	_, err := t.c.WorkflowService().PollWorkflowExecutionUpdate(ctx, &workflowservice.PollWorkflowExecutionUpdateRequest{
		Namespace: t.namespace,
		UpdateRef: &updatepb.UpdateRef{
			WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: u.WorkflowID, RunId: u.RunID},
			UpdateId:          u.ID,
		},
		WaitPolicy: &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED},
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	return err == nil, err
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
	resp, err := t.c.DescribeTaskQueue(ctx, contract.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return 0, fmt.Errorf("describe task queue %s: %w", contract.TaskQueue, fromTemporal(err))
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
		case domain.CodeUnavailable:
			return &notYet{message: app.Message(), cause: err}
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
