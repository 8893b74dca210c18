package store

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// The capacity and workload reports read the open tasks from
// idx_tasks_open_plan alone (migration 00014), never the table: at 1M tasks
// fetching each open task's row was most of their time (`tandem bench`,
// plan pages). With the tables' statistics (ANALYZE, as a database in use
// has them): on PostgreSQL, with the other ways to read tasks turned off for
// the transaction, the plan is an index-only scan of it; on SQLite, a
// covering index scan of it.
func TestCapacityAndWorkloadReadTheOpenTasksIndexAlone(t *testing.T) {
	now := time.Date(2030, 1, 9, 12, 0, 0, 0, time.UTC)
	capacity, capacityArgs := capacityQuery(domain.WeekStarts(now))
	queries := map[string]struct {
		q    string
		args []any
	}{
		"capacity": {capacity, capacityArgs},
		"workload": {workloadQuery, workloadArgs(now, domain.DefaultDueSoon)},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		mustApply(t, st, domain.Batch{Tasks: inboxTasks()})
		if err := st.db.Exec("ANALYZE").Error; err != nil {
			t.Fatal(err)
		}
		for name, c := range queries {
			var plan []string
			err := st.reads.WithContext(t.Context()).Transaction(func(tx *gorm.DB) error {
				explain := "EXPLAIN QUERY PLAN "
				if st.postgres {
					explain = "EXPLAIN "
					if err := tx.Exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off").Error; err != nil {
						return err
					}
				}
				rows, err := tx.Raw(explain+c.q, c.args...).Rows()
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					line, _ := vals[len(vals)-1].(string)
					if b, ok := vals[len(vals)-1].([]byte); ok {
						line = string(b)
					}
					plan = append(plan, line)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			text := strings.Join(plan, "\n")
			want := "USING COVERING INDEX idx_tasks_open_plan"
			if st.postgres {
				want = "Index Only Scan using idx_tasks_open_plan on tasks"
			}
			if !strings.Contains(text, want) {
				t.Errorf("%s: the plan has no %q:\n%s", name, want, text)
			}
			for _, line := range plan {
				if (strings.Contains(line, " on tasks") || strings.Contains(line, " tasks USING") || strings.HasSuffix(line, " tasks")) &&
					!strings.Contains(line, "idx_tasks_open_plan") {
					t.Errorf("%s: tasks read otherwise too: %s\n%s", name, line, text)
				}
			}
		}
	})
}
