//go:build !unix

package store

import "time"

// cpuTime is unknown here: the CPU columns stay empty.
func cpuTime() (time.Duration, bool) { return 0, false }
