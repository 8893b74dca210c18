package worker

import (
	"strings"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TestSettingsOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Settings
		want sdkworker.Options
	}{
		{"zero: Tandem's defaults, unversioned", Settings{}, sdkworker.Options{
			MaxConcurrentWorkflowTaskExecutionSize: DefaultWorkflowTaskSlots, MaxConcurrentActivityExecutionSize: DefaultActivitySlots,
			MaxConcurrentWorkflowTaskPollers: DefaultPollers, MaxConcurrentActivityTaskPollers: DefaultPollers,
			WorkerStopTimeout: DefaultStopTimeout,
		}},
		{"every field", Settings{WorkflowTaskSlots: 50, ActivitySlots: 40, WorkflowTaskPollers: 4, ActivityTaskPollers: 3, StopTimeout: time.Minute}, sdkworker.Options{
			MaxConcurrentWorkflowTaskExecutionSize: 50, MaxConcurrentActivityExecutionSize: 40,
			MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 3,
			WorkerStopTimeout: time.Minute,
		}},
		{"versioned, pinned", Settings{Deployment: Deployment{Name: "tandem", BuildID: "abc123"}}, sdkworker.Options{
			MaxConcurrentWorkflowTaskExecutionSize: DefaultWorkflowTaskSlots, MaxConcurrentActivityExecutionSize: DefaultActivitySlots,
			MaxConcurrentWorkflowTaskPollers: DefaultPollers, MaxConcurrentActivityTaskPollers: DefaultPollers,
			WorkerStopTimeout: DefaultStopTimeout,
			DeploymentOptions: sdkworker.DeploymentOptions{
				UseVersioning: true, Version: sdkworker.WorkerDeploymentVersion{DeploymentName: "tandem", BuildID: "abc123"},
				DefaultVersioningBehavior: workflow.VersioningBehaviorPinned,
			},
		}},
		{"versioned, auto-upgrade", Settings{Deployment: Deployment{Name: "tandem", BuildID: "v2", AutoUpgrade: true}}, sdkworker.Options{
			MaxConcurrentWorkflowTaskExecutionSize: DefaultWorkflowTaskSlots, MaxConcurrentActivityExecutionSize: DefaultActivitySlots,
			MaxConcurrentWorkflowTaskPollers: DefaultPollers, MaxConcurrentActivityTaskPollers: DefaultPollers,
			WorkerStopTimeout: DefaultStopTimeout,
			DeploymentOptions: sdkworker.DeploymentOptions{
				UseVersioning: true, Version: sdkworker.WorkerDeploymentVersion{DeploymentName: "tandem", BuildID: "v2"},
				DefaultVersioningBehavior: workflow.VersioningBehaviorAutoUpgrade,
			},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Options()
			if err != nil {
				t.Fatal(err)
			}
			// Options holds a func and slices, so compare what Settings sets.
			if got.MaxConcurrentWorkflowTaskExecutionSize != tc.want.MaxConcurrentWorkflowTaskExecutionSize ||
				got.MaxConcurrentActivityExecutionSize != tc.want.MaxConcurrentActivityExecutionSize ||
				got.MaxConcurrentWorkflowTaskPollers != tc.want.MaxConcurrentWorkflowTaskPollers ||
				got.MaxConcurrentActivityTaskPollers != tc.want.MaxConcurrentActivityTaskPollers ||
				got.WorkerStopTimeout != tc.want.WorkerStopTimeout ||
				got.DeploymentOptions != tc.want.DeploymentOptions {
				t.Errorf("options\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// What the SDK would panic on, or Temporal refuse at every poll, is an error
// before the worker is built, naming the setting.
func TestSettingsOptionsRefuse(t *testing.T) {
	for _, tc := range []struct {
		in   Settings
		want string
	}{
		{Settings{WorkflowTaskSlots: 1}, "workflow task slots: 1, want 2"},
		{Settings{WorkflowTaskPollers: 1}, "workflow task pollers: 1, want 2"},
		{Settings{ActivitySlots: -5}, "activity slots: -5"},
		{Settings{ActivityTaskPollers: -1}, "activity task pollers: -1"},
		{Settings{StopTimeout: -time.Second}, "stop timeout: -1s"},
		{Settings{Deployment: Deployment{Name: "tandem"}}, `deployment "tandem" needs a build ID`},
		{Settings{Deployment: Deployment{Name: "tandem.prod", BuildID: "v1"}}, "no '.' or ':'"},
		{Settings{Deployment: Deployment{Name: "__tandem", BuildID: "v1"}}, "must not start with __"},
		{Settings{Deployment: Deployment{Name: "tandem", BuildID: "__v1"}}, `build ID "__v1"`},
		{Settings{Deployment: Deployment{Name: "tandem", BuildID: strings.Repeat("a", 109)}}, "build ID: 109 characters"},
	} {
		_, err := tc.in.Options()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want it to say %q", tc.in, err, tc.want)
		}
	}
	// Every problem at once, not the first only.
	_, err := Settings{WorkflowTaskSlots: -1, ActivitySlots: -1}.Options()
	if err == nil || !strings.Contains(err.Error(), "workflow task slots") || !strings.Contains(err.Error(), "activity slots") {
		t.Errorf("two bad settings: %v, want both named", err)
	}
}

func TestSetStickyCacheSizeRefusesNegative(t *testing.T) {
	if err := SetStickyCacheSize(-1); err == nil || !strings.Contains(err.Error(), "sticky cache size: -1") {
		t.Errorf("err = %v, want the size refused", err)
	}
}
