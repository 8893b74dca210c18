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
	"slices"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows"
)

// Operation names, as the table and the JSON show them.
const (
	OpFloor          = "floor (SDK start + update)"
	OpCreateCampaign = "POST /campaigns"
	// OpStartTemplateRun starts a run of a process template: issue 19 asks it
	// within 1.1× of OpCreateCampaign at each level.
	OpStartTemplateRun = "POST /template-runs"
	OpCompleteTask     = "POST /tasks/{id}/complete"
)

// Operations lists every operation a run measures at each level, floor first.
var Operations = []string{OpFloor, OpCreateCampaign, OpStartTemplateRun, OpCompleteTask}

// Part is one part of a run; a run does every part unless Options.Parts says otherwise.
type Part string

// The parts of a run.
const (
	// PartDev is `tandem dev` as a separate process: time to ready and memory.
	PartDev Part = "dev"
	// PartLevels is the floor and the API at each concurrency level.
	PartLevels Part = "levels"
	// PartSustained is task decisions at a fixed rate, open loop.
	PartSustained Part = "sustained"
	// PartInbox is the inbox query on PostgreSQL at several table sizes.
	PartInbox Part = "inbox"
)

// Parts lists every part, in the order a run does them.
var Parts = []Part{PartDev, PartLevels, PartSustained, PartInbox}

// Options configures Run.
type Options struct {
	// Parts are the parts to run; empty means all of them.
	Parts []Part
	// Concurrency lists the levels: how many operations are in flight at once.
	Concurrency []int
	// Ops is how many operations of each kind are done at each level.
	Ops int
	// DB is the records database of the levels and the sustained run; empty
	// means SQLite in a temporary directory.
	DB string
	// Temporal is where the embedded Temporal server of the levels and the
	// sustained run persists: SQLite in memory unless it says PostgreSQL.
	Temporal TemporalOptions
	// Rates are the sustained runs' arrival rates, one run each; none means one
	// run at TargetShare of the floor's best throughput at the levels.
	Rates []Rate
	// Duration is how long each sustained run's arrivals last.
	Duration time.Duration
	// Inbox configures the inbox part, which is skipped without a DSN.
	Inbox InboxOptions
	// Dev configures the `tandem dev` part, which is skipped without a binary.
	Dev DevOptions
	// Timed, when set, is called as each timed phase starts (one batch of the
	// levels, one sustained run), with a name for it that fits in a file name;
	// the func it returns is called as the phase ends, before the run goes on.
	// Preparation, seeding and the waits for an idle process between phases
	// are outside every phase. The CLI's --cpuprofile and --trace use it to
	// profile and trace only what is timed.
	Timed func(phase string) (end func() error, err error)
	// Progress receives progress lines (a terminal's stderr).
	Progress io.Writer
	// Logger receives the stack's own logs.
	Logger *slog.Logger
}

func (o Options) has(p Part) bool { return len(o.Parts) == 0 || slices.Contains(o.Parts, p) }

// Report is what a run measured.
type Report struct {
	Date      time.Time `json:"date"`
	GoVersion string    `json:"go_version"`
	CPUs      int       `json:"cpus"`
	// Database, Temporal and StackReady describe the in-process stack of the
	// levels and the sustained run: the records database, where the embedded
	// Temporal server persisted, and the time to start it all.
	Database   string    `json:"database,omitempty"`
	Temporal   *Temporal `json:"temporal,omitempty"`
	StackReady float64   `json:"stack_ready_ms,omitempty"`
	// RSSReady and RSSPeak are this bench process's own resident memory (VmRSS
	// once the stack is ready, the highest VmHWM), not a separate `tandem dev`
	// (that is Dev); zero where /proc/self/status is missing.
	RSSReady  int64       `json:"rss_ready_bytes,omitempty"`
	RSSPeak   int64       `json:"rss_peak_bytes,omitempty"`
	Results   []Result    `json:"results"`
	Sustained []Sustained `json:"sustained,omitempty"`
	Inbox     *Inbox      `json:"inbox,omitempty"`
	Dev       *Dev        `json:"dev,omitempty"`
	// Skipped says which parts were not run, and why.
	Skipped []string `json:"skipped,omitempty"`
	// LoadBefore and LoadAfter are the machine's load averages (1, 5 and 15
	// minutes) when the run started and ended: other processes' share of the
	// cores, which every number above competes with.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
	// GC is the garbage collector's settings this process ran with.
	GC string `json:"gc"`
}

// Run does the parts opts asks for: `tandem dev` as a separate process first,
// while nothing else of the run loads the machine; then the levels and the
// sustained run on one stack started in this process; then the inbox on
// PostgreSQL.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rep := &Report{Date: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadAverage(), GC: gcSettings()}
	defer func() { rep.LoadAfter = loadAverage() }()
	if opts.has(PartDev) {
		if opts.Dev.Binary == "" {
			rep.Skipped = append(rep.Skipped, "dev: no tandem binary given")
		} else {
			dev, err := measureDev(ctx, opts.Dev, opts.Progress)
			if err != nil {
				return nil, err
			}
			rep.Dev = dev
		}
	}
	if opts.has(PartLevels) || opts.has(PartSustained) {
		if err := runStack(ctx, opts, rep); err != nil {
			return nil, err
		}
	}
	if opts.has(PartInbox) {
		if opts.Inbox.DSN == "" {
			rep.Skipped = append(rep.Skipped, "inbox: no PostgreSQL DSN given (--inbox-db)")
		} else {
			inbox, err := measureInbox(ctx, opts.Inbox, opts.Progress, opts.Logger)
			if err != nil {
				return nil, err
			}
			rep.Inbox = inbox
		}
	}
	return rep, nil
}

// runStack starts the stack in this process, measures every operation at every
// level and then the sustained run, and stops the stack.
func runStack(ctx context.Context, opts Options, rep *Report) error {
	levels, sustained := opts.has(PartLevels), opts.has(PartSustained)
	if levels {
		if opts.Ops < 1 || len(opts.Concurrency) == 0 {
			return fmt.Errorf("bench: need at least one operation and one concurrency level")
		}
		for _, n := range opts.Concurrency {
			if n < 1 {
				return fmt.Errorf("bench: concurrency %d is not positive", n)
			}
		}
	}
	if sustained {
		if opts.Duration <= 0 {
			return fmt.Errorf("bench: the sustained run needs a positive duration")
		}
		if len(opts.Rates) == 0 {
			opts.Rates = []Rate{{FloorShare: TargetShare}}
		}
		for _, r := range opts.Rates {
			if (r.PerSecond > 0) == (r.FloorShare > 0) || (r.FloorShare > 0 && !levels) {
				return fmt.Errorf("bench: a sustained rate needs a positive rate per second, or a share of the floor and the levels to measure it")
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	started := time.Now()
	s, err := startStack(ctx, opts)
	if err != nil {
		return err
	}
	defer s.stop()
	rep.StackReady = ms(time.Since(started))
	rep.Database = s.database
	rep.Temporal = s.temporalStore
	rep.RSSReady, _ = memory("self", "VmRSS")
	var hw highWater

	if levels {
		for _, n := range opts.Concurrency {
			results, err := s.level(ctx, opts, n)
			if err != nil {
				return err
			}
			rep.Results = append(rep.Results, results...)
		}
	}
	if sustained {
		floor := 0.0
		for _, r := range rep.Results {
			if r.Operation == OpFloor {
				floor = max(floor, r.Throughput)
			}
		}
		for _, rate := range opts.Rates {
			_, own := hw.mark()
			run, err := s.sustained(ctx, opts, rate, floor)
			if err != nil {
				return err
			}
			if peak, _ := hw.mark(); own {
				run.RSSPeak = peak
			}
			rep.Sustained = append(rep.Sustained, *run)
		}
	}
	hw.mark()
	rep.RSSPeak = hw.peak
	return nil
}

// level measures the floor, campaign starts, template run starts and task
// completions with n in flight.
func (s *stack) level(ctx context.Context, opts Options, n int) ([]Result, error) {
	floor, err := measure(ctx, opts, OpFloor, n, opts.Ops, func(ctx context.Context, _ int) error {
		return floorRoundTrip(ctx, s.temporal, fmt.Sprintf("bench-floor-%d", s.seq.Add(1)))
	})
	if err != nil {
		return nil, err
	}
	campaigns := make([]string, opts.Ops)
	create, err := measure(ctx, opts, OpCreateCampaign, n, opts.Ops, func(ctx context.Context, i int) (err error) {
		campaigns[i], err = s.http.createCampaign(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The same number of template runs, right after the campaigns, so both
	// starts meet the same stack. Their runs wait in triage: nothing here
	// answers them.
	start, err := measure(ctx, opts, OpStartTemplateRun, n, opts.Ops, func(ctx context.Context, _ int) error {
		_, err := s.http.startTemplateRun(ctx)
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
	complete, err := measure(ctx, opts, OpCompleteTask, n, opts.Ops, func(ctx context.Context, i int) error {
		return s.http.completeTask(ctx, tasks[i])
	})
	if err != nil {
		return nil, err
	}
	results := []Result{floor, create, start, complete}
	for i := range results {
		if floor.P50 > 0 {
			results[i].RatioToFloor = results[i].P50 / floor.P50
		}
	}
	return results, nil
}

// stack is Tandem running in this process, wired as `tandem dev` wires it: an
// embedded Temporal server (in memory, or on PostgreSQL), the records, Tandem's
// worker and reconciler, the API with the board in front on a loopback port, and
// the floor's worker.
type stack struct {
	temporal      client.Client
	temporalStore *Temporal
	http          *httpClient
	database      string
	seq           atomic.Int64
	stops         []func()
}

func startStack(ctx context.Context, opts Options) (s *stack, err error) {
	s = &stack{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	// In memory or in databases dropped at the end, and without the Web UI:
	// nothing of a bench run is kept.
	pg, err := devserverPostgres(opts.Temporal)
	if err != nil {
		return s, err
	}
	if pg != nil {
		fmt.Fprintf(opts.Progress, "  embedded Temporal on PostgreSQL: creating databases %s and %s_visibility\n", pg.Database, pg.Database)
	}
	temporal, err := devserver.Start(ctx, devserver.Options{
		UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: opts.Logger, Postgres: pg,
	})
	if err != nil {
		return s, fmt.Errorf("start Temporal: %w", err)
	}
	s.stops = append(s.stops, func() {
		if err := temporal.Stop(); err != nil {
			fmt.Fprintf(opts.Progress, "  stop Temporal: %v\n", err)
		}
	})
	s.temporalStore = describeTemporal(temporal, pg)
	fmt.Fprintf(opts.Progress, "  embedded Temporal on %s\n", s.temporalStore.Detail)
	if pg != nil {
		stop, err := watchConnections(ctx, pg.URL, pg.Database, s.temporalStore, opts.Progress)
		if err != nil {
			return s, err
		}
		s.stops = append(s.stops, stop)
	}

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
	if err := publishBenchTemplate(ctx, st); err != nil {
		return s, err
	}

	// Tandem seals every payload; the floor shares the client, so it pays the
	// same codec and the comparison stays like with like.
	entry, err := codec.NewKeyEntry("bench", time.Now())
	if err != nil {
		return s, err
	}
	keys, err := codec.ParseKeys(entry)
	if err != nil {
		return s, err
	}
	app := wiring.Config{
		Logger: opts.Logger, Records: st,
		Temporal: wiring.Temporal{Embedded: temporal, Settings: temporalclient.Settings{Keys: keys, CodecSpent: &codecSpent}},
		API:      wiring.API{Policy: domain.DefaultPolicy(), RateLimit: unlimited},
		// The reconciler runs beside the worker, as in `tandem dev`.
		Worker: wiring.Worker{Reconcile: worker.ReconcileConfig{Every: worker.DefaultReconcileEvery, Lookback: worker.DefaultReconcileLookback}},
	}
	c, err := wiring.Dial(ctx, app)
	if err != nil {
		return s, err
	}
	s.temporal = c.Client
	s.stops = append(s.stops, c.Close)
	stopWorker, err := wiring.StartWorker(ctx, c, app)
	if err != nil {
		return s, err
	}
	s.stops = append(s.stops, stopWorker)
	floor := newFloorWorker(c.Client)
	if err := floor.Start(); err != nil {
		return s, fmt.Errorf("start the floor's worker: %w", err)
	}
	s.stops = append(s.stops, floor.Stop)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return s, err
	}
	httpSrv := api.NewHTTPServer(ln.Addr().String(), wiring.Handler(c, app))
	go func() { _ = httpSrv.Serve(ln) }()
	s.stops = append(s.stops, func() { _ = httpSrv.Close() })
	s.http = newHTTPClient("http://"+ln.Addr().String(), tokens)
	return s, nil
}

// unlimited turns the API's per-token budget off: the bench measures the
// engine, not the budget, which would answer 429 long before the higher levels.
var unlimited = api.RateLimit{PerSecond: -1, Burst: -1}

// stop undoes startStack in reverse order.
func (s *stack) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}
