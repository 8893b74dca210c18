package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/store"
)

// TargetInboxP99 is the target for the inbox query at a million tasks.
const TargetInboxP99 = 5 * time.Millisecond

// InboxOptions configures the inbox part.
type InboxOptions struct {
	// DSN is a postgres:// URL. The part makes a schema of its own there, which
	// it drops at the end: nothing else in the database is read or written.
	DSN string
	// Sizes are the numbers of tasks measured at, reached one after the other by
	// adding tasks (so ascending).
	Sizes []int
	// People is how many people the tasks are spread over; default 2000.
	People int
	// Requests is how many requests of each query are timed at each size, after
	// Warmup untimed ones.
	Requests, Warmup int
	// Processes is how many active campaigns the plan pages (plan.go) are
	// measured with; default 10,000.
	Processes int
}

// Inbox is the inbox query through the API on PostgreSQL at several table sizes.
type Inbox struct {
	// Server is PostgreSQL's version and where it is (no credentials), Settings
	// the settings that matter most to these plans.
	Server       string       `json:"server"`
	Settings     string       `json:"settings"`
	Schema       string       `json:"schema"`
	People       int          `json:"people"`
	Distribution string       `json:"distribution"`
	Requests     int          `json:"requests_per_query"`
	Seeding      []InboxSeed  `json:"seeding"`
	Results      []InboxQuery `json:"results"`
	TargetP99    float64      `json:"target_p99_ms"`
	// Plan is the plan pages at each size (plan.go), on the same tables.
	PlanDistribution string     `json:"plan_distribution"`
	Plan             []PlanPage `json:"plan_pages"`
	PlanTarget       float64    `json:"plan_target_ms"`
	// Board is the board pages at each size (boardpages.go), on the same tables.
	BoardDistribution string     `json:"board_distribution"`
	Board             []PlanPage `json:"board_pages"`
	BoardTarget       float64    `json:"board_target_ms"`
}

// InboxSeed is how long adding tasks up to Tasks took, the vacuum and analyze
// after it included.
type InboxSeed struct {
	Tasks   int     `json:"tasks"`
	Added   int     `json:"added"`
	Seconds float64 `json:"seconds"`
}

// InboxQuery is one inbox query at one table size: its latency through the API
// (authentication included, over loopback HTTP) and the plan of the SQL the store
// sent for it.
type InboxQuery struct {
	Tasks    int     `json:"tasks"`
	Query    string  `json:"query"`
	Caller   string  `json:"caller"`
	Matching int     `json:"matching_rows"`
	Returned int     `json:"returned"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	// SQL is the statement the store sent, as PostgreSQL saw it; Args its
	// parameters, in order.
	SQL  string   `json:"sql"`
	Args []string `json:"args"`
	// Plan is EXPLAIN (ANALYZE, BUFFERS) of SQL, run as the store's prepared
	// statement would be after its first five executions (when PostgreSQL may
	// switch to a generic plan). The fields below are read from it.
	Plan        string   `json:"plan"`
	Shape       string   `json:"plan_shape"`
	Indexes     []string `json:"indexes"`
	SeqScan     bool     `json:"seq_scan"`
	SortedRows  int      `json:"sorted_rows"`
	ScannedRows int      `json:"scanned_rows"`
	ExecutionMs float64  `json:"execution_ms"`
}

// inboxTeams pairs each team with the role its people hold in the seeded directory.
var inboxTeams = []struct {
	team domain.Team
	role domain.Role
}{
	{domain.TeamPMO, domain.RoleProjectManager}, {domain.TeamMarketingOps, domain.RoleMarketingOpsManager},
	{domain.TeamCreative, domain.RoleCreative}, {domain.TeamContent, domain.RoleContent},
	{domain.TeamWeb, domain.RoleWeb}, {domain.TeamAnalytics, domain.RoleAnalytics},
	{domain.TeamLegal, domain.RoleLegal}, {domain.TeamFinance, domain.RoleFinance},
	{domain.TeamHR, domain.RoleHR}, {domain.TeamLeadership, domain.RoleDirector},
}

const inboxDistribution = `%d people, p00001…, in 10 teams by turn (p00001 in pmo, p00002 in marketing-ops, …). ` +
	`Each task's assignee is person 1 + floor(people × u²), u uniform: a few people hold many tasks ` +
	`(p00001 about 1/√people of them), most hold few; the task's team and role are its assignee's. ` +
	`Created uniformly over the last 730 days. Tasks older than 30 days are closed ` +
	`(92%% done, 5%% cancelled, 3%% expired); of the newer ones 60%% are open, the rest done: ` +
	`about 2.5%% of all tasks are open. Random with a fixed seed, so every run seeds the same rows.`

// seedPeopleSQL and seedRolesSQL make the directory: $1 people, team and role by turn.
const (
	seedPeopleSQL = `
INSERT INTO people (handle, name, email, team, manager, created_at, updated_at)
SELECT 'p' || lpad(g::text, 5, '0'), 'Bench person ' || g, 'p' || g || '@bench.example',
       ($2::text[])[1 + (g - 1) % cardinality($2::text[])], '', now(), now()
FROM generate_series(1, $1::int) g`
	seedRolesSQL = `
INSERT INTO person_roles (handle, role, position)
SELECT 'p' || lpad(g::text, 5, '0'), ($2::text[])[1 + (g - 1) % cardinality($2::text[])], 0
FROM generate_series(1, $1::int) g`
)

// seedTasksSQL adds tasks $1 to $2 over $3 people, as inboxDistribution says,
// shaped like the rows the workflows write (six tasks to a campaign).
const seedTasksSQL = `
INSERT INTO tasks (id, process, process_id, workflow_id, kind, task_key, title, description,
                   team, role, assignee, requested_by, status, due_at, escalation_level, outcome,
                   comment, completed_by, on_behalf_of, completed_at, data, created_at, updated_at, estimate_hours)
SELECT 'tsk_bench_' || lpad(to_hex(g), 12, '0'),
       'campaign', 'cmp_bench_' || lpad(to_hex(g / 6), 12, '0'), 'campaign/cmp_bench_' || lpad(to_hex(g / 6), 12, '0'),
       (ARRAY['work', 'approval', 'review', 'acknowledge'])[1 + g % 4], 'deliverable:' || g % 6,
       'Bench task ' || g, 'A task the bench made to fill the inbox, as long as a short real description.',
       ($4::text[])[1 + (who - 1) % cardinality($4::text[])], ($5::text[])[1 + (who - 1) % cardinality($5::text[])],
       'p' || lpad(who::text, 5, '0'), 'p' || lpad((1 + (g * 7919) % $3::int)::text, 5, '0'),
       status, created + interval '3 days', 0,
       CASE status WHEN 'done' THEN 'approved' ELSE '' END, '',
       CASE status WHEN 'done' THEN 'p' || lpad(who::text, 5, '0') ELSE '' END, '',
       CASE WHEN status <> 'open' THEN created + interval '1 day' END,
       'null'::jsonb, created, created + CASE WHEN status <> 'open' THEN interval '1 day' ELSE interval '0' END,
       (ARRAY[2, 4, 8, 16])[1 + g % 4]
FROM (
    SELECT g, who, created,
           CASE WHEN created > now() - interval '30 days' THEN CASE WHEN r < 0.6 THEN 'open' ELSE 'done' END
                WHEN r < 0.92 THEN 'done' WHEN r < 0.97 THEN 'cancelled' ELSE 'expired' END AS status
    FROM (
        SELECT g, 1 + floor($3::int * power(random(), 2))::int AS who,
               now() - random() * interval '730 days' AS created, random() AS r
        FROM generate_series($1::bigint, $2::bigint) g
    ) u
) s`

// measureInbox seeds a schema of its own in steps up to each size and measures the
// inbox queries through the real API handler at each, then drops the schema.
func measureInbox(ctx context.Context, opts InboxOptions, progress io.Writer, logger *slog.Logger) (res *Inbox, err error) {
	if opts.People <= 0 {
		opts.People = 2000
	}
	if opts.Requests <= 0 {
		opts.Requests = 200
	}
	if opts.Processes <= 0 {
		opts.Processes = defaultProcesses
	}
	sizes := slices.Sorted(slices.Values(opts.Sizes))
	if len(sizes) == 0 || sizes[0] < 1 {
		return nil, errors.New("bench: the inbox needs positive sizes")
	}
	base, err := url.Parse(opts.DSN)
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		return nil, errors.New("bench: --inbox-db must be a postgres:// URL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tandem_bench_" + hex.EncodeToString(b) // hex digits only: safe to splice into DDL
	appName := schema + "_api"
	res = &Inbox{
		Schema: schema, People: opts.People, Requests: opts.Requests, TargetP99: ms(TargetInboxP99),
		Distribution:     fmt.Sprintf(inboxDistribution, opts.People),
		PlanDistribution: fmt.Sprintf(planDistribution, opts.Processes), PlanTarget: ms(TargetPlanPage),
		BoardDistribution: fmt.Sprintf(boardDistribution, boardHiring, boardRisks), BoardTarget: ms(TargetBoardPage),
	}

	conn, err := pgx.Connect(ctx, opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("inbox: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version, settings string
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version'),
		format('shared_buffers %s, work_mem %s, random_page_cost %s, effective_cache_size %s',
		       current_setting('shared_buffers'), current_setting('work_mem'),
		       current_setting('random_page_cost'), current_setting('effective_cache_size'))`).Scan(&version, &settings); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	res.Server = fmt.Sprintf("PostgreSQL %s at %s%s", version, base.Host, base.Path)
	res.Settings = settings
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("inbox: create schema: %w", err)
	}
	defer func() {
		// Dropped even when the run was interrupted.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, dropErr := conn.Exec(dctx, "DROP SCHEMA "+schema+" CASCADE"); dropErr != nil && err == nil {
			err = fmt.Errorf("inbox: drop schema %s: %w", schema, dropErr)
		}
	}()
	// This session seeds: its indexes are built with more memory than the default.
	if _, err := conn.Exec(ctx, "SET search_path TO "+schema+"; SET maintenance_work_mem = '256MB'"); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}

	st, err := store.Open(ctx, withParams(*base, "search_path", schema, "application_name", appName))
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	var teams, roles []string
	for _, t := range inboxTeams {
		teams, roles = append(teams, string(t.team)), append(roles, string(t.role))
	}
	if _, err := conn.Exec(ctx, seedPeopleSQL, opts.People, teams); err != nil {
		return nil, fmt.Errorf("inbox: seed people: %w", err)
	}
	if _, err := conn.Exec(ctx, seedRolesSQL, opts.People, roles); err != nil {
		return nil, fmt.Errorf("inbox: seed people: %w", err)
	}
	if _, err := conn.Exec(ctx, seedCampaignsSQL, opts.Processes, opts.People); err != nil {
		return nil, fmt.Errorf("inbox: seed campaigns: %w", err)
	}
	if err := seedBoard(ctx, conn, opts.People, teams, roles); err != nil {
		return nil, err
	}
	for _, table := range []string{"campaigns", "people"} {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+table); err != nil {
			return nil, fmt.Errorf("inbox: vacuum %s: %w", table, err)
		}
	}
	// The busiest and the quietest person: the two ends of ?assignee=me. The
	// busiest asks for the team's tasks too.
	busiest, quietest := "p00001", fmt.Sprintf("p%05d", opts.People)
	tokens := map[string]string{}
	for _, who := range []string{busiest, quietest} {
		if tokens[who], err = st.CreateToken(ctx, who, "bench"); err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
	}
	// The API as every process serves it, without Temporal: the inbox is a read.
	// The plan pages' requests are timed inside the server (serverTimer).
	handler := newServerTimer(wiring.Handler(nil, wiring.Config{Logger: logger, Records: st, API: wiring.API{Policy: domain.DefaultPolicy(), RateLimit: unlimited}}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	httpSrv := api.NewHTTPServer(ln.Addr().String(), handler)
	go func() { _ = httpSrv.Serve(ln) }()
	defer httpSrv.Close()
	h := newHTTPClient("http://"+ln.Addr().String(), tokens)
	// The busiest person is a project manager, who reads reports: the board's
	// pages are theirs, through a board session.
	session, err := h.boardSession(ctx, busiest)
	if err != nil {
		return nil, err
	}

	// Fixed seed: the same rows every run, batch by batch.
	if _, err := conn.Exec(ctx, "SELECT setseed(0.42)"); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	seeded := 0
	for _, size := range sizes {
		if size > seeded {
			step, err := seedTasks(ctx, conn, seeded, size, opts.People, teams, roles, progress)
			if err != nil {
				return nil, err
			}
			res.Seeding = append(res.Seeding, step)
			seeded = size
		}
		var team string
		if err := conn.QueryRow(ctx, "SELECT team FROM tasks GROUP BY team ORDER BY count(*) DESC, team LIMIT 1").Scan(&team); err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		queries := []inboxQuery{
			{"?assignee=me", busiest, map[string]string{"assignee": busiest}},
			{"?assignee=me", quietest, map[string]string{"assignee": quietest}},
			{"?assignee=me&status=open", busiest, map[string]string{"assignee": busiest, "status": "open"}},
			{"?assignee=me&status=open", quietest, map[string]string{"assignee": quietest, "status": "open"}},
			{"?team=" + team, busiest, map[string]string{"team": team}},
			{"?team=" + team + "&status=open", busiest, map[string]string{"team": team, "status": "open"}},
		}
		results := make([]InboxQuery, len(queries))
		for i, q := range queries {
			results[i] = InboxQuery{Tasks: size, Query: "GET /api/v1/tasks" + q.query, Caller: q.caller}
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM tasks WHERE ($1 = '' OR assignee = $1) AND ($2 = '' OR team = $2) AND ($3 = '' OR status = $3)",
				q.filter["assignee"], q.filter["team"], q.filter["status"]).Scan(&results[i].Matching); err != nil {
				return nil, fmt.Errorf("inbox: %w", err)
			}
		}
		if err := timeInbox(ctx, h, queries, opts, results, progress); err != nil {
			return nil, err
		}
		for i, q := range queries {
			// Once more, so the store's last statement on tasks is this query's.
			if err := h.call(ctx, q.caller, http.MethodGet, q.path(), nil, http.StatusOK, nil); err != nil {
				return nil, fmt.Errorf("inbox: %w", err)
			}
			if err := explainInbox(ctx, conn, appName, q.filter, &results[i]); err != nil {
				return nil, err
			}
		}
		res.Results = append(res.Results, results...)
		plan, err := measurePlan(ctx, st, h, handler, session, busiest, size, opts.Processes, opts, progress)
		if err != nil {
			return nil, err
		}
		res.Plan = append(res.Plan, plan...)
		board, err := measureBoard(ctx, h, handler, session, busiest, size, opts.Processes, opts, progress)
		if err != nil {
			return nil, err
		}
		res.Board = append(res.Board, board...)
	}
	return res, nil
}

// withParams returns u with query parameters set, as a string.
func withParams(u url.URL, kv ...string) string {
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// seedTasks adds tasks from+1 to to in batches, with the table's secondary indexes
// dropped meanwhile and made again afterwards from their own definitions (a bulk
// load is several times faster so), then vacuums and analyzes the table, as
// autovacuum would have by the time such a table is queried.
func seedTasks(ctx context.Context, conn *pgx.Conn, from, to, people int, teams, roles []string, progress io.Writer) (InboxSeed, error) {
	const batch = 100_000
	started := time.Now()
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'tasks' AND indexname <> 'tasks_pkey'`)
	if err != nil {
		return InboxSeed{}, fmt.Errorf("inbox: list indexes: %w", err)
	}
	type index struct{ Name, Def string }
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return InboxSeed{}, fmt.Errorf("inbox: list indexes: %w", err)
	}
	for _, ix := range indexes {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{ix.Name}.Sanitize()); err != nil {
			return InboxSeed{}, fmt.Errorf("inbox: drop index %s: %w", ix.Name, err)
		}
	}
	for lo := from + 1; lo <= to; lo += batch {
		hi := min(lo+batch-1, to)
		fmt.Fprintf(progress, "\r  %-50s %d/%d", "inbox: seeding tasks", hi, to)
		if _, err := conn.Exec(ctx, seedTasksSQL, lo, hi, people, teams, roles); err != nil {
			fmt.Fprintln(progress)
			return InboxSeed{}, fmt.Errorf("inbox: seed tasks %d-%d: %w", lo, hi, err)
		}
	}
	fmt.Fprintf(progress, " (%s); %d indexes", time.Since(started).Round(time.Millisecond), len(indexes))
	for _, ix := range indexes {
		if _, err := conn.Exec(ctx, ix.Def); err != nil {
			fmt.Fprintln(progress)
			return InboxSeed{}, fmt.Errorf("inbox: %s: %w", ix.Def, err)
		}
	}
	fmt.Fprintf(progress, ", vacuum analyze")
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) tasks"); err != nil {
		fmt.Fprintln(progress)
		return InboxSeed{}, fmt.Errorf("inbox: vacuum: %w", err)
	}
	// The load leaves the new rows dirty in the buffers; without a checkpoint now,
	// PostgreSQL writes them out while the requests are timed, and the p99 measures
	// that instead of the inbox. Needs superuser or pg_checkpoint; without it the
	// run goes on and says so.
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintf(progress, ", no checkpoint (%v)", err)
	} else {
		fmt.Fprintf(progress, ", checkpoint")
	}
	fmt.Fprintf(progress, " (%s in all)\n", time.Since(started).Round(time.Millisecond))
	return InboxSeed{Tasks: to, Added: to - from, Seconds: time.Since(started).Seconds()}, nil
}

// inboxQuery is one inbox request: the query string, who asks, and the filter
// the store should make of it.
type inboxQuery struct {
	query, caller string
	filter        map[string]string
}

func (q inboxQuery) path() string { return "/api/v1/tasks" + q.query }

// timeInbox counts the items of each query's page, warms each up, then times
// opts.Requests rounds of every query, one request at a time. The queries take
// turns, so a burst of load from elsewhere on the machine falls on all of them
// alike instead of on whichever was being timed.
func timeInbox(ctx context.Context, h *httpClient, queries []inboxQuery, opts InboxOptions, results []InboxQuery, w io.Writer) error {
	latencies := make([][]time.Duration, len(queries))
	for i, q := range queries {
		var page struct{ Items []json.RawMessage }
		if err := h.call(ctx, q.caller, http.MethodGet, q.path(), nil, http.StatusOK, &page); err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
		results[i].Returned = len(page.Items)
		for range opts.Warmup {
			if err := h.call(ctx, q.caller, http.MethodGet, q.path(), nil, http.StatusOK, nil); err != nil {
				return fmt.Errorf("inbox: %w", err)
			}
		}
		latencies[i] = make([]time.Duration, 0, opts.Requests)
	}
	var done atomic.Int64
	stop := progress(w, fmt.Sprintf("inbox at %d tasks: %d queries, rounds", results[0].Tasks, len(queries)), &done, opts.Requests)
	defer stop()
	for range opts.Requests {
		for i, q := range queries {
			t := time.Now()
			if err := h.call(ctx, q.caller, http.MethodGet, q.path(), nil, http.StatusOK, nil); err != nil {
				return fmt.Errorf("inbox: %w", err)
			}
			latencies[i] = append(latencies[i], time.Since(t))
		}
		done.Add(1)
	}
	for i := range queries {
		slices.Sort(latencies[i])
		r := &results[i]
		r.P50, r.P95, r.P99 = ms(percentile(latencies[i], 50)), ms(percentile(latencies[i], 95)), ms(percentile(latencies[i], 99))
	}
	return nil
}

var (
	placeholderRE = regexp.MustCompile(`"?(\w+)"?\s*=\s*\$(\d+)`)
	limitRE       = regexp.MustCompile(`(?i)LIMIT\s+\$(\d+)`)
)

// explainInbox finds the SQL the store's connections (application name app) ran
// last on the tasks table, binds the filter's values to its parameters and runs
// EXPLAIN (ANALYZE, BUFFERS) of it on conn: the plan of the very statement the
// API's query used, not of a copy written here.
func explainInbox(ctx context.Context, conn *pgx.Conn, app string, filter map[string]string, r *InboxQuery) error {
	err := conn.QueryRow(ctx, `SELECT query FROM pg_stat_activity
		WHERE application_name = $1 AND query LIKE 'SELECT % FROM "tasks" WHERE %'
		ORDER BY state_change DESC LIMIT 1`, app).Scan(&r.SQL)
	if err != nil {
		return fmt.Errorf("inbox: find the store's query on tasks in pg_stat_activity: %w", err)
	}
	args := map[int]string{}
	for _, m := range placeholderRE.FindAllStringSubmatch(r.SQL, -1) {
		v, ok := filter[m[1]]
		if !ok {
			return fmt.Errorf("inbox: the store's query %q filters on %s, which this query does not set", r.SQL, m[1])
		}
		n, _ := strconv.Atoi(m[2])
		args[n] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	if m := limitRE.FindStringSubmatch(r.SQL); m != nil {
		n, _ := strconv.Atoi(m[1])
		args[n] = strconv.Itoa(domain.DefaultLimit + 1)
	}
	r.Args = make([]string, len(args))
	for n, v := range args {
		if n < 1 || n > len(args) {
			return fmt.Errorf("inbox: cannot bind the parameters of %q", r.SQL)
		}
		r.Args[n-1] = v
	}
	if len(filter) != len(args)-btoi(limitRE.MatchString(r.SQL)) {
		return fmt.Errorf("inbox: the store's query %q is not the one for %v", r.SQL, filter)
	}

	if _, err := conn.Exec(ctx, "PREPARE bench_inbox AS "+r.SQL); err != nil {
		return fmt.Errorf("inbox: prepare %q: %w", r.SQL, err)
	}
	defer conn.Exec(ctx, "DEALLOCATE bench_inbox") //nolint:errcheck // the connection is closed soon anyway
	execute := "EXECUTE bench_inbox"
	if len(r.Args) > 0 {
		execute += "(" + strings.Join(r.Args, ", ") + ")"
	}
	// As the store's connection does: the driver prepares each statement once
	// and executes it many times, and from the sixth execution PostgreSQL may
	// use a generic plan.
	for range 5 {
		if _, err := conn.Exec(ctx, execute, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("inbox: %s: %w", execute, err)
		}
	}
	var raw string
	if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+execute, pgx.QueryExecModeSimpleProtocol).Scan(&raw); err != nil {
		return fmt.Errorf("inbox: explain: %w", err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+execute, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return fmt.Errorf("inbox: explain: %w", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("inbox: explain: %w", err)
	}
	r.Plan = strings.Join(lines, "\n")
	return readPlan(raw, r)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// planNode is the part of EXPLAIN's JSON the summary reads.
type planNode struct {
	NodeType      string     `json:"Node Type"`
	IndexName     string     `json:"Index Name"`
	ActualRows    float64    `json:"Actual Rows"`
	ActualLoops   float64    `json:"Actual Loops"`
	RemovedFilter float64    `json:"Rows Removed by Filter"`
	Plans         []planNode `json:"Plans"`
}

// readPlan fills the plan's summary fields of r from EXPLAIN's JSON.
func readPlan(raw string, r *InboxQuery) error {
	var plans []struct {
		Plan          planNode `json:"Plan"`
		ExecutionTime float64  `json:"Execution Time"`
	}
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
		return fmt.Errorf("inbox: read the plan: %v", err)
	}
	r.ExecutionMs = plans[0].ExecutionTime
	var shape []string
	var walk func(n planNode)
	walk = func(n planNode) {
		step := n.NodeType
		if n.IndexName != "" {
			step += " on " + n.IndexName
			if !slices.Contains(r.Indexes, n.IndexName) {
				r.Indexes = append(r.Indexes, n.IndexName)
			}
		}
		shape = append(shape, step)
		loops := max(n.ActualLoops, 1)
		switch {
		case n.NodeType == "Seq Scan":
			r.SeqScan = true
			fallthrough
		case strings.HasSuffix(n.NodeType, "Scan") && n.NodeType != "Bitmap Index Scan":
			r.ScannedRows += int((n.ActualRows + n.RemovedFilter) * loops)
		case n.NodeType == "Sort" || n.NodeType == "Incremental Sort":
			for _, c := range n.Plans {
				r.SortedRows += int(c.ActualRows * max(c.ActualLoops, 1))
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	r.Shape = strings.Join(shape, " ← ")
	return nil
}
