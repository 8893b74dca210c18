package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tandemhq/tandem/worker"
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

// dur defines a duration flag whose default is $env, else def. A $env that is not
// a duration is an error now, rather than a default silently kept.
func (f flags) dur(name, env string, def time.Duration, help string) (*time.Duration, error) {
	if v, ok := os.LookupEnv(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", env, err)
		}
		def = d
	}
	return f.Duration(name, def, fmt.Sprintf("%s ($%s)", help, env)), nil
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

// reconcileSettings say how often a worker process looks for runs that Temporal
// closed without their process ending, and how far back its first look goes.
type reconcileSettings struct{ every, lookback *time.Duration }

func reconcileFlags(f flags) (reconcileSettings, error) {
	every, err1 := f.dur("reconcile-every", "TANDEM_RECONCILE_EVERY", worker.DefaultReconcileEvery,
		"how often to close the records of runs terminated, cancelled, failed or timed out in Temporal (0: never)")
	lookback, err2 := f.dur("reconcile-lookback", "TANDEM_RECONCILE_LOOKBACK", worker.DefaultReconcileLookback,
		"how far back the first of those passes looks, for runs that ended while no worker ran")
	return reconcileSettings{every, lookback}, errors.Join(err1, err2)
}

// check refuses settings that make no sense, once the flags are parsed.
func (r reconcileSettings) check() error {
	switch {
	case *r.every < 0:
		return errors.New("--reconcile-every must be 0 (off) or a positive duration")
	case *r.lookback <= 0:
		return errors.New("--reconcile-lookback must be a positive duration")
	}
	return nil
}

// start runs the reconciler until ctx ends, unless it is switched off.
func (r reconcileSettings) start(ctx context.Context, runs worker.Runs, records worker.EndedRuns, logger *slog.Logger) {
	if *r.every == 0 {
		logger.Warn("reconciliation is off: runs ended in Temporal leave their records open")
		return
	}
	go worker.NewReconciler(runs, records, logger, worker.ReconcileConfig{Every: *r.every, Lookback: *r.lookback}).Run(ctx)
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
