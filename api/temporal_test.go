package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

// refusal is how a workflow validator refuses, by the workflows package's convention.
func refusal(err error) error {
	var ve *domain.ValidationError
	opts := temporal.ApplicationErrorOptions{NonRetryable: true}
	if errors.As(err, &ve) {
		opts.Details = []any{ve.Problems}
	}
	return temporal.NewApplicationErrorWithOptions(domain.Message(err), domain.Code(err), opts)
}

// overTheWire sends an error through the failure converter both ways, as it travels
// from a worker through the server to the client, details encoded as payloads.
func overTheWire(err error) error {
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}

func TestFromTemporal(t *testing.T) {
	problems := []domain.FieldProblem{{Field: "budget.currency", Problem: "must stay EUR"}, {Field: "reason", Problem: "required"}}
	for name, tc := range map[string]struct {
		err     error
		status  int
		message string
		details []domain.FieldProblem
	}{
		"forbidden": {
			err: refusal(domain.Forbiddenf("task tsk_1 is assigned to cara")), status: http.StatusForbidden, message: "task tsk_1 is assigned to cara",
		},
		"forbidden over the wire": {
			err: overTheWire(refusal(domain.Forbiddenf("paula raised this request and may not approve it"))), status: http.StatusForbidden,
			message: "paula raised this request and may not approve it",
		},
		"not found": {
			err: refusal(domain.NotFoundf("task tsk_9 not found")), status: http.StatusNotFound, message: "task tsk_9 not found",
		},
		"not yet, over the wire": {
			err:    overTheWire(refusal(domain.Unavailablef("task tsk_2 is not open yet: rsk_1 is catching up after a restart"))),
			status: http.StatusServiceUnavailable, message: "task tsk_2 is not open yet: rsk_1 is catching up after a restart",
		},
		"conflict": {
			err: overTheWire(refusal(domain.Conflictf("task tsk_1 is done"))), status: http.StatusConflict, message: "task tsk_1 is done",
		},
		"invalid with problems": {
			err: refusal(domain.Invalid(problems...)), status: http.StatusUnprocessableEntity, details: problems,
		},
		"invalid with problems over the wire": {
			err: overTheWire(refusal(domain.Invalid(problems...))), status: http.StatusUnprocessableEntity, details: problems,
		},
		"invalid without details": {
			err:    temporal.NewApplicationErrorWithOptions("launch_at must be in the future", domain.CodeInvalid, temporal.ApplicationErrorOptions{NonRetryable: true}),
			status: http.StatusUnprocessableEntity, message: "launch_at must be in the future",
		},
		"another application error is a bug": {
			err: temporal.NewApplicationError("nil map write", "PanicError"), status: http.StatusInternalServerError, message: "internal error",
		},
		"workflow not found": {
			err: serviceerror.NewNotFound("workflow execution not found for workflow ID: campaign/cmp_x"), status: http.StatusNotFound, message: "not found",
		},
		"update on a completed workflow": {
			err: serviceerror.NewNotFound("workflow execution already completed"), status: http.StatusConflict, message: "the process has ended",
		},
		"update aborted as the workflow closed": {
			err: serviceerror.NewNotFound("workflow update was aborted by closing workflow"), status: http.StatusConflict, message: "the process has ended",
		},
		"unavailable": {
			err: serviceerror.NewUnavailable("connection error: dial tcp 127.0.0.1:7233: connect: connection refused"), status: http.StatusServiceUnavailable,
		},
		"deadline exceeded": {
			err: serviceerror.NewDeadlineExceeded("context deadline exceeded"), status: http.StatusServiceUnavailable,
		},
		"busy": {
			err: serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW, "workflow is closing"), status: http.StatusServiceUnavailable,
		},
		"update wait timed out": {
			err: client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded), status: http.StatusServiceUnavailable,
		},
		"request deadline": {
			err: fmt.Errorf("query: %w", context.DeadlineExceeded), status: http.StatusServiceUnavailable,
		},
		"no worker polling": {
			err: serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down"), status: http.StatusServiceUnavailable,
		},
		"another failed precondition": {
			err: serviceerror.NewFailedPrecondition("Workflow is paused. Cannot update the workflow."), status: http.StatusInternalServerError, message: "internal error",
		},
		"anything else": {
			err: serviceerror.NewInvalidArgument("WorkflowType is not set on request"), status: http.StatusInternalServerError, message: "internal error",
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := fromTemporal(tc.err)
			status, body := classify(got)
			if status != tc.status {
				t.Fatalf("status = %d, want %d (converted %v)", status, tc.status, got)
			}
			if tc.message != "" && body.Message != tc.message {
				t.Errorf("message = %q, want %q", body.Message, tc.message)
			}
			if tc.details != nil {
				var ve *domain.ValidationError
				if !errors.As(got, &ve) || fmt.Sprint(ve.Problems) != fmt.Sprint(tc.details) || fmt.Sprint(body.Details) != fmt.Sprint(tc.details) {
					t.Errorf("converted %#v, body details %v, want %v", got, body.Details, tc.details)
				}
			}
			if status == http.StatusServiceUnavailable && !errors.Is(got, tc.err) {
				t.Errorf("the cause %v is lost for the log", tc.err)
			}
		})
	}
}

// sdkClient is a Temporal client that records what the adapter asks and answers as
// told; every method the adapter does not use panics through the nil embedded client.
type sdkClient struct {
	client.Client
	startOpts  client.StartWorkflowOptions
	startArgs  []any
	startErr   error
	updateOpts client.UpdateWorkflowOptions
	updateErr  error
	outcome    error
	// pending makes an update wait for its context, as one no worker takes;
	// probe is what Temporal then says of it.
	pending bool
	probe   error
	probed  *workflowservice.PollWorkflowExecutionUpdateRequest
	// early makes a pending update give up that long before its context's
	// deadline, as the SDK's long polls do, keeping a margin.
	early time.Duration
}

func (c *sdkClient) ExecuteWorkflow(_ context.Context, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	c.startOpts, c.startArgs = opts, append([]any{wf}, args...)
	return nil, c.startErr
}

func (c *sdkClient) UpdateWorkflow(ctx context.Context, opts client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.updateOpts = opts
	if c.pending {
		if d, ok := ctx.Deadline(); ok && c.early > 0 {
			select {
			case <-time.After(time.Until(d) - c.early):
				return nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded)
			case <-ctx.Done():
			}
		}
		<-ctx.Done()
		return nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(ctx.Err())
	}
	if c.updateErr != nil {
		return nil, c.updateErr
	}
	return updateHandle{c.outcome}, nil
}

func (c *sdkClient) WorkflowService() workflowservice.WorkflowServiceClient { return pollService{c: c} }

// pollService answers the adapter's probe of an update; any other call panics.
type pollService struct {
	workflowservice.WorkflowServiceClient
	c *sdkClient
}

func (p pollService) PollWorkflowExecutionUpdate(_ context.Context, req *workflowservice.PollWorkflowExecutionUpdateRequest, _ ...grpc.CallOption) (*workflowservice.PollWorkflowExecutionUpdateResponse, error) {
	p.c.probed = req
	if p.c.probe != nil {
		return nil, p.c.probe
	}
	return &workflowservice.PollWorkflowExecutionUpdateResponse{Stage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED}, nil
}

type updateHandle struct{ err error }

func (updateHandle) WorkflowID() string { return "" }
func (updateHandle) RunID() string      { return "run-7" }
func (updateHandle) UpdateID() string   { return "" }
func (h updateHandle) Get(_ context.Context, result any) error {
	if h.err != nil {
		return h.err
	}
	*result.(*domain.Task) = domain.Task{ID: "tsk_done00000000", Status: domain.TaskDone}
	return nil
}

func TestAdapterStart(t *testing.T) {
	c := &sdkClient{}
	sa := temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet("campaign"))
	err := NewTemporal(c, "default").Start(context.Background(), StartRequest{
		WorkflowID: "campaign/cmp_1", WorkflowType: contract.CampaignLaunchType, Input: "in", Summary: "Campaign launch: x", SearchAttributes: sa,
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.startOpts
	if o.ID != "campaign/cmp_1" || o.TaskQueue != contract.TaskQueue || o.StaticSummary != "Campaign launch: x" ||
		o.WorkflowIDReusePolicy != enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE || o.TypedSearchAttributes.Size() != 1 {
		t.Errorf("options = %+v", o)
	}
	if len(c.startArgs) != 2 || c.startArgs[0] != contract.CampaignLaunchType || c.startArgs[1] != "in" {
		t.Errorf("args = %v", c.startArgs)
	}

	c.startErr = serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "req", "run")
	if err := NewTemporal(c, "default").Start(context.Background(), StartRequest{WorkflowID: "campaign/cmp_1"}); err != nil {
		t.Errorf("an already started workflow is an error: %v", err)
	}
	c.startErr = serviceerror.NewUnavailable("connection refused")
	if err := NewTemporal(c, "default").Start(context.Background(), StartRequest{WorkflowID: "campaign/cmp_1"}); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("err = %v, want unavailable", err)
	}
}

func TestAdapterUpdate(t *testing.T) {
	c := &sdkClient{}
	tmp := NewTemporal(c, "default")
	var got domain.Task
	u := UpdateRequest{WorkflowID: "campaign/cmp_1", RunID: "run-3", Name: contract.UpdateCompleteTask, ID: "cmd_1", Input: "in"}
	run, err := tmp.Update(context.Background(), u, &got)
	if err != nil || run != "run-7" {
		t.Fatalf("update = %q, %v", run, err)
	}
	o := c.updateOpts
	if o.WorkflowID != "campaign/cmp_1" || o.RunID != "run-3" || o.UpdateID != "cmd_1" || o.UpdateName != contract.UpdateCompleteTask ||
		o.WaitForStage != client.WorkflowUpdateStageCompleted || len(o.Args) != 1 || o.Args[0] != "in" || got.ID != "tsk_done00000000" {
		t.Errorf("options = %+v, result %+v", o, got)
	}

	c.outcome = overTheWire(refusal(domain.Conflictf("task tsk_done00000000 is done")))
	_, err = tmp.Update(context.Background(), u, &got)
	if status, body := classify(err); status != http.StatusConflict || body.Message != "task tsk_done00000000 is done" {
		t.Errorf("refused update = %d %q", status, body.Message)
	}

	c.updateErr = serviceerror.NewNotFound("workflow execution already completed")
	_, err = tmp.Update(context.Background(), u, &got)
	if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "the process has ended") {
		t.Errorf("update of an ended workflow = %v", err)
	}
}

// An update no worker takes before the deadline: admitted when Temporal holds
// it (202 for the client), unavailable when it does not or cannot say (503:
// nothing admitted). The probe keeps admitProbe of the deadline for itself.
func TestAdapterUpdateAdmittedButNotProcessed(t *testing.T) {
	for name, tc := range map[string]struct {
		probe  error
		early  time.Duration
		status int
	}{
		"admitted": {nil, 0, http.StatusAccepted},
		"admitted, the SDK giving up before the deadline": {nil, 50 * time.Millisecond, http.StatusAccepted},
		"not held":           {serviceerror.NewNotFound("update \"cmd_1\" not found"), 0, http.StatusServiceUnavailable},
		"Temporal unreached": {serviceerror.NewUnavailable("connection refused"), 0, http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			c := &sdkClient{pending: true, probe: tc.probe, early: tc.early}
			ctx, cancel := context.WithTimeout(context.Background(), admitProbe+300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := NewTemporal(c, "tandem-ns").Update(ctx, UpdateRequest{WorkflowID: "campaign/cmp_1", Name: contract.UpdateRecordKPIs, ID: "cmd_1", Input: "in"}, &domain.Task{})
			if waited := time.Since(start); waited > 500*time.Millisecond {
				t.Errorf("waited %v for the outcome: the probe has no time left", waited)
			}
			status := http.StatusAccepted
			if !errors.Is(err, errAdmitted) {
				status, _ = classify(err)
			}
			if status != tc.status {
				t.Errorf("status %d (%v), want %d", status, err, tc.status)
			}
			p := c.probed
			if p.GetNamespace() != "tandem-ns" || p.GetUpdateRef().GetUpdateId() != "cmd_1" || p.GetUpdateRef().GetWorkflowExecution().GetWorkflowId() != "campaign/cmp_1" ||
				p.GetWaitPolicy().GetLifecycleStage() != enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED {
				t.Errorf("probe = %v", p)
			}
		})
	}
}

// describeClient is a Temporal client whose task queue has the pollers given.
type describeClient struct {
	client.Client
	pollers []*taskqueuepb.PollerInfo
	err     error
	asked   []string
}

func (c *describeClient) DescribeTaskQueue(_ context.Context, queue string, typ enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error) {
	c.asked = append(c.asked, queue+" "+typ.String())
	return &workflowservice.DescribeTaskQueueResponse{Pollers: c.pollers}, c.err
}

// Workers counts the workflow pollers Temporal saw lately; one it keeps in its
// list from minutes ago (a killed worker) does not count.
func TestWorkersCountsRecentPollersOfTheWorkflowQueue(t *testing.T) {
	now := time.Now()
	c := &describeClient{pollers: []*taskqueuepb.PollerInfo{
		{Identity: "1@worker-a", LastAccessTime: timestamppb.New(now.Add(-5 * time.Second))},
		{Identity: "1@worker-b", LastAccessTime: timestamppb.New(now.Add(-70 * time.Second))},
		{Identity: "1@killed", LastAccessTime: timestamppb.New(now.Add(-4 * time.Minute))},
	}}
	n, err := NewTemporal(c, "default").Workers(context.Background())
	if err != nil || n != 2 {
		t.Errorf("Workers = %d, %v; want 2", n, err)
	}
	if len(c.asked) != 1 || c.asked[0] != contract.TaskQueue+" Workflow" {
		t.Errorf("asked about %v", c.asked)
	}
	c.err = serviceerror.NewUnavailable("connection refused")
	if _, err := NewTemporal(c, "default").Workers(context.Background()); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Workers with Temporal down: %v", err)
	}
}
