package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// onCachingConn runs f on the one connection of db, a pool of openCachingSQLite (the
// SQLite writer is one), while it is idle.
func onCachingConn(t *testing.T, db *sql.DB, f func(c *stmtCacheConn)) {
	t.Helper()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		f(dc.(*stmtCacheConn))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// decisionBatch is approving brief n: the campaign, the review closed, a task
// opened for the creative team, its event and notification, and the command's
// audit entry.
func decisionBatch(n int) domain.Batch {
	c := newCampaign(fmt.Sprintf("cmp_%012d", n), "pat", "maya", domain.StatusActive, t0)
	review := newTask(fmt.Sprintf("tsk_%010d00", n), t0)
	review.ProcessID, review.Status, review.CompletedAt = c.ID, domain.TaskDone, ptr(at(time.Hour))
	work := newTask(fmt.Sprintf("tsk_%010d01", n), at(time.Hour))
	work.ProcessID = c.ID
	return domain.Batch{
		Campaign: &c, Tasks: []domain.Task{review, work},
		Events: []domain.Event{{Key: fmt.Sprintf("e%d", n), Process: domain.ProcessCampaign, ProcessID: c.ID,
			Kind: domain.EventTaskOpened, TaskID: work.ID, Message: "opened", At: at(time.Hour)}},
		Notifications: []domain.Notification{{Key: fmt.Sprintf("n%d", n), Team: domain.TeamCreative, Role: domain.RoleCreative,
			Kind: domain.NotifyAssigned, Subject: "New task", Process: domain.ProcessCampaign, ProcessID: c.ID, TaskID: work.ID, CreatedAt: at(time.Hour)}},
		Audit: []domain.CommandAudit{{CommandID: fmt.Sprintf("cmd_%d", n), Entry: domain.AuditEntry{Actor: "maya",
			Action: "POST /api/v1/tasks/:id/complete", Object: review.ID, Outcome: domain.AuditAllowed, Status: 200}}},
	}
}

// The writer prepares a records write's statements once: the next writes of
// the same shape, in transactions of their own, prepare nothing.
func TestWriterKeepsItsStatements(t *testing.T) {
	t.Parallel()
	st := openStore(t, storetest.SQLiteDSN(t))
	seedPeople(t, st)
	sqlDB, err := st.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(t.Context(), decisionBatch(1)); err != nil {
		t.Fatal(err)
	}
	var first int
	onCachingConn(t, sqlDB, func(c *stmtCacheConn) { first = c.prepared })
	if first == 0 {
		t.Fatal("the first write prepared no statement for the cache")
	}
	for n := 2; n <= 5; n++ {
		if err := st.Apply(t.Context(), decisionBatch(n)); err != nil {
			t.Fatal(err)
		}
	}
	onCachingConn(t, sqlDB, func(c *stmtCacheConn) {
		if c.prepared != first {
			t.Errorf("statements prepared: %d after the first write, %d after four more of its shape; want no more", first, c.prepared)
		}
	})
	var tasks, audited int64
	if err := st.db.Model(&taskRow{}).Count(&tasks).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.db.Model(&auditRow{}).Count(&audited).Error; err != nil {
		t.Fatal(err)
	}
	if tasks != 10 || audited != 5 {
		t.Errorf("tasks %d, audit entries %d; want 10 and 5", tasks, audited)
	}
}

// The cache keeps at most its bound of statements however many texts it
// meets (an IN list of each length is one), and a statement asked for again
// while its rows are open, or after its table changed, still answers right.
func TestStatementCacheIsBounded(t *testing.T) {
	t.Parallel()
	const size = 4
	dsn, err := sqliteDSN(storetest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db, err := openCachingSQLite(dsn, size)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO t (id, name) VALUES (?, ?)", i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Twenty texts, each run twice, and one with more parameters than are kept.
	long := keptParams + 1
	for round := 0; round < 2; round++ {
		for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, long} {
			args := make([]any, k)
			for i := range args {
				args[i] = i + 1
			}
			q := "SELECT count(*) FROM t WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?,", k), ",") + ")"
			var n int
			if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := min(k, 20); n != want {
				t.Fatalf("IN list of %d: counted %d, want %d", k, n, want)
			}
		}
	}
	onCachingConn(t, db, func(c *stmtCacheConn) {
		if len(c.byQuery) > size || c.lru.Len() > size {
			t.Errorf("cache holds %d statements (%d in order); want at most %d", len(c.byQuery), c.lru.Len(), size)
		}
		for q := range c.byQuery {
			if strings.Count(q, "?") > keptParams {
				t.Errorf("kept a statement of %d parameters, more than %d", strings.Count(q, "?"), keptParams)
			}
		}
	})

	// The same query twice at once: the second runs beside the first's open rows.
	ctxTx, cancel := context.WithCancel(ctx)
	defer cancel()
	tx, err := db.BeginTx(ctxTx, nil)
	if err != nil {
		t.Fatal(err)
	}
	const byName = "SELECT id FROM t WHERE name = ?"
	outer, err := tx.QueryContext(ctx, byName, "n3")
	if err != nil {
		t.Fatal(err)
	}
	var inner int
	if err := tx.QueryRowContext(ctx, byName, "n4").Scan(&inner); err != nil {
		t.Fatal(err)
	}
	var got int
	if !outer.Next() {
		t.Fatal("no row for n3")
	}
	if err := outer.Scan(&got); err != nil {
		t.Fatal(err)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if got != 3 || inner != 4 {
		t.Errorf("ids %d and %d; want 3 and 4", got, inner)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// A kept SELECT * after its table gained a column (a migration): SQLite
	// prepares it again and the new column comes back.
	const star = "SELECT * FROM t WHERE id = ?"
	rows, err := db.QueryContext(ctx, star, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if _, err := db.ExecContext(ctx, "ALTER TABLE t ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	rows, err = db.QueryContext(ctx, star, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var id int
	var name, extra string
	if !rows.Next() {
		t.Fatal("no row 1")
	}
	if err := rows.Scan(&id, &name, &extra); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cols, ",") != "id,name,extra" || extra != "x" {
		t.Errorf("after ALTER TABLE: columns %v, extra %q; want id,name,extra and x", cols, extra)
	}
}

// On PostgreSQL the writer needs no cache of its own: pgx keeps each
// connection's statements prepared, so a records write of a shape written
// before prepares nothing more. A statement kept from before a migration that
// changed its result columns (a SELECT * of a table that gained one) fails
// once, as unavailable (a caller may retry), and runs again prepared afresh.
func TestPostgresKeepsStatementsPrepared(t *testing.T) {
	t.Parallel()
	st := openStore(t, storetest.PostgresDSN(t))
	seedPeople(t, st)
	sqlDB, err := st.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one session, whose statements pg_prepared_statements lists
	prepared := func() int {
		t.Helper()
		var n int
		if err := st.db.Raw("SELECT count(*) FROM pg_prepared_statements").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := st.Apply(t.Context(), decisionBatch(1)); err != nil {
		t.Fatal(err)
	}
	first := prepared()
	for n := 2; n <= 3; n++ {
		if err := st.Apply(t.Context(), decisionBatch(n)); err != nil {
			t.Fatal(err)
		}
	}
	if first == 0 || prepared() != first {
		t.Errorf("prepared statements: %d after the first write, %d after two more of its shape; want the same, not none", first, prepared())
	}

	// The write names the columns it reads, so a column added does not fail
	// it; a read of SELECT * kept from before fails once.
	if _, _, err := st.VerifyAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.db.Exec("ALTER TABLE audit_log ADD COLUMN extra text").Error; err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(t.Context(), decisionBatch(4)); err != nil {
		t.Fatalf("the write after the migration: %v", err)
	}
	if _, _, err := st.VerifyAudit(t.Context()); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("first SELECT * after the migration: %v; want it unavailable", err)
	}
	if checked, _, err := st.VerifyAudit(t.Context()); err != nil || checked != 4 {
		t.Fatalf("the read after the migration, tried again: %d entries, %v; want 4", checked, err)
	}
}
