package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
	"github.com/tandemhq/tandem/netguard"
)

// Temporal is the little of Temporal the API needs.
type Temporal interface {
	// Start starts a workflow. A workflow already started with the same ID is not
	// an error, so a retried request converges on the one run.
	Start(ctx context.Context, req StartRequest) error
	// Update sends update u and waits for its outcome until shortly before ctx
	// ends; it decodes the result into result and returns the run that applied
	// it. The same u.ID again is the same update: Temporal answers the outcome
	// of one done (in run u.RunID, when set) and never applies it twice. An
	// update Temporal admitted but no worker processed in time is errAdmitted.
	Update(ctx context.Context, u UpdateRequest, result any) (runID string, err error)
	// Query runs a query and decodes its answer into result.
	Query(ctx context.Context, workflowID, query string, result any) error
	// CheckHealth reports whether the Temporal frontend answers.
	CheckHealth(ctx context.Context) error
	// Workers counts the workers seen polling Tandem's task queue lately
	// (temporalclient.PollerFresh).
	Workers(ctx context.Context) (int, error)
}

// UpdateRequest is one update of a workflow.
type UpdateRequest struct {
	WorkflowID string
	RunID      string // the run to ask; empty for the current one
	Name       string
	ID         string // the update's ID, which the input is bound to
	Input      any
}

// StartRequest is one workflow start.
type StartRequest struct {
	WorkflowID       string
	WorkflowType     string
	Input            any
	Summary          string // the static summary shown in the Temporal UI
	Details          string // the static details shown there: what was asked for, in Markdown, no personal data
	SearchAttributes temporal.SearchAttributes
}

// Records is the read side of the database, plus the writes the API owns (out of
// office, idempotency keys, the audit trail, comments); *store.Store implements it. Lookups
// of a missing record return domain.ErrNotFound.
type Records interface {
	PersonByToken(ctx context.Context, token string) (domain.Person, error)
	Person(ctx context.Context, handle string) (domain.Person, error)
	People(ctx context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error)
	// DirectoryVersion names the directory as it is: it changes with any
	// change of anyone in it.
	DirectoryVersion(ctx context.Context) (string, error)
	SetOutOfOffice(ctx context.Context, handle string, o *domain.OutOfOffice) error
	Campaign(ctx context.Context, id string) (domain.Campaign, error)
	Campaigns(ctx context.Context, f domain.CampaignFilter) (domain.Page[domain.Campaign], error)
	Task(ctx context.Context, id string) (domain.Task, error)
	Tasks(ctx context.Context, f domain.TaskFilter) (domain.Page[domain.Task], error)
	TaskCounts(ctx context.Context, f domain.TaskFilter, now time.Time) (domain.TaskCounts, error)
	Timeline(ctx context.Context, p domain.Process, processID string) ([]domain.Event, error)
	Notifications(ctx context.Context, recipient string, o domain.ListOptions) (domain.Page[domain.Notification], error)
	// NotificationMark is how far recipient has read their notifications.
	NotificationMark(ctx context.Context, recipient string) (domain.NotificationMark, error)
	// MarkNotificationsSeen moves recipient's mark forward to through (never
	// back, never past their newest notification) and answers it.
	MarkNotificationsSeen(ctx context.Context, recipient string, through uint64, at time.Time) (domain.NotificationMark, error)
	// ClaimIdempotencyKey reserves c.Key for c.ResourceID. It returns "" when the key
	// is newly claimed, the ID of the resource already made when the same key came
	// with the same body, and domain.ErrConflict when it came with another body.
	ClaimIdempotencyKey(ctx context.Context, c domain.IdempotencyClaim) (string, error)
	ReleaseIdempotencyKey(ctx context.Context, scope, key string) error
	// ClaimCommand stores a command about to be sent unless one with its ID is
	// stored already; it returns the stored one and whether this call stored
	// it. The same ID with another body is domain.ErrConflict.
	ClaimCommand(ctx context.Context, c domain.SentCommand) (domain.SentCommand, bool, error)
	// Command reads a sent command.
	Command(ctx context.Context, id string) (domain.SentCommand, error)
	// SettleCommand records a pending command's outcome, once.
	SettleCommand(ctx context.Context, id string, status domain.CommandStatus, runID string, refusal []byte) error
	Ping(ctx context.Context) error
	// SchemaVersion is the database's schema version and the newest this build
	// has (store.Migrate brings the first to the second).
	SchemaVersion(ctx context.Context) (current, latest int64, err error)
	HiringRecords
	RiskRecords
	ReportRecords
	WebhookRecords
	AuditRecords
	AdminRecords
	NameRecords
	SessionRecords
	CommentRecords
	NotifyRecords
	CalendarRecords
	TemplateRecords
	CapacityRecords
	TemplateRunRecords
	BoardRecords
}

// Config is what the server needs.
type Config struct {
	Temporal Temporal
	Records  Records
	// Policy is the policy in force; each new process captures it at start.
	Policy domain.Policy
	Logger *slog.Logger
	// TemporalUIURL, when set, adds a link to each process's run in the Temporal Web UI.
	TemporalUIURL string
	Namespace     string
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// RateLimit is each token's request budget on /api/v1; the zero value is the
	// default budget.
	RateLimit RateLimit
	// Codec, when set, opens sealed payloads for the codec endpoint the Temporal
	// UI and CLI decode through; the UI's origin (of TemporalUIURL) may call it
	// from the browser.
	Codec *codec.Codec
	// WebhookGuard decides which destinations webhooks may be subscribed to; the
	// worker must use the same settings. nil allows public destinations only.
	WebhookGuard *netguard.Guard
	// AddressLimit is each client address's budget of requests without a valid
	// token on /api/v1; the zero value is the default (a burst of 20, then one a
	// second). A request that authenticates does not spend it.
	AddressLimit RateLimit
	// Metrics are more collectors /metrics serves: the Temporal SDK client's
	// (temporalclient.SDKMetrics), for one.
	Metrics []prometheus.Collector
	// TrustedProxies are the reverse proxies (IP addresses or CIDR blocks) whose
	// X-Forwarded-For or X-Real-IP header names the client. Empty trusts no
	// header: the client is the connection's peer. See CheckTrustedProxies.
	TrustedProxies []string
	// Sessions say how long the board's sessions last; a zero field is its
	// default.
	Sessions SessionSettings
	// Recheck re-checks the sessions signed in by OpenID Connect with the
	// provider (recheck.go); the zero value never does.
	Recheck Recheck
}

// Server is the HTTP API v1.
type Server struct {
	temporal  Temporal
	records   Records
	policy    domain.Policy
	log       *slog.Logger
	uiURL     string
	namespace string
	now       func() time.Time
	limiter   *rateLimiter // nil when the rate limit is disabled
	decodes   *rateLimiter // each token's budget on the codec endpoint; nil when the rate limit is disabled
	comments  *rateLimiter // each person's budget of comment writes; nil when the rate limit is disabled
	feeds     *rateLimiter // each calendar feed's budget; nil when the rate limit is disabled
	codec     *codec.Codec
	uiOrigin  string

	webhookGuard *netguard.Guard
	addresses    *rateLimiter // requests without a valid token, per client address; nil when disabled
	sampler      *auditSampler
	sessions     SessionSettings
	recheck      Recheck

	engine    *gin.Engine
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	unaudited prometheus.Counter
}

const (
	// downstreamTimeout bounds every call a request makes to Temporal or the database,
	// below the HTTP server's write timeout so the client still gets an answer.
	downstreamTimeout = 10 * time.Second
	// readyTimeout keeps a readiness probe quick even when a dependency hangs.
	readyTimeout = 2 * time.Second
	// maxBody is the largest request body accepted.
	maxBody = 1 << 20

	requestIDHeader = "X-Request-ID"
	requestIDKey    = "tandem.request_id"
	callerKey       = "tandem.caller"
	// tokenKey holds the credential the caller authenticated with (a token, a
	// session; a header's, or the board's cookie on the codec endpoint): the
	// key of its rate-limit bucket.
	tokenKey = "tandem.token"
	// credentialKey holds the caller's credential.
	credentialKey = "tandem.credential"
)

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{
		temporal:  cfg.Temporal,
		records:   cfg.Records,
		policy:    cfg.Policy,
		log:       cfg.Logger,
		uiURL:     strings.TrimRight(cfg.TemporalUIURL, "/"),
		namespace: cfg.Namespace,
		now:       cfg.Now,
		limiter:   newRateLimiter(cfg.RateLimit),
		decodes:   newCodecLimiter(cfg.RateLimit),
		comments:  newCommentLimiter(cfg.RateLimit),
		feeds:     newFeedLimiter(cfg.RateLimit),
		codec:     cfg.Codec,
		uiOrigin:  originOf(cfg.TemporalUIURL),
		addresses: newAddressLimiter(cfg.AddressLimit),
		sampler:   newAuditSampler(),
		sessions:  cfg.Sessions.withDefaults(),
		recheck:   cfg.Recheck,
		registry:  prometheus.NewRegistry(),

		webhookGuard: cfg.WebhookGuard,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.namespace == "" {
		s.namespace = "default"
	}
	if s.webhookGuard == nil {
		s.webhookGuard, _ = netguard.New(netguard.Config{}) // nothing to parse, nothing to fail
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_http_requests_total",
		Help: "HTTP requests answered, by method, route template and status.",
	}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tandem_http_request_duration_seconds",
		Help:    "HTTP request latency, by method, route template and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	s.unaudited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tandem_audit_unrecorded_total",
		Help: "Commands refused for want of a valid token that the audit trail left out: it keeps at most one such entry per client address per minute.",
	})
	s.registry.MustRegister(s.requests, s.latency, s.unaudited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registry.MustRegister(cfg.Metrics...)

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// An API answers the path it was asked, it does not redirect clients around.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	// The client address (audit trail, address limit) is the connection's peer,
	// unless that peer is a proxy the operator named: only then is its
	// X-Forwarded-For (or X-Real-IP) believed, read from the right, past every
	// trusted proxy. A header from anyone else is ignored, as anyone can send one.
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		s.log.Error("trusted proxies ignored: no forwarded header is believed", "error", err)
		_ = e.SetTrustedProxies(nil)
	}
	e.Use(s.requestID, securityHeaders, s.observe, s.recover)
	e.NoRoute(func(c *gin.Context) {
		s.fail(c, &requestError{status: http.StatusNotFound, code: domain.CodeNotFound, message: "no such route: " + c.Request.URL.Path})
	})
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, &requestError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", message: c.Request.Method + " is not allowed here"})
	})
	s.engine = e
	s.routes()
	return s
}

func (s *Server) routes() {
	e := s.engine
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	e.GET("/api/v1/openapi.json", s.openAPI)

	v1 := e.Group("/api/v1", s.audit, s.authenticate, s.rateLimit, s.checkURL)
	v1.POST("/campaigns", s.createCampaign)
	v1.GET("/campaigns", s.listCampaigns)
	v1.GET("/campaigns/:id", s.getCampaign)
	v1.POST("/campaigns/:id/changes", s.changeCampaign)
	v1.POST("/campaigns/:id/kpis", s.recordKPIs)
	v1.POST("/campaigns/:id/cancel", s.cancelCampaign)
	v1.POST("/campaigns/:id/tasks", s.addTask)
	v1.GET("/campaigns/:id/timeline", s.campaignTimeline)

	v1.GET("/tasks", s.listTasks)
	v1.GET("/tasks/:id", s.getTask)
	v1.POST("/tasks/:id/complete", s.completeTask)
	v1.POST("/tasks/:id/reassign", s.reassignTask)
	v1.POST("/tasks/:id/estimate", s.estimateTask)
	v1.GET("/commands/:id", s.getCommand)

	v1.GET("/me", s.me)
	v1.GET("/people", s.listPeople)
	v1.GET("/names", s.names)
	v1.PUT("/people/:handle/out-of-office", s.setOutOfOffice)
	v1.PUT("/people/:handle/weekly-hours", s.setWeeklyHours)
	v1.PUT("/people/:handle", s.putPerson)
	v1.POST("/people/:handle/tokens", s.createPersonToken)
	v1.DELETE("/people/:handle/tokens", s.revokePersonTokens)
	v1.DELETE("/people/:handle/sessions", s.revokePersonSessions)
	v1.POST("/people/:handle/disable", s.disablePerson)
	v1.POST("/people/:handle/enable", s.enablePerson)
	v1.POST("/sessions", s.createSession)
	v1.DELETE("/sessions/current", s.endSession)
	v1.GET("/notifications", s.listNotifications)
	v1.PUT("/me/notifications/seen", s.markNotificationsSeen)
	v1.PUT("/me/notifications/:id/read", s.markNotificationRead)
	v1.GET("/people/:handle/notification-preferences", s.notificationPreferences)
	v1.PUT("/people/:handle/notification-preferences", s.setNotificationPreferences)

	s.hiringRoutes(v1)
	s.riskRoutes(v1)
	s.webhookRoutes(v1)
	s.commentRoutes(v1)
	s.calendarRoutes(v1)
	v1.GET("/boards/:process", s.boardColumn)
	s.templateRoutes(v1)
	s.templateRunRoutes(v1)
	v1.GET("/reports/overview", s.reportOverview)
	v1.GET("/reports/workload", s.reportWorkload)
	v1.GET("/reports/estimates", s.reportEstimates)
	v1.GET("/reports/capacity", s.reportCapacity)
	s.codecRoutes()
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// ShutdownTimeout is how long a stopping server lets the requests it has finish
// (http.Server.Shutdown) before it closes their connections; a container's stop
// grace period must be longer.
const ShutdownTimeout = 15 * time.Second

// NewHTTPServer wraps h in an http.Server with timeouts, so a slow or idle client
// cannot hold a connection forever. The write timeout leaves room for the
// downstream deadline of a request plus writing its answer.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      downstreamTimeout + 20*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// requestID takes the client's X-Request-ID when it is a sane token, or makes one,
// and echoes it so logs and client reports can be matched.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !validRequestID(id) {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// observe is the one request logger and the metrics: one log line and one sample
// per request, with the errors s.fail attached for internal failures.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	elapsed := time.Since(start)

	route := c.FullPath()
	if route == "" {
		route = "unmatched" // keeps label cardinality bounded whatever paths clients try
	}
	status := c.Writer.Status()
	labels := prometheus.Labels{"method": c.Request.Method, "route": route, "status": strconv.Itoa(status)}
	s.requests.With(labels).Inc()
	s.latency.With(labels).Observe(elapsed.Seconds())

	attrs := []slog.Attr{
		slog.String("request_id", c.GetString(requestIDKey)),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.Int("bytes", c.Writer.Size()),
	}
	if p, ok := c.Get(callerKey); ok {
		attrs = append(attrs, slog.String("caller", p.(domain.Person).Handle))
	} else if status == http.StatusUnauthorized || status == http.StatusTooManyRequests {
		// Who keeps failing, from where: the audit trail samples these, the log
		// keeps each.
		attrs = append(attrs, slog.String("client_ip", c.ClientIP()))
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case route == "/healthz" || route == "/readyz" || route == "/metrics":
		level = slog.LevelDebug // probes and scrapes every few seconds would drown the log
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("error", strings.Join(c.Errors.Errors(), "; ")))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// recover turns a panic into the contract's 500 answer; the stack goes to the log,
// never to the client.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		// net/http aborts a response by panicking with this value; let it through.
		if r == http.ErrAbortHandler {
			panic(r)
		}
		err := fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		if c.Writer.Written() {
			_ = c.Error(err)
			c.Abort()
			return
		}
		s.fail(c, err)
	}()
	c.Next()
}

// authenticate resolves the request's credential to the calling person: an API
// token (Authorization: Bearer), or a board session (Authorization: Session,
// which the board sends on its in-process calls; see sessions.go).
//
// Requests without a valid credential are limited per client address, checked
// before the credential is looked up: the limit bounds what a guesser, a flood
// or a script with a revoked token costs the database and the audit trail.
// Only refused requests spend the budget; while it is spent, every request from
// the address is refused, a valid token too, since telling them apart costs the
// lookup the limit is there to save (someone sharing the address, an office
// behind one NAT, waits as well: Retry-After says how long).
//
// On the codec endpoint only, the board's session cookie stands in for a missing
// header: it is how the Temporal UI's decode calls carry the person (see codec.go).
// On POST /api/v1/sessions only, a sign-in the board vouches for in process
// (package vouch) stands in for one: nothing sent over HTTP can carry it.
func (s *Server) authenticate(c *gin.Context) {
	addr := addressKey(c.ClientIP())
	if s.addresses != nil {
		if wait := s.addresses.wait(addr); wait > 0 {
			retryAfter(c, wait)
			s.fail(c, errAddressLimited())
			return
		}
	}
	refuse := func(msg string) {
		if s.addresses != nil {
			s.addresses.spend(addr)
		}
		s.fail(c, errUnauthorized(msg))
	}
	cred, ok := credentialOf(c.GetHeader("Authorization"))
	codecCall := strings.HasPrefix(c.FullPath(), codecPath+"/")
	if !ok && codecCall {
		if ck, err := c.Request.Cookie(SessionCookie); err == nil && ck.Value != "" {
			cred, ok = credential{kind: bySession, secret: ck.Value}, true
		}
	}
	if !ok && codecCall {
		// The Temporal UI of someone signed out asks for every payload of a page,
		// one request each: a page would empty the address's budget, and lock out
		// the valid tokens behind that address too. With no credential there is
		// nothing guessed and nothing looked up, so nothing is spent.
		s.fail(c, errUnauthorized("sign in to Tandem's board in this browser, or send an Authorization: Bearer <token> header"))
		return
	}
	if w, vouched := vouch.From(c.Request.Context()); !ok && vouched && c.Request.Method == http.MethodPost && c.FullPath() == sessionsPath {
		if w.Refused != "" {
			refuse(auditText(fmt.Sprintf("%s sign-in refused: %s", w.Method, w.Refused)))
			return
		}
		cred, ok = credential{kind: byVouch, secret: cmp.Or(w.Handle, w.Email), word: w}, true
	}
	if !ok {
		refuse("an Authorization: Bearer <token> header is required")
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	var p domain.Person
	var sess domain.Session
	var err error
	switch cred.kind {
	case byToken:
		p, err = s.records.PersonByToken(ctx, cred.secret)
	case bySession:
		p, sess, err = s.records.PersonBySession(ctx, cred.secret, s.now(), s.sessions.Idle)
		cred.ref = sess.Ref
	case byVouch:
		if cred.word.Email != "" {
			p, err = s.records.PersonByEmail(ctx, cred.word.Email)
		} else {
			p, err = s.records.Person(ctx, cred.word.Handle)
		}
		if prof := cred.word.Profile; prof != nil && (err == nil || errors.Is(err, domain.ErrNotFound) && prof.Create) {
			var note string
			p, note, err = s.provision(ctx, p, err, cred.word)
			if err == nil && note != "" {
				c.Set(auditProvisionKey, note)
			}
		}
	}
	if errors.Is(err, domain.ErrNotFound) {
		switch {
		case cred.kind == bySession:
			refuse("the session is unknown, signed out or expired: sign in again")
		case cred.kind == byVouch && cred.word.Email != "" && cred.word.Profile != nil && cred.word.Profile.Create:
			refuse(auditText(fmt.Sprintf("%s sign-in refused: no one in the directory has the e-mail %s, and none of their groups gives a team to add them to", cred.word.Method, cred.word.Email)))
		case cred.kind == byVouch && cred.word.Email != "":
			refuse(auditText(fmt.Sprintf("%s sign-in refused: no one in the directory has the e-mail %s", cred.word.Method, cred.word.Email)))
		case cred.kind == byVouch:
			refuse(auditText(fmt.Sprintf("%s sign-in refused: no one in the directory has the handle %s", cred.word.Method, cred.word.Handle)))
		default:
			refuse("the bearer token is invalid or revoked")
		}
		return
	}
	if err == nil && cred.kind == byVouch && !p.Active() {
		// Refused like the others, spending the address's budget, with its own
		// status for the board to say so; a token or session of a disabled
		// person never gets here (the records do not resolve it).
		if s.addresses != nil {
			s.addresses.spend(addr)
		}
		s.fail(c, domain.Forbiddenf("%s sign-in refused: %s is disabled", cred.word.Method, p.Handle))
		return
	}
	if cred.kind == byVouch && errors.Is(err, domain.ErrConflict) {
		// Signing in as one of them would be a guess: a refusal like the others,
		// spending the address's budget, with its own status for the board to say.
		if s.addresses != nil {
			s.addresses.spend(addr)
		}
		s.fail(c, domain.Conflictf("%s sign-in refused: several people in the directory have the e-mail %s", cred.word.Method, cred.word.Email))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("authenticate: %w", err))
		return
	}
	if cred.kind == bySession && s.recheckDue(sess, s.now()) && !s.recheckSession(c, cred.secret, p, sess) {
		return
	}
	c.Set(callerKey, p)
	c.Set(credentialKey, cred)
	// Each credential has a budget of its own, and a token and a session never
	// share one whatever their text.
	c.Set(tokenKey, string(cred.kind)+" "+cred.secret)
	c.Next()
}

// CheckTrustedProxies reports the first entry of proxies that is neither an IP
// address nor a CIDR block, for a command to refuse its flag with.
func CheckTrustedProxies(proxies []string) error {
	for _, p := range proxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			return fmt.Errorf("%q is neither an IP address nor a CIDR block", p)
		}
	}
	return nil
}

// credentialKind is what a request authenticated with.
type credentialKind string

const (
	byToken   credentialKind = "token"   // Authorization: Bearer <API token>
	bySession credentialKind = "session" // Authorization: Session <board session ID>, or the cookie on the codec endpoint
	byVouch   credentialKind = "vouch"   // the board's in-process word, on POST /sessions only
)

// credential is what the caller authenticated with; credentialKey holds it.
type credential struct {
	kind   credentialKind
	secret string // the token, the session ID, or the vouched-for handle or e-mail
	// ref names a session in the audit trail.
	ref string
	// word is the board's, for a vouched-for sign-in.
	word vouch.Word
}

// credentialOf reads an Authorization header: a bearer token, or a board
// session ID under the Session scheme.
func credentialOf(header string) (credential, bool) {
	scheme, secret, ok := strings.Cut(header, " ")
	secret = strings.TrimSpace(secret)
	if !ok || secret == "" {
		return credential{}, false
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return credential{kind: byToken, secret: secret}, true
	case strings.EqualFold(scheme, "Session"):
		return credential{kind: bySession, secret: secret}, true
	}
	return credential{}, false
}

// caller is the authenticated person; authenticate ran before every handler that asks.
func caller(c *gin.Context) domain.Person {
	return c.MustGet(callerKey).(domain.Person)
}

// ctx is the request's context with the downstream deadline.
func (s *Server) ctx(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), downstreamTimeout)
}
