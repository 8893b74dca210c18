package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/netguard"
	"github.com/tandemhq/tandem/temporalclient"
	"github.com/tandemhq/tandem/web"
	"github.com/tandemhq/tandem/worker"
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

// count defines an int flag whose default is $env, else def. A $env that is
// not an integer is an error now, as with dur: a worker's limits silently left
// at their defaults would be found only under load.
func (f flags) count(name, env string, def int, help string) (*int, error) {
	if v := os.Getenv(env); v != "" { // set but empty, as compose passes an unset one through: the default
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %q is not a whole number", env, v)
		}
		def = n
	}
	return f.Int(name, def, fmt.Sprintf("%s ($%s)", help, env)), nil
}

// boolean defines a bool flag whose default is $env ("1", "true", ...), else def.
func (f flags) boolean(name, env string, def bool, help string) *bool {
	if v, err := strconv.ParseBool(os.Getenv(env)); err == nil {
		def = v
	}
	return f.Bool(name, def, fmt.Sprintf("%s ($%s)", help, env))
}

// dur defines a duration flag whose default is $env, else def. A $env that is not
// a duration is an error now, rather than a default silently kept.
func (f flags) dur(name, env string, def time.Duration, help string) (*time.Duration, error) {
	if v := os.Getenv(env); v != "" { // set but empty: the default, as with count
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", env, err)
		}
		def = d
	}
	return f.Duration(name, def, fmt.Sprintf("%s ($%s)", help, env)), nil
}

// services is the configuration the api and worker commands share. What only
// one of them reads (the policy, the UI's URL) is that command's own flag: a
// flag a command accepts but ignores would let an operator believe it in force.
type services struct {
	db, http *string
	temporal temporalFlags
	webhooks webhookSettings
}

func serviceFlags(f flags, defaultHTTP string) services {
	return services{
		db:       f.str("db", "TANDEM_DB", "tandem.db", "records database: a postgres:// URL or a SQLite file"),
		http:     f.str("http", "TANDEM_HTTP", defaultHTTP, "listen address"),
		temporal: temporalConnFlags(f),
		webhooks: webhookFlags(f, ""),
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

// temporalFlags say how the api and worker reach a Temporal cluster and seal
// what they send it. Secrets (the payload keys, an API key) come from the
// environment or files only: a flag would show them in the process list.
type temporalFlags struct {
	addr, namespace, ca, cert, key, serverName, apiKeyFile *string
	tls                                                    *bool
	codec                                                  codecFlags
}

func temporalConnFlags(f flags) temporalFlags {
	return temporalFlags{
		addr:       f.str("temporal", "TANDEM_TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port"),
		namespace:  f.str("namespace", "TANDEM_NAMESPACE", "default", "Temporal namespace"),
		tls:        f.boolean("temporal-tls", "TANDEM_TEMPORAL_TLS", false, "connect to Temporal over TLS (implied by the certificate, CA and API key settings)"),
		ca:         f.str("temporal-tls-ca", "TANDEM_TEMPORAL_TLS_CA", "", "PEM file of the CA that signed the frontend's certificate (system roots when empty)"),
		cert:       f.str("temporal-tls-cert", "TANDEM_TEMPORAL_TLS_CERT", "", "client certificate PEM file, for mutual TLS"),
		key:        f.str("temporal-tls-key", "TANDEM_TEMPORAL_TLS_KEY", "", "client private key PEM file, for mutual TLS"),
		serverName: f.str("temporal-tls-server-name", "TANDEM_TEMPORAL_TLS_SERVER_NAME", "", "name to verify in the frontend's certificate (default: the host of --temporal)"),
		apiKeyFile: f.str("temporal-api-key-file", "TANDEM_TEMPORAL_API_KEY_FILE", "", "file holding a Temporal API key (or set $TANDEM_TEMPORAL_API_KEY)"),
		codec:      codecConnFlags(f),
	}
}

// codecFlags locate the keys that seal payloads.
type codecFlags struct {
	keyFile     *string
	acceptClear *bool
}

func codecConnFlags(f flags) codecFlags {
	return codecFlags{
		keyFile: f.str("codec-key-file", "TANDEM_CODEC_KEY_FILE", "", "file of the keys that encrypt what Temporal stores, one \"<id> <base64>\" per line, newest last (or set $TANDEM_CODEC_KEYS)"),
		acceptClear: f.boolean("codec-accept-clear", "TANDEM_CODEC_ACCEPT_CLEAR", false,
			"also read payloads that were never encrypted: only while runs started before encryption are still open (weakens the refusal of forged commands)"),
	}
}

// keys loads the keyring: $TANDEM_CODEC_KEYS, else the key file.
func (c codecFlags) keys() (*codec.Keyring, error) {
	return codec.LoadKeys(os.Getenv("TANDEM_CODEC_KEYS"), *c.keyFile)
}

// settings reads the flags into the client settings, loading keys and secrets.
func (t temporalFlags) settings(l *slog.Logger) (temporalclient.Settings, error) {
	keys, err := t.codec.keys()
	if err != nil {
		return temporalclient.Settings{}, err
	}
	apiKey := os.Getenv("TANDEM_TEMPORAL_API_KEY")
	if *t.apiKeyFile != "" {
		b, err := os.ReadFile(*t.apiKeyFile)
		if err != nil {
			return temporalclient.Settings{}, fmt.Errorf("temporal API key: %w", err)
		}
		apiKey = strings.TrimSpace(string(b))
	}
	return temporalclient.Settings{
		HostPort: *t.addr, Namespace: *t.namespace,
		TLS: *t.tls, CAFile: *t.ca, CertFile: *t.cert, KeyFile: *t.key, ServerName: *t.serverName,
		APIKey: apiKey, Keys: keys, AcceptClear: *t.codec.acceptClear, Logger: l,
	}, nil
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

// config is the SMTP server as the worker takes it, the password read from
// the environment.
func (m mailSettings) config() wiring.Mail {
	return wiring.Mail{Addr: *m.addr, From: *m.from, Username: *m.user, Password: os.Getenv("TANDEM_SMTP_PASSWORD")}
}

// sessionSettings say how long a board sign-in lasts: tandem api and tandem dev
// have them.
type sessionSettings struct{ idle, lifetime *time.Duration }

func sessionFlags(f flags) (sessionSettings, error) {
	idle, err1 := f.dur("session-idle", "TANDEM_SESSION_IDLE", api.DefaultSessionIdle,
		"a board session not used for this long ends")
	lifetime, err2 := f.dur("session-lifetime", "TANDEM_SESSION_LIFETIME", api.DefaultSessionLifetime,
		"a board session ends this long after sign-in, however much it is used")
	return sessionSettings{idle, lifetime}, errors.Join(err1, err2)
}

// config checks the settings, once the flags are parsed.
func (s sessionSettings) config() (api.SessionSettings, error) {
	if *s.idle <= 0 || *s.lifetime <= 0 {
		return api.SessionSettings{}, errors.New("--session-idle and --session-lifetime must be positive durations")
	}
	return api.SessionSettings{Idle: *s.idle, Lifetime: *s.lifetime}, nil
}

// tokenSignInFlag is whether people may sign in to the board with an API
// token: off for tandem api (tokens are for scripts; people use the identity
// provider) unless an admin allows it, on by default for tandem dev.
func tokenSignInFlag(f flags, def bool) *bool {
	return f.boolean("board-token-sign-in", "TANDEM_BOARD_TOKEN_SIGNIN", def, "let people sign in to the board with an API token (tokens are meant for scripts)")
}

// oidcSettings are the board's OpenID Connect sign-in: tandem api and tandem dev
// have them. The client secret comes from $TANDEM_OIDC_CLIENT_SECRET or a file,
// never a flag, which the process list would show.
type oidcSettings struct {
	issuer, clientID, secretFile, scopes, claim, redirectURL, name *string
	createPeople                                                   *bool
	groupsClaim, groupsFile                                        *string
	recheck                                                        *time.Duration
	disableRefused                                                 *bool
	// flagErr is a setting from the environment that does not read, said
	// by config.
	flagErr error
}

// defaultOIDCRecheck is how often a board session is re-checked with the
// provider unless set: a person deactivated there keeps the board at most
// this long.
const defaultOIDCRecheck = 15 * time.Minute

func oidcFlags(f flags) oidcSettings {
	recheck, err := f.dur("oidc-recheck", "TANDEM_OIDC_RECHECK", defaultOIDCRecheck,
		"how often a board session is re-checked with the provider, by its refresh token (0: never); ask for offline_access in --oidc-scopes where the provider needs it for one")
	return oidcSettings{
		recheck: recheck, flagErr: err,
		disableRefused: f.boolean("oidc-disable-refused", "TANDEM_OIDC_DISABLE_REFUSED", false,
			"disable a person the provider refuses at a re-check (sessions, tokens, open tasks given back), for a provider that manages the directory"),
		issuer:      f.str("oidc-issuer", "TANDEM_OIDC_ISSUER", "", "OpenID Connect provider's issuer URL, for the board's sign-in (off when empty)"),
		clientID:    f.str("oidc-client-id", "TANDEM_OIDC_CLIENT_ID", "", "the board's client ID at the OpenID Connect provider"),
		secretFile:  f.str("oidc-client-secret-file", "TANDEM_OIDC_CLIENT_SECRET_FILE", "", "file holding the client secret (or set $TANDEM_OIDC_CLIENT_SECRET)"),
		scopes:      f.str("oidc-scopes", "TANDEM_OIDC_SCOPES", "openid,email", "comma-separated scopes to ask the provider for"),
		claim:       f.str("oidc-claim", "TANDEM_OIDC_CLAIM", "email", "ID token claim naming the person: email (verified, matched to the directory's e-mails) or another claim matched to handles"),
		redirectURL: f.str("oidc-redirect-url", "TANDEM_OIDC_REDIRECT_URL", "", "the board's callback as registered with the provider: https://<board>/signin/oidc/callback"),
		name:        f.str("oidc-name", "TANDEM_OIDC_NAME", "single sign-on", "the provider's name on the sign-in button"),
		createPeople: f.boolean("oidc-create-people", "TANDEM_OIDC_CREATE_PEOPLE", false,
			"add someone the directory lacks at their first sign-in, when their groups map to a team (--oidc-groups)"),
		groupsClaim: f.str("oidc-groups-claim", "TANDEM_OIDC_GROUPS_CLAIM", "groups", "ID token claim listing the person's groups"),
		groupsFile:  f.str("oidc-groups", "TANDEM_OIDC_GROUPS", "", "YAML file mapping the provider's groups to teams and roles (each sign-in then sets them)"),
	}
}

// config is the sign-in the settings describe, nil when no issuer is set; the
// secret is read and the whole checked now, so a mistake stops the start.
func (o oidcSettings) config() (*web.OIDC, error) {
	if o.flagErr != nil {
		return nil, fmt.Errorf("OpenID Connect: %w", o.flagErr)
	}
	if *o.issuer == "" {
		if *o.clientID != "" || *o.redirectURL != "" {
			return nil, errors.New("OpenID Connect: --oidc-client-id and --oidc-redirect-url need --oidc-issuer")
		}
		return nil, nil
	}
	secret := os.Getenv("TANDEM_OIDC_CLIENT_SECRET")
	if *o.secretFile != "" {
		b, err := os.ReadFile(*o.secretFile)
		if err != nil {
			return nil, fmt.Errorf("OpenID Connect client secret: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	cfg := &web.OIDC{
		Issuer: *o.issuer, ClientID: *o.clientID, ClientSecret: secret, Scopes: splitList(*o.scopes),
		Claim: *o.claim, RedirectURL: *o.redirectURL, Name: *o.name,
		CreatePeople: *o.createPeople, GroupsClaim: *o.groupsClaim,
		Recheck: *o.recheck, DisableRefused: *o.disableRefused,
	}
	if *o.groupsFile != "" {
		groups, err := readGroupMappings(*o.groupsFile)
		if err != nil {
			return nil, err
		}
		cfg.Groups = groups
	}
	return cfg, cfg.Check()
}

// readGroupMappings reads the file of --oidc-groups: a YAML list of mappings
// (group, team, roles), each field checked by web.OIDC.Check.
func readGroupMappings(file string) ([]web.GroupMapping, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect groups: %w", err)
	}
	var groups []web.GroupMapping
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true) // a misspelt "role:" must not silently map nothing
	if err := dec.Decode(&groups); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("OpenID Connect groups: %s: %w", file, err)
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("OpenID Connect groups: %s maps no group", file)
	}
	return groups, nil
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

// config is the reconciler's configuration; Every 0 turns it off.
func (r reconcileSettings) config() worker.ReconcileConfig {
	return worker.ReconcileConfig{Every: *r.every, Lookback: *r.lookback}
}

// workerSettings are how much a worker takes on at once, and how long it lets
// work in flight finish when it stops: tandem worker and tandem dev have them.
type workerSettings struct {
	workflowSlots, activitySlots, workflowPollers, activityPollers, stickyCache *int
	stopTimeout                                                                 *time.Duration
}

// Upper bounds of the worker settings: far past any sane value, so a typo (an
// extra zero or three) is an error at start rather than a worker that takes a
// whole backlog on or a cache that eats the container's memory.
const (
	maxSlots       = 10_000
	maxPollers     = 100
	maxStickyCache = 1_000_000
	maxStopTimeout = time.Hour
)

func workerFlags(f flags) (workerSettings, error) {
	var w workerSettings
	var errs [5]error
	w.workflowSlots, errs[0] = f.count("max-workflow-tasks", "TANDEM_MAX_WORKFLOW_TASKS", worker.DefaultWorkflowTaskSlots,
		"workflow tasks the worker runs at once (2 or more)")
	w.activitySlots, errs[1] = f.count("max-activities", "TANDEM_MAX_ACTIVITIES", worker.DefaultActivitySlots,
		"activities the worker runs at once; the rest wait in Temporal for a worker with room")
	w.workflowPollers, errs[2] = f.count("workflow-pollers", "TANDEM_WORKFLOW_POLLERS", worker.DefaultPollers,
		"long polls open for workflow tasks (2 or more)")
	w.activityPollers, errs[3] = f.count("activity-pollers", "TANDEM_ACTIVITY_POLLERS", worker.DefaultPollers,
		"long polls open for activity tasks")
	w.stickyCache, errs[4] = f.count("sticky-cache-size", "TANDEM_STICKY_CACHE_SIZE", worker.DefaultStickyCacheSize,
		"workflow runs kept in memory between their tasks, so the next one need not replay the history (0: none)")
	stop, err := f.dur("worker-stop-timeout", "TANDEM_WORKER_STOP_TIMEOUT", worker.DefaultStopTimeout,
		"on shutdown, how long activities in flight may finish before they are cancelled (and retried by Temporal)")
	w.stopTimeout = stop
	return w, errors.Join(append(errs[:], err)...)
}

// check refuses settings the worker cannot run or that make no sense, naming
// the flag and its variable.
func (w workerSettings) check() error {
	var errs []error
	for _, s := range []struct {
		flag, env string
		v, lo, hi int
	}{
		{"--max-workflow-tasks", "TANDEM_MAX_WORKFLOW_TASKS", *w.workflowSlots, 2, maxSlots},
		{"--max-activities", "TANDEM_MAX_ACTIVITIES", *w.activitySlots, 1, maxSlots},
		// A poll holds a slot while it waits: pollers beyond the slots never poll.
		{"--workflow-pollers", "TANDEM_WORKFLOW_POLLERS", *w.workflowPollers, 2, min(maxPollers, *w.workflowSlots)},
		{"--activity-pollers", "TANDEM_ACTIVITY_POLLERS", *w.activityPollers, 1, min(maxPollers, *w.activitySlots)},
		{"--sticky-cache-size", "TANDEM_STICKY_CACHE_SIZE", *w.stickyCache, 0, maxStickyCache},
	} {
		if s.v < s.lo || s.v > s.hi {
			errs = append(errs, fmt.Errorf("%s ($%s) is %d: want %d to %d", s.flag, s.env, s.v, s.lo, max(s.lo, s.hi)))
		}
	}
	if d := *w.stopTimeout; d <= 0 || d > maxStopTimeout {
		errs = append(errs, fmt.Errorf("--worker-stop-timeout ($TANDEM_WORKER_STOP_TIMEOUT) is %s: want more than 0 and at most %s", d, maxStopTimeout))
	}
	return errors.Join(errs...)
}

// config is the worker's settings, unversioned.
func (w workerSettings) config() worker.Settings {
	return worker.Settings{
		WorkflowTaskSlots: *w.workflowSlots, ActivitySlots: *w.activitySlots,
		WorkflowTaskPollers: *w.workflowPollers, ActivityTaskPollers: *w.activityPollers,
		StopTimeout: *w.stopTimeout,
	}
}

// deploymentSettings say which Worker Deployment Version a worker is: with a
// deployment name, Worker Versioning is on (docs/upgrades.md).
type deploymentSettings struct{ name, buildID, behaviour *string }

func deploymentFlags(f flags) deploymentSettings {
	return deploymentSettings{
		name: f.str("deployment-name", "TANDEM_DEPLOYMENT_NAME", "", "Worker Deployment this worker is a version of: turns Worker Versioning on (off when empty)"),
		buildID: f.str("build-id", "TANDEM_BUILD_ID", vcsBuildID(),
			"this build's version in the deployment (default: the VCS revision the binary was built from, if any)"),
		behaviour: f.str("versioning-behavior", "TANDEM_VERSIONING_BEHAVIOR", "pinned",
			"what a run does when a newer version becomes current: pinned (stays on its own) or auto-upgrade (moves at its next task)"),
	}
}

// config is the deployment the worker is a version of; the zero value, with
// versioning off, when no deployment name is set.
func (d deploymentSettings) config() (worker.Deployment, error) {
	if *d.name == "" {
		return worker.Deployment{}, nil
	}
	dep := worker.Deployment{Name: *d.name, BuildID: *d.buildID}
	switch *d.behaviour {
	case "pinned", "": // empty: the variable passed through unset
	case "auto-upgrade":
		dep.AutoUpgrade = true
	default:
		return dep, fmt.Errorf("--versioning-behavior ($TANDEM_VERSIONING_BEHAVIOR) is %q: want pinned or auto-upgrade", *d.behaviour)
	}
	if dep.BuildID == "" {
		return dep, errors.New("--deployment-name is set but there is no build ID: set --build-id ($TANDEM_BUILD_ID); " +
			"this binary has no VCS revision to use (built outside a git checkout, as the container image is, or from modified files)")
	}
	return dep, nil
}

// vcsBuildID is the VCS revision the binary was built from, or "" when it has
// none or was built from modified files, whose code the revision does not name.
func vcsBuildID() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			return ""
		}
	}
	return rev
}

// splitList splits a comma-separated list, dropping blanks around and between items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
