//go:build !services

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tandemhq/tandem/bench"
	"github.com/tandemhq/tandem/devserver"
)

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("bench")
	parts := f.str("parts", "TANDEM_BENCH_PARTS", "dev,levels,sustained,inbox", "comma-separated parts to run: dev, levels, sustained, inbox")
	levels := f.str("concurrency", "TANDEM_BENCH_CONCURRENCY", "1,16,64", "comma-separated concurrency levels")
	ops := f.num("ops", "TANDEM_BENCH_OPS", 200, "operations of each kind at each level")
	out := f.str("out", "TANDEM_BENCH_OUT", "bench.json", "JSON file the results are written to")
	db := f.str("db", "TANDEM_BENCH_DB", "", "records database of the levels and the sustained run (default: SQLite in a temporary directory)")
	temporalDB := f.str("temporal-db", "TANDEM_BENCH_TEMPORAL_DB", "", "PostgreSQL URL (a user who may create databases) to run the embedded Temporal of the levels and the sustained run on, in two databases made for the run and dropped afterwards (default: SQLite in memory, one history shard)")
	shards := f.num("shards", "TANDEM_BENCH_SHARDS", devserver.DefaultHistoryShards, "history shards of the embedded Temporal on PostgreSQL (--temporal-db)")
	temporalConns := f.num("temporal-conns", "TANDEM_BENCH_TEMPORAL_CONNS", devserver.DefaultMaxConns, "connection pool size of each embedded Temporal service on PostgreSQL (--temporal-db)")
	rates := f.str("rate", "TANDEM_BENCH_RATE", fmt.Sprintf("%.0f%%", 100*bench.TargetShare), "comma-separated arrival rates of the sustained runs, one run each: task decisions per second (120) or a share of the floor's best throughput at the levels (80%)")
	duration := f.Duration("duration", 30*time.Second, "how long each sustained run's arrivals last")
	inboxDB := f.str("inbox-db", "TANDEM_BENCH_INBOX_DB", "", "PostgreSQL URL for the inbox part, which makes and drops a schema of its own there (no URL: the part is skipped)")
	inboxSizes := f.str("inbox-sizes", "TANDEM_BENCH_INBOX_SIZES", "10000,100000,1000000", "comma-separated numbers of tasks the inbox is measured at")
	inboxRequests := f.num("inbox-requests", "TANDEM_BENCH_INBOX_REQUESTS", 300, "timed requests of each inbox query at each size")
	inboxProcesses := f.num("inbox-processes", "TANDEM_BENCH_INBOX_PROCESSES", 10000, "active campaigns seeded beside the inbox's tasks, for the calendar and workload pages")
	binary := f.str("tandem-binary", "TANDEM_BENCH_BINARY", "", "tandem executable whose `tandem dev` is measured (default: this one)")
	settle := f.Duration("dev-settle", 5*time.Second, "how long after ready `tandem dev`'s memory is read again")
	smoke := f.Bool("smoke", false, "check that the bench works, in seconds: tiny sizes everywhere (CI)")
	cpuProfile := f.String("cpuprofile", "", "write a CPU profile of each timed phase (a batch of the levels, a sustained run; not the preparation or the idle waits) to a file named after this one and the phase, cpu.pprof giving cpu.01-<phase>.pprof and so on; go tool pprof merges several")
	tracePath := f.String("trace", "", "write an execution trace (runtime/trace) of each timed phase to a file named after this one and the phase, as --cpuprofile does, for go tool trace")
	memProfile := f.String("memprofile", "", "write an allocation profile of each timed phase to a file named after this one and the phase, as --cpuprofile does: the allocations made during the phase only (the process's allocs profile at the phase's end less the one at its start, each after a forced collection, sampled every 512 KiB on average, finer with GODEBUG=memprofilerate=16384); go tool pprof -sample_index=alloc_space (or alloc_objects) reads it, and merges several")
	if err := f.Parse(args); err != nil {
		return err
	}
	capture := &phaseCapture{cpu: *cpuProfile, trace: *tracePath, mem: *memProfile, progress: os.Stderr}
	opts := bench.Options{
		Ops: *ops, DB: *db, Duration: *duration, Progress: os.Stderr,
		Temporal: bench.TemporalOptions{PostgresURL: *temporalDB, Shards: *shards, MaxConns: *temporalConns},
		Inbox:    bench.InboxOptions{DSN: *inboxDB, Requests: *inboxRequests, Warmup: 30, Processes: *inboxProcesses},
		Dev:      bench.DevOptions{Binary: *binary, Settle: *settle},
		// Errors only: the API logs every request, and Temporal warns about each
		// connection it drops at shutdown. Not the API's request lines either:
		// an overloaded sustained run answers thousands of 503s, which the bench
		// counts and reports, and which would bury the progress lines.
		Logger: slog.New(withoutRequestLines{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})}),
	}
	if capture.cpu != "" || capture.trace != "" || capture.mem != "" {
		opts.Timed = capture.start
	}
	for _, s := range splitList(*parts) {
		if !slices.Contains(bench.Parts, bench.Part(s)) {
			return fmt.Errorf("--parts: %q is not one of %v", s, bench.Parts)
		}
		opts.Parts = append(opts.Parts, bench.Part(s))
	}
	for _, s := range splitList(*rates) {
		r, err := bench.ParseRate(s)
		if err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
		opts.Rates = append(opts.Rates, r)
	}
	if *temporalDB == "" {
		// One shard and one connection is what SQLite gives; asking for other
		// numbers there would be silently ignored.
		var set []string
		f.Visit(func(fl *flag.Flag) {
			if fl.Name == "shards" || fl.Name == "temporal-conns" {
				set = append(set, "--"+fl.Name)
			}
		})
		if len(set) > 0 {
			return fmt.Errorf("%s: only with --temporal-db (the embedded Temporal on SQLite has one shard and one connection)", strings.Join(set, ", "))
		}
	} else if *shards < 1 || *temporalConns < 1 {
		return fmt.Errorf("--shards and --temporal-conns must be positive")
	}
	var err error
	if opts.Concurrency, err = numbers("--concurrency", *levels); err != nil {
		return err
	}
	if opts.Inbox.Sizes, err = numbers("--inbox-sizes", *inboxSizes); err != nil {
		return err
	}
	if opts.Dev.Binary == "" {
		if opts.Dev.Binary, err = os.Executable(); err != nil {
			return fmt.Errorf("--tandem-binary: %w", err)
		}
	}
	if *smoke {
		opts.Concurrency, opts.Ops = []int{1, 2}, 5
		opts.Rates, opts.Duration = []bench.Rate{{PerSecond: 5}}, time.Second
		opts.Inbox.Sizes, opts.Inbox.People, opts.Inbox.Requests, opts.Inbox.Warmup, opts.Inbox.Processes = []int{200, 1000}, 50, 5, 1, 40
		opts.Dev.Settle = 100 * time.Millisecond
	}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(*out); err != nil {
		return err
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "results written to %s\n", *out)
	return err
}

// withoutRequestLines drops the API's per-request log lines.
type withoutRequestLines struct{ slog.Handler }

func (h withoutRequestLines) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "http request" {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutRequestLines) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutRequestLines{h.Handler.WithAttrs(attrs)}
}

func (h withoutRequestLines) WithGroup(name string) slog.Handler {
	return withoutRequestLines{h.Handler.WithGroup(name)}
}

// numbers parses a comma-separated list of integers given to flag.
func numbers(flag, s string) ([]int, error) {
	var ns []int
	for _, item := range splitList(s) {
		n, err := strconv.Atoi(item)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", flag, item)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// phaseCapture profiles (cpu), traces (trace) and profiles the allocations
// (mem) of each timed phase of a bench run into files of its own, named after
// the flag's path, the phase's number and its name. One file per phase rather
// than one for the run: neither a CPU profile nor a trace can be paused, the
// allocation profile counts from the process's start, and one per phase also
// lets a batch be read alone (go tool pprof merges several into one).
type phaseCapture struct {
	cpu, trace, mem string
	progress        io.Writer
	seq             int
}

// start starts the CPU profile and the trace of the phase and takes the
// allocation profile at its start; the func it returns stops them, writes the
// phase's allocations and closes the files.
func (p *phaseCapture) start(phase string) (end func() error, err error) {
	p.seq++
	var files []*os.File
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Close())
		}
		return errors.Join(errs...)
	}
	create := func(flag, path string) (*os.File, error) {
		f, err := os.Create(phaseFile(path, p.seq, phase))
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		files = append(files, f)
		return f, nil
	}
	tracing := false
	defer func() {
		if err != nil {
			if tracing {
				trace.Stop()
			}
			_ = closeAll()
		}
	}()
	// The allocation profile first and last, so that the forced collections
	// it takes are in neither the trace nor the CPU profile.
	var memFile *os.File
	var memBase []byte
	if p.mem != "" {
		if memFile, err = create("memprofile", p.mem); err != nil {
			return nil, err
		}
		if memBase, err = allocsProfile(); err != nil {
			return nil, fmt.Errorf("--memprofile: %w", err)
		}
	}
	if p.trace != "" {
		f, err := create("trace", p.trace)
		if err != nil {
			return nil, err
		}
		if err := trace.Start(f); err != nil {
			return nil, fmt.Errorf("--trace: %w", err)
		}
		tracing = true
	}
	profiling := false
	if p.cpu != "" {
		f, err := create("cpuprofile", p.cpu)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		profiling = true
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name()
	}
	fmt.Fprintf(p.progress, "  timed phase %d, to %s\n", p.seq, strings.Join(names, " and "))
	return func() error {
		if profiling {
			pprof.StopCPUProfile()
		}
		if tracing {
			trace.Stop()
		}
		var memErr error
		if memFile != nil {
			if err := writePhaseAllocs(memFile, memBase); err != nil {
				memErr = fmt.Errorf("--memprofile: %w", err)
			}
		}
		return errors.Join(memErr, closeAll())
	}, nil
}

// allocsProfile is the process's allocation profile so far, after a
// collection: the runtime publishes a cycle's allocations to the profile only
// once a collection has ended, so without one the last ones would be missing.
func allocsProfile() ([]byte, error) {
	runtime.GC()
	var b bytes.Buffer
	if err := pprof.Lookup("allocs").WriteTo(&b, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writePhaseAllocs writes to w the allocations made since start was taken: the
// allocation profile now less start, as go tool pprof -base would show it.
func writePhaseAllocs(w io.Writer, start []byte) error {
	end, err := allocsProfile()
	if err != nil {
		return err
	}
	now, err := profile.ParseData(end)
	if err != nil {
		return err
	}
	base, err := profile.ParseData(start)
	if err != nil {
		return err
	}
	started := base.TimeNanos
	base.Scale(-1)
	diff, err := profile.Merge([]*profile.Profile{now, base})
	if err != nil {
		return err
	}
	// Writing the profile at the phase's start allocated in the phase: that is
	// the measuring, not the measured. Call stacks that allocated nothing in
	// the phase cancel out to zero.
	measuring := runtime.FuncForPC(reflect.ValueOf(allocsProfile).Pointer()).Name()
	diff.FilterSamplesByName(nil, regexp.MustCompile("^"+regexp.QuoteMeta(measuring)+"$"), nil, nil)
	diff.Sample = slices.DeleteFunc(diff.Sample, func(s *profile.Sample) bool {
		return !slices.ContainsFunc(s.Value, func(v int64) bool { return v != 0 })
	})
	diff.TimeNanos, diff.DurationNanos = started, now.TimeNanos-started
	return diff.Write(w)
}

// phaseFile is path with the phase's number and name before its extension:
// cpu.pprof, 3 and post-campaigns-c1 give cpu.03-post-campaigns-c1.pprof.
func phaseFile(path string, seq int, phase string) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.%02d-%s%s", strings.TrimSuffix(path, ext), seq, phase, ext)
}
