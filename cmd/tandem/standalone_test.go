package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"
	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/workflows"
)

// TestServicesOnStandaloneTemporal runs the production setup of
// docker-compose.yml without Docker: Temporal's own server, built from the
// go.temporal.io/server of go.mod and run as the temporalio/server image runs
// it (`temporal-server start`, configured by the environment compose gives
// it: postgres12, its history shards, its dynamic config), on databases
// prepared by the same temporal-sql-tool steps as compose's temporal-schema;
// the namespace and search attributes of temporal-setup; then `tandem
// migrate`, two `tandem worker` and two `tandem api`, each its own process of
// the services build, as the image is. A driver decides campaigns through both
// APIs in turn, each request with an Idempotency-Key and each lost answer sent
// again with the same key, while one worker is SIGKILLed just after a
// completion is sent to a run it holds (the other goes on alone), and later
// the Temporal server is SIGKILLed and started again.
//
// Afterwards every acknowledged create and completion happened exactly once
// (the timelines), every decided task is done with the outcome sent (the
// records), every run has taken every decision (its own view: it moved on to
// readiness and waits on none of them), no answer was a 500, and the audit
// trail verifies. A decision the worker kill lost would be acknowledged but
// missing from the run, which then still waits on that task: the readiness
// wait fails, and so do the records' and the timeline's checks once the run
// never writes it. The test also shows the checks would see one: with a
// completion that was never made added to what the driver believes, they
// must report it.
//
// Databases are made for the run with unique names on the test PostgreSQL
// (TANDEM_TEST_POSTGRES) and dropped at the end; without PostgreSQL the test
// skips, or fails under CI / TANDEM_REQUIRE_POSTGRES=1.
func TestServicesOnStandaloneTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Temporal's server and five Tandem processes")
	}
	began := time.Now()
	pg := standalonePostgres(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	compose := readCompose(t, filepath.Join(root, "docker-compose.yml"))
	dir := t.TempDir()
	bins := buildStandalone(t, dir)
	t.Logf("built the services build of tandem, temporal-server and temporal-sql-tool (%s)", time.Since(began).Round(time.Second))

	suffix := fmt.Sprintf("%x", rand.Uint64())
	dbs := map[string]string{ // compose's database names → this run's
		"tandem":              "tandem_sa_" + suffix,
		"temporal":            "temporal_sa_" + suffix,
		"temporal_visibility": "temporal_sa_" + suffix + "_visibility",
	}
	// Tandem's app role (deploy/postgres/init-roles.sh makes it in compose).
	appRole := "tandem_app_sa_" + suffix
	if err := pg.exec("CREATE ROLE " + appRole + " LOGIN"); err != nil {
		t.Fatalf("create role %s: %v", appRole, err)
	}
	t.Cleanup(func() { // after the databases are dropped: cleanups run last first
		if err := pg.exec("DROP ROLE IF EXISTS " + appRole); err != nil {
			t.Errorf("drop role %s: %v", appRole, err)
		}
	})
	t.Cleanup(func() { pg.drop(t, slices.Collect(maps.Values(dbs))...) })

	// deploy/postgres/init-roles.sh makes the databases when compose's PostgreSQL
	// first starts; here the test does, under its own names (Temporal and tandem
	// migrate connect as the local superuser).
	pg.create(t, dbs["temporal"])
	pg.create(t, dbs["temporal_visibility"])

	// temporal-schema
	for _, args := range schemaSteps(t, compose["temporal-schema"], pg, dbs, bins.temporalModule) {
		cmd := exec.Command(bins.sqlTool, args...)
		cmd.Env = pg.toolEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("temporal-sql-tool %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
		}
	}
	t.Logf("temporal-schema: databases %s and %s made and migrated (%s)", dbs["temporal"], dbs["temporal_visibility"], time.Since(began).Round(time.Second))

	// temporal
	tenv, frontend := temporalEnv(t, compose["temporal"], root, pg, dbs)
	temporal := &process{name: "temporal", path: bins.server, args: []string{"start"}, env: tenv, dir: dir}
	startOrFail(t, temporal)
	temporalPID := temporal.pid()
	procs := []*process{temporal}
	t.Cleanup(func() { // before the processes are killed and their logs removed
		if t.Failed() {
			for _, p := range procs {
				t.Logf("%s's log ends:\n%s", p.name, p.logTail())
			}
		}
	})
	tc := dialTemporal(t, temporal, frontend, compose["temporal-setup"].Environment["NAMESPACE"])
	t.Logf("temporal-server: %s shards on %s, frontend %s (%s)", envValue(tenv, "NUM_HISTORY_SHARDS"), envValue(tenv, "DB"), frontend, time.Since(began).Round(time.Second))

	// temporal-setup
	namespace := setupTemporal(t, tc, compose["temporal-setup"])

	// tandem-migrate, then the people and tokens the driver acts as.
	keys := strings.TrimSpace(runTandem(t, bins.tandem, nil, "codec", "new-key"))
	pg.create(t, dbs["tandem"])
	// tandem-migrate as the owner, granting the app role what it needs; the API
	// and the workers as the app role, which may not change the audit trail.
	ownerDB := pg.url(dbs["tandem"])
	appDB := pg.urlAs(appRole, dbs["tandem"])
	tandemEnv := func(svc string, http string) []string {
		db := appDB
		if svc == "tandem-migrate" {
			db = ownerDB
		}
		return tandemServiceEnv(t, compose[svc], map[string]string{
			"TANDEM_DB": db, "TANDEM_DB_APP_ROLE": appRole, "TANDEM_TEMPORAL_ADDRESS": frontend, "TANDEM_NAMESPACE": namespace,
			"TANDEM_CODEC_KEYS": keys, "TANDEM_HTTP": http,
		})
	}
	runTandem(t, bins.tandem, tandemEnv("tandem-migrate", ""), compose["tandem-migrate"].Command...)
	people := filepath.Join(dir, "people.yaml")
	if err := os.WriteFile(people, []byte(standalonePeople), 0o600); err != nil {
		t.Fatal(err)
	}
	runTandem(t, bins.tandem, tandemEnv("tandem-migrate", ""), "people", "import", people)
	tokens := map[string]string{}
	for _, who := range []string{"pat", "maya", "cleo", "colin", "wes", "ana"} {
		out := runTandem(t, bins.tandem, tandemEnv("tandem-migrate", ""), "token", "create", "--handle", who, "--label", "standalone-test")
		tokens[who], _, _ = strings.Cut(out, "\n")
	}

	// tandem-worker ×2, tandem-api ×2.
	var workers, apis []*process
	for i := range 2 {
		addr := freePort(t)
		w := &process{name: fmt.Sprintf("worker %d", i+1), path: bins.tandem, args: compose["tandem-worker"].Command, env: tandemEnv("tandem-worker", addr), dir: dir, http: "http://" + addr}
		startOrFail(t, w)
		workers, procs = append(workers, w), append(procs, w)
	}
	for i := range 2 {
		addr := freePort(t)
		a := &process{name: fmt.Sprintf("api %d", i+1), path: bins.tandem, args: compose["tandem-api"].Command, env: tandemEnv("tandem-api", addr), dir: dir, http: "http://" + addr}
		startOrFail(t, a)
		apis, procs = append(apis, a), append(procs, a)
	}
	for _, p := range append(slices.Clone(workers), apis...) {
		waitProbe(t, p.http+"/readyz", "ready", func(pr probe) bool { return pr.code == http.StatusOK })
	}
	t.Logf("tandem: migrated, 2 workers and 2 APIs ready (%s)", time.Since(began).Round(time.Second))

	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TANDEM_CHAOS_SEED"); v != "" { // the driver's choices and the kills' delays again
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("TANDEM_CHAOS_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay its choices with TANDEM_CHAOS_SEED=%d)", seed, seed)
	d := &driver{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 1)),
		bases: []string{apis[0].http, apis[1].http}, tokens: tokens,
		http:      &http.Client{Timeout: 20 * time.Second},
		created:   map[string]bool{},
		completed: map[string]string{},
		sent:      make(chan struct{}, 1),
	}
	d.loadTeams()
	s := &standaloneRun{t: t, d: d, tc: tc, temporal: temporal, victim: workers[0], rng: rand.New(rand.NewPCG(seed, 2)), stop: make(chan struct{})}
	// A kill under way finishes before the processes are stopped; one still
	// waiting for a command to be sent gives up.
	t.Cleanup(func() { close(s.stop); s.wait() })

	const campaigns = 4
	for range campaigns {
		d.create()
	}
	// Each campaign on the email channel: the brief review, then four deliverables.
	want := campaigns * 5
	deadline := time.Now().Add(5 * time.Minute)
	for len(d.completed) < want && !t.Failed() {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 minutes %d of %d decisions made", len(d.completed), want)
		}
		open := s.decidable()
		if len(open) == 0 { // the records have not caught up yet
			time.Sleep(200 * time.Millisecond)
			continue
		}
		tk := open[d.rng.IntN(len(open))]
		killing := ""
		switch n := len(d.completed); {
		case n >= campaigns && s.workerKill == "":
			tk = s.armWorkerKill(open, tk)
			killing = s.victim.name
		case n >= 2*campaigns+campaigns/2 && !s.temporalKilled:
			s.armTemporalKill()
			killing = "temporal-server"
		}
		sent, lost, accepted := time.Now(), d.lost, d.accepted
		d.complete(tk)
		if killing != "" {
			answer := "acknowledged"
			if d.completed[tk.ID] == "refused" {
				answer = "refused"
			}
			t.Logf("the completion of %s (%s) sent as %s was killed: %s after %s, %d tries lost or 503, %d answers 202",
				tk.ID, tk.Key, killing, answer, time.Since(sent).Round(10*time.Millisecond), d.lost-lost, d.accepted-accepted)
		}
	}
	s.wait()
	if s.err != nil {
		t.Fatal(s.err)
	}
	t.Logf("%d campaigns created, %d decisions acknowledged, %d answers lost or 503 and retried, %d answered 202, %d replays checked, %d throttled; %s; Temporal killed and restarted (%s)",
		len(d.created), len(d.completed), d.lost, d.accepted, d.replays, d.throttled, s.workerKill, time.Since(began).Round(time.Second))
	if t.Failed() {
		return
	}

	// Every run took every decision: it moved on to readiness, waiting on none of them.
	if problems := s.waitRunsCaughtUp(d.completed); len(problems) > 0 {
		for _, p := range problems {
			t.Error(p)
		}
	}
	d.verify()
	for _, p := range s.recordProblems(d.completed) {
		t.Error(p)
	}
	// The checks above would catch a decision the run does not have: claim one
	// that was never made, an open readiness sign-off, and they must say so.
	if id, process := s.openTask(); id != "" {
		claimed := maps.Clone(d.completed)
		claimed[id] = process
		if p := s.liveProblems(claimed); len(p) == 0 {
			t.Errorf("the run's view does not notice that %s, claimed decided, is not", id)
		}
		if p := s.recordProblems(claimed); len(p) == 0 {
			t.Errorf("the records' check does not notice that %s, claimed decided, is not", id)
		}
		d.completed[id] = process
		if p := d.problems(fmt.Sprintf("Chaos %d #", d.seed)); len(p) == 0 {
			t.Errorf("the timeline check does not notice that %s, claimed decided, is not", id)
		}
		delete(d.completed, id)
	} else {
		t.Error("no open task left to check the checks with")
	}

	if s.victim.running() {
		t.Errorf("%s was never killed", s.victim.name)
	}
	if temporal.pid() == temporalPID {
		t.Error("temporal-server was never killed and started again")
	}
	for _, p := range append([]*process{temporal, workers[1]}, apis...) {
		if !p.running() {
			t.Errorf("%s exited during the run; its log ends:\n%s", p.name, p.logTail())
		}
	}
	out, err := exec.Command(bins.tandem, "audit", "verify", "--db", appDB).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit trail intact") {
		t.Errorf("tandem audit verify: %v\n%s", err, out)
	}
	if t.Failed() {
		t.Logf("seed %d: replay with TANDEM_CHAOS_SEED=%d", seed, seed)
	}
	t.Logf("done in %s", time.Since(began).Round(time.Second))
}

// standalonePeople is the directory the run imports with `tandem people
// import`: a project manager, marketing ops and one person per team the
// email channel's deliverables need, with the demo's handles so the driver
// acts as in the chaos test.
const standalonePeople = `- {handle: dana, name: Dana Kim, email: dana@tandem.example, team: leadership, roles: [director]}
- {handle: pat, name: Pat Morgan, email: pat@tandem.example, team: pmo, roles: [project_manager], manager: dana}
- {handle: maya, name: Maya Ortiz, email: maya@tandem.example, team: marketing-ops, roles: [marketing_ops_manager], manager: dana}
- {handle: cleo, name: Cleo Park, email: cleo@tandem.example, team: creative, roles: [creative], manager: maya}
- {handle: colin, name: Colin Shaw, email: colin@tandem.example, team: content, roles: [content], manager: maya}
- {handle: wes, name: Wes Brandt, email: wes@tandem.example, team: web, roles: [web], manager: maya}
- {handle: ana, name: Ana Lopez, email: ana@tandem.example, team: analytics, roles: [analytics], manager: maya}
`

// standaloneRun is the run's state beside the driver: the Temporal client and
// the kills.
type standaloneRun struct {
	t        *testing.T
	d        *driver
	tc       client.Client
	temporal *process
	victim   *process // the worker killed
	rng      *rand.Rand

	workerKill     string // what the worker kill hit, once armed
	temporalKilled bool
	stop           chan struct{}
	kills          sync.WaitGroup
	err            error // from a kill's goroutine; read after wait
}

func (s *standaloneRun) wait() { s.kills.Wait() }

// decidable lists the open tasks of the run's campaigns the driver can decide.
func (s *standaloneRun) decidable() []chaosTask {
	var open struct{ Items []chaosTask }
	s.d.get("/tasks?status=open&limit=200", &open)
	var out []chaosTask
	for _, tk := range open.Items {
		if s.d.created[tk.ProcessID] && tk.Status == "open" && s.d.completed[tk.ID] == "" && s.d.decidable(tk) {
			out = append(out, tk)
		}
	}
	return out
}

// armWorkerKill picks, when there is one, a task whose run the victim worker
// holds (it completed the run's last workflow task, so the run is in its cache
// and its next workflow task goes to the victim's sticky queue) and has the
// victim SIGKILLed a few milliseconds after that task's completion is sent:
// the decision is in flight on the worker that dies.
func (s *standaloneRun) armWorkerKill(open []chaosTask, fallback chaosTask) chaosTask {
	pid := s.victim.pid()
	pick, held := fallback, false
	for _, tk := range open {
		if s.lastWorker(tk) == pid {
			pick, held = tk, true
			break
		}
	}
	s.workerKill = fmt.Sprintf("%s SIGKILLed just after a completion was sent to a run it did not hold", s.victim.name)
	if held {
		s.workerKill = fmt.Sprintf("%s SIGKILLed just after a completion was sent to a run it held (%s of %s)", s.victim.name, pick.Key, pick.ProcessID)
	}
	s.killAfterSend(func() error { s.victim.kill(); return nil })
	return pick
}

// armTemporalKill has the Temporal server SIGKILLed a few milliseconds after
// the next command is sent, then started again as before, on the same
// databases and ports.
func (s *standaloneRun) armTemporalKill() {
	s.temporalKilled = true
	downtime := time.Duration(1000+s.rng.IntN(4000)) * time.Millisecond
	s.killAfterSend(func() error {
		s.temporal.kill()
		down := time.Now()
		// Down for a few seconds, as when its container is restarted, so
		// that requests meet it down, not only a connection reset.
		time.Sleep(downtime)
		if err := s.temporal.start(); err != nil {
			return err
		}
		if err := temporalHealthy(s.tc, 2*time.Minute); err != nil {
			return fmt.Errorf("temporal after its restart: %w; its log ends:\n%s", err, s.temporal.logTail())
		}
		s.t.Logf("temporal-server SIGKILLed, started again after %s, serving after %s", downtime, time.Since(down).Round(100*time.Millisecond))
		return nil
	})
}

func (s *standaloneRun) killAfterSend(kill func() error) {
	drain(s.d.sent)
	delay := time.Duration(s.rng.IntN(20)) * time.Millisecond
	s.kills.Add(1)
	go func() {
		defer s.kills.Done()
		select {
		case <-s.d.sent:
		case <-s.stop:
			return
		}
		time.Sleep(delay)
		if err := kill(); err != nil {
			s.err = err
		}
	}()
}

// lastWorker is the process ID of the worker that completed the last workflow
// task of tk's run, as its identity (<pid>@<host>@tandem-worker) says; 0 when
// the history cannot be read.
func (s *standaloneRun) lastWorker(tk chaosTask) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := s.tc.GetWorkflowHistory(ctx, tk.WorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	last := ""
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return 0
		}
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			last = a.GetIdentity()
		}
	}
	pid, _ := strconv.Atoi(strings.SplitN(last, "@", 2)[0])
	return pid
}

// sentOutcome is the outcome the driver sends for a task (driver.complete).
func sentOutcome(key string) string {
	if key == "brief_review" {
		return "approved"
	}
	return "done"
}

type standaloneTask struct {
	ID        string `json:"id"`
	ProcessID string `json:"process_id"`
	Key       string `json:"key"`
	Status    string `json:"status"`
	Outcome   string `json:"outcome"`
}

// campaignTasks reads a campaign's tasks from the records.
func (s *standaloneRun) campaignTasks(id string) []standaloneTask {
	var page struct{ Items []standaloneTask }
	s.d.get("/tasks?limit=200&process_id="+url.QueryEscape(id), &page)
	return page.Items
}

// recordProblems: every task in completed (task → campaign) is done in the
// records with the outcome the driver sent, and no other task of the
// campaigns is done.
func (s *standaloneRun) recordProblems(completed map[string]string) []string {
	var problems []string
	for id := range s.d.created {
		for _, tk := range s.campaignTasks(id) {
			decided := completed[tk.ID] == id
			switch {
			case decided && (tk.Status != "done" || tk.Outcome != sentOutcome(tk.Key)):
				problems = append(problems, fmt.Sprintf("task %s (%s of %s): decided %s, the records have it %s %s", tk.ID, tk.Key, id, sentOutcome(tk.Key), tk.Status, tk.Outcome))
			case !decided && tk.Status == "done":
				problems = append(problems, fmt.Sprintf("task %s (%s of %s) is done, but no decision of it was acknowledged", tk.ID, tk.Key, id))
			}
		}
	}
	return problems
}

// liveProblems asks each run for its own view (the campaign detail answered by
// the workflow): it has moved on to readiness, and waits on no decided task.
func (s *standaloneRun) liveProblems(completed map[string]string) []string {
	var problems []string
	for id := range s.d.created {
		var detail struct {
			Stage     string
			Live      bool
			WaitingOn []struct {
				TaskID string `json:"task_id"`
			} `json:"waiting_on"`
		}
		s.d.get("/campaigns/"+id, &detail)
		if !detail.Live {
			problems = append(problems, fmt.Sprintf("campaign %s: the detail is not the run's own view", id))
			continue
		}
		if detail.Stage != "readiness" {
			problems = append(problems, fmt.Sprintf("campaign %s is at %s, want readiness: every task before it was decided", id, detail.Stage))
		}
		for _, w := range detail.WaitingOn {
			if completed[w.TaskID] != "" {
				problems = append(problems, fmt.Sprintf("campaign %s still waits on %s, whose decision was acknowledged", id, w.TaskID))
			}
		}
	}
	return problems
}

// waitRunsCaughtUp gives the runs a minute to take the last decisions.
func (s *standaloneRun) waitRunsCaughtUp(completed map[string]string) []string {
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		p := s.liveProblems(completed)
		if len(p) == 0 || time.Now().After(deadline) {
			return p
		}
	}
}

// openTask is an open task of one of the run's campaigns (a readiness
// sign-off, once every deliverable is done), and its campaign.
func (s *standaloneRun) openTask() (string, string) {
	for id := range s.d.created {
		for _, tk := range s.campaignTasks(id) {
			if tk.Status == "open" {
				return tk.ID, id
			}
		}
	}
	return "", ""
}

// process is one process of the deployment, started again after a kill with
// the same command, environment and ports, as a container restart would.
type process struct {
	name, path, dir string
	args, env       []string
	http            string // base URL of its /healthz, /readyz and API, if any

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *process) logPath() string {
	return filepath.Join(p.dir, strings.ReplaceAll(p.name, " ", "-")+".log")
}

func (p *process) start() error {
	log, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = p.env, p.dir, log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	return nil
}

// kill sends SIGKILL: no shutdown, no flush.
func (p *process) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func (p *process) logTail() string {
	b, _ := os.ReadFile(p.logPath())
	return tail(string(b), 3000)
}

func startOrFail(t *testing.T, p *process) {
	t.Helper()
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
}

// runTandem runs a one-shot tandem command and returns its standard output.
func runTandem(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tandem %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 3000))
	}
	return string(out)
}

type standaloneBins struct {
	tandem, server, sqlTool string
	temporalModule          string // go.temporal.io/server's directory in the module cache
}

// buildStandalone builds the services build of tandem (the image's) and
// Temporal's server and SQL tool from the go.temporal.io/server of go.mod
// (its `tool` lines keep what they need in go.sum).
func buildStandalone(t *testing.T, dir string) standaloneBins {
	t.Helper()
	b := standaloneBins{
		tandem:  filepath.Join(dir, "tandem"),
		server:  filepath.Join(dir, "temporal-server"),
		sqlTool: filepath.Join(dir, "temporal-sql-tool"),
	}
	for _, args := range [][]string{
		{"build", "-tags", "services", "-o", b.tandem, "."},
		{"build", "-o", b.server, "go.temporal.io/server/cmd/server"},
		{"build", "-o", b.sqlTool, "go.temporal.io/server/cmd/tools/sql"},
	} {
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		t.Fatalf("go list -m go.temporal.io/server: %v", err)
	}
	b.temporalModule = strings.TrimSpace(string(out))
	return b
}

// composeService is what the test reads of a docker-compose.yml service.
type composeService struct {
	Environment map[string]string
	Command     []string
	Volumes     []string
}

func readCompose(t *testing.T, path string) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Services map[string]composeService }
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, name := range []string{"temporal-schema", "temporal", "temporal-setup", "tandem-migrate", "tandem-api", "tandem-worker"} {
		if _, ok := file.Services[name]; !ok {
			t.Fatalf("%s has no service %s", path, name)
		}
	}
	return file.Services
}

// interpolated is an environment value as compose gives it when the variable
// it names is unset: ${VAR:-default} is the default, and ${VAR:+value} (only
// when VAR is set, such as an optional policy file) is empty. What remains
// with a $ in it (a ${VAR:?} secret, say) the test must have replaced.
var (
	composeDefault = regexp.MustCompile(`\$\{[A-Za-z0-9_]+:-([^}]*)\}`)
	composeIfSet   = regexp.MustCompile(`\$\{[A-Za-z0-9_]+:\+(?:[^{}]|\$\{[^}]*\})*\}`)
)

// serviceEnv is a compose service's environment with the test's values for
// the keys of set, each of which compose must define (so a renamed variable
// fails here rather than being silently ignored), then add appended.
func serviceEnv(t *testing.T, name string, svc composeService, set, add map[string]string) []string {
	t.Helper()
	env := map[string]string{}
	for k, v := range svc.Environment {
		env[k] = composeDefault.ReplaceAllString(composeIfSet.ReplaceAllString(v, ""), "$1")
	}
	for k, v := range set {
		if _, ok := env[k]; !ok {
			t.Fatalf("compose service %s sets no %s, which the test replaces", name, k)
		}
		env[k] = v
	}
	maps.Copy(env, add)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if strings.Contains(env[k], "$") {
			t.Fatalf("compose service %s: %s=%s is not something this test knows how to give", name, k, env[k])
		}
		out = append(out, k+"="+env[k])
	}
	// A process started with an empty environment still needs somewhere to
	// write its temporary files.
	return append(out, "HOME="+os.TempDir(), "TMPDIR="+os.TempDir())
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// temporalEnv is the environment of compose's temporal service for a server
// on this machine: the local PostgreSQL, the run's databases, the dynamic
// config file compose mounts, 127.0.0.1 rather than the container's every
// interface, and free ports (a dev server or another run may hold the
// defaults). It returns the frontend's host:port too.
func temporalEnv(t *testing.T, svc composeService, root string, pg standalonePG, dbs map[string]string) ([]string, string) {
	t.Helper()
	mounted := svc.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	dynamicConfig := ""
	for _, v := range svc.Volumes {
		if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == mounted {
			dynamicConfig = filepath.Join(root, parts[0])
		}
	}
	if dynamicConfig == "" {
		t.Fatalf("compose's temporal service mounts nothing at DYNAMIC_CONFIG_FILE_PATH %q", mounted)
	}
	ports := map[string]string{}
	for _, k := range []string{
		"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT",
		"HISTORY_GRPC_PORT", "HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT",
		"MATCHING_MEMBERSHIP_PORT", "WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT",
	} {
		ports[k] = strconv.Itoa(lowFreePort(t))
	}
	env := serviceEnv(t, "temporal", svc, map[string]string{
		"POSTGRES_SEEDS": pg.host, "DB_PORT": pg.port, "POSTGRES_USER": pg.user, "POSTGRES_PWD": pg.password,
		"DBNAME": dbs[svc.Environment["DBNAME"]], "VISIBILITY_DBNAME": dbs[svc.Environment["VISIBILITY_DBNAME"]],
		"BIND_ON_IP": "127.0.0.1", "DYNAMIC_CONFIG_FILE_PATH": dynamicConfig,
	}, ports)
	if envValue(env, "DBNAME") == "" || envValue(env, "VISIBILITY_DBNAME") == "" {
		t.Fatalf("compose's temporal service names databases temporal-schema does not make: %v", svc.Environment)
	}
	return env, "127.0.0.1:" + ports["FRONTEND_GRPC_PORT"]
}

// tandemServiceEnv is a tandem service's environment from compose
// (x-tandem-env and its own), with the run's database, Temporal, keys and
// listen address for the keys compose defines.
func tandemServiceEnv(t *testing.T, svc composeService, values map[string]string) []string {
	t.Helper()
	set := map[string]string{}
	for k, v := range values {
		if _, ok := svc.Environment[k]; ok {
			set[k] = v
		}
	}
	return serviceEnv(t, "tandem", svc, set, nil)
}

var (
	sqlWrapper = regexp.MustCompile(`^sql\(\) \{ temporal-sql-tool (.*) "\$\$@"; \}$`)
	schemaVar  = regexp.MustCompile(`^schema=/etc/temporal/schema/(\S+)$`)
)

// schemaSteps reads the script of compose's temporal-schema one-shot and
// returns its temporal-sql-tool runs, in order, for the local PostgreSQL and
// the run's databases, with the schema directory of the module cache (the
// admin-tools image copies the same schema/ of the server's repository to
// /etc/temporal/schema). A line of the script it does not know fails the test.
func schemaSteps(t *testing.T, svc composeService, pg standalonePG, dbs map[string]string, module string) [][]string {
	t.Helper()
	if len(svc.Command) != 1 {
		t.Fatalf("temporal-schema's command: want one script, got %q", svc.Command)
	}
	var wrapper []string
	var steps [][]string
	schema := ""
	for _, line := range strings.Split(svc.Command[0], "\n") {
		line = strings.TrimSpace(line)
		switch m, s := sqlWrapper.FindStringSubmatch(line), schemaVar.FindStringSubmatch(line); {
		case line == "" || line == "set -eu":
		case m != nil:
			local := map[string]string{"--ep": pg.host, "-p": pg.port, "-u": pg.user}
			fields := strings.Fields(m[1])
			for i := 0; i+1 < len(fields); i += 2 {
				if v, ok := local[fields[i]]; ok {
					fields[i+1] = v
				}
			}
			wrapper = fields
		case s != nil:
			schema = filepath.Join(module, "schema", s[1])
		case strings.HasPrefix(line, "sql "):
			args := strings.Fields(strings.TrimPrefix(line, "sql "))
			for i, a := range args {
				a = strings.Trim(a, `"`)
				if i > 0 && args[i-1] == "--db" {
					if dbs[a] == "" {
						t.Fatalf("temporal-schema works on a database %q the test has no name for", a)
					}
					a = dbs[a]
				}
				if rest, ok := strings.CutPrefix(a, "$$schema/"); ok {
					a = filepath.Join(schema, rest)
				}
				args[i] = a
			}
			steps = append(steps, append(slices.Clone(wrapper), args...))
		default:
			t.Fatalf("temporal-schema's script has a line the test does not know how to run: %q", line)
		}
	}
	if wrapper == nil || schema == "" || len(steps) == 0 {
		t.Fatalf("temporal-schema's script: no sql() wrapper, schema directory or steps in %q", svc.Command[0])
	}
	return steps
}

// dialTemporal connects to the frontend once the server answers.
func dialTemporal(t *testing.T, server *process, hostPort, namespace string) client.Client {
	t.Helper()
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	var c client.Client
	err := retry(2*time.Minute, func() (err error) {
		if !server.running() {
			return permanent{errors.New("it exited")}
		}
		c, err = client.Dial(client.Options{HostPort: hostPort, Namespace: namespace, Logger: quiet})
		return err
	})
	if err != nil {
		t.Fatalf("temporal-server at %s did not answer: %v; its log ends:\n%s", hostPort, err, server.logTail())
	}
	t.Cleanup(c.Close)
	if err := temporalHealthy(c, 2*time.Minute); err != nil {
		t.Fatalf("temporal-server at %s: %v; its log ends:\n%s", hostPort, err, server.logTail())
	}
	return c
}

func temporalHealthy(c client.Client, within time.Duration) error {
	return retry(within, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	})
}

// retry calls f until it succeeds, returns a permanent error, or within has
// passed, and returns its last error.
func retry(within time.Duration, f func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := f()
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// permanent is an error retry does not retry.
type permanent struct{ error }

// lowFreePort is a free TCP port below 32768. The server records each
// service's membership port in cluster_membership.rpc_port, a SMALLINT on
// PostgreSQL, and exits when it is higher; the ports the kernel hands out for
// :0 (freePort) are from 32768 up.
func lowFreePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12768)
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32767")
	return 0
}

// setupTemporal does what compose's temporal-setup does with the temporal CLI
// (`operator namespace create --retention`, then `operator search-attribute
// create` for each attribute), through the same frontend calls the CLI makes:
// building the CLI would take minutes. The namespace and retention come from
// that service's environment, the attributes from workflows.SearchAttributes,
// which deploy/ holds compose's list to.
func setupTemporal(t *testing.T, c client.Client, svc composeService) string {
	t.Helper()
	ns := svc.Environment["NAMESPACE"]
	retention, err := time.ParseDuration(svc.Environment["RETENTION"])
	if ns == "" || err != nil {
		t.Fatalf("temporal-setup: NAMESPACE %q, RETENTION %q (%v)", ns, svc.Environment["RETENTION"], err)
	}
	ctx := context.Background()
	err = retry(2*time.Minute, func() error {
		_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
		var notFound *serviceerror.NamespaceNotFound
		if errors.As(err, &notFound) {
			_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
				Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(retention),
			})
		}
		return err
	})
	if err != nil {
		t.Fatalf("temporal-setup: namespace %s: %v", ns, err)
	}
	for _, name := range slices.Sorted(maps.Keys(workflows.SearchAttributes)) {
		typ := workflows.SearchAttributes[name]
		err := retry(2*time.Minute, func() error {
			_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
				Namespace: ns, SearchAttributes: map[string]enumspb.IndexedValueType{name: typ},
			})
			var exists *serviceerror.AlreadyExists
			if errors.As(err, &exists) { // a retry after a lost answer
				return nil
			}
			return err
		})
		if err != nil {
			t.Fatalf("temporal-setup: search attribute %s: %v", name, err)
		}
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range workflows.SearchAttributes {
		if got := list.GetCustomAttributes()[name]; got != typ {
			t.Fatalf("temporal-setup: search attribute %s is %s, want %s", name, got, typ)
		}
	}
	return ns
}

// standalonePG is the test PostgreSQL server, on which the run makes its
// databases.
type standalonePG struct {
	base                       *url.URL // the test database, connected to for CREATE and DROP
	host, port, user, password string
}

// standalonePostgres is the test server (TANDEM_TEST_POSTGRES, else the
// default), skipped or required as every PostgreSQL test is.
func standalonePostgres(t *testing.T) standalonePG {
	t.Helper()
	u, err := url.Parse(storetest.PostgresDSN(t)) // skips, or fails in CI, when unreachable
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("search_path") // the run's databases, not the schema made for the test
	u.RawQuery = q.Encode()
	pg := standalonePG{base: u, host: u.Hostname(), port: u.Port(), user: u.User.Username()}
	pg.password, _ = u.User.Password()
	if pg.port == "" {
		pg.port = "5432"
	}
	return pg
}

// url is a DSN of database name on the server.
func (pg standalonePG) url(name string) string {
	u := *pg.base
	u.Path = "/" + name
	return u.String()
}

// urlAs is the URL of database name as role (trust authentication here).
func (pg standalonePG) urlAs(role, name string) string {
	u := *pg.base
	u.User = url.User(role)
	u.Path = "/" + name
	return u.String()
}

// toolEnv is temporal-sql-tool's environment: the password, as compose gives
// it (SQL_PASSWORD), off the command line.
func (pg standalonePG) toolEnv() []string {
	env := []string{"HOME=" + os.TempDir()}
	if pg.password != "" {
		env = append(env, "SQL_PASSWORD="+pg.password)
	}
	return env
}

func (pg standalonePG) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.base.String())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// create makes database name; names are made by the test from hex digits and
// underscores, safe to splice into DDL.
func (pg standalonePG) create(t *testing.T, name string) {
	t.Helper()
	if err := pg.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
}

// drop drops the databases, forcing off connections a killed process left.
func (pg standalonePG) drop(t *testing.T, names ...string) {
	for _, name := range names {
		if err := pg.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	}
}
