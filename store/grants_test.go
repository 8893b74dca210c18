package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// The app role, granted by its owner after migrating, runs the store: people,
// tokens, the audit trail and /readyz's schema version. It may add to the audit
// trail but not change it, even by hand, and may not change the schema or its
// version records; before the grant it could read nothing, so the grant is what
// gives it access.
func TestGrantAppRunsTheStoreButCannotChangeTheAuditTrail(t *testing.T) {
	ownerDSN, appDSN := storetest.PostgresRoles(t)
	owner := openStore(t, ownerDSN) // migrates, as the owner
	role := roleOf(t, appDSN)

	app, err := Open(t.Context(), appDSN)
	if err != nil {
		t.Fatalf("open as the app role: %v", err)
	}
	t.Cleanup(func() { _ = app.Close() })
	// Without USAGE on the schema, its tables are not even visible (42P01).
	var pg *pgconn.PgError
	if _, err := app.Person(t.Context(), "ana"); !errors.As(err, &pg) || (pg.Code != "42501" && pg.Code != "42P01") {
		t.Fatalf("before the grant, reading people as the app role: %v, want it refused", err)
	}

	for range 2 { // idempotent
		if err := owner.GrantApp(t.Context(), role); err != nil {
			t.Fatalf("GrantApp: %v", err)
		}
	}

	ctx := t.Context()
	ana := domain.Person{Handle: "ana", Name: "Ana", Email: "ana@example.com", Team: "marketing", Roles: []domain.Role{domain.RoleAdmin}}
	if err := app.UpsertPerson(ctx, ana); err != nil {
		t.Fatalf("UpsertPerson as the app role: %v", err)
	}
	ana.Name = "Ana B."
	if err := app.UpsertPerson(ctx, ana); err != nil {
		t.Fatalf("UpsertPerson (an update) as the app role: %v", err)
	}
	tok, err := app.CreateToken(ctx, "ana", "laptop")
	if err != nil {
		t.Fatalf("CreateToken as the app role: %v", err)
	}
	if p, err := app.PersonByToken(ctx, tok); err != nil || p.Name != "Ana B." {
		t.Fatalf("PersonByToken as the app role: %+v, %v", p, err)
	}
	if _, err := app.RevokeTokens(ctx, "ana"); err != nil {
		t.Fatalf("RevokeTokens as the app role: %v", err)
	}
	mustAppendAudit(t, app, 3)
	if n, bad := mustVerify(t, app); n != 3 || bad != nil {
		t.Fatalf("VerifyAudit as the app role: %d checked, break %+v", n, bad)
	}
	if cur, latest, err := app.SchemaVersion(ctx); err != nil || cur != latest {
		t.Fatalf("SchemaVersion as the app role: %d of %d, %v", cur, latest, err)
	}

	for _, q := range []string{
		"UPDATE audit_log SET actor = 'mallory'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, true)",
		"DELETE FROM goose_db_version",
		"CREATE TABLE mine (id int)",
		"DROP TABLE people",
	} {
		if err := app.db.WithContext(ctx).Exec(q).Error; !isDenied(err) {
			t.Errorf("%s as the app role: %v, want permission denied", q, err)
		}
	}
	// The owner may: the refusals above are the grants', not a broken connection's.
	if err := owner.db.WithContext(ctx).Exec("UPDATE audit_log SET actor = actor").Error; err != nil {
		t.Errorf("UPDATE audit_log as the owner: %v", err)
	}

	// A table a later migration makes, with a sequence, is the app's to use at
	// once, through the default privileges.
	if err := owner.db.WithContext(ctx).Exec("CREATE TABLE later (id bigserial PRIMARY KEY, v text)").Error; err != nil {
		t.Fatal(err)
	}
	if err := app.db.WithContext(ctx).Exec("INSERT INTO later (v) VALUES ('x')").Error; err != nil {
		t.Errorf("insert into a table made after the grant: %v", err)
	}
}

// A role that would keep every right whatever is granted or revoked is refused,
// and so is an app role on SQLite.
func TestGrantAppRefusesARoleThatWouldKeepEveryRight(t *testing.T) {
	ownerDSN, _ := storetest.PostgresRoles(t)
	owner := openStore(t, ownerDSN)
	var super string
	if err := owner.db.WithContext(t.Context()).Raw("SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY oid LIMIT 1").Scan(&super).Error; err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ role, want string }{
		{roleOf(t, ownerDSN), "the role that migrates"},
		{super, "superuser"},
		{"no_such_role_x", "does not exist"},
		{"", "no app role"},
	} {
		if err := owner.GrantApp(t.Context(), tc.role); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("GrantApp(%q): %v, want an error saying %q", tc.role, err, tc.want)
		}
	}

	lite := openStore(t, storetest.SQLiteDSN(t))
	if err := lite.GrantApp(t.Context(), "tandem_app"); err == nil || !strings.Contains(err.Error(), "PostgreSQL only") {
		t.Errorf("GrantApp on SQLite: %v, want it refused", err)
	}
}

// roleOf is the user a DSN connects as.
func roleOf(t *testing.T, dsn string) string {
	t.Helper()
	st, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var role string
	if err := st.db.WithContext(t.Context()).Raw("SELECT current_user").Scan(&role).Error; err != nil {
		t.Fatal(err)
	}
	return role
}

// isDenied says whether err is PostgreSQL's insufficient_privilege (42501), or
// must_be_owner's (42501 too).
func isDenied(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42501"
}
