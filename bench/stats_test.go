package bench

import (
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	ten := hundred[:10]
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      int
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7}, 99, 7},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p50 of 1..10", ten, 50, 5 * time.Millisecond},
		// ceil(0.95 × 10) = 10: the largest of ten values.
		{"p95 of 1..10", ten, 95, 10 * time.Millisecond},
		{"p0 is the smallest", ten, 0, time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(%d) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestSummarizeSortsAndCounts(t *testing.T) {
	lat := []time.Duration{4 * time.Millisecond, time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	r := summarize("floor", 2, lat, 2*time.Second)
	want := Result{Operation: "floor", Concurrency: 2, Ops: 4, Throughput: 2, P50: 2, P95: 4, P99: 4}
	if r != want {
		t.Errorf("summarize = %+v, want %+v", r, want)
	}
	if lat[0] != 4*time.Millisecond {
		t.Error("summarize reordered the caller's latencies")
	}
}
