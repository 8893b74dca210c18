package worker

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/temporalclient"
)

// Frontend is what a worker's readiness asks Temporal; the SDK's client.Client
// has both.
type Frontend interface {
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
	WorkflowService() workflowservice.WorkflowServiceClient
}

// Pinger is the records database, as readiness sees it; the store has it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// readyTimeout keeps a probe or a scrape quick when Temporal or the database hangs.
const readyTimeout = 3 * time.Second

// queueTypes are the task queue's two kinds of task, by the name checks and
// metrics give them.
var queueTypes = []struct {
	name string
	typ  enumspb.TaskQueueType
}{
	{"workflow", enumspb.TASK_QUEUE_TYPE_WORKFLOW},
	{"activity", enumspb.TASK_QUEUE_TYPE_ACTIVITY},
}

// Readiness says whether a worker process can do its work, for its /readyz,
// and, as a Prometheus collector, what Temporal says of Tandem's task queue at
// each scrape: live pollers, backlog and the age of its oldest task.
//
// A worker is ready when Temporal answers and Temporal sees this worker (by its
// identity) polling both the workflow and the activity tasks of the queue;
// otherwise it answers 503, since it does no work. Its records database down
// is "degraded" (200): workflows still run, and the activities that write the
// records retry until it is back. So is a task queue Temporal would not
// describe (a frontend that does not allow it): nothing says the worker is
// idle.
type Readiness struct {
	frontend  Frontend
	records   Pinger
	namespace string
	identity  string
	log       *slog.Logger
	now       func() time.Time

	pollers, backlog, backlogAge *prometheus.Desc
}

// NewReadiness checks the worker that polls as identity in namespace.
func NewReadiness(f Frontend, records Pinger, namespace, identity string, logger *slog.Logger) *Readiness {
	if logger == nil {
		logger = slog.Default()
	}
	label := []string{"type"}
	return &Readiness{
		frontend: f, records: records, namespace: namespace, identity: identity, log: logger, now: time.Now,
		pollers: prometheus.NewDesc("tandem_task_queue_pollers",
			"Workers Temporal saw polling Tandem's task queue in the last 90 seconds, by task type.", label, nil),
		backlog: prometheus.NewDesc("tandem_task_queue_backlog",
			"Tasks waiting on Tandem's task queue for a worker (Temporal's approximate count), by task type.", label, nil),
		backlogAge: prometheus.NewDesc("tandem_task_queue_backlog_age_seconds",
			"How long the oldest task waiting on Tandem's task queue has waited, by task type.", label, nil),
	}
}

// Report is the answer of /readyz.
type Report struct {
	// Status is ok, degraded or unavailable.
	Status string `json:"status"`
	// Checks says, by name, what each check found.
	Checks map[string]string `json:"checks"`
}

// Check runs every check at once, each within readyTimeout.
func (r *Readiness) Check(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	checks := map[string]func(context.Context) (string, error){
		"temporal": func(ctx context.Context) (string, error) {
			if _, err := r.frontend.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
				return "unreachable", err
			}
			return "ok", nil
		},
		"database": func(ctx context.Context) (string, error) {
			if err := r.records.Ping(ctx); err != nil {
				return "unreachable", err
			}
			return "ok", nil
		},
	}
	for _, q := range queueTypes {
		checks[q.name+"_poller"] = func(ctx context.Context) (string, error) {
			resp, err := r.describe(ctx, q.typ, false)
			switch {
			case err != nil:
				return "unknown", err
			case !slices.Contains(temporalclient.LivePollers(resp.GetPollers(), r.now()), r.identity):
				return "not polling", nil
			}
			return "ok", nil
		}
	}
	rep := Report{Status: "ok", Checks: make(map[string]string, len(checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() {
			res, err := check(ctx)
			if err != nil {
				r.log.Warn("readiness check failed", "check", name, "error", err)
			}
			mu.Lock()
			rep.Checks[name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	for name, res := range rep.Checks {
		switch {
		case res == "ok":
		case name == "temporal" || res == "not polling":
			rep.Status = "unavailable"
		case rep.Status == "ok":
			rep.Status = "degraded"
		}
	}
	return rep
}

// ServeHTTP answers /readyz: the report, 503 when the worker is unavailable.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rep := r.Check(req.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status == "unavailable" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// describe asks Temporal about the task queue's tasks of typ, with their
// backlog when stats is set.
func (r *Readiness) describe(ctx context.Context, typ enumspb.TaskQueueType, stats bool) (*workflowservice.DescribeTaskQueueResponse, error) {
	return r.frontend.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     r.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: contract.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: typ,
		ReportStats:   stats,
	})
}

// Describe declares the task queue's metrics.
func (r *Readiness) Describe(ch chan<- *prometheus.Desc) {
	ch <- r.pollers
	ch <- r.backlog
	ch <- r.backlogAge
}

// Collect asks Temporal about the task queue now. A type Temporal does not
// describe has no samples in this scrape (alert on their absence), rather
// than made-up zeros.
func (r *Readiness) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	for _, q := range queueTypes {
		resp, err := r.describe(ctx, q.typ, true)
		if err != nil {
			r.log.Debug("describe task queue for metrics", "type", q.name, "error", err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(r.pollers, prometheus.GaugeValue, float64(len(temporalclient.LivePollers(resp.GetPollers(), r.now()))), q.name)
		if st := resp.GetStats(); st != nil {
			ch <- prometheus.MustNewConstMetric(r.backlog, prometheus.GaugeValue, float64(st.GetApproximateBacklogCount()), q.name)
			ch <- prometheus.MustNewConstMetric(r.backlogAge, prometheus.GaugeValue, st.GetApproximateBacklogAge().AsDuration().Seconds(), q.name)
		}
	}
}
