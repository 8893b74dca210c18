package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// Sign-in with OpenID Connect: the authorization code flow with PKCE, state
// and nonce. POST /signin/oidc (a form of the sign-in page, with its CSRF
// token) sends the browser on to the provider with a fresh state, nonce and
// PKCE challenge, kept meanwhile in a short cookie of this browser's; the provider
// sends it back to GET /signin/oidc/callback, where the code is exchanged
// (with the PKCE verifier) for an ID token, whose signature, issuer, audience,
// expiry and nonce are checked. The claim that names the person (a verified
// e-mail by default) is matched to the directory by the API, on the board's
// word (package vouch), and a session starts as for any other sign-in. An
// identity the directory does not know, an unverified e-mail, or anything the
// board cannot trust gets a page saying so and no session, and is in the audit
// trail as a failed sign-in.

// OIDC is an OpenID Connect provider people sign in with.
type OIDC struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document
	// names it: https, or http on a loopback address (a provider in a test).
	Issuer   string
	ClientID string
	// ClientSecret is the client's secret, read from the environment or a file
	// by the command, never from a flag.
	ClientSecret string
	// Scopes are asked for; openid is added when missing. Empty: openid email.
	Scopes []string
	// Claim names the ID token's claim that says who the person is. "email"
	// (the default) must come with email_verified true and is matched to the
	// directory's e-mail addresses; any other claim's value is matched to a
	// handle.
	Claim string
	// RedirectURL is the callback as registered with the provider: this
	// board's address followed by /signin/oidc/callback.
	RedirectURL string
	// Name is the provider's name, for the sign-in button; empty is "single
	// sign-on".
	Name string
	// CreatePeople adds someone the directory lacks at their first sign-in,
	// if their groups give them a team (Groups); off, such a person is
	// refused. It needs Claim "email": a person has an address.
	CreatePeople bool
	// GroupsClaim names the ID token's claim listing the person's groups;
	// empty is "groups".
	GroupsClaim string
	// Groups maps the provider's groups to Tandem's teams and roles. When
	// set, every sign-in gives the person the team and roles their groups map
	// to (the provider is then where they are managed); someone none of whose
	// groups maps keeps what the directory says.
	Groups []GroupMapping
	// Recheck is how often a person's board session is re-checked with the
	// provider, by a refresh token grant with the refresh token it gave at
	// sign-in (api.Recheck); zero never re-checks, and keeps no refresh
	// token. A provider that gives no refresh token (some do only for the
	// offline_access scope, which Scopes must then hold) is never asked.
	Recheck time.Duration
	// DisableRefused disables a person the provider refuses at a re-check
	// (a provider that manages the directory); off, their session ends and
	// that is all.
	DisableRefused bool
	// HTTPClient reaches the provider; nil is one with a 10-second timeout.
	HTTPClient *http.Client
}

// GroupMapping gives the members of one of the provider's groups a team, roles,
// or both. A person in several groups takes the team of the first mapping of
// theirs that names one, and the roles of all of them.
type GroupMapping struct {
	Group string        `yaml:"group"`
	Team  domain.Team   `yaml:"team,omitempty"`
	Roles []domain.Role `yaml:"roles,omitempty"`
}

// Bounds on what is read of an ID token's profile: a token is the provider's,
// but the board copies these into its directory.
const (
	maxGroups      = 1000 // groups read of the claim; the rest are ignored
	maxProfileName = 200  // characters of the name claim; longer is not taken
)

// oidcCallbackPath is where the provider sends the browser back.
const oidcCallbackPath = "/signin/oidc/callback"

// Check refuses settings the sign-in could not work with, for the command to
// say at start rather than at the first sign-in.
func (o OIDC) Check() error {
	var problems []string
	iss, err := url.Parse(o.Issuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "https" && !(iss.Scheme == "http" && loopback(iss.Hostname()))) {
		problems = append(problems, "the issuer must be an https URL (http only on a loopback address)")
	}
	if o.ClientID == "" {
		problems = append(problems, "a client ID is required")
	}
	red, err := url.Parse(o.RedirectURL)
	if err != nil || red.Host == "" || (red.Scheme != "https" && red.Scheme != "http") || red.Path != oidcCallbackPath || red.RawQuery != "" {
		problems = append(problems, "the redirect URL must be the board's address followed by "+oidcCallbackPath)
	}
	if len(o.Scopes) > 0 && slices.ContainsFunc(o.Scopes, func(s string) bool { return s == "" || strings.ContainsAny(s, " \t") }) {
		problems = append(problems, "a scope is empty or holds a space")
	}
	if o.CreatePeople && o.Claim != "" && o.Claim != "email" {
		problems = append(problems, "adding people at their first sign-in needs the email claim (a person has an address)")
	}
	if o.Recheck < 0 {
		problems = append(problems, "the re-check interval must be 0 (never) or positive")
	}
	if o.DisableRefused && o.Recheck == 0 {
		problems = append(problems, "disabling the people the provider refuses needs re-checks (an interval above 0)")
	}
	for i, g := range o.Groups {
		switch {
		case g.Group == "":
			problems = append(problems, fmt.Sprintf("group mapping %d names no group", i+1))
		case g.Team == "" && len(g.Roles) == 0:
			problems = append(problems, fmt.Sprintf("group %q maps to no team and no role", g.Group))
		case g.Team != "" && !g.Team.Valid():
			problems = append(problems, fmt.Sprintf("group %q maps to the unknown team %q", g.Group, g.Team))
		}
		for _, r := range g.Roles {
			if !r.Valid() {
				problems = append(problems, fmt.Sprintf("group %q maps to the unknown role %q", g.Group, r))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New("OpenID Connect: " + strings.Join(problems, "; "))
	}
	return nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// oidcLogin is the provider the board signs people in with, discovered at the
// first sign-in (and again after a failed discovery), so the board starts
// whether or not the provider answers just then.
type oidcLogin struct {
	cfg    OIDC
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
	// conf is the client of the provider discovered, one for every call:
	// it learns at the first which way the provider takes the client's
	// secret, and a new one would ask twice again.
	conf *oauth2.Config
}

func newOIDCLogin(cfg OIDC) *oidcLogin {
	if cfg.Claim == "" {
		cfg.Claim = "email"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"email"}
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Name == "" {
		cfg.Name = "single sign-on"
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &oidcLogin{cfg: cfg, client: client}
}

// discover reads the provider's discovery document once it answers.
func (o *oidcLogin) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.client), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the OpenID Connect provider %s: %w", o.cfg.Issuer, err)
	}
	o.provider = p
	o.conf = &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: o.cfg.RedirectURL, Scopes: o.cfg.Scopes,
	}
	return p, nil
}

// oauth is the client of the provider, once discovered.
func (o *oidcLogin) oauth() *oauth2.Config {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.conf
}

// oidcCookie holds a sign-in under way in this browser: what the callback must
// find again (the state), check the ID token against (the nonce) and prove the
// code with (the PKCE verifier), and where to go after. SameSite=Lax, not
// Strict: the provider's redirect back is a navigation from another site,
// which a Strict cookie would not come with. It is scoped to the sign-in's
// paths and lives ten minutes.
const (
	oidcCookie = "tandem_oidc"
	oidcMaxAge = 600
)

type oidcPending struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
}

func randomText() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a *App) setOIDCCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: value, Path: "/signin/oidc", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.overTLS(r)})
}

// oidcStart sends the browser to the provider, once the sign-in form is known
// to come from this site.
func (a *App) oidcStart(w http.ResponseWriter, r *http.Request) {
	d, ok := a.signInForm(w, r)
	if !ok {
		return
	}
	if _, err := a.oidc.discover(r.Context()); err != nil {
		a.log.Error("OpenID Connect sign-in unavailable", "error", err)
		a.render(w, r, http.StatusServiceUnavailable, "signin", view{Title: "Sign in", Data: d,
			Problem: a.oidc.cfg.Name + " does not answer just now, so you cannot sign in with it. Try again in a minute."})
		return
	}
	pending := oidcPending{State: randomText(), Nonce: randomText(), Verifier: oauth2.GenerateVerifier(), Next: d.Next}
	b, _ := json.Marshal(pending) // strings only: it cannot fail
	a.setOIDCCookie(w, r, base64.RawURLEncoding.EncodeToString(b), oidcMaxAge)
	// A page that goes on to the provider, not a redirect: the pages' content
	// policy (form-action 'self') would stop a form's redirect to another
	// origin.
	a.render(w, r, http.StatusOK, "forward", view{Title: "Signing in with " + a.oidc.cfg.Name, Data: forward{
		URL:  a.oidc.oauth().AuthCodeURL(pending.State, oidc.Nonce(pending.Nonce), oauth2.S256ChallengeOption(pending.Verifier)),
		Link: "Continue to " + a.oidc.cfg.Name,
	}})
}

// forward is a page that goes on to URL by itself, with a link for a browser
// that does not.
type forward struct{ URL, Link string }

// oidcCallback finishes a sign-in the provider sends the browser back from.
func (a *App) oidcCallback(w http.ResponseWriter, r *http.Request) {
	// The pending sign-in is used once, whatever happens.
	c, cookieErr := r.Cookie(oidcCookie)
	a.setOIDCCookie(w, r, "", -1)
	var pending oidcPending
	if cookieErr == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			_ = json.Unmarshal(b, &pending)
		}
	}
	q := r.URL.Query()
	switch {
	case pending.State == "" || pending.Nonce == "" || pending.Verifier == "":
		a.oidcRefused(w, r, http.StatusBadRequest, "no sign-in was under way in this browser",
			"This sign-in was not started in this browser, or it took longer than ten minutes. Nothing was done: sign in again.")
		return
	case q.Get("error") != "":
		a.oidcRefused(w, r, http.StatusForbidden, "the provider answered "+errorCode(q.Get("error")),
			a.oidc.cfg.Name+" did not sign you in, so Tandem did not either. Sign in again, or ask an admin if this goes on.")
		return
	case !sameValue(q.Get("state"), pending.State):
		a.oidcRefused(w, r, http.StatusForbidden, "the state does not match the sign-in this browser started",
			"This answer from "+a.oidc.cfg.Name+" does not belong to the sign-in this browser started, so nothing was done. Sign in again.")
		return
	}
	p, err := a.oidc.discover(r.Context())
	if err != nil {
		a.log.Error("OpenID Connect sign-in unavailable", "error", err)
		a.oidcRefused(w, r, http.StatusServiceUnavailable, "the provider does not answer",
			a.oidc.cfg.Name+" does not answer just now, so you cannot sign in with it. Try again in a minute.")
		return
	}
	ctx := oidc.ClientContext(r.Context(), a.oidc.client)
	tok, err := a.oidc.oauth().Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		a.log.Warn("OpenID Connect code refused", "error", err)
		a.oidcRefused(w, r, http.StatusForbidden, "the provider did not exchange the code for an ID token",
			a.oidc.cfg.Name+" did not confirm this sign-in, so nothing was done. Sign in again.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.VerifierContext(ctx, &oidc.Config{ClientID: a.oidc.cfg.ClientID, Now: a.now}).Verify(ctx, raw)
	if err != nil {
		a.oidcRefused(w, r, http.StatusForbidden, "the ID token is not valid: "+err.Error(),
			a.oidc.cfg.Name+"'s answer could not be trusted (its ID token is invalid, expired or from another issuer), so nothing was done. Sign in again.")
		return
	}
	if !sameValue(idt.Nonce, pending.Nonce) {
		a.oidcRefused(w, r, http.StatusForbidden, "the ID token's nonce does not match the sign-in this browser started",
			"This answer from "+a.oidc.cfg.Name+" does not belong to the sign-in this browser started, so nothing was done. Sign in again.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		a.oidcRefused(w, r, http.StatusForbidden, "the ID token's claims do not read", a.oidc.cfg.Name+"'s answer could not be read, so nothing was done.")
		return
	}
	who, _ := claims[a.oidc.cfg.Claim].(string)
	if who == "" {
		a.oidcRefused(w, r, http.StatusForbidden, "the ID token has no "+a.oidc.cfg.Claim+" claim",
			a.oidc.cfg.Name+" did not say who you are (no "+a.oidc.cfg.Claim+"), so Tandem cannot tell which person of its directory you are. Ask an admin.")
		return
	}
	// The refresh token goes to the API, which keeps it sealed with the
	// session to re-check the person with, only when it re-checks.
	var refresh string
	if a.oidc.cfg.Recheck > 0 {
		refresh = tok.RefreshToken
	}
	var vouched context.Context
	if a.oidc.cfg.Claim == "email" {
		if !emailVerified(claims["email_verified"]) {
			a.oidcRefused(w, r, http.StatusForbidden, "the e-mail "+who+" is not verified",
				a.oidc.cfg.Name+" has not verified your e-mail address "+who+", so Tandem cannot take it as yours. Verify it there, then sign in again.")
			return
		}
		vouched = vouch.ForEmailRefreshing(r.Context(), who, domain.SignInOIDC, a.oidc.profile(claims), refresh)
	} else {
		vouched = vouch.ForRefreshing(r.Context(), who, domain.SignInOIDC, refresh)
	}
	id, err := a.startSession(r.WithContext(vouched), "")
	if err != nil {
		switch ae, ok := asAPIError(err); {
		case ok && ae.Status == http.StatusUnauthorized:
			what := "that e-mail address"
			if a.oidc.cfg.Claim != "email" {
				what = "that handle"
			}
			a.oidcPage(w, r, http.StatusForbidden, "You signed in at "+a.oidc.cfg.Name+" as "+who+", but no one in Tandem's directory has "+what+
				", so you are not signed in to Tandem. Ask an admin to add you to the directory, or to correct yours.")
		case ok && ae.Status == http.StatusForbidden:
			// The person is in the directory but disabled (someone who left).
			a.oidcPage(w, r, http.StatusForbidden, "You signed in at "+a.oidc.cfg.Name+" as "+who+", but your Tandem account is disabled, "+
				"so you are not signed in to Tandem. If you should have access, ask an admin to enable it.")
		case ok && ae.Status == http.StatusConflict:
			a.oidcPage(w, r, http.StatusForbidden, "You signed in at "+a.oidc.cfg.Name+" as "+who+", but several people in Tandem's directory have that e-mail address, "+
				"so Tandem cannot tell which one you are. Ask an admin to fix the directory.")
		case ok && ae.Status == http.StatusTooManyRequests:
			a.oidcPage(w, r, ae.Status, "Too many attempts. Wait a minute and try again.")
		default:
			a.fail(w, r, nil, err)
		}
		return
	}
	// A page, not a redirect: once the person used the provider's page (a
	// password, a consent), this navigation was started by another site, and
	// the browser would not send the session's SameSite=Strict cookie with a
	// redirect that follows it. The page's own navigation comes from this site.
	a.setSessionCookie(w, r, id)
	a.render(w, r, http.StatusOK, "forward", view{Title: "Signed in", Data: forward{URL: cmp.Or(pending.Next, "/"), Link: "Continue to Tandem"}})
}

// Rechecker is how the API re-checks a session with the provider
// (api.Recheck.Ask): a refresh token grant, nil when o re-checks nobody.
func (o OIDC) Rechecker() vouch.Recheck {
	if o.Recheck <= 0 {
		return nil
	}
	return newOIDCLogin(o).recheck
}

// maxRefusalText bounds what of a provider's error description is kept, for
// the audit trail.
const maxRefusalText = 200

// recheck asks the provider for a refresh token grant with refresh. Its
// invalid_grant is the refusal (the person deactivated, their consent or the
// token revoked, the token expired); anything else, including an answer that
// says the board's own settings are wrong (invalid_client), is no answer
// about the person.
func (o *oidcLogin) recheck(ctx context.Context, refresh string) (vouch.Rechecked, error) {
	if _, err := o.discover(ctx); err != nil {
		return vouch.Rechecked{}, err
	}
	tok, err := o.oauth().TokenSource(oidc.ClientContext(ctx, o.client), &oauth2.Token{RefreshToken: refresh}).Token()
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.ErrorCode == "invalid_grant":
		why := "invalid_grant"
		if d := strings.ToValidUTF8(re.ErrorDescription, ""); d != "" && utf8.RuneCountInString(d) <= maxRefusalText {
			why += ": " + d
		}
		return vouch.Rechecked{}, fmt.Errorf("%w (%s)", vouch.ErrRefused, why)
	case errors.As(err, &re):
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return vouch.Rechecked{}, fmt.Errorf("the refresh token grant at %s answered %d %s", o.cfg.Issuer, status, errorCode(re.ErrorCode))
	case err != nil:
		return vouch.Rechecked{}, fmt.Errorf("the refresh token grant at %s: %w", o.cfg.Issuer, err)
	}
	// The token source keeps the old refresh token when the answer has none.
	if tok.RefreshToken != refresh {
		return vouch.Rechecked{Refresh: tok.RefreshToken}, nil
	}
	return vouch.Rechecked{}, nil
}

// profile is what the ID token's claims say of the person for the directory to
// take (the name, the team and roles of their groups), nil when the board is
// set up to take nothing from the provider.
func (o *oidcLogin) profile(claims map[string]any) *vouch.Profile {
	if !o.cfg.CreatePeople && len(o.cfg.Groups) == 0 {
		return nil
	}
	p := &vouch.Profile{Create: o.cfg.CreatePeople}
	if name, _ := claims["name"].(string); utf8.RuneCountInString(name) <= maxProfileName {
		p.Name = strings.TrimSpace(name)
	}
	var theirs []string
	switch g := claims[o.cfg.GroupsClaim].(type) {
	case string: // some providers send a lone group as a string
		theirs = []string{g}
	case []any:
		for _, v := range g[:min(len(g), maxGroups)] {
			if s, ok := v.(string); ok {
				theirs = append(theirs, s)
			}
		}
	}
	var roles []domain.Role
	for _, m := range o.cfg.Groups {
		if !slices.Contains(theirs, m.Group) {
			continue
		}
		p.Mapped = true
		if p.Team == "" {
			p.Team = m.Team
		}
		roles = append(roles, m.Roles...)
	}
	// In the order of domain.Roles, each once, so the same groups always give
	// the same list and a sign-in changes nothing when nothing changed.
	for _, r := range domain.Roles {
		if slices.Contains(roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	if p.Mapped && p.Roles == nil {
		p.Roles = []domain.Role{}
	}
	return p
}

// oidcRefused answers a sign-in the board cannot trust with problem, and
// passes it to the API as a failed sign-in, for the audit trail (why).
func (a *App) oidcRefused(w http.ResponseWriter, r *http.Request, status int, why, problem string) {
	if _, err := a.startSession(r.WithContext(vouch.Refusing(r.Context(), domain.SignInOIDC, why)), ""); err != nil {
		if ae, ok := asAPIError(err); !ok || ae.Status != http.StatusUnauthorized && ae.Status != http.StatusTooManyRequests {
			a.log.Error("a refused OpenID Connect sign-in was not recorded", "why", why, "error", err)
		}
	} else {
		a.log.Error("the API started a session for a refused OpenID Connect sign-in", "why", why)
	}
	a.oidcPage(w, r, status, problem)
}

// oidcPage is the sign-in page with a problem, and no session.
func (a *App) oidcPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	a.render(w, r, status, "signin", view{Title: "Sign in", Problem: problem,
		Data: signInData{Demo: a.demo, OIDC: a.oidcButton(), Token: a.tokenSignIn, CSRF: a.signInToken(w, r)}})
}

// oidcButton is the name on the sign-in page's button, "" without OpenID Connect.
func (a *App) oidcButton() string {
	if a.oidc == nil {
		return ""
	}
	return a.oidc.cfg.Name
}

// emailVerified reads email_verified, which some providers send as a string.
func emailVerified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// errorCode keeps an OAuth error code fit for the audit trail: the codes are
// lowercase words and underscores, and the text comes from the address.
func errorCode(s string) string {
	if len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "an error"
	}
	return s
}
