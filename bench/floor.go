package bench

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The floor's workflow has its own task queue and type, so Tandem's worker never
// sees it and it never appears among Tandem's processes.
const (
	floorTaskQueue = "tandem-bench"
	floorType      = "BenchFloor"
	floorUpdate    = "done"
)

// Floor is the least a workflow engine can do for a human task: start, wait for
// one Update, return. Tandem's own calls are measured against it.
func Floor(ctx workflow.Context) error {
	done := false
	if err := workflow.SetUpdateHandler(ctx, floorUpdate, func(workflow.Context) error {
		done = true
		return nil
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return done }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func newFloorWorker(c client.Client) sdkworker.Worker {
	w := sdkworker.New(c, floorTaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(Floor, workflow.RegisterOptions{Name: floorType})
	return w
}

// floorRoundTrip starts one Floor run as workflowID and completes it through its
// Update, returning once the Update has completed: the SDK's counterpart of
// starting a campaign and completing its task.
func floorRoundTrip(ctx context.Context, c client.Client, workflowID string) error {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflowID, TaskQueue: floorTaskQueue}, floorType)
	if err != nil {
		return fmt.Errorf("start %s: %w", workflowID, err)
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, RunID: run.GetRunID(), UpdateName: floorUpdate,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", workflowID, err)
	}
	return h.Get(ctx, nil)
}
