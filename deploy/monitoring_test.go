package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// The monitoring profile: Prometheus scrapes every service that serves metrics, on
// the port it serves them, and Grafana's dashboards query metrics that exist.
// promtool is not at hand, so the configuration is read here: its jobs must name
// services of docker-compose.yml and their metrics ports, and every metric a
// dashboard names must be one that Tandem's API or worker, the Temporal SDK in
// them, or the Temporal server defines, read from their source.

const (
	svcPrometheus = "prometheus"
	svcGrafana    = "grafana"
	// grafanaDatasourceUID is the uid of the provisioned Prometheus data source.
	grafanaDatasourceUID = "prometheus"
)

func TestMonitoring(t *testing.T) {
	root := repoRoot(t)
	project := loadMonitoring(t, root, filepath.Join(root, "docker-compose.yml"))
	var p problems
	checkMonitoring(&p, project, readFile(t, filepath.Join(root, "deploy", "prometheus", "prometheus.yml")), dashboardFiles(t, root))
	for _, msg := range p {
		t.Error(msg)
	}
}

// Every check must be able to fail: each mutation breaks one thing in a copy of
// prometheus.yml or of a dashboard, and the checks must report it.
func TestMonitoringChecksCatchMistakes(t *testing.T) {
	root := repoRoot(t)
	project := loadMonitoring(t, root, filepath.Join(root, "docker-compose.yml"))
	prom := string(readFile(t, filepath.Join(root, "deploy", "prometheus", "prometheus.yml")))
	dashboards := dashboardFiles(t, root)
	for _, tt := range []struct {
		name, file string // "prometheus.yml" or a dashboard's file name
		old, new   string
		want       string
	}{
		{"job of no service", "prometheus.yml", `targets: ["temporal:9090"]`, `targets: ["temporal-server:9090"]`, "temporal-server"},
		{"server metrics port", "prometheus.yml", `targets: ["temporal:9090"]`, `targets: ["temporal:7233"]`, "port 7233"},
		{"api port", "prometheus.yml", "        port: 8080", "        port: 8081", "tandem-api: scraped on port 8081"},
		{"api not discovered", "prometheus.yml", `names: ["tandem-api"]`, `names: ["tandem-apis"]`, "tandem-apis"},
		{"one api replica", "prometheus.yml", "    dns_sd_configs:\n      - names: [\"tandem-api\"]\n        type: A\n        port: 8080\n        refresh_interval: 15s\n", "    static_configs:\n      - targets: [\"tandem-api:8080\"]\n", "every replica"},
		{"worker not scraped", "prometheus.yml", "  - job_name: tandem-worker\n", "  - job_name: tandem-workers\n", "no job tandem-worker"},
		{"not YAML", "prometheus.yml", "scrape_configs:", "scrape_configs: [", "prometheus.yml"},
		{"not JSON", "tandem.json", `"panels": [`, `"panels": [[`, "tandem.json"},
		{"metric misspelt", "tandem.json", "tandem_task_queue_backlog)", "tandem_task_queue_backlogs)", "tandem_task_queue_backlogs"},
		{"sdk metric without _total", "tandem.json", "temporal_workflow_task_execution_failed_total", "temporal_workflow_task_execution_failed", "temporal_workflow_task_execution_failed"},
		{"server metric misspelt", "temporal-server.json", "rate(persistence_requests[5m])", "rate(persistence_request[5m])", "persistence_request"},
		{"server counter as a histogram", "temporal-server.json", "rate(service_requests[5m])", "rate(service_requests_bucket[5m])", "service_requests_bucket"},
		{"other data source", "tandem.json", `"uid": "prometheus"`, `"uid": "mimir"`, "data source"},
		{"job of no scrape config", "tandem.json", `up{job=\"tandem-worker\"}`, `up{job=\"worker\"}`, `job "worker"`},
		{"duplicate uid", "temporal-server.json", `"uid": "temporal-server"`, `"uid": "tandem"`, "uid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			promText, dash := prom, maps.Clone(dashboards)
			target := &promText
			if tt.file != "prometheus.yml" {
				s := dash[tt.file]
				target = &s
			}
			if !strings.Contains(*target, tt.old) {
				t.Fatalf("%s no longer contains %q: update this mutation", tt.file, tt.old)
			}
			*target = strings.Replace(*target, tt.old, tt.new, 1)
			if tt.file != "prometheus.yml" {
				dash[tt.file] = *target
			}
			var p problems
			checkMonitoring(&p, project, []byte(promText), dash)
			i := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if i < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[i])
		})
	}
}

// loadMonitoring loads the compose file with the monitoring profile on.
func loadMonitoring(t *testing.T, root, file string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory(root), cli.WithEnv(testEnv), cli.WithProfiles([]string{"monitoring"}))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return project
}

// dashboardFiles are the dashboards Grafana loads, by file name.
func dashboardFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "deploy", "grafana", "dashboards", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no dashboards in deploy/grafana/dashboards: %v", err)
	}
	files := map[string]string{}
	for _, p := range paths {
		files[filepath.Base(p)] = string(readFile(t, p))
	}
	return files
}

// promConfig is the part of prometheus.yml the checks read.
type promConfig struct {
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

func checkMonitoring(p *problems, project *types.Project, promYAML []byte, dashboards map[string]string) {
	prom, err := project.GetService(svcPrometheus)
	if err != nil {
		p.addf("no service %q under the monitoring profile", svcPrometheus)
		return
	}
	if !slices.Contains(prom.Profiles, "monitoring") {
		p.addf("%s: not under the monitoring profile: it would start with every `up`", svcPrometheus)
	}
	if !slices.ContainsFunc(prom.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.ReadOnly && v.Target == "/etc/prometheus/prometheus.yml" && filepath.Clean(v.Source) == filepath.Join(project.WorkingDir, "deploy", "prometheus", "prometheus.yml")
	}) || !slices.Contains(prom.Command, "--config.file=/etc/prometheus/prometheus.yml") {
		p.addf("%s: deploy/prometheus/prometheus.yml is not mounted read-only where --config.file reads it", svcPrometheus)
	}

	var cfg promConfig
	if err := yaml.Unmarshal(promYAML, &cfg); err != nil {
		p.addf("deploy/prometheus/prometheus.yml: %v", err)
		return
	}
	// Each service that serves metrics, and the port it serves them on.
	ports := map[string]string{}
	if srv, err := project.GetService(svcTemporal); err == nil {
		if cfg, err := renderServerConfig(srv); err == nil && cfg.Global.Metrics != nil && cfg.Global.Metrics.Prometheus != nil {
			_, ports[svcTemporal], _ = net.SplitHostPort(cfg.Global.Metrics.Prometheus.ListenAddress)
		}
	}
	for _, name := range []string{svcAPI, svcWorker} {
		if s, err := project.GetService(name); err == nil {
			_, ports[name], _ = net.SplitHostPort(env(s, "TANDEM_HTTP"))
		}
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = true
		var targets []string
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
		for _, d := range sc.DNSSDConfigs {
			if d.Type != "A" {
				p.addf("prometheus.yml: job %s: dns_sd type %q, want A (Docker's DNS answers a service's name with A records)", sc.JobName, d.Type)
			}
			for _, n := range d.Names {
				targets = append(targets, net.JoinHostPort(n, fmt.Sprint(d.Port)))
			}
		}
		for _, target := range targets {
			host, port, err := net.SplitHostPort(target)
			if err != nil {
				p.addf("prometheus.yml: job %s: target %q: %v", sc.JobName, target, err)
				continue
			}
			want, ok := ports[host]
			switch {
			case !ok:
				p.addf("prometheus.yml: job %s: target %q is no service of docker-compose.yml that serves metrics", sc.JobName, target)
			case port != want:
				p.addf("%s: scraped on port %s, but it serves metrics on %s", host, port, want)
			case (host == svcAPI || host == svcWorker) && len(sc.DNSSDConfigs) == 0:
				p.addf("prometheus.yml: job %s: a static target reaches one replica of %s: want dns_sd_configs, for every replica", sc.JobName, host)
			}
		}
	}
	for _, name := range []string{svcTemporal, svcAPI, svcWorker} {
		if !jobs[name] {
			p.addf("prometheus.yml: no job %s: its metrics are not scraped", name)
		}
	}

	checkGrafana(p, project)
	known, err := knownMetrics(project.WorkingDir)
	if err != nil {
		p.addf("%v", err)
		return
	}
	uids := map[string]string{}
	for _, file := range slices.Sorted(maps.Keys(dashboards)) {
		checkDashboard(p, file, dashboards[file], known, jobs, uids)
	}
}

// checkGrafana: Grafana reads the provisioning and dashboards of this repository,
// and its data source is the profile's Prometheus.
func checkGrafana(p *problems, project *types.Project) {
	g, err := project.GetService(svcGrafana)
	if err != nil {
		p.addf("no service %q under the monitoring profile", svcGrafana)
		return
	}
	for src, target := range map[string]string{"provisioning": "/etc/grafana/provisioning", "dashboards": "/etc/grafana/dashboards"} {
		if !slices.ContainsFunc(g.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.ReadOnly && v.Target == target && filepath.Clean(v.Source) == filepath.Join(project.WorkingDir, "deploy", "grafana", src)
		}) {
			p.addf("%s: deploy/grafana/%s is not mounted read-only at %s", svcGrafana, src, target)
		}
	}
	var ds struct {
		Datasources []struct{ UID, Type, URL string } `yaml:"datasources"`
	}
	b, err := os.ReadFile(filepath.Join(project.WorkingDir, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml"))
	if err == nil {
		err = yaml.Unmarshal(b, &ds)
	}
	if err != nil || len(ds.Datasources) != 1 {
		p.addf("deploy/grafana/provisioning/datasources/prometheus.yml: want one data source (%v)", err)
		return
	}
	d := ds.Datasources[0]
	if d.UID != grafanaDatasourceUID || d.Type != "prometheus" || d.URL != "http://"+svcPrometheus+":9090" {
		p.addf("grafana data source %+v: want uid %q, type prometheus, url http://%s:9090", d, grafanaDatasourceUID, svcPrometheus)
	}
	var dp struct {
		Providers []struct {
			Options struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	b, err = os.ReadFile(filepath.Join(project.WorkingDir, "deploy", "grafana", "provisioning", "dashboards", "tandem.yml"))
	if err == nil {
		err = yaml.Unmarshal(b, &dp)
	}
	if err != nil || len(dp.Providers) != 1 || dp.Providers[0].Options.Path != "/etc/grafana/dashboards" {
		p.addf("deploy/grafana/provisioning/dashboards/tandem.yml: want one provider reading /etc/grafana/dashboards (%v)", err)
	}
}

// dashboard is the part of a Grafana dashboard the checks read.
type dashboard struct {
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var (
	// promIdent is a PromQL identifier.
	promIdent = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	// promNonMetric are the parts of an expression that name no metric: label
	// matchers, grouping clauses, range durations and strings.
	promNonMetric = regexp.MustCompile(`\{[^}]*\}|\b(?:by|without)\s*\([^)]*\)|\[[^\]]*\]|"[^"]*"`)
	// promJob is a job label matcher.
	promJob = regexp.MustCompile(`job\s*=\s*"([^"]*)"`)
	// promWords are PromQL's functions, aggregations and keywords.
	promWords = []string{"sum", "rate", "increase", "irate", "max", "min", "avg", "count", "histogram_quantile", "by", "without", "on", "ignoring", "and", "or", "unless", "offset", "bool"}
)

func checkDashboard(p *problems, file, text string, known map[string]bool, jobs map[string]bool, uids map[string]string) {
	var d dashboard
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		p.addf("deploy/grafana/dashboards/%s: %v", file, err)
		return
	}
	if d.UID == "" || d.Title == "" {
		p.addf("%s: a dashboard needs a uid and a title", file)
	}
	if other, dup := uids[d.UID]; dup {
		p.addf("%s: uid %q is %s's too: Grafana loads only one", file, d.UID, other)
	}
	uids[d.UID] = file
	if len(d.Panels) == 0 {
		p.addf("%s: no panels", file)
	}
	for _, panel := range d.Panels {
		if panel.Datasource.UID != grafanaDatasourceUID || panel.Datasource.Type != "prometheus" {
			p.addf("%s: panel %q: data source %+v, want the provisioned Prometheus (uid %q)", file, panel.Title, panel.Datasource, grafanaDatasourceUID)
		}
		if len(panel.Targets) == 0 {
			p.addf("%s: panel %q queries nothing", file, panel.Title)
		}
		for _, target := range panel.Targets {
			for _, m := range promJob.FindAllStringSubmatch(target.Expr, -1) {
				if !jobs[m[1]] {
					p.addf("%s: panel %q: job %q is no job of prometheus.yml", file, panel.Title, m[1])
				}
			}
			for _, name := range promIdent.FindAllString(promNonMetric.ReplaceAllString(target.Expr, " "), -1) {
				if slices.Contains(promWords, name) || strings.Trim(name, "0123456789.") == "" {
					continue
				}
				if !known[name] {
					p.addf("%s: panel %q: metric %s is exported by none of Tandem's API or worker, the Temporal SDK or the Temporal server", file, panel.Title, name)
				}
			}
		}
	}
}

// knownMetrics are the metric names, as Prometheus stores them, that the stack
// exports: Prometheus's own up; Tandem's (api/server.go, worker/health.go);
// the Temporal SDK's as temporalclient.SDKMetrics exposes them (counters with
// _total, timers as histograms in seconds); and the Temporal server's as its
// tally Prometheus reporter does (counters and gauges by name, timers and
// histograms as histograms).
func knownMetrics(root string) (map[string]bool, error) {
	known := map[string]bool{"up": true}
	histogram := func(name string) {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			known[name+suffix] = true
		}
	}
	tandemName := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"(tandem_[a-z0-9_]+)"`)
	for _, f := range []string{"api/server.go", "worker/health.go"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		for _, m := range tandemName.FindAllStringSubmatch(string(b), -1) {
			known[m[1]] = true
			if strings.HasSuffix(m[1], "_duration_seconds") {
				histogram(m[1])
			}
		}
	}

	sdk, err := moduleDir("go.temporal.io/sdk")
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(sdk, "internal", "common", "metrics", "constants.go"))
	if err != nil {
		return nil, err
	}
	// NAME = TemporalMetricsPrefix + "x" or OTHER + "_x".
	consts := map[string]string{"TemporalMetricsPrefix": "temporal_"}
	sdkConst := regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*(\w+)\s*\+\s*"([a-z_]+)"`)
	for _, m := range sdkConst.FindAllStringSubmatch(string(b), -1) {
		if base, ok := consts[m[2]]; ok {
			consts[m[1]] = base + m[3]
		}
	}
	for ident, name := range consts {
		switch {
		case ident == "TemporalMetricsPrefix":
		case strings.HasSuffix(ident, "Latency"):
			histogram(name + "_seconds")
		case strings.Contains(ident, "Counter") || strings.HasPrefix(ident, "TemporalRequest") || strings.HasPrefix(ident, "TemporalLongRequest") || strings.HasPrefix(ident, "StickyCache") && ident != "StickyCacheSize":
			known[name+"_total"] = true
		default:
			known[name] = true
		}
	}

	server, err := moduleDir("go.temporal.io/server")
	if err != nil {
		return nil, err
	}
	b, err = os.ReadFile(filepath.Join(server, "common", "metrics", "metric_defs.go"))
	if err != nil {
		return nil, err
	}
	serverDef := regexp.MustCompile(`New(Counter|Gauge|Timer|BytesHistogram|DimensionlessHistogram)Def\(\s*"([a-z0-9_]+)"`)
	for _, m := range serverDef.FindAllStringSubmatch(string(b), -1) {
		switch m[1] {
		case "Counter", "Gauge":
			known[m[2]] = true
		default:
			histogram(m[2])
		}
	}
	return known, nil
}

// moduleDir is a module's directory in the module cache.
func moduleDir(path string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}
