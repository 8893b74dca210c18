package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"runtime/pprof"
	"strings"

	"github.com/tandemhq/tandem/bench"
)

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("bench")
	levels := f.str("concurrency", "TANDEM_BENCH_CONCURRENCY", "1,16,64", "comma-separated concurrency levels")
	ops := f.num("ops", "TANDEM_BENCH_OPS", 200, "operations of each kind at each level")
	out := f.str("out", "TANDEM_BENCH_OUT", "bench.json", "JSON file the results are written to")
	db := f.str("db", "TANDEM_BENCH_DB", "", "records database (default: SQLite in a temporary directory)")
	smoke := f.Bool("smoke", false, "check that the bench works, in seconds: concurrency 1 and 2, 5 operations (CI)")
	cpuProfile := f.String("cpuprofile", "", "write a CPU profile of the whole run (stack, floor and API) to this file, for go tool pprof")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	opts := bench.Options{
		Ops: *ops, DB: *db, Progress: os.Stderr,
		// Errors only: the API logs every request, and Temporal warns about each
		// connection it drops at shutdown.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	}
	if *smoke {
		opts.Concurrency, opts.Ops = []int{1, 2}, 5
	} else {
		for _, s := range strings.Split(*levels, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("--concurrency: %q is not a number", s)
			}
			opts.Concurrency = append(opts.Concurrency, n)
		}
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

// startCPUProfile profiles the process until the returned func is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
