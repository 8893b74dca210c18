package temporalclient

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// families gathers reg and indexes what it has by metric name.
func families(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	got, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range got {
		out[f.GetName()] = f
	}
	return out
}

// series finds the series of family f whose labels include want.
func series(f *dto.MetricFamily, want map[string]string) *dto.Metric {
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && have[k] == v
		}
		if ok {
			return m
		}
	}
	return nil
}

// A real SDK client with Settings.Metrics reports its requests, their failures
// and latency through the registry, under the names the community dashboards
// read; before, the SDK's metrics went nowhere.
func TestSDKMetricsReachPrometheus(t *testing.T) {
	addr, _ := serve(t, nil)
	m := NewSDKMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	c, err := dial(t, Settings{HostPort: addr, Namespace: "default", Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "w1", TaskQueue: "tandem"}, "Flow", "in"); err != nil {
		t.Fatal(err)
	}
	// Unimplemented by the little frontend: a failed request.
	if _, err := c.DescribeTaskQueue(ctx, "tandem", enumspb.TASK_QUEUE_TYPE_WORKFLOW); err == nil {
		t.Fatal("DescribeTaskQueue succeeded against a frontend without it")
	}

	got := families(t, reg)
	start := map[string]string{"operation": "StartWorkflowExecution", "namespace": "default"}
	if f := got["temporal_request_total"]; f.GetType() != dto.MetricType_COUNTER || series(f, start).GetCounter().GetValue() != 1 {
		t.Errorf("temporal_request_total = %v, want one StartWorkflowExecution", f)
	}
	if f := got["temporal_request_latency_seconds"]; f.GetType() != dto.MetricType_HISTOGRAM || series(f, start).GetHistogram().GetSampleCount() != 1 {
		t.Errorf("temporal_request_latency_seconds = %v, want one sample", f)
	}
	if f := got["temporal_request_failure_total"]; series(f, map[string]string{"operation": "DescribeTaskQueue"}).GetCounter().GetValue() != 1 {
		t.Errorf("temporal_request_failure_total = %v, want the failed DescribeTaskQueue", f)
	}
}

// The handler as the SDK's workers use it: tags accumulate down a WithTags
// chain (later ones win), gauges keep the last value, series with other tag
// sets under one name gather without error, and names become Prometheus names.
func TestSDKMetricsHandler(t *testing.T) {
	m := NewSDKMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	h := m.Handler().WithTags(map[string]string{"namespace": "default", "task_queue": "tandem"})
	wf := h.WithTags(map[string]string{"worker_type": "WorkflowWorker", "task_queue": "tandem-sticky"})
	wf.Counter("temporal_workflow_task_execution_failed").Inc(2)
	wf.Counter("temporal_workflow_task_execution_failed").Inc(-1) // ignored: counters only grow
	wf.Timer("temporal_workflow_task_schedule_to_start_latency").Record(1500 * time.Millisecond)
	h.Timer("temporal_workflow_task_schedule_to_start_latency").Record(time.Millisecond)
	wf.Gauge("temporal_worker_task_slots_available").Update(3)
	wf.Gauge("temporal_worker_task_slots_available").Update(5)
	m.Handler().Counter("temporal.odd-name").Inc(1)

	got := families(t, reg)
	sticky := map[string]string{"namespace": "default", "task_queue": "tandem-sticky", "worker_type": "WorkflowWorker"}
	if v := series(got["temporal_workflow_task_execution_failed_total"], sticky).GetCounter().GetValue(); v != 2 {
		t.Errorf("execution failed = %v, want 2", v)
	}
	sched := got["temporal_workflow_task_schedule_to_start_latency_seconds"]
	if len(sched.GetMetric()) != 2 || series(sched, sticky).GetHistogram().GetSampleSum() != 1.5 {
		t.Errorf("schedule to start = %v, want two series, 1.5s on the sticky one", sched)
	}
	if v := series(got["temporal_worker_task_slots_available"], sticky).GetGauge().GetValue(); v != 5 {
		t.Errorf("slots available = %v, want 5", v)
	}
	if got["temporal_odd_name_total"] == nil {
		t.Errorf("an SDK name with dots and dashes is not a Prometheus name: %v", got)
	}
}

// The SDK measures every request and workflow task it makes: it tags a handler
// for the call, then counts and times it. Run with -benchmem: the allocations
// of that are garbage the decision path makes many times over.
func BenchmarkSDKMetricsPerCall(b *testing.B) {
	h := NewSDKMetrics().Handler().WithTags(map[string]string{"namespace": "default", "task_queue": "tandem", "worker_type": "WorkflowWorker"})
	b.ReportAllocs()
	for b.Loop() {
		call := h.WithTags(map[string]string{"operation": "PollWorkflowTaskQueue"})
		call.Counter("temporal_request").Inc(1)
		call.Timer("temporal_request_latency").Record(time.Millisecond)
	}
}
