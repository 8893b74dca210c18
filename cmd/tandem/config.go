package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tandemhq/tandem/netguard"
)

// flags is a command's flag set whose defaults come from TANDEM_* variables.
type flags struct{ *flag.FlagSet }

func newFlags(name string) flags {
	fs := flag.NewFlagSet("tandem "+name, flag.ContinueOnError)
	return flags{fs}
}

// str defines a string flag whose default is $env, else def.
func (f flags) str(name, env, def, help string) *string {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	return f.String(name, def, fmt.Sprintf("%s ($%s)", help, env))
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
	webhooks                                     webhookSettings
}

func serviceFlags(f flags, defaultHTTP string) services {
	return services{
		db:        f.str("db", "TANDEM_DB", "tandem.db", "records database: a postgres:// URL or a SQLite file"),
		temporal:  f.str("temporal", "TANDEM_TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port"),
		namespace: f.str("namespace", "TANDEM_NAMESPACE", "default", "Temporal namespace"),
		http:      f.str("http", "TANDEM_HTTP", defaultHTTP, "listen address"),
		policy:    f.str("policy", "TANDEM_POLICY", "", "policy YAML file (built-in defaults when empty)"),
		uiURL:     f.str("ui-url", "TANDEM_UI_URL", "", "Temporal Web UI base URL, for links in API answers"),
		webhooks:  webhookFlags(f, ""),
	}
}

// webhookSettings are the destinations webhooks may reach beyond the public
// internet, and those they never may. The API checks them when a URL is
// subscribed and the worker before every delivery, so both need the same.
type webhookSettings struct{ allow, deny *string }

func webhookFlags(f flags, defaultAllow string) webhookSettings {
	return webhookSettings{
		allow: f.str("webhook-allow", "TANDEM_WEBHOOK_ALLOW", defaultAllow,
			"comma-separated CIDRs, addresses and host names (*.example.com for all under it) webhooks may reach although not public"),
		deny: f.str("webhook-deny", "TANDEM_WEBHOOK_DENY", "", "comma-separated CIDRs and addresses webhooks may never reach, even when allowed"),
	}
}

// guard builds the destination guard, and logs what it lets through.
func (w webhookSettings) guard(logger *slog.Logger) (*netguard.Guard, error) {
	g, err := netguard.New(netguard.Config{Allow: netguard.SplitList(*w.allow), Deny: netguard.SplitList(*w.deny)})
	if err != nil {
		return nil, err
	}
	logger.Info("webhook destinations: public https receivers, and those allowed", "allow", orNone(*w.allow), "deny", orNone(*w.deny))
	return g, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
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
