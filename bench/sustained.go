package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The sustained run's target, from the issue: at TargetShare of the floor's best
// throughput, decisions through the API keep up with p99 under TargetP99.
const (
	TargetShare = 0.8
	TargetP99   = 300 * time.Millisecond
)

// Rate is a sustained run's arrival rate: PerSecond, or FloorShare of the floor's
// best throughput at the levels of the same run.
type Rate struct {
	PerSecond  float64
	FloorShare float64
}

// String is the rate as the --rate flag takes it: "120" or "80%".
func (r Rate) String() string {
	if r.FloorShare > 0 {
		return strconv.FormatFloat(100*r.FloorShare, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64)
}

// ParseRate reads "120" (operations per second) or "80%" (of the floor's best throughput).
func ParseRate(s string) (Rate, error) {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(pct, 64)
		if err != nil || v <= 0 {
			return Rate{}, fmt.Errorf("rate %q: want a positive percentage of the floor", s)
		}
		return Rate{FloorShare: v / 100}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return Rate{}, fmt.Errorf("rate %q: want operations per second or a percentage of the floor", s)
	}
	return Rate{PerSecond: v}, nil
}

// MaxInFlight is the most operations a sustained run has waiting for an answer;
// the next waits for one of them to answer before it is sent. A stack that has
// fallen behind this far answers an operation no sooner than MaxInFlight ÷ rate
// after it was due (1.8 s at 140 a second), far past TargetP99, so the cap
// cannot hide a miss. What it stops is a backlog of thousands of requests,
// each with its goroutines and buffers in the bench, the API and Temporal,
// that made the process's peak memory grow with how far behind it fell.
const MaxInFlight = 256

// Sustained is task decisions through the API at a fixed arrival rate, open loop:
// each operation is sent at its scheduled time whether or not earlier ones have
// answered (up to MaxInFlight waiting), and its latency is counted from that
// scheduled time, so a server that falls behind shows it in the latencies
// instead of slowing the arrivals down (no coordinated omission).
type Sustained struct {
	Operation string `json:"operation"`
	// OfferedRate is the arrival rate, and RateSource where it came from.
	OfferedRate float64 `json:"offered_ops_per_s"`
	RateSource  string  `json:"rate_source"`
	Duration    float64 `json:"duration_s"`
	Ops         int     `json:"ops"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	// AchievedRate is the operations that succeeded over the time from the first
	// scheduled start to the last answer.
	AchievedRate float64 `json:"achieved_ops_per_s"`
	// Latencies of the operations that succeeded, from their scheduled start.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// MaxSendLag is how late the generator itself sent an operation: a large one
	// means the bench, not the server, could not keep the rate.
	MaxSendLag float64 `json:"max_send_lag_ms"`
	// HeldBack is the operations sent late because MaxInFlight others were
	// waiting for their answers; their latency still counts from their
	// scheduled start.
	HeldBack int `json:"held_back"`
	// GCs is the garbage collections the process ran from the first arrival
	// to the last answer.
	GCs uint64 `json:"gc_cycles"`
	// CPUPerOp is the process's CPU time from the first arrival to the last answer
	// over the operations, as in Result.
	CPUPerOp float64 `json:"cpu_ms_per_op"`
	// CodecPerOp is the part of CPUPerOp spent sealing and opening payloads.
	CodecPerOp float64 `json:"codec_ms_per_op"`
	// AllocKBPerOp and AllocsPerOp are the process's heap allocations over the
	// same time and operations, as in Result.
	AllocKBPerOp float64 `json:"alloc_kb_per_op"`
	AllocsPerOp  float64 `json:"allocs_per_op"`
	// RSSPeak is this process's peak resident memory from the start of the
	// run's preparing to the end of its closing (its campaigns cancelled); zero
	// where it cannot be told apart from the process's peak before (no
	// /proc/self/clear_refs).
	RSSPeak int64 `json:"rss_peak_bytes,omitempty"`
	// LeftOpen is the campaigns the closing could not cancel.
	LeftOpen int `json:"campaigns_left_open,omitempty"`
	// FloorThroughput is the floor's best throughput at the levels of this run
	// (zero when the levels were not run), TargetRate TargetShare of it.
	FloorThroughput float64 `json:"floor_best_ops_per_s,omitempty"`
	TargetRate      float64 `json:"target_ops_per_s,omitempty"`
	TargetP99       float64 `json:"target_p99_ms"`
	// Met says whether the run meets the target: an offered rate of at least
	// TargetRate, none held back, every operation answered without error, p99
	// under TargetP99.
	Met bool `json:"met"`
}

// sustained prepares one open brief review per operation (not measured), then
// completes them at rate, floor being the floor's best throughput, and last
// cancels their campaigns (not measured).
func (s *stack) sustained(ctx context.Context, opts Options, rate Rate, floor float64) (*Sustained, error) {
	res := &Sustained{Operation: OpCompleteTask, FloorThroughput: floor, TargetP99: ms(TargetP99)}
	if floor > 0 {
		res.TargetRate = TargetShare * floor
	}
	res.OfferedRate, res.RateSource = rate.PerSecond, "given"
	if rate.FloorShare > 0 {
		if floor == 0 {
			return nil, fmt.Errorf("bench: no floor throughput to derive the sustained rate %s from", rate)
		}
		res.OfferedRate, res.RateSource = rate.FloorShare*floor, rate.String()+" of the floor's best throughput"
	}
	n := max(1, int(math.Round(res.OfferedRate*opts.Duration.Seconds())))

	// Preparing is neither timed nor profiled.
	prep, prepOpts := min(16, n), opts.untimed()
	campaigns := make([]string, n)
	if _, err := measure(ctx, prepOpts, "preparing: "+OpCreateCampaign, prep, n, func(ctx context.Context, i int) (err error) {
		campaigns[i], err = s.http.createCampaign(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	tasks := make([]string, n)
	if _, err := measure(ctx, prepOpts, "preparing: brief reviews in the records", prep, n, func(ctx context.Context, i int) (err error) {
		tasks[i], err = s.http.briefReview(ctx, campaigns[i])
		return err
	}); err != nil {
		return nil, err
	}

	label := fmt.Sprintf("sustained %s at %.1f/s", OpCompleteTask, res.OfferedRate)
	settle(ctx)
	endPhase, err := opts.startPhase(fmt.Sprintf("sustained-%.1f-per-s", res.OfferedRate))
	if err != nil {
		return nil, err
	}
	meter, gcs := startMeter(), gcCycles()
	o := openLoop(ctx, opts, label, res.OfferedRate, n, func(ctx context.Context, i int) error {
		return s.http.completeTask(ctx, tasks[i])
	})
	res.CPUPerOp, res.CodecPerOp, res.GCs = meter.perOp(n), meter.codecPerOp(n), gcCycles()-gcs
	res.AllocKBPerOp, res.AllocsPerOp = meter.allocPerOp(n)
	if err := endPhase(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The decisions moved the campaigns on without closing them: open, each
	// would stay in the SDK's workflow cache and Temporal's history cache, and
	// the next sustained run's peak would carry them (docs/performance.md, "The
	// bench's peak, run by run"). Best effort: a campaign left open only weighs
	// on the runs after, so it is counted, and the run just measured is kept.
	var leftOpen atomic.Int64
	if _, err := measure(ctx, prepOpts, "closing: cancelling the campaigns", prep, n, func(ctx context.Context, i int) error {
		if err := s.http.cancelCampaign(ctx, campaigns[i]); err != nil && ctx.Err() == nil {
			leftOpen.Add(1)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	res.LeftOpen = int(leftOpen.Load())
	res.Duration = opts.Duration.Seconds()
	res.Ops, res.Errors, res.MaxSendLag, res.HeldBack = n, o.errors, ms(o.maxLag), o.heldBack
	if o.firstErr != nil {
		res.FirstError = o.firstErr.Error()
	}
	if o.span > 0 {
		res.AchievedRate = float64(len(o.latencies)) / o.span.Seconds()
	}
	sorted := slices.Sorted(slices.Values(o.latencies))
	res.P50, res.P95, res.P99 = ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(percentile(sorted, 99))
	if len(sorted) > 0 {
		res.Max = ms(sorted[len(sorted)-1])
	}
	res.Met = res.TargetRate > 0 && res.OfferedRate >= res.TargetRate && res.Errors == 0 && res.HeldBack == 0 && res.P99 < res.TargetP99
	return res, nil
}

// openLoopResult is what openLoop measured.
type openLoopResult struct {
	latencies []time.Duration // of the operations that succeeded, from their scheduled start
	errors    int
	firstErr  error
	span      time.Duration // from the first scheduled start to the last answer
	maxLag    time.Duration // the latest an operation was sent after its scheduled time
	heldBack  int           // operations sent late because MaxInFlight were waiting
}

// openLoop calls op n times, the i-th at start + i/rate, each in its own goroutine
// so a slow answer never delays the next arrival, unless MaxInFlight are
// waiting: then it is sent as soon as one answers, and counted as held back.
// Errors are counted, not fatal: under overload they are part of the answer.
func openLoop(ctx context.Context, opts Options, label string, rate float64, n int, op func(ctx context.Context, i int) error) openLoopResult {
	var (
		mu        sync.Mutex
		res       openLoopResult
		lastDone  time.Time
		wg        sync.WaitGroup
		completed atomic.Int64
		inFlight  = make(chan struct{}, MaxInFlight)
	)
	stopProgress := progress(opts.Progress, label, &completed, n)
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		select {
		case inFlight <- struct{}{}:
		default:
			res.heldBack++
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		res.maxLag = max(res.maxLag, time.Since(at))
		wg.Go(func() {
			err := traced(ctx, label, i, op)
			<-inFlight
			end := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errors++
				if res.firstErr == nil {
					res.firstErr = err
				}
			} else {
				res.latencies = append(res.latencies, end.Sub(at))
			}
			if end.After(lastDone) {
				lastDone = end
			}
			completed.Add(1)
		})
	}
	wg.Wait()
	stopProgress()
	res.span = lastDone.Sub(start)
	return res
}
