//go:build !services

package main

import (
	"math"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// restoreGC puts the process's collector settings back after a test changed them.
func restoreGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func TestStackGCIsSetWhenTheEnvironmentSaysNothing(t *testing.T) {
	restoreGC(t)
	unsetEnv(t, "GOGC")
	unsetEnv(t, "GOMEMLIMIT")
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	setStackGC()
	if got := debug.SetGCPercent(100); got != stackGCPercent {
		t.Errorf("GC percent %d, want %d", got, stackGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != stackMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, stackMemoryLimit)
	}
}

func TestStackGCLeavesTheEnvironmentsSettings(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			restoreGC(t)
			unsetEnv(t, "GOGC")
			unsetEnv(t, "GOMEMLIMIT")
			t.Setenv(env, "200") // the runtime read it at start; what matters is that it is set
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			if said := setStackGC(); !strings.Contains(said, env) {
				t.Errorf("said %q, want it to name $%s", said, env)
			}
			if got := debug.SetGCPercent(100); got != 100 {
				t.Errorf("GC percent %d, want the runtime's 100 untouched", got)
			}
			if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
				t.Errorf("memory limit %d, want none", got)
			}
		})
	}
}

// unsetEnv removes name from the environment for the test, as t.Setenv
// restores it afterwards.
func unsetEnv(t *testing.T, name string) {
	t.Setenv(name, "")
	if err := os.Unsetenv(name); err != nil {
		t.Fatal(err)
	}
}
