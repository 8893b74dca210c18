package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// stderrOf runs fn with the process's stderr captured, where the flag package
// writes usage and flag errors.
func stderrOf(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stderr = saved }()
	fn()
	_ = w.Close()
	return <-done
}

// -h and a flag error print every flag with its default, defaults read from
// the environment included: none may show a password.
func TestUsageRedactsSecretsFromTheEnvironment(t *testing.T) {
	t.Setenv("TANDEM_DB", "postgres://u:secret1@h/db?sslmode=disable&sslpassword=secret2")
	t.Setenv("TANDEM_BENCH_DB", "host=h user=u password='sec ret3' dbname=d")
	t.Setenv("TANDEM_BENCH_TEMPORAL_DB", "postgres://u:secret4%zz@h/db")
	t.Setenv("TANDEM_BENCH_INBOX_DB", "postgres://u@h/db?password=secret5")
	for _, args := range [][]string{
		{"api", "-h"}, {"api", "--no-such-flag"}, {"worker", "-h"}, {"migrate", "-h"}, {"dev", "-h"},
		{"token", "create", "-h"}, {"token", "revoke", "-h"}, {"people", "import", "-h"}, {"audit", "verify", "-h"},
		{"bench", "-h"},
	} {
		var stdout bytes.Buffer
		var err error
		stderr := stderrOf(t, func() { err = run(context.Background(), args, &stdout) })
		out := stdout.String() + stderr
		if err == nil {
			t.Errorf("%v: no error", args)
		}
		if !errors.Is(err, flag.ErrHelp) && !strings.Contains(out, "no-such-flag") {
			t.Errorf("%v: %v, want help or the flag error", args, err)
		}
		if !strings.Contains(out, "-db") {
			t.Errorf("%v: no usage printed:\n%s", args, out)
		}
		for _, s := range []string{"secret", "sec ret"} {
			if strings.Contains(out, s) || strings.Contains(err.Error(), s) {
				t.Errorf("%v shows a password:\n%s\n%v", args, out, err)
			}
		}
	}
	stderr := stderrOf(t, func() { _ = run(context.Background(), []string{"api", "-h"}, io.Discard) })
	if !strings.Contains(stderr, `"postgres://u:xxxxx@h/db?sslmode=disable&sslpassword=xxxxx"`) {
		t.Errorf("the default is not shown redacted:\n%s", stderr)
	}
}

func TestRedacted(t *testing.T) {
	for _, tc := range []struct{ env, in, want string }{
		{"TANDEM_DB", "postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"TANDEM_DB", "postgres://u@h/db", "postgres://u@h/db"},
		{"TANDEM_DB", "tandem.db", "tandem.db"},
		{"TANDEM_DB", "host=h password=p dbname=d", "host=h password=xxxxx dbname=d"},
		{"TANDEM_DB", "host=h password = 'p q' dbname=d", "host=h password = xxxxx dbname=d"},
		{"TANDEM_DB", "postgres://u:100%@h/db", "xxxxx"},
		{"TANDEM_CODEC_KEY", "c2VjcmV0", "xxxxx"},
		{"TANDEM_SMTP_ADDR", "", ""},
		{"TANDEM_HTTP", ":8080", ":8080"},
	} {
		if got := redacted(tc.env, tc.in); got != tc.want {
			t.Errorf("redacted(%s, %q) = %q, want %q", tc.env, tc.in, got, tc.want)
		}
	}
}

func TestAPIRefusesABadTrustedProxy(t *testing.T) {
	err := run(context.Background(), []string{"api", "--trusted-proxies", "10.0.0.0/8, proxy.internal", "--db", t.TempDir() + "/never.db"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `--trusted-proxies: "proxy.internal"`) {
		t.Errorf("err = %v, want the bad entry named", err)
	}
}
