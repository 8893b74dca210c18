//go:build !unix

package bench

import "time"

// cpuTime is unknown here: the CPU columns stay empty.
func cpuTime() (time.Duration, bool) { return 0, false }
