package bench

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestHighWaterIsPerPart checks that a part's peak is its own: a part that held
// 128 MiB shows it, and the part after it, once that memory is returned, does not.
func TestHighWaterIsPerPart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the high-water mark is read from Linux's /proc")
	}
	const size = 128 << 20
	var hw highWater
	if _, own := hw.mark(); !own {
		t.Fatal("could not set the high-water mark back through /proc/self/clear_refs")
	}
	before, _ := memory("self", "VmRSS")
	held := make([]byte, size)
	for i := range held {
		held[i] = 1 // touched, so it is resident
	}
	peak, own := hw.mark()
	if !own || peak < before+size*9/10 {
		t.Fatalf("the part holding %d MiB peaked at %d MiB from %d MiB (own %v)", size>>20, peak>>20, before>>20, own)
	}
	runtime.KeepAlive(held)
	debug.FreeOSMemory()
	hw.mark() // the freeing part
	next, _ := hw.mark()
	if next > peak-size/2 {
		t.Errorf("the part after the memory was returned peaked at %d MiB, the part that held it at %d MiB", next>>20, peak>>20)
	}
	if hw.peak < peak {
		t.Errorf("the run's peak %d MiB is below a part's %d MiB", hw.peak>>20, peak>>20)
	}
}
