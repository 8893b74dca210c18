//go:build !unix

// Package cputime reads the CPU time this process has used, the measure the
// bench and the store's benchmarks report per operation: other processes'
// load on the machine moves it less than wall time.
package cputime

import "time"

// Self is unknown here: false, and the CPU figures stay empty.
func Self() (time.Duration, bool) { return 0, false }
