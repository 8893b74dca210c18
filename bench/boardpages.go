package bench

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// The board pages (issue 21): my work, each process's board and a process's
// detail page, as the busiest person draws them, on the inbox part's tables
// and campaigns, with hiring requests and risks besides (seeded here), timed
// as server time like the plan pages (serverTimer).

// TargetBoardPage is issue 21's target for a board page's server time at
// p95, at 10,000 active processes and 1M tasks.
const TargetBoardPage = 50 * time.Millisecond

// boardHiring and boardRisks are how many hiring requests and risks the part
// seeds beside the campaigns: every hiring request active, half the risks
// live and half ended (most of a register over time is ended).
const (
	boardHiring = 1_000
	boardRisks  = 2_000
)

const boardDistribution = `the plan pages' campaigns (all in production); %d active hiring requests spread over the four ` +
	`stages; %d risks on the campaigns, half live (open, acknowledged, materialized) and half closed; one open ` +
	`task on each hiring request and each live risk, assigned by turn (never to the inbox's callers nor in pmo, p00001's team); the detail is of a campaign ` +
	`of p00001's with 12 tasks, 6 open`

// seedHiringSQL adds $1 active hiring requests over the stages, requested by
// the seeded people by turn ($2 of them), for the teams $3 by turn.
const seedHiringSQL = `
INSERT INTO hiring_requests (id, workflow_id, status, stage, step, requested_by, team, hiring_manager, round, hired,
                             reason, name, request, created_at, updated_at)
SELECT 'hir_bench_' || lpad(to_hex(g), 12, '0'), 'hiring/hir_bench_' || lpad(to_hex(g), 12, '0'), 'active',
       (ARRAY['approval', 'recruiting', 'offer', 'onboarding'])[1 + g % 4], '',
       'p' || lpad((1 + (g * 13) % $2::int)::text, 5, '0'), ($3::text[])[1 + g % cardinality($3::text[])],
       'p' || lpad((1 + (g * 13) % $2::int)::text, 5, '0'), 1, '', '', 'Bench role ' || g,
       jsonb_build_object('title', 'Bench role ' || g, 'team', ($3::text[])[1 + g % cardinality($3::text[])]),
       now() - random() * interval '180 days', now()
FROM generate_series(0, $1::int - 1) g`

// seedRisksSQL adds $1 risks on the first campaigns, owned by the seeded
// people by turn ($2 of them): the odd ones live, the even ones closed.
const seedRisksSQL = `
INSERT INTO risks (id, workflow_id, status, severity, score, owner, level, related_process, related_id, name, record,
                   created_at, updated_at)
SELECT id, 'risk/' || id, status, severity, 6, owner, 0, 'campaign', related, 'Bench risk ' || g,
       jsonb_build_object('id', id, 'workflow_id', 'risk/' || id, 'title', 'Bench risk ' || g, 'category', 'schedule',
                          'probability', 2, 'impact', 3, 'score', 6, 'severity', severity, 'owner', owner,
                          'raised_by', owner, 'related', jsonb_build_object('process', 'campaign', 'id', related),
                          'status', status, 'level', 0, 'score_history', '[]'::jsonb, 'escalations', '[]'::jsonb,
                          'created_at', created, 'updated_at', created),
       created, created
FROM (
    SELECT g, 'rsk_bench_' || lpad(to_hex(g), 12, '0') AS id,
           CASE WHEN g % 2 = 0 THEN 'closed' ELSE (ARRAY['open', 'acknowledged', 'materialized'])[1 + (g / 2) % 3] END AS status,
           (ARRAY['low', 'medium', 'high', 'critical'])[1 + g % 4] AS severity,
           'p' || lpad((1 + (g * 17) % $2::int)::text, 5, '0') AS owner,
           'cmp_bench_' || lpad(to_hex(g), 12, '0') AS related,
           now() - random() * interval '365 days' AS created
    FROM generate_series(0, $1::int - 1) g
) r`

// seedProcessTasksSQL adds one open task to each hiring request and each live
// risk, assigned to people 2 to $1-1 by turn, with that person's team $2 and
// role $3: never one of the inbox's two callers nor anyone in the first team
// (p00001's, the busiest, whose queue the inbox part times), so the inbox's
// queries answer the rows they did. A hiring task among them would also have
// the API read its request after the query (hideHiringTasks), and the inbox
// part's EXPLAIN reads the query from pg_stat_activity.
const seedProcessTasksSQL = `
INSERT INTO tasks (id, process, process_id, workflow_id, kind, task_key, title, description,
                   team, role, assignee, requested_by, status, due_at, escalation_level, outcome,
                   comment, completed_by, on_behalf_of, completed_at, data, created_at, updated_at, estimate_hours)
SELECT 'tsk_bench_' || process || '_' || row_number() OVER (), process, id, workflow_id, 'approval', 'bench:1',
       'Bench ' || process || ' task', 'A task on a seeded ' || process || '.',
       ($2::text[])[1 + (who - 1) % cardinality($2::text[])], ($3::text[])[1 + (who - 1) % cardinality($3::text[])],
       'p' || lpad(who::text, 5, '0'), 'p00001', 'open', now() + random() * interval '10 days', 0, '', '', '', '',
       NULL, 'null'::jsonb, created_at, created_at, 4
FROM (
    SELECT process, id, workflow_id, created_at,
           CASE WHEN (w - 1) % cardinality($2::text[]) = 0 THEN w - 1 ELSE w END AS who
    FROM (
        SELECT 'hiring' AS process, id, workflow_id, created_at, 2 + (hashtext(id) & 65535) % ($1::int - 2) AS w FROM hiring_requests
        UNION ALL
        SELECT 'risk', id, workflow_id, created_at, 2 + (hashtext(id) & 65535) % ($1::int - 2) FROM risks WHERE status <> 'closed'
    ) a
) p`

// seedDetailSQL adds the campaign whose detail page is timed (boardDetail:
// the seeded campaigns' IDs are not ones the API takes), run by p00001, in
// production, with twelve tasks: six done, six open.
const seedDetailSQL = `
INSERT INTO campaigns (id, workflow_id, status, stage, project_manager, marketing_ops_manager, requested_by, reason, name,
                       brief, launch_at, audience, created_at, updated_at)
VALUES ('cmp_benchdet0001', 'campaign/cmp_benchdet0001', 'active', 'production', 'p00001', 'p00002', 'p00001', '',
        'Bench detail campaign', jsonb_build_object('name', 'Bench detail campaign', 'project_manager', 'p00001',
        'marketing_ops_manager', 'p00002', 'launch_at', now() + interval '30 days'),
        now() + interval '30 days', 'audience 1', now() - interval '10 days', now());
INSERT INTO tasks (id, process, process_id, workflow_id, kind, task_key, title, description,
                   team, role, assignee, requested_by, status, due_at, escalation_level, outcome,
                   comment, completed_by, on_behalf_of, completed_at, data, created_at, updated_at, estimate_hours)
SELECT 'tsk_benchdet' || lpad(g::text, 4, '0'), 'campaign', 'cmp_benchdet0001', 'campaign/cmp_benchdet0001', 'work',
       'deliverable:' || g, 'Bench detail task ' || g, 'A task of the campaign whose detail the bench times.',
       'pmo', 'project_manager', 'p00001', 'p00001', CASE WHEN g <= 6 THEN 'done' ELSE 'open' END,
       now() + g * interval '1 day', 0, CASE WHEN g <= 6 THEN 'approved' ELSE '' END, '',
       CASE WHEN g <= 6 THEN 'p00001' ELSE '' END, '', CASE WHEN g <= 6 THEN now() - interval '1 day' END,
       'null'::jsonb, now() - interval '10 days', now(), 4
FROM generate_series(1, 12) g`

// seedBoard adds the hiring requests, risks and their tasks; called once,
// before the inbox's tasks are seeded.
func seedBoard(ctx context.Context, conn *pgx.Conn, people int, teams, roles []string) error {
	if _, err := conn.Exec(ctx, seedHiringSQL, boardHiring, people, teams); err != nil {
		return fmt.Errorf("board: seed hiring requests: %w", err)
	}
	if _, err := conn.Exec(ctx, seedRisksSQL, boardRisks, people); err != nil {
		return fmt.Errorf("board: seed risks: %w", err)
	}
	if _, err := conn.Exec(ctx, seedProcessTasksSQL, people, teams, roles); err != nil {
		return fmt.Errorf("board: seed tasks: %w", err)
	}
	if _, err := conn.Exec(ctx, seedDetailSQL); err != nil {
		return fmt.Errorf("board: seed the detail's campaign: %w", err)
	}
	for _, table := range []string{"hiring_requests", "risks"} {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+table); err != nil {
			return fmt.Errorf("board: vacuum %s: %w", table, err)
		}
	}
	return nil
}

// boardDetail is the process whose detail page is timed (seedDetailSQL).
const boardDetail = "cmp_benchdet0001"

// measureBoard times the board pages as who at the current table size, each
// opts.Requests times after opts.Warmup untimed, taking turns.
func measureBoard(ctx context.Context, h *httpClient, t *serverTimer, session, who string, tasks, processes int,
	opts InboxOptions, w io.Writer) ([]PlanPage, error) {
	pages := []planRequest{
		{"board / (my work)", "/", true},
		{"board /board/campaigns", "/board/campaigns", true},
		{"board /board/hiring-requests", "/board/hiring-requests", true},
		{"board /board/risks", "/board/risks", true},
		{"board /campaigns/{id} (detail)", "/campaigns/" + boardDetail, true},
	}
	return timePages(ctx, h, t, session, who, "board", tasks, processes, pages, opts, w)
}

// writeBoard writes the board pages' rows.
func writeBoard(w io.Writer, in *Inbox) {
	if len(in.Board) == 0 {
		return
	}
	fmt.Fprintf(w, "\nboard pages on the inbox's tables: %s\n", in.BoardDistribution)
	fmt.Fprintf(w, "  %d requests per page, one at a time, server time (handler in to answer out, in-process API calls included); target p95 ≤ %.0f ms at %d active processes and 1M tasks\n",
		in.Requests, ms(TargetBoardPage), defaultProcesses)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tasks\tprocesses\tpage\tas\tbytes\tp50 ms\tp95 ms\ttarget")
	for _, p := range in.Board {
		verdict := "ok"
		if p.P95 > ms(TargetBoardPage) {
			verdict = "OVER"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%.2f\t%.2f\t%s\n", p.Tasks, p.Processes, p.Page, p.Caller, p.Bytes, p.P50, p.P95, verdict)
	}
	_ = tw.Flush()
}
