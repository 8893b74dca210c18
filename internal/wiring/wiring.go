package wiring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/netguard"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/web"
	"github.com/tandemhq/tandem/worker"
)

// Config is one Tandem process: what it connects to, and the settings of the
// parts it runs. A part the process does not run ignores its settings.
type Config struct {
	// Logger receives every part's logs; nil discards them.
	Logger *slog.Logger
	// Records is the database every part reads and writes.
	Records *store.Store
	// Temporal says how to reach Temporal.
	Temporal Temporal
	// Webhooks decides where webhooks may go: the API checks a subscription's
	// URL with it and the worker every delivery, so the two share it. nil allows
	// public destinations only.
	Webhooks *netguard.Guard
	API      API
	Worker   Worker
}

// Temporal says how a process reaches Temporal.
type Temporal struct {
	// Settings are the frontend's address, the namespace, transport security
	// and the payload keys (required). Dial fills in the metrics, and the
	// logger when Settings has none.
	temporalclient.Settings
	// Embedded, when set, is the Temporal server running in this process: its
	// address and namespace replace those of Settings, and the client uses its
	// connection options.
	Embedded Embedded
	// Identity names the process's pollers in Temporal; empty is the SDK's
	// default. A worker process's readiness looks for its own.
	Identity string
	// Lazy connects on first use, so the process starts, and says it is not
	// ready, while Temporal is still coming up.
	Lazy bool
}

// Embedded is a Temporal server running in this process; *devserver.Server is
// one. It comes in through this interface so that the wiring, which the api
// and worker commands use, never links the Temporal server.
type Embedded interface {
	FrontendHostPort() string
	Namespace() string
	ConnectionOptions() client.ConnectionOptions
}

// API is the settings of the HTTP API and the board in front of it.
type API struct {
	// Policy is the policy in force; each process the API starts captures it.
	Policy domain.Policy
	// UIURL is the Temporal Web UI's base URL: links to runs in answers, and
	// the one origin whose pages may call the codec endpoint. Empty: no links.
	UIURL string
	// TrustedProxies are the reverse proxies whose forwarding headers name the
	// client (api.CheckTrustedProxies checks them); none by default.
	TrustedProxies []string
	// RateLimit is each token's request budget; the zero value is the default,
	// negative turns it off (the bench measures the engine, not the budget).
	RateLimit api.RateLimit
	// PollInterval is how often the board's open pages check for changes; zero
	// is the board's default.
	PollInterval time.Duration
	// Sessions say how long a board sign-in lasts; the zero value is the
	// API's defaults.
	Sessions api.SessionSettings
	// DemoPeople are offered on the board's sign-in page for anyone to sign in
	// as with one click. Only `tandem dev` sets them: tandem api has no flag or
	// variable that could.
	DemoPeople []domain.Person
	// OIDC, when set, is the OpenID Connect provider people sign in to the
	// board with.
	OIDC *web.OIDC
	// TokenSignIn lets people sign in to the board with an API token
	// (web.Config.TokenSignIn); off, tokens are for scripts only.
	TokenSignIn bool
}

// Worker is the settings of the worker and what runs beside it.
type Worker struct {
	// Mail is the SMTP server reminders and escalations are e-mailed through;
	// an empty Addr turns e-mail off.
	Mail Mail
	// Reconcile says how often the process closes the records of runs that
	// Temporal closed without their process ending, and how far back its first
	// pass looks. Every 0 turns the reconciler off.
	Reconcile worker.ReconcileConfig
	// Settings are the worker's slots, pollers, stop timeout and deployment
	// version; the zero value is Tandem's defaults, unversioned. (The sticky
	// cache is the process's, not a worker's: worker.SetStickyCacheSize.)
	Settings worker.Settings
}

// Mail is an SMTP server, with PLAIN authentication when Username is set.
type Mail struct {
	Addr, From, Username, Password string
}

func (cfg Config) logger() *slog.Logger {
	if cfg.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Logger
}

// Client is the Temporal client every part of a process shares, sealing every
// payload with the process's keys. It is a client.Client.
type Client struct {
	client.Client
	// Namespace is the namespace the client works in.
	Namespace string
	// Metrics is what the SDK measures in the client and its workers; the
	// process's /metrics serves it.
	Metrics *temporalclient.SDKMetrics

	hostPort string
	identity string
	tls      bool
	keys     *codec.Keyring
}

// Dial makes the process's Temporal client, as cfg.Temporal says.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	t := cfg.Temporal
	s := t.Settings
	if t.Embedded != nil {
		s.HostPort, s.Namespace = t.Embedded.FrontendHostPort(), t.Embedded.Namespace()
	}
	if s.Logger == nil {
		s.Logger = cfg.Logger
	}
	s.Metrics = temporalclient.NewSDKMetrics()
	opts, err := temporalclient.Options(s)
	if err != nil {
		return nil, err
	}
	if t.Embedded != nil {
		opts.ConnectionOptions = t.Embedded.ConnectionOptions()
	}
	opts.Identity = t.Identity
	var c client.Client
	if t.Lazy {
		c, err = client.NewLazyClient(opts)
	} else {
		c, err = client.DialContext(ctx, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", s.HostPort, err)
	}
	return &Client{
		Client: c, Namespace: opts.Namespace, Metrics: s.Metrics,
		hostPort: s.HostPort, identity: t.Identity, tls: opts.ConnectionOptions.TLS != nil, keys: s.Keys,
	}, nil
}

// LogAttrs say where the client connects and how it seals, for a process's
// start line.
func (c *Client) LogAttrs() []any {
	return []any{"temporal", c.hostPort, "namespace", c.Namespace, "tls", c.tls, "payload_key", c.keys.Newest()}
}

// Handler is what a process serves over HTTP: API v1 under /api/, with the
// probes and /metrics, and the board's pages everywhere else. The API starts
// and advances processes through c, opens payloads for the Temporal UI with
// c's keys, and serves c's SDK metrics. With c nil the API reads the records
// only, and whatever needs Temporal fails: the bench's inbox measures that.
func Handler(c *Client, cfg Config) http.Handler {
	a := cfg.API
	ac := api.Config{
		Records: cfg.Records, Policy: a.Policy, Logger: cfg.logger(), TemporalUIURL: a.UIURL,
		WebhookGuard: cfg.Webhooks, TrustedProxies: a.TrustedProxies, RateLimit: a.RateLimit, Sessions: a.Sessions,
	}
	ac.Temporal = noTemporal{}
	if c != nil {
		ac.Temporal, ac.Namespace = api.NewTemporal(c.Client, c.Namespace), c.Namespace
		// The codec endpoint decodes for people reading runs in the UI, runs
		// from before encryption included; it is the client's codec, which
		// refuses clear payloads, that keeps forged commands out.
		ac.Codec = codec.New(c.keys, codec.Options{AcceptClear: true})
		ac.Metrics = []prometheus.Collector{c.Metrics}
	}
	ac.Recheck = recheck(cfg)
	return web.New(web.Config{
		API: api.New(ac).Handler(), Logger: ac.Logger, PollInterval: a.PollInterval, TrustedProxies: a.TrustedProxies,
		DemoPeople: a.DemoPeople, OIDC: a.OIDC, TokenSignIn: a.TokenSignIn,
	}).Handler()
}

// noTemporal is the API's Temporal in a process without one (the bench's
// inbox): whatever needs Temporal is unavailable, and a process's detail is
// answered from the records, as when Temporal cannot be reached, instead of
// failing on a nil client.
type noTemporal struct{}

var errNoTemporal = fmt.Errorf("%w: this process has no Temporal", domain.ErrUnavailable)

func (noTemporal) Start(context.Context, api.StartRequest) error { return errNoTemporal }
func (noTemporal) Update(context.Context, api.UpdateRequest, any) (string, error) {
	return "", errNoTemporal
}
func (noTemporal) Query(context.Context, string, string, any) error { return errNoTemporal }
func (noTemporal) CheckHealth(context.Context) error                { return errNoTemporal }
func (noTemporal) Workers(context.Context) (int, error)             { return 0, errNoTemporal }

// refreshTokens is the purpose of the keys refresh tokens are sealed with,
// derived from the payload keys: whoever has those has these.
const refreshTokens = "board session refresh tokens"

// recheck is how the API re-checks OpenID Connect sessions with the provider:
// as the board's OIDC settings say, with the refresh tokens the records keep
// sealed under keys derived from the payload keys. Without payload keys (a
// process that never talks to Temporal: the bench's inbox) there is nothing
// to seal them with, and sessions are not re-checked.
func recheck(cfg Config) api.Recheck {
	o := cfg.API.OIDC
	if o == nil || o.Recheck <= 0 {
		return api.Recheck{}
	}
	keys := cfg.Temporal.Settings.Keys
	if keys == nil {
		cfg.logger().Warn("board sessions are not re-checked with the identity provider: no payload keys to seal its refresh tokens with")
		return api.Recheck{}
	}
	secrets, err := keys.Derive(refreshTokens)
	if err != nil {
		cfg.logger().Error("board sessions are not re-checked with the identity provider", "error", err)
		return api.Recheck{}
	}
	cfg.Records.SealSecretsWith(secrets)
	return api.Recheck{Every: o.Recheck, Ask: o.Rechecker(), DisableRefused: o.DisableRefused, Provider: o.Name}
}

// StartWorker starts Tandem's worker on c's task queue, as cfg.Worker.Settings
// say, with the activities over cfg.Records (webhooks through cfg.Webhooks,
// e-mail when configured), the notifier workflow (joined when it runs
// already), and the reconciler beside it unless
// cfg.Worker.Reconcile.Every is 0. Settings it cannot run are refused before
// anything starts. The reconciler runs until ctx ends or stop is called; stop
// stops both, the worker after letting its activities in flight finish for up
// to the settings' stop timeout.
func StartWorker(ctx context.Context, c *Client, cfg Config) (stop func(), err error) {
	rc := cfg.Worker.Reconcile
	if rc.Every < 0 {
		return nil, errors.New("reconcile: the time between passes must be 0 (off) or positive")
	}
	opts, err := cfg.Worker.Settings.Options()
	if err != nil {
		return nil, err
	}
	w := worker.New(c.Client, newActivities(cfg), opts)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	startCtx, cancelStart := context.WithTimeout(ctx, 30*time.Second)
	err = worker.StartNotifier(startCtx, c.Client)
	cancelStart()
	if err != nil {
		w.Stop()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	if rc.Every == 0 {
		cfg.logger().Warn("reconciliation is off: runs ended in Temporal leave their records open")
		close(done)
	} else {
		r := worker.NewReconciler(c.Client, cfg.Records, cfg.logger(), rc)
		go func() {
			defer close(done)
			r.Run(ctx)
		}()
	}
	return func() {
		cancel()
		<-done
		w.Stop()
	}, nil
}

// newActivities builds the worker's activities over cfg.Records: webhooks
// always, sent only where cfg.Webhooks allows, and e-mail when an SMTP server
// is configured.
func newActivities(cfg Config) *activities.Activities {
	st := cfg.Records
	a := &activities.Activities{Records: st, Directory: st, Webhooks: st, Notifier: st}
	if cfg.Webhooks != nil {
		a.HTTP = activities.NewWebhookClient(cfg.Webhooks)
	}
	if m := cfg.Worker.Mail; m.Addr != "" {
		a.Mail = &activities.Mailer{Addr: m.Addr, From: m.From, Username: m.Username, Password: m.Password, Records: st}
	}
	return a
}

// WorkerProbes is what a worker process serves beside its work: /healthz
// (alive, whatever Temporal does), /readyz (Temporal sees this process's
// pollers, by c's identity, and the records answer) and /metrics (the
// process, the SDK, and the task queue's pollers and backlog).
func WorkerProbes(c *Client, cfg Config) http.Handler {
	ready := worker.NewReadiness(c.Client, cfg.Records, c.Namespace, c.identity, cfg.logger())
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), c.Metrics, ready)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}
