package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem/store"
)

const migrateUsage = `usage:
  tandem migrate [--db DSN] [--app-role ROLE]   bring the schema to this build's newest version
                                                (and grant ROLE what the api and worker need)
  tandem migrate status [--db DSN]              print the database's schema version and this build's versions`

// runMigrate applies the schema versions the database lacks, or with "status"
// says where it stands and changes nothing.
func runMigrate(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	f := newFlags("migrate")
	db := dbFlag(f)
	appRole := f.str("app-role", "TANDEM_DB_APP_ROLE", "", "PostgreSQL role the api and worker run as: after migrating, grant it what they need, "+
		"and no UPDATE, DELETE or TRUNCATE of the audit trail (none when empty: they run as the --db user)")
	pos, err := parseInterspersed(f, args)
	if err != nil {
		return err
	}
	status := len(pos) == 1 && pos[0] == "status"
	if len(pos) > 0 && !status {
		return fmt.Errorf("unexpected argument %q\n%s", pos[0], migrateUsage)
	}
	// Given on the command line, where it would be ignored; from the environment
	// it is the deployment's setting, which status has no use for.
	if status && flagGiven(f, "app-role") {
		return fmt.Errorf("--app-role grants after migrating: tandem migrate status changes nothing\n%s", migrateUsage)
	}
	if !status && *appRole != "" && !isPostgres(*db) {
		return fmt.Errorf("--app-role ($TANDEM_DB_APP_ROLE) %q: roles are PostgreSQL's, and --db is a SQLite file", *appRole)
	}
	if status {
		// Opening a SQLite file creates it: status refuses a path with nothing there.
		st, err := openExisting(ctx, *db)
		if err != nil {
			return err
		}
		defer st.Close()
		s, err := st.Schema(ctx)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, describeSchema(s))
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	before, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	after, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	logger.Info("schema up to date", "version", after.Version, "was", before.Version, "adopted", before.Legacy)
	if *appRole != "" {
		if err := st.GrantApp(ctx, *appRole); err != nil {
			return err
		}
		logger.Info("app role granted: it may not change the audit trail", "role", *appRole)
	}
	return nil
}

// flagGiven says whether the command line set flag name (its environment
// variable does not count).
func flagGiven(f flags, name string) bool {
	given := false
	f.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	return given
}

// isPostgres says whether dsn names a PostgreSQL database, as store.Open reads it.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// describeSchema is what `tandem migrate status` prints: a summary line, then
// each version of this build, applied or pending.
func describeSchema(s store.Schema) string {
	var b strings.Builder
	latest := s.Latest()
	switch {
	case s.Legacy:
		fmt.Fprintf(&b, "schema made before versioned migrations, newest version %d: tandem migrate adopts it at version 1 and applies the rest\n", latest)
	case s.Version > latest:
		fmt.Fprintf(&b, "schema version %d, newer than this build's newest (%d): a newer release migrated it\n", s.Version, latest)
	case s.Pending() > 0:
		fmt.Fprintf(&b, "schema version %d of %d: %d pending, run tandem migrate\n", s.Version, latest, s.Pending())
	default:
		fmt.Fprintf(&b, "schema version %d of %d: up to date\n", s.Version, latest)
	}
	for _, m := range s.Migrations {
		state := "pending"
		if m.Applied != nil {
			state = "applied " + m.Applied.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "  %3d  %-28s %s\n", m.Version, state, m.File)
	}
	return b.String()
}
