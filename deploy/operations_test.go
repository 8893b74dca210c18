package deploy

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/tandemhq/tandem/api"
)

// The checks of docker-compose.yml as an operator runs it: PostgreSQL's roles made
// by the init script, the API behind the proxy (no host port, trusting only the
// proxy's forwarded address), the operator's config directory, stop grace periods
// longer than each service's own shutdown, and the Temporal server's metrics.

const (
	// initScriptDir is where the postgres image runs scripts when it initialises an
	// empty data directory.
	initScriptDir = "/docker-entrypoint-initdb.d"
	// configDir is where the API reads the operator's files.
	configDir = "/etc/tandem"
	// edgeNetwork holds the proxy and the API replicas only.
	edgeNetwork = "edge"
	// temporalMetricsPort is where the Temporal server serves its metrics.
	temporalMetricsPort = "9090"
	// dockerStopDefault is how long Docker waits after SIGTERM before SIGKILL
	// when a service sets no stop_grace_period.
	dockerStopDefault = 10 * time.Second
	// graceMargin is what a stopping process needs beyond its own shutdown
	// timeout: closing its clients and files after the server has stopped.
	graceMargin = 5 * time.Second
)

func checkOperations(p *problems, project *types.Project, services map[string]types.ServiceConfig) {
	checkInitScript(p, project, services)
	checkEdge(p, project, services)
	checkConfigDir(p, services)
	checkStopGrace(p, project, services)
	checkTemporalMetrics(p, services)
}

// initScriptVars are the variables init-roles.sh refuses to run without: the
// words of its `for v in ...; do` line.
var initScriptVars = regexp.MustCompile(`(?s)\nfor v in (.*?); do`)

// checkInitScript: init-roles.sh is mounted where the postgres image runs it, every
// variable it needs is set, and the roles it makes are distinct, none of them the
// superuser.
func checkInitScript(p *problems, project *types.Project, services map[string]types.ServiceConfig) {
	pg, ok := services[svcPostgres]
	if !ok {
		return
	}
	script := filepath.Join(project.WorkingDir, "deploy", "postgres", "init-roles.sh")
	i := slices.IndexFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool {
		return filepath.Clean(v.Source) == script && filepath.Dir(v.Target) == initScriptDir && strings.HasSuffix(v.Target, ".sh")
	})
	if i < 0 {
		p.addf("%s: deploy/postgres/init-roles.sh is not mounted as %s/<name>.sh, so no role or database of Tandem's or Temporal's is made", svcPostgres, initScriptDir)
	} else if !pg.Volumes[i].ReadOnly {
		p.addf("%s: init-roles.sh is mounted writable, want :ro", svcPostgres)
	}
	text, err := os.ReadFile(script)
	if err != nil {
		p.addf("%s: %v", svcPostgres, err)
		return
	}
	if info, err := os.Stat(script); err == nil && info.Mode().Perm()&0o111 == 0 {
		// Not executable, the image sources it in its own shell, whose settings it
		// would change.
		p.addf("deploy/postgres/init-roles.sh is not executable")
	}
	m := initScriptVars.FindSubmatch(text)
	if m == nil {
		p.addf("deploy/postgres/init-roles.sh: no `for v in ...; do` list of the variables it needs")
		return
	}
	for _, v := range strings.Fields(strings.ReplaceAll(string(m[1]), "\\", " ")) {
		if env(pg, v) == "" {
			p.addf("%s: %s is not set, and init-roles.sh needs it", svcPostgres, v)
		}
	}
	roles := []string{env(pg, "TEMPORAL_DB_USER"), env(pg, "TANDEM_DB_OWNER"), env(pg, "TANDEM_DB_APP_ROLE")}
	for i, r := range roles {
		if r == env(pg, "POSTGRES_USER") {
			p.addf("%s: role %q is the superuser: each service needs a role of its own", svcPostgres, r)
		}
		if slices.Contains(roles[i+1:], r) {
			p.addf("%s: role %q serves twice: Temporal, Tandem's owner and Tandem's app each need their own", svcPostgres, r)
		}
	}
}

// checkEdge: the API publishes no port and is reached through the proxy, which is
// the only other service on the edge network and whose addresses, that network's
// subnet, are the only ones the API trusts to name the client.
func checkEdge(p *problems, project *types.Project, services map[string]types.ServiceConfig) {
	proxy, ok := services[svcProxy]
	if !ok {
		return
	}
	checkPublished(p, proxy, "80", 80)
	checkPublished(p, proxy, "443", 443)
	for _, s := range project.Services {
		_, on := s.Networks[edgeNetwork]
		switch {
		case on && s.Name != svcProxy && s.Name != svcAPI:
			p.addf("%s: on the %s network, whose addresses the API trusts to name the client: only %s and %s belong there", s.Name, edgeNetwork, svcProxy, svcAPI)
		case !on && (s.Name == svcProxy || s.Name == svcAPI):
			p.addf("%s: not on the %s network", s.Name, edgeNetwork)
		}
	}
	if _, on := proxy.Networks["default"]; on {
		p.addf("%s: on the default network too: it would reach the API from an address the API does not trust", svcProxy)
	}
	var subnets []string
	if n, ok := project.Networks[edgeNetwork]; ok && n.Ipam.Config != nil {
		for _, c := range n.Ipam.Config {
			subnets = append(subnets, c.Subnet)
		}
	}
	if len(subnets) != 1 {
		p.addf("network %s: subnets %q, want exactly one, fixed, for TANDEM_TRUSTED_PROXIES to name", edgeNetwork, subnets)
		return
	}
	if _, err := netip.ParsePrefix(subnets[0]); err != nil {
		p.addf("network %s: subnet %q: %v", edgeNetwork, subnets[0], err)
	}
	a := services[svcAPI]
	trusted := strings.Split(env(a, "TANDEM_TRUSTED_PROXIES"), ",")
	if err := api.CheckTrustedProxies(trusted); err != nil {
		p.addf("%s: TANDEM_TRUSTED_PROXIES: %v", svcAPI, err)
	}
	if !slices.Equal(trusted, subnets) {
		p.addf("%s: TANDEM_TRUSTED_PROXIES=%q, want the %s network's subnet %q: the proxy's X-Forwarded-For names the client for the rate limit and the audit trail", svcAPI, env(a, "TANDEM_TRUSTED_PROXIES"), edgeNetwork, subnets[0])
	}
}

// checkConfigDir: the API mounts the operator's config directory read-only at
// /etc/tandem, and reads a policy only when TANDEM_POLICY_FILE names one there.
func checkConfigDir(p *problems, services map[string]types.ServiceConfig) {
	a, ok := services[svcAPI]
	if !ok {
		return
	}
	i := slices.IndexFunc(a.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == configDir })
	switch {
	case i < 0:
		p.addf("%s: no config directory mounted at %s: the image is distroless, so a policy or people file has nowhere else to come from", svcAPI, configDir)
	case !a.Volumes[i].ReadOnly:
		p.addf("%s: the config directory at %s is mounted writable, want :ro", svcAPI, configDir)
	}
	if pol, set := a.Environment["TANDEM_POLICY"]; !set {
		p.addf("%s: no TANDEM_POLICY: TANDEM_POLICY_FILE would never reach the API", svcAPI)
	} else if pol != nil && *pol != "" {
		p.addf("%s: TANDEM_POLICY=%q without TANDEM_POLICY_FILE, want empty (the built-in policy)", svcAPI, *pol)
	}
	for _, name := range []string{svcWorker, svcMigrate} {
		if _, set := services[name].Environment["TANDEM_POLICY"]; set {
			p.addf("%s: has TANDEM_POLICY, which only the API reads", name)
		}
	}
}

// checkStopGrace: Docker waits longer than each service's own shutdown before it
// kills it: the API its ShutdownTimeout, the proxy the Caddyfile's grace_period;
// PostgreSQL and the Temporal server more than Docker's default. The worker's is
// checked with its stop timeout.
func checkStopGrace(p *problems, project *types.Project, services map[string]types.ServiceConfig) {
	want := map[string]time.Duration{
		svcAPI:      api.ShutdownTimeout + graceMargin,
		svcPostgres: dockerStopDefault + time.Nanosecond,
		svcTemporal: dockerStopDefault + time.Nanosecond,
	}
	if grace, err := caddyGracePeriod(filepath.Join(project.WorkingDir, "deploy", "caddy", "Caddyfile")); err != nil {
		p.addf("%s: %v", svcProxy, err)
	} else {
		want[svcProxy] = grace + graceMargin
	}
	for name, min := range want {
		s, ok := services[name]
		if !ok {
			continue
		}
		switch {
		case s.StopGracePeriod == nil:
			p.addf("%s: no stop_grace_period: Docker kills it %s after SIGTERM, want at least %s", name, dockerStopDefault, min)
		case time.Duration(*s.StopGracePeriod) < min:
			p.addf("%s: stop_grace_period %s, want at least %s", name, time.Duration(*s.StopGracePeriod), min)
		}
	}
}

var caddyGrace = regexp.MustCompile(`(?m)^\s*grace_period\s+(\S+)\s*$`)

// caddyGracePeriod is the grace_period global option of a Caddyfile.
func caddyGracePeriod(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	m := caddyGrace.FindSubmatch(b)
	if m == nil {
		return 0, errors.New("deploy/caddy/Caddyfile: no grace_period: Caddy waits for requests in flight forever, and Docker kills it mid-request")
	}
	return time.ParseDuration(string(m[1]))
}

// checkTemporalMetrics: the Temporal server, configured as its image renders its
// template, serves Prometheus metrics on the port the monitoring profile scrapes.
func checkTemporalMetrics(p *problems, services map[string]types.ServiceConfig) {
	srv, ok := services[svcTemporal]
	if !ok {
		return
	}
	cfg, err := renderServerConfig(srv)
	if err != nil {
		p.addf("%s: render the server's configuration: %v", svcTemporal, err)
		return
	}
	m := cfg.Global.Metrics
	if m == nil || m.Prometheus == nil || m.Prometheus.ListenAddress == "" {
		p.addf("%s: no Prometheus metrics (PROMETHEUS_ENDPOINT): the monitoring profile would scrape nothing", svcTemporal)
		return
	}
	host, port, err := net.SplitHostPort(m.Prometheus.ListenAddress)
	if err != nil {
		p.addf("%s: metrics listen on %q: %v", svcTemporal, m.Prometheus.ListenAddress, err)
		return
	}
	if host != "0.0.0.0" && host != "" {
		p.addf("%s: metrics listen on %q: only that container reaches them, want 0.0.0.0", svcTemporal, m.Prometheus.ListenAddress)
	}
	if port != temporalMetricsPort {
		p.addf("%s: metrics on port %s, but deploy/prometheus/prometheus.yml scrapes %s", svcTemporal, port, temporalMetricsPort)
	}
	if slices.ContainsFunc(srv.Ports, func(pc types.ServicePortConfig) bool { return strconv.Itoa(int(pc.Target)) == port }) {
		p.addf("%s: publishes its metrics port %s to the host", svcTemporal, port)
	}
}

// Every check above must be able to fail: each mutation breaks one thing in a copy
// of docker-compose.yml, and loading or checking the copy must report it.
func TestOperationsChecksCatchMistakes(t *testing.T) {
	root := repoRoot(t)
	original := string(readFile(t, filepath.Join(root, "docker-compose.yml")))
	goMod := readFile(t, filepath.Join(root, "go.mod"))
	for _, tt := range []struct {
		name     string
		old, new string // the first occurrence of old is replaced
		want     string
	}{
		{"init script writable", ":/docker-entrypoint-initdb.d/10-roles.sh:ro", ":/docker-entrypoint-initdb.d/10-roles.sh", "init-roles.sh is mounted writable"},
		{"init script variable unset", "      TANDEM_DB_NAME: tandem\n", "", "TANDEM_DB_NAME is not set"},
		{"a role serves twice", "TANDEM_DB_OWNER: tandem_owner", "TANDEM_DB_OWNER: temporal", `role "temporal" serves twice`},
		{"a role is the superuser", "TEMPORAL_DB_USER: temporal", "TEMPORAL_DB_USER: postgres", `role "postgres" is the superuser`},
		{"proxy port", `"${TANDEM_HTTP_PORT:-80}:80"`, `"${TANDEM_HTTP_PORT:-8080}:80"`, "proxy: want host port 80"},
		{"proxy https port", `"${TANDEM_HTTPS_PORT:-443}:443"`, `"${TANDEM_HTTPS_PORT:-8443}:443"`, "proxy: want host port 443"},
		{"proxy on default", "    networks: [edge]\n", "    networks: [default, edge]\n", "proxy: on the default network too"},
		{"api off the edge", "    networks: [default, edge]\n", "", "tandem-api: not on the edge network"},
		{"worker on the edge", "    command: [\"worker\"]\n", "    command: [\"worker\"]\n    networks: [default, edge]\n", "tandem-worker: on the edge network"},
		{"trusts everyone", "TANDEM_TRUSTED_PROXIES: ${TANDEM_EDGE_SUBNET:-172.30.240.0/24}", "TANDEM_TRUSTED_PROXIES: 0.0.0.0/0", "TANDEM_TRUSTED_PROXIES"},
		{"trusts no one", "      TANDEM_TRUSTED_PROXIES: ${TANDEM_EDGE_SUBNET:-172.30.240.0/24}\n", "", "TANDEM_TRUSTED_PROXIES"},
		{"edge subnet not trusted", "        - subnet: ${TANDEM_EDGE_SUBNET:-172.30.240.0/24}", "        - subnet: ${TANDEM_EDGE_SUBNET:-172.30.241.0/24}", "TANDEM_TRUSTED_PROXIES"},
		{"edge subnet not fixed", "    ipam:\n      config:\n        - subnet: ${TANDEM_EDGE_SUBNET:-172.30.240.0/24}\n", "    driver: bridge\n", "want exactly one"},
		{"no config dir", "      - ${TANDEM_CONFIG_DIR:-./config}:/etc/tandem:ro\n", "      - ${TANDEM_CONFIG_DIR:-./config}:/etc/config:ro\n", "no config directory"},
		{"config dir writable", ":/etc/tandem:ro", ":/etc/tandem", "mounted writable"},
		{"policy without a file", "TANDEM_POLICY: ${TANDEM_POLICY_FILE:+/etc/tandem/${TANDEM_POLICY_FILE}}", "TANDEM_POLICY: /etc/tandem/policy.yaml", "without TANDEM_POLICY_FILE"},
		{"no policy variable", "      TANDEM_POLICY: ${TANDEM_POLICY_FILE:+/etc/tandem/${TANDEM_POLICY_FILE}}\n", "", "no TANDEM_POLICY"},
		{"policy for the worker", "  TANDEM_NAMESPACE: default\n", "  TANDEM_NAMESPACE: default\n  TANDEM_POLICY:\n", "tandem-worker: has TANDEM_POLICY"},
		{"api grace too short", "    stop_grace_period: 25s\n", "    stop_grace_period: 15s\n", "tandem-api: stop_grace_period 15s"},
		{"api grace unset", "    stop_grace_period: 25s\n", "", "tandem-api: no stop_grace_period"},
		{"proxy grace too short", "    stop_grace_period: 15s\n", "    stop_grace_period: 10s\n", "proxy: stop_grace_period 10s"},
		{"postgres grace unset", "    # 10 s; killed before it is done, the next start has to replay the WAL.\n    stop_grace_period: 30s\n", "", "postgresql: no stop_grace_period"},
		{"temporal grace default", "    # seconds; Docker's default 10 s can cut it short.\n    stop_grace_period: 30s\n", "    stop_grace_period: 10s\n", "temporal: stop_grace_period 10s"},
		{"no server metrics", "      PROMETHEUS_ENDPOINT: 0.0.0.0:9090\n", "", "no Prometheus metrics"},
		{"server metrics on loopback", "PROMETHEUS_ENDPOINT: 0.0.0.0:9090", "PROMETHEUS_ENDPOINT: 127.0.0.1:9090", "only that container"},
		{"server metrics port", "PROMETHEUS_ENDPOINT: 0.0.0.0:9090", "PROMETHEUS_ENDPOINT: 0.0.0.0:9091", "scrapes 9090"},
		{"server metrics published", "      - \"127.0.0.1:7233:7233\"\n", "      - \"127.0.0.1:7233:7233\"\n      - \"9090:9090\"\n", "publishes its metrics port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(original, tt.old) {
				t.Fatalf("docker-compose.yml no longer contains %q: update this mutation", tt.old)
			}
			mutated := strings.Replace(original, tt.old, tt.new, 1)
			path := filepath.Join(t.TempDir(), "docker-compose.yml")
			if err := os.WriteFile(path, []byte(mutated), 0o600); err != nil {
				t.Fatal(err)
			}
			project, err := loadCompose([]string{path}, root, testEnv)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			var p problems
			checkCompose(&p, project, []byte(mutated), goMod, wantDependsOn)
			i := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if i < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[i])
		})
	}
}
