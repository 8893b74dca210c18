package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// flags is a command's flag set whose defaults come from TANDEM_* variables.
type flags struct{ *flag.FlagSet }

func newFlags(name string) flags {
	fs := flag.NewFlagSet("tandem "+name, flag.ContinueOnError)
	return flags{fs}
}

// str defines a string flag whose default is $env, else def. The default shown by
// -h and after a flag error is redacted: it may be a database URL with its
// password in it, and usage ends up in terminals, CI logs and bug reports.
func (f flags) str(name, env, def, help string) *string {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	p := f.String(name, def, fmt.Sprintf("%s ($%s)", help, env))
	f.Lookup(name).DefValue = redacted(env, def) // DefValue is only ever printed
	return p
}

// secretEnv matches the names of variables that hold a secret whole.
var secretEnv = regexp.MustCompile(`(?i)PASSWORD|PASSWD|SECRET|TOKEN|KEY`)

// secretParam matches the keys of URL query parameters and key=value DSN
// settings that hold a secret (PostgreSQL's password and sslpassword among them).
var secretParam = regexp.MustCompile(`(?i)pass|secret|token|key`)

// dsnSecret finds a secret setting in a key=value DSN ("host=h password=s"), its
// value bare or single-quoted.
var dsnSecret = regexp.MustCompile(`(?i)\b(\w*(?:pass|secret|token|key)\w*\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// redacted is v as usage may show it: the whole of it for a variable whose name
// says secret, else v with the password of a URL, and any query parameter or
// DSN setting that looks secret, replaced by xxxxx.
func redacted(env, v string) string {
	const mask = "xxxxx"
	switch {
	case v == "":
		return v
	case secretEnv.MatchString(env):
		return mask
	}
	if !strings.Contains(v, "://") {
		return dsnSecret.ReplaceAllString(v, "${1}"+mask)
	}
	u, err := url.Parse(v)
	if err != nil {
		return mask // a URL too odd to parse may hold its password anywhere
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), mask)
	}
	if q := u.Query(); len(q) > 0 {
		masked := false
		for k := range q {
			if secretParam.MatchString(k) {
				q.Set(k, mask)
				masked = true
			}
		}
		if masked {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// num defines an int flag whose default is $env, else def.
func (f flags) num(name, env string, def int, help string) *int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil {
		def = v
	}
	return f.Int(name, def, fmt.Sprintf("%s ($%s)", help, env))
}

// services is the configuration the api and worker commands share.
type services struct {
	db, temporal, namespace, http, policy, uiURL *string
}

func serviceFlags(f flags, defaultHTTP string) services {
	return services{
		db:        f.str("db", "TANDEM_DB", "tandem.db", "records database: a postgres:// URL or a SQLite file"),
		temporal:  f.str("temporal", "TANDEM_TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port"),
		namespace: f.str("namespace", "TANDEM_NAMESPACE", "default", "Temporal namespace"),
		http:      f.str("http", "TANDEM_HTTP", defaultHTTP, "listen address"),
		policy:    f.str("policy", "TANDEM_POLICY", "", "policy YAML file (built-in defaults when empty)"),
		uiURL:     f.str("ui-url", "TANDEM_UI_URL", "", "Temporal Web UI base URL, for links in API answers"),
	}
}

// mailSettings is the optional SMTP server reminders and escalations are e-mailed
// through. The password comes from $TANDEM_SMTP_PASSWORD only: a flag would show
// it in the process list.
type mailSettings struct{ addr, from, user *string }

func mailFlags(f flags) mailSettings {
	return mailSettings{
		addr: f.str("smtp-addr", "TANDEM_SMTP_ADDR", "", "SMTP server host:port for e-mailing reminders and escalations (off when empty)"),
		from: f.str("smtp-from", "TANDEM_SMTP_FROM", "tandem@localhost", "sender address of e-mails"),
		user: f.str("smtp-user", "TANDEM_SMTP_USER", "", "SMTP user name, with $TANDEM_SMTP_PASSWORD (PLAIN auth: TLS or localhost only)"),
	}
}

// temporalLogger passes the SDK's own logging on at warn level and above: its info
// lines (every poll, every start) would drown Tandem's.
func temporalLogger(l *slog.Logger) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(warnOnly{l.Handler()}))
}

type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && w.Handler.Enabled(ctx, level)
}

func clientOptions(hostPort, namespace string, l *slog.Logger) client.Options {
	return client.Options{HostPort: hostPort, Namespace: namespace, Logger: temporalLogger(l)}
}
