//go:build unix

// Package cputime reads the CPU time this process has used, the measure the
// bench and the store's benchmarks report per operation: other processes'
// load on the machine moves it less than wall time.
package cputime

import (
	"syscall"
	"time"
)

// Self is the CPU time this process has used so far, user and system, on
// every core; false when it cannot be read.
func Self() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
