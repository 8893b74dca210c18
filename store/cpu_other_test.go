//go:build !unix

package store

import "time"

// cpuTime is unknown here: benchmarks report no CPU time.
func cpuTime() (time.Duration, bool) { return 0, false }
