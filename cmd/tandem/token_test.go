package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

// tokenDB makes a migrated SQLite file with pat and sam in the directory.
func tokenDB(t *testing.T) (string, *store.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tandem.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"pat", "sam"} {
		if err := st.UpsertPerson(ctx, domain.Person{Handle: h, Name: h, Email: h + "@example.com", Team: domain.TeamPMO}); err != nil {
			t.Fatal(err)
		}
	}
	return path, st
}

// tandem runs the command in-process and returns its standard output.
func tandem(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

// createToken runs `tandem token create` and returns the token and expiry it prints.
func createToken(t *testing.T, args ...string) (token, expires string) {
	t.Helper()
	out, err := tandem(append([]string{"token", "create"}, args...)...)
	if err != nil {
		t.Fatalf("token create %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "tdm_") || !strings.HasPrefix(lines[1], "expires: ") {
		t.Fatalf("token create printed %q; want the token, then its expiry", out)
	}
	return lines[0], strings.TrimPrefix(lines[1], "expires: ")
}

func wantRefused(t *testing.T, what, text string, args ...string) {
	t.Helper()
	out, err := tandem(args...)
	if err == nil || !strings.Contains(err.Error(), text) {
		t.Errorf("%s: error %v, want one saying %q", what, err, text)
	}
	if out != "" {
		t.Errorf("%s printed %q", what, out)
	}
}

func TestTokenCreateAndRevoke(t *testing.T) {
	ctx := context.Background()
	db, st := tokenDB(t)

	tok, expires := createToken(t, "--handle", "pat", "--label", "ci", "--expires", "720h", "--db", db)
	at, err := time.Parse(time.RFC3339, expires)
	if err != nil || at.Sub(time.Now().Add(720*time.Hour)).Abs() > time.Minute {
		t.Errorf("expiry printed %q (%v), want about 720h from now", expires, err)
	}
	if p, err := st.PersonByToken(ctx, tok); err != nil || p.Handle != "pat" {
		t.Fatalf("created token resolves to %+v, %v", p, err)
	}
	forever, expires := createToken(t, "--db", db, "--handle", "pat")
	if expires != "never" {
		t.Errorf("token without --expires expires %q, want never", expires)
	}

	// Refusals explain themselves and make no token (counted by --all below).
	wantRefused(t, "unknown handle", `no person with handle "zed"`, "token", "create", "--handle", "zed", "--db", db)
	wantRefused(t, "days", "positive duration", "token", "create", "--handle", "pat", "--expires", "30d", "--db", db)
	wantRefused(t, "negative", "positive duration", "token", "create", "--handle", "pat", "--expires", "-1h", "--db", db)
	wantRefused(t, "no handle", "--handle is required", "token", "create", "--db", db)
	wantRefused(t, "missing database", "no database at", "token", "create", "--handle", "pat", "--db", filepath.Join(t.TempDir(), "typo.db"))
	wantRefused(t, "no token", "a token to revoke is required", "token", "revoke", "--db", db)
	wantRefused(t, "unknown token", "no such token", "token", "revoke", "tdm_unknown", "--db", db)
	wantRefused(t, "--all without handle", "--all takes --handle", "token", "revoke", "--all", "--db", db)
	wantRefused(t, "--all of nobody", `no person with handle "zed"`, "token", "revoke", "--all", "--handle", "zed", "--db", db)
	wantRefused(t, "no subcommand", "usage", "token")

	// Flags after the token are read too.
	if out, err := tandem("token", "revoke", tok, "--db", db); err != nil || out != "revoked\n" {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	_, err = st.PersonByToken(ctx, tok)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoked token resolves: %v", err)
	}
	if p, err := st.PersonByToken(ctx, forever); err != nil || p.Handle != "pat" {
		t.Errorf("pat's other token after revoking one: %+v, %v", p, err)
	}

	// From stdin, so the token stays out of shell history.
	samTok, _ := createToken(t, "--handle", "sam", "--db", db)
	var out bytes.Buffer
	if err := runToken(ctx, []string{"revoke", "--db", db, "-"}, strings.NewReader(samTok+"\n"), &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("revoke from stdin: %v", err)
	}
	if _, err := st.PersonByToken(ctx, samTok); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("token revoked from stdin resolves: %v", err)
	}
	err = runToken(ctx, []string{"revoke", "--db", db, "-"}, strings.NewReader(""), io.Discard, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty stdin: %v", err)
	}

	// Only the one token left live counts: the refusals above made none.
	if out, err := tandem("token", "revoke", "--all", "--handle", "pat", "--db", db); err != nil || out != "revoked 1 token(s) of pat\n" {
		t.Fatalf("revoke --all: %q, %v", out, err)
	}
	if _, err := st.PersonByToken(ctx, forever); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("token after revoke --all resolves: %v", err)
	}
}

func TestTokenExpires(t *testing.T) {
	ctx := context.Background()
	db, st := tokenDB(t)
	tok, _ := createToken(t, "--handle", "pat", "--expires", "300ms", "--db", db)
	if p, err := st.PersonByToken(ctx, tok); err != nil || p.Handle != "pat" {
		t.Fatalf("fresh token resolves to %+v, %v", p, err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, err := st.PersonByToken(ctx, tok); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("expired token: %v, want not found", err)
	}
}
