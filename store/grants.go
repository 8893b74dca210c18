package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// appendOnly are the tables the app role may read and add to but never change:
// the audit trail, whose entries only someone with other credentials should be
// able to alter (`tandem audit verify` then shows where).
var appendOnly = []string{"audit_log"}

// GrantApp gives role what `tandem api` and `tandem worker` need on the store's
// schema, on PostgreSQL, when they run as a role other than the one that migrates
// (and owns the tables): SELECT, INSERT, UPDATE and DELETE on every table and use
// of every sequence, except that the append-only tables (audit_log) are SELECT and
// INSERT only, and the version table (goose_db_version) SELECT only, for
// /readyz. Default privileges give the same on tables a later migration creates,
// so the app keeps working even when a migration runs without GrantApp after it;
// GrantApp run after that migration takes away what an append-only table must not
// grant. Idempotent; it runs under the migration lock, since concurrent GRANTs
// on one table fail ("tuple concurrently updated").
//
// It refuses a role that would keep every right anyway: the role running it (the
// tables' owner), a member of it, or a superuser.
func (st *Store) GrantApp(ctx context.Context, role string) error {
	if !st.postgres {
		return errors.New("grant: an app role is for PostgreSQL only; SQLite has no roles")
	}
	if role == "" {
		return errors.New("grant: no app role named")
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLock).Error; err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var who struct {
			Found, Super, Member bool
			Schema               string
		}
		err := tx.Raw(`SELECT r.rolname IS NOT NULL AS found, COALESCE(r.rolsuper, false) AS super,
			COALESCE(pg_has_role(r.oid, current_user, 'MEMBER'), false) AS member, current_schema() AS schema
			FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = ?`, role).Scan(&who).Error
		switch {
		case err != nil:
			return err
		case !who.Found:
			return fmt.Errorf("role %q does not exist: create it first (deploy/postgres/init-roles.sh does)", role)
		case who.Super:
			return fmt.Errorf("role %q is a superuser, which no privilege binds: the app role must be an ordinary role", role)
		case who.Member:
			return fmt.Errorf("role %q is the role that migrates, or has its rights (it owns the tables, and an owner may change them all): the app role must be another", role)
		case who.Schema == "":
			return errors.New("no current schema: the search_path names no schema that exists")
		}
		r, s := pgx.Identifier{role}.Sanitize(), pgx.Identifier{who.Schema}.Sanitize()
		stmts := []string{
			"GRANT USAGE ON SCHEMA " + s + " TO " + r,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
			"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
			// For the tables and sequences the role running this creates later.
			"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + r,
			"ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT USAGE, SELECT ON SEQUENCES TO " + r,
			"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON " + s + "." + pgx.Identifier{versionTable}.Sanitize() + " FROM " + r,
		}
		for _, t := range appendOnly {
			stmts = append(stmts, "REVOKE UPDATE, DELETE, TRUNCATE ON "+s+"."+pgx.Identifier{t}.Sanitize()+" FROM "+r)
		}
		for _, q := range stmts {
			if err := tx.Exec(q).Error; err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("grant the app role %q: %w", role, classify(err))
	}
	return nil
}
