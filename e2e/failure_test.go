package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/workflows"
)

// dbProxy stands between the store and PostgreSQL, so a test can take "the
// database" away from Tandem without stopping the server other tests share.
// cut closes the listener and every connection, as a stopped server would:
// pooled connections break and new dials are refused. restore listens again on
// the same address.
type dbProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	p := &dbProxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.restore()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.cut)
	return p
}

func (p *dbProxy) restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}

func (p *dbProxy) serve(ln net.Listener) {
	for {
		down, err := ln.Accept()
		if err != nil {
			return // cut
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = down.Close()
			continue
		}
		if !p.track(down, up) {
			continue
		}
		go p.pipe(down, up)
		go p.pipe(up, down)
	}
}

// track records a connection pair, or closes it when the proxy was cut meanwhile.
func (p *dbProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *dbProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// startOn is start with the store at dsn and Temporal at srv, which the test
// stops itself.
func startOn(t *testing.T, dsn string, srv *devserver.Server) *stack {
	t.Helper()
	s := newStack(t, dsn, seconds(), quietLogger())
	s.connect(srv, listen(t))
	return s
}

func quietLogger() *slog.Logger {
	// Errors only: both outages make Temporal and the SDK log every failed dial.
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// readiness polls /readyz until it answers status with checks (among others:
// whether a worker polls is not what these tests are about), failing after 20s.
func (s *stack) readiness(status int, checks map[string]string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		a := s.send("pat", http.MethodGet, "/readyz", nil)
		var got struct{ Checks map[string]string }
		_ = json.Unmarshal(a.body, &got)
		seen := maps.Clone(got.Checks)
		maps.DeleteFunc(seen, func(name, _ string) bool { _, asked := checks[name]; return !asked })
		if a.status == status && maps.Equal(seen, checks) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("readyz: %d %s, want %d with checks %v", a.status, a.body, status, checks)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// refusedUnavailable asserts a create is answered 503 in the error format.
func (s *stack) refusedUnavailable(brief map[string]any, key string) {
	s.t.Helper()
	a := s.send("pat", http.MethodPost, "/api/v1/campaigns", brief, "Idempotency-Key", key)
	var body struct{ Error struct{ Code string } }
	if err := json.Unmarshal(a.body, &body); err != nil || a.status != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
		s.t.Fatalf("POST /campaigns during the outage: %d %s, want 503 with code unavailable", a.status, a.body)
	}
}

func (s *stack) create(brief map[string]any, key string) answer {
	s.t.Helper()
	a := s.send("pat", http.MethodPost, "/api/v1/campaigns", brief, "Idempotency-Key", key)
	if a.status != http.StatusCreated {
		s.t.Fatalf("POST /campaigns: %d %s, want 201", a.status, a.body)
	}
	return a
}

func createdID(t *testing.T, a answer) string {
	t.Helper()
	var c campaign
	if err := json.Unmarshal(a.body, &c); err != nil || c.ID == "" {
		t.Fatalf("created campaign: %v in %s", err, a.body)
	}
	return c.ID
}

// consistent waits until the campaign rows and the CampaignLaunch workflows are
// the same set, and that set is want: every workflow has its row and every row
// its workflow, and nothing else was made.
func (s *stack) consistent(want ...string) {
	s.t.Helper()
	var wantWIDs []string
	for _, id := range want {
		wantWIDs = append(wantWIDs, contract.CampaignWorkflowID(id))
	}
	slices.Sort(want)
	slices.Sort(wantWIDs)
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		page, err := s.records.Campaigns(ctx, domain.CampaignFilter{ListOptions: domain.ListOptions{Limit: 100}})
		if err != nil {
			s.t.Fatalf("list campaign rows: %v", err)
		}
		var rows []string
		for _, c := range page.Items {
			rows = append(rows, c.ID)
		}
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = '" + contract.CampaignLaunchType + "'"})
		if err != nil {
			s.t.Fatalf("list campaign workflows: %v", err)
		}
		var wids []string
		for _, e := range resp.Executions {
			wids = append(wids, e.Execution.WorkflowId)
		}
		slices.Sort(rows)
		slices.Sort(wids)
		if slices.Equal(rows, want) && slices.Equal(wids, wantWIDs) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("campaign rows %v and workflows %v, want exactly the campaigns %v", rows, wids, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestFailureDatabaseDown takes the database away while the API and the worker
// run: readiness names it, a create is refused with 503 and leaves nothing
// behind, and a campaign whose workflow started before the outage gets its row
// once the database is back, its first activity having failed meanwhile.
func TestFailureDatabaseDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("start Temporal: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, u.Host)
	u.Host = proxy.addr
	s := startOn(t, u.String(), srv)
	s.readiness(http.StatusOK, map[string]string{"database": "ok", "temporal": "ok"})

	// The worker is stopped so that the campaign's first activity, which writes
	// its row, runs only once the database is gone.
	s.stopWorker()
	before := createdID(t, s.create(campaignBrief("Before the outage", 10*time.Minute), "db-before"))
	proxy.cut()

	s.readiness(http.StatusServiceUnavailable, map[string]string{"database": "unreachable", "temporal": "ok"})
	s.refusedUnavailable(campaignBrief("During the outage", 10*time.Minute), "db-during")

	s.startWorker()
	s.activityFailed(contract.CampaignWorkflowID(before))
	proxy.restore()
	s.readiness(http.StatusOK, map[string]string{"database": "ok", "temporal": "ok"})
	s.consistent(before)

	// The refused request claimed nothing: its key makes a new campaign.
	a := s.create(campaignBrief("During the outage", 10*time.Minute), "db-during")
	if a.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the refused request's Idempotency-Key was replayed, want a fresh create")
	}
	s.consistent(before, createdID(t, a))
}

// activityFailed waits until the workflow's pending activity has failed at least
// once, so the test knows the outage was seen by the worker, not just the API.
func (s *stack) activityFailed(workflowID string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
		if err != nil {
			s.t.Fatalf("describe %s: %v", workflowID, err)
		}
		for _, a := range d.PendingActivities {
			if a.LastFailure != nil {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: no activity failed during the database outage (pending %v)", workflowID, d.PendingActivities)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFailureTemporalDown stops the Temporal server while the API runs:
// readiness names it, a create is refused with 503, writes no row and releases
// its Idempotency-Key, so the same request after a restart on the same data dir
// makes exactly one campaign, beside the one made before the outage.
func TestFailureTemporalDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := devserver.Options{DataDir: t.TempDir(), UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: quietLogger()}
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start Temporal: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	s := startOn(t, storetest.PostgresDSN(t), srv)
	before := createdID(t, s.create(campaignBrief("Before the outage", 10*time.Minute), "t-before"))
	s.consistent(before)

	if err := srv.Stop(); err != nil {
		t.Fatalf("stop Temporal: %v", err)
	}
	s.readiness(http.StatusServiceUnavailable, map[string]string{"database": "ok", "temporal": "unreachable"})
	during := campaignBrief("During the outage", 10*time.Minute)
	s.refusedUnavailable(during, "t-during")
	page, err := s.records.Campaigns(ctx, domain.CampaignFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != before {
		t.Fatalf("campaign rows after the refused create: %+v, want only %s", page.Items, before)
	}

	s.stopWorker()
	srv2, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart Temporal on %s: %v", opts.DataDir, err)
	}
	t.Cleanup(func() { _ = srv2.Stop() })
	s.connect(srv2, listen(t))
	s.readiness(http.StatusOK, map[string]string{"database": "ok", "temporal": "ok"})

	// Temporal may have taken the refused start and lost only its answer, so the
	// key stayed claimed: the retry replays that request's ID and starts it.
	a := s.create(during, "t-during")
	if a.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the refused request's Idempotency-Key was not replayed")
	}
	s.consistent(before, createdID(t, a))
}

// TestCommandWithoutWorkerIs202ThenItsOutcome is issue 18's second case: with
// no worker running, a decision answered 503 after 10 s and took effect once
// the workers were back, so a client that retried got 409 and one that gave up
// believed it had failed. Now the decision answers 202 with a status URL; once
// a worker is back, the URL answers the completed task, and a retry with the
// same Idempotency-Key answers the same, the decision applied once.
func TestCommandWithoutWorkerIs202ThenItsOutcome(t *testing.T) {
	s := start(t, seconds())
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", farBrief("Decided while no worker runs"), &c)
	review := s.projected(s.waitFor(c.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]

	s.stopWorker()
	path := "/api/v1/tasks/" + review.ID + "/complete"
	body := map[string]any{"outcome": "approved", "comment": "Clear goals"}
	a := s.send("maya", http.MethodPost, path, body, "Idempotency-Key", "approve-brief")
	var pending struct{ ID, Status, URL string }
	if err := json.Unmarshal(a.body, &pending); err != nil || a.status != http.StatusAccepted || pending.Status != "pending" || a.header.Get("Location") != pending.URL {
		t.Fatalf("the decision without a worker: %d %s, want 202 with a status URL", a.status, a.body)
	}
	if a = s.send("maya", http.MethodGet, pending.URL, nil); a.status != http.StatusAccepted {
		t.Errorf("the status URL without a worker: %d %s, want 202", a.status, a.body)
	}
	if a = s.send("pat", http.MethodGet, pending.URL, nil); a.status != http.StatusNotFound {
		t.Errorf("someone else read the command's status: %d", a.status)
	}

	s.startWorker()
	var done domain.Task
	for deadline := time.Now().Add(time.Minute); ; {
		a = s.send("maya", http.MethodGet, pending.URL, nil)
		if a.status != http.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command was still pending a minute after the worker came back")
		}
	}
	if err := json.Unmarshal(a.body, &done); err != nil || a.status != http.StatusOK || done.ID != review.ID || done.Status != domain.TaskDone || done.CompletedBy != "maya" {
		t.Fatalf("the status URL with the worker back: %d %s, want the completed task", a.status, a.body)
	}
	retry := s.send("maya", http.MethodPost, path, body, "Idempotency-Key", "approve-brief")
	var again domain.Task
	if err := json.Unmarshal(retry.body, &again); err != nil || retry.status != http.StatusOK || again.ID != done.ID || !again.CompletedAt.Equal(*done.CompletedAt) ||
		retry.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry: %d %s, want the same completed task", retry.status, retry.body)
	}

	// Applied once: one update in the run's history, one completion in the timeline.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n := updatesAccepted(s.history(ctx, contract.CampaignWorkflowID(c.ID))); n != 1 {
		t.Errorf("%d updates in the history, want 1", n)
	}
	s.waitFor(c.ID, "planning", func(c campaign) bool { return c.Stage != domain.StageBriefReview })
	var timeline struct{ Items []domain.Event }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+c.ID+"/timeline", nil, &timeline)
	completed := 0
	for _, e := range timeline.Items {
		if e.Kind == domain.EventTaskCompleted {
			completed++
		}
	}
	if completed != 1 {
		t.Errorf("%d completions in the timeline, want 1", completed)
	}
}
