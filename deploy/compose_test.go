package deploy

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	enumspb "go.temporal.io/api/enums/v1"
	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/workflows"
)

// Service names the compose file must define.
const (
	svcPostgres       = "postgresql"
	svcTemporalSchema = "temporal-schema"
	svcTemporal       = "temporal"
	svcTemporalSetup  = "temporal-setup"
	svcTemporalUI     = "temporal-ui"
	svcMigrate        = "tandem-migrate"
	svcAPI            = "tandem-api"
	svcWorker         = "tandem-worker"
	svcProxy          = "proxy"
)

var (
	// oneShots run to completion; others wait for them with service_completed_successfully.
	oneShots = []string{svcTemporalSchema, svcTemporalSetup, svcMigrate}
	// tandemServices run the tandem image.
	tandemServices = []string{svcMigrate, svcAPI, svcWorker}
	// sharedEnvServices run with the shared x-tandem-env configuration.
	sharedEnvServices = []string{svcAPI, svcWorker}
)

const (
	healthy   = types.ServiceConditionHealthy
	completed = types.ServiceConditionCompletedSuccessfully
)

// wantDependsOn is the start order: service -> dependency -> condition, exactly.
var wantDependsOn = map[string]map[string]string{
	svcPostgres:       {},
	svcTemporalSchema: {svcPostgres: healthy},
	svcTemporal:       {svcTemporalSchema: completed},
	svcTemporalSetup:  {svcTemporal: healthy},
	svcTemporalUI:     {svcTemporal: healthy},
	svcMigrate:        {svcPostgres: healthy},
	svcAPI:            {svcMigrate: completed, svcTemporalSetup: completed},
	svcWorker:         {svcMigrate: completed, svcTemporalSetup: completed},
	svcProxy:          {svcAPI: healthy},
}

// wantImages is the image repository of every service that runs a published image.
var wantImages = map[string]string{
	svcPostgres:       "postgres",
	svcTemporalSchema: "temporalio/admin-tools",
	svcTemporal:       "temporalio/server",
	svcTemporalSetup:  "temporalio/admin-tools",
	svcTemporalUI:     "temporalio/ui",
	svcProxy:          "caddy",
}

// cliTypeNames maps a search attribute type to its name in
// `temporal operator search-attribute create --type`.
var cliTypeNames = map[enumspb.IndexedValueType]string{
	enumspb.INDEXED_VALUE_TYPE_TEXT:         "Text",
	enumspb.INDEXED_VALUE_TYPE_KEYWORD:      "Keyword",
	enumspb.INDEXED_VALUE_TYPE_INT:          "Int",
	enumspb.INDEXED_VALUE_TYPE_DOUBLE:       "Double",
	enumspb.INDEXED_VALUE_TYPE_BOOL:         "Bool",
	enumspb.INDEXED_VALUE_TYPE_DATETIME:     "Datetime",
	enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
}

// testEnv is the whole environment the compose file is interpolated with: the
// required variables, and nothing from the machine running the test, so every other
// variable takes the default written in the file.
var testEnv = []string{
	"POSTGRES_PASSWORD=test-Secret_1", "TEMPORAL_DB_PASSWORD=test-Secret_2", "TANDEM_DB_OWNER_PASSWORD=test-Secret_3",
	"TANDEM_DB_APP_PASSWORD=test-Secret_4", "TANDEM_CODEC_KEYS=" + testCodecKeys,
}

// testCodecKeys is a keyring entry as `tandem codec new-key` prints it.
const testCodecKeys = "k20260101 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// problems collects what a check found wrong, so the same checks can run on the real
// files (each problem fails the test) and on broken copies (some problem must appear).
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

func TestCompose(t *testing.T) {
	root := repoRoot(t)
	project, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, testEnv)
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	raw := readFile(t, filepath.Join(root, "docker-compose.yml"))
	goMod := readFile(t, filepath.Join(root, "go.mod"))
	var p problems
	checkCompose(&p, project, raw, goMod, wantDependsOn)
	for _, msg := range p {
		t.Error(msg)
	}
}

// The database password and the payload keys have no default: a deployment that
// forgets one must not start with a secret everyone knows, and is told what to set.
func TestComposeRequiresSecrets(t *testing.T) {
	root := repoRoot(t)
	for _, tt := range []struct{ name, hint string }{
		{"POSTGRES_PASSWORD", "set POSTGRES_PASSWORD"},
		{"TEMPORAL_DB_PASSWORD", "set TEMPORAL_DB_PASSWORD"},
		{"TANDEM_DB_OWNER_PASSWORD", "set TANDEM_DB_OWNER_PASSWORD"},
		{"TANDEM_DB_APP_PASSWORD", "set TANDEM_DB_APP_PASSWORD"},
		{"TANDEM_CODEC_KEYS", "tandem codec new-key"},
	} {
		env := slices.DeleteFunc(slices.Clone(testEnv), func(kv string) bool { return strings.HasPrefix(kv, tt.name+"=") })
		_, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, env)
		if err == nil || !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("load without %s: err = %v, want an error saying %q", tt.name, err, tt.hint)
		}
	}
}

// Behind a proxy, the browser's URLs of the API and the UI are set once each, and
// every setting that names them follows: the UI's own origin, the origin the API
// admits to the codec endpoint, and the codec endpoint the UI calls.
func TestComposeBehindAProxy(t *testing.T) {
	root := repoRoot(t)
	vars := append(slices.Clone(testEnv), "TANDEM_API_URL=https://tandem.example.com", "TEMPORAL_UI_ORIGIN=https://temporal.example.com")
	project, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, vars)
	if err != nil {
		t.Fatal(err)
	}
	ui, err := project.GetService(svcTemporalUI)
	if err != nil {
		t.Fatal(err)
	}
	apiSvc, err := project.GetService(svcAPI)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := renderUIConfig(ui)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://tandem.example.com" + api.CodecEndpoint; cfg.Codec.Endpoint != want {
		t.Errorf("codec endpoint %q, want %q", cfg.Codec.Endpoint, want)
	}
	if !slices.Equal(cfg.CORS.AllowOrigins, []string{"https://temporal.example.com"}) {
		t.Errorf("the UI serves under %q, want [https://temporal.example.com]", cfg.CORS.AllowOrigins)
	}
	if got := env(apiSvc, "TANDEM_UI_URL"); got != "https://temporal.example.com" {
		t.Errorf("the API admits %q to its codec endpoint, want https://temporal.example.com", got)
	}
}

// Every check must be able to fail: each mutation below breaks one thing in a copy of
// docker-compose.yml, and loading or checking the copy must report it.
func TestComposeChecksCatchMistakes(t *testing.T) {
	root := repoRoot(t)
	original := string(readFile(t, filepath.Join(root, "docker-compose.yml")))
	goMod := readFile(t, filepath.Join(root, "go.mod"))

	tests := []struct {
		name     string
		old, new string // the first occurrence of old is replaced
		want     string // in the load error or in one of the problems
	}{
		{"version key", "name: tandem\n", "version: \"3.8\"\nname: tandem\n", "version"},
		{"service missing", "  temporal-ui:\n", "  temporal-web:\n", `no service "temporal-ui"`},
		{"latest tag", "image: postgres:16.15", "image: postgres:latest", "not pinned"},
		{"no tag", "image: postgres:16.15", "image: postgres", "not pinned"},
		{"major-only tag", "image: temporalio/ui:2.54.1", "image: temporalio/ui:2", "not pinned"},
		{"postgres major", "image: postgres:16.15", "image: postgres:17.7", "PostgreSQL 16"},
		{"auto-setup", "image: temporalio/server:1.32.1", "image: temporalio/auto-setup:1.29.7", "temporalio/server"},
		{"server not go.mod's", "image: temporalio/server:1.32.1", "image: temporalio/server:1.32.0", "go.mod"},
		{"admin-tools not server's", "image: temporalio/admin-tools:1.32.1", "image: temporalio/admin-tools:1.31.2", "admin-tools"},
		{"ui not go.mod's", "image: temporalio/ui:2.54.1", "image: temporalio/ui:2.53.1", "go.mod"},
		{"condition started", "      temporal:\n        condition: service_healthy", "      temporal:\n        condition: service_started", "temporal-setup: depends_on temporal"},
		{"condition healthy for a one-shot", "      tandem-migrate:\n        condition: service_completed_successfully", "      tandem-migrate:\n        condition: service_healthy", "tandem-api: depends_on tandem-migrate"},
		{"dependency dropped", "      temporal-setup:\n        condition: service_completed_successfully\n", "", "tandem-api: depends_on temporal-setup"},
		{"dependency optional", "      temporal-schema:\n        condition: service_completed_successfully", "      temporal-schema:\n        condition: service_completed_successfully\n        required: false", "required"},
		{"no healthcheck", `test: ["CMD", "nc", "-z", "127.0.0.1", "7233"]`, `test: ["NONE"]`, "no healthcheck"},
		{"pg_isready", `test: ["CMD", "pg_isready",`, `test: ["CMD", "true",`, "pg_isready"},
		{"one-shot restarts", "restart: \"no\"", "restart: always", "restart"},
		{"api command", `command: ["api"]`, `command: ["worker"]`, "command"},
		{"env diverges", "      # /healthz and /metrics, on the compose network only.\n", "      TANDEM_NAMESPACE: other\n", "TANDEM_NAMESPACE"},
		{"env missing", "    environment:\n      <<: *tandem-env\n      # /healthz", "    environment:\n      # /healthz", "TANDEM_DB"},
		{"no x-tandem-env", "x-tandem-env: &tandem-env", "x-env: &tandem-env", "x-tandem-env"},
		{"temporal port", "TANDEM_TEMPORAL_ADDRESS: temporal:7233", "TANDEM_TEMPORAL_ADDRESS: temporal:7234", "port"},
		{"temporal host", "TANDEM_TEMPORAL_ADDRESS: temporal:7233", "TANDEM_TEMPORAL_ADDRESS: temporal-ui:7233", "temporalio/server"},
		{"db scheme", "TANDEM_DB: postgres://", "TANDEM_DB: mysql://", "scheme"},
		{"db host", "@postgresql:5432/tandem", "@localhost:5432/tandem", "host"},
		{"db name", "@postgresql:5432/tandem?", "@postgresql:5432/records?", `"records"`},
		{"db not created", "TANDEM_DB_NAME: tandem", "TANDEM_DB_NAME: other", `"tandem"`},
		{"db user", "TANDEM_DB: postgres://tandem_app:", "TANDEM_DB: postgres://app:", "user"},
		{"db as the owner", "TANDEM_DB: postgres://tandem_app:${TANDEM_DB_APP_PASSWORD:?set TANDEM_DB_APP_PASSWORD}", "TANDEM_DB: postgres://tandem_owner:${TANDEM_DB_OWNER_PASSWORD}", "user"},
		{"db as the superuser", "TANDEM_DB: postgres://tandem_app:${TANDEM_DB_APP_PASSWORD:?set TANDEM_DB_APP_PASSWORD}", "TANDEM_DB: postgres://postgres:${POSTGRES_PASSWORD}", "superuser"},
		{"db password", "TANDEM_DB: postgres://tandem_app:${TANDEM_DB_APP_PASSWORD:?set TANDEM_DB_APP_PASSWORD}", "TANDEM_DB: postgres://tandem_app:other", "password"},
		{"migrate as the app", "TANDEM_DB: postgres://tandem_owner:${TANDEM_DB_OWNER_PASSWORD:?set TANDEM_DB_OWNER_PASSWORD}", "TANDEM_DB: postgres://tandem_app:${TANDEM_DB_APP_PASSWORD}", "tandem-migrate: TANDEM_DB"},
		{"migrate password", "postgres://tandem_owner:${TANDEM_DB_OWNER_PASSWORD:?set TANDEM_DB_OWNER_PASSWORD}@", "postgres://tandem_owner:${TANDEM_DB_APP_PASSWORD}@", "password"},
		{"migrate grants no one", "      TANDEM_DB_APP_ROLE: tandem_app\n    depends_on:", "    depends_on:", "TANDEM_DB_APP_ROLE"},
		{"migrate grants another role", "      TANDEM_DB_APP_ROLE: tandem_app\n    depends_on:", "      TANDEM_DB_APP_ROLE: tandem_owner\n    depends_on:", "TANDEM_DB_APP_ROLE"},
		{"temporal user", "      POSTGRES_USER: temporal\n", "      POSTGRES_USER: postgres\n", "POSTGRES_USER"},
		{"temporal password", "POSTGRES_PWD: ${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}", "POSTGRES_PWD: ${POSTGRES_PASSWORD}", "POSTGRES_PWD"},
		{"schema password", "SQL_PASSWORD: ${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}", "SQL_PASSWORD: other", "SQL_PASSWORD"},
		{"no init script", "      - ./deploy/postgres/init-roles.sh:/docker-entrypoint-initdb.d/10-roles.sh:ro\n", "", "init-roles.sh"},
		{"init script elsewhere", "/docker-entrypoint-initdb.d/10-roles.sh:ro", "/docker-entrypoint-initdb.d/10-roles.sql:ro", "init-roles.sh"},
		{"role name diverges", "      TANDEM_DB_APP_ROLE: tandem_app\n      TANDEM_DB_APP_PASSWORD", "      TANDEM_DB_APP_ROLE: app\n      TANDEM_DB_APP_PASSWORD", "tandem_app"},
		{"temporal db plugin", "DB: postgres12", "DB: mysql8", "DB"},
		{"temporal db host", "POSTGRES_SEEDS: postgresql", "POSTGRES_SEEDS: db", "POSTGRES_SEEDS"},
		{"schema plugin", "--plugin postgres12", "--plugin mysql8", "plugin"},
		{"schema host", "--ep postgresql", "--ep db", "--ep"},
		{"schema user", "-p 5432 -u temporal", "-p 5432 -u postgres", "-u"},
		{"schema creates a database", "        sql --db temporal setup-schema -v 0.0\n", "        sql --db temporal create\n        sql --db temporal setup-schema -v 0.0\n", "may not create databases"},
		{"schema step missing", "        sql --db temporal_visibility update-schema -d \"$$schema/visibility/versioned\"\n", "", "temporal_visibility"},
		{"schema dir", "\"$$schema/visibility/versioned\"", "\"$$schema/temporal/versioned\"", "visibility/versioned"},
		{"visibility db not created", "VISIBILITY_DBNAME: temporal_visibility", "VISIBILITY_DBNAME: visibility", `"visibility"`},
		{"no dynamic config", "      - ./deploy/temporal/dynamicconfig.yaml:/etc/temporal/config/dynamicconfig/docker.yaml:ro\n", "      - ./deploy/temporal:/etc/temporal/config/other\n", "dynamic config"},
		{"dynamic config missing", "./deploy/temporal/dynamicconfig.yaml:", "./deploy/temporal/missing.yaml:", "dynamic config"},
		{"setup namespace", "      NAMESPACE: default\n      # How long", "      NAMESPACE: other\n      # How long", "namespace"},
		{"setup address", "      TEMPORAL_ADDRESS: temporal:7233\n      NAMESPACE", "      TEMPORAL_ADDRESS: temporal:7234\n      NAMESPACE", "TEMPORAL_ADDRESS"},
		{"setup does not wait", "        retry op cluster health\n", "", "cluster health"},
		{"namespace not idempotent", "op namespace describe >/dev/null 2>&1 || ", "", "namespace describe"},
		{"search attribute type", "--name TandemNextDue --type Datetime", "--name TandemNextDue --type Keyword", "TandemNextDue"},
		{"search attribute missing", "        retry op search-attribute create --name TandemStage --type Keyword\n", "", "TandemStage"},
		{"search attribute extra", "        retry op search-attribute list\n", "        retry op search-attribute create --name TandemExtra --type Keyword\n", "TandemExtra"},
		{"ui writable", "${TEMPORAL_UI_WRITE_ACTIONS_DISABLED:-true}", "${TEMPORAL_UI_WRITE_ACTIONS_DISABLED:-false}", "write actions"},
		{"ui address", "      TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_DEFAULT_NAMESPACE", "      TEMPORAL_ADDRESS: localhost:7233\n      TEMPORAL_DEFAULT_NAMESPACE", "temporal-ui: TEMPORAL_ADDRESS"},
		{"ui port", `"8233:8080"`, `"8234:8080"`, "8233"},
		{"api port", "    # No published port: browsers reach the replicas through the proxy.\n", "    ports:\n      - \"8080:8080\"\n", "tandem-api: publishes"},
		{"api healthcheck", "http://127.0.0.1:8080/healthz", "http://127.0.0.1:8081/healthz", "healthcheck"},
		{"worker http", `TANDEM_HTTP: ":8081"`, `TANDEM_HTTP: ":9090"`, "healthcheck"},
		{"postgres data volume", "- pgdata:/var/lib/postgresql/data", "- /var/lib/postgresql/data", "named volume"},
		{"not built here", "    build: .\n    command: [\"api\"]", "    image: tandem:1.0.0\n    command: [\"api\"]", "build"},
		{"invalid condition", "condition: service_healthy", "condition: service_ready", "condition"},
		{"codec keys not on the worker", "      TANDEM_HTTP: \":8081\"\n      TANDEM_CODEC_KEYS:", "      TANDEM_HTTP: \":8081\"\n      TANDEM_CODEC_KEYZ:", "tandem-worker: TANDEM_CODEC_KEYS"},
		{"codec keys written out", "      TANDEM_CODEC_KEYS: ${TANDEM_CODEC_KEYS:?set TANDEM_CODEC_KEYS (tandem codec new-key prints one)}\n      # The Temporal UI", "      TANDEM_CODEC_KEYS: k1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n      # The Temporal UI", "TANDEM_CODEC_KEYS of the environment"},
		{"codec keys for migrate", "      TANDEM_DB_APP_ROLE: tandem_app\n    depends_on:", "      TANDEM_DB_APP_ROLE: tandem_app\n      TANDEM_CODEC_KEYS: ${TANDEM_CODEC_KEYS}\n    depends_on:", "tandem-migrate: has TANDEM_CODEC_KEYS"},
		{"codec endpoint misnamed", "TEMPORAL_CODEC_ENDPOINT:", "TEMPORAL_CODEC_URL:", "codec endpoint"},
		{"codec endpoint path", "}/api/v1/codec", "}/codec", "codec endpoint"},
		{"codec endpoint port", "${TANDEM_API_URL:-http://localhost}", "${TANDEM_API_URL:-http://localhost:8080}", "codec endpoint"},
		{"codec without cookie", "TEMPORAL_CODEC_INCLUDE_CREDENTIALS: \"true\"", "TEMPORAL_CODEC_INCLUDE_CREDENTIALS: \"false\"", "credentials"},
		{"ui url port", "TANDEM_UI_URL: ${TEMPORAL_UI_ORIGIN:-http://localhost:8233}", "TANDEM_UI_URL: http://localhost:8234", "TANDEM_UI_URL"},
		{"no ui url", "      TANDEM_UI_URL: ${TEMPORAL_UI_ORIGIN:-http://localhost:8233}\n", "", "TANDEM_UI_URL"},
		{"no stop grace", "Change the two together.\n    stop_grace_period: 30s\n", "Change the two together.\n", "no stop_grace_period"},
		{"stop grace too short", "Change the two together.\n    stop_grace_period: 30s", "Change the two together.\n    stop_grace_period: 20s", "stop_grace_period 20s"},
		{"stop timeout unset", "      TANDEM_WORKER_STOP_TIMEOUT: 20s\n", "", "TANDEM_WORKER_STOP_TIMEOUT"},
		{"versioning on by default", "      TANDEM_DEPLOYMENT_NAME:\n", "      TANDEM_DEPLOYMENT_NAME: tandem\n", "Worker Versioning"},
	}
	for _, tt := range tests {
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
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("load failed with %v, want an error mentioning %q", err, tt.want)
				}
				t.Logf("caught by the loader: %v", err)
				return
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

// loadCompose loads and validates compose files the way `docker compose -f a -f b`
// does (later files merged onto earlier ones), with relative paths resolved
// against workDir and only env for interpolation.
func loadCompose(paths []string, workDir string, env []string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(workDir),
		cli.WithEnv(env),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// checkCompose checks a loaded compose project; raw is the file's text, goMod the
// text of go.mod and dependsOn the start order it must have.
func checkCompose(p *problems, project *types.Project, raw, goMod []byte, dependsOn map[string]map[string]string) {
	var top map[string]any
	if err := yaml.Unmarshal(raw, &top); err != nil {
		p.addf("parse the compose file as YAML: %v", err)
		return
	}
	if _, ok := top["version"]; ok {
		p.addf("top-level version: key: the compose spec has none (docker compose warns it is obsolete)")
	}

	services := map[string]types.ServiceConfig{}
	for _, name := range []string{svcPostgres, svcTemporalSchema, svcTemporal, svcTemporalSetup, svcTemporalUI, svcMigrate, svcAPI, svcWorker, svcProxy} {
		s, err := project.GetService(name)
		if err != nil {
			p.addf("no service %q", name)
			continue
		}
		services[name] = s
	}

	checkImages(p, project, services, goMod)
	checkDependsOn(p, project, services, dependsOn)
	checkRestarts(p, services)
	checkPostgres(p, services)
	checkTandem(p, project, services)
	checkCodecKeys(p, services)
	checkWorker(p, services)
	checkTemporal(p, services)
	checkTemporalSetup(p, services)
	checkTemporalUI(p, services)
	checkOperations(p, project, services)
}

// checkImages: every image pinned to a version, the Temporal images the versions
// `tandem dev` embeds (go.mod), and the Tandem services built from this repository.
func checkImages(p *problems, project *types.Project, services map[string]types.ServiceConfig, goMod []byte) {
	for _, s := range project.Services {
		switch {
		case s.Image == "" && s.Build == nil:
			p.addf("%s: neither image nor build", s.Name)
		case s.Image != "" && !pinned(s.Image):
			p.addf("%s: image %q is not pinned to a version (want repo:major.minor[.patch] or a digest)", s.Name, s.Image)
		}
		if repo, _, _ := splitImage(s.Image); repo == "temporalio/auto-setup" {
			p.addf("%s: temporalio/auto-setup is deprecated (no tags after 1.29): use temporalio/server and admin-tools", s.Name)
		}
	}
	tags := map[string]string{}
	for name, wantRepo := range wantImages {
		s, ok := services[name]
		if !ok {
			continue
		}
		repo, tag, _ := splitImage(s.Image)
		if repo != wantRepo {
			p.addf("%s: image %q, want %s", name, s.Image, wantRepo)
		}
		tags[name] = tag
	}
	if tag, ok := tags[svcPostgres]; ok && !strings.HasPrefix(tag, "16.") {
		// A new major version needs pg_upgrade of the volume, not a tag change.
		p.addf("%s: image tag %q, want PostgreSQL 16.x", svcPostgres, tag)
	}
	serverTag := tags[svcTemporal]
	for _, name := range []string{svcTemporalSchema, svcTemporalSetup} {
		// The schema tool must match the server it prepares the database for.
		if tag, ok := tags[name]; ok && tag != serverTag {
			p.addf("%s: temporalio/admin-tools:%s, want the temporalio/server tag %q", name, tag, serverTag)
		}
	}
	if v := goModVersion(goMod, "go.temporal.io/server"); v != "" && serverTag != "" && "v"+serverTag != v {
		p.addf("%s: temporalio/server:%s, but go.mod has go.temporal.io/server %s (what `tandem dev` runs)", svcTemporal, serverTag, v)
	}
	if v := goModVersion(goMod, "github.com/temporalio/ui-server/v2"); v != "" && tags[svcTemporalUI] != "" && "v"+tags[svcTemporalUI] != v {
		p.addf("%s: temporalio/ui:%s, but go.mod has github.com/temporalio/ui-server/v2 %s (what `tandem dev` runs)", svcTemporalUI, tags[svcTemporalUI], v)
	}
	for _, name := range tandemServices {
		s, ok := services[name]
		if !ok {
			continue
		}
		if s.Build == nil || filepath.Clean(s.Build.Context) != filepath.Clean(project.WorkingDir) {
			p.addf("%s: want build: . (the Dockerfile at the repository root)", name)
		}
	}
}

func checkDependsOn(p *problems, project *types.Project, services map[string]types.ServiceConfig, dependsOn map[string]map[string]string) {
	for name, want := range dependsOn {
		s, ok := services[name]
		if !ok {
			continue
		}
		for dep, cond := range want {
			got, ok := s.DependsOn[dep]
			switch {
			case !ok:
				p.addf("%s: depends_on %s missing, want condition %s", name, dep, cond)
			case got.Condition != cond:
				p.addf("%s: depends_on %s with condition %s, want %s", name, dep, got.Condition, cond)
			case !got.Required:
				p.addf("%s: depends_on %s is required: false, so it would start without it", name, dep)
			}
		}
		for dep := range s.DependsOn {
			if _, ok := want[dep]; !ok {
				p.addf("%s: depends_on %s is not in the intended start order", name, dep)
			}
		}
	}
	// A service waited on as healthy must have a healthcheck, or it never becomes healthy.
	for _, s := range project.Services {
		for dep, d := range s.DependsOn {
			if d.Condition != healthy {
				continue
			}
			target, err := project.GetService(dep)
			if err != nil {
				continue // the loader reports unknown services
			}
			if hc := target.HealthCheck; hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
				p.addf("%s: no healthcheck, but %s waits for it to be %s", dep, s.Name, healthy)
			}
		}
	}
}

// checkRestarts: a one-shot restarted after it exits never "completes successfully".
func checkRestarts(p *problems, services map[string]types.ServiceConfig) {
	for _, name := range oneShots {
		s, ok := services[name]
		if !ok {
			continue
		}
		if r := s.Restart; r != "" && r != types.RestartPolicyNo && !strings.HasPrefix(r, types.RestartPolicyOnFailure) {
			p.addf("%s: restart: %s on a one-shot step, want \"no\"", name, r)
		}
	}
}

func checkPostgres(p *problems, services map[string]types.ServiceConfig) {
	s, ok := services[svcPostgres]
	if !ok {
		return
	}
	if hc := s.HealthCheck; hc != nil && !slices.Contains(hc.Test, "pg_isready") && !strings.Contains(strings.Join(hc.Test, " "), "pg_isready ") {
		p.addf("%s: healthcheck %q, want pg_isready", svcPostgres, hc.Test)
	}
	named := slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Source != "" && v.Target == "/var/lib/postgresql/data"
	})
	if !named {
		p.addf("%s: want a named volume at /var/lib/postgresql/data, or the data is lost with the container", svcPostgres)
	}
}

// checkTandem: the Tandem services run the right subcommand with one shared
// configuration that points at the compose services.
func checkTandem(p *problems, project *types.Project, services map[string]types.ServiceConfig) {
	commands := map[string]string{svcMigrate: "migrate", svcAPI: "api", svcWorker: "worker"}
	for name, want := range commands {
		if s, ok := services[name]; ok && !slices.Equal([]string(s.Command), []string{want}) {
			p.addf("%s: command %q, want [%q]", name, s.Command, want)
		}
	}

	shared, ok := project.Extensions["x-tandem-env"].(map[string]any)
	if !ok {
		p.addf("no x-tandem-env extension holding the Tandem services' shared environment")
	}
	for key := range shared {
		for _, name := range sharedEnvServices {
			if s, ok := services[name]; ok {
				if _, set := s.Environment[key]; !set {
					p.addf("%s: %s from x-tandem-env is not in its environment", name, key)
				}
			}
		}
	}

	values := map[string]string{}
	for _, key := range []string{"TANDEM_DB", "TANDEM_TEMPORAL_ADDRESS", "TANDEM_NAMESPACE"} {
		for _, name := range sharedEnvServices {
			s, ok := services[name]
			if !ok {
				continue
			}
			v := env(s, key)
			if v == "" {
				p.addf("%s: %s is not set", name, key)
				continue
			}
			if first, seen := values[key]; !seen {
				values[key] = v
			} else if v != first {
				p.addf("%s: %s=%q differs from the other Tandem services' %q", name, key, v, first)
			}
		}
	}
	checkTemporalAddress(p, "TANDEM_TEMPORAL_ADDRESS", values["TANDEM_TEMPORAL_ADDRESS"], services)
	pg := services[svcPostgres]
	checkDatabaseURL(p, "TANDEM_DB", values["TANDEM_DB"], env(pg, "TANDEM_DB_APP_ROLE"), env(pg, "TANDEM_DB_APP_PASSWORD"), services)
	if m, ok := services[svcMigrate]; ok {
		checkDatabaseURL(p, svcMigrate+": TANDEM_DB", env(m, "TANDEM_DB"), env(pg, "TANDEM_DB_OWNER"), env(pg, "TANDEM_DB_OWNER_PASSWORD"), services)
		if got, want := env(m, "TANDEM_DB_APP_ROLE"), env(pg, "TANDEM_DB_APP_ROLE"); got != want {
			p.addf("%s: TANDEM_DB_APP_ROLE=%q, want the role the API and worker run as, %q: migrate grants it what they need", svcMigrate, got, want)
		}
	}

	// Healthchecks on the port each process serves.
	for _, name := range []string{svcAPI, svcWorker} {
		s, ok := services[name]
		if !ok {
			continue
		}
		_, port, err := net.SplitHostPort(env(s, "TANDEM_HTTP"))
		if err != nil || port == "" {
			p.addf("%s: TANDEM_HTTP=%q, want \":<port>\"", name, env(s, "TANDEM_HTTP"))
			continue
		}
		want := []string{"CMD", "/tandem", "healthcheck", "http://127.0.0.1:" + port + "/healthz"}
		if s.HealthCheck == nil || !slices.Equal([]string(s.HealthCheck.Test), want) {
			var got []string
			if s.HealthCheck != nil {
				got = s.HealthCheck.Test
			}
			p.addf("%s: healthcheck %q, want %q (TANDEM_HTTP is %q)", name, got, want, env(s, "TANDEM_HTTP"))
		}
		if name == svcAPI && port != "8080" {
			p.addf("%s: TANDEM_HTTP=%q, want \":8080\" (the proxy's upstream port)", name, env(s, "TANDEM_HTTP"))
		}
	}
	// A fixed host port would let only one replica start: browsers reach the API
	// through the proxy.
	if s, ok := services[svcAPI]; ok && len(s.Ports) > 0 {
		p.addf("%s: publishes %+v: with a host port, `--scale %s=N` cannot start a second replica; the proxy is the way in", svcAPI, s.Ports, svcAPI)
	}
}

// stopMargin is what a stopping worker needs beyond its stop timeout: its
// probes' HTTP server shuts down first, and the client and records close after.
const stopMargin = 5 * time.Second

// checkWorker: Docker lets the worker finish its activities in flight before
// killing it, and Worker Versioning is off unless asked for: on, new runs would
// wait until someone makes a version current.
func checkWorker(p *problems, services map[string]types.ServiceConfig) {
	w, ok := services[svcWorker]
	if !ok {
		return
	}
	stop, err := time.ParseDuration(env(w, "TANDEM_WORKER_STOP_TIMEOUT"))
	switch {
	case err != nil:
		p.addf("%s: TANDEM_WORKER_STOP_TIMEOUT=%q, want a duration set here, to match stop_grace_period (%v)", svcWorker, env(w, "TANDEM_WORKER_STOP_TIMEOUT"), err)
	case w.StopGracePeriod == nil:
		p.addf("%s: no stop_grace_period: Docker kills it after 10s, before its %s stop timeout", svcWorker, stop)
	case time.Duration(*w.StopGracePeriod) < stop+stopMargin:
		p.addf("%s: stop_grace_period %s, want at least its stop timeout %s and %s more", svcWorker, time.Duration(*w.StopGracePeriod), stop, stopMargin)
	}
	if name := env(w, "TANDEM_DEPLOYMENT_NAME"); name != "" {
		p.addf("%s: TANDEM_DEPLOYMENT_NAME=%q by default turns Worker Versioning on: leave it to the operator", svcWorker, name)
	}
}

// checkCodecKeys: the API and the worker seal and open payloads with the same keys,
// which come from the environment; tandem-migrate never talks to Temporal and gets
// none.
func checkCodecKeys(p *problems, services map[string]types.ServiceConfig) {
	api := env(services[svcAPI], "TANDEM_CODEC_KEYS")
	if api == "" {
		p.addf("%s: TANDEM_CODEC_KEYS is not set: the API cannot start without payload keys", svcAPI)
	} else if api != testCodecKeys {
		p.addf("%s: TANDEM_CODEC_KEYS is not the TANDEM_CODEC_KEYS of the environment", svcAPI)
	}
	if w := env(services[svcWorker], "TANDEM_CODEC_KEYS"); w != api {
		p.addf("%s: TANDEM_CODEC_KEYS differs from %s's: the worker could not open what the API sealed", svcWorker, svcAPI)
	}
	if m, ok := services[svcMigrate]; ok {
		if _, set := m.Environment["TANDEM_CODEC_KEYS"]; set {
			p.addf("%s: has TANDEM_CODEC_KEYS, which it never uses: give the keys only to what seals or opens payloads", svcMigrate)
		}
	}
}

// checkTemporalAddress: addr names the Temporal server service and its frontend gRPC port.
func checkTemporalAddress(p *problems, what, addr string, services map[string]types.ServiceConfig) {
	if addr == "" {
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.addf("%s=%q: %v", what, addr, err)
		return
	}
	if repo, _, _ := splitImage(services[host].Image); repo != "temporalio/server" {
		p.addf("%s=%q: host %q is not the service running temporalio/server (%q)", what, addr, host, svcTemporal)
		return
	}
	grpcPort := env(services[host], "FRONTEND_GRPC_PORT")
	if grpcPort == "" {
		grpcPort = "7233" // the server's default
	}
	if port != grpcPort {
		p.addf("%s=%q: port %s, but the frontend gRPC port of %s is %s", what, addr, port, host, grpcPort)
	}
}

// checkDatabaseURL: dsn (named what) is a PostgreSQL URL (anything else is opened
// as a SQLite file) for the postgresql service, as user with password, to
// Tandem's database; and user is not the superuser.
func checkDatabaseURL(p *problems, what, dsn, user, password string, services map[string]types.ServiceConfig) {
	if dsn == "" {
		return
	}
	u, err := url.Parse(dsn)
	if err != nil {
		p.addf("%s: %v", what, err)
		return
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		p.addf("%s: scheme %q, want postgres:// (store.Open takes anything else for a SQLite path)", what, u.Scheme)
		return
	}
	pg, ok := services[u.Hostname()]
	if repo, _, _ := splitImage(pg.Image); !ok || repo != "postgres" {
		p.addf("%s: host %q is not the PostgreSQL service %q", what, u.Hostname(), svcPostgres)
		return
	}
	if port := u.Port(); port != "" && port != "5432" {
		p.addf("%s: port %s, PostgreSQL listens on 5432", what, port)
	}
	switch got := u.User.Username(); {
	case got == env(pg, "POSTGRES_USER"):
		p.addf("%s: user %q is the superuser, whom no grant binds: want %q", what, got, user)
	case got != user:
		p.addf("%s: user %q, want %q (made by init-roles.sh)", what, got, user)
	}
	if got, _ := u.User.Password(); got != password {
		p.addf("%s: the password is not the one %s gives user %q", what, u.Hostname(), user)
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != env(pg, "TANDEM_DB_NAME") {
		p.addf("%s: database %q, but init-roles.sh makes Tandem's as %q (TANDEM_DB_NAME of %s)", what, db, env(pg, "TANDEM_DB_NAME"), svcPostgres)
	}
}

// createdDatabases lists the databases the postgresql service makes: the
// postgres image's POSTGRES_DB (default: the user's name) and init-roles.sh's,
// owner by database.
func createdDatabases(services map[string]types.ServiceConfig) map[string]string {
	dbs := map[string]string{}
	pg, ok := services[svcPostgres]
	if !ok {
		return dbs
	}
	db := env(pg, "POSTGRES_DB")
	if db == "" {
		db = env(pg, "POSTGRES_USER")
	}
	dbs[db] = env(pg, "POSTGRES_USER")
	for _, kv := range [][2]string{{"TEMPORAL_DB", "TEMPORAL_DB_USER"}, {"TEMPORAL_VISIBILITY_DB", "TEMPORAL_DB_USER"}, {"TANDEM_DB_NAME", "TANDEM_DB_OWNER"}} {
		if db := env(pg, kv[0]); db != "" {
			dbs[db] = env(pg, kv[1])
		}
	}
	return dbs
}

// checkTemporal: the server and the schema step agree on the plugin, the PostgreSQL
// service, its credentials and the two databases, and the server gets its dynamic config.
func checkTemporal(p *problems, services map[string]types.ServiceConfig) {
	srv, ok := services[svcTemporal]
	if !ok {
		return
	}
	pg := services[svcPostgres]
	if db := env(srv, "DB"); db != "postgres12" && db != "postgres12_pgx" {
		p.addf("%s: DB=%q, want postgres12", svcTemporal, db)
	}
	if got := env(srv, "POSTGRES_SEEDS"); got != svcPostgres {
		p.addf("%s: POSTGRES_SEEDS=%q, want %q", svcTemporal, got, svcPostgres)
	}
	temporalUser := env(pg, "TEMPORAL_DB_USER")
	if got := env(srv, "POSTGRES_USER"); got != temporalUser || got == env(pg, "POSTGRES_USER") {
		p.addf("%s: POSTGRES_USER=%q, want the role init-roles.sh makes for Temporal, %s's TEMPORAL_DB_USER %q", svcTemporal, got, svcPostgres, temporalUser)
	}
	if env(srv, "POSTGRES_PWD") != env(pg, "TEMPORAL_DB_PASSWORD") {
		p.addf("%s: POSTGRES_PWD is not %s's TEMPORAL_DB_PASSWORD", svcTemporal, svcPostgres)
	}

	// The databases the server uses (the embedded config template's defaults unless set).
	dbs := map[string]string{"temporal": "DBNAME", "visibility": "VISIBILITY_DBNAME"}
	defaults := map[string]string{"temporal": "temporal", "visibility": "temporal_visibility"}

	schema, ok := services[svcTemporalSchema]
	if !ok {
		return
	}
	text := script(schema)
	if got := flagValue(text, "--plugin", "--pl"); got != "postgres12" {
		p.addf("%s: temporal-sql-tool --plugin %q, want postgres12", svcTemporalSchema, got)
	}
	if got := flagValue(text, "--endpoint", "--ep"); got != svcPostgres {
		p.addf("%s: temporal-sql-tool --ep %q, want the service %q", svcTemporalSchema, got, svcPostgres)
	}
	if got := flagValue(text, "--user", "-u"); got != temporalUser {
		p.addf("%s: temporal-sql-tool -u %q, want %s's TEMPORAL_DB_USER %q", svcTemporalSchema, got, svcPostgres, temporalUser)
	}
	if env(schema, "SQL_PASSWORD") != env(pg, "TEMPORAL_DB_PASSWORD") {
		p.addf("%s: SQL_PASSWORD is not %s's TEMPORAL_DB_PASSWORD", svcTemporalSchema, svcPostgres)
	}
	steps := schemaSteps(text)
	created := createdDatabases(services)
	for kind, key := range dbs {
		db := env(srv, key)
		if db == "" {
			db = defaults[kind]
		}
		if owner, ok := created[db]; !ok || owner != temporalUser {
			p.addf("%s: %s=%q, but %s makes no database %q owned by %q (TEMPORAL_DB, TEMPORAL_VISIBILITY_DB)", svcTemporal, key, db, svcPostgres, db, temporalUser)
		}
		if _, ok := steps[db]["create"]; ok {
			p.addf("%s: `temporal-sql-tool --db %s create` fails: the %s role may not create databases (init-roles.sh makes them)", svcTemporalSchema, db, temporalUser)
		}
		for _, step := range []string{"setup-schema", "update-schema"} {
			if _, ok := steps[db][step]; !ok {
				p.addf("%s: no `temporal-sql-tool --db %s %s` (%s uses %q as %s)", svcTemporalSchema, db, step, svcTemporal, db, key)
			}
		}
		wantDir := "/etc/temporal/schema/postgresql/v12/" + kind + "/versioned"
		if dir, ok := steps[db]["update-schema"]; ok && dir != wantDir {
			p.addf("%s: update-schema of %q from %q, want %s", svcTemporalSchema, db, dir, wantDir)
		}
	}

	// The server exits at start when its dynamic config file is missing.
	path := env(srv, "DYNAMIC_CONFIG_FILE_PATH")
	if path == "" {
		path = "/etc/temporal/config/dynamicconfig/docker.yaml" // the template's default
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join("/etc/temporal", path) // the image's working directory
	}
	i := slices.IndexFunc(srv.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == path })
	if i < 0 {
		p.addf("%s: no dynamic config file mounted at %s (DYNAMIC_CONFIG_FILE_PATH); the image has none", svcTemporal, path)
		return
	}
	src := srv.Volumes[i].Source
	var dc map[string]any
	if b, err := os.ReadFile(src); err != nil {
		p.addf("%s: dynamic config file: %v", svcTemporal, err)
	} else if err := yaml.Unmarshal(b, &dc); err != nil {
		p.addf("%s: dynamic config file %s: %v", svcTemporal, src, err)
	}
}

// checkTemporalSetup: the setup step waits for the server, creates Tandem's namespace
// if it is missing, and creates exactly workflows.SearchAttributes.
func checkTemporalSetup(p *problems, services map[string]types.ServiceConfig) {
	s, ok := services[svcTemporalSetup]
	if !ok {
		return
	}
	text := script(s)
	tandemNamespace := env(services[svcAPI], "TANDEM_NAMESPACE")
	if ns := env(s, "NAMESPACE"); ns != tandemNamespace {
		p.addf("%s: sets up namespace %q, but Tandem runs in TANDEM_NAMESPACE %q", svcTemporalSetup, ns, tandemNamespace)
	}
	if addr := env(s, "TEMPORAL_ADDRESS"); addr != env(services[svcAPI], "TANDEM_TEMPORAL_ADDRESS") {
		p.addf("%s: TEMPORAL_ADDRESS=%q, want Tandem's TANDEM_TEMPORAL_ADDRESS", svcTemporalSetup, addr)
	}
	for _, want := range []string{"cluster health", "namespace describe", "namespace create"} {
		if !strings.Contains(text, want) {
			p.addf("%s: no `temporal operator %s` (wait for the server, then create the namespace only if missing)", svcTemporalSetup, want)
		}
	}

	created := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		_, rest, ok := strings.Cut(line, "search-attribute create")
		if !ok {
			continue
		}
		// The CLI pairs the nth --name with the nth --type.
		names, typs := flagValues(rest, "--name"), flagValues(rest, "--type")
		if len(names) != len(typs) || len(names) == 0 {
			p.addf("%s: %q: want --name and --type in pairs", svcTemporalSetup, strings.TrimSpace(line))
			continue
		}
		for i, name := range names {
			created[name] = typs[i]
		}
	}
	for name, typ := range workflows.SearchAttributes {
		want, ok := cliTypeNames[typ]
		if !ok {
			p.addf("search attribute %s: type %v has no CLI name in cliTypeNames", name, typ)
			continue
		}
		got, ok := created[name]
		switch {
		case !ok:
			p.addf("%s: does not create search attribute %s (%s)", svcTemporalSetup, name, want)
		case got != want:
			p.addf("%s: creates search attribute %s as %s, workflows.SearchAttributes has %s", svcTemporalSetup, name, got, want)
		}
	}
	for name := range created {
		if _, ok := workflows.SearchAttributes[name]; !ok {
			p.addf("%s: creates search attribute %s, which workflows.SearchAttributes does not have", svcTemporalSetup, name)
		}
	}
}

// checkTemporalUI reads the UI's configuration the way the temporalio/ui image
// does (its config template rendered with the service's environment): read-only,
// published on 8233, and decoding payloads through Tandem's codec endpoint with the
// board's cookie, from an origin the API allows.
func checkTemporalUI(p *problems, services map[string]types.ServiceConfig) {
	s, ok := services[svcTemporalUI]
	if !ok {
		return
	}
	checkTemporalAddress(p, svcTemporalUI+": TEMPORAL_ADDRESS", env(s, "TEMPORAL_ADDRESS"), services)
	uiPort := env(s, "TEMPORAL_UI_PORT")
	if uiPort == "" {
		uiPort = "8080" // the image's default
	}
	target, _ := strconv.ParseUint(uiPort, 10, 32)
	checkPublished(p, s, "8233", uint32(target))

	cfg, err := renderUIConfig(s)
	if err != nil {
		p.addf("%s: render the UI's configuration: %v", svcTemporalUI, err)
		return
	}
	// Loaded with no TEMPORAL_UI_* variables set, so this is the default.
	if !cfg.DisableWriteActions {
		p.addf("%s: write actions enabled by default, want them disabled (TEMPORAL_DISABLE_WRITE_ACTIONS=true)", svcTemporalUI)
	}

	// The codec endpoint, as the browser calls it: through the proxy, on port 80 by
	// default.
	wantEndpoint := "http://localhost" + api.CodecEndpoint
	if cfg.Codec.Endpoint != wantEndpoint {
		p.addf("%s: codec endpoint %q by default, want %q (TEMPORAL_CODEC_ENDPOINT: the API as browsers reach it + %s)", svcTemporalUI, cfg.Codec.Endpoint, wantEndpoint, api.CodecEndpoint)
	}
	if !cfg.Codec.IncludeCredentials {
		p.addf("%s: the codec endpoint is called without credentials (TEMPORAL_CODEC_INCLUDE_CREDENTIALS), so without the board's cookie nothing decodes", svcTemporalUI)
	}
	if cfg.Codec.PassAccessToken {
		p.addf("%s: TEMPORAL_CODEC_PASS_ACCESS_TOKEN is on, but the UI has no login whose token Tandem would accept", svcTemporalUI)
	}

	// The API admits the UI's origin, the one the UI itself serves under.
	apiSvc, ok := services[svcAPI]
	if !ok {
		return
	}
	uiURL := env(apiSvc, "TANDEM_UI_URL")
	u, err := url.Parse(uiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		p.addf("%s: TANDEM_UI_URL=%q, want the Temporal UI's URL as browsers reach it, so the UI may call the codec endpoint", svcAPI, uiURL)
		return
	}
	if origin := u.Scheme + "://" + u.Host; !slices.Contains(cfg.CORS.AllowOrigins, origin) {
		p.addf("%s: TANDEM_UI_URL has origin %q, but the UI serves under %q (TEMPORAL_CORS_ORIGINS)", svcAPI, origin, cfg.CORS.AllowOrigins)
	}
	if u.Port() != "8233" {
		p.addf("%s: TANDEM_UI_URL=%q by default, want the UI's published port 8233", svcAPI, uiURL)
	}
}

// checkPublished: s publishes container port target on host port published.
func checkPublished(p *problems, s types.ServiceConfig, published string, target uint32) {
	ok := slices.ContainsFunc(s.Ports, func(pc types.ServicePortConfig) bool {
		return pc.Published == published && pc.Target == target
	})
	if !ok {
		p.addf("%s: want host port %s published to container port %d, ports are %+v", s.Name, published, target, s.Ports)
	}
}

// env is the value of an environment variable of a service, "" when unset.
func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// script is the command a service runs, entrypoint and command joined: for the
// one-shots, `sh -c` and their inline script.
func script(s types.ServiceConfig) string {
	return strings.Join(append(slices.Clone([]string(s.Entrypoint)), s.Command...), "\n")
}

var (
	shellAssign = regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$`)
	schemaStep  = regexp.MustCompile(`--db\s+(\S+)\s+(create|create-database|setup-schema|setup|update-schema|update)\b(.*)`)
)

// schemaSteps reads the temporal-sql-tool steps of a script: database -> step -> the
// schema directory of an update-schema step ("" for the others). Shell variables set
// in the script (name=value) are expanded in the directory.
func schemaSteps(text string) map[string]map[string]string {
	vars := map[string]string{}
	for _, m := range shellAssign.FindAllStringSubmatch(text, -1) {
		vars[m[1]] = unquote(m[2])
	}
	aliases := map[string]string{"create-database": "create", "setup": "setup-schema", "update": "update-schema"}
	steps := map[string]map[string]string{}
	for _, m := range schemaStep.FindAllStringSubmatch(text, -1) {
		db, step := unquote(m[1]), m[2]
		if a, ok := aliases[step]; ok {
			step = a
		}
		dir := ""
		if step == "update-schema" {
			dir = os.Expand(flagValue(m[3], "--schema-dir", "-d"), func(name string) string { return vars[name] })
		}
		if steps[db] == nil {
			steps[db] = map[string]string{}
		}
		steps[db][step] = dir
	}
	return steps
}

// flagValue is the value of the first of the named flags in text, unquoted.
func flagValue(text string, names ...string) string {
	for _, name := range names {
		if vs := flagValues(text, name); len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// flagValues are the values of every occurrence of flag name in text, unquoted.
func flagValues(text, name string) []string {
	re := regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(name) + `(?:\s+|=)("[^"]*"|'[^']*'|\S+)`)
	var vs []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		vs = append(vs, unquote(m[1]))
	}
	return vs
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

var versionTag = regexp.MustCompile(`^v?\d+\.\d+`)

// pinned reports whether an image reference names a version (major.minor at least) or
// a digest, so a pull cannot silently change what runs.
func pinned(ref string) bool {
	_, tag, digest := splitImage(ref)
	return digest != "" || versionTag.MatchString(tag)
}

// splitImage splits an image reference into repository (without docker.io/library/),
// tag and digest.
func splitImage(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	repo = strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "library/")
	return repo, tag, digest
}

// goModVersion is the version go.mod requires of module path, "" if none.
func goModVersion(goMod []byte, path string) string {
	re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(path) + `\s+(v\S+)`)
	if m := re.FindSubmatch(goMod); m != nil {
		return string(m[1])
	}
	return ""
}

// repoRoot is the repository root: this package's parent directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
