//go:build !services

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/policy"
	"github.com/tandemhq/tandem/store"
)

func TestPolicyDefaultPrintsTheBuiltInPolicy(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"policy", "default"}, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Parse(out.Bytes()); err != nil || !strings.Contains(out.String(), "launch_slip: 72h") {
		t.Errorf("printed policy does not read back (%v):\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"policy"}, &out); err == nil {
		t.Error("policy without default was accepted")
	}
}

func TestUnknownCommandFails(t *testing.T) {
	if err := run(context.Background(), []string{"launch"}, &bytes.Buffer{}); err == nil {
		t.Error("an unknown command was accepted")
	}
	if err := run(context.Background(), nil, &bytes.Buffer{}); err == nil {
		t.Error("no command was accepted")
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	if err := run(context.Background(), []string{"healthcheck", srv.URL}, &bytes.Buffer{}); err != nil {
		t.Errorf("healthy: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := run(context.Background(), []string{"healthcheck", srv.URL}, &bytes.Buffer{}); err == nil {
		t.Error("503 passed the health check")
	}
}

func TestSeedDemoKeepsTokensAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo-tokens.json")
	first, err := seedDemo(ctx, st, path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo-tokens.json mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	p, err := st.PersonByToken(ctx, first["maya"])
	if err != nil || p.Handle != "maya" {
		t.Fatalf("maya's demo token resolves to %+v (%v)", p, err)
	}
	second, err := seedDemo(ctx, st, path)
	if err != nil {
		t.Fatal(err)
	}
	if second["maya"] != first["maya"] || len(second) != len(first) {
		t.Error("a restart replaced tokens people may have pasted")
	}
	var onDisk map[string]string
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk["pat"] != first["pat"] {
		t.Errorf("demo-tokens.json = %s (%v)", b, err)
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemo(ctx, st, path); err == nil {
		t.Error("a corrupt demo-tokens.json was accepted silently")
	}
}

func TestCodecNewKeyPrintsAnEntryTheKeyringReads(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"codec", "new-key", "--id", "k2"}, &out); err != nil {
		t.Fatal(err)
	}
	k, err := codec.ParseKeys(out.String())
	if err != nil || k.Newest() != "k2" {
		t.Fatalf("printed %q: %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"codec"}, &out); err == nil {
		t.Error("codec without new-key was accepted")
	}
}

func TestReconcileSettingsAreChecked(t *testing.T) {
	// Each is refused before anything starts: no database, no Temporal.
	for name, tc := range map[string]struct {
		env  string
		args []string
		want string
	}{
		"negative interval":  {args: []string{"worker", "--reconcile-every", "-1m"}, want: "--reconcile-every"},
		"zero lookback":      {args: []string{"dev", "--reconcile-lookback", "0s"}, want: "--reconcile-lookback"},
		"not a duration":     {args: []string{"worker", "--reconcile-every", "5"}, want: "reconcile-every"},
		"env not a duration": {env: "5", args: []string{"worker"}, want: "$TANDEM_RECONCILE_EVERY"},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("TANDEM_RECONCILE_EVERY", tc.env)
			}
			dir := t.TempDir()
			args := append(slices.Clone(tc.args), "--db", filepath.Join(dir, "never.db"))
			if tc.args[0] == "dev" {
				args = append(slices.Clone(tc.args), "--data-dir", filepath.Join(dir, "data"))
			}
			err := run(context.Background(), args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: %v, want an error naming %s", args, err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%v created %v", args, entries)
			}
		})
	}
}

// The dev banner names the tokens file and shows how to read a token from it,
// but never prints a token; the shell line it gives must read pat's token from
// the real file, wherever the data directory is.
func TestDevBannerPrintsNoToken(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the banner's example with")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data dir's")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo-tokens.json")
	tokens, err := seedDemo(ctx, st, path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	banner(&out, devInfo{api: "http://127.0.0.1:8080", temporal: "127.0.0.1:7233", namespace: "default", dataDir: dir, db: filepath.Join(dir, "tandem.db"), tokensPath: path})
	for handle, tok := range tokens {
		if strings.Contains(out.String(), tok) {
			t.Errorf("the banner prints %s's token:\n%s", handle, out.String())
		}
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "TOKEN=") {
			line = strings.TrimSpace(l)
		}
	}
	if line == "" || !strings.Contains(out.String(), `"Authorization: Bearer $TOKEN"`) {
		t.Fatalf("the banner shows no way to read the token and use it:\n%s", out.String())
	}
	got, err := exec.Command(sh, "-c", line+`; printf %s "$TOKEN"`).Output()
	if err != nil || string(got) != tokens["pat"] {
		t.Errorf("%s read %q (%v), want pat's token %q", line, got, err, tokens["pat"])
	}
}
