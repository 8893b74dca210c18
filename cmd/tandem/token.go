package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

const tokenUsage = `usage:
  tandem token create --handle H [--label L] [--expires 720h] [--db DSN]
  tandem token revoke TOKEN [--db DSN]      (TOKEN "-" reads it from stdin)
  tandem token revoke --all --handle H [--db DSN]`

// runToken manages API tokens directly in the database, for an operator with
// access to it; admins can do the same through the API's /people/{handle}/tokens.
func runToken(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, args[1:], stdout, logger)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], stdin, stdout, logger)
	}
	return fmt.Errorf("unknown token command %q\n%s", args[0], tokenUsage)
}

func runTokenCreate(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	f := newFlags("token create")
	db := dbFlag(f)
	handle := f.String("handle", "", "the person the token authenticates as (required)")
	label := f.String("label", "", "what the token is for, e.g. laptop or ci")
	expires := f.String("expires", "", "lifetime, e.g. 720h for 30 days (default: never expires)")
	pos, err := parseInterspersed(f, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", pos[0], tokenUsage)
	}
	if *handle == "" {
		return fmt.Errorf("--handle is required\n%s", tokenUsage)
	}
	var expiresAt time.Time
	if *expires != "" {
		d, err := time.ParseDuration(*expires)
		if err != nil || d <= 0 {
			return fmt.Errorf("--expires %q: want a positive duration such as 720h (30 days); leave it out for a token that never expires", *expires)
		}
		expiresAt = time.Now().Add(d).UTC()
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// A disabled person's token would never resolve: refuse it plainly.
	if p, err := st.Person(ctx, *handle); err == nil && !p.Active() {
		return fmt.Errorf("%s is disabled: enable them first (POST /api/v1/people/%s/enable, or disabled: false in tandem people import)", *handle, *handle)
	}
	tok, err := st.CreateTokenExpiring(ctx, *handle, *label, expiresAt)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("no person with handle %q in the directory", *handle)
	}
	if err != nil {
		return err
	}
	expiry := "never"
	if !expiresAt.IsZero() {
		expiry = expiresAt.Format(time.RFC3339)
	}
	// The token alone on the first line, so `| head -1` captures it for a script.
	if _, err := fmt.Fprintf(stdout, "%s\nexpires: %s\n", tok, expiry); err != nil {
		return err
	}
	// An audit line without the secret: who got a token, and until when.
	logger.Info("api token created; it is shown only this once", "handle", *handle, "label", *label, "expires", expiry)
	return nil
}

func runTokenRevoke(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	f := newFlags("token revoke")
	db := dbFlag(f)
	all := f.Bool("all", false, "revoke every token of --handle")
	handle := f.String("handle", "", "with --all: the person whose tokens are revoked")
	pos, err := parseInterspersed(f, args)
	if err != nil {
		return err
	}
	switch {
	case *all && (*handle == "" || len(pos) > 0):
		return fmt.Errorf("--all takes --handle and no token\n%s", tokenUsage)
	case !*all && *handle != "":
		return fmt.Errorf("--handle revokes only with --all\n%s", tokenUsage)
	case !*all && len(pos) != 1:
		return fmt.Errorf("a token to revoke is required\n%s", tokenUsage)
	}
	var token string
	if !*all {
		token = pos[0]
		if token == "-" {
			// Read from stdin, so the token stays out of shell history and ps.
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read token from stdin: %w", err)
			}
			token = strings.TrimSpace(line)
		}
		if token == "" {
			return fmt.Errorf("the token to revoke is empty\n%s", tokenUsage)
		}
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *all {
		n, err := st.RevokeTokens(ctx, *handle)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("no person with handle %q in the directory", *handle)
		}
		if err != nil {
			return err
		}
		logger.Info("api tokens revoked", "handle", *handle, "count", n)
		_, err = fmt.Fprintf(stdout, "revoked %d token(s) of %s\n", n, *handle)
		return err
	}
	err = st.RevokeToken(ctx, token)
	if errors.Is(err, domain.ErrNotFound) {
		return errors.New("no such token (it was never issued by this database)")
	}
	if err != nil {
		return err
	}
	logger.Info("api token revoked")
	_, err = fmt.Fprintln(stdout, "revoked")
	return err
}

func dbFlag(f flags) *string {
	return f.str("db", "TANDEM_DB", "tandem.db", "records database: a postgres:// URL or a SQLite file")
}

// parseInterspersed parses flags wherever they are among the arguments (the flag
// package stops at the first non-flag), so `revoke TOKEN --db x` works, and returns
// the non-flag arguments.
func parseInterspersed(f flags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		if f.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
}

// openExisting opens the records database, refusing a SQLite file that is not
// there: opening one creates it, and a mistyped path would otherwise end as an
// empty database and a misleading "no person" error.
func openExisting(ctx context.Context, dsn string) (*store.Store, error) {
	if !isPostgres(dsn) {
		path, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:"), "?")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: pass --db (tandem dev keeps it in <data-dir>/tandem.db), or run tandem migrate first", path)
		}
	}
	return store.Open(ctx, dsn)
}
