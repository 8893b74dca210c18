package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	moderncsqlite "modernc.org/sqlite" // pure Go; registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tandemhq/tandem/domain"
)

// Store is Tandem's record store on PostgreSQL or SQLite.
//
// On a SQLite file it holds two pools: db, one connection for every write (SQLite has
// one writer at a time), and reads, several read-only connections for the reads that
// are not part of a write. In WAL mode readers neither wait for the writer nor hold it
// up, so an API request's token, person and task lookups do not queue behind the
// worker's writes. A read sees every transaction committed before it starts, so a
// caller still reads its own writes: they have committed when the write returns.
// Whatever reads and then writes (a transaction, an insert-or-read) stays on db.
// On PostgreSQL and on an in-memory SQLite database, reads is db.
type Store struct {
	db       *gorm.DB // writes, and reads that belong to a write
	reads    *gorm.DB // reads alone; db where there is no separate read pool
	postgres bool
	// sealer seals the refresh tokens kept with board sessions (SealSecretsWith).
	sealer atomic.Pointer[Sealer]
}

// sqliteReaders is how many read-only connections a SQLite file gets: enough for the
// API's concurrent lookups on a small machine; each costs an open file and its own
// page cache.
func sqliteReaders() int { return max(4, runtime.GOMAXPROCS(0)) }

// Open connects to the database named by dsn: a "postgres://" or "postgresql://" URL
// for PostgreSQL, anything else a SQLite file path, optionally prefixed "sqlite:"
// (":memory:" for a throwaway database). It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	st := &Store{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	if st.postgres {
		db, err := openGorm(postgres.Open(dsn), false)
		if err != nil {
			return nil, err
		}
		// Bounded, because API and worker processes scale out against one server's
		// max_connections; recycled, so a failover or a pooler restart is picked up
		// without restarting Tandem.
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		st.db, st.reads = db, db
		if err := st.Ping(ctx); err != nil {
			_ = st.Close()
			return nil, err
		}
		return st, nil
	}

	writeDSN, err := sqliteDSN(dsn)
	if err != nil {
		return nil, err
	}
	// Not prepared by GORM, unlike the reads below: GORM prepares a statement first
	// met in a transaction on that transaction, and database/sql prepares it again
	// in every later one. The writer's connection keeps its statements itself
	// (stmtcache.go).
	writer, err := openCachingSQLite(writeDSN, writerStatements)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if st.db, err = openGorm(sqliteDialect(sqlite.Config{Conn: writer}), false); err != nil {
		_ = writer.Close()
		return nil, err
	}
	st.reads = st.db
	// SQLite has one writer at a time. One connection serialises this process's
	// writers in Go instead of failing them with SQLITE_BUSY, and keeps a ":memory:"
	// database alive (each connection would get its own).
	sqlDB, err := st.db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetConnMaxLifetime(0) // never recycled: that would lose a ":memory:" database
	// The ping opens the writer first, so the file exists and is in WAL mode before
	// any reader opens it.
	if err := st.Ping(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	// Only WAL lets reads run beside a write. A ":memory:" database (journal mode
	// "memory") lives in its one connection, and a caller's own journal mode would
	// make readers and the writer wait for each other: both keep the one pool.
	var mode string
	if err := st.db.WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open database: journal mode: %w", classify(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return st, nil
	}
	// The reads are a few statements run over and over (a token, a person, a task
	// by ID): prepared once per connection and kept, they are not parsed again on
	// every request. The read pool never changes the schema, and SQLite prepares a
	// kept statement again by itself when another connection has changed it.
	reads, err := openGorm(sqliteDialect(sqlite.Config{DriverName: "sqlite", DSN: sqliteReadDSN(writeDSN)}), true)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	st.reads = reads
	n := sqliteReaders()
	readDB, err := reads.DB()
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	readDB.SetMaxOpenConns(n)
	readDB.SetMaxIdleConns(n) // kept open: a new connection costs a file open and its pragmas
	if err := st.Ping(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// preparedStatements bounds the statements a pool keeps prepared: the store has a
// few dozen, but a list filtered by a variable number of values (IN ?) makes a new
// one per count.
const preparedStatements = 256

// openGorm opens a GORM handle on dialector with the store's settings; prepare keeps
// its statements prepared.
func openGorm(dialector gorm.Dialector, prepare bool) (*gorm.DB, error) {
	db, err := gorm.Open(dialector, &gorm.Config{
		PrepareStmt:        prepare,
		PrepareStmtMaxSize: preparedStatements,
		TranslateError:     true,
		// Errors are returned to the caller, who handles them once; GORM's own
		// logging would report every "record not found" a second time.
		Logger: logger.Discard,
		// GORM's own ping ignores ctx and could hang on an unreachable host; Open
		// pings with the caller's context instead.
		DisableAutomaticPing: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", classify(err))
	}
	return db, nil
}

func sqliteDialect(c sqlite.Config) gorm.Dialector {
	return sqliteDialector{sqlite.New(c).(*sqlite.Dialector)}
}

// sqliteDSN turns a SQLite path into the writer's modernc DSN: WAL with
// synchronous=NORMAL, a busy timeout, foreign keys on and immediate transactions.
// Settings the caller already put in the DSN are kept.
func sqliteDSN(dsn string) (string, error) {
	if rest, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
		dsn = rest
	} else {
		dsn = strings.TrimPrefix(dsn, "sqlite:")
	}
	if dsn == "" {
		return "", errors.New("open database: empty SQLite path")
	}
	path, rawQuery, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("open database: SQLite DSN query: %w", err)
	}
	for _, p := range []struct{ name, value string }{
		// WAL lets readers (this process's read pool, and tandem api beside tandem
		// worker) read while one connection writes.
		{"journal_mode", "journal_mode(WAL)"},
		// In WAL mode, NORMAL syncs the disk at checkpoints only, not at every
		// commit. A commit survives the process crashing (it is in the WAL file the
		// next open replays); the last transactions before a power loss or an OS
		// crash may be lost, though the database stays consistent. FULL, SQLite's
		// default, makes every write wait for a disk sync (milliseconds), and the
		// single writer makes everyone else wait for it. Set "synchronous(FULL)" in
		// the DSN to choose durability over speed.
		{"synchronous", "synchronous(NORMAL)"},
		// Another process holding the write lock is waited for rather than failed.
		{"busy_timeout", "busy_timeout(5000)"},
		{"foreign_keys", "foreign_keys(1)"},
		// Statement journals and temporary tables in memory, not in temporary
		// files: every multi-row upsert in a transaction keeps a statement journal,
		// and on disk each of its pages was a system call.
		{"temp_store", "temp_store(MEMORY)"},
	} {
		set := false
		for _, v := range q["_pragma"] {
			set = set || strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), p.name)
		}
		if !set {
			q.Add("_pragma", p.value)
		}
	}
	if !q.Has("_txlock") {
		// A transaction takes the write lock when it begins, so the busy timeout
		// applies; a deferred one that upgrades later fails at once with SQLITE_BUSY.
		q.Set("_txlock", "immediate")
	}
	if !q.Has("_time_format") {
		// A fixed UTC layout that sorts as text in time order, which keyset
		// pagination on created_at relies on.
		q.Set("_time_format", "sqlite")
	}
	return path + "?" + q.Encode(), nil
}

// sqliteReadDSN is the DSN of the read pool, made from the writer's (sqliteDSN's
// output): the same file and settings, but query_only, so a write sent to the read
// pool by mistake fails loudly instead of racing the writer, and deferred
// transactions, which take no write lock. The journal mode is the writer's to set.
func sqliteReadDSN(writeDSN string) string {
	path, rawQuery, _ := strings.Cut(writeDSN, "?")
	q, _ := url.ParseQuery(rawQuery) // sqliteDSN made it
	var pragmas []string
	for _, v := range q["_pragma"] {
		name := strings.ToLower(strings.TrimSpace(v))
		if !strings.HasPrefix(name, "journal_mode") && !strings.HasPrefix(name, "query_only") {
			pragmas = append(pragmas, v)
		}
	}
	q["_pragma"] = append(pragmas, "query_only(1)")
	q.Set("_txlock", "deferred")
	return path + "?" + q.Encode()
}

// sqliteDialector is GORM's SQLite dialector with error translation that understands
// modernc's errors: GORM's own reads mattn/go-sqlite3's exported fields, which
// modernc's error type does not have, so duplicates and foreign-key violations would
// otherwise come through untranslated.
type sqliteDialector struct{ *sqlite.Dialector }

// Translate maps SQLite constraint errors to GORM's portable errors.
func (d sqliteDialector) Translate(err error) error {
	var se *moderncsqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", gorm.ErrDuplicatedKey, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", gorm.ErrForeignKeyViolated, err)
		}
	}
	return err
}

// Ping checks that the database answers; an unreachable one is domain.ErrUnavailable.
func (st *Store) Ping(ctx context.Context) error {
	for _, db := range st.pools() {
		sqlDB, err := db.DB()
		if err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("ping database: %w", err)
			}
			return fmt.Errorf("ping database: %w: %w", domain.ErrUnavailable, err)
		}
	}
	return nil
}

// Close closes the database connections.
func (st *Store) Close() error {
	var errs []error
	for _, db := range st.pools() {
		if prepared, ok := db.ConnPool.(*gorm.PreparedStmtDB); ok {
			prepared.Close()
		}
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// pools is the store's distinct connection pools: the writer first.
func (st *Store) pools() []*gorm.DB {
	if st.reads == nil || st.reads == st.db {
		return []*gorm.DB{st.db}
	}
	return []*gorm.DB{st.db, st.reads}
}

// classify marks errors that mean the database cannot be reached right now as
// domain.ErrUnavailable, so the API answers 503 and the caller may retry.
func classify(err error) error {
	if err == nil || errors.Is(err, domain.ErrUnavailable) {
		return err
	}
	var (
		netErr  net.Error
		connErr *pgconn.ConnectError
		pgErr   *pgconn.PgError
		se      *moderncsqlite.Error
	)
	unavailable := errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.As(err, &netErr) || errors.As(err, &connErr)
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions; 57P0x: the server is shutting down or
		// starting; 53300: too many connections.
		unavailable = unavailable || strings.HasPrefix(pgErr.Code, "08") ||
			strings.HasPrefix(pgErr.Code, "57P0") || pgErr.Code == "53300" ||
			staleStatement(pgErr)
	}
	if errors.As(err, &se) {
		// Still locked by another process after the busy timeout.
		unavailable = unavailable || se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED
	}
	if unavailable {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}

// staleStatement is "cached plan must not change result type": a statement pgx
// kept prepared (its statement cache, by SQL text, per connection) whose result
// columns a migration changed since, a "SELECT *" on a table that gained a column.
// pgx drops the statement on the error and prepares it again on the next run, so
// the next try succeeds: a caller may retry. Told by where the server raised it,
// not by its message, which the server's locale translates.
func staleStatement(e *pgconn.PgError) bool {
	return e.Code == "0A000" && e.Routine == "RevalidateCachedQuery"
}

// wrap gives a database error short context and its domain meaning: a missing
// record is domain.ErrNotFound, a duplicate key domain.ErrConflict.
func wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.NotFoundf("%s", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Conflictf("%s already exists", what)
	}
	return fmt.Errorf("%s: %w", what, classify(err))
}
