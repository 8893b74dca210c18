package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/worker"
)

// stderrOf runs fn with the process's stderr captured, where the flag package
// writes usage and flag errors.
func stderrOf(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stderr = saved }()
	fn()
	_ = w.Close()
	return <-done
}

// -h and a flag error print every flag with its default, defaults read from
// the environment included: none may show a password.
func TestUsageRedactsSecretsFromTheEnvironment(t *testing.T) {
	t.Setenv("TANDEM_DB", "postgres://u:secret1@h/db?sslmode=disable&sslpassword=secret2")
	t.Setenv("TANDEM_BENCH_DB", "host=h user=u password='sec ret3' dbname=d")
	t.Setenv("TANDEM_BENCH_TEMPORAL_DB", "postgres://u:secret4%zz@h/db")
	t.Setenv("TANDEM_BENCH_INBOX_DB", "postgres://u@h/db?password=secret5")
	for _, args := range [][]string{
		{"api", "-h"}, {"api", "--no-such-flag"}, {"worker", "-h"}, {"migrate", "-h"}, {"dev", "-h"},
		{"token", "create", "-h"}, {"token", "revoke", "-h"}, {"people", "import", "-h"}, {"audit", "verify", "-h"},
		{"bench", "-h"},
	} {
		var stdout bytes.Buffer
		var err error
		stderr := stderrOf(t, func() { err = run(context.Background(), args, &stdout) })
		out := stdout.String() + stderr
		if err == nil {
			t.Errorf("%v: no error", args)
		}
		if !errors.Is(err, flag.ErrHelp) && !strings.Contains(out, "no-such-flag") {
			t.Errorf("%v: %v, want help or the flag error", args, err)
		}
		if !strings.Contains(out, "-db") {
			t.Errorf("%v: no usage printed:\n%s", args, out)
		}
		// The passwords planted above (the word "secret" itself names the
		// OpenID Connect client secret's file and variable).
		for _, s := range []string{"secret1", "secret2", "sec ret3", "secret4", "secret5"} {
			if strings.Contains(out, s) || strings.Contains(err.Error(), s) {
				t.Errorf("%v shows a password:\n%s\n%v", args, out, err)
			}
		}
	}
	stderr := stderrOf(t, func() { _ = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !strings.Contains(stderr, `"postgres://u:xxxxx@h/db?sslmode=disable&sslpassword=xxxxx"`) {
		t.Errorf("the default is not shown redacted:\n%s", stderr)
	}
}

func TestRedacted(t *testing.T) {
	for _, tc := range []struct{ env, in, want string }{
		{"TANDEM_DB", "postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"TANDEM_DB", "postgres://u@h/db", "postgres://u@h/db"},
		{"TANDEM_DB", "tandem.db", "tandem.db"},
		{"TANDEM_DB", "host=h password=p dbname=d", "host=h password=xxxxx dbname=d"},
		{"TANDEM_DB", "host=h password = 'p q' dbname=d", "host=h password = xxxxx dbname=d"},
		{"TANDEM_DB", "postgres://u:100%@h/db", "xxxxx"},
		{"TANDEM_CODEC_KEY", "c2VjcmV0", "xxxxx"},
		{"TANDEM_SMTP_ADDR", "", ""},
		{"TANDEM_HTTP", ":8080", ":8080"},
	} {
		if got := redacted(tc.env, tc.in); got != tc.want {
			t.Errorf("redacted(%s, %q) = %q, want %q", tc.env, tc.in, got, tc.want)
		}
	}
}

func TestAPIRefusesABadTrustedProxy(t *testing.T) {
	err := run(context.Background(), []string{"api", "--trusted-proxies", "10.0.0.0/8, proxy.internal", "--db", t.TempDir() + "/never.db"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `--trusted-proxies: "proxy.internal"`) {
		t.Errorf("err = %v, want the bad entry named", err)
	}
}

// The worker's settings come from TANDEM_* variables, flags winning, and
// default to the worker package's defaults.
func TestWorkerSettingsFromTheEnvironmentAndFlags(t *testing.T) {
	parse := func(args ...string) (workerSettings, deploymentSettings) {
		t.Helper()
		f := newFlags("worker")
		w, err := workerFlags(f)
		if err != nil {
			t.Fatal(err)
		}
		d := deploymentFlags(f)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := w.check(); err != nil {
			t.Fatal(err)
		}
		return w, d
	}

	t.Setenv("TANDEM_BUILD_ID", "") // whatever revision the test binary carries
	w, d := parse()
	if got, want := w.config(), (worker.Settings{
		WorkflowTaskSlots: worker.DefaultWorkflowTaskSlots, ActivitySlots: worker.DefaultActivitySlots,
		WorkflowTaskPollers: worker.DefaultPollers, ActivityTaskPollers: worker.DefaultPollers,
		StopTimeout: worker.DefaultStopTimeout,
	}); got != want || *w.stickyCache != worker.DefaultStickyCacheSize {
		t.Errorf("defaults: %+v, sticky cache %d; want %+v, %d", got, *w.stickyCache, want, worker.DefaultStickyCacheSize)
	}
	if dep, err := d.config(); err != nil || dep != (worker.Deployment{}) {
		t.Errorf("no deployment name: %+v, %v; want versioning off", dep, err)
	}

	// Set but empty, as compose passes a variable through that .env does not
	// set: the defaults, not an error.
	for _, name := range []string{"TANDEM_MAX_WORKFLOW_TASKS", "TANDEM_MAX_ACTIVITIES", "TANDEM_WORKFLOW_POLLERS",
		"TANDEM_ACTIVITY_POLLERS", "TANDEM_STICKY_CACHE_SIZE", "TANDEM_WORKER_STOP_TIMEOUT", "TANDEM_VERSIONING_BEHAVIOR"} {
		t.Setenv(name, "")
	}
	if w, _ := parse(); w.config() != (worker.Settings{
		WorkflowTaskSlots: worker.DefaultWorkflowTaskSlots, ActivitySlots: worker.DefaultActivitySlots,
		WorkflowTaskPollers: worker.DefaultPollers, ActivityTaskPollers: worker.DefaultPollers,
		StopTimeout: worker.DefaultStopTimeout,
	}) || *w.stickyCache != worker.DefaultStickyCacheSize {
		t.Errorf("empty variables: %+v, sticky cache %d; want the defaults", w.config(), *w.stickyCache)
	}
	_, d = parse("--deployment-name", "tandem", "--build-id", "v1")
	if dep, err := d.config(); err != nil || dep.AutoUpgrade {
		t.Errorf("an empty TANDEM_VERSIONING_BEHAVIOR: %+v, %v; want pinned", dep, err)
	}

	t.Setenv("TANDEM_MAX_WORKFLOW_TASKS", "300")
	t.Setenv("TANDEM_MAX_ACTIVITIES", "50")
	t.Setenv("TANDEM_WORKFLOW_POLLERS", "3")
	t.Setenv("TANDEM_STICKY_CACHE_SIZE", "500")
	t.Setenv("TANDEM_WORKER_STOP_TIMEOUT", "45s")
	t.Setenv("TANDEM_DEPLOYMENT_NAME", "tandem")
	t.Setenv("TANDEM_BUILD_ID", "2026.05.1")
	w, d = parse("--workflow-pollers", "4", "--activity-pollers", "5", "--sticky-cache-size", "0", "--versioning-behavior", "auto-upgrade")
	if got, want := w.config(), (worker.Settings{
		WorkflowTaskSlots: 300, ActivitySlots: 50, WorkflowTaskPollers: 4, ActivityTaskPollers: 5, StopTimeout: 45 * time.Second,
	}); got != want || *w.stickyCache != 0 {
		t.Errorf("set: %+v, sticky cache %d; want %+v, 0", got, *w.stickyCache, want)
	}
	if dep, err := d.config(); err != nil || dep != (worker.Deployment{Name: "tandem", BuildID: "2026.05.1", AutoUpgrade: true}) {
		t.Errorf("deployment: %+v, %v", dep, err)
	}
	_, d = parse("--versioning-behavior", "pinned")
	if dep, err := d.config(); err != nil || dep.AutoUpgrade {
		t.Errorf("pinned: %+v, %v", dep, err)
	}
}

// A worker setting it cannot run, or that makes no sense, stops `tandem
// worker` and `tandem dev` at once, naming the flag and its variable, before
// anything is opened or started.
func TestWorkerSettingsRefusedAtStart(t *testing.T) {
	t.Setenv("TANDEM_BUILD_ID", "")
	for _, tc := range []struct {
		args []string
		env  string // NAME=value
		want string
	}{
		{[]string{"--max-workflow-tasks", "1"}, "", "--max-workflow-tasks ($TANDEM_MAX_WORKFLOW_TASKS) is 1: want 2 to 10000"},
		{[]string{"--max-activities", "-3"}, "", "--max-activities ($TANDEM_MAX_ACTIVITIES) is -3: want 1 to 10000"},
		{[]string{"--max-activities", "1000000"}, "", "--max-activities ($TANDEM_MAX_ACTIVITIES) is 1000000"},
		{[]string{"--activity-pollers", "300"}, "", "--activity-pollers ($TANDEM_ACTIVITY_POLLERS) is 300: want 1 to 100"},
		{[]string{"--max-workflow-tasks", "4", "--workflow-pollers", "8"}, "", "--workflow-pollers ($TANDEM_WORKFLOW_POLLERS) is 8: want 2 to 4"},
		{[]string{"--sticky-cache-size", "-1"}, "", "--sticky-cache-size ($TANDEM_STICKY_CACHE_SIZE) is -1"},
		{[]string{"--worker-stop-timeout", "0s"}, "", "--worker-stop-timeout ($TANDEM_WORKER_STOP_TIMEOUT) is 0s"},
		{[]string{"--worker-stop-timeout", "100h"}, "", "at most 1h0m0s"},
		{nil, "TANDEM_MAX_ACTIVITIES=lots", `$TANDEM_MAX_ACTIVITIES: "lots" is not a whole number`},
		{nil, "TANDEM_WORKER_STOP_TIMEOUT=20", "$TANDEM_WORKER_STOP_TIMEOUT"},
		{[]string{"--deployment-name", "tandem"}, "", "there is no build ID: set --build-id ($TANDEM_BUILD_ID)"},
		{[]string{"--deployment-name", "tandem", "--build-id", "v1", "--versioning-behavior", "sticky"}, "", `is "sticky": want pinned or auto-upgrade`},
		{[]string{"--deployment-name", "tandem.prod", "--build-id", "v1"}, "", `deployment name "tandem.prod": no '.' or ':'`},
	} {
		for _, cmd := range []string{"worker", "dev"} {
			if cmd == "dev" && slices.Contains(tc.args, "--deployment-name") {
				continue // a worker setting only: dev runs one unversioned worker
			}
			t.Run(cmd+" "+strings.Join(tc.args, " ")+tc.env, func(t *testing.T) {
				if name, value, ok := strings.Cut(tc.env, "="); ok {
					t.Setenv(name, value)
				}
				dir := t.TempDir()
				args := append([]string{cmd, "--db", filepath.Join(dir, "never.db"), "--temporal", "127.0.0.1:1"}, tc.args...)
				if cmd == "dev" {
					args = append([]string{cmd, "--db", filepath.Join(dir, "never.db"), "--data-dir", filepath.Join(dir, "data")}, tc.args...)
				}
				var err error
				stderrOf(t, func() { err = run(context.Background(), args, io.Discard) })
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to say %q", err, tc.want)
				}
				if entries, _ := os.ReadDir(dir); len(entries) > 0 {
					t.Errorf("refused, yet %s was made", entries[0].Name())
				}
			})
		}
	}
}
