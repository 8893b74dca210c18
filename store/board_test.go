package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// boardRecords are campaigns, hiring requests and risks in and out of the
// columns asked for, with open and done tasks.
func boardRecords(t *testing.T, st *Store) {
	t.Helper()
	campaign := func(id, pm, mops string, status domain.Status, stage domain.Stage, created time.Time, tasks ...domain.Task) {
		c := newCampaign(id, pm, mops, status, created)
		c.Stage = stage
		if id == "cmp_held" {
			c.HeldBy, c.HeldSince = "rsk_venue", ptr(at(time.Hour))
			c.Risks = []domain.LinkedRisk{{ID: "rsk_venue", Title: "Venue may cancel", Owner: "rob", Severity: domain.SeverityCritical, Status: domain.RiskOpen}}
		}
		mustApply(t, st, domain.Batch{Campaign: &c, Tasks: tasks})
	}
	task := func(id, process string, team domain.Team, assignee string, status domain.TaskStatus, due time.Time) domain.Task {
		k := newTask(id, at(time.Minute))
		k.ProcessID, k.Team, k.Assignee, k.Status, k.DueAt = process, team, assignee, status, due
		return k
	}
	campaign("cmp_first", "pat", "mia", domain.StatusActive, domain.StageProduction, at(0),
		task("tsk_first_creative", "cmp_first", domain.TeamCreative, "", domain.TaskOpen, at(72*time.Hour)),
		task("tsk_first_web", "cmp_first", domain.TeamWeb, "wes", domain.TaskOpen, at(30*time.Hour)),
		task("tsk_first_done", "cmp_first", domain.TeamLegal, "lee", domain.TaskDone, at(time.Hour)))
	campaign("cmp_second", "pia", "pat", domain.StatusActive, domain.StageProduction, at(time.Minute))
	campaign("cmp_planning", "pat", "mia", domain.StatusActive, domain.StagePlanning, at(0))
	campaign("cmp_ended", "pat", "mia", domain.StatusCompleted, domain.StageProduction, at(0))
	campaign("cmp_held", "pia", "mia", domain.StatusActive, domain.StageProduction, at(2*time.Minute),
		task("tsk_held_legal", "cmp_held", domain.TeamLegal, "lee", domain.TaskOpen, time.Time{}))

	for _, h := range []domain.HiringRequest{
		{ID: "hir_approval", Status: domain.StatusActive, Stage: domain.StageApproval, Step: "finance", RequestedBy: "pat",
			Request: domain.Requisition{Title: "Analyst", Team: domain.TeamAnalytics}, CreatedAt: at(0), UpdatedAt: at(0)},
		{ID: "hir_offer", Status: domain.StatusActive, Stage: domain.StageOffer, RequestedBy: "pat",
			Request: domain.Requisition{Title: "Designer"}, CreatedAt: at(0), UpdatedAt: at(0)},
		{ID: "hir_cancelled", Status: domain.StatusCancelled, Stage: domain.StageApproval, RequestedBy: "pat",
			Request: domain.Requisition{Title: "Writer"}, CreatedAt: at(0), UpdatedAt: at(0)},
	} {
		mustApply(t, st, domain.Batch{Hiring: &h})
	}
	for _, k := range []domain.Risk{
		{ID: "rsk_open", Title: "Printer late", Status: domain.RiskOpen, Severity: domain.SeverityHigh, Owner: "rob", CreatedAt: at(0), UpdatedAt: at(0)},
		{ID: "rsk_closed", Title: "Old one", Status: domain.RiskClosed, Severity: domain.SeverityLow, Owner: "rob", CreatedAt: at(0), UpdatedAt: at(0)},
		{ID: "rsk_ack", Title: "Budget", Status: domain.RiskAcknowledged, Severity: domain.SeverityLow, Owner: "ria", CreatedAt: at(0), UpdatedAt: at(0)},
	} {
		mustApply(t, st, domain.Batch{Risk: &k})
	}
}

func boardIDs(p domain.Page[domain.BoardCard]) []string {
	var ids []string
	for _, c := range p.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestBoardCardsAreOneColumnWithWhomEachWaitsOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		boardRecords(t, st)
		ctx := t.Context()
		col := func(f domain.BoardFilter) domain.Page[domain.BoardCard] {
			t.Helper()
			p, err := st.BoardCards(ctx, f)
			if err != nil {
				t.Fatalf("BoardCards(%+v): %v", f, err)
			}
			return p
		}
		production := domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "production", ListOptions: domain.ListOptions{Limit: 2}}
		first := col(production)
		if got := boardIDs(first); len(got) != 2 || got[0] != "cmp_first" || got[1] != "cmp_second" || first.NextCursor == "" {
			t.Fatalf("first page = %v (next %q), want cmp_first, cmp_second and more", got, first.NextCursor)
		}
		c := first.Items[0]
		if c.Name != "Spring launch cmp_first" || c.Owner != "pat" || c.Stage != "production" || c.Process != domain.ProcessCampaign ||
			!c.NextDue.Equal(at(30*time.Hour)) || len(c.WaitingOn) != 2 || c.WaitingOn[0].TaskID != "tsk_first_creative" ||
			c.WaitingOn[1].Assignee != "wes" {
			t.Errorf("cmp_first's card = %+v", c)
		}
		if c := first.Items[1]; len(c.WaitingOn) != 0 || !c.NextDue.IsZero() {
			t.Errorf("cmp_second waits on nothing: %+v", c)
		}
		production.Cursor = first.NextCursor
		next := col(production)
		if got := boardIDs(next); len(got) != 1 || got[0] != "cmp_held" || next.NextCursor != "" {
			t.Fatalf("next page = %v (next %q), want cmp_held alone", got, next.NextCursor)
		}
		held := next.Items[0]
		// Its open task, then the risk's decision: its owner's, or whoever may accept it.
		if held.HeldBy != "rsk_venue" || len(held.WaitingOn) != 3 || held.WaitingOn[0].TaskID != "tsk_held_legal" ||
			held.WaitingOn[1].RiskID != "rsk_venue" || held.WaitingOn[1].Assignee != "rob" || len(held.WaitingOn[2].Roles) != 2 || !held.NextDue.IsZero() {
			t.Errorf("the held campaign's card = %+v", held)
		}

		for _, c := range []struct {
			f    domain.BoardFilter
			want []string
		}{
			{domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "production", Owner: "pat"}, []string{"cmp_first", "cmp_second"}}, // pm or mops
			{domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "production", Team: domain.TeamWeb}, []string{"cmp_first"}},
			{domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "production", Team: domain.TeamLegal}, []string{"cmp_held"}}, // cmp_first's legal task is done
			{domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "planning"}, []string{"cmp_planning"}},
			{domain.BoardFilter{Process: domain.ProcessHiring, Stage: "approval"}, []string{"hir_approval"}},
			{domain.BoardFilter{Process: domain.ProcessHiring, Stage: "offer", Owner: "someone"}, nil},
			{domain.BoardFilter{Process: domain.ProcessRisk, Stage: "open"}, []string{"rsk_open"}},
			{domain.BoardFilter{Process: domain.ProcessRisk, Stage: "acknowledged", Owner: "ria"}, []string{"rsk_ack"}},
		} {
			if got := boardIDs(col(c.f)); len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) || (len(got) > 1 && got[1] != c.want[1]) {
				t.Errorf("%+v = %v, want %v", c.f, got, c.want)
			}
		}
		h := col(domain.BoardFilter{Process: domain.ProcessHiring, Stage: "approval"}).Items[0]
		if h.Name != "Analyst" || h.Step != "finance" || h.Owner != "pat" {
			t.Errorf("the hiring card = %+v", h)
		}
		if r := col(domain.BoardFilter{Process: domain.ProcessRisk, Stage: "open"}).Items[0]; r.Name != "Printer late" || r.Severity != domain.SeverityHigh || r.Owner != "rob" {
			t.Errorf("the risk card = %+v", r)
		}
		for _, f := range []domain.BoardFilter{
			{Process: domain.ProcessRisk, Stage: "closed"}, // ended: no column
			{Process: domain.ProcessCampaign, Stage: "approval"},
			{Process: domain.ProcessTemplate, Stage: "triage"},
		} {
			if _, err := st.BoardCards(ctx, f); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("BoardCards(%+v) = %v, want invalid", f, err)
			}
		}
	})
}

// A board column is two range scans whatever the tables' sizes: the
// column's rows from its index, stopping at the page's end, then the page's
// open tasks by process ID.
func TestBoardQueriesAreIndexScans(t *testing.T) {
	next := cursor{At: at(0), ID: "cmp_first"}.encode()
	cases := []struct {
		f            domain.BoardFilter
		table, index string
	}{
		{domain.BoardFilter{Process: domain.ProcessCampaign, Stage: "production"}, "campaigns", "idx_campaigns_board"},
		{domain.BoardFilter{Process: domain.ProcessHiring, Stage: "approval"}, "hiring_requests", "idx_hiring_board"},
		{domain.BoardFilter{Process: domain.ProcessRisk, Stage: "open"}, "risks", "idx_risks_status"},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		boardRecords(t, st)
		reads := captureReads(t, st, "row")
		sqlDB := reads.pool
		taskIndexes := secondaryIndexes(t, st, "tasks")
		for _, c := range cases {
			for _, page := range []string{"first", "next"} {
				f := c.f
				if page == "next" {
					f.Cursor = next
				} else {
					f.Cursor = ""
				}
				reads.stmts = nil
				p, err := st.BoardCards(t.Context(), f)
				if err != nil {
					t.Fatalf("%s, %s page: %v", c.table, page, err)
				}
				if len(p.Items) == 0 && page == "first" {
					t.Fatalf("%s: nothing in the column, so no tasks query to check", c.table)
				}
				if want := 1 + min(len(p.Items), 1); len(reads.stmts) != want {
					t.Fatalf("%s, %s page: %d statements, want %d", c.table, page, len(reads.stmts), want)
				}
				var problem string
				if st.postgres {
					problem = postgresRangeScan(t.Context(), t, sqlDB, reads.stmts[0].sql, reads.stmts[0].vars, c.index, secondaryIndexes(t, st, c.table))
				} else {
					problem = sqliteRangeScan(t.Context(), t, sqlDB, reads.stmts[0].sql, reads.stmts[0].vars, c.table, c.index)
				}
				if problem != "" {
					t.Errorf("%s, %s page: %s\n%s", c.table, page, problem, reads.stmts[0].sql)
				}
				if len(reads.stmts) < 2 {
					continue
				}
				// The open tasks: a few per process, so the status is a filter
				// on the process's index entries, not a range of its own.
				if st.postgres {
					problem = postgresIndexScan(t.Context(), t, sqlDB, reads.stmts[1].sql, reads.stmts[1].vars, "idx_tasks_process_id", taskIndexes)
				} else {
					problem = sqliteRangeScan(t.Context(), t, sqlDB, reads.stmts[1].sql, reads.stmts[1].vars, "tasks", "idx_tasks_process_id")
				}
				if problem != "" {
					t.Errorf("%s's tasks, %s page: %s\n%s", c.table, page, problem, reads.stmts[1].sql)
				}
			}
		}
	})
}

// postgresIndexScan explains query with the table's other indexes dropped (in
// a transaction rolled back afterwards) and says what keeps it from being one
// index scan of index, a filter allowed, or "" when it is one.
func postgresIndexScan(ctx context.Context, t *testing.T, db *sql.DB, query string, vars []any, index string, all []string) string {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, other := range all {
		if other != index {
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+other); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, set := range []string{"enable_sort", "enable_seqscan", "enable_bitmapscan"} {
		if _, err := tx.ExecContext(ctx, "SET LOCAL "+set+" = off"); err != nil {
			t.Fatal(err)
		}
	}
	var raw string
	if err := tx.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, vars...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	var plans []struct {
		Plan struct {
			NodeType  string            `json:"Node Type"`
			IndexName string            `json:"Index Name"`
			Plans     []json.RawMessage `json:"Plans"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("read the plan %s: %v", raw, err)
	}
	if n := plans[0].Plan; n.NodeType != "Index Scan" || n.IndexName != index || len(n.Plans) != 0 {
		return "want one Index Scan on " + index + ", got " + raw
	}
	return ""
}
