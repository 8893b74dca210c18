package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/hiring"
	"github.com/tandemhq/tandem/workflows/notifier"
	"github.com/tandemhq/tandem/workflows/risk"
	"github.com/tandemhq/tandem/workflows/template"
)

// Register puts every workflow and activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivityWithOptions(acts, activity.RegisterOptions{SkipInvalidStructFunctions: true})
}

// RegisterWorkflows puts every process's workflow on r, under the constant type
// names of contract/names.go, so a Go rename never orphans a running process.
// It is the one place a process is registered: the worker, the replay tests and
// the workflow tests all use it.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(campaign.Workflow, workflow.RegisterOptions{Name: contract.CampaignLaunchType})
	r.RegisterWorkflowWithOptions(hiring.Workflow, workflow.RegisterOptions{Name: contract.HiringRequestType})
	r.RegisterWorkflowWithOptions(risk.Workflow, workflow.RegisterOptions{Name: contract.RiskType})
	r.RegisterWorkflowWithOptions(template.Workflow, workflow.RegisterOptions{Name: contract.TemplateRunType})
	r.RegisterWorkflowWithOptions(notifier.Workflow, workflow.RegisterOptions{Name: contract.NotifierType})
}

// New builds a worker on Tandem's task queue with everything registered.
func New(c client.Client, acts *activities.Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, contract.TaskQueue, opts)
	Register(w, acts)
	return w
}
