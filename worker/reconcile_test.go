package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
)

// run is one workflow run as the fake Temporal knows it.
type run struct {
	wid, runID string
	wfType     string
	status     enumspb.WorkflowExecutionStatus
	closed     time.Time
}

// fakeRuns answers ListWorkflow by evaluating the reconciler's query over its runs
// (types, statuses and the close-time window), two per page, and
// DescribeWorkflowExecution with the latest run of a workflow.
type fakeRuns struct {
	mu       sync.Mutex
	runs     []run // oldest first per workflow
	failOn   string
	queries  []string
	describe []string
	// signals are the signals sent, by workflow ID; signalErr, by workflow ID,
	// is what sending one answers.
	signals   map[string][]any
	signalErr map[string]error
}

var (
	typesRe    = regexp.MustCompile(`WorkflowType IN \(([^)]*)\)`)
	statusesRe = regexp.MustCompile(`ExecutionStatus IN \(([^)]*)\)`)
	windowRe   = regexp.MustCompile(`CloseTime > '([^']+)' AND CloseTime <= '([^']+)'`)
)

func (f *fakeRuns) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, req.Query)
	types, statuses, window := typesRe.FindStringSubmatch(req.Query), statusesRe.FindStringSubmatch(req.Query), windowRe.FindStringSubmatch(req.Query)
	if types == nil || statuses == nil || window == nil {
		return nil, fmt.Errorf("fake: unexpected query %q", req.Query)
	}
	since, err1 := time.Parse(time.RFC3339Nano, window[1])
	upto, err2 := time.Parse(time.RFC3339Nano, window[2])
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	var match []*workflowpb.WorkflowExecutionInfo
	for _, r := range f.runs {
		if r.status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || !r.closed.After(since) || r.closed.After(upto) ||
			!strings.Contains(types[1], "'"+r.wfType+"'") || !strings.Contains(statuses[1], "'"+r.status.String()+"'") {
			continue
		}
		match = append(match, r.info())
	}
	start := 0
	if len(req.NextPageToken) > 0 {
		start, _ = strconv.Atoi(string(req.NextPageToken))
	}
	resp := &workflowservice.ListWorkflowExecutionsResponse{Executions: match[start:min(start+2, len(match))]}
	if start+2 < len(match) {
		resp.NextPageToken = fmt.Append(nil, start+2)
	}
	return resp, nil
}

func (f *fakeRuns) DescribeWorkflowExecution(_ context.Context, wid, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.describe = append(f.describe, wid)
	if runID != "" {
		return nil, fmt.Errorf("fake: the reconciler must ask for the latest run, asked for %q", runID)
	}
	if wid == f.failOn {
		return nil, errors.New("fake: Temporal is unavailable")
	}
	for i := len(f.runs) - 1; i >= 0; i-- {
		if f.runs[i].wid == wid {
			return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: f.runs[i].info()}, nil
		}
	}
	return nil, fmt.Errorf("fake: no workflow %s", wid)
}

func (f *fakeRuns) SignalWorkflow(_ context.Context, wid, runID, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if runID != "" || name != contract.SignalRiskChanged {
		return fmt.Errorf("fake: unexpected signal %s to run %q", name, runID)
	}
	if err := f.signalErr[wid]; err != nil {
		return err
	}
	if f.signals == nil {
		f.signals = map[string][]any{}
	}
	f.signals[wid] = append(f.signals[wid], arg)
	return nil
}

func (r run) info() *workflowpb.WorkflowExecutionInfo {
	i := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: r.wid, RunId: r.runID},
		Type:      &commonpb.WorkflowType{Name: r.wfType}, Status: r.status, TaskQueue: contract.TaskQueue,
	}
	if !r.closed.IsZero() {
		i.CloseTime = timestamppb.New(r.closed)
	}
	return i
}

// fixture is a store with a record and an open task for each process ID given.
func fixture(t *testing.T, created time.Time, ids ...string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), storetest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		p, _, _ := contract.ProcessOfWorkflowID(wid(id))
		task := domain.Task{
			ID: domain.TaskID(id, 1), Process: p, ProcessID: id, WorkflowID: wid(id), Kind: domain.KindWork,
			Title: "Confidential: Printer", Team: domain.TeamCreative, Assignee: "pat", Status: domain.TaskOpen,
			DueAt: created.Add(time.Hour), CreatedAt: created, UpdatedAt: created,
		}
		b := domain.Batch{Tasks: []domain.Task{task}}
		switch p {
		case domain.ProcessCampaign:
			b.Campaign = &domain.Campaign{ID: id, WorkflowID: wid(id), Status: domain.StatusActive, Stage: domain.StageProduction,
				Brief: domain.Brief{Name: "Confidential launch", ProjectManager: "pat", MarketingOpsManager: "maya"}, CreatedAt: created, UpdatedAt: created}
		case domain.ProcessHiring:
			b.Hiring = &domain.HiringRequest{ID: id, WorkflowID: wid(id), Status: domain.StatusActive, Stage: domain.StageApproval,
				RequestedBy: "pat", Request: domain.Requisition{Title: "Confidential hire", HiringManager: "sam"}, CreatedAt: created, UpdatedAt: created}
		case domain.ProcessRisk:
			b.Risk = &domain.Risk{ID: id, WorkflowID: wid(id), Title: "Confidential: Printer", Owner: "maya", Status: domain.RiskOpen, CreatedAt: created, UpdatedAt: created}
		case domain.ProcessTemplate:
			b.TemplateRun = &domain.TemplateRun{ID: id, WorkflowID: wid(id), TemplateKey: "webinar", TemplateVersion: 1, TemplateName: "Webinar",
				Title: "Confidential webinar", Status: domain.StatusActive, Stage: "plan", Round: 1, Intake: map[string]any{}, RequestedBy: "pat",
				CreatedAt: created, UpdatedAt: created}
		}
		if err := st.Apply(t.Context(), b); err != nil {
			t.Fatalf("seed %d %s: %v", i, id, err)
		}
	}
	return st
}

func wid(id string) string {
	switch {
	case strings.HasPrefix(id, domain.PrefixCampaign):
		return contract.CampaignWorkflowID(id)
	case strings.HasPrefix(id, domain.PrefixHiring):
		return contract.HiringWorkflowID(id)
	case strings.HasPrefix(id, domain.PrefixTemplateRun):
		return contract.TemplateRunWorkflowID(id)
	}
	return contract.RiskWorkflowID(id)
}

// status reads the record's status and its task's.
func status(t *testing.T, st *store.Store, id string) (string, domain.TaskStatus) {
	t.Helper()
	var s string
	var err error
	switch p, _, _ := contract.ProcessOfWorkflowID(wid(id)); p {
	case domain.ProcessCampaign:
		var c domain.Campaign
		c, err = st.Campaign(t.Context(), id)
		s = string(c.Status)
	case domain.ProcessHiring:
		var h domain.HiringRequest
		h, err = st.HiringRequest(t.Context(), id)
		s = string(h.Status)
	case domain.ProcessTemplate:
		var r domain.TemplateRun
		r, err = st.TemplateRun(t.Context(), id)
		s = string(r.Status)
	default:
		var r domain.Risk
		r, err = st.Risk(t.Context(), id)
		s = string(r.Status)
	}
	if err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	task, err := st.Task(t.Context(), domain.TaskID(id, 1))
	if err != nil {
		t.Fatalf("read the task of %s: %v", id, err)
	}
	return s, task.Status
}

const (
	terminated = enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
	canceled   = enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
	failed     = enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
	timedOut   = enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT
	running    = enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	completed  = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	canNew     = enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
)

var _ Runs = (*fakeRuns)(nil)

func TestReconcilerClosesRunsThatEndedInTemporal(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	const (
		riskTerminated = "rsk_aaaaaaaaaaaa"
		campCancelled  = "cmp_bbbbbbbbbbbb"
		hireFailed     = "hir_cccccccccccc"
		riskTimedOut   = "rsk_dddddddddddd"
		riskReset      = "rsk_eeeeeeeeeeee" // terminated by a reset: its new run goes on
		riskRecent     = "rsk_ffffffffffff" // terminated within the grace period
		riskLongAgo    = "rsk_gggggggggggg" // terminated before the lookback
		riskDone       = "rsk_hhhhhhhhhhhh" // resolved by its run, then terminated
		riskCAN        = "rsk_jjjjjjjjjjjj" // continued as new, then its new run was terminated
		riskRetried    = "rsk_kkkkkkkkkkkk" // failed, then a new run completed
		riskNoRecord   = "rsk_mmmmmmmmmmmm" // terminated before it wrote anything
		runTerminated  = "tpr_pppppppppppp" // a template's run, terminated
	)
	st := fixture(t, ago(30*24*time.Hour), riskTerminated, campCancelled, hireFailed, riskTimedOut, riskReset, riskRecent, riskLongAgo, riskDone, riskCAN, riskRetried, runTerminated)
	resolved := domain.Risk{ID: riskDone, WorkflowID: wid(riskDone), Owner: "maya", Status: domain.RiskResolved}
	if err := st.Apply(t.Context(), domain.Batch{Risk: &resolved}); err != nil {
		t.Fatal(err)
	}
	runs := &fakeRuns{runs: []run{
		{wid(riskTerminated), "r1", contract.RiskType, terminated, ago(time.Hour)},
		{wid(campCancelled), "r1", contract.CampaignLaunchType, canceled, ago(2 * time.Hour)},
		{wid(hireFailed), "r1", contract.HiringRequestType, failed, ago(3 * 24 * time.Hour)},
		{wid(riskTimedOut), "r1", contract.RiskType, timedOut, ago(6 * 24 * time.Hour)},
		{wid(riskReset), "r1", contract.RiskType, terminated, ago(time.Hour)},
		{wid(riskReset), "r2", contract.RiskType, running, time.Time{}},
		{wid(riskRecent), "r1", contract.RiskType, terminated, ago(30 * time.Second)},
		{wid(riskLongAgo), "r1", contract.RiskType, terminated, ago(8 * 24 * time.Hour)},
		{wid(riskDone), "r1", contract.RiskType, terminated, ago(time.Hour)},
		{wid(riskCAN), "r1", contract.RiskType, canNew, ago(2 * time.Hour)},
		{wid(riskCAN), "r2", contract.RiskType, terminated, ago(time.Hour)},
		{wid(riskRetried), "r1", contract.RiskType, failed, ago(2 * time.Hour)},
		{wid(riskRetried), "r2", contract.RiskType, completed, ago(time.Hour)},
		{wid(riskNoRecord), "r1", contract.RiskType, terminated, ago(time.Hour)},
		{wid(runTerminated), "r1", contract.TemplateRunType, terminated, ago(time.Hour)},
		{"floor-1", "r1", contract.RiskType, terminated, ago(time.Hour)}, // not a Tandem ID
		{wid("rsk_nnnnnnnnnnnn"), "r1", "SomethingElse", terminated, ago(time.Hour)},
	}}
	var logs bytes.Buffer
	rec := NewReconciler(runs, st, slog.New(slog.NewTextHandler(&logs, nil)), ReconcileConfig{})

	n, err := rec.Pass(t.Context(), now)
	if err != nil || n != 6 {
		t.Fatalf("first pass closed %d, %v; want 6", n, err)
	}
	for id, want := range map[string]string{
		riskTerminated: "closed", campCancelled: "cancelled", hireFailed: "cancelled", riskTimedOut: "closed", runTerminated: "cancelled",
		riskCAN: "closed", riskReset: "open", riskRecent: "open", riskLongAgo: "open", riskRetried: "open",
	} {
		s, task := status(t, st, id)
		wantTask := domain.TaskCancelled
		if want == "open" {
			wantTask = domain.TaskOpen
		}
		if s != want || task != wantTask {
			t.Errorf("%s: record %s, task %s; want %s, %s", id, s, task, want, wantTask)
		}
	}
	if r, err := st.Risk(t.Context(), riskDone); err != nil || r.Status != domain.RiskResolved || r.Reason != "" {
		t.Errorf("%s, resolved before its run was terminated: %+v, %v", riskDone, r, err)
	}
	events, err := st.Timeline(t.Context(), domain.ProcessRisk, riskTerminated)
	if err != nil || len(events) != 1 || events[0].Message != "The risk is closed: its workflow run was terminated in Temporal, outside Tandem; its open task was cancelled." ||
		!events[0].At.Equal(ago(time.Hour)) {
		t.Errorf("timeline of %s: %+v, %v", riskTerminated, events, err)
	}
	// Temporal is asked about records still open only; the ended and the missing
	// ones cost a records read.
	if want := []string{wid(campCancelled), wid(hireFailed), wid(riskTerminated), wid(riskTimedOut), wid(riskCAN), wid(riskReset), wid(riskRetried), wid(runTerminated)}; !sameSet(runs.describe, want) {
		t.Errorf("described %v, want %v", runs.describe, want)
	}
	// The log names what was closed by ID, never by title or name.
	for _, id := range []string{riskTerminated, campCancelled, hireFailed, riskTimedOut} {
		if !strings.Contains(logs.String(), id) {
			t.Errorf("the log does not name %s:\n%s", id, logs.String())
		}
	}
	if strings.Contains(logs.String(), "Confidential") {
		t.Errorf("the log holds a title:\n%s", logs.String())
	}

	// A minute later the recent one is past its grace period; nothing is closed twice.
	n, err = rec.Pass(t.Context(), now.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("second pass closed %d, %v; want 1", n, err)
	}
	if s, task := status(t, st, riskRecent); s != "closed" || task != domain.TaskCancelled {
		t.Errorf("%s after its grace: %s, %s", riskRecent, s, task)
	}
	// Later passes look only at the minutes since the last one, overlapping it.
	last := runs.queries[len(runs.queries)-1]
	if want := fmt.Sprintf("CloseTime > '%s' AND CloseTime <= '%s'", now.Add(-2*time.Minute).Format(time.RFC3339Nano), now.Format(time.RFC3339Nano)); !strings.Contains(last, want) {
		t.Errorf("second query %q\nwant the window %s", last, want)
	}
	if n, err := rec.Pass(t.Context(), now.Add(2*time.Minute)); err != nil || n != 0 {
		t.Errorf("third pass closed %d, %v; want 0", n, err)
	}
}

func TestReconcilerRetriesWhatAFailedPassMissed(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	const a, b = "rsk_aaaaaaaaaaaa", "rsk_bbbbbbbbbbbb"
	st := fixture(t, now.Add(-time.Hour), a, b)
	runs := &fakeRuns{failOn: wid(b), runs: []run{
		{wid(a), "r1", contract.RiskType, terminated, now.Add(-10 * time.Minute)},
		{wid(b), "r1", contract.RiskType, terminated, now.Add(-10 * time.Minute)},
	}}
	rec := NewReconciler(runs, st, slog.New(slog.DiscardHandler), ReconcileConfig{Lookback: 2 * time.Hour})
	n, err := rec.Pass(t.Context(), now)
	if err == nil || n != 1 {
		t.Fatalf("pass with Temporal failing on %s: closed %d, %v; want 1 and an error", b, n, err)
	}
	runs.failOn = ""
	// An hour later, far past the failed window's end: the window did not move on.
	if n, err := rec.Pass(t.Context(), now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("next pass closed %d, %v; want 1", n, err)
	}
	if s, task := status(t, st, b); s != "closed" || task != domain.TaskCancelled {
		t.Errorf("%s: %s, %s", b, s, task)
	}

	// A run that fails every pass holds the window back no further than the lookback.
	runs.failOn = wid(a)
	runs.runs = append(runs.runs, run{wid(a), "r2", contract.RiskType, terminated, now.Add(2 * time.Hour)})
	if err := st.Apply(t.Context(), domain.Batch{Risk: &domain.Risk{ID: a, WorkflowID: wid(a), Owner: "maya", Status: domain.RiskOpen}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Pass(t.Context(), now.Add(3*time.Hour)); err == nil {
		t.Fatal("a pass with Temporal failing reported no error")
	}
	// Past the lookback the run is given up: the window starts there.
	if _, err := rec.Pass(t.Context(), now.Add(5*time.Hour)); err != nil {
		t.Fatalf("a pass past the lookback of the failing run: %v", err)
	}
	last := runs.queries[len(runs.queries)-1]
	if want := "CloseTime > '" + now.Add(3*time.Hour).Format(time.RFC3339Nano) + "'"; !strings.Contains(last, want) {
		t.Errorf("query %q\nwant the window to start at the lookback: %s", last, want)
	}
}

func TestReconcilerReleasesTheLinkedCampaign(t *testing.T) {
	// A critical risk linked to a campaign holds its launch until the campaign
	// hears it has ended: the reconciler tells it, as the risk's run would have.
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	const (
		holding   = "rsk_aaaaaaaaaaaa" // linked to a running campaign
		lateTell  = "rsk_bbbbbbbbbbbb" // linked to a campaign Temporal cannot reach yet
		campEnded = "rsk_cccccccccccc" // linked to a campaign that has ended
		unlinked  = "rsk_dddddddddddd"
	)
	st := fixture(t, now.Add(-time.Hour), holding, lateTell, campEnded, unlinked)
	for id, cmp := range map[string]string{holding: "cmp_111111111111", lateTell: "cmp_222222222222", campEnded: "cmp_333333333333"} {
		r, err := st.Risk(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		r.Related, r.Cause, r.Severity = &domain.Related{Process: domain.ProcessCampaign, ID: cmp}, "overdue:tsk_1", domain.SeverityCritical
		if err := st.Apply(t.Context(), domain.Batch{Risk: &r}); err != nil {
			t.Fatal(err)
		}
	}
	runs := &fakeRuns{signalErr: map[string]error{
		contract.CampaignWorkflowID("cmp_222222222222"): serviceerror.NewUnavailable("frontend restarting"),
		contract.CampaignWorkflowID("cmp_333333333333"): serviceerror.NewNotFound("workflow execution already completed"),
	}}
	for _, id := range []string{holding, lateTell, campEnded, unlinked} {
		runs.runs = append(runs.runs, run{wid(id), "r1", contract.RiskType, terminated, now.Add(-10 * time.Minute)})
	}
	rec := NewReconciler(runs, st, slog.New(slog.DiscardHandler), ReconcileConfig{Lookback: time.Hour})

	n, err := rec.Pass(t.Context(), now)
	if err == nil || n != 3 {
		t.Fatalf("pass: closed %d, %v; want 3 and an error for the campaign not reached", n, err)
	}
	want := domain.LinkedRisk{ID: holding, Cause: "overdue:tsk_1", Severity: domain.SeverityCritical, Status: domain.RiskClosed, Title: "Confidential: Printer", Owner: "maya"}
	if got := runs.signals[contract.CampaignWorkflowID("cmp_111111111111")]; len(got) != 1 || got[0] != want {
		t.Errorf("the holding risk's campaign got %+v, want %+v", got, want)
	}
	if len(runs.signals) != 1 {
		t.Errorf("signals %+v: only the running campaign can be told", runs.signals)
	}
	// Not told, so not closed: the next pass tells it and closes the risk.
	if s, task := status(t, st, lateTell); s != "open" || task != domain.TaskOpen {
		t.Errorf("%s, its campaign not told: %s, %s; want it left open", lateTell, s, task)
	}
	delete(runs.signalErr, contract.CampaignWorkflowID("cmp_222222222222"))
	if n, err := rec.Pass(t.Context(), now.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("next pass: closed %d, %v; want 1", n, err)
	}
	if got := runs.signals[contract.CampaignWorkflowID("cmp_222222222222")]; len(got) != 1 {
		t.Errorf("the late campaign got %+v, want one signal", got)
	}
	for _, id := range []string{holding, lateTell, campEnded, unlinked} {
		if s, task := status(t, st, id); s != "closed" || task != domain.TaskCancelled {
			t.Errorf("%s: %s, %s; want closed, cancelled", id, s, task)
		}
	}
}

func sameSet(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(slices.Compact(got), want)
}
