package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem/store"
)

const migrateUsage = `usage:
  tandem migrate [--db DSN]          bring the schema to this build's newest version
  tandem migrate status [--db DSN]   print the database's schema version and this build's versions`

// runMigrate applies the schema versions the database lacks, or with "status"
// says where it stands and changes nothing.
func runMigrate(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	f := newFlags("migrate")
	db := dbFlag(f)
	pos, err := parseInterspersed(f, args)
	if err != nil {
		return err
	}
	status := len(pos) == 1 && pos[0] == "status"
	if len(pos) > 0 && !status {
		return fmt.Errorf("unexpected argument %q\n%s", pos[0], migrateUsage)
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
	return nil
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
