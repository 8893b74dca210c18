package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints what the run measured: `tandem dev`, the levels with the
// stack's start time and this process's memory, the sustained run, the inbox with
// the plans at its largest size, and what was skipped.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%s, %s, %d CPUs; load average %s at the start, %s at the end\n",
		r.Date.Format(time.DateOnly), r.GoVersion, r.CPUs, orUnknown(r.LoadBefore), orUnknown(r.LoadAfter))
	if d := r.Dev; d != nil {
		fmt.Fprintf(ew, `
tandem dev, a separate process (%s), fresh data directory, Web UI on:
  ready in %s (first 200 from /readyz after start; target < %s)
  resident memory %s once ready, %s %gs later, peak %s (target < %s)
  %gs later: %s its own (RssAnon), %s mapped files, mostly the executable (RssFile)
  after a little use (a campaign created and approved, two board pages, the Temporal UI's page and workflow list),
  %gs later: %s resident, %s its own, %s mapped files; peak %s
  stopped %s after SIGINT; target %s
`, d.Binary, dur(d.Ready), TargetDevReady, mib(d.RSSReady), mib(d.RSSSettled), d.Settle, mib(d.RSSPeak),
			mib(TargetDevRSS), d.Settle, mib(d.RSSAnon), mib(d.RSSFile),
			d.Settle, mib(d.Used.RSS), mib(d.Used.Anon), mib(d.Used.File), mib(d.Used.Peak), dur(d.Shutdown), metText(d.Met))
	}
	if len(r.Results) > 0 || len(r.Sustained) > 0 {
		fmt.Fprintf(ew, "\nin-process stack, records in %s\n", r.Database)
		if t := r.Temporal; t != nil {
			fmt.Fprintf(ew, "embedded Temporal persisting on %s\n", temporalText(t))
		}
	}
	if len(r.Results) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "operation\tconcurrency\tops\tops/s\tp50 ms\tp95 ms\tp99 ms\tp50 / floor\tCPU ms/op\tof it codec\talloc kB/op\tallocs/op\t")
		for _, res := range r.Results {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\t%.2f\t%.0f\t%.0f\t\n",
				res.Operation, res.Concurrency, res.Ops, res.Throughput, res.P50, res.P95, res.P99, res.RatioToFloor, res.CPUPerOp, res.CodecPerOp, res.AllocKBPerOp, res.AllocsPerOp)
		}
		_ = tw.Flush()
		writeTemplateRatio(ew, r.Results)
	}
	if r.StackReady > 0 {
		what := "embedded Temporal in memory"
		if r.Temporal != nil && r.Temporal.Persistence == "postgresql" {
			what = "embedded Temporal with its databases created and migrated"
		}
		fmt.Fprintf(ew, `stack ready in %s (%s, records, workers, API; in this process)
resident memory of this bench process (not a separate tandem dev): %s once ready, %s at peak; garbage collector at %s
`, dur(r.StackReady), what, mib(r.RSSReady), mib(r.RSSPeak), r.GC)
	}
	for _, s := range r.Sustained {
		target := "no floor measured in this run, so no target"
		if s.TargetRate > 0 {
			target = fmt.Sprintf("target ≥ %.1f ops/s (%.0f%% of the floor's best, %.1f ops/s) with p99 < %.0f ms, no errors: %s",
				s.TargetRate, 100*TargetShare, s.FloorThroughput, s.TargetP99, metText(s.Met))
		}
		fmt.Fprintf(ew, `
sustained %s, open loop (latency from each operation's scheduled start):
  offered %.1f ops/s (%s) for %gs: %d operations
  achieved %.1f ops/s, %d errors; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; sent at most %.1f ms late, %d held back by %d already in flight
  %.1f ms of CPU per operation, %.2f of it sealing and opening payloads; %.0f kB allocated per operation (%.0f objects); %d garbage collections%s
  %s
`, s.Operation, s.OfferedRate, s.RateSource, s.Duration, s.Ops, s.AchievedRate, s.Errors, s.P50, s.P95, s.P99, s.Max, s.MaxSendLag, s.HeldBack, MaxInFlight,
			s.CPUPerOp, s.CodecPerOp, s.AllocKBPerOp, s.AllocsPerOp, s.GCs, runPeak(s.RSSPeak), target)
		if s.FirstError != "" {
			fmt.Fprintf(ew, "  first error: %s\n", s.FirstError)
		}
		if s.LeftOpen > 0 {
			fmt.Fprintf(ew, "  %d of its campaigns could not be cancelled afterwards and stay open\n", s.LeftOpen)
		}
	}
	if in := r.Inbox; in != nil {
		writeInbox(ew, in)
		writePlan(ew, in)
		writeBoard(ew, in)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(ew, "\nskipped %s\n", s)
	}
	return ew.err
}

// temporalText is where Temporal persisted, as the table's header says it.
func temporalText(t *Temporal) string {
	if t.Persistence != "postgresql" {
		return t.Detail
	}
	text := t.Detail
	if t.Server != "" {
		text = strings.Replace(text, "PostgreSQL", "PostgreSQL "+t.Server, 1)
	}
	if t.PeakConnections > 0 {
		text += fmt.Sprintf("; at most %d connections seen", t.PeakConnections)
	}
	return text + "; databases dropped afterwards"
}

func writeInbox(w io.Writer, in *Inbox) {
	fmt.Fprintf(w, "\ninbox on %s (%s), schema %s (dropped afterwards)\n", in.Server, in.Settings, in.Schema)
	fmt.Fprintf(w, "  tasks: %s\n", in.Distribution)
	var seeded []string
	for _, s := range in.Seeding {
		seeded = append(seeded, fmt.Sprintf("+%d to %d in %.1fs", s.Added, s.Tasks, s.Seconds))
	}
	fmt.Fprintf(w, "  seeded (INSERT … SELECT generate_series, then VACUUM ANALYZE): %s\n", strings.Join(seeded, ", "))
	fmt.Fprintf(w, "  %d requests per query, one at a time, through the API over loopback HTTP (token lookup included); target p99 ≤ %.0f ms at 1M tasks\n",
		in.Requests, in.TargetP99)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tasks\tquery\tas\tmatching\tpage\tp50 ms\tp95 ms\tp99 ms\tSQL ms\tscanned\tsorted\t plan")
	largest := 0
	for _, q := range in.Results {
		largest = max(largest, q.Tasks)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t %s\n", q.Tasks, strings.TrimPrefix(q.Query, "GET /api/v1/tasks"),
			q.Caller, q.Matching, q.Returned, q.P50, q.P95, q.P99, q.ExecutionMs, q.ScannedRows, q.SortedRows, q.Shape)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n  plans at %d tasks (EXPLAIN (ANALYZE, BUFFERS) of the statement the store sent):\n", largest)
	for _, q := range in.Results {
		if q.Tasks != largest {
			continue
		}
		fmt.Fprintf(w, "\n  %s as %s\n  %s  -- %s\n", q.Query, q.Caller, q.SQL, strings.Join(q.Args, ", "))
		for _, line := range strings.Split(q.Plan, "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func mib(bytes int64) string {
	if bytes == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20))
}

func dur(msec float64) time.Duration {
	return time.Duration(msec * float64(time.Millisecond)).Round(time.Millisecond)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// TargetTemplateStart is issue 19's target: starting a run of a template
// takes at most this many times what starting a campaign does.
const TargetTemplateStart = 1.1

// writeTemplateRatio says, at each level, how a template run's start compares
// with a campaign's, at p50, against TargetTemplateStart.
func writeTemplateRatio(w io.Writer, results []Result) {
	campaign := map[int]float64{}
	for _, res := range results {
		if res.Operation == OpCreateCampaign {
			campaign[res.Concurrency] = res.P50
		}
	}
	for _, res := range results {
		if c := campaign[res.Concurrency]; res.Operation == OpStartTemplateRun && c > 0 {
			ratio := res.P50 / c
			fmt.Fprintf(w, "template run start / campaign start at concurrency %d, p50: %.2f× (target ≤ %g×: %s)\n",
				res.Concurrency, ratio, TargetTemplateStart, metText(ratio <= TargetTemplateStart))
		}
	}
}

func metText(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// errWriter keeps the first write error, so a long report checks it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// runPeak is a sustained run's own peak memory as its line ends, or nothing
// when it was not measured apart.
func runPeak(peak int64) string {
	if peak == 0 {
		return ""
	}
	return "; resident memory at most " + mib(peak) + " (preparing and closing included)"
}
