package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
)

// init-roles.sh, run with the postgresql service's environment (names made unique)
// against the test PostgreSQL, twice: each role gets its databases and nothing
// else, tandem migrate as the owner grants the app role, and as the app role the
// store works but the audit trail cannot be changed.
func TestInitRolesScript(t *testing.T) {
	base := storetest.PostgresDSN(t) // skips or fails when PostgreSQL is unreachable
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TANDEM_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("psql is required (CI or TANDEM_REQUIRE_POSTGRES=1) but missing: %v", err)
		}
		t.Skipf("skipping: no psql here (%v)", err)
	}
	root := repoRoot(t)
	project, err := loadCompose([]string{filepath.Join(root, "docker-compose.yml")}, root, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := project.GetService(svcPostgres)
	if err != nil {
		t.Fatal(err)
	}
	vars := serviceEnv(pg)
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	suffix := "_test_" + hex.EncodeToString(b) // the server is shared: names of this run's own
	for _, k := range []string{"TEMPORAL_DB_USER", "TEMPORAL_DB", "TEMPORAL_VISIBILITY_DB", "TANDEM_DB_OWNER", "TANDEM_DB_APP_ROLE", "TANDEM_DB_NAME"} {
		vars[k] += suffix
	}

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("clean up: %v", err)
			return
		}
		defer admin.Close(ctx)
		for _, db := range []string{vars["TEMPORAL_DB"], vars["TEMPORAL_VISIBILITY_DB"], vars["TANDEM_DB_NAME"]} {
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
				t.Errorf("drop database %s: %v", db, err)
			}
		}
		for _, r := range []string{vars["TANDEM_DB_APP_ROLE"], vars["TANDEM_DB_OWNER"], vars["TEMPORAL_DB_USER"]} {
			if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize()); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})

	// As the image runs it, but over TCP to the test server, as its user.
	environ := []string{"PATH=" + filepath.Dir(psql) + ":/usr/bin:/bin", "PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(),
		"POSTGRES_USER=" + u.User.Username(), "POSTGRES_DB=" + strings.TrimPrefix(u.Path, "/")}
	if pw, ok := u.User.Password(); ok {
		environ = append(environ, "PGPASSWORD="+pw)
	}
	for k, v := range vars {
		if k != "POSTGRES_USER" && k != "POSTGRES_PASSWORD" {
			environ = append(environ, k+"="+v)
		}
	}
	for range 2 { // idempotent
		cmd := exec.Command(filepath.Join(root, "deploy", "postgres", "init-roles.sh"))
		cmd.Env = environ
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("init-roles.sh: %v\n%s", err, out)
		}
	}

	for _, r := range []string{vars["TEMPORAL_DB_USER"], vars["TANDEM_DB_OWNER"], vars["TANDEM_DB_APP_ROLE"]} {
		var super, createDB, createRole, login bool
		err := admin.QueryRow(ctx, "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = $1", r).Scan(&super, &createDB, &createRole, &login)
		if err != nil || super || createDB || createRole || !login {
			t.Errorf("role %s: superuser %v, createdb %v, createrole %v, login %v (%v): want an ordinary login role", r, super, createDB, createRole, login, err)
		}
	}
	for db, owner := range map[string]string{vars["TEMPORAL_DB"]: vars["TEMPORAL_DB_USER"], vars["TEMPORAL_VISIBILITY_DB"]: vars["TEMPORAL_DB_USER"], vars["TANDEM_DB_NAME"]: vars["TANDEM_DB_OWNER"]} {
		var got string
		if err := admin.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db).Scan(&got); err != nil || got != owner {
			t.Errorf("database %s: owner %q (%v), want %q", db, got, err, owner)
		}
	}

	as := func(role, password, db string) string {
		c := *u
		c.User = url.UserPassword(role, password)
		c.Path = "/" + db
		c.RawQuery = "sslmode=disable"
		return c.String()
	}
	temporalDSN := as(vars["TEMPORAL_DB_USER"], vars["TEMPORAL_DB_PASSWORD"], vars["TEMPORAL_DB"])
	ownerDSN := as(vars["TANDEM_DB_OWNER"], vars["TANDEM_DB_OWNER_PASSWORD"], vars["TANDEM_DB_NAME"])
	appDSN := as(vars["TANDEM_DB_APP_ROLE"], vars["TANDEM_DB_APP_PASSWORD"], vars["TANDEM_DB_NAME"])

	// Temporal's role makes its schema in its databases (what temporal-schema does)
	// and reaches none of Tandem's.
	if err := exec1(ctx, temporalDSN, "CREATE TABLE schema_version (v int)"); err != nil {
		t.Errorf("as %s in %s: %v", vars["TEMPORAL_DB_USER"], vars["TEMPORAL_DB"], err)
	}
	for _, dsn := range []string{
		as(vars["TEMPORAL_DB_USER"], vars["TEMPORAL_DB_PASSWORD"], vars["TANDEM_DB_NAME"]),
		as(vars["TANDEM_DB_APP_ROLE"], vars["TANDEM_DB_APP_PASSWORD"], vars["TEMPORAL_DB"]),
		as(vars["TANDEM_DB_OWNER"], vars["TANDEM_DB_OWNER_PASSWORD"], vars["TEMPORAL_VISIBILITY_DB"]),
	} {
		if err := exec1(ctx, dsn, "SELECT 1"); !isPrivilegeError(err) {
			t.Errorf("connect to another's database (%s): %v, want it refused", redactDSN(dsn), err)
		}
	}

	// tandem migrate as the owner, granting the app role; the store as the app.
	owner, err := store.Open(ctx, ownerDSN)
	if err != nil {
		t.Fatalf("open as the owner: %v", err)
	}
	defer owner.Close()
	if err := owner.Migrate(ctx); err != nil {
		t.Fatalf("migrate as the owner: %v", err)
	}
	if err := owner.GrantApp(ctx, vars["TANDEM_DB_APP_ROLE"]); err != nil {
		t.Fatalf("grant the app role: %v", err)
	}
	app, err := store.Open(ctx, appDSN)
	if err != nil {
		t.Fatalf("open as the app role: %v", err)
	}
	defer app.Close()
	if err := app.UpsertPerson(ctx, domain.Person{Handle: "ada", Name: "Ada", Email: "ada@example.com", Team: "leadership", Roles: []domain.Role{domain.RoleAdmin}}); err != nil {
		t.Errorf("UpsertPerson as the app role: %v", err)
	}
	if err := app.AppendAudit(ctx, domain.AuditEntry{Actor: "ada", Action: "GET /api/v1/me", Outcome: domain.AuditAllowed, Status: 200}); err != nil {
		t.Errorf("AppendAudit as the app role: %v", err)
	}
	for _, q := range []string{"UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"} {
		if err := exec1(ctx, appDSN, q); !isPrivilegeError(err) {
			t.Errorf("%s as the app role: %v, want permission denied", q, err)
		}
	}
}

// exec1 runs one statement on a connection of its own.
func exec1(ctx context.Context, dsn, q string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, q)
	return err
}

// isPrivilegeError says whether err is PostgreSQL's insufficient_privilege, which
// is also what a refused CONNECT is.
func isPrivilegeError(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42501"
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "?"
	}
	return u.Redacted()
}
