package worker

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/devserver"
)

// markerType is a workflow each test worker registers beside Tandem's, under
// one name, answering with its own build: which build ran a run's last
// workflow task is then in the run's result.
const (
	markerType = "TestBuildMarker"
	goSignal   = "go"
)

type markerInput struct {
	// Wait holds the run until the go signal; Continue then continues it as
	// new once, as the risk process does past its bound.
	Wait, Continue bool
}

func marker(build string) func(workflow.Context, markerInput) (string, error) {
	return func(ctx workflow.Context, in markerInput) (string, error) {
		if in.Wait {
			workflow.GetSignalChannel(ctx, goSignal).Receive(ctx, nil)
		}
		if in.Continue {
			return "", workflow.NewContinueAsNewError(ctx, markerType, markerInput{})
		}
		return build, nil
	}
}

// A rolling upgrade with Worker Versioning. Versioning is turned on with a run
// in flight on an unversioned worker: once build v1 is current and the
// unversioned worker gone, that run's next task goes to v1, which then keeps
// it. A run starts on v1; build v2 starts beside it and becomes current; a new
// run goes to v2. Pinned, the old run, and the run it continues as, stay on v1
// while v1 still polls; auto-upgrade, the old run's next task goes to v2.
func TestRollingUpgradeWithWorkerVersioning(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	for _, tc := range []struct {
		autoUpgrade bool
		wantOld     string // the build that finishes the run started on v1
		wantKind    enumspb.VersioningBehavior
	}{
		{false, "v1", enumspb.VERSIONING_BEHAVIOR_PINNED},
		{true, "v2", enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE},
	} {
		t.Run(tc.wantKind.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := temporal(ctx, t)
			deployment := c.WorkerDeploymentClient().GetHandle("tandem")

			// start runs a worker of build with Tandem's workflows, as the
			// worker command does, and the marker; it is stopped at the end.
			// The build "unversioned" is a worker without a deployment.
			start := func(build string) sdkworker.Worker {
				t.Helper()
				dep := Deployment{Name: "tandem", BuildID: build, AutoUpgrade: tc.autoUpgrade}
				if build == "unversioned" {
					dep = Deployment{}
				}
				opts, err := Settings{StopTimeout: time.Millisecond, Deployment: dep}.Options()
				if err != nil {
					t.Fatal(err)
				}
				opts.Identity = build + "@versioning-test"
				w := New(c, &activities.Activities{}, opts)
				w.RegisterWorkflowWithOptions(marker(build), workflow.RegisterOptions{Name: markerType})
				if err := w.Start(); err != nil {
					t.Fatalf("start worker %s: %v", build, err)
				}
				t.Cleanup(w.Stop)
				return w
			}
			// current makes build the deployment's current version, once
			// Temporal has seen its pollers: refused before then.
			current := func(build string) {
				t.Helper()
				for {
					_, err := deployment.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: build})
					if err == nil {
						break
					}
					select {
					case <-ctx.Done():
						t.Fatalf("make %s current: %v", build, err)
					case <-time.After(100 * time.Millisecond):
					}
				}
				// The command returns before the task queue knows, a moment later.
				for {
					d, err := c.DescribeTaskQueue(ctx, contract.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
					if err != nil {
						t.Fatal(err)
					}
					if d.GetVersioningInfo().GetCurrentDeploymentVersion().GetBuildId() == build {
						return
					}
					select {
					case <-ctx.Done():
						t.Fatalf("the task queue never said %s is current", build)
					case <-time.After(50 * time.Millisecond):
					}
				}
			}
			run := func(id string, in markerInput) client.WorkflowRun {
				t.Helper()
				r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.TaskQueue}, markerType, in)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			result := func(r client.WorkflowRun) string {
				t.Helper()
				var build string
				if err := r.Get(ctx, &build); err != nil {
					t.Fatalf("run %s: %v", r.GetID(), err)
				}
				return build
			}
			// version is the behaviour and build Temporal records for a run once
			// a worker has completed a workflow task of it.
			version := func(id, runID string) (enumspb.VersioningBehavior, string) {
				t.Helper()
				for {
					d, err := c.DescribeWorkflowExecution(ctx, id, runID)
					if err != nil {
						t.Fatal(err)
					}
					if v := d.GetWorkflowExecutionInfo().GetVersioningInfo(); v.GetBehavior() != enumspb.VERSIONING_BEHAVIOR_UNSPECIFIED {
						return v.GetBehavior(), v.GetDeploymentVersion().GetBuildId()
					}
					select {
					case <-ctx.Done():
						t.Fatalf("run %s never got a version", id)
					case <-time.After(50 * time.Millisecond):
					}
				}
			}

			unversioned := start("unversioned")
			legacy := run("legacy", markerInput{Wait: true})
			for { // until the unversioned worker has completed its first task
				d, err := c.DescribeWorkflowExecution(ctx, "legacy", "")
				if err != nil {
					t.Fatal(err)
				}
				if d.GetPendingWorkflowTask() == nil && d.GetWorkflowExecutionInfo().GetHistoryLength() >= 4 {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatal("the unversioned worker never took the legacy run")
				case <-time.After(50 * time.Millisecond):
				}
			}

			start("v1")
			current("v1")
			// As an operator would once v1 is current. (Until then Temporal may
			// still hand it a task of the run it has cached, for a moment after
			// the task queue says v1 is current.)
			unversioned.Stop()
			if err := c.SignalWorkflow(ctx, "legacy", "", goSignal, nil); err != nil {
				t.Fatal(err)
			}
			if got := result(legacy); got != "v1" {
				t.Errorf("the run from before versioning finished on %s, want v1", got)
			}
			if b, build := version("legacy", ""); b != tc.wantKind || build != "v1" {
				t.Errorf("the run from before versioning is %s on %q, want %s on v1", b, build, tc.wantKind)
			}

			old := run("old", markerInput{Wait: true, Continue: true})
			first := old.GetRunID() // Get moves the run on to the one it continues as
			if b, build := version("old", first); b != tc.wantKind || build != "v1" {
				t.Fatalf("the old run is %s on %q, want %s on v1", b, build, tc.wantKind)
			}

			// The new build is ready, its pollers seen, before it is current:
			// what a rollout waits for before making it current.
			start("v2")
			ready := NewReadiness(c, pinger{}, "default", "v2@versioning-test", slog.New(slog.DiscardHandler))
			for rep := ready.Check(ctx); rep.Status != "ok"; rep = ready.Check(ctx) {
				select {
				case <-ctx.Done():
					t.Fatalf("build v2 never ready: %+v", rep)
				case <-time.After(100 * time.Millisecond):
				}
			}
			current("v2")
			if got := result(run("new", markerInput{})); got != "v2" {
				t.Errorf("the new run finished on %s, want v2", got)
			}
			if err := c.SignalWorkflow(ctx, "old", first, goSignal, nil); err != nil {
				t.Fatal(err)
			}
			// Get follows the continue-as-new to the run that answers.
			if got := result(old); got != tc.wantOld {
				t.Errorf("the old run finished on %s, want %s", got, tc.wantOld)
			}
			next, err := c.DescribeWorkflowExecution(ctx, "old", "")
			if err != nil {
				t.Fatal(err)
			}
			if next.GetWorkflowExecutionInfo().GetExecution().GetRunId() == first {
				t.Fatal("the old run did not continue as new")
			}
			if b, build := version("old", ""); b != tc.wantKind || build != tc.wantOld {
				t.Errorf("the run the old one continued as is %s on %q, want %s on %s", b, build, tc.wantKind, tc.wantOld)
			}
		})
	}
}

// temporal starts an in-memory Temporal server and returns a client of it.
func temporal(ctx context.Context, t *testing.T) client.Client {
	t.Helper()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("stop Temporal: %v", err)
		}
	})
	c, err := client.DialContext(ctx, client.Options{
		HostPort: srv.FrontendHostPort(), Namespace: srv.Namespace(), ConnectionOptions: srv.ConnectionOptions(),
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
