package bench

import (
	"context"
	"fmt"
	"io"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/internal/cputime"
)

// measure does ops calls of op with n in flight at once (closed loop: a call starts
// when one ends), showing a counter on opts.Progress, and summarizes their
// latencies, the CPU time the process spent and what it allocated meanwhile. It is a timed phase
// (Options.Timed) unless opts says otherwise (untimed). The first error stops
// the batch and is returned: a latency table over failed calls would mislead.
func measure(ctx context.Context, opts Options, name string, n, ops int, op func(ctx context.Context, i int) error) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	latencies := make([]time.Duration, ops)
	next := make(chan int)
	var done atomic.Int64
	var wg sync.WaitGroup
	settle(ctx)
	endPhase, err := opts.startPhase(fmt.Sprintf("%s-c%d", name, n))
	if err != nil {
		return Result{}, err
	}
	meter := startMeter()
	started := time.Now()
	for range n {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				if err := traced(ctx, name, i, op); err != nil {
					cancel(fmt.Errorf("%s at concurrency %d: %w", name, n, err))
					return
				}
				latencies[i] = time.Since(t)
				done.Add(1)
			}
		})
	}
	stopProgress := progress(opts.Progress, fmt.Sprintf("%s, concurrency %d", name, n), &done, ops)
feed:
	for i := range ops {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	wall := time.Since(started)
	cpuPerOp, codecPerOp := meter.perOp(ops), meter.codecPerOp(ops)
	allocKB, allocs := meter.allocPerOp(ops)
	endErr := endPhase()
	stopProgress()
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}
	if endErr != nil {
		return Result{}, endErr
	}
	r := summarize(name, n, latencies, wall)
	r.CPUPerOp, r.CodecPerOp = cpuPerOp, codecPerOp
	r.AllocKBPerOp, r.AllocsPerOp = allocKB, allocs
	return r, nil
}

// settle waits, at most settleFor, until the process is idle: under idleShare of
// a core over a quarter of a second. A batch leaves background work behind it
// (visibility writes, the first workflow tasks of prepared processes, their
// records), which would otherwise be timed, and charged, in the next batch.
func settle(ctx context.Context) {
	const window = 250 * time.Millisecond
	prev, ok := cputime.Self()
	if !ok {
		return
	}
	for deadline := time.Now().Add(settleFor); time.Now().Before(deadline); {
		select {
		case <-time.After(window):
		case <-ctx.Done():
			return
		}
		now, _ := cputime.Self()
		if float64(now-prev) < idleShare*float64(window) {
			return
		}
		prev = now
	}
}

const (
	settleFor = 30 * time.Second
	idleShare = 0.1
)

// progress redraws "label done/total" in place on w, when it changed, every tenth
// of a second until the returned func is called, which draws it a last time and
// ends the line.
func progress(w io.Writer, label string, done *atomic.Int64, total int) func() {
	shown := int64(-1)
	draw := func() {
		if n := done.Load(); n != shown {
			shown = n
			fmt.Fprintf(w, "\r  %-50s %d/%d", label, n, total)
		}
	}
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				draw()
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		draw()
		fmt.Fprintln(w)
	}
}

// startPhase tells opts.Timed, if any, that the timed phase named name starts,
// and returns what ends it.
func (o Options) startPhase(name string) (end func() error, err error) {
	if o.Timed == nil {
		return func() error { return nil }, nil
	}
	end, err = o.Timed(phaseName(name))
	if err != nil {
		return nil, fmt.Errorf("bench: start of the timed phase %s: %w", name, err)
	}
	return end, nil
}

// untimed is o for work that is not measured (preparing a sustained run), so no
// profile or trace covers it.
func (o Options) untimed() Options {
	o.Timed = nil
	return o
}

// phaseName makes a label such as "POST /tasks/{id}/complete-c16" fit a file
// name: "post-tasks-id-complete-c16".
func phaseName(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r == '.' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// traced calls op as a task of a --trace, named after its batch, so the trace
// shows each operation's latency and when it ran.
func traced(ctx context.Context, name string, i int, op func(ctx context.Context, i int) error) error {
	ctx, task := trace.NewTask(ctx, name)
	defer task.End()
	return op(ctx, i)
}
