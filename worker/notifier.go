package worker

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/contract"
)

// StartNotifier makes sure the notifier workflow runs (contract.NotifierType):
// it starts it under its one ID, or joins the run already there, so however
// many workers start, and however often, one notifier runs. A notifier that
// ended (terminated by an operator, say) is started again.
func StartNotifier(ctx context.Context, c client.Client) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       contract.NotifierWorkflowID,
		TaskQueue:                contract.TaskQueue,
		StaticSummary:            "Tandem's notifier: comment webhooks, e-mail by preference, daily digests",
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, contract.NotifierType, contract.NotifierInput{})
	if err != nil {
		return fmt.Errorf("start the notifier: %w", err)
	}
	return nil
}
