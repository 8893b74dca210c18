// Package storetest gives tests a database of their own: a fresh PostgreSQL schema
// or a fresh SQLite file, removed when the test ends. Any package's tests may use it.
// It does not import store, so store's own tests can use it too.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgres is the test server when TANDEM_TEST_POSTGRES is not set.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns the DSN of a new, empty schema on the test PostgreSQL server
// (TANDEM_TEST_POSTGRES, or DefaultPostgres), selected through the DSN's
// search_path, and drops the schema when the test ends. Tests running at the same
// time, in one process or many, never see each other's tables.
//
// When the server cannot be reached the test is skipped, or fails when CI is set or
// TANDEM_REQUIRE_POSTGRES=1, so CI never passes by skipping.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TANDEM_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TANDEM_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at %s is required (CI or TANDEM_REQUIRE_POSTGRES=1) but unreachable: %v", redact(base), err)
		}
		t.Skipf("skipping: PostgreSQL at %s is unreachable (%v); set TANDEM_TEST_POSTGRES, or CI / TANDEM_REQUIRE_POSTGRES=1 to make this a failure", redact(base), err)
	}
	defer conn.Close(ctx)

	schema := "tandem_test_" + randomHex(6)
	// The name is made here from hex digits, so it is safe to splice into DDL.
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", redact(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresRoles makes, on the test PostgreSQL server, two login roles of their
// own and a new schema owned by the first, and returns DSNs that connect as each
// with that schema as search_path: the owner, which migrates, and another role,
// which has no right to anything in the schema until the owner grants it. The
// schema and roles are dropped when the test ends. It skips or fails as
// PostgresDSN does, and needs the server's user to be allowed to create roles.
func PostgresRoles(t testing.TB) (owner, other string) {
	t.Helper()
	base := PostgresDSN(t) // skips or fails when the server is unreachable
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)

	suffix := randomHex(6)
	schema := "tandem_roles_" + suffix
	roles := []string{"tandem_owner_" + suffix, "tandem_other_" + suffix}
	passwords := []string{randomHex(16), randomHex(16)}
	// Cleanups run last-registered first: the schema goes before the roles, whose
	// remaining privileges DROP OWNED removes.
	for i, r := range roles {
		// Names and passwords are made here from hex digits: safe to splice into DDL.
		if _, err := conn.Exec(ctx, "CREATE ROLE "+r+" LOGIN PASSWORD '"+passwords[i]+"'"); err != nil {
			t.Fatalf("create role %s (the test server's user must be allowed to create roles): %v", r, err)
		}
		t.Cleanup(func() { dropAll(t, base, "DROP OWNED BY "+r, "DROP ROLE "+r) })
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema+" AUTHORIZATION "+roles[0]); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() { dropAll(t, base, "DROP SCHEMA "+schema+" CASCADE") })

	dsn := func(i int) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("parse %s: %v", redact(base), err)
		}
		u.User = url.UserPassword(roles[i], passwords[i])
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn(0), dsn(1)
}

// dropAll runs statements on the test server as its own user, reporting failures.
func dropAll(t testing.TB, dsn string, stmts ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("%s: %v", stmts[0], err)
		return
	}
	defer conn.Close(ctx)
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// SQLiteDSN returns the path of a new SQLite file in the test's temporary
// directory, removed with it when the test ends.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "tandem.db")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// redact hides a password in a DSN before it is printed.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}
