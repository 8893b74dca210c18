package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/workflows"
)

// probe is a readiness answer.
type probe struct {
	code   int
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func getProbe(t *testing.T, url string) probe {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return probe{}
	}
	defer resp.Body.Close()
	p := probe{code: resp.StatusCode}
	_ = json.NewDecoder(resp.Body).Decode(&p)
	return p
}

// waitProbe polls url until cond holds, failing after a while.
func waitProbe(t *testing.T, url, what string, cond func(probe) bool) probe {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		p := getProbe(t, url)
		if cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %s: last %d %+v", url, what, p.code, p)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestWorkerAndAPIReadinessAndMetrics runs `tandem worker` and `tandem api`
// against an in-process Temporal, as issue 18 found them: the worker's
// /healthz stayed 200 through Temporal outages and it had no /readyz, the API's
// /readyz said ok with no worker running, and neither exported the Temporal
// SDK's metrics. The API is degraded while no worker polls; the worker is
// ready once Temporal sees it polling, and 503 when Temporal is gone; both
// serve the SDK's metrics, the worker the task queue's too.
func TestWorkerAndAPIReadinessAndMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Temporal")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = srv.Stop()
		}
	})
	entry, err := codec.NewKeyEntry("k1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TANDEM_CODEC_KEYS", entry)
	db := filepath.Join(t.TempDir(), "tandem.db")
	if err := runMigrate(ctx, []string{"--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	common := []string{"--db", db, "--temporal", srv.FrontendHostPort(), "--namespace", srv.Namespace()}
	startWorker := func() (string, context.CancelFunc) {
		addr := freePort(t)
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		args := append(common, "--http", addr, "--reconcile-every", "0", "--max-workflow-tasks", "9", "--max-activities", "7")
		go func() { done <- runWorker(wctx, args, quiet) }()
		return "http://" + addr, func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("worker: %v", err)
			}
		}
	}
	// No worker yet: the API is degraded, not down.
	apiAddr := "http://" + freePort(t)
	go func() { _ = runAPI(ctx, append(common, "--http", strings.TrimPrefix(apiAddr, "http://")), quiet) }()
	api := waitProbe(t, apiAddr+"/readyz", "answered", func(p probe) bool { return p.Status != "" })
	if api.code != http.StatusOK || api.Status != "degraded" || api.Checks["workers"] != "none polling" {
		t.Errorf("API readiness without a worker = %d %+v", api.code, api)
	}

	w, stopWorker := startWorker()
	defer stopWorker()
	ready := waitProbe(t, w+"/readyz", "ready", func(p probe) bool { return p.code == http.StatusOK })
	if ready.Status != "ok" || ready.Checks["workflow_poller"] != "ok" || ready.Checks["activity_poller"] != "ok" || ready.Checks["temporal"] != "ok" {
		t.Errorf("worker readiness = %+v", ready)
	}
	metrics := getText(t, w+"/metrics")
	for _, want := range []string{
		`temporal_long_request_total{`, // the polls
		`temporal_worker_task_slots_available{`,
		`tandem_task_queue_pollers{type="workflow"}`,
		`tandem_task_queue_backlog{type="activity"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("the worker's /metrics lacks %s", want)
		}
	}
	// The slots the flags gave, as the SDK reports them while the worker idles.
	for typ, want := range map[string]string{"WorkflowWorker": "9", "ActivityWorker": "7"} {
		if got := gauge(metrics, "temporal_worker_task_slots_available", `worker_type="`+typ+`"`); got != want {
			t.Errorf("%s slots available = %q, want %s from the flags", typ, got, want)
		}
	}
	waitProbe(t, apiAddr+"/readyz", "ready", func(p probe) bool { return p.code == http.StatusOK && p.Status == "ok" })
	if m := getText(t, apiAddr+"/metrics"); !strings.Contains(m, `temporal_request_total{`) || !strings.Contains(m, `operation="DescribeTaskQueue"`) {
		t.Errorf("the API's /metrics lacks its Temporal client's requests")
	}

	// Temporal gone: the worker is not ready, and says why.
	stopped = true
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	down := waitProbe(t, w+"/readyz", "unavailable", func(p probe) bool { return p.code == http.StatusServiceUnavailable })
	if down.Status != "unavailable" || down.Checks["temporal"] != "unreachable" {
		t.Errorf("worker readiness with Temporal down = %+v", down)
	}
	if getText(t, w+"/healthz") != `{"status":"ok"}` {
		t.Error("liveness depends on Temporal")
	}
}

// gauge is the value of the series of name whose labels include label, in
// Prometheus's text format; "" when there is none.
func gauge(text, name, label string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, name+"{") && strings.Contains(line, label) {
			fields := strings.Fields(line)
			return fields[len(fields)-1]
		}
	}
	return ""
}
