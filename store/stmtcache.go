package store

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// The SQLite writer's statement cache. Without it, modernc.org/sqlite parses every
// statement it runs (a multi-row INSERT of a records write is a long one) and
// throws the program away. database/sql cannot keep them for the writer: a *sql.Stmt
// prepared on a transaction dies with it, and one prepared on the pool needs a free
// connection to be prepared on, while the writer's only one is inside the
// transaction. So the writer's connection keeps them itself, by SQL text, under
// database/sql: modernc keeps the SQLite program of a prepared single-statement
// Stmt and resets it for the next run. SQLite prepares a kept program again by
// itself when the schema has changed (a migration), before its next run.
//
// PostgreSQL needs none of this: pgx, under database/sql, keeps the statements of
// each connection prepared by SQL text (its default statement cache, 512 a
// connection).

// writerStatements bounds the statements the writer's connection keeps. A records
// write runs a few dozen distinct statements, but an INSERT of n rows or an IN
// list of n values is a statement per n, so the texts are not a fixed set; the
// least recently used is closed past the bound.
const writerStatements = 128

// keptParams bounds the parameters of a statement the cache keeps: a program grows
// with its values (one of 10 rows of 26 columns holds about 50 kB of SQLite's
// memory, one of 100 rows about 250 kB), and a write of many rows is rare, so it
// runs unprepared, as without the cache. 320 is 12 rows of a task; approving a
// brief writes six tasks and about ten notifications of 12 columns.
const keptParams = 320

// sqliteConn is what modernc's connection implements and the cache passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCacheConnector opens connections of the registered "sqlite" driver (modernc)
// that keep their statements.
type stmtCacheConnector struct {
	driver driver.Driver
	dsn    string
	size   int
}

// openCachingSQLite opens a pool on dsn whose connections keep up to size
// statements each.
func openCachingSQLite(dsn string, size int) (*sql.DB, error) {
	// The driver as registered, with whatever was registered on it.
	registered, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	drv := registered.Driver()
	if err := registered.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtCacheConnector{driver: drv, dsn: dsn, size: size}), nil
}

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks a method the statement cache needs", conn)
	}
	return &stmtCacheConn{sqliteConn: sc, size: c.size, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.driver }

// stmtCacheConn is a connection that runs each statement through a prepared
// statement it keeps by SQL text, up to size of them, least recently used first
// out. database/sql uses a connection from one goroutine at a time, so it needs no
// lock.
type stmtCacheConn struct {
	sqliteConn
	size    int
	byQuery map[string]*list.Element // of *cachedStmt
	lru     *list.List               // most recently used first
	// prepared counts the statements prepared for the cache, for tests.
	prepared int
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	// busy: its rows are open, so it cannot run again until they are closed.
	busy bool
	// evicted: closed when its rows are.
	evicted bool
}

// ExecContext runs query with its kept statement.
func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.statement(ctx, query, len(args))
	if err != nil {
		return nil, err
	}
	if cs == nil { // busy, or not to be kept
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.drop(cs)
	}
	return res, err
}

// QueryContext runs query with its kept statement, which is busy until the rows
// are closed: the same query asked again meanwhile runs unprepared.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.statement(ctx, query, len(args))
	if err != nil {
		return nil, err
	}
	if cs == nil { // busy, or not to be kept
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.drop(cs)
		return nil, err
	}
	typed, ok := rows.(sqliteRows)
	if !ok {
		_ = rows.Close()
		c.drop(cs)
		return nil, fmt.Errorf("sqlite rows %T lack a method the statement cache passes on", rows)
	}
	cs.busy = true
	return &cachedRows{sqliteRows: typed, cs: cs}, nil
}

// statement answers query's kept statement, prepared now if need be; nil when it
// is busy or is not to be kept, having more than keptParams parameters (params:
// the run's arguments, one a parameter).
func (c *stmtCacheConn) statement(ctx context.Context, query string, params int) (*cachedStmt, error) {
	if params > keptParams {
		return nil, nil
	}
	if e, ok := c.byQuery[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return cs, nil
	}
	stmt, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.prepared++
	cs := &cachedStmt{query: query, stmt: stmt}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > c.size {
		c.drop(c.lru.Back().Value.(*cachedStmt))
	}
	return cs, nil
}

// drop forgets cs and closes it, or has it closed when its rows are. A statement
// that failed is dropped too: the next run prepares it afresh.
func (c *stmtCacheConn) drop(cs *cachedStmt) {
	if e, ok := c.byQuery[cs.query]; ok && e.Value == cs {
		c.lru.Remove(e)
		delete(c.byQuery, cs.query)
	}
	if cs.busy {
		cs.evicted = true
		return
	}
	_ = cs.stmt.Close()
}

// Close closes the kept statements, then the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		cs := e.Value.(*cachedStmt)
		if !cs.busy {
			errs = append(errs, cs.stmt.Close())
		}
	}
	c.byQuery, c.lru = map[string]*list.Element{}, list.New()
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// sqliteRows is what modernc's rows implement and the cache passes on: GORM
// reads the column types to scan.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	sqliteRows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	if r.cs.busy {
		r.cs.busy = false
		if r.cs.evicted {
			err = errors.Join(err, r.cs.stmt.Close())
		}
	}
	return err
}
