package store

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// While a write transaction is open, reads still answer, from what was committed
// before it; once it commits, they see it. On SQLite the reads come from their own
// read-only connections: the one writer connection is busy for as long as the
// transaction lasts, so a read queued behind it would wait until the write
// committed and here, since the write waits for the reads, never. The deadline
// only turns such a hang into a failure; nothing is timed.
func TestReadsDoNotWaitForAnOpenWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustUpsert(t, st, person("pat", domain.TeamPMO, domain.RoleProjectManager))
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{newTask("tsk_a", t0)}})

		inTx := make(chan struct{})
		release := make(chan struct{})
		committed := make(chan error, 1)
		go func() {
			committed <- st.db.WithContext(t.Context()).Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("UPDATE tasks SET title = ? WHERE id = ?", "Changed", "tsk_a").Error; err != nil {
					return err
				}
				close(inTx)
				<-release
				return nil
			})
		}()
		select {
		case <-inTx:
		case err := <-committed:
			t.Fatalf("write transaction: %v", err)
		}

		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		task, err := st.Task(ctx, "tsk_a")
		if err != nil {
			close(release)
			t.Fatalf("Task while a write is open: %v", err)
		}
		page, err := st.Tasks(ctx, domain.TaskFilter{})
		if err != nil {
			close(release)
			t.Fatalf("Tasks while a write is open: %v", err)
		}
		_, personErr := st.Person(ctx, "pat")
		close(release)
		if personErr != nil {
			t.Fatalf("Person while a write is open: %v", personErr)
		}
		if task.Title != "Task tsk_a" {
			t.Errorf("Task while a write is open: title %q, want the committed %q", task.Title, "Task tsk_a")
		}
		if len(page.Items) != 1 || page.Items[0].Title != "Task tsk_a" {
			t.Errorf("Tasks while a write is open: %+v, want tsk_a as committed", page.Items)
		}

		if err := <-committed; err != nil {
			t.Fatalf("write transaction: %v", err)
		}
		// The writer's commit is seen by the next read, on whichever connection.
		if task, err = st.Task(t.Context(), "tsk_a"); err != nil || task.Title != "Changed" {
			t.Errorf("Task after the commit: title %q (%v), want %q", task.Title, err, "Changed")
		}
	})
}

// On a SQLite file the reads have their own pool, which cannot write: a write sent
// there by mistake fails instead of racing the writer. ":memory:" keeps one pool,
// since each connection would get a database of its own.
func TestSQLiteReadPool(t *testing.T) {
	st := openStore(t, storetest.SQLiteDSN(t))
	if st.reads == st.db {
		t.Fatal("a SQLite file has no separate read pool")
	}
	readDB, err := st.reads.DB()
	if err != nil {
		t.Fatal(err)
	}
	if n := readDB.Stats().MaxOpenConnections; n < 2 {
		t.Errorf("read pool has at most %d connections, want several", n)
	}
	writeDB, err := st.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	if n := writeDB.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool has at most %d connections, want 1", n)
	}
	err = st.reads.WithContext(t.Context()).Exec("DELETE FROM tasks").Error
	if err == nil {
		t.Error("a write through the read pool succeeded")
	}
	var queryOnly int
	if err := st.reads.Raw("PRAGMA query_only").Scan(&queryOnly).Error; err != nil || queryOnly != 1 {
		t.Errorf("read pool query_only = %d (%v), want 1", queryOnly, err)
	}
	// Writes through the store still work, and its reads see them.
	mustApply(t, st, domain.Batch{Tasks: []domain.Task{newTask("tsk_w", t0)}})
	if _, err := st.Task(t.Context(), "tsk_w"); err != nil {
		t.Fatalf("Task after Apply: %v", err)
	}
	// The read pool keeps what it ran prepared, for the next request.
	if prepared, ok := st.reads.ConnPool.(*gorm.PreparedStmtDB); !ok || len(prepared.Stmts.Keys()) == 0 {
		t.Errorf("read pool keeps no prepared statements (%T)", st.reads.ConnPool)
	}
	// A kept statement still works after the schema changed under it.
	if err := st.db.WithContext(t.Context()).Exec("CREATE INDEX idx_test_title ON tasks (title)").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := st.Task(t.Context(), "tsk_w"); err != nil {
		t.Fatalf("Task after a schema change: %v", err)
	}

	mem := openStore(t, ":memory:")
	if mem.reads != mem.db {
		t.Error(":memory: has a separate read pool: its reads would see another, empty database")
	}
	mustApply(t, mem, domain.Batch{Tasks: []domain.Task{newTask("tsk_m", t0)}})
	if _, err := mem.Task(t.Context(), "tsk_m"); err != nil {
		t.Fatalf("Task on :memory: after Apply: %v", err)
	}
}
