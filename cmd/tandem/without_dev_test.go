//go:build services

package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// The services build answers dev and bench with where to find them, and
// starts nothing.
func TestServicesBuildLeavesOutDevAndBench(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, cmd := range []string{"dev", "bench"} {
		err := run(context.Background(), []string{cmd, "--smoke"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not in this build") || !strings.Contains(err.Error(), "go run ./cmd/tandem "+cmd) {
			t.Errorf("tandem %s: %v, want it said to be left out of this build, and where to run it", cmd, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("made %v", entries)
	}
}
