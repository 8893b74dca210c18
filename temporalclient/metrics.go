package temporalclient

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// SDKMetrics is what the Temporal SDK measures in a client and its workers
// (requests and their latency, polls, workflow and activity task latency and
// failures, schedule-to-start latency, slots, the sticky cache), as Prometheus
// metrics: give Handler to the client (Settings.Metrics does) and register
// SDKMetrics itself with the registry that /metrics serves.
//
// The names are the SDK's, as the community Grafana dashboards for the Go SDK
// (temporalio/dashboards, sdk/) read them: counters end in _total, timers are
// histograms in seconds ending in _seconds, gauges keep their name. Labels are
// the SDK's tags (namespace, task_queue, workflow_type, activity_type,
// operation, …). The SDK creates metrics as it goes, with tag sets that differ
// from one call site to the next, so SDKMetrics is an unchecked collector: it
// declares nothing up front and reports each series it has seen.
type SDKMetrics struct {
	mu     sync.Mutex
	series map[seriesKey]prometheus.Collector
}

// seriesKey names a series: its kind, its name and its handler's tags (see
// tagsKey). A struct of strings rather than one string built per call: the
// SDK asks for a series on every request and workflow task it measures, and
// looking one up then allocates nothing.
type seriesKey struct{ kind, name, tags string }

// NewSDKMetrics returns an empty collector.
func NewSDKMetrics() *SDKMetrics {
	return &SDKMetrics{series: map[seriesKey]prometheus.Collector{}}
}

// Handler is the SDK's metrics handler, without tags.
func (m *SDKMetrics) Handler() client.MetricsHandler { return sdkHandler{m: m} }

// Describe declares nothing: see SDKMetrics.
func (m *SDKMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect reports every series the SDK has made.
func (m *SDKMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	all := slices.Collect(maps.Values(m.series))
	m.mu.Unlock()
	for _, c := range all {
		c.Collect(ch)
	}
}

// timerBuckets span what the SDK times, from a request answered in a
// millisecond to a long poll or a schedule-to-start latency of minutes.
var timerBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// get returns the series of name with h's tags, made by build on first use.
func (m *SDKMetrics) get(kind, name string, h sdkHandler, build func(prometheus.Opts) prometheus.Collector) prometheus.Collector {
	key := seriesKey{kind: kind, name: name, tags: h.tagsKey}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.series[key]
	if !ok {
		labels := make(prometheus.Labels, len(h.tags))
		for k, v := range h.tags {
			labels[sanitize(k)] = v
		}
		c = build(prometheus.Opts{Name: sanitize(name), Help: "Temporal SDK metric " + name + ".", ConstLabels: labels})
		m.series[key] = c
	}
	return c
}

// tagsKey is tags as one string, in the order of their names.
func tagsKey(tags map[string]string) string {
	names := make([]string, 0, len(tags))
	size := 0
	for k, v := range tags {
		names = append(names, k)
		size += 2 + len(k) + len(v)
	}
	slices.Sort(names)
	var b strings.Builder
	b.Grow(size)
	for _, k := range names {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(tags[k])
	}
	return b.String()
}

// sanitize makes a metric or label name of an SDK name or tag: anything but
// ASCII letters, digits and underscores becomes an underscore.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// sdkHandler is the SDK's view of SDKMetrics: the tags of a WithTags chain,
// and tagsKey of them, made once for all the series the handler is asked for.
type sdkHandler struct {
	m       *SDKMetrics
	tags    map[string]string
	tagsKey string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = make(map[string]string, len(tags))
	}
	maps.Copy(merged, tags)
	return sdkHandler{m: h.m, tags: merged, tagsKey: tagsKey(merged)}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	c := h.m.get("counter", name, h, func(o prometheus.Opts) prometheus.Collector {
		o.Name += "_total"
		return prometheus.NewCounter(prometheus.CounterOpts(o))
	}).(prometheus.Counter)
	return counter{c}
}

func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	g := h.m.get("gauge", name, h, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewGauge(prometheus.GaugeOpts(o))
	}).(prometheus.Gauge)
	return gauge{g}
}

func (h sdkHandler) Timer(name string) client.MetricsTimer {
	hist := h.m.get("timer", name, h, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: o.Name + "_seconds", Help: o.Help, ConstLabels: o.ConstLabels, Buckets: timerBuckets,
		})
	}).(prometheus.Histogram)
	return timer{hist}
}

type counter struct{ c prometheus.Counter }

// Inc adds n; a counter only grows, and the SDK never passes less than zero.
func (c counter) Inc(n int64) {
	if n > 0 {
		c.c.Add(float64(n))
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) { g.g.Set(v) }

type timer struct{ h prometheus.Histogram }

func (t timer) Record(d time.Duration) { t.h.Observe(d.Seconds()) }
