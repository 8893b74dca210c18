package store

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

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
		// A cursor of the order by creation is not one of this order's, and back.
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
		type statement struct {
			sql  string
			vars []any
		}
		var stmts []statement
		capture := func(db *gorm.DB) {
			stmts = append(stmts, statement{db.Statement.SQL.String(), db.Statement.Vars})
		}
		if err := st.reads.Callback().Row().After("gorm:row").Register("test:capture", capture); err != nil {
			t.Fatal(err)
		}
		sqlDB, err := st.reads.DB()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			for _, page := range []struct{ name, cursor string }{
				{"first", ""},
				{"next", cursor{At: at(time.Hour), ID: "tsk_due_5"}.encode()},
				{"next without a due time", cursor{ID: "tsk_nodue_a"}.encode()},
			} {
				f := c.filter
				f.ByDue, f.Limit, f.Cursor = true, 2, page.cursor
				stmts = nil
				if _, err := st.Tasks(t.Context(), f); err != nil {
					t.Fatalf("%s, %s page: %v", c.name, page.name, err)
				}
				if len(stmts) == 0 {
					t.Fatalf("%s, %s page: no statement captured", c.name, page.name)
				}
				for _, s := range stmts {
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
