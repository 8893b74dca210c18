package deploy

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// The proxy's Caddyfile, adapted by the local caddy (Debian's, apt-get install
// caddy) to the JSON Caddy runs, for each TLS setting the compose file documents,
// with the proxy service's environment: what a request for each path reaches,
// where certificates come from, and that the API's replicas are the upstreams.

// caddyfileTarget is where the caddy image reads its configuration.
const caddyfileTarget = "/etc/caddy/Caddyfile"

// caddySettings are the proxy's settings the test adapts the Caddyfile with, on
// top of the service's defaults.
var caddySettings = []struct {
	name string
	env  []string
}{
	{"default", nil},
	{"domain, automatic certificate", []string{"TANDEM_SITE=tandem.example.com"}},
	{"domain, certificate files", []string{"TANDEM_SITE=tandem.example.com", "TANDEM_TLS=files"}},
	{"domain, internal CA", []string{"TANDEM_SITE=tandem.example.com", "TANDEM_TLS=internal"}},
}

func TestCaddyfile(t *testing.T) {
	bin := caddyBinary(t)
	root := repoRoot(t)
	for _, st := range caddySettings {
		t.Run(st.name, func(t *testing.T) {
			project, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, append(slices.Clone(testEnv), st.env...))
			if err != nil {
				t.Fatal(err)
			}
			var p problems
			checkCaddy(&p, bin, project, filepath.Join(root, "deploy", "caddy", "Caddyfile"))
			for _, msg := range p {
				t.Error(msg)
			}
		})
	}
}

// Every check must be able to fail: each mutation breaks one thing in a copy of the
// Caddyfile, and adapting or checking the copy must report it, under the setting
// named.
func TestCaddyfileChecksCatchMistakes(t *testing.T) {
	bin := caddyBinary(t)
	root := repoRoot(t)
	original := string(readFile(t, filepath.Join(root, "deploy", "caddy", "Caddyfile")))
	for _, tt := range []struct {
		name, setting string
		old, new      string
		want          string
	}{
		{"upstream name", "default", "dynamic a tandem-api 8080", "dynamic a tandem-apis 8080", `"tandem-apis"`},
		{"upstream port", "default", "dynamic a tandem-api 8080", "dynamic a tandem-api 8081", "port 8081"},
		{"static upstream", "default", "dynamic a tandem-api 8080 {\n\t\t\t\trefresh 5s\n\t\t\t}", "to tandem-api:8080", "dynamic"},
		{"metrics forwarded", "default", "\thandle /metrics* {\n\t\trespond 404\n\t}\n", "", "/metrics"},
		{"host rewritten", "default", "\t\t\tlb_policy round_robin\n", "\t\t\tlb_policy round_robin\n\t\t\theader_up Host tandem-api\n", "Host"},
		{"forwarded header dropped", "default", "\t\t\tlb_policy round_robin\n", "\t\t\tlb_policy round_robin\n\t\t\theader_up -X-Forwarded-For\n", "X-Forwarded-For"},
		{"no retry", "default", "\t\t\tlb_try_duration 10s\n", "", "lb_try_duration"},
		{"no grace period", "default", "\tgrace_period 10s\n", "", "grace_period"},
		{"admin on", "default", "\tadmin off\n", "", "admin"},
		{"site from another variable", "default", "{$TANDEM_SITE::80}", "{$TANDEM_ADDRESS::80}", "reads $TANDEM_ADDRESS"},
		{"certificate elsewhere", "domain, certificate files", "tls /etc/caddy/tls/cert.pem", "tls /etc/ssl/cert.pem", "/etc/ssl/cert.pem"},
		{"files setting ignored", "domain, certificate files", "\ttls /etc/caddy/tls/cert.pem /etc/caddy/tls/key.pem\n", "", "no certificate files"},
		{"internal setting ignored", "domain, internal CA", "\ttls internal\n", "", "internal"},
		{"no such setting", "domain, internal CA", "(tls-internal) {", "(tls-local) {", "tls-internal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(original, tt.old) {
				t.Fatalf("the Caddyfile no longer contains %q: update this mutation", tt.old)
			}
			i := slices.IndexFunc(caddySettings, func(s struct {
				name string
				env  []string
			}) bool {
				return s.name == tt.setting
			})
			if i < 0 {
				t.Fatalf("no setting %q", tt.setting)
			}
			file := filepath.Join(t.TempDir(), "Caddyfile")
			if err := os.WriteFile(file, []byte(strings.Replace(original, tt.old, tt.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			project, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, append(slices.Clone(testEnv), caddySettings[i].env...))
			if err != nil {
				t.Fatal(err)
			}
			var p problems
			checkCaddy(&p, bin, project, file)
			j := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if j < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[j])
		})
	}
}

// caddyBinary is the local caddy; without one the test skips, unless CI or
// TANDEM_REQUIRE_CADDY=1 makes that a failure (.ci/run installs it).
func caddyBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("caddy")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TANDEM_REQUIRE_CADDY") == "1" {
			t.Fatalf("caddy is required (CI or TANDEM_REQUIRE_CADDY=1) but missing: %v; apt-get install caddy", err)
		}
		t.Skipf("skipping: no caddy here (%v); apt-get install caddy, or set CI / TANDEM_REQUIRE_CADDY=1 to make this a failure", err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), "2.") {
		t.Fatalf("caddy version: %q, %v; want Caddy 2, the image's major version", out, err)
	}
	return bin
}

// caddyConfig is the part of Caddy's JSON configuration the checks read.
type caddyConfig struct {
	Admin struct {
		Disabled bool `json:"disabled"`
	} `json:"admin"`
	Apps struct {
		HTTP struct {
			GracePeriod json.Number            `json:"grace_period"`
			Servers     map[string]caddyServer `json:"servers"`
		} `json:"http"`
		TLS *struct {
			Certificates struct {
				LoadFiles []struct {
					Certificate string `json:"certificate"`
					Key         string `json:"key"`
				} `json:"load_files"`
			} `json:"certificates"`
			Automation struct {
				Policies []struct {
					Issuers []struct {
						Module string `json:"module"`
					} `json:"issuers"`
				} `json:"policies"`
			} `json:"automation"`
		} `json:"tls"`
	} `json:"apps"`
}

type caddyServer struct {
	Listen []string     `json:"listen"`
	Routes []caddyRoute `json:"routes"`
}

type caddyRoute struct {
	Match []struct {
		Path []string `json:"path"`
		Host []string `json:"host"`
	} `json:"match"`
	Handle []caddyHandler `json:"handle"`
}

type caddyHandler struct {
	Handler    string       `json:"handler"`
	Routes     []caddyRoute `json:"routes"`
	StatusCode json.Number  `json:"status_code"`
	// reverse_proxy
	Upstreams        []struct{ Dial string } `json:"upstreams"`
	DynamicUpstreams *struct {
		Source string `json:"source"`
		Name   string `json:"name"`
		Port   string `json:"port"`
	} `json:"dynamic_upstreams"`
	LoadBalancing struct {
		TryDuration json.Number `json:"try_duration"`
	} `json:"load_balancing"`
	Headers struct {
		Request struct {
			Set    map[string][]string `json:"set"`
			Delete []string            `json:"delete"`
		} `json:"request"`
	} `json:"headers"`
}

// caddyEnv matches the environment variables a Caddyfile reads: {$NAME} or
// {$NAME:default}.
var caddyEnv = regexp.MustCompile(`\{\$([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}`)

// caddyComments matches a Caddyfile's comments: # at the start of a token, to the
// end of the line.
var caddyComments = regexp.MustCompile(`(?m)(^|\s)#.*$`)

// checkCaddy adapts file with caddy as the proxy service of project would run it
// and checks the result.
func checkCaddy(p *problems, bin string, project *types.Project, file string) {
	proxy, err := project.GetService(svcProxy)
	if err != nil {
		p.addf("no service %q", svcProxy)
		return
	}
	apiSvc, err := project.GetService(svcAPI)
	if err != nil {
		p.addf("no service %q", svcAPI)
		return
	}
	mounted := slices.ContainsFunc(proxy.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == caddyfileTarget && v.ReadOnly && filepath.Clean(v.Source) == filepath.Join(project.WorkingDir, "deploy", "caddy", "Caddyfile")
	})
	if !mounted {
		p.addf("%s: deploy/caddy/Caddyfile is not mounted read-only at %s, where the image reads it", svcProxy, caddyfileTarget)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		p.addf("%v", err)
		return
	}
	// Every variable the Caddyfile reads comes from the service's environment.
	for _, m := range caddyEnv.FindAllStringSubmatch(caddyComments.ReplaceAllString(string(text), ""), -1) {
		if _, set := proxy.Environment[m[1]]; !set {
			p.addf("%s: the Caddyfile reads $%s, which the service does not set", svcProxy, m[1])
		}
	}

	cmd := exec.Command(bin, "adapt", "--config", file, "--adapter", "caddyfile")
	cmd.Env = []string{"HOME=" + os.TempDir()}
	for k, v := range serviceEnv(proxy) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.addf("caddy adapt %s: %v\n%s", file, err, stderr.String())
		return
	}
	if strings.Contains(stderr.String(), `"level":"warn"`) {
		p.addf("caddy adapt %s warns: %s", file, stderr.String())
	}
	var cfg caddyConfig
	dec := json.NewDecoder(strings.NewReader(string(out)))
	dec.UseNumber()
	if err := dec.Decode(&cfg); err != nil {
		p.addf("caddy adapt printed no configuration: %v", err)
		return
	}

	if !cfg.Admin.Disabled {
		p.addf("Caddyfile: the admin API is on: anyone in the container's network namespace could reconfigure the proxy (want admin off)")
	}
	if grace, err := time.ParseDuration(string(cfg.Apps.HTTP.GracePeriod) + "ns"); err != nil || grace <= 0 {
		p.addf("Caddyfile: no grace_period: stopped, Caddy waits for requests in flight without end and Docker kills it mid-request")
	} else if want, err := caddyGracePeriod(filepath.Join(project.WorkingDir, "deploy", "caddy", "Caddyfile")); err == nil && grace != want {
		p.addf("Caddyfile: grace_period %s, but the compose check read %s", grace, want)
	}

	site := env(proxy, "TANDEM_SITE")
	domain := site != "" && !strings.HasPrefix(site, ":")
	wantListen := ":80"
	if domain {
		wantListen = ":443"
	}
	var server *caddyServer
	for _, s := range cfg.Apps.HTTP.Servers {
		if slices.Contains(s.Listen, wantListen) {
			server = &s
		}
	}
	if server == nil {
		p.addf("Caddyfile: no server listens on %s with TANDEM_SITE=%q; the servers: %+v", wantListen, site, cfg.Apps.HTTP.Servers)
		return
	}

	// What a request reaches: the API's metrics nothing, anything else the API.
	if h := route(server.Routes, "/metrics", site); h == nil || h.Handler != "static_response" || h.StatusCode.String() != "404" {
		p.addf("Caddyfile: GET /metrics reaches %s, want a 404: the API's metrics are for Prometheus on the compose network", describe(h))
	}
	h := route(server.Routes, "/api/v1/tasks", site)
	if h == nil || h.Handler != "reverse_proxy" {
		p.addf("Caddyfile: GET /api/v1/tasks reaches %s, want the API (reverse_proxy)", describe(h))
		return
	}
	_, apiPort, _ := net.SplitHostPort(env(apiSvc, "TANDEM_HTTP"))
	switch d := h.DynamicUpstreams; {
	case d == nil:
		p.addf("Caddyfile: upstreams %+v are fixed: want `dynamic a %s %s`, every replica Docker's DNS lists, so --scale needs no change", h.Upstreams, svcAPI, apiPort)
	case d.Source != "a" || d.Name != svcAPI:
		p.addf("Caddyfile: dynamic upstreams %q %q, want the A records of the service %q", d.Source, d.Name, svcAPI)
	case d.Port != apiPort:
		p.addf("Caddyfile: upstream port %s, but the API listens on %s (TANDEM_HTTP)", d.Port, apiPort)
	}
	for name := range h.Headers.Request.Set {
		if strings.EqualFold(name, "Host") {
			p.addf("Caddyfile: the proxy rewrites Host: the board checks a form's Origin against the Host the browser sent")
		}
		if strings.EqualFold(name, "X-Forwarded-For") {
			p.addf("Caddyfile: the proxy sets X-Forwarded-For itself: Caddy's own names the client")
		}
	}
	for _, name := range h.Headers.Request.Delete {
		if strings.EqualFold(name, "X-Forwarded-For") {
			p.addf("Caddyfile: the proxy removes X-Forwarded-For: the API's rate limit and audit trail would see the proxy as every client")
		}
	}
	if try, err := time.ParseDuration(string(h.LoadBalancing.TryDuration) + "ns"); err != nil || try <= 0 {
		p.addf("Caddyfile: no lb_try_duration: a request to a replica that is restarting fails instead of going to another")
	}

	checkCaddyTLS(p, proxy, cfg, env(proxy, "TANDEM_TLS"), domain)
}

// checkCaddyTLS: with a domain, the certificate comes from where TANDEM_TLS says.
func checkCaddyTLS(p *problems, proxy types.ServiceConfig, cfg caddyConfig, mode string, domain bool) {
	tls := cfg.Apps.TLS
	var files []string
	internal := false
	if tls != nil {
		for _, f := range tls.Certificates.LoadFiles {
			files = append(files, f.Certificate, f.Key)
		}
		for _, pol := range tls.Automation.Policies {
			for _, iss := range pol.Issuers {
				internal = internal || iss.Module == "internal"
			}
		}
	}
	switch {
	case !domain && (len(files) > 0 || internal):
		p.addf("Caddyfile: TLS settings on the plain-HTTP default site")
	case mode == "files" && len(files) == 0:
		p.addf("Caddyfile: TANDEM_TLS=files, but no certificate files are loaded")
	case mode == "internal" && !internal:
		p.addf("Caddyfile: TANDEM_TLS=internal, but the certificate is not issued by Caddy's internal CA")
	case mode != "files" && len(files) > 0:
		p.addf("Caddyfile: TANDEM_TLS=%s, but certificate files %q are loaded", mode, files)
	}
	for _, f := range files {
		mounted := slices.ContainsFunc(proxy.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.ReadOnly && v.Type == types.VolumeTypeBind && strings.HasPrefix(f, v.Target+"/") && path.Dir(f) == v.Target
		})
		if !mounted {
			p.addf("Caddyfile: certificate file %s is in no read-only directory mounted into %s (TANDEM_TLS_DIR)", f, svcProxy)
		}
	}
}

// route follows Caddy's routes (and subroutes) the way a GET of path to host
// would, and returns the first terminal handler it reaches, nil if none.
func route(routes []caddyRoute, reqPath, host string) *caddyHandler {
	for _, r := range routes {
		if !routeMatches(r, reqPath, host) {
			continue
		}
		for i := range r.Handle {
			h := &r.Handle[i]
			if h.Handler == "subroute" {
				if t := route(h.Routes, reqPath, host); t != nil {
					return t
				}
				continue
			}
			if h.Handler == "static_response" || h.Handler == "reverse_proxy" {
				return h
			}
		}
	}
	return nil
}

// routeMatches reports whether any of a route's matcher sets matches (no matcher
// matches everything); within a set, every matcher must.
func routeMatches(r caddyRoute, reqPath, host string) bool {
	if len(r.Match) == 0 {
		return true
	}
	for _, m := range r.Match {
		ok := true
		if len(m.Path) > 0 {
			ok = slices.ContainsFunc(m.Path, func(pat string) bool { g, _ := path.Match(pat, reqPath); return g || pat == reqPath })
		}
		if len(m.Host) > 0 {
			ok = ok && slices.Contains(m.Host, host)
		}
		if ok {
			return true
		}
	}
	return false
}

func describe(h *caddyHandler) string {
	if h == nil {
		return "no handler"
	}
	return fmt.Sprintf("%s %s", h.Handler, h.StatusCode)
}
