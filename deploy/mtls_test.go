package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uirpc "github.com/temporalio/ui-server/v2/server/rpc"
	serverconfig "go.temporal.io/server/common/config"
	serverlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/rpc/encryption"
	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/temporalclient"
)

// The mutual-TLS overlay is checked merged onto docker-compose.yml, as `docker
// compose -f docker-compose.yml -f docker-compose.mtls.yml` loads it: everything
// the base file must be still holds, and on top of it
//
//   - the Temporal server's configuration, rendered from its image's template with
//     the service's environment, serves TLS and requires a client certificate on
//     the frontend and between its roles;
//   - every service that calls the frontend presents a certificate, trusts the
//     deployment's CA only and checks the frontend's name;
//   - every certificate file a service is given lies in a volume the one-shot
//     writes, mounted read-only, and the service waits for the one-shot; the CA's
//     key is in a volume nothing else mounts.
//
// With openssl on the machine, the one-shot's script then runs for real into a
// temporary directory, twice (the second run must change nothing), and what it made
// is used: no private key readable by others, each volume's files owned by the user
// its consumer runs as (when the test runs as root), and TLS handshakes between
// the server's own TLS code configured as rendered and each client configured the
// way it really is (Tandem through temporalclient, the UI through its own code, the
// CLI's files), plus refusals of a client with no certificate or another CA's.

const (
	svcCerts    = "temporal-certs"
	mtlsOverlay = "docker-compose.mtls.yml"
)

// frontendClients are the services that call Temporal's frontend.
var frontendClients = []string{svcTemporalSetup, svcTemporalUI, svcAPI, svcWorker}

// mtlsDependsOn is the start order with the overlay: the certificates first, and
// everything that mounts them after.
func mtlsDependsOn() map[string]map[string]string {
	want := map[string]map[string]string{svcCerts: {}}
	for name, deps := range wantDependsOn {
		want[name] = maps.Clone(deps)
	}
	for _, name := range append([]string{svcTemporal}, frontendClients...) {
		want[name][svcCerts] = completed
	}
	return want
}

func TestComposeMTLS(t *testing.T) {
	root := repoRoot(t)
	base := filepath.Join(root, "docker-compose.yml")
	overlay := filepath.Join(root, mtlsOverlay)
	project, err := loadCompose([]string{base, overlay}, root, testEnv)
	if err != nil {
		t.Fatalf("load %s merged onto docker-compose.yml: %v", mtlsOverlay, err)
	}
	var p problems
	checkCompose(&p, project, readFile(t, base), readFile(t, filepath.Join(root, "go.mod")), mtlsDependsOn())
	checkMTLS(&p, project, readFile(t, overlay), certsWorkDir(t))
	for _, msg := range p {
		t.Error(msg)
	}
}

// certsWorkDir is where the one-shot's script runs, or "" when there is no openssl
// to run it with.
func certsWorkDir(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("no openssl here: the certificates are not made, so neither their files nor the handshakes are checked")
		return ""
	}
	return t.TempDir()
}

func TestComposeMTLSChecksCatchMistakes(t *testing.T) {
	root := repoRoot(t)
	base := filepath.Join(root, "docker-compose.yml")
	baseRaw := readFile(t, base)
	original := string(readFile(t, filepath.Join(root, mtlsOverlay)))
	goMod := readFile(t, filepath.Join(root, "go.mod"))

	tests := []struct {
		name     string
		old, new string // the first occurrence of old is replaced
		want     string // in the load error or in one of the problems
		certs    bool   // needs the certificates made: openssl
		root     bool   // needs to run as root: file owners
	}{
		{"version key", "name: tandem\n", "version: \"3.8\"\nname: tandem\n", "version", false, false},
		{"no client auth", `TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: "true"`, `TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: "false"`, "does not require client certificates", false, false},
		{"no client CA", "      TEMPORAL_TLS_CLIENT1_CA_CERT: /tls/ca.pem\n", "", "clientCaFiles", false, false},
		{"frontend without certificate", "      TEMPORAL_TLS_FRONTEND_KEY: /tls/server-key.pem\n", "", "frontend has no certificate", false, false},
		{"internode in clear", "      TEMPORAL_TLS_SERVER_CERT: /tls/server.pem\n", "", "internode", false, false},
		{"internode name", "TEMPORAL_TLS_INTERNODE_SERVER_NAME: temporal", "TEMPORAL_TLS_INTERNODE_SERVER_NAME: \"\"", "internode", false, false},
		{"ui skips verification", `TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: "true"`, `TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: "false"`, "temporal-ui: does not verify", false, false},
		{"ui without certificate", "      TEMPORAL_TLS_CERT: /tls/client.pem\n", "", "temporal-ui: presents no client certificate", false, false},
		{"api without certificate", "    environment:\n      <<: *tandem-tls\n    volumes:\n      - temporal-tls-tandem:/tls:ro\n\n  tandem-worker:", "    volumes:\n      - temporal-tls-tandem:/tls:ro\n\n  tandem-worker:", "tandem-api: presents no client certificate", false, false},
		{"setup env misnamed", "TEMPORAL_TLS_CLIENT_CERT_PATH:", "TEMPORAL_TLS_CERT_FILE:", "temporal-setup: presents no client certificate", false, false},
		{"setup trusts system CAs", "      TEMPORAL_TLS_SERVER_CA_CERT_PATH: /tls/ca.pem\n", "", "temporal-setup: trusts", false, false},
		{"path outside the volume", "TANDEM_TEMPORAL_TLS_KEY: /tls/client-key.pem", "TANDEM_TEMPORAL_TLS_KEY: /etc/client-key.pem", "in no volume temporal-certs writes", false, false},
		{"file the one-shot does not make", "TANDEM_TEMPORAL_TLS_KEY: /tls/client-key.pem", "TANDEM_TEMPORAL_TLS_KEY: /tls/key.pem", "not made", true, false},
		{"CA volume mounted by a client", "      - temporal-tls-ui:/tls:ro\n", "      - temporal-ca:/tls:ro\n", "temporal-ca", false, false},
		{"writable certificates", "      - temporal-tls-tandem:/tls:ro\n", "      - temporal-tls-tandem:/tls\n", "read-only", false, false},
		{"client does not wait", "  temporal-ui:\n    depends_on:\n      temporal-certs:\n        condition: service_completed_successfully\n", "  temporal-ui:\n", "temporal-ui: depends_on temporal-certs", false, false},
		{"one-shot restarts", "    restart: \"no\"\n    user: root", "    restart: always\n    user: root", "restart", false, false},
		{"one-shot not root", "    user: root\n", "    user: \"1000\"\n", "root", false, false},
		{"script fails", "        set -eu\n", "        set -eu\n        false\n", "script failed", true, false},
		{"key readable by all", "chmod 0400 \"$$key\"", "chmod 0444 \"$$key\"", "readable by others", true, false},
		{"CA key handed out", "          chmod 0400 \"$$key\"\n", "          chmod 0400 \"$$key\"\n          cp ca/ca-key.pem \"$$dir/\"\n", "CA's private key", true, false},
		{"certificates made again", "if [ -s \"$$key\" ] && [ -s \"$$cert\" ] &&", "if false && [ -s \"$$key\" ] &&", "second run changed", true, false},
		{"certificate for another name", "DNS:temporal,DNS:localhost", "DNS:temporal-server,DNS:localhost", "handshake", true, false},
		{"server certificate not a client's", "serverAuth,clientAuth DNS", "serverAuth DNS", "internode", true, false},
		{"tandem checks another name", "TANDEM_TEMPORAL_TLS_SERVER_NAME: temporal", "TANDEM_TEMPORAL_TLS_SERVER_NAME: temporal.internal", "tandem-api: TLS handshake", true, false},
		{"key owned by another user", "issue tandem client tandem \"$$TANDEM_UID\"", "issue tandem client tandem \"$$TEMPORAL_UID\"", "owned by uid", true, true},
	}
	haveOpenSSL := true
	if _, err := exec.LookPath("openssl"); err != nil {
		haveOpenSSL = false
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(original, tt.old) {
				t.Fatalf("%s no longer contains %q: update this mutation", mtlsOverlay, tt.old)
			}
			if tt.certs && !haveOpenSSL {
				t.Skip("needs openssl")
			}
			if tt.root && os.Geteuid() != 0 {
				t.Skip("needs root to give files to other users")
			}
			mutated := strings.Replace(original, tt.old, tt.new, 1)
			path := filepath.Join(t.TempDir(), mtlsOverlay)
			if err := os.WriteFile(path, []byte(mutated), 0o600); err != nil {
				t.Fatal(err)
			}
			project, err := loadCompose([]string{base, path}, root, testEnv)
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("load failed with %v, want an error mentioning %q", err, tt.want)
				}
				t.Logf("caught by the loader: %v", err)
				return
			}
			work := ""
			if tt.certs {
				work = t.TempDir()
			}
			var p problems
			checkCompose(&p, project, baseRaw, goMod, mtlsDependsOn())
			checkMTLS(&p, project, []byte(mutated), work)
			i := slices.IndexFunc(p, func(msg string) bool { return strings.Contains(msg, tt.want) })
			if i < 0 {
				t.Errorf("no problem mentions %q; problems found: %q", tt.want, p)
				return
			}
			t.Logf("caught: %s", p[i])
		})
	}
}

// clientTLS is how a service calls the frontend over TLS: file paths as the
// service sees them.
type clientTLS struct {
	svc           types.ServiceConfig
	address       string
	ca, cert, key string
	serverName    string
	verify        bool
	ui            *uiconfig.TLS // the UI's own settings, built into a tls.Config by its own code
	tandem        bool          // Tandem's, built by temporalclient.Options
}

// certsRun is the one-shot's view: the volumes it writes and where they are in
// the directory the script ran in.
type certsRun struct {
	dir      string            // "" when the script did not run
	certsDir string            // $CERTS_DIR in the service
	written  map[string]string // volume name -> its mount target in the one-shot
	caVolume string
}

// local is where path, as service s sees it, was made by the script; ok is false
// when no volume the one-shot writes holds it.
func (r certsRun) local(s types.ServiceConfig, path string) (string, bool) {
	for _, v := range s.Volumes {
		target, ok := r.written[v.Source]
		if v.Type != types.VolumeTypeVolume || !ok || !strings.HasPrefix(path, v.Target+"/") {
			continue
		}
		rel, err := filepath.Rel(r.certsDir, target)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", false
		}
		return filepath.Join(r.dir, rel, strings.TrimPrefix(path, v.Target+"/")), true
	}
	return "", false
}

func checkMTLS(p *problems, project *types.Project, raw []byte, work string) {
	var top map[string]any
	if err := yaml.Unmarshal(raw, &top); err != nil {
		p.addf("parse %s as YAML: %v", mtlsOverlay, err)
		return
	}
	if _, ok := top["version"]; ok {
		p.addf("%s: top-level version: key: the compose spec has none", mtlsOverlay)
	}
	certs, err := project.GetService(svcCerts)
	if err != nil {
		p.addf("no service %q", svcCerts)
		return
	}
	run := checkCertsService(p, project, certs)
	srv, err := project.GetService(svcTemporal)
	if err != nil {
		return // reported by checkCompose
	}
	cfg, err := renderServerConfig(srv)
	if err != nil {
		p.addf("%s: render the server's configuration: %v", svcTemporal, err)
		return
	}
	checkServerTLS(p, run, srv, cfg)
	clients := frontendClientsOf(p, project, run)

	if work == "" {
		return
	}
	run.dir = work
	if !runCertsScript(p, certs, run) {
		return
	}
	checkCertFiles(p, project, run)
	checkHandshakes(p, run, srv, cfg, clients)
}

// checkCertsService: the one-shot runs once per `up`, as root (it gives each key
// to its consumer), and writes named volumes under $CERTS_DIR; those who mount
// them wait for it, mount them read-only, and none but it mounts the CA's.
func checkCertsService(p *problems, project *types.Project, certs types.ServiceConfig) certsRun {
	if r := certs.Restart; r != "" && r != types.RestartPolicyNo && !strings.HasPrefix(r, types.RestartPolicyOnFailure) {
		p.addf("%s: restart: %s on a one-shot step, want \"no\"", svcCerts, r)
	}
	if u := certs.User; u != "" && u != "root" && u != "0" && !strings.HasPrefix(u, "0:") {
		p.addf("%s: user %q, want root: it gives each key to the user its service runs as", svcCerts, u)
	}
	run := certsRun{certsDir: env(certs, "CERTS_DIR"), written: map[string]string{}}
	if run.certsDir == "" {
		p.addf("%s: CERTS_DIR is not set", svcCerts)
	}
	for _, v := range certs.Volumes {
		if v.Type != types.VolumeTypeVolume || v.Source == "" {
			p.addf("%s: %s is not a named volume: the certificates would be lost with the container", svcCerts, v.Target)
			continue
		}
		if v.ReadOnly {
			p.addf("%s: mounts %s read-only, but writes it", svcCerts, v.Source)
		}
		run.written[v.Source] = v.Target
		if v.Target == run.certsDir+"/ca" {
			run.caVolume = v.Source
		}
	}
	if run.caVolume == "" {
		p.addf("%s: no volume at $CERTS_DIR/ca for the CA", svcCerts)
	}
	for _, s := range project.Services {
		if s.Name == svcCerts {
			continue
		}
		for _, v := range s.Volumes {
			if _, ok := run.written[v.Source]; !ok || v.Type != types.VolumeTypeVolume {
				continue
			}
			if v.Source == run.caVolume {
				p.addf("%s: mounts %s, which holds the CA's key: whoever has it can make certificates the frontend admits", s.Name, v.Source)
			}
			if !v.ReadOnly {
				p.addf("%s: mounts %s read-write, want read-only (:ro)", s.Name, v.Source)
			}
			if d, ok := s.DependsOn[svcCerts]; !ok || d.Condition != completed || !d.Required {
				p.addf("%s: depends_on %s missing or not %s, but it mounts %s", s.Name, svcCerts, completed, v.Source)
			}
		}
	}
	return run
}

// checkServerTLS: the rendered server configuration serves TLS on the frontend
// and between roles, requires client certificates on both, trusts the CA and
// checks the server's name, with files the one-shot writes.
func checkServerTLS(p *problems, run certsRun, srv types.ServiceConfig, cfg *serverconfig.Config) {
	t := cfg.Global.TLS
	fr, in := t.Frontend.Server, t.Internode.Server
	if !fr.RequireClientAuth {
		p.addf("%s: the frontend does not require client certificates (TEMPORAL_TLS_REQUIRE_CLIENT_AUTH)", svcTemporal)
	}
	if fr.CertFile == "" || fr.KeyFile == "" {
		p.addf("%s: the frontend has no certificate (TEMPORAL_TLS_FRONTEND_CERT, _KEY): it serves in clear", svcTemporal)
	}
	if len(fr.ClientCAFiles) == 0 || slices.Contains(fr.ClientCAFiles, "") {
		p.addf("%s: the frontend's clientCaFiles are %q: want the CA's certificate (TEMPORAL_TLS_CLIENT1_CA_CERT)", svcTemporal, fr.ClientCAFiles)
	}
	if in.CertFile == "" || in.KeyFile == "" || !in.RequireClientAuth || len(in.ClientCAFiles) == 0 || slices.Contains(in.ClientCAFiles, "") {
		p.addf("%s: internode TLS is not mutual (certFile %q, keyFile %q, requireClientAuth %v, clientCaFiles %q: TEMPORAL_TLS_SERVER_*)", svcTemporal, in.CertFile, in.KeyFile, in.RequireClientAuth, in.ClientCAFiles)
	}
	for what, c := range map[string]serverconfig.ClientTLS{"internode": t.Internode.Client, "system worker": t.Frontend.Client} {
		if c.ServerName == "" || c.DisableHostVerification || len(c.RootCAFiles) == 0 || slices.Contains(c.RootCAFiles, "") {
			p.addf("%s: the %s client checks no name or trusts no CA (serverName %q, disableHostVerification %v, rootCaFiles %q)", svcTemporal, what, c.ServerName, c.DisableHostVerification, c.RootCAFiles)
		}
	}
	files := append([]string{fr.CertFile, fr.KeyFile, in.CertFile, in.KeyFile}, fr.ClientCAFiles...)
	files = append(files, in.ClientCAFiles...)
	files = append(files, t.Internode.Client.RootCAFiles...)
	files = append(files, t.Frontend.Client.RootCAFiles...)
	for _, f := range files {
		if _, ok := run.local(srv, f); f != "" && !ok {
			p.addf("%s: %s is in no volume %s writes", svcTemporal, f, svcCerts)
		}
	}
}

// frontendClientsOf finds every service that calls the frontend (a Temporal
// address in its environment; of Tandem's, the api and the worker) and reads how
// it is told to use TLS, each in its own terms.
func frontendClientsOf(p *problems, project *types.Project, run certsRun) []clientTLS {
	var clients []clientTLS
	seen := map[string]bool{}
	for _, s := range project.Services {
		var c clientTLS
		switch {
		case s.Name == svcTemporal || s.Name == svcCerts:
			continue
		case s.Build != nil:
			// Tandem: only api and worker dial Temporal; migrate reads TANDEM_DB only.
			if cmd := strings.Join(s.Command, " "); cmd != "api" && cmd != "worker" {
				continue
			}
			c = clientTLS{address: env(s, "TANDEM_TEMPORAL_ADDRESS"), ca: env(s, "TANDEM_TEMPORAL_TLS_CA"),
				cert: env(s, "TANDEM_TEMPORAL_TLS_CERT"), key: env(s, "TANDEM_TEMPORAL_TLS_KEY"),
				serverName: env(s, "TANDEM_TEMPORAL_TLS_SERVER_NAME"), verify: true, tandem: true}
		case strings.HasPrefix(s.Image, "temporalio/ui:"):
			cfg, err := renderUIConfig(s)
			if err != nil {
				p.addf("%s: render the UI's configuration: %v", s.Name, err)
				continue
			}
			tlsCfg := cfg.TLS
			c = clientTLS{address: cfg.TemporalGRPCAddress, ca: tlsCfg.CaFile, cert: tlsCfg.CertFile, key: tlsCfg.KeyFile,
				serverName: tlsCfg.ServerName, verify: tlsCfg.EnableHostVerification, ui: &tlsCfg}
			if tlsCfg.CaData != "" || tlsCfg.CertData != "" || tlsCfg.KeyData != "" {
				p.addf("%s: TLS material given inline (TEMPORAL_TLS_*_DATA): this test checks files only", s.Name)
			}
		case env(s, "TEMPORAL_ADDRESS") != "":
			// The temporal CLI (admin-tools) reads its TLS settings from these.
			disable, _ := strconv.ParseBool(env(s, "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"))
			c = clientTLS{address: env(s, "TEMPORAL_ADDRESS"), ca: env(s, "TEMPORAL_TLS_SERVER_CA_CERT_PATH"),
				cert: env(s, "TEMPORAL_TLS_CLIENT_CERT_PATH"), key: env(s, "TEMPORAL_TLS_CLIENT_KEY_PATH"),
				serverName: env(s, "TEMPORAL_TLS_SERVER_NAME"), verify: !disable}
		default:
			continue
		}
		c.svc = s
		seen[s.Name] = true
		if c.cert == "" || c.key == "" {
			p.addf("%s: presents no client certificate to the frontend (certificate %q, key %q), which requires one", s.Name, c.cert, c.key)
		}
		if c.ca == "" {
			p.addf("%s: trusts the system's CAs for the frontend's certificate, want the deployment's CA", s.Name)
		}
		if !c.verify {
			p.addf("%s: does not verify the frontend's certificate, so anything on the network could pose as it", s.Name)
		}
		for _, f := range []string{c.ca, c.cert, c.key} {
			if _, ok := run.local(s, f); f != "" && !ok {
				p.addf("%s: %s is in no volume %s writes", s.Name, f, svcCerts)
			}
		}
		clients = append(clients, c)
	}
	for _, name := range frontendClients {
		if !seen[name] {
			p.addf("%s: not found as a client of the frontend", name)
		}
	}
	return clients
}

// runCertsScript runs the one-shot's script into run.dir twice, as the one-shot
// would (as root, files given to the consumers' users; otherwise to the current
// user), and checks the second run keeps everything.
func runCertsScript(p *problems, certs types.ServiceConfig, run certsRun) bool {
	for _, target := range run.written {
		rel, err := filepath.Rel(run.certsDir, target)
		if err != nil || strings.HasPrefix(rel, "..") {
			p.addf("%s: %s is not under CERTS_DIR %s", svcCerts, target, run.certsDir)
			return false
		}
		if err := os.MkdirAll(filepath.Join(run.dir, rel), 0o755); err != nil {
			p.addf("%v", err)
			return false
		}
	}
	vars := serviceEnv(certs)
	vars["CERTS_DIR"] = run.dir
	vars["PATH"] = os.Getenv("PATH")
	if os.Geteuid() != 0 {
		for k := range vars {
			if strings.HasSuffix(k, "_UID") {
				vars[k] = strconv.Itoa(os.Getuid())
			}
		}
	}
	var environ []string
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	var before map[string]fileState
	for i := range 2 {
		cmd := exec.Command(certs.Entrypoint[0], append(slices.Clone([]string(certs.Entrypoint[1:])), certs.Command...)...)
		cmd.Env, cmd.Dir = environ, run.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			p.addf("%s: the script failed: %v\n%s", svcCerts, err, out)
			return false
		}
		after, err := snapshot(run.dir)
		if err != nil {
			p.addf("%v", err)
			return false
		}
		if i == 1 {
			for path, st := range before {
				if after[path] != st {
					p.addf("%s: a second run changed %s: it must keep what it made", svcCerts, path)
				}
			}
		}
		before = after
	}
	return true
}

type fileState struct {
	content string
	mode    fs.FileMode
	uid     uint32
}

func snapshot(dir string) (map[string]fileState, error) {
	files := map[string]fileState{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		var uid uint32
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			uid = st.Uid
		}
		files[path] = fileState{string(b), info.Mode(), uid}
		return nil
	})
	return files, err
}

// checkCertFiles: no private key readable by others; as root, each volume's files
// belong to the user its consumers run as; and no volume but the CA's holds the
// CA's key.
func checkCertFiles(p *problems, project *types.Project, run certsRun) {
	caDir := filepath.Join(run.dir, strings.TrimPrefix(run.written[run.caVolume], run.certsDir+"/"))
	caCert, err := os.ReadFile(filepath.Join(caDir, "ca.pem"))
	if err != nil {
		p.addf("%s: no CA certificate ca.pem in %s: %v", svcCerts, run.caVolume, err)
	}
	files, err := snapshot(run.dir)
	if err != nil {
		p.addf("%v", err)
		return
	}
	owners := volumeOwners(project, run)
	for path, st := range files {
		rel, _ := filepath.Rel(run.dir, path)
		private := strings.Contains(st.content, "PRIVATE KEY")
		if private && st.mode.Perm()&0o077 != 0 {
			p.addf("%s: %s is readable by others (mode %o): a private key must be its owner's only", svcCerts, rel, st.mode.Perm())
		}
		inCA := strings.HasPrefix(path, caDir+string(filepath.Separator))
		if private && !inCA && caCert != nil {
			if _, err := tls.X509KeyPair(caCert, []byte(st.content)); err == nil {
				p.addf("%s: %s is the CA's private key, outside the CA's volume", svcCerts, rel)
			}
		}
		if uid, ok := owners[filepath.Dir(path)]; ok && os.Geteuid() == 0 && st.uid != uid {
			p.addf("%s: %s is owned by uid %d, but its service runs as uid %d", svcCerts, rel, st.uid, uid)
		}
	}
}

// volumeOwners maps each written volume's directory to the uid its consumers run
// as: the service's user, or its image's (uid 1000 in the temporalio images, 65532
// in Tandem's distroless nonroot image).
func volumeOwners(project *types.Project, run certsRun) map[string]uint32 {
	owners := map[string]uint32{}
	for _, s := range project.Services {
		uid, ok := serviceUID(s)
		if !ok || s.Name == svcCerts {
			continue
		}
		for _, v := range s.Volumes {
			if target, written := run.written[v.Source]; written {
				owners[filepath.Join(run.dir, strings.TrimPrefix(target, run.certsDir+"/"))] = uid
			}
		}
	}
	return owners
}

func serviceUID(s types.ServiceConfig) (uint32, bool) {
	if s.User != "" {
		uid, err := strconv.ParseUint(strings.SplitN(s.User, ":", 2)[0], 10, 32)
		return uint32(uid), err == nil
	}
	switch {
	case s.Build != nil:
		return 65532, true // the Dockerfile's USER nonroot
	case strings.HasPrefix(s.Image, "temporalio/"):
		return 1000, true
	}
	return 0, false
}

// checkHandshakes: the Temporal server's own TLS code, configured as rendered
// (paths moved to where the script made the files), completes a handshake with
// each client configured the way that client configures itself, between its
// roles, and with its system worker; and refuses a client without a certificate
// or with another CA's.
func checkHandshakes(p *problems, run certsRun, srv types.ServiceConfig, cfg *serverconfig.Config, clients []clientTLS) {
	t := cfg.Global.TLS
	move := func(path string) string {
		if l, ok := run.local(srv, path); ok {
			return l
		}
		return path
	}
	moveAll := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, f := range paths {
			out[i] = move(f)
		}
		return out
	}
	for _, g := range []*serverconfig.GroupTLS{&t.Internode, &t.Frontend} {
		g.Server.CertFile, g.Server.KeyFile = move(g.Server.CertFile), move(g.Server.KeyFile)
		g.Server.ClientCAFiles = moveAll(g.Server.ClientCAFiles)
		g.Client.RootCAFiles = moveAll(g.Client.RootCAFiles)
	}
	provider, err := encryption.NewTLSConfigProviderFromConfig(t, metrics.NoopMetricsHandler, serverlog.NewNoopLogger(), nil)
	if err != nil {
		p.addf("%s: the server's TLS settings do not load: %v", svcTemporal, err)
		return
	}
	frontend, err := provider.GetFrontendServerConfig()
	if err != nil || frontend == nil {
		p.addf("%s: no frontend TLS configuration (%v)", svcTemporal, err)
		return
	}

	var ca []byte
	for _, c := range clients {
		cfg, caFile, err := clientConfig(run, c)
		if err != nil {
			p.addf("%s: %v", c.svc.Name, err)
			continue
		}
		if cfg.InsecureSkipVerify {
			p.addf("%s: does not verify the frontend's certificate (InsecureSkipVerify)", c.svc.Name)
		}
		if err := handshake(frontend, cfg); err != nil {
			p.addf("%s: TLS handshake with the frontend failed: %v", c.svc.Name, err)
		}
		if ca == nil {
			ca, _ = os.ReadFile(caFile)
		}
	}

	// Refusals: the CA trusted, but no certificate, or one from another CA.
	pool := x509.NewCertPool()
	if ca == nil || !pool.AppendCertsFromPEM(ca) {
		p.addf("%s: no client's CA file to test refusals with", svcTemporal)
		return
	}
	name := t.Frontend.Client.ServerName
	if err := handshake(frontend, &tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12}); err == nil {
		p.addf("%s: the frontend admitted a client without a certificate", svcTemporal)
	}
	stranger, err := strangerCertificate()
	if err != nil {
		p.addf("%v", err)
	} else if err := handshake(frontend, &tls.Config{RootCAs: pool, ServerName: name, Certificates: []tls.Certificate{stranger}, MinVersion: tls.VersionTLS12}); err == nil {
		p.addf("%s: the frontend admitted a client certificate from another CA", svcTemporal)
	}

	// The server's roles, and its system worker, reach each other.
	internodeServer, err1 := provider.GetInternodeServerConfig()
	internodeClient, err2 := provider.GetInternodeClientConfig()
	if err := errors.Join(err1, err2); err != nil || internodeServer == nil || internodeClient == nil {
		p.addf("%s: no internode TLS configuration (%v)", svcTemporal, err)
	} else if err := handshake(internodeServer, internodeClient); err != nil {
		p.addf("%s: internode TLS handshake failed: %v", svcTemporal, err)
	}
	worker, err := provider.GetFrontendClientConfig()
	if err != nil || worker == nil {
		p.addf("%s: no TLS configuration for the system worker (%v)", svcTemporal, err)
	} else if err := handshake(frontend, worker); err != nil {
		p.addf("%s: the system worker's (internode) TLS handshake with the frontend failed: %v", svcTemporal, err)
	}
}

// clientConfig builds the client's TLS configuration from the files the script
// made, the way the client does: Tandem's through temporalclient.Options, the
// UI's through the UI server's own code, the CLI's from its three files. It also
// returns the CA file it trusts.
func clientConfig(run certsRun, c clientTLS) (*tls.Config, string, error) {
	local := map[string]string{}
	for _, f := range []string{c.ca, c.cert, c.key} {
		l, ok := run.local(c.svc, f)
		if !ok {
			return nil, "", fmt.Errorf("%s is in no volume %s writes", f, svcCerts)
		}
		if _, err := os.Stat(l); err != nil {
			return nil, "", fmt.Errorf("%s was not made by %s", f, svcCerts)
		}
		local[f] = l
	}
	// What the client checks the frontend's certificate for: its server name, or
	// the host it dials (what gRPC does).
	host, _, _ := net.SplitHostPort(c.address)
	var cfg *tls.Config
	switch {
	case c.tandem:
		keys, err := codec.ParseKeys(testCodecKeys)
		if err != nil {
			return nil, "", err
		}
		o, err := temporalclient.Options(temporalclient.Settings{HostPort: c.address, CAFile: local[c.ca],
			CertFile: local[c.cert], KeyFile: local[c.key], ServerName: c.serverName, Keys: keys})
		if err != nil {
			return nil, "", err
		}
		cfg = o.ConnectionOptions.TLS.Clone()
	case c.ui != nil:
		// The UI server exits the process on a CA file it cannot read: check first.
		if b, err := os.ReadFile(local[c.ca]); err != nil || !x509.NewCertPool().AppendCertsFromPEM(b) {
			return nil, "", fmt.Errorf("%s holds no CA certificate", c.ca)
		}
		ui := *c.ui
		ui.CaFile, ui.CertFile, ui.KeyFile = local[c.ca], local[c.cert], local[c.key]
		var err error
		quietLog(func() { cfg, err = uirpc.CreateTLSConfig(c.address, &ui) })
		if err != nil {
			return nil, "", err
		}
	default:
		b, err := os.ReadFile(local[c.ca])
		if err != nil {
			return nil, "", err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, "", fmt.Errorf("%s holds no CA certificate", c.ca)
		}
		pair, err := tls.LoadX509KeyPair(local[c.cert], local[c.key])
		if err != nil {
			return nil, "", err
		}
		cfg = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: c.serverName, MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg, local[c.ca], nil
}

// handshake runs a TLS handshake between server and client over loopback TCP and
// returns the client's refusal, else the server's.
func handshake(server, client *tls.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	verdict := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			verdict <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		verdict <- tls.Server(conn, server).Handshake()
	}()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	clientErr := tls.Client(conn, client).Handshake()
	// In TLS 1.3 the client is done before the server has judged its certificate:
	// wait for the server's verdict either way.
	serverErr := <-verdict
	if clientErr != nil {
		return fmt.Errorf("client: %w", clientErr)
	}
	if serverErr != nil {
		return fmt.Errorf("server: %w", serverErr)
	}
	return nil
}

// strangerCertificate is a client certificate from a CA the deployment never saw.
func strangerCertificate() (tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stranger CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "tandem"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
