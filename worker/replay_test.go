package worker

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"
)

// TestReplaySavedHistories replays every saved history through the workflows as
// they are now, registered exactly as the worker registers them. A change to a
// workflow's command sequence that is not behind workflow.GetVersion fails here,
// before it can break the runs already in flight.
func TestReplaySavedHistories(t *testing.T) {
	files, err := filepath.Glob("../workflows/testdata/histories/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no saved histories found (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
