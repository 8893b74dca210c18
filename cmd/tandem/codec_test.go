//go:build !services

package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/devserver"
)

func devCodecFlags(t *testing.T, args ...string) codecFlags {
	t.Helper()
	f := newFlags("dev")
	c := codecConnFlags(f)
	if err := f.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDevMakesItsKeyOnceAndKeepsIt(t *testing.T) {
	t.Setenv("TANDEM_CODEC_KEYS", "")
	dir := t.TempDir()
	k, clear, err := devKeys(devCodecFlags(t), dir, slog.New(slog.DiscardHandler))
	if err != nil || clear {
		t.Fatalf("first start: %v, accept clear %v", err, clear)
	}
	fi, err := os.Stat(filepath.Join(dir, devKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	again, _, err := devKeys(devCodecFlags(t), dir, slog.New(slog.DiscardHandler))
	if err != nil || again.Newest() != k.Newest() {
		t.Fatalf("restart: %v, key %s then %s", err, k.Newest(), again.Newest())
	}
	if _, err := os.Stat(filepath.Join(dir, clearMarker)); err == nil {
		t.Error("a new data directory was marked as holding clear payloads")
	}
}

func TestDevKeepsRunsFromBeforeEncryptionReadable(t *testing.T) {
	t.Setenv("TANDEM_CODEC_KEYS", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, devserver.DBFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	_, clear, err := devKeys(devCodecFlags(t), dir, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil || !clear {
		t.Fatalf("an old data directory: %v, accept clear %v", err, clear)
	}
	if !strings.Contains(log.String(), clearMarker) {
		t.Errorf("the warning does not say how to end it: %s", log.String())
	}
	// The decision outlives the start that made the key.
	if _, clear, _ := devKeys(devCodecFlags(t), dir, slog.New(slog.DiscardHandler)); !clear {
		t.Error("the second start forgot the old runs")
	}
}

func TestAPIRefusesToStartWithoutPayloadKeys(t *testing.T) {
	t.Setenv("TANDEM_CODEC_KEYS", "")
	t.Setenv("TANDEM_CODEC_KEY_FILE", "")
	err := run(context.Background(), []string{"api", "--db", filepath.Join(t.TempDir(), "t.db")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "payload keys") {
		t.Fatalf("api without keys: %v", err)
	}
	t.Setenv("TANDEM_CODEC_KEYS", "k1 c2VjcmV0")
	err = run(context.Background(), []string{"worker", "--db", filepath.Join(t.TempDir(), "t.db")}, &bytes.Buffer{})
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("worker with a bad key: %v (must fail without quoting it)", err)
	}
}
