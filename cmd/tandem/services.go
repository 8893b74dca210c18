package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/netguard"
	"github.com/tandemhq/tandem/policy"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/web"
	"github.com/tandemhq/tandem/worker"
)

func runAPI(ctx context.Context, args []string, logger *slog.Logger) error {
	f := newFlags("api")
	cfg := serviceFlags(f, ":8080")
	proxies := f.str("trusted-proxies", "TANDEM_TRUSTED_PROXIES", "", "comma-separated IPs or CIDR blocks of the reverse proxies whose X-Forwarded-For names the client (none when empty)")
	if err := f.Parse(args); err != nil {
		return err
	}
	trusted := splitList(*proxies)
	if err := api.CheckTrustedProxies(trusted); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	pol, err := policy.Load(*cfg.policy)
	if err != nil {
		return err
	}
	guard, err := cfg.webhooks.guard(logger)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	sdkMetrics := temporalclient.NewSDKMetrics()
	copts, conn, err := cfg.temporal.clientOptions(logger, sdkMetrics)
	if err != nil {
		return err
	}
	// Lazy: the API starts, and answers 503 from /readyz, while Temporal is still coming up.
	c, err := client.NewLazyClient(copts)
	if err != nil {
		return fmt.Errorf("temporal client: %w", err)
	}
	defer c.Close()
	srv := api.New(api.Config{
		Temporal: api.NewTemporal(c, conn.Namespace), Records: st, Policy: pol, Logger: logger,
		TemporalUIURL: *cfg.uiURL, Namespace: conn.Namespace, WebhookGuard: guard, TrustedProxies: trusted,
		Codec:   codec.New(conn.Keys, codec.Options{AcceptClear: true}),
		Metrics: []prometheus.Collector{sdkMetrics},
	})
	logger.Info("tandem api listening", "addr", *cfg.http, "temporal", conn.HostPort, "namespace", conn.Namespace, "tls", copts.ConnectionOptions.TLS != nil, "payload_key", conn.Keys.Newest())
	return serve(ctx, api.NewHTTPServer(*cfg.http, web.New(web.Config{API: srv.Handler(), Logger: logger}).Handler()), logger)
}

func runWorker(ctx context.Context, args []string, logger *slog.Logger) error {
	f := newFlags("worker")
	cfg := serviceFlags(f, ":8081")
	mail := mailFlags(f)
	reconcile, err := reconcileFlags(f)
	if err != nil {
		return err
	}
	if err := f.Parse(args); err != nil {
		return err
	}
	if err := reconcile.check(); err != nil {
		return err
	}
	guard, err := cfg.webhooks.guard(logger)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	sdkMetrics := temporalclient.NewSDKMetrics()
	copts, conn, err := cfg.temporal.clientOptions(logger, sdkMetrics)
	if err != nil {
		return err
	}
	// The identity its pollers show in Temporal, which readiness looks for.
	copts.Identity = workerIdentity()
	c, err := client.DialContext(ctx, copts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", conn.HostPort, err)
	}
	defer c.Close()
	w := worker.New(c, newActivities(st, mail, guard), sdkworker.Options{})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()
	reconcile.start(ctx, c, st, logger)
	ready := worker.NewReadiness(c, st, conn.Namespace, copts.Identity, logger)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), sdkMetrics, ready)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	logger.Info("tandem worker polling", "task_queue", "tandem", "temporal", conn.HostPort, "tls", copts.ConnectionOptions.TLS != nil, "payload_key", conn.Keys.Newest(), "health", *cfg.http)
	return serve(ctx, api.NewHTTPServer(*cfg.http, mux), logger)
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

// workerIdentity names this worker process to Temporal, as the SDK's default
// does (process ID and host), so its pollers can be told from other workers'.
func workerIdentity() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@tandem-worker", os.Getpid(), host)
}

// serve runs srv until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newActivities builds the worker's activities over st: webhooks always, sent
// only where guard allows, and e-mail when an SMTP server is configured.
func newActivities(st *store.Store, m mailSettings, guard *netguard.Guard) *activities.Activities {
	a := &activities.Activities{Records: st, Directory: st, Webhooks: st, HTTP: activities.NewWebhookClient(guard)}
	if *m.addr != "" {
		a.Mail = &activities.Mailer{Addr: *m.addr, From: *m.from, Username: *m.user, Password: os.Getenv("TANDEM_SMTP_PASSWORD"), Records: st}
	}
	return a
}
