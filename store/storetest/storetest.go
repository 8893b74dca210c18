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
