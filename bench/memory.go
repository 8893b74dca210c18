package bench

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/internal/cputime"
)

// memory reads one field of /proc/<pid>/status ("VmRSS", "VmHWM") in bytes: the
// resident memory of process pid ("self" for this one). It fails where there is
// no /proc (not Linux).
func memory(pid, field string) (int64, error) {
	path := "/proc/" + pid + "/status"
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		// "   123456 kB"
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s in %s: %w", field, path, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in %s", field, path)
}

// loadAverage is the first three fields of /proc/loadavg, or "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(b))
	return strings.Join(fields[:min(3, len(fields))], " ")
}

// codecSpent adds up the time the in-process stack's codec spends sealing and
// opening payloads (codec.Options.Spent): the floor shares the stack's client,
// so each batch's share is its own operation's.
var codecSpent atomic.Int64

// meter measures the CPU time this process spends from startMeter on, the
// part of it the codec took, and what it allocated meanwhile.
type meter struct {
	start time.Duration
	ok    bool
	codec int64
	heap  runtime.MemStats
}

func startMeter() meter {
	m := meter{codec: codecSpent.Load()}
	runtime.ReadMemStats(&m.heap)
	m.start, m.ok = cputime.Self()
	return m
}

// codecPerOp is the time the codec spent since startMeter over ops operations, in
// milliseconds: sealing and opening is CPU work, so this is the part of
// perOp that encryption costs.
func (m meter) codecPerOp(ops int) float64 {
	if ops == 0 {
		return 0
	}
	return ms(time.Duration(codecSpent.Load()-m.codec)) / float64(ops)
}

// perOp is the CPU time spent since startMeter over ops operations, in milliseconds;
// zero when it cannot be read.
func (m meter) perOp(ops int) float64 {
	now, ok := cputime.Self()
	if !m.ok || !ok || ops == 0 {
		return 0
	}
	return ms(now-m.start) / float64(ops)
}

// allocPerOp is what the process allocated on the heap since startMeter over
// ops operations: kilobytes (1,000 bytes) and objects. Unlike CPU time it does
// not depend on what else runs on the machine, and it is the garbage the
// collector has to catch up with.
func (m meter) allocPerOp(ops int) (kB, objects float64) {
	if ops == 0 {
		return 0, 0
	}
	var now runtime.MemStats
	runtime.ReadMemStats(&now)
	return float64(now.TotalAlloc-m.heap.TotalAlloc) / 1000 / float64(ops), float64(now.Mallocs-m.heap.Mallocs) / float64(ops)
}

// gcCycles is the garbage collections this process has completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// gcSettings is the garbage collector's pace and soft memory limit as the
// process runs with them ($GOGC and $GOMEMLIMIT, or what the program set).
func gcSettings() string {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	pace := "GOGC=off"
	if p := s[0].Value.Uint64(); p > 0 {
		pace = fmt.Sprintf("GOGC=%d", p)
	}
	limit := "no memory limit"
	if l := s[1].Value.Uint64(); l < math.MaxInt64 {
		limit = "memory limit " + mib(int64(l))
	}
	return pace + ", " + limit
}

// highWater tracks this process's peak resident memory part by part. Linux keeps
// one high-water mark per process (VmHWM); writing 5 to /proc/self/clear_refs
// sets it back to the resident memory of the moment, so each part's own peak can
// be read, and the whole run's is the highest of them.
type highWater struct {
	peak int64 // the highest mark read so far
}

// mark reads the peak since the last mark (or since the process started) and
// starts a new part. own is false when the mark could not be set back, so the
// next peak is again the process's since it started.
func (h *highWater) mark() (peak int64, own bool) {
	peak, _ = memory("self", "VmHWM")
	h.peak = max(h.peak, peak)
	return peak, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
