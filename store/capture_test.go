package store

import (
	"database/sql"
	"testing"

	"gorm.io/gorm"
)

// capturedStatement is one statement as the store sent it, with its arguments.
type capturedStatement struct {
	sql  string
	vars []any
}

// readCapture keeps the statements the store's read pool sends from the moment
// captureReads makes it (on SQLite the read pool is one of its own; on
// PostgreSQL, the one pool), for the index tests to EXPLAIN on pool.
type readCapture struct {
	stmts []capturedStatement
	pool  *sql.DB
}

// captureReads captures the statements of GORM's queries (Find, First, …) with
// hook "query", or of the rows a list reads itself (Rows, as scanTasks does)
// with "row". A dry run, which GORM makes to build a subquery and never sends,
// is left out.
func captureReads(t *testing.T, st *Store, hook string) *readCapture {
	t.Helper()
	c := &readCapture{}
	capture := func(db *gorm.DB) {
		if !db.DryRun {
			c.stmts = append(c.stmts, capturedStatement{db.Statement.SQL.String(), db.Statement.Vars})
		}
	}
	var err error
	switch hook {
	case "query":
		err = st.reads.Callback().Query().After("gorm:query").Register("test:capture", capture)
	case "row":
		err = st.reads.Callback().Row().After("gorm:row").Register("test:capture", capture)
	default:
		t.Fatalf("captureReads: hook %q is neither query nor row", hook)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.pool, err = st.reads.DB(); err != nil {
		t.Fatal(err)
	}
	return c
}

// last is the latest statement captured (none: the zero statement).
func (c *readCapture) last() capturedStatement {
	if len(c.stmts) == 0 {
		return capturedStatement{}
	}
	return c.stmts[len(c.stmts)-1]
}
