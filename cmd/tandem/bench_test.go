//go:build !services

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem/bench"
	"github.com/tandemhq/tandem/store/storetest"
)

// asTandem, set in a child's environment, makes this test binary act as the
// tandem command: the bench's `tandem dev` part then starts it instead of a
// binary built for the test.
const asTandem = "TANDEM_TEST_RUN_AS_TANDEM"

func TestMain(m *testing.M) {
	if os.Getenv(asTandem) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The smoke mode CI runs: the whole bench but the inbox, end to end, with tiny
// numbers. It checks that every part measured something, never how fast.
func TestBenchSmokeMeasuresEveryPart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal")
	}
	t.Setenv(asTandem, "1") // inherited by the `tandem dev` the bench starts
	path := filepath.Join(t.TempDir(), "bench.json")
	captures := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--smoke", "--parts", "dev,levels,sustained",
		"--tandem-binary", os.Args[0], "--out", path,
		"--cpuprofile", filepath.Join(captures, "cpu.pprof"), "--trace", filepath.Join(captures, "run.trace"),
		"--memprofile", filepath.Join(captures, "mem.pprof")}, &out)
	if err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, path)
	checkPhaseCaptures(t, captures)
	measured := map[string]map[int]int{}
	for _, r := range rep.Results {
		if measured[r.Operation] == nil {
			measured[r.Operation] = map[int]int{}
		}
		measured[r.Operation][r.Concurrency] = r.Ops
	}
	for _, op := range bench.Operations {
		for _, level := range []int{1, 2} {
			if measured[op][level] != 5 {
				t.Errorf("%s at concurrency %d: %d operations, want 5", op, level, measured[op][level])
			}
		}
	}
	if len(rep.Results) != len(bench.Operations)*2 {
		t.Errorf("%d results, want %d", len(rep.Results), len(bench.Operations)*2)
	}
	// Every operation, the floor's too, seals and opens payloads: the codec's
	// share is reported, and is a part of the whole CPU time.
	for _, r := range rep.Results {
		if r.CodecPerOp <= 0 || (r.CPUPerOp > 0 && r.CodecPerOp > r.CPUPerOp) {
			t.Errorf("%s at %d: codec %.3f ms/op of %.3f ms CPU, want a part of it above zero", r.Operation, r.Concurrency, r.CodecPerOp, r.CPUPerOp)
		}
		if r.AllocKBPerOp <= 0 || r.AllocsPerOp <= 0 {
			t.Errorf("%s at %d: %.1f kB and %.0f objects allocated per operation, want some", r.Operation, r.Concurrency, r.AllocKBPerOp, r.AllocsPerOp)
		}
	}

	// Smoke: 5 decisions a second for a second.
	if len(rep.Sustained) != 1 {
		t.Errorf("%d sustained runs in the report, want 1", len(rep.Sustained))
	} else {
		s := rep.Sustained[0]
		if s.Ops != 5 || s.Errors != 0 || s.OfferedRate != 5 || s.P99 <= 0 || s.AchievedRate <= 0 {
			t.Errorf("sustained run = %+v, want 5 operations at 5/s without errors, with latencies", s)
		}
		if s.CodecPerOp <= 0 {
			t.Errorf("sustained run reports no codec time: %+v", s)
		}
		if s.AllocKBPerOp <= 0 || s.AllocsPerOp <= 0 {
			t.Errorf("sustained run reports no allocations: %+v", s)
		}
		if s.TargetRate <= 0 {
			t.Errorf("sustained run has no target rate although the floor was measured: %+v", s)
		}
	}

	if d := rep.Dev; d == nil {
		t.Error("no tandem dev measurement in the report")
	} else if d.Ready <= 0 || d.RSSReady <= 0 || d.RSSSettled <= 0 || d.RSSPeak < d.RSSReady || d.Shutdown <= 0 {
		t.Errorf("tandem dev = %+v, want a time to ready, memory and a shutdown", *d)
	} else if d.RSSAnon <= 0 || d.RSSFile <= 0 || d.RSSAnon >= d.RSSSettled || d.RSSFile >= d.RSSSettled {
		t.Errorf("tandem dev = %+v, want its resident memory split into its own and mapped files", *d)
	} else if u := d.Used; u.Anon <= 0 || u.File <= 0 || u.Anon+u.File > u.RSS || u.Peak < u.RSS {
		t.Errorf("tandem dev after use = %+v, want its resident memory, split, and a peak", u)
	}
	if rep.Inbox != nil {
		t.Error("the inbox was measured although --parts left it out")
	}
	if tp := rep.Temporal; tp == nil || tp.Persistence != "sqlite" || tp.HistoryShards != 1 {
		t.Errorf("temporal = %+v, want SQLite with one history shard", tp)
	}
	for _, want := range []string{bench.OpCompleteTask, "not a separate tandem dev", "open loop", "tandem dev, a separate process", "its own (RssAnon)", "after a little use", "alloc kB/op", "kB allocated per operation", path} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the printed table lacks %q:\n%s", want, out.String())
		}
	}
}

// checkPhaseCaptures checks that --cpuprofile, --trace and --memprofile wrote a
// profile, a trace and an allocation profile of each timed phase of the smoke
// run, and of nothing else: the eight batches of the levels (four operations
// at concurrency 1 and 2) and the sustained run, not the sustained run's two
// preparing batches. Each allocation profile holds the phase's allocations
// only: the stack's, and none of what started it.
func checkPhaseCaptures(t *testing.T, dir string) {
	t.Helper()
	var phases []string
	for _, level := range []string{"c1", "c2"} {
		for _, op := range []string{"floor-sdk-start-update", "post-campaigns", "post-template-runs", "post-tasks-id-complete"} {
			phases = append(phases, op+"-"+level)
		}
	}
	phases = append(phases, "sustained-5.0-per-s")
	var want []string
	for i, phase := range phases {
		want = append(want, fmt.Sprintf("cpu.%02d-%s.pprof", i+1, phase), fmt.Sprintf("run.%02d-%s.trace", i+1, phase),
			fmt.Sprintf("mem.%02d-%s.pprof", i+1, phase))
	}
	slices.Sort(want)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		magic := []byte("\x1f\x8b") // a CPU profile is gzipped
		if strings.HasSuffix(e.Name(), ".trace") {
			magic = []byte("go 1.") // a trace starts with its Go version
		}
		if !bytes.HasPrefix(b, magic) {
			t.Errorf("%s does not start with %q", e.Name(), magic)
		}
		if strings.HasPrefix(e.Name(), "mem.") {
			checkPhaseAllocs(t, e.Name(), b)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files written:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkPhaseAllocs checks that an allocation profile of a phase has
// allocations in it, none negative (a sample less its start), and none made
// before the phase, such as by starting the stack.
func checkPhaseAllocs(t *testing.T, name string, b []byte) {
	t.Helper()
	p, err := profile.ParseData(b)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(p.SampleType) < 2 || p.SampleType[1].Type != "alloc_space" {
		t.Errorf("%s: sample types %v, want an allocs profile", name, p.SampleType)
		return
	}
	var total int64
	for _, s := range p.Sample {
		if s.Value[1] < 0 {
			t.Errorf("%s: a sample with %d bytes allocated", name, s.Value[1])
		}
		total += s.Value[1]
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if name := line.Function.Name; strings.Contains(name, "startStack") || strings.Contains(name, "allocsProfile") {
					t.Errorf("%s: allocations of %s, which ran before the phase", name, line.Function.Name)
				}
			}
		}
	}
	if total <= 0 {
		t.Errorf("%s: %d bytes allocated in the phase, want some", name, total)
	}
}

// The inbox part in smoke mode, on the test PostgreSQL server (required in CI,
// like every PostgreSQL test): every query at every size with its plan, and the
// bench's schema gone afterwards.
func TestBenchSmokeInboxOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	path := filepath.Join(t.TempDir(), "bench.json")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bench", "--smoke", "--parts", "inbox", "--inbox-db", dsn, "--out", path}, &out); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, path)
	if rep.Inbox == nil {
		t.Fatalf("no inbox in the report:\n%s", out.String())
	}
	in := rep.Inbox
	if len(in.Seeding) != 2 || in.Seeding[1].Tasks != 1000 {
		t.Errorf("seeding = %+v, want two steps up to 1000 tasks", in.Seeding)
	}
	perSize := map[int]int{}
	for _, q := range in.Results {
		perSize[q.Tasks]++
		if q.P99 <= 0 || q.Matching < q.Returned {
			t.Errorf("%s as %s at %d: %+v", q.Query, q.Caller, q.Tasks, q)
		}
		if !strings.Contains(q.SQL, `FROM "tasks"`) || !strings.Contains(q.Plan, "Execution Time") || q.Shape == "" {
			t.Errorf("%s at %d: SQL %q, plan %q", q.Query, q.Tasks, q.SQL, q.Plan)
		}
	}
	if perSize[200] != 6 || perSize[1000] != 6 {
		t.Errorf("queries per size = %v, want 6 at 200 and at 1000", perSize)
	}
	if !strings.Contains(out.String(), "EXPLAIN (ANALYZE, BUFFERS)") {
		t.Errorf("the printed report lacks the plans:\n%s", out.String())
	}
	// The plan pages (issue 20): seven at each size, each timed by the server
	// and answered in full; the calendar's and capacity's with their plans.
	pages := map[int]int{}
	for _, p := range in.Plan {
		pages[p.Tasks]++
		if p.P50 <= 0 || p.P95 < p.P50 || p.Bytes == 0 || p.Processes != 40 {
			t.Errorf("plan page %s at %d: %+v", p.Page, p.Tasks, p)
		}
		if strings.Contains(p.Page, "/api/v1/calendar") || strings.Contains(p.Page, "capacity") && !strings.HasPrefix(p.Page, "board") {
			if p.Shape == "" || p.ExecutionMs <= 0 {
				t.Errorf("plan page %s at %d has no plan: %+v", p.Page, p.Tasks, p)
			}
		}
	}
	if pages[200] != 7 || pages[1000] != 7 {
		t.Errorf("plan pages per size = %v, want 7 at 200 and at 1000", pages)
	}
	if !strings.Contains(out.String(), "plan pages (calendar, workload and capacity)") || !strings.Contains(out.String(), "target ≤ 100 ms") {
		t.Errorf("the printed report lacks the plan pages:\n%s", out.String())
	}
	// The board pages (issue 21): five at each size, each timed and answered.
	boardPages := map[int]int{}
	for _, p := range in.Board {
		boardPages[p.Tasks]++
		if p.P50 <= 0 || p.P95 < p.P50 || p.Bytes == 0 {
			t.Errorf("board page %s at %d: %+v", p.Page, p.Tasks, p)
		}
	}
	if boardPages[200] != 5 || boardPages[1000] != 5 {
		t.Errorf("board pages per size = %v, want 5 at 200 and at 1000", boardPages)
	}
	if !strings.Contains(out.String(), "board pages on the inbox's tables") || !strings.Contains(out.String(), "target p95 ≤ 50 ms") {
		t.Errorf("the printed report lacks the board pages:\n%s", out.String())
	}

	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left bool
	if err := conn.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", in.Schema).Scan(&left); err != nil || left {
		t.Errorf("schema %s left behind (%v)", in.Schema, err)
	}
}

// The levels on the embedded Temporal on PostgreSQL (required in CI, like every
// PostgreSQL test): the report says so, and the run's databases are gone after.
func TestBenchSmokeTemporalOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal")
	}
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	// The server gets databases of its own, not the test's schema.
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	server := u.String()

	path := filepath.Join(t.TempDir(), "bench.json")
	var out bytes.Buffer
	err = run(context.Background(), []string{"bench", "--smoke", "--parts", "levels",
		"--temporal-db", server, "--shards", "2", "--temporal-conns", "5", "--out", path}, &out)
	if err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, path)
	if len(rep.Results) != len(bench.Operations)*2 {
		t.Errorf("%d results, want %d", len(rep.Results), len(bench.Operations)*2)
	}
	// Every operation, the floor's too, seals and opens payloads: the codec's
	// share is reported, and is a part of the whole CPU time.
	for _, r := range rep.Results {
		if r.CodecPerOp <= 0 || (r.CPUPerOp > 0 && r.CodecPerOp > r.CPUPerOp) {
			t.Errorf("%s at %d: codec %.3f ms/op of %.3f ms CPU, want a part of it above zero", r.Operation, r.Concurrency, r.CodecPerOp, r.CPUPerOp)
		}
		if r.AllocKBPerOp <= 0 || r.AllocsPerOp <= 0 {
			t.Errorf("%s at %d: %.1f kB and %.0f objects allocated per operation, want some", r.Operation, r.Concurrency, r.AllocKBPerOp, r.AllocsPerOp)
		}
	}
	tp := rep.Temporal
	if tp == nil || tp.Persistence != "postgresql" || tp.HistoryShards != 2 || tp.MaxConns != 5 ||
		tp.Server == "" || tp.Database == "" || tp.PeakConnections < 1 {
		t.Fatalf("temporal = %+v, want PostgreSQL with 2 shards, pools of 5, the server's version and connections seen", tp)
	}
	if !strings.Contains(out.String(), "embedded Temporal persisting on PostgreSQL") || !strings.Contains(out.String(), "2 history shards") {
		t.Errorf("the printed table does not say Temporal ran on PostgreSQL with 2 shards:\n%s", out.String())
	}

	conn, err := pgx.Connect(t.Context(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname IN ($1::text, $1::text || '_visibility')", tp.Database).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d of the databases of %s left behind (%v)", left, tp.Database, err)
	}
}

func TestBenchShardsNeedPostgres(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--parts", "levels", "--shards", "8"},
		{"bench", "--parts", "levels", "--temporal-conns", "8"},
		{"bench", "--parts", "levels", "--temporal-db", "postgres://127.0.0.1/x", "--shards", "0"},
	} {
		err := run(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("%v: %v, want an error about the flags", args, err)
		}
	}
}

func readReport(t *testing.T, path string) bench.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return rep
}
