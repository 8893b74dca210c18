package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows"
)

// Operation names, as the table and the JSON show them.
const (
	OpFloor          = "floor (SDK start + update)"
	OpCreateCampaign = "POST /campaigns"
	OpCompleteTask   = "POST /tasks/{id}/complete"
)

// Operations lists every operation a run measures at each level, floor first.
var Operations = []string{OpFloor, OpCreateCampaign, OpCompleteTask}

// Options configures Run.
type Options struct {
	// Concurrency lists the levels: how many operations are in flight at once.
	Concurrency []int
	// Ops is how many operations of each kind are done at each level.
	Ops int
	// DB is the records database; empty means SQLite in a temporary directory.
	DB string
	// Progress receives an in-place counter line per batch (a terminal's stderr).
	Progress io.Writer
	// Logger receives the stack's own logs.
	Logger *slog.Logger
}

// Report is what a run measured.
type Report struct {
	Date       time.Time `json:"date"`
	GoVersion  string    `json:"go_version"`
	CPUs       int       `json:"cpus"`
	Database   string    `json:"database"`
	StackReady float64   `json:"stack_ready_ms"`
	// RSSReady and RSSPeak are this bench process's own resident memory (VmRSS
	// once the stack is ready, VmHWM at the end), not a separate `tandem dev`;
	// zero where /proc/self/status is missing.
	RSSReady int64    `json:"rss_ready_bytes"`
	RSSPeak  int64    `json:"rss_peak_bytes"`
	Results  []Result `json:"results"`
}

// Run starts the stack in this process, measures every operation at every level
// and stops the stack.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Ops < 1 || len(opts.Concurrency) == 0 {
		return nil, fmt.Errorf("bench: need at least one operation and one concurrency level")
	}
	for _, n := range opts.Concurrency {
		if n < 1 {
			return nil, fmt.Errorf("bench: concurrency %d is not positive", n)
		}
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	rep := &Report{Date: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	started := time.Now()
	s, err := startStack(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	rep.StackReady = ms(time.Since(started))
	rep.Database = s.database
	rep.RSSReady, _ = memory("VmRSS")

	for _, n := range opts.Concurrency {
		floor, err := measure(ctx, opts, OpFloor, n, func(ctx context.Context, _ int) error {
			return floorRoundTrip(ctx, s.temporal, fmt.Sprintf("bench-floor-%d", s.seq.Add(1)))
		})
		if err != nil {
			return nil, err
		}
		campaigns := make([]string, opts.Ops)
		create, err := measure(ctx, opts, OpCreateCampaign, n, func(ctx context.Context, i int) (err error) {
			campaigns[i], err = s.http.createCampaign(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		// Not measured: the wait until each brief review task is in the records,
		// which is what an inbox would show and what completing it needs.
		tasks := make([]string, opts.Ops)
		for i, id := range campaigns {
			if tasks[i], err = s.http.briefReview(ctx, id); err != nil {
				return nil, err
			}
		}
		complete, err := measure(ctx, opts, OpCompleteTask, n, func(ctx context.Context, i int) error {
			return s.http.completeTask(ctx, tasks[i])
		})
		if err != nil {
			return nil, err
		}
		for _, r := range []Result{floor, create, complete} {
			if floor.P50 > 0 {
				r.RatioToFloor = r.P50 / floor.P50
			}
			rep.Results = append(rep.Results, r)
		}
	}
	rep.RSSPeak, _ = memory("VmHWM")
	return rep, nil
}

// stack is Tandem running in this process, as `tandem dev` runs it: an embedded
// Temporal server in memory, the records, Tandem's worker, the floor's worker and
// the API on a loopback port.
type stack struct {
	temporal client.Client
	http     *httpClient
	database string
	seq      atomic.Int64
	stops    []func()
}

func startStack(ctx context.Context, opts Options) (s *stack, err error) {
	s = &stack{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	// In memory and without the Web UI: nothing of a bench run is kept.
	temporal, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: opts.Logger})
	if err != nil {
		return s, fmt.Errorf("start Temporal: %w", err)
	}
	s.stops = append(s.stops, func() { _ = temporal.Stop() })

	s.database = opts.DB
	if s.database == "" {
		dir, err := os.MkdirTemp("", "tandem-bench-")
		if err != nil {
			return s, err
		}
		s.stops = append(s.stops, func() { _ = os.RemoveAll(dir) })
		s.database = filepath.Join(dir, "tandem.db")
	}
	st, err := store.Open(ctx, s.database)
	if err != nil {
		return s, err
	}
	s.stops = append(s.stops, func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return s, err
	}
	tokens, err := store.SeedDemo(ctx, st, nil)
	if err != nil {
		return s, fmt.Errorf("seed demo directory: %w", err)
	}

	c, err := client.DialContext(ctx, client.Options{
		HostPort: temporal.FrontendHostPort(), Namespace: temporal.Namespace(), Logger: sdklog.NewStructuredLogger(opts.Logger),
	})
	if err != nil {
		return s, fmt.Errorf("connect to the embedded Temporal: %w", err)
	}
	s.temporal = c
	s.stops = append(s.stops, c.Close)
	for _, w := range []sdkworker.Worker{
		worker.New(c, &activities.Activities{Records: st, Directory: st, Webhooks: st}, sdkworker.Options{}),
		newFloorWorker(c),
	} {
		if err := w.Start(); err != nil {
			return s, fmt.Errorf("start worker: %w", err)
		}
		s.stops = append(s.stops, w.Stop)
	}

	srv := api.New(api.Config{
		Temporal: api.NewTemporal(c), Records: st, Policy: domain.DefaultPolicy(), Logger: opts.Logger,
		Namespace: temporal.Namespace(),
		// The bench measures the engine, not the per-token budget, which would
		// answer 429 long before the higher levels.
		RateLimit: api.RateLimit{PerSecond: -1, Burst: -1},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return s, err
	}
	httpSrv := api.NewHTTPServer(ln.Addr().String(), srv.Handler())
	go func() { _ = httpSrv.Serve(ln) }()
	s.stops = append(s.stops, func() { _ = httpSrv.Close() })
	s.http = newHTTPClient("http://"+ln.Addr().String(), tokens)
	return s, nil
}

// stop undoes startStack in reverse order.
func (s *stack) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}
