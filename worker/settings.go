package worker

import (
	"errors"
	"fmt"
	"strings"
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Settings are what an operator tunes in Tandem's worker: how much it takes on
// at once, how many long polls it keeps open, how long it lets work in flight
// finish when it stops, and which deployment version it is. A zero field is its
// default below.
type Settings struct {
	// WorkflowTaskSlots bounds the workflow tasks the worker runs at once; 0
	// means DefaultWorkflowTaskSlots. The SDK refuses 1: it alternates polls of
	// the sticky and the normal queue, and one slot would starve the normal one.
	WorkflowTaskSlots int
	// ActivitySlots bounds the activities the worker runs at once; 0 means
	// DefaultActivitySlots.
	ActivitySlots int
	// WorkflowTaskPollers and ActivityTaskPollers are the long polls kept open
	// for each kind of task; 0 means DefaultPollers. The SDK refuses one
	// workflow task poller, for the reason it refuses one slot.
	WorkflowTaskPollers, ActivityTaskPollers int
	// StopTimeout is how long a stopping worker lets its activities in flight
	// finish before cancelling them; 0 means DefaultStopTimeout.
	StopTimeout time.Duration
	// Deployment turns on Worker Versioning when its Name is set.
	Deployment Deployment
}

// Deployment is the Worker Deployment Version a worker belongs to. With a Name,
// the worker takes only the runs Temporal routes to its version: new runs go to
// the deployment's current version, which someone sets (`temporal worker
// deployment set-current-version`); until then the version gets none. Empty,
// the worker is unversioned and takes every run of the task queue.
type Deployment struct {
	// Name is the deployment, the same for every build of Tandem's worker.
	Name string
	// BuildID names this build's workflow code; two builds with different
	// workflow code must never share one.
	BuildID string
	// AutoUpgrade is what happens to a run when a newer version becomes
	// current. False, the run is pinned: it stays on the version it started
	// on, child workflows and continue-as-new included, so the old version's
	// workers must run until its last run ends. True, it moves to the current
	// version at its next workflow task and replays there, which the new code
	// must support (workflow.GetVersion).
	AutoUpgrade bool
}

// Defaults of Settings, and why.
const (
	// DefaultWorkflowTaskSlots and DefaultActivitySlots are well above what one
	// process serves at once, its records going through a pool of 20
	// PostgreSQL connections (one SQLite writer), yet far below the SDK's 1000:
	// a busy worker leaves the excess in the task queue, where another worker
	// takes it and the backlog metric shows it, instead of holding it while
	// the tasks' timeouts run.
	DefaultWorkflowTaskSlots = 200
	DefaultActivitySlots     = 200
	// DefaultPollers is the SDK's: the bench found more workflow task pollers
	// made no difference (README, Performance).
	DefaultPollers = 2
	// DefaultStopTimeout lets record writes, e-mails and a webhook delivery to
	// a receiver that answers finish on a deploy, inside the 30 s that
	// Kubernetes, and docker-compose.yml, grant a container before killing it.
	// What it cuts off, Temporal retries.
	DefaultStopTimeout = 20 * time.Second
)

// Options are the SDK worker options of s, or why s cannot be run: a negative
// value, one the SDK would panic on, or a deployment Temporal would refuse.
func (s Settings) Options() (sdkworker.Options, error) {
	s = s.withDefaults()
	var errs []error
	for _, c := range []struct {
		what   string
		n, min int
	}{
		{"workflow task slots", s.WorkflowTaskSlots, 2}, {"workflow task pollers", s.WorkflowTaskPollers, 2},
		{"activity slots", s.ActivitySlots, 1}, {"activity task pollers", s.ActivityTaskPollers, 1},
	} {
		if c.n < c.min {
			errs = append(errs, fmt.Errorf("%s: %d, want %d or more", c.what, c.n, c.min))
		}
	}
	if s.StopTimeout < 0 {
		errs = append(errs, fmt.Errorf("stop timeout: %s, want a positive duration", s.StopTimeout))
	}
	opts := sdkworker.Options{
		MaxConcurrentWorkflowTaskExecutionSize: s.WorkflowTaskSlots,
		MaxConcurrentActivityExecutionSize:     s.ActivitySlots,
		MaxConcurrentWorkflowTaskPollers:       s.WorkflowTaskPollers,
		MaxConcurrentActivityTaskPollers:       s.ActivityTaskPollers,
		WorkerStopTimeout:                      s.StopTimeout,
	}
	if d := s.Deployment; d.Name != "" {
		if err := d.check(); err != nil {
			errs = append(errs, err)
		}
		opts.DeploymentOptions = sdkworker.DeploymentOptions{
			UseVersioning:             true,
			Version:                   sdkworker.WorkerDeploymentVersion{DeploymentName: d.Name, BuildID: d.BuildID},
			DefaultVersioningBehavior: d.behavior(),
		}
	}
	if err := errors.Join(errs...); err != nil {
		return sdkworker.Options{}, fmt.Errorf("worker settings: %w", err)
	}
	return opts, nil
}

func (s Settings) withDefaults() Settings {
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&s.WorkflowTaskSlots, DefaultWorkflowTaskSlots}, {&s.ActivitySlots, DefaultActivitySlots},
		{&s.WorkflowTaskPollers, DefaultPollers}, {&s.ActivityTaskPollers, DefaultPollers},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if s.StopTimeout == 0 {
		s.StopTimeout = DefaultStopTimeout
	}
	return s
}

func (d Deployment) behavior() workflow.VersioningBehavior {
	if d.AutoUpgrade {
		return workflow.VersioningBehaviorAutoUpgrade
	}
	return workflow.VersioningBehaviorPinned
}

// maxVersionPart is the longest deployment name or build ID Temporal takes
// where IDs are limited to 255 characters, as docker-compose.yml's server
// does: the two make up the ID of the version's own workflow.
const maxVersionPart = 108

// check refuses a version Temporal would refuse, now rather than at every poll.
func (d Deployment) check() error {
	var errs []error
	switch {
	case strings.ContainsAny(d.Name, ".:"):
		errs = append(errs, fmt.Errorf("deployment name %q: no '.' or ':' allowed", d.Name))
	case strings.HasPrefix(d.Name, "__"):
		errs = append(errs, fmt.Errorf("deployment name %q: must not start with __", d.Name))
	case len(d.Name) > maxVersionPart:
		errs = append(errs, fmt.Errorf("deployment name: %d characters, want at most %d", len(d.Name), maxVersionPart))
	}
	switch {
	case d.BuildID == "":
		errs = append(errs, fmt.Errorf("deployment %q needs a build ID", d.Name))
	case strings.HasPrefix(d.BuildID, "__"):
		errs = append(errs, fmt.Errorf("build ID %q: must not start with __", d.BuildID))
	case len(d.BuildID) > maxVersionPart:
		errs = append(errs, fmt.Errorf("build ID: %d characters, want at most %d", len(d.BuildID), maxVersionPart))
	}
	return errors.Join(errs...)
}

// DefaultStickyCacheSize is the SDK's default: the workflow runs a process
// keeps in memory between their tasks, so their next task need not replay
// their history. Not measured for Tandem; its histories are short (a whole
// campaign is about 140 events), so a smaller cache costs little replay and
// saves the memory of each run's state and parked goroutines.
const DefaultStickyCacheSize = 10000

// SetStickyCacheSize sets the size of the cache every worker of the process
// shares; 0 turns it off (every task replays its run's history). The SDK makes
// the cache when the first worker of the process starts, and keeps it until
// the last one stops: call this before any starts, before an embedded
// Temporal server (whose own workers come first) included.
func SetStickyCacheSize(n int) error {
	if n < 0 {
		return fmt.Errorf("sticky cache size: %d, want 0 (off) or more", n)
	}
	sdkworker.SetStickyWorkflowCacheSize(n)
	return nil
}
