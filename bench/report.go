package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
)

// WriteTable prints the results as a table, then the stack's start time and this
// process's memory.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tconcurrency\tops\tops/s\tp50 ms\tp95 ms\tp99 ms\tp50 / floor\t")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t\n",
			res.Operation, res.Concurrency, res.Ops, res.Throughput, res.P50, res.P95, res.P99, res.RatioToFloor)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, `
%s, %s, %d CPUs, records in %s
stack ready in %s (embedded Temporal in memory, records, workers, API; in this process)
resident memory of this bench process (not a separate tandem dev): %s once ready, %s at peak
`, r.Date.Format(time.DateOnly), r.GoVersion, r.CPUs, r.Database,
		(time.Duration(r.StackReady * float64(time.Millisecond))).Round(time.Millisecond), mib(r.RSSReady), mib(r.RSSPeak))
	return err
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
