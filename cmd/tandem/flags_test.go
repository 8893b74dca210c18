package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/web"
)

// A flag a command parses and then ignores lets an operator believe a setting is
// in force: the worker reads neither a policy nor the Temporal UI's URL (the API
// does both), so it refuses them as unknown, before it opens anything.
func TestWorkerRefusesFlagsOnlyTheAPIReads(t *testing.T) {
	for _, name := range []string{"policy", "ui-url"} {
		var err error
		stderr := stderrOf(t, func() {
			err = run(context.Background(), []string{"worker", "--" + name, "x", "--db", t.TempDir() + "/never.db"}, io.Discard)
		})
		if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -"+name) {
			t.Errorf("worker --%s: err = %v, want it refused as not defined", name, err)
		}
		if strings.Contains(stderr, "  -"+name+" ") {
			t.Errorf("worker usage lists -%s:\n%s", name, stderr)
		}
	}

	// The API still takes both: its usage lists them.
	var err error
	stderr := stderrOf(t, func() { err = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("api -h: %v", err)
	}
	for _, name := range []string{"policy", "ui-url"} {
		if !strings.Contains(stderr, "  -"+name+" ") {
			t.Errorf("api usage does not list -%s:\n%s", name, stderr)
		}
	}
}

// Signing in as a demo person with one click is `tandem dev`'s alone: tandem
// api has no flag or variable that turns it on, and only dev.go, which the
// services build leaves out, gives the board its demo people.
func TestOnlyDevOffersTheDemoSignIn(t *testing.T) {
	var err error
	stderr := stderrOf(t, func() { err = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("api -h: %v", err)
	}
	if !strings.Contains(stderr, "  -session-idle ") {
		t.Fatalf("api usage is not the API's:\n%s", stderr)
	}
	if strings.Contains(strings.ToLower(stderr), "demo") {
		t.Errorf("api usage mentions a demo:\n%s", stderr)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "dev.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("DemoPeople")) || bytes.Contains(src, []byte("DEMO")) {
			t.Errorf("%s sets up the demo sign-in; only dev.go may", f)
		}
	}
}

// The OpenID Connect settings: off without an issuer, the secret from the
// environment or a file (no flag takes it), and a mistake refused at start.
func TestOIDCSettings(t *testing.T) {
	parse := func(t *testing.T, args ...string) (*web.OIDC, error) {
		t.Helper()
		f := newFlags("api")
		o := oidcFlags(f)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		return o.config()
	}
	if cfg, err := parse(t); cfg != nil || err != nil {
		t.Errorf("no settings: %+v, %v; want it off", cfg, err)
	}
	if _, err := parse(t, "--oidc-client-id", "tandem"); err == nil {
		t.Error("a client ID without an issuer was accepted")
	}
	good := []string{"--oidc-issuer", "https://login.example.com", "--oidc-client-id", "tandem",
		"--oidc-redirect-url", "https://tandem.example.com/signin/oidc/callback"}

	t.Setenv("TANDEM_OIDC_CLIENT_SECRET", "from-the-environment")
	cfg, err := parse(t, append(good, "--oidc-scopes", "openid,email,profile", "--oidc-name", "Okta")...)
	if err != nil || cfg.ClientSecret != "from-the-environment" || strings.Join(cfg.Scopes, " ") != "openid email profile" ||
		cfg.Claim != "email" || cfg.Name != "Okta" {
		t.Errorf("settings %+v, %v", cfg, err)
	}
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := parse(t, append(good, "--oidc-client-secret-file", file)...); err != nil || cfg.ClientSecret != "from-a-file" {
		t.Errorf("secret from a file: %+v, %v", cfg, err)
	}
	if _, err := parse(t, append(good, "--oidc-client-secret-file", file+".missing")...); err == nil {
		t.Error("a missing secret file was accepted")
	}
	if _, err := parse(t, "--oidc-issuer", "http://login.example.com", "--oidc-client-id", "tandem",
		"--oidc-redirect-url", "https://tandem.example.com/signin/oidc/callback"); err == nil {
		t.Error("an issuer over plain http was accepted")
	}

	// People added at their first sign-in, their groups mapped from a YAML file.
	groups := filepath.Join(t.TempDir(), "groups.yaml")
	write := func(text string) {
		if err := os.WriteFile(groups, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("- group: tandem-content\n  team: content\n  roles: [content]\n- group: tandem-analysts\n  roles: [analytics]\n")
	cfg, err = parse(t, append(good, "--oidc-create-people", "--oidc-groups", groups, "--oidc-groups-claim", "roles")...)
	if err != nil || !cfg.CreatePeople || cfg.GroupsClaim != "roles" || !reflect.DeepEqual(cfg.Groups, []web.GroupMapping{
		{Group: "tandem-content", Team: domain.TeamContent, Roles: []domain.Role{domain.RoleContent}},
		{Group: "tandem-analysts", Roles: []domain.Role{domain.RoleAnalytics}},
	}) {
		t.Errorf("groups: %+v, %v", cfg, err)
	}
	for _, bad := range []string{"", "- group: x\n  role: content\n", "- group: x\n  team: nowhere\n", "group: x\n"} {
		write(bad)
		if _, err := parse(t, append(good, "--oidc-groups", groups)...); err == nil {
			t.Errorf("groups file %q accepted", bad)
		}
	}
	if _, err := parse(t, append(good, "--oidc-create-people", "--oidc-claim", "preferred_username")...); err == nil {
		t.Error("adding people identified by a handle claim was accepted")
	}

	// Re-checks with the provider: every 15 minutes unless set, 0 never;
	// disabling the people it refuses only when asked, and only with re-checks.
	if cfg, err := parse(t, good...); err != nil || cfg.Recheck != 15*time.Minute || cfg.DisableRefused {
		t.Errorf("re-check defaults: %+v, %v", cfg, err)
	}
	if cfg, err := parse(t, append(good, "--oidc-recheck", "5m", "--oidc-disable-refused")...); err != nil || cfg.Recheck != 5*time.Minute || !cfg.DisableRefused {
		t.Errorf("re-check settings: %+v, %v", cfg, err)
	}
	if cfg, err := parse(t, append(good, "--oidc-recheck", "0")...); err != nil || cfg.Recheck != 0 {
		t.Errorf("re-checks off: %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"--oidc-recheck", "-1m"}, {"--oidc-recheck", "0", "--oidc-disable-refused"}} {
		if _, err := parse(t, append(good, bad...)...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	t.Setenv("TANDEM_OIDC_RECHECK", "soon")
	if _, err := parse(t, good...); err == nil || !strings.Contains(err.Error(), "TANDEM_OIDC_RECHECK") {
		t.Errorf("an unreadable $TANDEM_OIDC_RECHECK: %v", err)
	}
	t.Setenv("TANDEM_OIDC_RECHECK", "")

	// No flag takes the secret itself.
	f := newFlags("api")
	oidcFlags(f)
	f.VisitAll(func(fl *flag.Flag) {
		if strings.Contains(fl.Name, "secret") && !strings.HasSuffix(fl.Name, "-file") {
			t.Errorf("flag -%s takes a secret on the command line", fl.Name)
		}
	})
}
