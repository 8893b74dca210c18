//go:build !services

package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// The garbage collector's pace for the bench's process, which runs the whole
// stack (Temporal, the worker, the API) under load: collect when the heap has
// grown to five times what the last collection kept (GOGC=400, not Go's 100),
// and harder as the process's Go memory nears a soft limit. At Go's pace the
// collector marked the ~100 MB of live heap (mostly the SDK's cache of open
// runs and the embedded Temporal's) eight times in 30 s of decisions at half
// the floor's rate, and a mark that did not get the second core queued the
// requests behind it: the tail in docs/performance.md. The limit keeps the
// fewer collections from growing the heap past what the bench's 1 GiB target
// leaves to Go: the executable's ~160 MiB of mapped pages and the embedded
// Temporal's SQLite in memory, outside Go's heap, are the rest (measured in
// docs/performance.md, "A memory limit instead of Go's default pace").
// tandem dev keeps Go's pace: it serves one person, and GOGC=400 made it
// 6–7 MiB larger once ready, against its 200 MiB target.
const (
	stackGCPercent   = 400
	stackMemoryLimit = 768 << 20
)

// setStackGC applies that pace unless $GOGC or $GOMEMLIMIT is set: whoever
// set either chose the collector's settings, and the runtime has applied them.
// It says what the process runs with.
func setStackGC() string {
	gogc, setGC := os.LookupEnv("GOGC")
	limit, setLimit := os.LookupEnv("GOMEMLIMIT")
	if setGC || setLimit {
		return fmt.Sprintf("garbage collector as the environment sets it (GOGC=%q, GOMEMLIMIT=%q)", gogc, limit)
	}
	debug.SetGCPercent(stackGCPercent)
	debug.SetMemoryLimit(stackMemoryLimit)
	return fmt.Sprintf("garbage collector at GOGC=%d below a soft limit of %d MiB (set GOGC or GOMEMLIMIT to choose others)", stackGCPercent, stackMemoryLimit>>20)
}
