package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const me = "42@worker-a@"

// fakeFrontend answers CheckHealth and DescribeTaskQueue as told, per task type.
type fakeFrontend struct {
	workflowservice.WorkflowServiceClient
	health error

	mu       sync.Mutex
	pollers  map[enumspb.TaskQueueType][]*taskqueuepb.PollerInfo
	stats    map[enumspb.TaskQueueType]*taskqueuepb.TaskQueueStats
	describe error
	asked    []*workflowservice.DescribeTaskQueueRequest
}

func (f *fakeFrontend) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, f.health
}

func (f *fakeFrontend) WorkflowService() workflowservice.WorkflowServiceClient { return f }

func (f *fakeFrontend) DescribeTaskQueue(_ context.Context, req *workflowservice.DescribeTaskQueueRequest, _ ...grpc.CallOption) (*workflowservice.DescribeTaskQueueResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, req)
	if f.describe != nil {
		return nil, f.describe
	}
	resp := &workflowservice.DescribeTaskQueueResponse{Pollers: f.pollers[req.GetTaskQueueType()]}
	if req.GetReportStats() {
		resp.Stats = f.stats[req.GetTaskQueueType()]
	}
	return resp, nil
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func poller(identity string, ago time.Duration) *taskqueuepb.PollerInfo {
	return &taskqueuepb.PollerInfo{Identity: identity, LastAccessTime: timestamppb.New(time.Now().Add(-ago))}
}

// polling is a task queue this worker polls, with another worker on it too.
func polling() map[enumspb.TaskQueueType][]*taskqueuepb.PollerInfo {
	return map[enumspb.TaskQueueType][]*taskqueuepb.PollerInfo{
		enumspb.TASK_QUEUE_TYPE_WORKFLOW: {poller("7@worker-b@", time.Second), poller(me, 10*time.Second)},
		enumspb.TASK_QUEUE_TYPE_ACTIVITY: {poller(me, 30*time.Second)},
	}
}

// Issue 18: the worker's /healthz stayed 200 through both Temporal outages and
// it had no /readyz. Readiness is whether Temporal answers and sees this
// worker polling; a records outage is degraded.
func TestWorkerReadiness(t *testing.T) {
	ok := map[string]string{"temporal": "ok", "database": "ok", "workflow_poller": "ok", "activity_poller": "ok"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(ok)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for name, tc := range map[string]struct {
		f      *fakeFrontend
		db     error
		status int
		want   Report
	}{
		"polling": {f: &fakeFrontend{pollers: polling()}, status: 200, want: Report{"ok", ok}},
		"Temporal down": {f: &fakeFrontend{health: errors.New("dial tcp: connection refused"), describe: errors.New("dial tcp: connection refused")}, status: 503,
			want: Report{"unavailable", with("temporal", "unreachable", "workflow_poller", "unknown", "activity_poller", "unknown")}},
		"not seen polling": {f: &fakeFrontend{pollers: map[enumspb.TaskQueueType][]*taskqueuepb.PollerInfo{
			enumspb.TASK_QUEUE_TYPE_WORKFLOW: {poller("7@worker-b@", time.Second)},
			enumspb.TASK_QUEUE_TYPE_ACTIVITY: {poller(me, time.Second)},
		}}, status: 503, want: Report{"unavailable", with("workflow_poller", "not polling")}},
		// Temporal keeps a poller for minutes after it was last seen: one from
		// four minutes ago is this worker's pollers stuck, or a previous life.
		"last seen long ago": {f: &fakeFrontend{pollers: map[enumspb.TaskQueueType][]*taskqueuepb.PollerInfo{
			enumspb.TASK_QUEUE_TYPE_WORKFLOW: {poller(me, 4*time.Minute)},
			enumspb.TASK_QUEUE_TYPE_ACTIVITY: {poller(me, 4*time.Minute)},
		}}, status: 503, want: Report{"unavailable", with("workflow_poller", "not polling", "activity_poller", "not polling")}},
		"database down": {f: &fakeFrontend{pollers: polling()}, db: errors.New("dial tcp 10.0.0.5:5432: i/o timeout"), status: 200, want: Report{"degraded", with("database", "unreachable")}},
		"queue not described": {f: &fakeFrontend{describe: errors.New("PermissionDenied")}, status: 200,
			want: Report{"degraded", with("workflow_poller", "unknown", "activity_poller", "unknown")}},
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReadiness(tc.f, pinger{tc.db}, "tandem-ns", me, slog.New(slog.DiscardHandler))
			rr := httptest.NewRecorder()
			r.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rr.Code != tc.status {
				t.Errorf("status = %d, want %d", rr.Code, tc.status)
			}
			var got Report
			if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v in %s", err, rr.Body)
			}
			if got.Status != tc.want.Status || !maps.Equal(got.Checks, tc.want.Checks) {
				t.Errorf("report = %+v, want %+v", got, tc.want)
			}
			if strings.Contains(rr.Body.String(), "dial tcp") {
				t.Errorf("the body leaks a cause: %s", rr.Body)
			}
			for _, req := range tc.f.asked {
				if req.GetNamespace() != "tandem-ns" || req.GetTaskQueue().GetName() != "tandem" {
					t.Errorf("described %s in %s", req.GetTaskQueue().GetName(), req.GetNamespace())
				}
			}
		})
	}
}

// The task queue's pollers, backlog and backlog age reach Prometheus at each
// scrape, by task type; a type Temporal does not describe has no samples.
func TestWorkerExportsTheTaskQueue(t *testing.T) {
	f := &fakeFrontend{pollers: polling(), stats: map[enumspb.TaskQueueType]*taskqueuepb.TaskQueueStats{
		enumspb.TASK_QUEUE_TYPE_WORKFLOW: {ApproximateBacklogCount: 12, ApproximateBacklogAge: durationpb.New(90 * time.Second)},
		enumspb.TASK_QUEUE_TYPE_ACTIVITY: {ApproximateBacklogCount: 0, ApproximateBacklogAge: durationpb.New(0)},
	}}
	r := NewReadiness(f, pinger{}, "default", me, slog.New(slog.DiscardHandler))
	reg := prometheus.NewRegistry()
	reg.MustRegister(r)
	got := gather(t, reg)
	for name, want := range map[string]float64{
		`tandem_task_queue_backlog{type="workflow"}`:             12,
		`tandem_task_queue_backlog{type="activity"}`:             0,
		`tandem_task_queue_backlog_age_seconds{type="workflow"}`: 90,
		`tandem_task_queue_backlog_age_seconds{type="activity"}`: 0,
		`tandem_task_queue_pollers{type="workflow"}`:             2,
		`tandem_task_queue_pollers{type="activity"}`:             1,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (present %t), want %v", name, v, ok, want)
		}
	}
	if len(got) != 6 {
		t.Errorf("samples = %v, want the six above", got)
	}
	for _, req := range f.asked {
		if !req.GetReportStats() {
			t.Errorf("described without stats: %v", req)
		}
	}

	f.describe = errors.New("unavailable")
	if got := gather(t, reg); len(got) != 0 {
		t.Errorf("with Temporal down: %v; want no samples", got)
	}
}

// gather returns every sample of reg by name and labels, as the text format
// writes them: name{label="value",…}.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}
