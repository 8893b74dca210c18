package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

// The plan pages (issue 20): the calendar and the workload with capacity,
// through the API and as the board draws them, on the inbox part's tables
// (its tasks, each with an estimate, and its people) with active campaigns
// besides, timed as server time: from the request reaching the handler to
// its answer written, which for a board page includes its in-process calls
// to the API. The target is at 10,000 active processes and 1M tasks.

// TargetPlanPage is the target for a calendar or workload page's
// server time at 10,000 active processes and 1M tasks.
const TargetPlanPage = 100 * time.Millisecond

// defaultProcesses is how many active campaigns the part seeds.
const defaultProcesses = 10_000

// PlanPage is one plan page at one table size: its server time and, for the
// API's calendar and capacity, the plan of the store's query.
type PlanPage struct {
	Tasks     int     `json:"tasks"`
	Processes int     `json:"active_processes"`
	Page      string  `json:"page"`
	Caller    string  `json:"caller"`
	Bytes     int     `json:"bytes"`
	P50       float64 `json:"p50_ms"`
	P95       float64 `json:"p95_ms"`
	// Shape and the rest are read from EXPLAIN (ANALYZE, BUFFERS) of the
	// store's statement (store.ExplainCalendar, ExplainCapacity,
	// ExplainWorkload); empty for the board's pages.
	Shape       string   `json:"plan_shape,omitempty"`
	Indexes     []string `json:"indexes,omitempty"`
	SeqScan     bool     `json:"seq_scan,omitempty"`
	ScannedRows int      `json:"scanned_rows,omitempty"`
	ExecutionMs float64  `json:"execution_ms,omitempty"`
}

// seedCampaignsSQL adds $1 active campaigns, in production, launching from
// 90 days ago to 180 days ahead, to one of 40 audiences (so launches to one
// audience meet, as the calendar marks), run by the seeded people by turn.
const seedCampaignsSQL = `
INSERT INTO campaigns (id, workflow_id, status, stage, project_manager, marketing_ops_manager, requested_by, reason, name,
                       launch_at, audience, created_at, updated_at)
SELECT 'cmp_bench_' || lpad(to_hex(g), 12, '0'), 'campaign/cmp_bench_' || lpad(to_hex(g), 12, '0'), 'active', 'production',
       'p' || lpad((1 + (g * 10) % $2::int)::text, 5, '0'), 'p' || lpad((2 + (g * 10) % $2::int)::text, 5, '0'),
       'p' || lpad((1 + (g * 10) % $2::int)::text, 5, '0'), '', 'Bench campaign ' || g,
       now() - interval '90 days' + random() * interval '270 days', 'audience ' || g % 40, now(), now()
FROM generate_series(0, $1::int - 1) g`

const planDistribution = `%d active campaigns in production, launching uniformly from 90 days ago to 180 days ahead, ` +
	`to 40 audiences; each task has an estimate of 2, 4, 8 or 16 hours`

// serverTimer times the requests that ask for it (timedHeader) from the
// handler's start to its return, and hands each time over once.
type serverTimer struct {
	h     http.Handler
	times chan time.Duration
}

// timedHeader asks serverTimer to time a request.
const timedHeader = "X-Bench-Timed"

func newServerTimer(h http.Handler) *serverTimer {
	return &serverTimer{h: h, times: make(chan time.Duration, 1)}
}

func (t *serverTimer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(timedHeader) == "" {
		t.h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	t.h.ServeHTTP(w, r)
	t.times <- time.Since(start)
}

// planRequest is one plan page: an API route (with the caller's token) or a
// board page (with their board session).
type planRequest struct {
	label, path string
	board       bool
}

// timed gets path as the busiest person and answers the server's time and
// the answer's size; the requests are one at a time, so the time handed over
// is this request's.
func (h *httpClient) timed(ctx context.Context, t *serverTimer, session, who string, p planRequest) (time.Duration, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+p.path, nil)
	if err != nil {
		return 0, 0, err
	}
	if p.board {
		req.AddCookie(&http.Cookie{Name: "tandem_session", Value: session})
	} else {
		req.Header.Set("Authorization", "Bearer "+h.tokens[who])
	}
	req.Header.Set(timedHeader, "1")
	// A redirect (a board session gone: to the sign-in page) is an answer,
	// not followed: one timed request, one time handed over.
	c := *h.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	select {
	case d := <-t.times:
		if err != nil {
			return 0, 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s: %s %.300s", p.path, resp.Status, body)
		}
		return d, len(body), nil
	case <-time.After(time.Minute):
		return 0, 0, fmt.Errorf("GET %s: the server's time never came", p.path)
	}
}

// boardSession starts a board session for who with their token, as the
// board's token sign-in does, and returns its ID: the board's cookie.
func (h *httpClient) boardSession(ctx context.Context, who string) (string, error) {
	var s struct {
		ID string `json:"id"`
	}
	if err := h.call(ctx, who, http.MethodPost, "/api/v1/sessions", nil, http.StatusCreated, &s); err != nil {
		return "", fmt.Errorf("plan: board session: %w", err)
	}
	return s.ID, nil
}

// measurePlan times the plan pages as who at the current table size, each
// opts.Requests times after opts.Warmup untimed, taking turns, and reads the
// plans of the calendar's, the capacity's and the workload's queries.
func measurePlan(ctx context.Context, st *store.Store, h *httpClient, t *serverTimer, session, who string, tasks, processes int,
	opts InboxOptions, w io.Writer) ([]PlanPage, error) {
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := month.AddDate(0, 1, 0)
	rng := url.Values{"from": {month.Format(time.RFC3339)}, "to": {next.Format(time.RFC3339)}}
	mine := url.Values{"from": rng["from"], "to": rng["to"], "person": {who}}
	pages := []planRequest{
		{"GET /api/v1/calendar (this month)", "/api/v1/calendar?" + rng.Encode(), false},
		{"GET /api/v1/calendar (this month, person=" + who + ")", "/api/v1/calendar?" + mine.Encode(), false},
		{"GET /api/v1/reports/capacity", "/api/v1/reports/capacity", false},
		{"GET /api/v1/reports/workload", "/api/v1/reports/workload", false},
		{"board /calendar (this month)", "/calendar", true},
		{"board /calendar?person=" + who, "/calendar?person=" + who, true},
		{"board /workload (capacity included)", "/workload", true},
	}
	out, err := timePages(ctx, h, t, session, who, "plan", tasks, processes, pages, opts, w)
	if err != nil {
		return nil, err
	}
	// The plans, of the store's own statements with the pages' arguments.
	for i, explain := range map[int]func() (string, error){
		0: func() (string, error) { return st.ExplainCalendar(ctx, domain.CalendarFilter{From: month, To: next}) },
		1: func() (string, error) {
			return st.ExplainCalendar(ctx, domain.CalendarFilter{From: month, To: next, Person: who})
		},
		2: func() (string, error) { return st.ExplainCapacity(ctx, now) },
		3: func() (string, error) { return st.ExplainWorkload(ctx, now, domain.DefaultDueSoon) },
	} {
		raw, err := explain()
		if err != nil {
			return nil, fmt.Errorf("plan: %s: %w", out[i].Page, err)
		}
		var r InboxQuery
		if err := readPlan(raw, &r); err != nil {
			return nil, err
		}
		out[i].Shape, out[i].Indexes, out[i].SeqScan, out[i].ScannedRows, out[i].ExecutionMs = r.Shape, r.Indexes, r.SeqScan, r.ScannedRows, r.ExecutionMs
	}
	return out, nil
}

// writePlan writes the plan pages' rows.
func writePlan(w io.Writer, in *Inbox) {
	if len(in.Plan) == 0 {
		return
	}
	fmt.Fprintf(w, "\nplan pages (calendar, workload and capacity) on the inbox's tables: %s\n", in.PlanDistribution)
	fmt.Fprintf(w, "  %d requests per page, one at a time, server time (handler in to answer out; a board page's in-process API calls included); target ≤ %.0f ms at %d active processes and 1M tasks\n",
		in.Requests, ms(TargetPlanPage), defaultProcesses)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tasks\tprocesses\tpage\tas\tbytes\tp50 ms\tp95 ms\ttarget\tSQL ms\tscanned\t plan")
	for _, p := range in.Plan {
		verdict := "ok"
		if p.P95 > ms(TargetPlanPage) {
			verdict = "OVER"
		}
		sqlMs := ""
		if p.Shape != "" {
			sqlMs = fmt.Sprintf("%.2f", p.ExecutionMs)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%.2f\t%.2f\t%s\t%s\t%d\t %s\n", p.Tasks, p.Processes, p.Page, p.Caller, p.Bytes, p.P50, p.P95,
			verdict, sqlMs, p.ScannedRows, strings.TrimSpace(p.Shape))
	}
	_ = tw.Flush()
}

// timePages times pages as who, each opts.Requests times after opts.Warmup
// untimed, taking turns, so that every page meets the same moments of the
// machine; what names the part in errors and progress.
func timePages(ctx context.Context, h *httpClient, t *serverTimer, session, who, what string, tasks, processes int,
	pages []planRequest, opts InboxOptions, w io.Writer) ([]PlanPage, error) {
	out := make([]PlanPage, len(pages))
	latencies := make([][]time.Duration, len(pages))
	for i, p := range pages {
		out[i] = PlanPage{Tasks: tasks, Processes: processes, Page: p.label, Caller: who}
		for range opts.Warmup + 1 {
			_, n, err := h.timed(ctx, t, session, who, p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			out[i].Bytes = n
		}
	}
	var done atomic.Int64
	stop := progress(w, fmt.Sprintf("%s pages at %d tasks: %d pages, rounds", what, tasks, len(pages)), &done, opts.Requests)
	defer stop()
	for range opts.Requests {
		for i, p := range pages {
			d, _, err := h.timed(ctx, t, session, who, p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			latencies[i] = append(latencies[i], d)
		}
		done.Add(1)
	}
	for i := range pages {
		slices.Sort(latencies[i])
		out[i].P50, out[i].P95 = ms(percentile(latencies[i], 50)), ms(percentile(latencies[i], 95))
	}
	return out, nil
}
