package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/workflows"
)

// Register puts every workflow and activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivityWithOptions(acts, activity.RegisterOptions{SkipInvalidStructFunctions: true})
}

// RegisterWorkflows puts every workflow on r, under the constant type names of
// workflows/names.go, so a Go rename never orphans a running process. The replay
// tests use it alone.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.CampaignLaunch, workflow.RegisterOptions{Name: workflows.CampaignLaunchType})
	r.RegisterWorkflowWithOptions(workflows.HiringRequest, workflow.RegisterOptions{Name: workflows.HiringRequestType})
	r.RegisterWorkflowWithOptions(workflows.RiskProcess, workflow.RegisterOptions{Name: workflows.RiskType})
}

// New builds a worker on Tandem's task queue with everything registered.
func New(c client.Client, acts *activities.Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, opts)
	Register(w, acts)
	return w
}
