package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
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

// Signing in as a demo person with one click is `tandem dev`'s alone: tandem
// api has no flag or variable that turns it on, and only dev.go, which the
// services build leaves out, gives the board its demo people.
func TestOnlyDevOffersTheDemoSignIn(t *testing.T) {
	var err error
	stderr := stderrOf(t, func() { err = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("api -h: %v", err)
	}
	if !strings.Contains(stderr, "  -session-idle ") {
		t.Fatalf("api usage is not the API's:\n%s", stderr)
	}
	if strings.Contains(strings.ToLower(stderr), "demo") {
		t.Errorf("api usage mentions a demo:\n%s", stderr)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "dev.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("DemoPeople")) || bytes.Contains(src, []byte("DEMO")) {
			t.Errorf("%s sets up the demo sign-in; only dev.go may", f)
		}
	}
}
