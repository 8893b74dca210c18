package main

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
)

func TestMigrateStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	if _, err := tandem("migrate", "status", "--db", db); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Fatalf("status of a missing file: %v, want no database", err)
	}
	if _, err := tandem("migrate", "--db", db, "sideways"); err == nil || !strings.Contains(err.Error(), `unexpected argument "sideways"`) {
		t.Fatalf("migrate sideways: %v", err)
	}
	if _, err := tandem("migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, err := tandem("migrate", "status", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !regexp.MustCompile(`^schema version (\d+) of (\d+): up to date$`).MatchString(lines[0]) || len(lines) < 2 {
		t.Fatalf("status printed %q", out)
	}
	applied := regexp.MustCompile(`^ +\d+  applied \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d{5}_\w+\.sql$`)
	for _, l := range lines[1:] {
		if !applied.MatchString(l) {
			t.Errorf("version line %q", l)
		}
	}
	if !strings.Contains(out, "00001_schema.sql") {
		t.Errorf("status lacks version 1: %q", out)
	}
}

func TestDescribeSchema(t *testing.T) {
	list := []store.Migration{{Version: 1, File: "00001_schema.sql"}, {Version: 2, File: "00002_more.sql"}}
	for _, tc := range []struct {
		s    store.Schema
		want string
	}{
		{store.Schema{Migrations: list}, "schema version 0 of 2: 2 pending, run tandem migrate\n    1  pending                      00001_schema.sql\n"},
		{store.Schema{Legacy: true, Migrations: list}, "schema made before versioned migrations, newest version 2: tandem migrate adopts it at version 1 and applies the rest\n"},
		{store.Schema{Version: 7, Migrations: list}, "schema version 7, newer than this build's newest (2): a newer release migrated it\n"},
	} {
		if got := describeSchema(tc.s); !strings.HasPrefix(got, tc.want) {
			t.Errorf("describeSchema(%+v) =\n%s\nwant it to start with\n%s", tc.s, got, tc.want)
		}
	}
}

// On PostgreSQL, status of an empty database says everything is pending and
// leaves it empty; migrate brings it up to date.
func TestMigrateStatusPostgres(t *testing.T) {
	db := storetest.PostgresDSN(t)
	out, err := tandem("migrate", "status", "--db", db)
	if err != nil || !regexp.MustCompile(`^schema version 0 of \d+: \d+ pending, run tandem migrate\n`).MatchString(out) {
		t.Fatalf("status of an empty database: %q, %v", out, err)
	}
	if out, err := tandem("migrate", "status", "--db", db); err != nil || !strings.HasPrefix(out, "schema version 0 ") {
		t.Fatalf("status changed the empty database: %q, %v", out, err)
	}
	if _, err := tandem("migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	if out, err := tandem("migrate", "status", "--db", db); err != nil || !strings.Contains(out, ": up to date\n") {
		t.Fatalf("status after migrate: %q, %v", out, err)
	}
}

// tandem migrate --app-role grants the role the api and worker run as: as that
// role the operator's bootstrap works (importing the first admin, making their
// token) and the audit trail verifies, but the trail cannot be changed. Given
// TANDEM_DB_APP_ROLE, as docker-compose.yml does.
func TestMigrateGrantsTheAppRole(t *testing.T) {
	ownerDSN, appDSN := storetest.PostgresRoles(t)
	app, err := url.Parse(appDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TANDEM_DB_APP_ROLE", app.User.Username())
	if _, err := tandem("migrate", "--db", ownerDSN); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := tandem("migrate", "--db", ownerDSN); err != nil { // idempotent
		t.Fatalf("migrate again: %v", err)
	}

	admin := peopleFile(t, "- {handle: ada, name: Ada Lind, email: ada@example.com, team: leadership, roles: [admin]}\n")
	if out, err := tandem("people", "import", admin, "--db", appDSN); err != nil || !strings.Contains(out, "1 created") {
		t.Fatalf("people import as the app role: %q, %v", out, err)
	}
	createToken(t, "--handle", "ada", "--db", appDSN)
	if out, err := tandem("audit", "verify", "--db", appDSN); err != nil {
		t.Fatalf("audit verify as the app role: %q, %v", out, err)
	}

	conn, err := pgx.Connect(t.Context(), appDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for _, q := range []string{"UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"} {
		var pg *pgconn.PgError
		if _, err := conn.Exec(t.Context(), q); !errors.As(err, &pg) || pg.Code != "42501" {
			t.Errorf("%s as the app role: %v, want permission denied", q, err)
		}
	}
}

// --app-role is refused where it would do nothing: on SQLite (before the file
// is made) and with status on the command line.
func TestMigrateAppRoleRefusedWhereItWouldDoNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	if _, err := tandem("migrate", "--db", db, "--app-role", "tandem_app"); err == nil || !strings.Contains(err.Error(), "roles are PostgreSQL's") {
		t.Errorf("migrate --app-role on SQLite: %v, want it refused", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused migrate made %s: %v", db, err)
	}
	if _, err := tandem("migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := tandem("migrate", "status", "--db", db, "--app-role", "tandem_app"); err == nil || !strings.Contains(err.Error(), "changes nothing") {
		t.Errorf("migrate status --app-role: %v, want it refused", err)
	}
	// From the environment it is the deployment's setting: status still answers.
	t.Setenv("TANDEM_DB_APP_ROLE", "tandem_app")
	if out, err := tandem("migrate", "status", "--db", db); err != nil || !strings.Contains(out, "up to date") {
		t.Errorf("migrate status with TANDEM_DB_APP_ROLE set: %q, %v", out, err)
	}
}
