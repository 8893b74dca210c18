package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// dueTasks are dana's open tasks due at shuffled times, two sharing one, two
// without a due time; a done task and another person's, neither hers open.
func dueTasks() []domain.Task {
	var ts []domain.Task
	for i, h := range []int{5, -2, 3, 3, -7, 1} { // hours from t0: two overdue at t0
		task := newTask(fmt.Sprintf("tsk_due_%d", i), at(time.Duration(i)*time.Minute))
		task.Assignee, task.DueAt = "dana", at(time.Duration(h)*time.Hour)
		ts = append(ts, task)
	}
	for _, id := range []string{"tsk_nodue_b", "tsk_nodue_a"} {
		task := newTask(id, at(time.Hour))
		task.Assignee, task.DueAt = "dana", time.Time{}
		ts = append(ts, task)
	}
	done := newTask("tsk_due_done", at(0))
	done.Assignee, done.Status, done.DueAt = "dana", domain.TaskDone, at(-9*time.Hour)
	other := newTask("tsk_due_other", at(0))
	other.Assignee, other.DueAt = "eli", at(-9*time.Hour)
	return append(ts, done, other)
}

// A list by due time reads soonest due first, ties by ID, the tasks without a
// due time last, and pages through all of them by cursor, none twice.
func TestTasksByDuePageSoonestFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustApply(t, st, domain.Batch{Tasks: dueTasks()})
		want := []string{"tsk_due_4", "tsk_due_1", "tsk_due_5", "tsk_due_2", "tsk_due_3", "tsk_due_0", "tsk_nodue_a", "tsk_nodue_b"}
		for _, limit := range []int{3, 6, 7, 8, 200} {
			f := domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen, ByDue: true, ListOptions: domain.ListOptions{Limit: limit}}
			var got []string
			for range 10 {
				p, err := st.Tasks(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) > limit {
					t.Fatalf("limit %d: a page of %d", limit, len(p.Items))
				}
				got = append(got, ids(p.Items, taskID)...)
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			equal(t, fmt.Sprintf("limit %d", limit), got, want)
		}
		p, err := st.Tasks(t.Context(), domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen, ByDue: true, ListOptions: domain.ListOptions{Limit: 1}})
		if err != nil || len(p.Items) != 1 || !p.Items[0].DueAt.Equal(at(-7*time.Hour)) {
			t.Fatalf("first page = %+v, %v", p.Items, err)
		}
		// Another list's cursor is refused, and so is one of this order's
		// without a due time by the order by creation, which needs one.
		if _, err := st.Tasks(t.Context(), domain.TaskFilter{Assignee: "dana", ByDue: true, ListOptions: domain.ListOptions{Cursor: cursor{Seq: 4}.encode()}}); err != domain.ErrBadCursor {
			t.Errorf("a notification cursor: %v, want ErrBadCursor", err)
		}
		if _, err := st.Tasks(t.Context(), domain.TaskFilter{Assignee: "dana", ListOptions: domain.ListOptions{Cursor: cursor{ID: "tsk_nodue_a"}.encode()}}); err != domain.ErrBadCursor {
			t.Errorf("a due cursor without a time, by creation: %v, want ErrBadCursor", err)
		}
	})
}

// TaskCounts counts the list's tasks and its overdue ones (due before now,
// not those without a due time), up to domain.MaxTaskCount.
func TestTaskCountsCountTheListAndItsOverdue(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustApply(t, st, domain.Batch{Tasks: dueTasks()})
		for _, c := range []struct {
			f    domain.TaskFilter
			now  time.Time
			want domain.TaskCounts
		}{
			{domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen}, at(0), domain.TaskCounts{Total: 8, Overdue: 2}},
			{domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen}, at(4 * time.Hour), domain.TaskCounts{Total: 8, Overdue: 5}},
			{domain.TaskFilter{Assignee: "dana"}, at(0), domain.TaskCounts{Total: 9, Overdue: 3}},
			{domain.TaskFilter{Team: domain.TeamCreative, Status: domain.TaskOpen}, at(0), domain.TaskCounts{Total: 9, Overdue: 3}},
			{domain.TaskFilter{Assignee: "nobody", Status: domain.TaskOpen}, at(0), domain.TaskCounts{}},
		} {
			got, err := st.TaskCounts(t.Context(), c.f, c.now)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, fmt.Sprintf("%+v at %s", c.f, c.now), got, c.want)
		}
		var many []domain.Task
		for i := range domain.MaxTaskCount + 1 {
			task := newTask(fmt.Sprintf("tsk_many_%04d", i), at(0))
			task.Assignee, task.DueAt = "fay", at(-time.Hour)
			many = append(many, task)
		}
		mustApply(t, st, domain.Batch{Tasks: many})
		got, err := st.TaskCounts(t.Context(), domain.TaskFilter{Assignee: "fay", Status: domain.TaskOpen}, at(0))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "over the cap", got, domain.TaskCounts{Total: domain.MaxTaskCount, Overdue: domain.MaxTaskCount, More: true})
	})
}

// An assignee's and a team's list by due time is a range scan of
// idx_tasks_assignee_due or idx_tasks_team_due (migration 00016) for each
// statement it runs (those with a due time, then those without), first page
// and later ones alike, as TestInboxQueriesAreIndexRangeScans shows for the
// lists by creation.
func TestTasksByDueAreIndexRangeScans(t *testing.T) {
	cases := []struct {
		name   string
		filter domain.TaskFilter
		index  string
	}{
		{"assignee and status", domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen}, "idx_tasks_assignee_due"},
		{"team and status", domain.TaskFilter{Team: domain.TeamCreative, Status: domain.TaskOpen}, "idx_tasks_team_due"},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		taskIndexes := secondaryIndexes(t, st, "tasks")
		mustApply(t, st, domain.Batch{Tasks: dueTasks()})
		reads := captureReads(t, st, "row")
		sqlDB := reads.pool
		for _, c := range cases {
			for _, page := range []struct{ name, cursor string }{
				{"first", ""},
				{"next", cursor{At: at(time.Hour), ID: "tsk_due_5"}.encode()},
				{"next without a due time", cursor{ID: "tsk_nodue_a"}.encode()},
			} {
				f := c.filter
				f.ByDue, f.Limit, f.Cursor = true, 2, page.cursor
				reads.stmts = nil
				if _, err := st.Tasks(t.Context(), f); err != nil {
					t.Fatalf("%s, %s page: %v", c.name, page.name, err)
				}
				if len(reads.stmts) == 0 {
					t.Fatalf("%s, %s page: no statement captured", c.name, page.name)
				}
				for _, s := range reads.stmts {
					var problem string
					if st.postgres {
						problem = postgresRangeScan(t.Context(), t, sqlDB, s.sql, s.vars, c.index, taskIndexes)
					} else {
						problem = sqliteRangeScan(t.Context(), t, sqlDB, s.sql, s.vars, "tasks", c.index)
					}
					if problem != "" {
						t.Errorf("%s, %s page: %s\n%s", c.name, page.name, problem, s.sql)
					}
				}
			}
		}
	})
}

// A list's counts are range scans of the index its list by due time uses,
// which stop at domain.MaxTaskCount + 1 entries: the total on the list's
// filter columns, the overdue ones on due_at too, no row filtered nor sorted.
func TestTaskCountsAreIndexRangeScans(t *testing.T) {
	cases := []struct {
		name   string
		filter domain.TaskFilter
		index  string
	}{
		{"assignee and status", domain.TaskFilter{Assignee: "dana", Status: domain.TaskOpen}, "idx_tasks_assignee_due"},
		{"team and status", domain.TaskFilter{Team: domain.TeamCreative, Status: domain.TaskOpen}, "idx_tasks_team_due"},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		taskIndexes := secondaryIndexes(t, st, "tasks")
		mustApply(t, st, domain.Batch{Tasks: dueTasks()})
		reads := captureReads(t, st, "query") // a count's subquery is a dry run of its own, not captured
		sqlDB := reads.pool
		for _, c := range cases {
			reads.stmts = nil
			if _, err := st.TaskCounts(t.Context(), c.filter, at(0)); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(reads.stmts) != 2 {
				t.Fatalf("%s: %d statements captured, want the total's and the overdue's: %v", c.name, len(reads.stmts), reads.stmts)
			}
			for _, s := range reads.stmts {
				if problem := countScan(t, st, sqlDB, s.sql, s.vars, c.index, taskIndexes); problem != "" {
					t.Errorf("%s: %s\n%s", c.name, problem, s.sql)
				}
			}
		}
	})
}

// countScan says what keeps a count's statement from being range scans of
// index alone (on PostgreSQL with the tasks' other indexes dropped, as
// postgresRangeScan does), or "" when it is.
func countScan(t *testing.T, st *Store, db *sql.DB, query string, vars []any, index string, all []string) string {
	t.Helper()
	if !st.postgres {
		rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, vars...)
		if err != nil {
			t.Fatalf("explain %s: %v", query, err)
		}
		defer rows.Close()
		var steps []string
		searched := false
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
			searched = searched || strings.HasPrefix(detail, "SEARCH tasks USING COVERING INDEX "+index+" (")
			if strings.HasPrefix(detail, "SCAN tasks") || strings.Contains(detail, "TEMP B-TREE") {
				return "a scan of the table or a sort: " + strings.Join(steps, "; ")
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !searched {
			return "want a search of " + index + " alone, got " + strings.Join(steps, "; ")
		}
		return ""
	}
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, other := range all {
		if other != index {
			if _, err := tx.ExecContext(t.Context(), "DROP INDEX "+other); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, set := range []string{"enable_sort", "enable_incremental_sort", "enable_seqscan", "enable_bitmapscan"} {
		if _, err := tx.ExecContext(t.Context(), "SET LOCAL "+set+" = off"); err != nil {
			t.Fatal(err)
		}
	}
	var raw string
	if err := tx.QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+query, vars...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	type node struct {
		NodeType  string `json:"Node Type"`
		Relation  string `json:"Relation Name"`
		IndexName string `json:"Index Name"`
		Filter    string `json:"Filter"`
		Plans     []node `json:"Plans"`
	}
	var plans []struct{ Plan node }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("read the plan %s: %v", raw, err)
	}
	limited, scanned := false, false
	var walk func(n node, underLimit bool) string
	walk = func(n node, underLimit bool) string {
		underLimit = underLimit || n.NodeType == "Limit"
		if n.Relation == "tasks" {
			if !strings.HasPrefix(n.NodeType, "Index") || n.IndexName != index || n.Filter != "" {
				return "want only index scans of " + index + " without a filter, got " + raw
			}
			scanned, limited = true, underLimit
		}
		for _, c := range n.Plans {
			if p := walk(c, underLimit); p != "" {
				return p
			}
		}
		return ""
	}
	if p := walk(plans[0].Plan, false); p != "" {
		return p
	}
	if !scanned || !limited {
		return "want a scan of " + index + " under a limit, got " + raw
	}
	return ""
}
