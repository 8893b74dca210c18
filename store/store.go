package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
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
type Store struct {
	db       *gorm.DB
	postgres bool
}

// Open connects to the database named by dsn: a "postgres://" or "postgresql://" URL
// for PostgreSQL, anything else a SQLite file path, optionally prefixed "sqlite:"
// (":memory:" for a throwaway database). It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	st := &Store{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	var dialector gorm.Dialector
	if st.postgres {
		dialector = postgres.Open(dsn)
	} else {
		path, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		dialector = sqliteDialector{sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: path}).(*sqlite.Dialector)}
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		TranslateError: true,
		// Errors are returned to the caller, who handles them once; GORM's own
		// logging would report every "record not found" a second time.
		Logger: logger.Discard,
		// GORM's own ping ignores ctx and could hang on an unreachable host; Open
		// pings below with the caller's context instead.
		DisableAutomaticPing: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", classify(err))
	}
	st.db = db
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if st.postgres {
		// Bounded, because API and worker processes scale out against one server's
		// max_connections; recycled, so a failover or a pooler restart is picked up
		// without restarting Tandem.
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	} else {
		// SQLite has one writer at a time. One connection serialises this process's
		// writers in Go instead of failing them with SQLITE_BUSY, and keeps a
		// ":memory:" database alive (each connection would get its own).
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0) // never recycled: that would lose a ":memory:" database
	}
	if err := st.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return st, nil
}

// sqliteDSN turns a SQLite path into a modernc DSN with WAL, a busy timeout and
// foreign keys on. Settings the caller already put in the DSN are kept.
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
		// WAL lets readers in other processes (tandem api beside tandem worker) read
		// while one writes.
		{"journal_mode", "journal_mode(WAL)"},
		// Another process holding the write lock is waited for rather than failed.
		{"busy_timeout", "busy_timeout(5000)"},
		{"foreign_keys", "foreign_keys(1)"},
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
	sqlDB, err := st.db.DB()
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		return fmt.Errorf("ping database: %w: %w", domain.ErrUnavailable, err)
	}
	return nil
}

// Close closes the database connections.
func (st *Store) Close() error {
	sqlDB, err := st.db.DB()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return sqlDB.Close()
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
			strings.HasPrefix(pgErr.Code, "57P0") || pgErr.Code == "53300"
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
