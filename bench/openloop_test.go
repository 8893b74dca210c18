package bench

import (
	"context"
	"io"
	"sync"
	"testing"
)

// A stack that has fallen behind meets the in-flight cap: the operations past
// it wait for a slot, are counted as held back, and are all still sent and
// measured.
func TestOpenLoopHoldsBackPastMaxInFlight(t *testing.T) {
	n := MaxInFlight + 10
	var (
		mu             sync.Mutex
		inFlight, most int
		release        = make(chan struct{})
		full           = make(chan struct{})
		closeFull      sync.Once
	)
	op := func(ctx context.Context, _ int) error {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == MaxInFlight {
			closeFull.Do(func() { close(full) })
		}
		mu.Unlock()
		<-release // none answers until the cap is reached
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}
	done := make(chan openLoopResult)
	go func() {
		// A rate no server keeps up with: every arrival is due at once.
		done <- openLoop(t.Context(), Options{Progress: io.Discard}, "test", 1e9, n, op)
	}()
	<-full
	close(release)
	res := <-done
	if most != MaxInFlight {
		t.Errorf("at most %d in flight, want the cap, %d", most, MaxInFlight)
	}
	if res.heldBack < 1 {
		t.Errorf("held back %d, want at least the one sent after the cap was reached", res.heldBack)
	}
	if len(res.latencies) != n || res.errors != 0 {
		t.Errorf("%d measured, %d errors; want all %d measured", len(res.latencies), res.errors, n)
	}
}
