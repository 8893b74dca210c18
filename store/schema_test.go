package store

import (
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3/database"
	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// models are the store's tables as the code reads and writes them: what an empty
// database migrated to the newest version must match.
var models = []any{
	&personRow{}, &personRoleRow{}, &tokenRow{}, &sessionRow{}, &campaignRow{}, &taskRow{},
	&eventRow{}, &notificationRow{}, &notificationMarkRow{}, &idempotencyRow{}, &auditRow{}, &commandRow{},
	&hiringRow{}, &candidateRow{}, &riskRow{}, &templateRunRow{},
	&webhookRow{}, &webhookDeliveryRow{}, &emailRow{}, &feedRow{},
	&templateRow{}, &commentRow{}, &commentRevisionRow{},
	&notificationPreferenceRow{}, &outboxEventRow{}, &dispatchMarkRow{},
}

// catalog describes a database's tables as lines, one per column, constraint and
// index, as the database itself reports them (pragmas on SQLite, pg_catalog on
// PostgreSQL). Columns are sorted by name: a column added later sits at the end
// of its table, which changes nothing a query sees. The version table is left out.
type catalog map[string][]string

func catalogOf(t testing.TB, st *Store) catalog {
	t.Helper()
	db, err := st.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	strs := func(query string, args ...any) [][]string {
		t.Helper()
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			out = append(out, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	c := catalog{}
	if st.postgres {
		var schema string
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		for _, tbl := range strs(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> $1`, versionTable) {
			name := tbl[0]
			var lines []string
			for _, col := range strs(`SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
				FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
				WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, name) {
				line := "column " + col[0] + " " + col[1]
				if col[2] == "true" {
					line += " NOT NULL"
				}
				if col[3] != "" {
					line += " DEFAULT " + col[3]
				}
				lines = append(lines, line)
			}
			for _, con := range strs(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass($1)`, name) {
				lines = append(lines, "constraint "+con[0]+" "+con[1])
			}
			for _, ix := range strs(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, name) {
				lines = append(lines, "index "+ix[0]+" "+strings.ReplaceAll(ix[1], " ON "+schema+".", " ON "))
			}
			slices.Sort(lines)
			c[name] = lines
		}
		return c
	}
	for _, tbl := range strs(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ?`, versionTable) {
		name := tbl[0]
		var lines []string
		if strings.Contains(strings.ToUpper(tbl[1]), "AUTOINCREMENT") {
			lines = append(lines, "autoincrement")
		}
		for _, col := range strs(`SELECT name, lower(type), "notnull", dflt_value, pk FROM pragma_table_info(?)`, name) {
			line := "column " + col[0] + " " + col[1]
			if col[2] == "1" {
				line += " NOT NULL"
			}
			if col[3] != "" {
				// GORM wrote the empty string as "", which SQLite takes for ''.
				line += " DEFAULT " + strings.ReplaceAll(col[3], `""`, `''`)
			}
			if col[4] != "0" {
				line += " PRIMARY KEY " + col[4]
			}
			lines = append(lines, line)
		}
		for _, ix := range strs(`SELECT name, "unique" FROM pragma_index_list(?) WHERE origin = 'c'`, name) {
			var cols []string
			for _, col := range strs(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
				cols = append(cols, col[0])
			}
			unique := ""
			if ix[1] == "1" {
				unique = "UNIQUE "
			}
			lines = append(lines, fmt.Sprintf("index %s %s(%s)", ix[0], unique, strings.Join(cols, ", ")))
		}
		fks := map[string][]string{}
		for _, fk := range strs(`SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, name) {
			fks[fk[0]] = append(fks[fk[0]], fmt.Sprintf("%s -> %s.%s ON DELETE %s", fk[2], fk[1], fk[3], fk[4]))
		}
		for _, fk := range fks {
			lines = append(lines, "foreign key "+strings.Join(fk, ", "))
		}
		slices.Sort(lines)
		c[name] = lines
	}
	return c
}

// String renders c a table at a time, as testdata/version1_*.txt hold it.
func (c catalog) String() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(c)) {
		b.WriteString("table " + name + "\n")
		for _, line := range c[name] {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

// parseCatalog reads what String wrote.
func parseCatalog(text string) catalog {
	c := catalog{}
	var table string
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		if name, ok := strings.CutPrefix(line, "table "); ok {
			table = name
			c[table] = nil
		} else if line != "" {
			c[table] = append(c[table], strings.TrimPrefix(line, "  "))
		}
	}
	return c
}

// diff says how c differs from want, table by table; "" when they are equal.
// keep limits the lines compared to those it accepts (nil: all).
func (c catalog) diff(want catalog, keep func(line string) bool) string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(mergeKeys(c, want))) {
		g, gok := c[name]
		w, wok := want[name]
		switch {
		case !gok:
			out = append(out, "table "+name+" missing")
			continue
		case !wok:
			out = append(out, "table "+name+" unexpected")
			continue
		}
		for _, line := range w {
			if (keep == nil || keep(line)) && !slices.Contains(g, line) {
				out = append(out, name+": missing "+line)
			}
		}
		for _, line := range g {
			if (keep == nil || keep(line)) && !slices.Contains(w, line) {
				out = append(out, name+": unexpected "+line)
			}
		}
	}
	return strings.Join(out, "\n")
}

func mergeKeys(a, b catalog) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// emptyStore opens a store on an empty database of the backend, not migrated.
func emptyStore(t *testing.T, dsn string) *Store {
	t.Helper()
	st, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// oldMigrate makes a database as a release from before versioned migrations did:
// the bridge is that release's Migrate, frozen.
func oldMigrate(t *testing.T, st *Store) {
	t.Helper()
	bridge := func(tx *gorm.DB) error { return bridgeLegacy(tx, st.postgres) }
	var err error
	if st.postgres {
		err = st.db.Transaction(bridge)
	} else {
		// As the old Migrate did: foreign keys off, for GORM's table rebuilds.
		err = st.db.Connection(func(conn *gorm.DB) error {
			if err := conn.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
				return err
			}
			defer conn.Exec("PRAGMA foreign_keys = ON")
			return conn.Transaction(bridge)
		})
	}
	if err != nil {
		t.Fatalf("the old Migrate: %v", err)
	}
}

// An empty database migrated to the newest version has the tables, columns,
// types, nullability, defaults, keys and foreign keys that GORM derives from
// the models the code reads and writes with, and every index GORM would make
// for them (the explicit indexes of the list queries are the migrations' own;
// TestInboxQueriesAreIndexRangeScans and TestDeliveryLogIsAnIndexRangeScan
// hold them to the queries). A model changed without a migration fails here.
func TestMigrationsMakeWhatTheModelsExpect(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		migrated := openStore(t, dsn)
		ref := emptyStore(t, otherDSN(t, migrated))
		if err := ref.db.AutoMigrate(models...); err != nil {
			t.Fatal(err)
		}
		want := catalogOf(t, ref)
		got := catalogOf(t, migrated)
		// GORM's own indexes must be there; the migrations add their own.
		if d := got.diff(want, func(line string) bool { return !strings.HasPrefix(line, "index ") }); d != "" {
			t.Errorf("the migrated schema differs from the models:\n%s", d)
		}
		for table, lines := range want {
			for _, line := range lines {
				if strings.HasPrefix(line, "index ") && !slices.Contains(got[table], line) {
					t.Errorf("%s: the models' %s is missing", table, line)
				}
			}
		}
	})
}

// Version 1 is the schema the last release before versioned migrations made:
// testdata/version1_*.txt is the catalog of a database made by that release's
// Migrate (AutoMigrate and the index table), on each database.
func TestVersion1IsWhatTheOldMigrateMade(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := emptyStore(t, dsn)
		files, versions := st.migrations()
		if err := st.migrate(t.Context(), onlyVersions(t, files, 1), versions); err != nil {
			t.Fatalf("migrate to version 1: %v", err)
		}
		name := "testdata/version1_sqlite.txt"
		if st.postgres {
			name = "testdata/version1_postgres.txt"
		}
		old, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if d := catalogOf(t, st).diff(parseCatalog(string(old)), nil); d != "" {
			t.Errorf("version 1 differs from what the old Migrate made (%s):\n%s", name, d)
		}
	})
}

// The bridge that adopts databases made before versioned migrations (the old
// Migrate, frozen) makes exactly what version 1 makes, index for index.
func TestLegacyBridgeMakesVersion1(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		v1 := emptyStore(t, dsn)
		files, versions := v1.migrations()
		if err := v1.migrate(t.Context(), onlyVersions(t, files, 1), versions); err != nil {
			t.Fatalf("migrate to version 1: %v", err)
		}
		old := emptyStore(t, otherDSN(t, v1))
		oldMigrate(t, old)
		if n := len(version1Indexes(v1.postgres)); n != 37 {
			t.Errorf("the bridge found %d indexes in version 1, which has 37", n)
		}
		if d := catalogOf(t, old).diff(catalogOf(t, v1), nil); d != "" {
			t.Errorf("the bridge differs from version 1:\n%s", d)
		}
	})
}

// onlyVersions is files with the migrations up to version last.
func onlyVersions(t *testing.T, files fs.FS, last int64) fs.FS {
	t.Helper()
	list, err := migrationList(files)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range list {
		if m.Version <= last {
			b, err := fs.ReadFile(files, m.File)
			if err != nil {
				t.Fatal(err)
			}
			out[m.File] = &fstest.MapFile{Data: b}
		}
	}
	return out
}

// A database made before versioned migrations, by the last release's Migrate,
// is adopted at version 1 and migrated on, its records intact; its schema then
// is the one an empty database gets.
func TestMigrateAdoptsADatabaseMadeBeforeVersions(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := emptyStore(t, dsn)
		oldMigrate(t, st)
		mustUpsert(t, st, person("pat", domain.TeamPMO, domain.RoleProjectManager, domain.RoleAdmin))
		tok, err := st.CreateToken(t.Context(), "pat", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		task := newTask("tsk_old", t0)
		writeOldTask(t, st, task)
		before, err := st.Schema(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !before.Legacy || before.Version != 0 || before.Pending() != len(before.Migrations) {
			t.Errorf("Schema before = %+v, want legacy at version 0, all pending", before)
		}

		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		after, err := st.Schema(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if after.Legacy || after.Version != after.Latest() || after.Pending() != 0 {
			t.Errorf("Schema after = %+v, want at the latest version, none pending", after)
		}
		if p, err := st.PersonByToken(t.Context(), tok); err != nil || len(p.Roles) != 2 {
			t.Errorf("the token after adoption: %+v, %v", p, err)
		}
		if got, err := st.Task(t.Context(), task.ID); err != nil || !equalTask(got, task) {
			t.Errorf("the task after adoption: %+v, %v", got, err)
		}
		fresh := openStore(t, otherDSN(t, st))
		if d := catalogOf(t, st).diff(catalogOf(t, fresh), nil); d != "" {
			t.Errorf("the adopted schema differs from a new one:\n%s", d)
		}
	})
}

// writeOldTask writes task as the releases before versions did: without the
// columns later versions added.
func writeOldTask(t *testing.T, st *Store, task domain.Task) {
	t.Helper()
	row := taskFromDomain(task)
	if err := st.db.Omit("estimate_hours", "actual_hours").Create(&row).Error; err != nil {
		t.Fatal(err)
	}
}

func equalTask(a, b domain.Task) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// otherDSN is a new empty database of st's kind.
func otherDSN(t *testing.T, st *Store) string {
	if st.postgres {
		return storetest.PostgresDSN(t)
	}
	return storetest.SQLiteDSN(t)
}

// changedIndex is a later version that changes the columns of an index, which
// CREATE INDEX IF NOT EXISTS never did to a database that had it.
const changedIndex = `-- +goose Up
DROP INDEX idx_tasks_status_due;
CREATE INDEX idx_tasks_status_due ON tasks (status, due_at, id);
`

func TestMigrateChangesAnIndexOfAnExistingDatabase(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := openStore(t, dsn)
		task := newTask("tsk_kept", t0)
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{task}})
		files, versions := st.migrations()
		list, err := migrationList(files)
		if err != nil {
			t.Fatal(err)
		}
		next := list[len(list)-1].Version + 1
		withChange := onlyVersions(t, files, next).(fstest.MapFS)
		withChange[fmt.Sprintf("%05d_change_index.sql", next)] = &fstest.MapFile{Data: []byte(changedIndex)}

		for range 2 { // the second run has nothing left to do
			if err := st.migrate(t.Context(), withChange, versions); err != nil {
				t.Fatalf("migrate with the change: %v", err)
			}
		}
		sqlDB, _ := st.db.DB()
		if v, err := latestVersion(t.Context(), sqlDB, versions); err != nil || v != next {
			t.Errorf("version = %d (%v), want %d", v, err, next)
		}
		var found bool
		for _, line := range catalogOf(t, st)["tasks"] {
			if strings.HasPrefix(line, "index idx_tasks_status_due ") {
				found = true
				if !strings.HasSuffix(line, "(status, due_at, id)") {
					t.Errorf("after the change: %s", line)
				}
			}
		}
		if !found {
			t.Error("idx_tasks_status_due is gone")
		}
		if got, err := st.Task(t.Context(), task.ID); err != nil || !equalTask(got, task) {
			t.Errorf("the task after the change: %+v, %v", got, err)
		}
	})
}

// Both databases have the same versions under the same names.
func TestMigrationsMatchAcrossDatabases(t *testing.T) {
	var names [2][]string
	for i, dir := range []string{"migrations/postgres", "migrations/sqlite"} {
		files, err := fs.Sub(migrationFiles, dir)
		if err != nil {
			t.Fatal(err)
		}
		list, err := migrationList(files)
		if err != nil {
			t.Fatal(err)
		}
		for j, m := range list {
			if m.Version != int64(j+1) {
				t.Errorf("%s: version %d is number %d: versions are 1, 2, 3…", dir, m.Version, j+1)
			}
			names[i] = append(names[i], m.File)
		}
	}
	if !slices.Equal(names[0], names[1]) {
		t.Errorf("PostgreSQL has %v, SQLite %v", names[0], names[1])
	}
}

// Schema reads without writing: an empty database stays without a version table.
func TestSchemaOfAnEmptyDatabase(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := emptyStore(t, dsn)
		s, err := st.Schema(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if s.Version != 0 || s.Legacy || s.Pending() != len(s.Migrations) || s.Latest() < 1 {
			t.Errorf("Schema = %+v, want version 0, everything pending", s)
		}
		if len(catalogOf(t, st)) != 0 || st.db.Migrator().HasTable(versionTable) {
			t.Error("Schema changed the empty database")
		}
		if cur, latest, err := st.SchemaVersion(t.Context()); err != nil || cur != 0 || latest != s.Latest() {
			t.Errorf("SchemaVersion = %d, %d, %v", cur, latest, err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if s, err = st.Schema(t.Context()); err != nil || s.Version != s.Latest() || s.Pending() != 0 {
			t.Fatalf("Schema after Migrate = %+v, %v", s, err)
		}
		for _, m := range s.Migrations {
			if m.Applied == nil || m.Applied.IsZero() {
				t.Errorf("%s: applied %v", m.File, m.Applied)
			}
		}
		if cur, latest, err := st.SchemaVersion(t.Context()); err != nil || cur != latest || latest != s.Latest() {
			t.Errorf("SchemaVersion after Migrate = %d, %d, %v", cur, latest, err)
		}
	})
}

// A database a newer release migrated further is left alone by this one's
// Migrate, and reads as ahead.
func TestMigrateLeavesANewerSchemaAlone(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := openStore(t, dsn)
		_, versions := st.migrations()
		sqlDB, _ := st.db.DB()
		if err := versions.Insert(t.Context(), sqlDB, database.InsertRequest{Version: 99}); err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate under a newer schema: %v", err)
		}
		if cur, latest, err := st.SchemaVersion(t.Context()); err != nil || cur != 99 || latest >= 99 {
			t.Errorf("SchemaVersion = %d, %d, %v", cur, latest, err)
		}
	})
}

// Three migrators starting together on a database made before versions adopt it
// once: each ends at the latest version, the records intact.
func TestMigrateAdoptsConcurrently(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		old := emptyStore(t, dsn)
		oldMigrate(t, old)
		task := newTask("tsk_old", t0)
		writeOldTask(t, old, task)
		errs := make(chan error, 3)
		for range 3 {
			st := emptyStore(t, dsn)
			go func() { errs <- st.Migrate(t.Context()) }()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Migrate: %v", err)
			}
		}
		s, err := old.Schema(t.Context())
		if err != nil || s.Version != s.Latest() || s.Pending() != 0 {
			t.Errorf("Schema = %+v, %v", s, err)
		}
		if got, err := old.Task(t.Context(), task.ID); err != nil || !equalTask(got, task) {
			t.Errorf("the task after adoption: %+v, %v", got, err)
		}
	})
}
