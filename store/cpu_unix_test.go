//go:build unix

package store

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used so far, user and system, on
// every core: a benchmark's measure that other processes' load on the machine
// moves less than its wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
