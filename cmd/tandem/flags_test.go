package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// A flag a command parses and then ignores lets an operator believe a setting is
// in force: the worker reads neither a policy nor the Temporal UI's URL (the API
// does both), so it refuses them as unknown, before it opens anything.
func TestWorkerRefusesFlagsOnlyTheAPIReads(t *testing.T) {
	for _, name := range []string{"policy", "ui-url"} {
		var err error
		stderr := stderrOf(t, func() {
			err = run(context.Background(), []string{"worker", "--" + name, "x", "--db", t.TempDir() + "/never.db"}, io.Discard)
		})
		if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -"+name) {
			t.Errorf("worker --%s: err = %v, want it refused as not defined", name, err)
		}
		if strings.Contains(stderr, "  -"+name+" ") {
			t.Errorf("worker usage lists -%s:\n%s", name, stderr)
		}
	}

	// The API still takes both: its usage lists them.
	var err error
	stderr := stderrOf(t, func() { err = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("api -h: %v", err)
	}
	for _, name := range []string{"policy", "ui-url"} {
		if !strings.Contains(stderr, "  -"+name+" ") {
			t.Errorf("api usage does not list -%s:\n%s", name, stderr)
		}
	}
}
