package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
