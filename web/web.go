package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tandemhq/tandem/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the web app needs.
type Config struct {
	// API is API v1's handler: the pages read and act through it, and requests for
	// /api/, /healthz, /readyz and /metrics pass straight to it.
	API    http.Handler
	Logger *slog.Logger
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// PollInterval is how often an open page checks for changes; zero means 5 s.
	PollInterval time.Duration
	// TrustedProxies are the reverse proxies (IP addresses or CIDR blocks, as the
	// API's) whose X-Forwarded-Proto is believed: a proxy that terminates TLS
	// says "https", and the board's cookies are then marked Secure.
	TrustedProxies []string
	// DemoPeople, set by `tandem dev` alone, are listed on the sign-in page for
	// anyone to sign in as with one click (demo.go). Empty: no such sign-in.
	DemoPeople []domain.Person
	// OIDC, when set, is an OpenID Connect provider people sign in with
	// (oidc.go); its settings must pass OIDC.Check.
	OIDC *OIDC
	// TokenSignIn offers the sign-in with an API token on the board. Off by
	// default: tokens are for scripts and integrations, people sign in with
	// the identity provider (or, in tandem dev, as a demo person). An admin
	// may allow it (tandem api --board-token-sign-in).
	TokenSignIn bool
}

// App serves the pages.
type App struct {
	api    client
	dir    dirCache // the directory between requests (words.go)
	log    *slog.Logger
	now    func() time.Time
	poll   time.Duration
	pages  map[string]*template.Template
	assets assets
	mux    *http.ServeMux
	// proxies are the parsed TrustedProxies.
	proxies []netip.Prefix
	// demo are the people of the demo sign-in; nil outside tandem dev.
	demo []demoPerson
	// oidc is the OpenID Connect sign-in; nil without one.
	oidc *oidcLogin
	// tokenSignIn is Config.TokenSignIn.
	tokenSignIn bool
}

// New builds the app and its routes.
func New(cfg Config) *App {
	a := &App{
		api:  client{h: cfg.API},
		dir:  dirCache{lists: map[domain.Role]dirList{}},
		log:  cfg.Logger,
		now:  cfg.Now,
		poll: cfg.PollInterval,

		tokenSignIn: cfg.TokenSignIn,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.poll == 0 {
		a.poll = 5 * time.Second
	}
	for _, p := range cfg.TrustedProxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			a.proxies = append(a.proxies, prefix)
		} else if addr, err := netip.ParseAddr(p); err == nil {
			a.proxies = append(a.proxies, netip.PrefixFrom(addr, addr.BitLen()))
		}
	}
	if len(cfg.DemoPeople) > 0 {
		a.demo = demoPeople(cfg.DemoPeople)
	}
	if cfg.OIDC != nil {
		a.oidc = newOIDCLogin(*cfg.OIDC)
	}
	a.assets = loadAssets()
	a.pages = parsePages(a.funcs())
	a.routes()
	return a
}

// Handler serves the pages, the embedded assets, and the API under its own paths.
func (a *App) Handler() http.Handler { return a.mux }

func (a *App) routes() {
	m := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		m.Handle(p, a.api.h)
	}
	m.Handle("GET /static/", a.assets)

	m.HandleFunc("GET /signin", a.page(a.signInPage))
	m.HandleFunc("POST /signin", a.page(a.signIn))
	m.HandleFunc("POST /signout", a.page(a.signOut))
	if a.demo != nil {
		m.HandleFunc("POST /signin/demo", a.page(a.demoSignIn))
	}
	if a.oidc != nil {
		m.HandleFunc("POST /signin/oidc", a.page(a.oidcStart))
		m.HandleFunc("GET "+oidcCallbackPath, a.page(a.oidcCallback))
	}

	m.HandleFunc("GET /{$}", a.authed(a.myWork))
	m.HandleFunc("POST /tasks/{id}/complete", a.authed(a.completeTask))
	m.HandleFunc("POST /tasks/{id}/reassign", a.authed(a.reassignTask))
	m.HandleFunc("POST /tasks/{id}/estimate", a.authed(a.estimateTask))

	a.boardRoutes(m)
	a.detailRoutes(m)
	a.calendarRoutes(m)
	a.formRoutes(m)
	a.templateRoutes(m)
	a.workloadRoutes(m)
	a.meRoutes(m)
	a.notificationRoutes(m)
	a.commentRoutes(m)
	a.commandRoutes(m)
	m.HandleFunc("GET /reports", a.authed(a.reports))
	m.HandleFunc("GET /finished/{process}", a.authed(a.finished))

	m.HandleFunc("/", a.page(func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusNotFound, "error", view{Title: "Not found", Problem: "There is no page at " + r.URL.Path + "."})
	}))
	a.mux = m
}

// page wraps every page handler: the headers a page needs, which differ from the
// API's JSON-only ones.
func (a *App) page(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		// Everything the pages use is served from here; no inline script or style.
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		// Pages carry people's work and names: no cache keeps them.
		hd.Set("Cache-Control", "no-store")
		h(w, r)
	}
}
