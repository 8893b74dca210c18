package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"gorm.io/gorm"
)

// The schema is versioned: migrations/postgres and migrations/sqlite hold the same
// numbered versions, one SQL file each, applied in order by goose and recorded in
// versionTable. Version 1 is the schema as it was when versioning began; a change
// is a new file in both directories, never an edit of an applied one. Goose runs
// on the store's own *sql.DB and imports no database driver, so the binary keeps
// the one SQLite driver it has (modernc's, which the embedded Temporal server
// shares).
//
//go:embed migrations
var migrationFiles embed.FS

// versionTable records the applied versions: goose's default name, so the goose
// command line reads it too.
const versionTable = "goose_db_version"

// migrationLock is the PostgreSQL advisory lock key that serialises Migrate across
// processes (several tandem migrate or tandem dev starting together): "tandem" in
// ASCII.
const migrationLock = 0x74616e64656d

// migrations returns this database's migration files and its version records.
func (st *Store) migrations() (fs.FS, versionStore) {
	dir, dialect := "migrations/sqlite", database.DialectSQLite3
	if st.postgres {
		dir, dialect = "migrations/postgres", database.DialectPostgres
	}
	files, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		panic(err) // a constant path into the embedded files
	}
	versions, err := database.NewStore(dialect, versionTable)
	if err != nil {
		panic(err) // a constant dialect goose knows
	}
	return files, versionStore{versions, st.postgres}
}

// versionStore is goose's record of the applied versions, with a check of its
// own that the table exists: goose's SQLite store has none, and goose would
// otherwise find out by querying the table and logging the error.
type versionStore struct {
	database.Store
	postgres bool
}

// TableExists says whether the version table exists, as the unqualified name
// resolves: in the search_path on PostgreSQL.
func (s versionStore) TableExists(ctx context.Context, db database.DBTxConn) (bool, error) {
	query := "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)"
	if s.postgres {
		query = "SELECT to_regclass($1) IS NOT NULL"
	}
	var exists bool
	if err := db.QueryRowContext(ctx, query, s.Tablename()).Scan(&exists); err != nil {
		return false, fmt.Errorf("find the version table: %w", err)
	}
	return exists, nil
}

// Migrate brings the schema to the newest version this build has. An empty
// database gets every version; one made before versioned migrations is adopted
// at version 1 first (see prepareVersions), keeping its data. It is idempotent, and
// safe to run from several processes at once.
func (st *Store) Migrate(ctx context.Context) error {
	files, versions := st.migrations()
	if err := st.migrate(ctx, files, versions); err != nil {
		return fmt.Errorf("migrate: %w", classify(err))
	}
	return nil
}

// migrate applies the versions in files that the database lacks.
func (st *Store) migrate(ctx context.Context, files fs.FS, versions versionStore) error {
	sqlDB, err := st.db.DB()
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithStore(versions), goose.WithDisableGlobalRegistry(true)}
	if st.postgres {
		// Held on a connection of its own until Migrate returns, over the adoption
		// and every version.
		unlock, err := lockMigrations(ctx, sqlDB)
		if err != nil {
			return err
		}
		defer unlock()
	} else {
		opts = append(opts, goose.WithSessionLocker(sqliteSession{}))
	}
	if err := st.prepareVersions(ctx, versions); err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectCustom, sqlDB, files, opts...)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		_, err := p.Up(ctx)
		if err == nil {
			return nil
		}
		// Another process on the same SQLite file applied the version this one
		// failed to (both read the applied versions before either applied it; the
		// version table's unique index refused the second): read them again.
		// Every version runs in a transaction, so the failed attempt left nothing.
		var partial *goose.PartialError
		if attempt < 3 && errors.As(err, &partial) {
			if v, verr := latestVersion(ctx, sqlDB, versions); verr == nil && v >= partial.Failed.Source.Version {
				continue
			}
		}
		return err
	}
}

// lockMigrations takes the migration advisory lock on a connection of its own
// and returns what releases it.
func lockMigrations(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() {
		// A lock left by a failed unlock ends with the session: the connection is closed.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
		_ = conn.Close()
	}, nil
}

// prepareVersions makes the version table where there is none, in one
// transaction: at version 0 on an empty database, at version 1 on one made
// before versioned migrations, after bridging it to version 1. On SQLite the
// immediate transaction takes the write lock, so concurrent migrators take
// turns, and foreign keys are off for the bridge (see sqliteSession).
func (st *Store) prepareVersions(ctx context.Context, versions versionStore) error {
	prepare := func(tx *gorm.DB) error {
		conn := tx.Statement.ConnPool // the transaction
		if exists, err := versions.TableExists(ctx, conn); err != nil || exists {
			return err
		}
		legacy := isLegacy(tx)
		if legacy {
			if err := bridgeLegacy(tx, st.postgres); err != nil {
				return fmt.Errorf("adopt the schema made before versioned migrations: %w", err)
			}
		}
		if err := versions.CreateVersionTable(ctx, conn); err != nil {
			return fmt.Errorf("version table: %w", err)
		}
		// A version is applied once: two SQLite migrators that both read it as
		// pending cannot both record it (see migrate).
		if err := tx.Exec("CREATE UNIQUE INDEX uq_" + versionTable + "_version ON " + versionTable + " (version_id)").Error; err != nil {
			return fmt.Errorf("version table: %w", err)
		}
		applied := []int64{0}
		if legacy {
			applied = append(applied, 1)
		}
		for _, v := range applied {
			if err := versions.Insert(ctx, conn, database.InsertRequest{Version: v}); err != nil {
				return fmt.Errorf("record version %d: %w", v, err)
			}
		}
		if legacy && !st.postgres {
			// Before commit: a bridge that broke a key changes nothing.
			return foreignKeyCheck(ctx, conn)
		}
		return nil
	}
	db := st.db.WithContext(ctx)
	if st.postgres {
		return db.Transaction(prepare) // DDL is transactional
	}
	return db.Connection(func(conn *gorm.DB) error {
		s := sqliteSession{}
		sqlConn := conn.Statement.ConnPool.(*sql.Conn)
		if err := s.SessionLock(ctx, sqlConn); err != nil {
			return err
		}
		err := conn.Transaction(prepare)
		return errors.Join(err, s.SessionUnlock(ctx, sqlConn))
	})
}

// sqliteSession readies the one connection SQLite migrates on, as goose's
// session locker: foreign keys off while the schema changes, as SQLite
// prescribes, since changing a column means rebuilding its table, and dropping
// the old table with foreign keys on would cascade to every row that refers to
// it (every role and token of the people). The keys are checked when the
// migration ends. The pragma only works outside a transaction and per
// connection. Concurrent migrators take turns through SQLite's write lock, which
// each version's immediate transaction takes.
type sqliteSession struct{}

// SessionLock turns foreign keys off on conn.
func (sqliteSession) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("foreign keys off: %w", err)
	}
	return nil
}

// SessionUnlock checks the foreign keys and turns them back on.
func (sqliteSession) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	ctx = context.WithoutCancel(ctx) // the connection must not go back to the pool with keys off
	err := foreignKeyCheck(ctx, conn)
	if _, onErr := conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); onErr != nil {
		err = errors.Join(err, fmt.Errorf("foreign keys on: %w", onErr))
	}
	return err
}

// foreignKeyCheck fails when a row of the SQLite database on q breaks a foreign key.
func foreignKeyCheck(ctx context.Context, q database.DBTxConn) error {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("foreign key check: the migrated schema has rows that break a foreign key")
	}
	return rows.Err()
}

// latestVersion is the newest version recorded in db; 0 when there is no version table.
func latestVersion(ctx context.Context, db database.DBTxConn, versions versionStore) (int64, error) {
	exists, err := versions.TableExists(ctx, db)
	if err != nil || !exists {
		return 0, err
	}
	v, err := versions.GetLatestVersion(ctx, db)
	if errors.Is(err, database.ErrVersionNotFound) {
		return 0, nil
	}
	return v, err
}

// Migration is one version of the schema this build has.
type Migration struct {
	Version int64
	File    string     // e.g. 00001_schema.sql
	Applied *time.Time // when this database got it; nil while it is pending
}

// Schema is where a database's schema stands against this build's migrations.
type Schema struct {
	// Version is the newest version the database has; 0 when it has none.
	Version int64
	// Legacy: the database was made before versioned migrations (its tables have
	// no version table); Migrate adopts it at version 1, then applies the rest.
	Legacy bool
	// Migrations are this build's, oldest first.
	Migrations []Migration
}

// Latest is the newest version this build has.
func (s Schema) Latest() int64 {
	if len(s.Migrations) == 0 {
		return 0
	}
	return s.Migrations[len(s.Migrations)-1].Version
}

// Pending is the number of this build's versions the database lacks.
func (s Schema) Pending() int {
	n := 0
	for _, m := range s.Migrations {
		if m.Applied == nil {
			n++
		}
	}
	return n
}

// Schema reads the database's schema version and which of this build's
// migrations it has. It changes nothing: a database without a version table
// keeps having none.
func (st *Store) Schema(ctx context.Context) (Schema, error) {
	files, versions := st.migrations()
	list, err := migrationList(files)
	if err != nil {
		return Schema{}, fmt.Errorf("schema: %w", err)
	}
	s := Schema{Migrations: list}
	sqlDB, err := st.reads.DB()
	if err != nil {
		return Schema{}, fmt.Errorf("schema: %w", err)
	}
	exists, err := versions.TableExists(ctx, sqlDB)
	if err != nil {
		return Schema{}, fmt.Errorf("schema: %w", classify(err))
	}
	if !exists {
		s.Legacy = isLegacy(st.reads.WithContext(ctx))
		return s, nil
	}
	if s.Version, err = latestVersion(ctx, sqlDB, versions); err != nil {
		return Schema{}, fmt.Errorf("schema: %w", classify(err))
	}
	for i, m := range s.Migrations {
		got, err := versions.GetMigration(ctx, sqlDB, m.Version)
		switch {
		case errors.Is(err, database.ErrVersionNotFound):
		case err != nil:
			return Schema{}, fmt.Errorf("schema: version %d: %w", m.Version, classify(err))
		case got.IsApplied:
			at := got.Timestamp.UTC()
			s.Migrations[i].Applied = &at
		}
	}
	return s, nil
}

// migrationList lists the migrations in files, oldest first.
func migrationList(files fs.FS) ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, File: name})
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// SchemaVersion is the database's schema version and the newest this build
// has, for readiness checks: one cheap read, no change.
func (st *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	files, versions := st.migrations()
	list, err := migrationList(files)
	if err != nil || len(list) == 0 {
		return 0, 0, fmt.Errorf("schema version: no migrations: %w", err)
	}
	sqlDB, err := st.reads.DB()
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	current, err = latestVersion(ctx, sqlDB, versions)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", classify(err))
	}
	return current, list[len(list)-1].Version, nil
}
