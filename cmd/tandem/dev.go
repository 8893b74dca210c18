//go:build !services

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/devserver"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/policy"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows"
)

func runDev(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	started := time.Now()
	// A laptop's server is mostly idle, and memory is what it is judged by: the
	// collector runs once the heap has grown by half, not doubled. After 60
	// campaigns that holds 62 MiB of its own instead of 76, for about 15 % more
	// CPU (docs/performance.md, "tandem dev's memory"). $GOGC still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(devGCPercent)
	}
	f := newFlags("dev")
	dataDir := f.str("data-dir", "TANDEM_DATA_DIR", ".tandem", "where Temporal's and Tandem's files are kept across restarts")
	httpAddr := f.str("http", "TANDEM_HTTP", "127.0.0.1:8080", "API listen address")
	temporalPort := f.num("temporal-port", "TANDEM_TEMPORAL_PORT", 7233, "embedded Temporal frontend port")
	uiPort := f.num("ui-port", "TANDEM_UI_PORT", 8233, "Temporal Web UI port")
	db := f.str("db", "TANDEM_DB", "", "records database (default <data-dir>/tandem.db)")
	policyPath := f.str("policy", "TANDEM_POLICY", "", "policy YAML file (built-in defaults when empty)")
	mail := mailFlags(f)
	keys := codecConnFlags(f)
	// On a laptop the receiver under test usually runs on the same machine.
	webhooks := webhookFlags(f, devWebhookAllow)
	uiWrite := f.Bool("ui-write-actions", false, "let the Temporal UI signal, update, terminate and reset runs (operators only)")
	reconcile, err1 := reconcileFlags(f)
	tuning, err2 := workerFlags(f)
	sessionOpts, err3 := sessionFlags(f)
	oidcOpts := oidcFlags(f)
	// On in dev, which writes every demo person's token to demo-tokens.json.
	tokenSignIn := tokenSignInFlag(f, true)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	if err := f.Parse(args); err != nil {
		return err
	}
	sessions, err3 := sessionOpts.config()
	oidc, err4 := oidcOpts.config()
	if err := errors.Join(reconcile.check(), tuning.check(), err3, err4); err != nil {
		return err
	}
	// Before the embedded Temporal starts: its own workers are the process's
	// first, and the SDK makes the cache every worker shares with the first.
	if err := worker.SetStickyCacheSize(*tuning.stickyCache); err != nil {
		return err
	}
	pol, err := policy.Load(*policyPath)
	if err != nil {
		return err
	}
	guard, err := webhooks.guard(logger)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if *db == "" {
		*db = filepath.Join(*dataDir, "tandem.db")
	}

	keyring, acceptClear, err := devKeys(keys, *dataDir, logger)
	if err != nil {
		return err
	}
	// Listening before Temporal starts gives the UI the codec endpoint's address.
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *httpAddr, err)
	}
	defer ln.Close()
	apiURL := "http://" + hostPort(ln.Addr())
	temporal, err := devserver.Start(ctx, devserver.Options{
		DataDir: *dataDir, FrontendPort: *temporalPort, UIPort: *uiPort,
		SearchAttributes: workflows.SearchAttributes, UIWriteActions: *uiWrite, Logger: logger,
		CodecEndpoint: apiURL + api.CodecEndpoint, CodecSignIn: apiURL + "/signin",
	})
	if err != nil {
		return fmt.Errorf("start Temporal: %w", err)
	}
	defer func() {
		// A server that did not stop cleanly is worth a line in the log,
		// not a silent exit.
		if err := temporal.Stop(); err != nil {
			logger.Error("stop Temporal", "err", err)
		}
	}()

	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	tokensPath := filepath.Join(*dataDir, "demo-tokens.json")
	if _, err := seedDemo(ctx, st, tokensPath); err != nil {
		return err
	}
	// The sign-in page lists them for one-click sign-in: dev's alone.
	demo, err := store.DemoPeople(ctx, st)
	if err != nil {
		return err
	}

	app := wiring.Config{
		Logger: logger, Records: st, Webhooks: guard,
		Temporal: wiring.Temporal{Embedded: temporal, Settings: temporalclient.Settings{Keys: keyring, AcceptClear: acceptClear}},
		API:      wiring.API{Policy: pol, UIURL: temporal.UIURL(), Sessions: sessions, DemoPeople: demo, OIDC: oidc, TokenSignIn: *tokenSignIn},
		Worker:   wiring.Worker{Mail: mail.config(), Reconcile: reconcile.config(), Settings: tuning.config()},
	}
	// One client for the worker and the API: its SDK metrics are served on the API's /metrics.
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
	httpSrv := api.NewHTTPServer(*httpAddr, wiring.Handler(c, app))
	banner(stdout, devInfo{
		api: apiURL, ui: temporal.UIURL(), temporal: temporal.FrontendHostPort(),
		namespace: temporal.Namespace(), dataDir: *dataDir, db: *db, tokensPath: tokensPath,
		webhookAllow: *webhooks.allow, payloads: payloadsLine(keys, *dataDir, acceptClear), ready: time.Since(started),
	})
	return serve(ctx, httpSrv, ln, logger)
}

// devGCPercent is tandem dev's GOGC unless $GOGC is set.
const devGCPercent = 50

// seedDemo makes sure the demo directory exists and that demo-tokens.json holds a
// working token per person: tokens still valid from an earlier run are kept, so a
// restart does not invalidate what people pasted.
func seedDemo(ctx context.Context, st *store.Store, path string) (map[string]string, error) {
	existing := map[string]string{}
	switch b, err := os.ReadFile(path); {
	case err == nil:
		if err := json.Unmarshal(b, &existing); err != nil {
			return nil, fmt.Errorf("%s is not a JSON object of handle to token (delete it to get new tokens): %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	tokens, err := store.SeedDemo(ctx, st, existing)
	if err != nil {
		return nil, fmt.Errorf("seed demo directory: %w", err)
	}
	b, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return nil, err
	}
	// The tokens are credentials: readable by their owner only.
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return tokens, os.Chmod(path, 0o600)
}

// devKeyFile is where tandem dev keeps the keys that seal its payloads, beside
// the Temporal database they protect; clearMarker says the data directory holds
// runs from before encryption, whose clear payloads must stay readable.
const (
	devKeyFile  = "codec-keys"
	clearMarker = "codec-accept-clear"
)

// devKeys loads the payload keys tandem dev seals with: $TANDEM_CODEC_KEYS or
// --codec-key-file when given, else <data-dir>/codec-keys, made on first start.
// Made for a data directory whose Temporal database already exists (runs from
// a version that did not encrypt), it also leaves the marker that keeps their
// clear payloads readable, and says so.
func devKeys(f codecFlags, dataDir string, logger *slog.Logger) (*codec.Keyring, bool, error) {
	acceptClear := *f.acceptClear
	if os.Getenv("TANDEM_CODEC_KEYS") != "" || *f.keyFile != "" {
		k, err := f.keys()
		return k, acceptClear, err
	}
	path := filepath.Join(dataDir, devKeyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		entry, err := codec.NewKeyEntry("", time.Now())
		if err != nil {
			return nil, false, err
		}
		text := "# Keys that encrypt what Temporal stores for this data directory: \"<id> <base64>\", newest last.\n" + entry + "\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return nil, false, fmt.Errorf("payload keys: %w", err)
		}
		if _, err := os.Stat(filepath.Join(dataDir, devserver.DBFile)); err == nil {
			if err := os.WriteFile(filepath.Join(dataDir, clearMarker), []byte("runs started before payloads were encrypted\n"), 0o600); err != nil {
				return nil, false, err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, clearMarker)); err == nil {
		acceptClear = true
		logger.Warn("this data directory holds runs from before payloads were encrypted: clear payloads stay readable, which also lets commands sent around Tandem through; delete the marker once those runs have ended",
			"marker", filepath.Join(dataDir, clearMarker))
	}
	k, err := codec.LoadKeys("", path)
	return k, acceptClear, err
}

// payloadsLine says in the banner where the keys that seal payloads are, and
// that the Temporal UI decodes through the API.
func payloadsLine(f codecFlags, dataDir string, acceptClear bool) string {
	where := filepath.Join(dataDir, devKeyFile)
	switch {
	case os.Getenv("TANDEM_CODEC_KEYS") != "":
		where = "$TANDEM_CODEC_KEYS"
	case *f.keyFile != "":
		where = *f.keyFile
	}
	line := "encrypted (keys: " + where + "); the Temporal UI decodes them for whoever is signed in to the board"
	if acceptClear {
		line += "; clear payloads of older runs are read too"
	}
	return line
}

// hostPort makes a listen address clickable: an unspecified host becomes localhost.
func hostPort(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// devWebhookAllow is what tandem dev lets webhooks reach beyond public hosts:
// the loopback interface. tandem api and worker allow nothing internal.
const devWebhookAllow = "127.0.0.0/8,::1"

type devInfo struct {
	api, ui, temporal, namespace, dataDir, db, tokensPath string
	webhookAllow                                          string
	// payloads says how what Temporal stores is encrypted.
	payloads string
	ready    time.Duration
}

// banner says where everything is. It prints no token: stdout of a dev server
// ends up in terminals' scrollback, CI logs and screen shares, where a bearer
// token would be a credential handed out. The example reads pat's token from the
// tokens file instead, with sed (no jq or python needed); the file is written by
// seedDemo as indented JSON, one "handle": "token" per line.
func banner(w io.Writer, d devInfo) {
	launch := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
	body := fmt.Sprintf(`{"name":"Spring launch","objective":"Grow trial sign-ups","audience":"Small business owners",`+
		`"channels":["email","paid_search"],"budget":{"amount":50000,"currency":"EUR"},"launch_at":"%s",`+
		`"kpis":[{"name":"signups","target":1000,"unit":"signups","direction":"higher"}],`+
		`"project_manager":"pat","marketing_ops_manager":"maya"}`, launch)
	hooks := "public https receivers only (--webhook-allow to permit internal ones)"
	switch d.webhookAllow {
	case "":
	case devWebhookAllow:
		hooks = "public https receivers, and loopback (" + devWebhookAllow + ", dev only; change with --webhook-allow)"
	default:
		hooks = "public https receivers, and " + d.webhookAllow + " (--webhook-allow)"
	}
	ui := d.ui
	if ui == "" {
		ui = "(disabled)"
	} else {
		ui += "/namespaces/" + d.namespace + "/workflows"
	}
	fmt.Fprintf(w, `
Tandem dev is ready (%s).

  Board        %s/   (sign in as a demo person with one click, or with a token from the demo tokens file)
  API          %s/api/v1   (OpenAPI: %s/api/v1/openapi.json)
  Temporal UI  %s
  Temporal     %s, namespace %s
  Data         %s (records: %s)
  Webhooks     %s
  Payloads     %s
  Demo tokens  %s
               pat: project manager, maya: marketing ops, cleo: creative, colin: content,
               wes: web, ana: analytics, lee: legal, finn: finance, hana: hr, dana: director, ada: admin

Launch a campaign as pat:

  TOKEN=$(sed -n 's/^ *"pat": "\([^"]*\)".*/\1/p' %s)
  curl -sS -X POST %s/api/v1/campaigns \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '%s'

Stop with Ctrl-C; start again with the same --data-dir and every process continues where it was.
`, d.ready.Round(time.Millisecond), d.api, d.api, d.api, ui, d.temporal, d.namespace, d.dataDir, strings.TrimPrefix(d.db, "sqlite:"), hooks, d.payloads, d.tokensPath, shellQuote(d.tokensPath), d.api, body)
}

// shellQuote makes s one word for a POSIX shell: as it is when it holds nothing a
// shell reads specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// num defines an int flag whose default is $env, else def. Only dev and bench
// take numbers, so it is left out of the services build with them.
func (f flags) num(name, env string, def int, help string) *int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil {
		def = v
	}
	return f.Int(name, def, fmt.Sprintf("%s ($%s)", help, env))
}
