package devserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/workflows"
)

const (
	taskQueue     = "devserver-test"
	greetType     = "Greet"
	collectType   = "Collect"
	partSignal    = "part"
	partsQuery    = "parts"
	childDataDir  = "DEVSERVER_TEST_CHILD_DATA_DIR"
	collectWantN  = 2
	startDeadline = 30 * time.Second
)

// TestMain doubles as the child process of TestSurvivesSIGKILL.
func TestMain(m *testing.M) {
	if dir := os.Getenv(childDataDir); dir != "" {
		if err := runChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

func greet(_ workflow.Context, name string) (string, error) { return "hello " + name, nil }

// collect waits for collectWantN "part" signals and joins them; the "parts" query
// shows what has arrived, which needs the history replayed after a restart.
func collect(ctx workflow.Context) (string, error) {
	var parts []string
	if err := workflow.SetQueryHandler(ctx, partsQuery, func() ([]string, error) { return parts, nil }); err != nil {
		return "", err
	}
	ch := workflow.GetSignalChannel(ctx, partSignal)
	for len(parts) < collectWantN {
		var p string
		ch.Receive(ctx, &p)
		parts = append(parts, p)
	}
	return strings.Join(parts, "+"), nil
}

func TestRestartKeepsWorkflowsAndSearchAttributes(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()

	s := start(t, devserver.Options{DataDir: dir, SearchAttributes: workflows.SearchAttributes})
	if _, err := os.Stat(filepath.Join(dir, devserver.DBFile)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	c := dial(t, s)
	assertSearchAttributes(t, c, s.Namespace(), workflows.SearchAttributes)

	// The UI serves the app, and refuses writes by default.
	if code, body := httpDo(t, http.MethodGet, s.UIURL(), ""); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Fatalf("GET %s: %d, want 200 with the app's HTML", s.UIURL(), code)
	}
	assertUIWriteActions(t, s, false)
	assertUICodec(t, s, devserver.Options{})

	w := startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    "greet-1",
		TaskQueue:             taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet("campaign")),
	}, greetType, "tandem")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello tandem" {
		t.Fatalf("greet = %q, %v; want %q", got, err, "hello tandem")
	}
	waitListed(t, c, s.Namespace(), `TandemProcess = "campaign"`, "greet-1")

	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "collect-1", TaskQueue: taskQueue}, collectType); err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, "collect-1", "", partSignal, "first"); err != nil {
		t.Fatal(err)
	}
	// Stopping the worker in the middle of a workflow task would leave the
	// restarted server waiting out the task's 10 s timeout.
	if err := waitParts(ctx, c, "collect-1", 1); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// Restart with one more search attribute, the UI's write actions on and a
	// codec endpoint.
	more := maps.Clone(workflows.SearchAttributes)
	more["DevserverTestExtra"] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	codec := devserver.Options{CodecEndpoint: "http://127.0.0.1:8080/api/v1/codec", CodecSignIn: "http://127.0.0.1:8080/signin"}
	s = start(t, devserver.Options{DataDir: dir, SearchAttributes: more, UIWriteActions: true,
		CodecEndpoint: codec.CodecEndpoint, CodecSignIn: codec.CodecSignIn})
	c = dial(t, s)
	assertSearchAttributes(t, c, s.Namespace(), more)
	assertUICodec(t, s, codec)

	desc, err := c.DescribeWorkflowExecution(ctx, "greet-1", "")
	if err != nil {
		t.Fatalf("describe greet-1 after restart: %v", err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("greet-1 status after restart = %s, want COMPLETED", st)
	}
	waitListed(t, c, s.Namespace(), `TandemProcess = "campaign"`, "greet-1")

	// The second part goes through the UI, which now accepts writes.
	assertUIWriteActions(t, s, true)
	w = startWorker(t, c)
	var result string
	if err := c.GetWorkflow(ctx, "collect-1", "").Get(ctx, &result); err != nil || result != "first+second" {
		t.Fatalf("collect-1 = %q, %v; want %q", result, err, "first+second")
	}

	// A search attribute cannot change type under existing runs.
	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	more[workflows.AttrProcess.GetName()] = enumspb.INDEXED_VALUE_TYPE_TEXT
	if s, err := devserver.Start(ctx, devserver.Options{DataDir: dir, SearchAttributes: more, UIPort: -1}); err == nil {
		_ = s.Stop()
		t.Fatal("Start with TandemProcess retyped to Text succeeded")
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]devserver.Options{
		"bad IP":             {IP: "localhost:7233"},
		"negative UI port":   {UIPort: -2},
		"reserved attribute": {SearchAttributes: map[string]enumspb.IndexedValueType{"WorkflowType": enumspb.INDEXED_VALUE_TYPE_KEYWORD}},
	} {
		if s, err := devserver.Start(t.Context(), opts); err == nil {
			_ = s.Stop()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

// TestSurvivesSIGKILL kills a process running the server right after a signal was
// accepted and checks a new server on the same directory has it.
func TestSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDataDir+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("child said %q, %v; want ready", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	s := start(t, devserver.Options{DataDir: dir, UIPort: -1})
	c := dial(t, s)
	startWorker(t, c)
	q, err := c.QueryWorkflow(ctx, "survivor", "", partsQuery)
	if err != nil {
		t.Fatalf("query survivor after SIGKILL: %v", err)
	}
	var parts []string
	if err := q.Get(&parts); err != nil || len(parts) != 1 || parts[0] != "first" {
		t.Fatalf("parts after SIGKILL = %v, %v; want [first]", parts, err)
	}
	if err := c.SignalWorkflow(ctx, "survivor", "", partSignal, "second"); err != nil {
		t.Fatal(err)
	}
	var result string
	if err := c.GetWorkflow(ctx, "survivor", "").Get(ctx, &result); err != nil || result != "first+second" {
		t.Fatalf("survivor = %q, %v; want %q", result, err, "first+second")
	}
}

// runChild starts a server on dir, has a workflow take in one signal, says ready
// and waits to be killed.
func runChild(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	s, err := devserver.Start(ctx, devserver.Options{DataDir: dir, UIPort: -1})
	if err != nil {
		return err
	}
	c, err := client.Dial(client.Options{HostPort: s.FrontendHostPort(), Namespace: s.Namespace(), Logger: quietSDKLogger()})
	if err != nil {
		return err
	}
	w := newWorker(c)
	if err := w.Start(); err != nil {
		return err
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "survivor", TaskQueue: taskQueue}, collectType); err != nil {
		return err
	}
	if err := c.SignalWorkflow(ctx, "survivor", "", partSignal, "first"); err != nil {
		return err
	}
	// Wait until the workflow has processed the signal, so the kill lands on a
	// history with a completed workflow task after it.
	if err := waitParts(ctx, c, "survivor", 1); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	return ctx.Err()
}

// waitParts waits until collect workflow id has taken in n parts.
func waitParts(ctx context.Context, c client.Client, id string, n int) error {
	for {
		q, err := c.QueryWorkflow(ctx, id, "", partsQuery)
		if err != nil {
			return fmt.Errorf("query %s: %w", id, err)
		}
		var parts []string
		if err := q.Get(&parts); err != nil {
			return err
		}
		if len(parts) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestInMemoryWithoutUI(t *testing.T) {
	s := start(t, devserver.Options{UIPort: -1, Namespace: "devserver-test"})
	if s.UIURL() != "" {
		t.Errorf("UIURL = %q, want empty without a UI", s.UIURL())
	}
	if s.Namespace() != "devserver-test" {
		t.Errorf("Namespace = %q, want devserver-test", s.Namespace())
	}
	c := dial(t, s)
	startWorker(t, c)
	ctx := t.Context()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, greetType, "memory")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello memory" {
		t.Fatalf("greet = %q, %v; want %q", got, err, "hello memory")
	}

	// A taken port is an error from Start, not a crash.
	_, port, err := net.SplitHostPort(s.FrontendHostPort())
	if err != nil {
		t.Fatal(err)
	}
	taken, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	if s2, err := devserver.Start(ctx, devserver.Options{FrontendPort: taken, UIPort: -1}); err == nil {
		_ = s2.Stop()
		t.Fatalf("Start on taken frontend port %d succeeded", taken)
	}
}

func start(t *testing.T, opts devserver.Options) *devserver.Server {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(t.Context(), startDeadline)
	defer cancel()
	began := time.Now()
	s, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Logf("started in %v", time.Since(began))
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s
}

func dial(t *testing.T, s *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.FrontendHostPort(), Namespace: s.Namespace(), Logger: quietSDKLogger()})
	if err != nil {
		t.Fatalf("dial %s: %v", s.FrontendHostPort(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func newWorker(c client.Client) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(greet, workflow.RegisterOptions{Name: greetType})
	w.RegisterWorkflowWithOptions(collect, workflow.RegisterOptions{Name: collectType})
	return w
}

func startWorker(t *testing.T, c client.Client) sdkworker.Worker {
	t.Helper()
	w := newWorker(c)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

func quietSDKLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

func assertSearchAttributes(t *testing.T, c client.Client, ns string, want map[string]enumspb.IndexedValueType) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(t.Context(), &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range want {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s = %s (registered %v), want %s", name, got, ok, typ)
		}
	}
}

// waitListed waits for visibility, which is written asynchronously, to list id.
func waitListed(t *testing.T, c client.Client, ns, query, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		for _, e := range resp.GetExecutions() {
			if e.GetExecution().GetWorkflowId() == id {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("list %q never returned %s", query, id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertUIWriteActions checks the UI's settings and that a write through the UI's
// API is refused or carried out accordingly: it sends collect-1 its second part.
func assertUIWriteActions(t *testing.T, s *devserver.Server, enabled bool) {
	t.Helper()
	_, body := httpDo(t, http.MethodGet, s.UIURL()+"/api/v1/settings", "")
	var settings struct{ DisableWriteActions bool }
	if err := json.Unmarshal([]byte(body), &settings); err != nil {
		t.Fatalf("settings %q: %v", body, err)
	}
	if settings.DisableWriteActions == enabled {
		t.Errorf("UI settings DisableWriteActions = %v, want %v", settings.DisableWriteActions, !enabled)
	}

	b64 := base64.StdEncoding.EncodeToString
	signal := fmt.Sprintf(`{"input":{"payloads":[{"metadata":{"encoding":%q},"data":%q}]}}`,
		b64([]byte("json/plain")), b64([]byte(`"second"`)))
	url := fmt.Sprintf("%s/api/v1/namespaces/%s/workflows/collect-1/signal/%s", s.UIURL(), s.Namespace(), partSignal)
	code, body := httpDo(t, http.MethodPost, url, signal)
	want := http.StatusMethodNotAllowed
	if enabled {
		want = http.StatusOK
	}
	if code != want {
		t.Fatalf("signal through the UI: %d %s, want %d", code, body, want)
	}
}

// assertUICodec checks the codec settings the UI gives the browser: the
// endpoint of want, called with the browser's cookies, and a banner for what did
// not decode that sends the person to the board's sign-in page.
func assertUICodec(t *testing.T, s *devserver.Server, want devserver.Options) {
	t.Helper()
	_, body := httpDo(t, http.MethodGet, s.UIURL()+"/api/v1/settings", "")
	var settings struct {
		Codec struct {
			Endpoint, DefaultErrorMessage, DefaultErrorLink string
			IncludeCredentials, PassAccessToken             bool
		}
	}
	if err := json.Unmarshal([]byte(body), &settings); err != nil {
		t.Fatalf("settings %q: %v", body, err)
	}
	got := settings.Codec
	if got.Endpoint != want.CodecEndpoint || got.DefaultErrorLink != want.CodecSignIn || got.PassAccessToken {
		t.Errorf("UI codec settings %+v, want endpoint %q and link %q", got, want.CodecEndpoint, want.CodecSignIn)
	}
	if want.CodecEndpoint != "" && (!got.IncludeCredentials || !strings.Contains(got.DefaultErrorMessage, "Sign in to Tandem's board")) {
		t.Errorf("UI codec settings %+v: the browser must send its cookies, and the banner say to sign in", got)
	}
}

func httpDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	// The UI skips its CSRF check for requests that carry credentials; the
	// server's noop authorizer ignores them.
	req.Header.Set("Authorization", "Bearer test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// The server on PostgreSQL with several history shards: databases and schemas
// made at start, a workflow that outlives a restart, visibility with Tandem's
// search attributes, and both databases dropped at the end. PostgreSQL is
// required in CI, as for every PostgreSQL test.
func TestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal twice")
	}
	dsn := postgresServerURL(t)
	db := "tandem_devserver_test_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	pg := devserver.Postgres{URL: dsn, Database: db, HistoryShards: 3, MaxConns: 4, VisibilityMaxConns: 2}
	ctx := t.Context()
	// Should the test fail before the last Stop, which drops them.
	t.Cleanup(func() {
		for _, name := range []string{db, db + "_visibility"} {
			execSQL(t, dsn, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
	})

	// First start: creates the databases; kept at Stop.
	s := start(t, devserver.Options{UIPort: -1, Postgres: &pg, SearchAttributes: workflows.SearchAttributes})
	for _, want := range []string{"PostgreSQL", db + "_visibility", "3 history shards"} {
		if !strings.Contains(s.Persistence(), want) {
			t.Errorf("Persistence() = %q, want it to mention %q", s.Persistence(), want)
		}
	}
	if strings.Contains(s.Persistence(), "password") {
		t.Errorf("Persistence() = %q shows the password", s.Persistence())
	}
	c := dial(t, s)
	w := startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    "greet-pg",
		TaskQueue:             taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet("campaign")),
	}, greetType, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello postgres" {
		t.Fatalf("greet = %q, %v; want %q", got, err, "hello postgres")
	}
	waitListed(t, c, s.Namespace(), `TandemProcess = "campaign"`, "greet-pg")
	// Four services, each with a pool on each store.
	if n, most := countConnections(t, dsn, db), 4*(pg.MaxConns+pg.VisibilityMaxConns); n > most {
		t.Errorf("%d connections to %s and its visibility database, want at most %d", n, db, most)
	} else {
		t.Logf("%d connections to %s and its visibility database (at most %d)", n, db, most)
	}
	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !databaseExists(t, dsn, db) {
		t.Fatalf("database %s gone after a Stop without DropOnStop", db)
	}

	// Second start on the same databases: the schema tool finds them current,
	// the workflow is still there; this one drops them.
	pg.DropOnStop = true
	s = start(t, devserver.Options{UIPort: -1, Postgres: &pg, SearchAttributes: workflows.SearchAttributes})
	c = dial(t, s)
	if err := c.GetWorkflow(ctx, "greet-pg", "").Get(ctx, &got); err != nil || got != "hello postgres" {
		t.Fatalf("greet after restart = %q, %v; want %q", got, err, "hello postgres")
	}
	assertSearchAttributes(t, c, s.Namespace(), workflows.SearchAttributes)
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{db, db + "_visibility"} {
		if databaseExists(t, dsn, name) {
			t.Errorf("database %s left after Stop with DropOnStop", name)
		}
	}
}

func TestPostgresRejectsBadOptions(t *testing.T) {
	for name, pg := range map[string]devserver.Postgres{
		"not a URL":          {URL: "host=127.0.0.1 user=postgres"},
		"upper-case name":    {URL: storetest.DefaultPostgres, Database: "Temporal"},
		"quote in name":      {URL: storetest.DefaultPostgres, Database: `t"; DROP DATABASE test; --`},
		"name too long":      {URL: storetest.DefaultPostgres, Database: strings.Repeat("t", 53)},
		"negative shards":    {URL: storetest.DefaultPostgres, HistoryShards: -1},
		"negative max conns": {URL: storetest.DefaultPostgres, MaxConns: -1},
	} {
		if s, err := devserver.Start(t.Context(), devserver.Options{UIPort: -1, Postgres: &pg}); err == nil {
			_ = s.Stop()
			t.Errorf("%s: Start succeeded", name)
		}
	}
	pg := devserver.Postgres{URL: storetest.DefaultPostgres}
	if s, err := devserver.Start(t.Context(), devserver.Options{UIPort: -1, Postgres: &pg, DataDir: t.TempDir()}); err == nil {
		_ = s.Stop()
		t.Error("Start with both a data directory and PostgreSQL succeeded")
	}
}

// postgresServerURL is the test PostgreSQL server's URL, on the terms of
// storetest.PostgresDSN: unreachable fails the test in CI and skips it
// elsewhere. The schema that makes is not used: the server gets databases of
// its own, and the URL loses the search_path that would point into the schema.
func postgresServerURL(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

func databaseExists(t *testing.T, dsn, name string) bool {
	t.Helper()
	var exists bool
	queryRow(t, dsn, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", []any{name}, &exists)
	return exists
}

func countConnections(t *testing.T, dsn, db string) int {
	t.Helper()
	var n int
	queryRow(t, dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname IN ($1::text, $1::text || '_visibility')", []any{db}, &n)
	return n
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Error(err)
	}
}

func queryRow(t *testing.T, dsn, sql string, args []any, dest ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatal(err)
	}
}
