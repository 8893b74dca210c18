package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/policy"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/worker"
)

func runAPI(ctx context.Context, args []string, logger *slog.Logger) error {
	f := newFlags("api")
	cfg := serviceFlags(f, ":8080")
	policyPath := f.str("policy", "TANDEM_POLICY", "", "policy YAML file (built-in defaults when empty)")
	uiURL := f.str("ui-url", "TANDEM_UI_URL", "", "Temporal Web UI base URL: links in API answers, and the one origin whose pages may call the codec endpoint")
	proxies := f.str("trusted-proxies", "TANDEM_TRUSTED_PROXIES", "", "comma-separated IPs or CIDR blocks of the reverse proxies whose X-Forwarded-For names the client (none when empty)")
	sessionOpts, err := sessionFlags(f)
	if err != nil {
		return err
	}
	oidcOpts := oidcFlags(f)
	tokenSignIn := tokenSignInFlag(f, false)
	if err := f.Parse(args); err != nil {
		return err
	}
	sessions, err := sessionOpts.config()
	if err != nil {
		return err
	}
	oidc, err := oidcOpts.config()
	if err != nil {
		return err
	}
	trusted := splitList(*proxies)
	if err := api.CheckTrustedProxies(trusted); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	pol, err := policy.Load(*policyPath)
	if err != nil {
		return err
	}
	app, err := cfg.open(ctx, logger)
	if err != nil {
		return err
	}
	defer app.Records.Close()
	app.API = wiring.API{Policy: pol, UIURL: *uiURL, TrustedProxies: trusted, Sessions: sessions, OIDC: oidc, TokenSignIn: *tokenSignIn}
	if oidc == nil && !*tokenSignIn {
		logger.Warn("the board has no sign-in: set up OpenID Connect (--oidc-issuer) or allow token sign-in (--board-token-sign-in)")
	}
	// Lazy: the API starts, and answers 503 from /readyz, while Temporal is still coming up.
	app.Temporal.Lazy = true
	c, err := wiring.Dial(ctx, app)
	if err != nil {
		return err
	}
	defer c.Close()
	logger.Info("tandem api listening", append([]any{"addr", *cfg.http}, c.LogAttrs()...)...)
	return serve(ctx, api.NewHTTPServer(*cfg.http, wiring.Handler(c, app)), nil, logger)
}

func runWorker(ctx context.Context, args []string, logger *slog.Logger) error {
	f := newFlags("worker")
	cfg := serviceFlags(f, ":8081")
	mail := mailFlags(f)
	reconcile, err1 := reconcileFlags(f)
	tuning, err2 := workerFlags(f)
	deployment := deploymentFlags(f)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if err := f.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(reconcile.check(), tuning.check()); err != nil {
		return err
	}
	dep, err := deployment.config()
	if err != nil {
		return err
	}
	settings := tuning.config()
	settings.Deployment = dep
	// Checked now, not after the records and Temporal are reached: a
	// deployment Temporal would refuse is a mistake to name at once.
	if _, err := settings.Options(); err != nil {
		return err
	}
	// Before anything starts: the SDK makes the cache with the first worker.
	if err := worker.SetStickyCacheSize(*tuning.stickyCache); err != nil {
		return err
	}
	app, err := cfg.open(ctx, logger)
	if err != nil {
		return err
	}
	defer app.Records.Close()
	app.Worker = wiring.Worker{Mail: mail.config(), Reconcile: reconcile.config(), Settings: settings}
	// The identity its pollers show in Temporal, which readiness looks for.
	app.Temporal.Identity = workerIdentity()
	c, err := wiring.Dial(ctx, app)
	if err != nil {
		return err
	}
	defer c.Close()
	stop, err := wiring.StartWorker(ctx, c, app)
	if err != nil {
		return err
	}
	defer stop()
	logger.Info("tandem worker polling", append([]any{"task_queue", "tandem", "health", *cfg.http, "version", versionLog(dep)}, c.LogAttrs()...)...)
	return serve(ctx, api.NewHTTPServer(*cfg.http, wiring.WorkerProbes(c, app)), nil, logger)
}

func runPolicy(args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "default" {
		return errors.New("usage: tandem policy default")
	}
	_, err := stdout.Write(policy.Default())
	return err
}

func runHealthcheck(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: tandem healthcheck URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", args[0], resp.Status)
	}
	return nil
}

// versionLog says in the start line which deployment version the worker is,
// and what its runs do when a newer one becomes current.
func versionLog(d worker.Deployment) string {
	switch {
	case d.Name == "":
		return "unversioned"
	case d.AutoUpgrade:
		return d.Name + ":" + d.BuildID + " (auto-upgrade)"
	}
	return d.Name + ":" + d.BuildID + " (pinned)"
}

// workerIdentity names this worker process to Temporal, as the SDK's default
// does (process ID and host), so its pollers can be told from other workers'.
func workerIdentity() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@tandem-worker", os.Getpid(), host)
}

// serve runs srv until ctx ends, then shuts it down gracefully. It serves on
// ln when given, else listens on srv.Addr.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() {
		if ln != nil {
			errc <- srv.Serve(ln)
			return
		}
		errc <- srv.ListenAndServe()
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), api.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// open opens what the api and worker share: the records, the webhook guard,
// and how to reach Temporal with the payload keys loaded.
func (s services) open(ctx context.Context, logger *slog.Logger) (wiring.Config, error) {
	guard, err := s.webhooks.guard(logger)
	if err != nil {
		return wiring.Config{}, err
	}
	conn, err := s.temporal.settings(logger)
	if err != nil {
		return wiring.Config{}, err
	}
	st, err := store.Open(ctx, *s.db)
	if err != nil {
		return wiring.Config{}, err
	}
	return wiring.Config{Logger: logger, Records: st, Webhooks: guard, Temporal: wiring.Temporal{Settings: conn}}, nil
}
