package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Every inbox filter has an index that makes a page one range scan in the list's
// order, first page and later ones alike: its leading columns are the filters and
// its trailing ones the keyset (created_at, id), so the database neither sorts
// rows nor reads rows the page does not return, however many tasks there are.
// The plans are of the store's own statements, captured as GORM runs them. SQLite
// must pick that index itself. PostgreSQL picks among indexes by statistics (on
// a big table the bench's inbox part shows its choices), so here it is shown that
// index alone, with sorts and other scans priced out: a plan that still sorts or
// filters would mean the index cannot serve the statement.
func TestInboxQueriesAreIndexRangeScans(t *testing.T) {
	next := cursor{At: at(0), ID: "tsk_1"}.encode()
	cases := []struct {
		name   string
		filter domain.TaskFilter
		index  string
	}{
		{"assignee", domain.TaskFilter{Assignee: "maya"}, "idx_tasks_assignee"},
		{"assignee and status", domain.TaskFilter{Assignee: "maya", Status: domain.TaskOpen}, "idx_tasks_assignee_status"},
		{"team", domain.TaskFilter{Team: domain.TeamCreative}, "idx_tasks_team"},
		{"team and status", domain.TaskFilter{Team: domain.TeamCreative, Status: domain.TaskOpen}, "idx_tasks_team_status"},
		{"role and status", domain.TaskFilter{Role: domain.RoleLegal, Status: domain.TaskOpen}, "idx_tasks_role_status"},
		{"status", domain.TaskFilter{Status: domain.TaskOpen}, "idx_tasks_status"},
		{"process id", domain.TaskFilter{ProcessID: "cmp_1"}, "idx_tasks_process_id"},
		{"none", domain.TaskFilter{}, "idx_tasks_created"},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		taskIndexes := secondaryIndexes(t, st, "tasks")
		mustApply(t, st, domain.Batch{Tasks: inboxTasks()})
		// Task lists read their rows themselves (scanTasks), through GORM's Rows.
		reads := captureReads(t, st, "row")
		sqlDB := reads.pool
		for _, c := range cases {
			for _, page := range []string{"first", "next"} {
				f := c.filter
				if page == "next" {
					f.Cursor = next
				}
				if _, err := st.Tasks(t.Context(), f); err != nil {
					t.Fatalf("%s, %s page: %v", c.name, page, err)
				}
				stmt := reads.last()
				var problem string
				if st.postgres {
					problem = postgresRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, c.index, taskIndexes)
				} else {
					problem = sqliteRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, "tasks", c.index)
				}
				if problem != "" {
					t.Errorf("%s, %s page: %s\n%s", c.name, page, problem, stmt.sql)
				}
			}
		}
	})
}

// postgresRangeScan explains query with the tasks' other indexes dropped (in a
// transaction rolled back afterwards) and says what keeps it from being a range
// scan of index alone, or "" when it is one.
func postgresRangeScan(ctx context.Context, t *testing.T, db *sql.DB, query string, vars []any, index string, all []string) string {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, other := range all {
		if other == index {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+other); err != nil {
			t.Fatal(err)
		}
	}
	for _, set := range []string{"enable_sort", "enable_incremental_sort", "enable_seqscan", "enable_bitmapscan"} {
		if _, err := tx.ExecContext(ctx, "SET LOCAL "+set+" = off"); err != nil {
			t.Fatal(err)
		}
	}
	var raw string
	if err := tx.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, vars...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	type node struct {
		NodeType  string `json:"Node Type"`
		IndexName string `json:"Index Name"`
		Filter    string `json:"Filter"`
		Plans     []node `json:"Plans"`
	}
	var plans []struct{ Plan node }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("read the plan %s: %v", raw, err)
	}
	// Expected: Limit over one Index Scan of index, all conditions in its Index
	// Cond, none left to filter rows with.
	n := plans[0].Plan
	if n.NodeType == "Limit" && len(n.Plans) == 1 {
		n = n.Plans[0]
	}
	if n.NodeType != "Index Scan" || n.IndexName != index || n.Filter != "" || len(n.Plans) != 0 {
		return "want Limit ← Index Scan on " + index + " without a filter, got " + raw
	}
	return ""
}

// sqliteRangeScan is postgresRangeScan on SQLite, from EXPLAIN QUERY PLAN.
func sqliteRangeScan(ctx context.Context, t *testing.T, db *sql.DB, query string, vars []any, table, index string) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, vars...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || !strings.HasPrefix(steps[0], "SEARCH "+table+" USING INDEX "+index+" (") && !(index == "idx_tasks_created" && steps[0] == "SCAN tasks USING INDEX "+index) {
		return "want one search of " + index + ", got " + strings.Join(steps, "; ")
	}
	return ""
}

// secondaryIndexes are the names of table's indexes other than its primary key.
func secondaryIndexes(t *testing.T, st *Store, table string) []string {
	t.Helper()
	var names []string
	for _, line := range catalogOf(t, st)[table] {
		if name, ok := strings.CutPrefix(line, "index "); ok && !strings.Contains(line, "_pkey ") {
			names = append(names, strings.Fields(name)[0])
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s has no indexes", table)
	}
	return names
}

// A subscription's delivery log, newest first, is a backward range scan of
// idx_webhook_deliveries_log (version 2) that stops at the limit, not a sort of
// every attempt the subscription ever logged.
func TestDeliveryLogIsAnIndexRangeScan(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		for i := range 20 {
			d := domain.WebhookDelivery{SubscriptionID: fmt.Sprintf("whk_%d", i%3), EventKey: fmt.Sprintf("cmp_1/event/%d", i),
				Kind: domain.EventTaskOpened, Attempt: 1, Outcome: domain.DeliveryDelivered, At: at}
			if err := st.LogWebhookDelivery(t.Context(), d); err != nil {
				t.Fatal(err)
			}
		}
		reads := captureReads(t, st, "query")
		if log, err := st.WebhookDeliveries(t.Context(), "whk_1", 5); err != nil || len(log) != 5 {
			t.Fatalf("WebhookDeliveries = %d, %v", len(log), err)
		}
		sqlDB, stmt := reads.pool, reads.last()
		const index = "idx_webhook_deliveries_log"
		var problem string
		if st.postgres {
			problem = postgresRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, index, secondaryIndexes(t, st, "webhook_deliveries"))
		} else {
			problem = sqliteRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, "webhook_deliveries", index)
		}
		if problem != "" {
			t.Errorf("%s\n%s", problem, stmt.sql)
		}
	})
}
