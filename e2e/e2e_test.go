package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/netguard"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows"
)

// saveHistory names the histories the OverHTTP tests write where the replay test
// reads them: go test ./e2e -run OverHTTP -save-history=TAG writes
// campaign-completed-TAG.json, hiring-filled-TAG.json and so on. Do it when a
// workflow's command sequence changes on purpose, with a new tag, keeping the old
// files for the runs still out there.
var saveHistory = flag.String("save-history", "", "save the runs' histories to workflows/testdata/histories, names ending in this tag")

// stack is Tandem running in this process, reachable over HTTP.
type stack struct {
	t        *testing.T
	url      string
	tokens   map[string]string
	temporal *wiring.Client
	records  *store.Store
	// app is how the stack is wired, as `tandem dev` wires it but for the
	// settings of tests.
	app wiring.Config
	// stopWorker stops the worker startWorker started.
	stopWorker func()
	// frontend is Temporal's address, for tests that go around Tandem to it.
	frontend string
	// ui is Temporal's Web UI, run by startWithUI only.
	ui string
}

// seconds is a policy where a whole campaign fits in a test: deliverables due 5s
// before launch, readiness 2s before, a few seconds of tracking.
func seconds() domain.Policy {
	p := domain.DefaultPolicy()
	c := &p.Campaign
	c.BriefReviewSLA, c.ReviseSLA, c.SignOffSLA, c.RetrospectiveSLA = dur(time.Minute), dur(time.Minute), dur(time.Minute), dur(time.Minute)
	c.ReminderBeforeDue, c.ReadinessLeadTime, c.LaunchSlip = dur(time.Second), dur(2*time.Second), dur(10*time.Second)
	c.TrackingWindow, c.KPIEvaluationInterval = dur(4*time.Second), dur(2*time.Second)
	for i := range c.Deliverables {
		c.Deliverables[i].DueBeforeLaunch = dur(5 * time.Second)
	}
	return p
}

func dur(d time.Duration) domain.Duration { return domain.Duration(d) }

func start(t *testing.T, pol domain.Policy) *stack {
	t.Helper()
	return startStack(t, pol, false)
}

// startWithUI is start with Temporal's Web UI, which decodes payloads through
// the stack's API in the browser's session, as `tandem dev` runs it.
func startWithUI(t *testing.T, pol domain.Policy) *stack {
	t.Helper()
	return startStack(t, pol, true)
}

func startStack(t *testing.T, pol domain.Policy, ui bool) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// Errors only: Temporal warns about every connection it drops at shutdown.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	// The API's address is known before Temporal starts, for its UI to decode there.
	hs := listen(t)
	opts := devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes, Logger: logger}
	if ui {
		base := "http://" + hs.Listener.Addr().String()
		opts.UIPort, opts.CodecEndpoint, opts.CodecSignIn = 0, base+api.CodecEndpoint, base+"/signin"
	}
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start Temporal: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	s := newStack(t, storetest.PostgresDSN(t), pol, logger)
	s.connect(srv, hs)
	return s
}

// newStack is a stack wired with pol over the records at dsn, migrated and
// seeded with the demo directory; connect starts it.
func newStack(t *testing.T, dsn string, pol domain.Policy, logger *slog.Logger) *stack {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tokens, err := store.SeedDemo(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := wiring.Config{
		Logger: logger, Records: st, Webhooks: webhookGuard,
		Temporal: wiring.Temporal{Settings: temporalclient.Settings{Keys: keyring(t)}},
		// The pages poll every second, so the browser tests see work move quickly.
		API: wiring.API{Policy: pol, PollInterval: time.Second, TokenSignIn: true},
		// No reconciler: the tests that need one run its passes themselves.
		Worker: wiring.Worker{Reconcile: worker.ReconcileConfig{Every: 0}},
	}
	return &stack{t: t, tokens: tokens, records: st, app: app}
}

// connect points the stack at srv, as `tandem dev` runs it: a client, a
// worker, and the API with the board served on hs, made by listen. After a
// Temporal restart, which comes back on other ports, it is called again.
func (s *stack) connect(srv *devserver.Server, hs *httptest.Server) {
	s.t.Helper()
	s.app.Temporal.Embedded, s.app.API.UIURL = srv, srv.UIURL()
	c, err := wiring.Dial(context.Background(), s.app)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(c.Close)
	// Registered after the client's: the worker stops before its client closes.
	s.t.Cleanup(func() { s.stopWorker() })
	hs.Config.Handler = wiring.Handler(c, s.app)
	hs.Start()
	s.temporal, s.url, s.frontend, s.ui = c, hs.URL, srv.FrontendHostPort(), srv.UIURL()
	s.startWorker()
}

// testKeys seals every payload of this test binary's stacks, as a deployment's
// keys would: the e2e tests run Tandem with encryption on, as it always runs.
var testKeys = sync.OnceValues(func() (*codec.Keyring, error) {
	entry, err := codec.NewKeyEntry("e2e", time.Now())
	if err != nil {
		return nil, err
	}
	return codec.ParseKeys(entry)
})

func keyring(t *testing.T) *codec.Keyring {
	t.Helper()
	k, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testCodec opens payloads as the API's codec endpoint does.
func testCodec(t *testing.T) *codec.Codec {
	return codec.New(keyring(t), codec.Options{AcceptClear: true})
}

// listen makes the HTTP server of a stack without starting it: it listens
// already, so its address is known before the API it will serve is made.
func listen(t *testing.T) *httptest.Server {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	return hs
}

// webhookGuard lets webhooks reach the tests' receivers, which httptest serves
// on 127.0.0.1, as an operator allowing a receiver on the same machine would;
// nothing else internal. The API and the worker share it, as they must share
// the settings in production.
var webhookGuard = func() *netguard.Guard {
	g, err := netguard.New(netguard.Config{Allow: []string{"127.0.0.1"}})
	if err != nil {
		panic(err)
	}
	return g
}()

func (s *stack) startWorker() {
	s.t.Helper()
	stop, err := wiring.StartWorker(context.Background(), s.temporal, s.app)
	if err != nil {
		s.t.Fatal(err)
	}
	s.stopWorker = stop
}

// restartWorker stops the worker, as a crash or a deploy would, and starts a new
// one on the same task queue.
func (s *stack) restartWorker() {
	s.stopWorker()
	s.startWorker()
}

// answer is an HTTP answer: status, headers and the raw body.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send sends a JSON request as a demo person and returns the answer as it came.
func (s *stack) send(who, method, path string, body any, headers ...string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

// call sends a JSON request as a demo person and decodes the answer into out
// (when not nil); it returns the status code.
func (s *stack) call(who, method, path string, body any, out any, headers ...string) int {
	s.t.Helper()
	a := s.send(who, method, path, body, headers...)
	if out != nil && a.status < 300 {
		if err := json.Unmarshal(a.body, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, a.body)
		}
	}
	if a.status >= 300 {
		s.t.Logf("%s %s as %s: %d %s", method, path, who, a.status, a.body)
	}
	return a.status
}

// must is call that expects the given status.
func (s *stack) must(want int, who, method, path string, body, out any, headers ...string) {
	s.t.Helper()
	if got := s.call(who, method, path, body, out, headers...); got != want {
		s.t.Fatalf("%s %s as %s: status %d, want %d", method, path, who, got, want)
	}
}

type campaign struct {
	ID        string             `json:"id"`
	Stage     domain.Stage       `json:"stage"`
	Status    domain.Status      `json:"status"`
	Tasks     []domain.Task      `json:"tasks"`
	WaitingOn []domain.WaitingOn `json:"waiting_on"`
	Report    *domain.Report     `json:"report"`
	KPIs      []domain.KPIResult `json:"kpi_report"`
}

// waitFor polls the campaign until cond holds, failing after a minute.
func (s *stack) waitFor(id, what string, cond func(campaign) bool) campaign {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var c campaign
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+id, nil, &c)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("campaign %s never reached %s: stage %s, status %s, waiting on %+v", id, what, c.Stage, c.Status, c.WaitingOn)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// projected waits until the records hold every task of c, as the inbox would show
// them: the live detail can show a task a moment before its row is written.
func (s *stack) projected(c campaign) campaign {
	s.t.Helper()
	for _, task := range c.Tasks {
		for tries := 0; s.call("pat", http.MethodGet, "/api/v1/tasks/"+task.ID, nil, nil) != http.StatusOK; tries++ {
			if tries > 100 {
				s.t.Fatalf("task %s never reached the records", task.ID)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return c
}

func (c campaign) open(keyPrefix string) []domain.Task {
	var out []domain.Task
	for _, t := range c.Tasks {
		if t.IsOpen() && len(t.Key) >= len(keyPrefix) && t.Key[:len(keyPrefix)] == keyPrefix {
			out = append(out, t)
		}
	}
	return out
}

// teamMember is the demo person who does each team's work.
var teamMember = map[domain.Team]string{
	domain.TeamCreative: "cleo", domain.TeamContent: "colin", domain.TeamWeb: "wes", domain.TeamAnalytics: "ana", domain.TeamLegal: "lee",
}

func TestCampaignOverHTTPFromBriefToCompleted(t *testing.T) {
	s := start(t, seconds())
	brief := map[string]any{
		"name": "Spring launch", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email", "paid_search"}, "budget": map[string]any{"amount": 50000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(15 * time.Second).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}

	var created, again campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created, "Idempotency-Key", "spring-1")
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &again, "Idempotency-Key", "spring-1")
	if again.ID != created.ID {
		t.Fatalf("the same Idempotency-Key made two campaigns: %s and %s", created.ID, again.ID)
	}
	var list struct{ Items []campaign }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns?owner=pat", nil, &list)
	if len(list.Items) > 1 {
		t.Errorf("%d campaigns listed, want the one", len(list.Items))
	}
	id := created.ID

	c := s.projected(s.waitFor(id, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	review := c.open("brief_review")[0]
	s.must(http.StatusForbidden, "pat", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved", "comment": "Clear goals"}, nil)
	s.must(http.StatusConflict, "maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)

	c = s.projected(s.waitFor(id, "production", func(c campaign) bool { return c.Stage == domain.StageProduction && len(c.open("deliverable:")) == 5 }))
	for _, task := range c.open("deliverable:") {
		// The inbox of the team shows the task before anyone completes it.
		var inbox struct{ Items []domain.Task }
		who := teamMember[task.Team]
		s.must(http.StatusOK, who, http.MethodGet, fmt.Sprintf("/api/v1/tasks?team=%s&status=open&process_id=%s", task.Team, id), nil, &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].ID != task.ID {
			t.Errorf("inbox of %s = %+v, want %s", task.Team, inbox.Items, task.ID)
		}
		s.must(http.StatusOK, who, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done"}, nil)
	}

	c = s.projected(s.waitFor(id, "readiness", func(c campaign) bool { return len(c.open("sign_off:")) == 2 }))
	for _, task := range c.open("sign_off:") {
		s.must(http.StatusOK, task.Assignee, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	}

	s.waitFor(id, "launch", func(c campaign) bool { return c.Stage == domain.StageTracking })
	s.must(http.StatusOK, "ana", http.MethodPost, "/api/v1/campaigns/"+id+"/kpis", map[string]any{"actuals": []map[string]any{{"name": "signups", "value": 1250}}}, nil)

	c = s.projected(s.waitFor(id, "retrospective", func(c campaign) bool { return len(c.open("retrospective:")) == 2 }))
	if c.Report == nil || len(c.Report.KPIs) != 1 || c.Report.KPIs[0].Attained == nil || !*c.Report.KPIs[0].Attained {
		t.Fatalf("retrospective report = %+v, want signups attained", c.Report)
	}
	for _, task := range c.open("retrospective:") {
		s.must(http.StatusOK, task.Assignee, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done", "comment": "Lessons"}, nil)
	}
	// The run's end, not the live query: by then the last records and search attributes are written.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var result contract.CampaignResult
	if err := s.temporal.GetWorkflow(ctx, contract.CampaignWorkflowID(id), "").Get(ctx, &result); err != nil || result.Status != domain.StatusCompleted {
		t.Fatalf("run ended with %+v, %v; want completed", result, err)
	}
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+id, nil, &c)
	if c.Status != domain.StatusCompleted || c.Stage != domain.StageRetrospective || len(c.WaitingOn) != 0 {
		t.Errorf("completed campaign: stage %s, waiting on %+v", c.Stage, c.WaitingOn)
	}

	// The records agree with the run: the list shows it completed, the timeline tells the story.
	var stored struct{ Items []campaign }
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/campaigns?status=completed", nil, &stored)
	if len(stored.Items) != 1 || stored.Items[0].ID != id {
		t.Errorf("completed campaigns = %+v", stored.Items)
	}
	var timeline struct{ Items []domain.Event }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+id+"/timeline", nil, &timeline)
	kinds := map[domain.EventKind]int{}
	for _, e := range timeline.Items {
		kinds[e.Kind]++
	}
	if kinds[domain.EventStarted] != 1 || kinds[domain.EventEnded] != 1 || kinds[domain.EventStage] != 7 || kinds[domain.EventTaskCompleted] != 10 {
		t.Errorf("timeline events by kind = %v", kinds)
	}
	var notes struct{ Items []domain.Notification }
	s.must(http.StatusOK, "cleo", http.MethodGet, "/api/v1/notifications", nil, &notes)
	if len(notes.Items) == 0 {
		t.Error("cleo was never told about the creative task")
	}

	// The Temporal UI can find the run by its search attributes.
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, contract.CampaignWorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	attrs := desc.WorkflowExecutionInfo.SearchAttributes.GetIndexedFields()
	for _, name := range []string{"TandemProcess", "TandemStage", "TandemStatus"} {
		if attrs[name] == nil {
			t.Errorf("search attribute %s missing on the run", name)
		}
	}
	if got := string(attrs["TandemStatus"].GetData()); got != `"completed"` {
		t.Errorf("TandemStatus = %s, want completed", got)
	}
	s.saveHistory(ctx, contract.CampaignWorkflowID(id), "campaign-completed")
}

// saveHistory saves a run's history as name-TAG.json when -save-history=TAG is set.
func (s *stack) saveHistory(ctx context.Context, workflowID, name string) {
	s.t.Helper()
	s.saveRunHistory(ctx, workflowID, "", name)
}

// saveRunHistory is saveHistory of one run of a workflow, an earlier one that
// continued as new; "" is the latest.
func (s *stack) saveRunHistory(ctx context.Context, workflowID, runID, name string) {
	s.t.Helper()
	if *saveHistory == "" {
		return
	}
	// Saved in clear: the replay tests replay it without Tandem's keys.
	h := s.runHistory(ctx, workflowID, runID)
	openPayloads(s.t, ctx, h)
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		s.t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", "histories", name+"-"+*saveHistory+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("saved %d events to %s", len(h.Events), path)
}

// history reads the latest run's whole history as Temporal keeps it, payloads sealed.
func (s *stack) history(ctx context.Context, workflowID string) *historypb.History {
	s.t.Helper()
	return s.runHistory(ctx, workflowID, "")
}

// runHistory is history of run runID, or of the latest run when it is "".
func (s *stack) runHistory(ctx context.Context, workflowID, runID string) *historypb.History {
	s.t.Helper()
	var events []*historypb.HistoryEvent
	it := s.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		events = append(events, e)
	}
	return &historypb.History{Events: events}
}

// openPayloads decodes every sealed payload of msg in place, with the keys the
// stack seals with.
func openPayloads(t *testing.T, ctx context.Context, msg proto.Message) {
	t.Helper()
	if err := proxy.VisitPayloads(ctx, msg, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return testCodec(t).Decode(ps)
		},
	}); err != nil {
		t.Fatal(err)
	}
}

// runID is the ID of the workflow's latest run.
func (s *stack) runID(ctx context.Context, workflowID string) string {
	s.t.Helper()
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		s.t.Fatalf("describe %s: %v", workflowID, err)
	}
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// noticesAbout lists who's notifications about process id.
func (s *stack) noticesAbout(who, id string) []domain.Notification {
	s.t.Helper()
	var page struct {
		Items []domain.Notification `json:"items"`
	}
	s.must(http.StatusOK, who, http.MethodGet, "/api/v1/notifications?limit=200", nil, &page)
	var out []domain.Notification
	for _, n := range page.Items {
		if n.ProcessID == id {
			out = append(out, n)
		}
	}
	return out
}

// waitNotices waits until who has at least n notifications about id: the live
// detail shows an escalation a moment before its notices are written.
func (s *stack) waitNotices(who, id string, n int, kind domain.NotificationKind) []domain.Notification {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got []domain.Notification
		for _, x := range s.noticesAbout(who, id) {
			if kind == "" || x.Kind == kind {
				got = append(got, x)
			}
		}
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}
