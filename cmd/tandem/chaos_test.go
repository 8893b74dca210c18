package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDevSurvivesRandomKills is the fault test: while a driver creates
// campaigns and decides their tasks, each request with an Idempotency-Key and
// each lost answer retried with the same key, `tandem dev` is SIGKILLed at
// random moments (at least ten times, for about two minutes) and started again
// on the same data directory. Afterwards every acknowledged create and decision
// exists exactly once, no task was completed twice, no answer was a 500, and
// `tandem audit verify` passes, and every decision answered has its audit
// entry, written with the records it changed.
//
// The seed is printed; TANDEM_CHAOS_SEED replays the same choices of actions and
// kill delays (the timing of a machine is not replayable, the choices are).
// TANDEM_CHAOS_DURATION changes how long it runs (default 2m).
func TestDevSurvivesRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tandem binary for about two minutes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TANDEM_CHAOS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TANDEM_CHAOS_SEED: %v", err)
		}
	}
	duration := 2 * time.Minute
	if s := os.Getenv("TANDEM_CHAOS_DURATION"); s != "" {
		var err error
		if duration, err = time.ParseDuration(s); err != nil {
			t.Fatalf("TANDEM_CHAOS_DURATION: %v", err)
		}
	}
	const minKills = 10
	t.Logf("seed %d (replay its choices with TANDEM_CHAOS_SEED=%d)", seed, seed)

	dir := t.TempDir()
	if os.Getenv("TANDEM_CHAOS_KEEP") != "" {
		dir, _ = os.MkdirTemp("", "chaos")
		t.Logf("keeping %s", dir)
	}
	bin := filepath.Join(dir, "tandem")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, temporalPort, _ := net.SplitHostPort(freePort(t))
	dev := &devProcess{bin: bin, data: filepath.Join(dir, "data"), api: freePort(t), temporalPort: temporalPort}
	if err := dev.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.kill)
	tokens := demoTokens(t, dev.data)
	d := &driver{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 1)),
		bases: []string{"http://" + dev.api}, tokens: tokens,
		http:      &http.Client{Timeout: 20 * time.Second},
		created:   map[string]bool{},
		completed: map[string]string{},
		sent:      make(chan struct{}, 1),
	}
	d.loadTeams()

	// The killer: SIGKILL at a random moment, start again, until told to stop.
	var (
		stop, killerExited = make(chan struct{}), make(chan struct{})
		halt               = sync.OnceFunc(func() { close(stop) })
		killerErr          error
		mu                 sync.Mutex
		kills              int
	)
	go func() {
		defer close(killerExited)
		rng := rand.New(rand.NewPCG(seed, 2))
		for {
			// Half the kills at any moment, half just after a command is
			// sent (once the driver has had a second to get on), so answers
			// are lost while Tandem is in the middle of it.
			wait := time.After(time.Duration(500+rng.IntN(7500)) * time.Millisecond)
			if rng.IntN(2) == 0 {
				time.Sleep(time.Second)
				wait = nil
				drain(d.sent)
			}
			select {
			case <-stop:
				return
			case <-wait:
			case <-d.sent:
				time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			}
			dev.kill()
			mu.Lock()
			kills++
			mu.Unlock()
			if killerErr = dev.start(); killerErr != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { halt(); <-killerExited }) // before dev.kill: cleanups run last first

	deadline := time.Now().Add(duration)
	for {
		mu.Lock()
		n := kills
		mu.Unlock()
		if (time.Now().After(deadline) && n >= minKills) || t.Failed() {
			break
		}
		select {
		case <-killerExited:
			t.Fatalf("after %d kills: %v", n, killerErr)
		default:
		}
		d.step()
	}
	halt()
	<-killerExited
	if killerErr != nil {
		t.Fatal(killerErr)
	}
	t.Logf("%d kills; %d campaigns created, %d tasks completed, %d answers lost and retried, %d answered 202, %d replays checked, %d throttled",
		kills, len(d.created), len(d.completed), d.lost, d.accepted, d.replays, d.throttled)
	if len(d.completed) == 0 {
		t.Fatal("no task was completed: the test decided nothing")
	}

	d.verify()
	dev.kill()
	out, err := exec.Command(bin, "audit", "verify", "--db", filepath.Join(dev.data, "tandem.db")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit trail intact") {
		t.Errorf("tandem audit verify: %v\n%s", err, out)
	}
	d.checkAudited(filepath.Join(dev.data, "tandem.db"))
	if t.Failed() {
		t.Logf("seed %d: replay with TANDEM_CHAOS_SEED=%d", seed, seed)
	}
}

// devProcess is one `tandem dev` on a fixed data directory and fixed ports, so
// a client sees the same server come back after a kill.
type devProcess struct {
	bin, data, api, temporalPort string
	cmd                          *exec.Cmd
}

func (p *devProcess) start() error {
	cmd := exec.Command(p.bin, "dev", "--data-dir", p.data, "--http", p.api, "--temporal-port", p.temporalPort, "--ui-port", "-1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd = cmd
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Tandem dev is ready") {
				ready <- true
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
		return nil
	case <-time.After(90 * time.Second):
		p.kill()
		return fmt.Errorf("tandem dev did not become ready after a restart; its log ends:\n%s", tail(stderr.String(), 3000))
	}
}

// kill sends SIGKILL: no shutdown, no flush.
func (p *devProcess) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// drain empties ch of a notification sent before anyone was listening.
func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// driver acts as people would: it creates campaigns and decides their tasks,
// each intended action with its own Idempotency-Key, sent again with the same
// key until it has an answer.
type driver struct {
	t      *testing.T
	seed   uint64
	rng    *rand.Rand
	bases  []string // the APIs' base URLs: each request goes to the next in turn
	turn   int
	tokens map[string]string
	http   *http.Client
	team   map[string]string // a member of each team, who can take its work

	created   map[string]bool   // campaigns whose create was acknowledged
	completed map[string]string // task ID → the process, for each acknowledged completion
	creates   int

	lost, accepted, replays, throttled int

	sent chan struct{} // told, without blocking, each time a command goes out
}

// answer is what a request finally got, once no longer lost.
type answer struct {
	status     int
	body       []byte
	replayed   bool
	retryAfter time.Duration
}

// send sends one intended action until it is answered: a dropped connection or
// a 503 (Tandem restarting, nothing admitted) is retried with the same key, a
// 202 is followed to its outcome on the status URL. Any other 5xx fails the test.
func (d *driver) send(who, method, path, key, body string) answer {
	d.t.Helper()
	giveUp := time.Now().Add(3 * time.Minute)
	for {
		a, err := d.once(who, method, d.next()+"/api/v1"+path, key, body)
		switch {
		case time.Now().After(giveUp):
			d.t.Fatalf("%s %s as %s: no answer for 3 minutes (last: %v, %d)", method, path, who, err, a.status)
		case err != nil || a.status == http.StatusServiceUnavailable:
			d.lost++
			time.Sleep(200 * time.Millisecond)
			continue
		case a.status == http.StatusTooManyRequests: // as a client should: wait as told
			d.throttled++
			time.Sleep(a.retryAfter)
			continue
		case a.status == http.StatusAccepted && method != http.MethodGet:
			d.accepted++
			var pending struct{ URL string }
			if err := json.Unmarshal(a.body, &pending); err != nil || pending.URL == "" {
				d.t.Fatalf("%s %s: a 202 without a status url: %s", method, path, a.body)
			}
			return d.follow(who, pending.URL, giveUp)
		case a.status >= 500:
			d.t.Errorf("%s %s as %s answered %d: %s", method, path, who, a.status, a.body)
		}
		return a
	}
}

// follow polls a command's status URL until it has the command's outcome.
func (d *driver) follow(who, url string, giveUp time.Time) answer {
	for {
		a, err := d.once(who, http.MethodGet, d.absolute(url), "", "")
		switch {
		case time.Now().After(giveUp):
			d.t.Fatalf("GET %s: still no outcome after 3 minutes (last: %v, %d)", url, err, a.status)
		case err != nil || a.status == http.StatusServiceUnavailable || a.status == http.StatusAccepted || a.status == http.StatusTooManyRequests:
			time.Sleep(200 * time.Millisecond)
			continue
		case a.status >= 500:
			d.t.Errorf("GET %s answered %d: %s", url, a.status, a.body)
		}
		return a
	}
}

func (d *driver) absolute(url string) string {
	if strings.HasPrefix(url, "/") {
		return d.next() + url
	}
	return url
}

// next is the API the next request goes to. With several, a retry of a lost
// answer and the poll of a status URL go to another API than the first try,
// so the keys and the commands' outcomes must be shared through the database.
func (d *driver) next() string {
	b := d.bases[d.turn%len(d.bases)]
	d.turn++
	return b
}

func (d *driver) once(who, method, url, key, body string) (answer, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.tokens[who])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
		select {
		case d.sent <- struct{}{}:
		default:
		}
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{status: resp.StatusCode}, err
	}
	a := answer{status: resp.StatusCode, body: raw, replayed: resp.Header.Get("Idempotent-Replayed") == "true", retryAfter: time.Second}
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		a.retryAfter = time.Duration(n) * time.Second
	}
	return a, nil
}

// get reads as pat (who sees every campaign she runs) and decodes a 200.
func (d *driver) get(path string, out any) {
	d.t.Helper()
	a := d.send("pat", http.MethodGet, path, "", "")
	if a.status != http.StatusOK {
		d.t.Fatalf("GET %s: %d %s", path, a.status, a.body)
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		d.t.Fatalf("GET %s: %v", path, err)
	}
}

func (d *driver) loadTeams() {
	var people struct {
		Items []struct{ Handle, Team string }
	}
	d.get("/people?limit=200", &people)
	d.team = map[string]string{}
	for _, p := range people.Items {
		if _, ok := d.team[p.Team]; !ok {
			d.team[p.Team] = p.Handle
		}
	}
}

// step does one thing: mostly decide an open task, sometimes start a campaign.
func (d *driver) step() {
	if len(d.created) < 2 || d.rng.IntN(8) == 0 {
		d.create()
		return
	}
	var open struct{ Items []chaosTask }
	d.get("/tasks?status=open&limit=200", &open)
	var choices []chaosTask
	for _, tk := range open.Items {
		if d.created[tk.ProcessID] && tk.Status == "open" && d.completed[tk.ID] == "" && d.decidable(tk) {
			choices = append(choices, tk)
		}
	}
	if len(choices) == 0 { // the records have not caught up yet, or all is done
		time.Sleep(200 * time.Millisecond)
		return
	}
	d.complete(choices[d.rng.IntN(len(choices))])
}

type chaosTask struct {
	ID         string `json:"id"`
	ProcessID  string `json:"process_id"`
	WorkflowID string `json:"workflow_id"`
	Key        string `json:"key"`
	Team       string `json:"team"`
	Assignee   string `json:"assignee"`
	Status     string `json:"status"`
}

// decidable: the brief review and the deliverables, the tasks that need no
// typed data to complete.
func (d *driver) decidable(tk chaosTask) bool {
	return tk.Key == "brief_review" || strings.HasPrefix(tk.Key, "deliverable:")
}

func (d *driver) create() {
	d.creates++
	key := fmt.Sprintf("chaos-%d-create-%d", d.seed, d.creates)
	body := fmt.Sprintf(`{"name":"Chaos %d #%d","objective":"o","audience":"a",
		"channels":["email"],"budget":{"amount":1000,"currency":"EUR"},"launch_at":%q,
		"kpis":[{"name":"signups","target":10,"unit":"signups","direction":"higher"}],
		"project_manager":"pat","marketing_ops_manager":"maya"}`,
		d.seed, d.creates, time.Now().UTC().Add(30*24*time.Hour).Format(time.RFC3339))
	a := d.send("pat", http.MethodPost, "/campaigns", key, body)
	if a.status != http.StatusCreated && a.status != http.StatusOK {
		d.t.Fatalf("create #%d: %d %s", d.creates, a.status, a.body)
	}
	var c struct{ ID string }
	if err := json.Unmarshal(a.body, &c); err != nil || c.ID == "" {
		d.t.Fatalf("create #%d: no id in %s", d.creates, a.body)
	}
	if d.created[c.ID] {
		d.t.Fatalf("create #%d answered campaign %s, which an earlier create with another key made", d.creates, c.ID)
	}
	d.created[c.ID] = true
}

func (d *driver) complete(tk chaosTask) {
	who, body := tk.Assignee, `{"outcome":"done"}`
	if tk.Key == "brief_review" {
		body = `{"outcome":"approved"}`
	}
	if who == "" {
		who = d.team[tk.Team]
	}
	key := fmt.Sprintf("chaos-%d-task-%s", d.seed, tk.ID)
	path := "/tasks/" + tk.ID + "/complete"
	a := d.send(who, http.MethodPost, path, key, body)
	if a.status != http.StatusOK {
		d.t.Errorf("%s completing %s (%s of %s) at %s: %d %s", who, tk.ID, tk.Key, tk.ProcessID, time.Now().Format(time.StampMilli), a.status, a.body)
		d.completed[tk.ID] = "refused"
		return
	}
	d.completed[tk.ID] = tk.ProcessID
	// Now and then the same decision again, as a client whose answer was lost
	// would: the same outcome, marked as a replay, and nothing applied twice.
	if d.rng.IntN(4) == 0 {
		d.replays++
		again := d.send(who, http.MethodPost, path, key, body)
		if again.status != http.StatusOK || !again.replayed {
			d.t.Errorf("the same completion of %s again: %d (replayed %v) %s, want 200 marked Idempotent-Replayed", tk.ID, again.status, again.replayed, again.body)
		}
	}
}

// verify checks, once the records have caught up, that every acknowledged
// create exists once and every acknowledged completion happened exactly once.
func (d *driver) verify() {
	d.t.Helper()
	prefix := fmt.Sprintf("Chaos %d #", d.seed)
	var problems []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Second) {
		problems = d.problems(prefix)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range problems {
		d.t.Error(p)
	}
}

// checkAudited checks that every completion answered has its audit entry,
// once: the one its process wrote with the task's records (it has a command
// ID), whatever moment a kill interrupted, between the update and its answer
// included.
func (d *driver) checkAudited(dbFile string) {
	d.t.Helper()
	db, err := sql.Open("sqlite", dbFile)
	if err != nil {
		d.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT object, count(*) FROM audit_log
		WHERE action = 'POST /api/v1/tasks/:id/complete' AND outcome = 'allowed' AND command_id IS NOT NULL GROUP BY object`)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	entries := map[string]int{}
	for rows.Next() {
		var task string
		var n int
		if err := rows.Scan(&task, &n); err != nil {
			d.t.Fatal(err)
		}
		entries[task] = n
	}
	if err := rows.Err(); err != nil {
		d.t.Fatal(err)
	}
	for task, process := range d.completed {
		if process != "refused" && entries[task] != 1 {
			d.t.Errorf("task %s of %s: its completion was answered, and the audit trail has %d entries of it applied, want 1", task, process, entries[task])
		}
	}
}

func (d *driver) problems(prefix string) []string {
	var problems []string
	type campaign struct {
		ID    string
		Brief struct{ Name string }
	}
	var all []campaign
	for cursor := ""; ; {
		var page struct {
			Items      []campaign
			NextCursor string `json:"next_cursor"`
		}
		d.get("/campaigns?limit=200&cursor="+url.QueryEscape(cursor), &page)
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	seen := map[string]int{}
	for _, c := range all {
		name := c.Brief.Name
		if strings.HasPrefix(name, prefix) {
			seen[name]++
			if !d.created[c.ID] {
				problems = append(problems, fmt.Sprintf("campaign %s (%s) exists but no create answered it", c.ID, name))
			}
		}
	}
	if len(seen) != len(d.created) {
		problems = append(problems, fmt.Sprintf("%d campaigns of this run exist, %d creates were acknowledged", len(seen), len(d.created)))
	}
	for name, n := range seen {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("campaign %q exists %d times", name, n))
		}
	}
	for id := range d.created {
		var timeline struct {
			Items []struct {
				Kind   string
				TaskID string `json:"task_id"`
			}
		}
		a := d.send("pat", http.MethodGet, "/campaigns/"+id+"/timeline?limit=200", "", "")
		if a.status != http.StatusOK || json.Unmarshal(a.body, &timeline) != nil {
			problems = append(problems, fmt.Sprintf("campaign %s, whose create was answered: its timeline answers %d %s", id, a.status, a.body))
			continue
		}
		done := map[string]int{}
		for _, e := range timeline.Items {
			if e.Kind == "task_completed" {
				done[e.TaskID]++
			}
		}
		for task, n := range done {
			if n > 1 {
				problems = append(problems, fmt.Sprintf("task %s of %s was completed %d times", task, id, n))
			}
			if d.completed[task] == "" {
				problems = append(problems, fmt.Sprintf("task %s of %s is completed, but no completion of it was answered", task, id))
			}
		}
		for task, process := range d.completed {
			if process == id && done[task] != 1 {
				problems = append(problems, fmt.Sprintf("task %s of %s: its completion was answered, the timeline has it %d times", task, id, done[task]))
			}
		}
	}
	return problems
}
