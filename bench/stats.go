package bench

import (
	"slices"
	"time"
)

// Result is one operation measured at one concurrency level.
type Result struct {
	Operation   string  `json:"operation"`
	Concurrency int     `json:"concurrency"`
	Ops         int     `json:"ops"`
	Throughput  float64 `json:"throughput_ops_per_s"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	P99         float64 `json:"p99_ms"`
	// CPUPerOp is the CPU time this process spent during the batch, on every core,
	// over its operations: what one operation costs the whole stack (Temporal,
	// worker, API, records and the load generator), whatever its latency. Zero
	// where the CPU time cannot be read.
	CPUPerOp float64 `json:"cpu_ms_per_op"`
	// CodecPerOp is the part of CPUPerOp spent sealing and opening payloads.
	CodecPerOp float64 `json:"codec_ms_per_op"`
	// AllocKBPerOp is what the whole process allocated on the heap during the
	// batch (runtime.MemStats.TotalAlloc), in kilobytes, over its operations,
	// and AllocsPerOp the number of objects: the garbage one operation leaves
	// the collector, stack and load generator alike, like CPUPerOp. It does
	// not depend on the machine's load.
	AllocKBPerOp float64 `json:"alloc_kb_per_op"`
	AllocsPerOp  float64 `json:"allocs_per_op"`
	// RatioToFloor is this operation's p50 over the floor's p50 at the same
	// concurrency: how many raw SDK round trips one Tandem call costs.
	RatioToFloor float64 `json:"ratio_p50_to_floor"`
}

// summarize turns the latencies of ops done in wall time into a Result (without
// the ratio, which needs the floor).
func summarize(op string, concurrency int, latencies []time.Duration, wall time.Duration) Result {
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	r := Result{
		Operation: op, Concurrency: concurrency, Ops: len(sorted),
		P50: ms(percentile(sorted, 50)), P95: ms(percentile(sorted, 95)), P99: ms(percentile(sorted, 99)),
	}
	if wall > 0 {
		r.Throughput = float64(len(sorted)) / wall.Seconds()
	}
	return r
}

// percentile is the nearest-rank p-th percentile of sorted: the smallest value
// with at least p% of the values at or below it. It is always a measured value,
// never an interpolation; zero when there are none.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n), 1-based
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
