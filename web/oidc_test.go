package web

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// The OpenID Connect sign-in against an identity provider running in the test
// (mockoidc): the browser's part is played by hand, so each step can be
// tampered with as an attacker would.

const oidcBoard = "http://board.test"

// provider is an identity provider in the test.
func provider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

func oidcSettings(m *mockoidc.MockOIDC) OIDC {
	return OIDC{Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		RedirectURL: oidcBoard + oidcCallbackPath, Name: "Example SSO"}
}

// oidcApp is the board signing in with cfg, over the fake API, whose Maya has
// the e-mail maya@example.com; now is its clock.
func oidcApp(t *testing.T, cfg OIDC, now func() time.Time) (http.Handler, *fakeAPI) {
	f := newFakeAPI(t)
	maya := f.people[sesMaya]
	maya.Email = "maya@example.com"
	f.people[sesMaya] = maya
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	return New(Config{API: f, Now: now, OIDC: &cfg}).Handler(), f
}

// oidcBrowser is a browser going through the sign-in.
type oidcBrowser struct {
	t       *testing.T
	h       http.Handler
	pending *http.Cookie // the board's cookie of the sign-in under way
}

// begin sends the sign-in page's form and returns the provider's address the
// board sends the browser to.
func (b *oidcBrowser) begin(next string) *url.URL {
	b.t.Helper()
	csrf, cookie := signInForm(b.t, b.h)
	r := httptest.NewRequest(http.MethodPost, "/signin/oidc", strings.NewReader(url.Values{"csrf": {csrf}, "next": {next}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(cookie)
	w := serve(b.h, r)
	if w.Code != http.StatusOK {
		b.t.Fatalf("POST /signin/oidc: %d\n%s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == oidcCookie {
			b.pending = c
		}
	}
	if b.pending == nil || !b.pending.HttpOnly || b.pending.SameSite != http.SameSiteLaxMode || b.pending.MaxAge <= 0 || b.pending.MaxAge > 600 {
		b.t.Fatalf("no short-lived HttpOnly SameSite=Lax cookie for the sign-in under way: %+v", w.Result().Cookies())
	}
	return forwardTo(b.t, w.Body.String())
}

// forwardTo is where a page that goes on by itself goes: its refresh, which its
// link repeats.
func forwardTo(t *testing.T, page string) *url.URL {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<meta http-equiv="refresh" content="0;url=`)
	if !ok {
		t.Fatalf("the page does not go on by itself:\n%s", page)
	}
	to := html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
	if !strings.Contains(page, `<a href="`+rest[:strings.IndexByte(rest, '"')]+`">`) {
		t.Errorf("the page's link does not go where it does:\n%s", page)
	}
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// authorize is the browser at the provider, which signs the person in at once
// and sends the browser back to the board's callback, returned.
func (b *oidcBrowser) authorize(u *url.URL) *url.URL {
	b.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u.String())
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), oidcBoard+oidcCallbackPath) {
		b.t.Fatalf("the provider answered %d to %q (%v)", resp.StatusCode, resp.Header.Get("Location"), err)
	}
	return back
}

// finish is the browser back at the board's callback.
func (b *oidcBrowser) finish(cb *url.URL) *httptest.ResponseRecorder {
	b.t.Helper()
	r := httptest.NewRequest(http.MethodGet, cb.RequestURI(), nil)
	if b.pending != nil {
		r.AddCookie(b.pending)
	}
	return serve(b.h, r)
}

func sessionOf(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// lastVouched is the board's word on its last call to the API.
func lastVouched(t *testing.T, f *fakeAPI) vouch.Word {
	t.Helper()
	if len(f.calls) == 0 {
		t.Fatal("the board did not call the API")
	}
	return f.calls[len(f.calls)-1].Vouched
}

func TestOIDCSignIn(t *testing.T) {
	m := provider(t)
	h, f := oidcApp(t, oidcSettings(m), time.Now)
	mustContain(t, get(t, h, "", "/signin"), `action="/signin/oidc"`, "Sign in with Example SSO")

	b := &oidcBrowser{t: t, h: h}
	auth := b.begin("/workload")
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" ||
		q.Get("redirect_uri") != oidcBoard+oidcCallbackPath || q.Get("scope") != "openid email" || q.Get("client_id") != m.ClientID {
		t.Errorf("the authorization request lacks PKCE, nonce, state or the settings: %s", auth)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "Maya@Example.com", EmailVerified: true})
	w := b.finish(b.authorize(auth))
	if w.Code != http.StatusOK {
		t.Fatalf("callback: %d\n%s", w.Code, w.Body)
	}
	// Signed in: a session, and a page of this site's that goes on to where she was going.
	s := sessionOf(w)
	if s == nil || !strings.HasPrefix(s.Value, "ses-maya-") || !s.HttpOnly || s.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v: want maya's session", w.Result().Cookies())
	}
	mustContain(t, w, `<meta http-equiv="refresh" content="0;url=/workload">`, `<a href="/workload">`)
	if v := lastVouched(t, f); v != (vouch.Word{Email: "Maya@Example.com", Method: domain.SignInOIDC}) {
		t.Errorf("the board vouched %+v", v)
	}
	cleared := false
	for _, c := range w.Result().Cookies() {
		cleared = cleared || c.Name == oidcCookie && c.MaxAge < 0
	}
	if !cleared {
		t.Error("the sign-in under way was not forgotten")
	}
	if got := get(t, h, s.Value, "/me"); got.Code != http.StatusOK {
		t.Errorf("the session opens no page: %d", got.Code)
	}
}

// The ways a sign-in is refused: each gets a page saying why and no session,
// and each reaches the API as a failed sign-in, for the audit trail.
func TestOIDCRefusals(t *testing.T) {
	verified := &mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com", EmailVerified: true}
	for name, tc := range map[string]struct {
		user mockoidc.User
		now  time.Duration // the board's clock, ahead of the provider's
		// tamperAuth changes the authorization request on its way to the
		// provider, tamperCallback the answer on its way back.
		tamperAuth, tamperCallback func(*url.URL)
		status                     int
		page                       string
		vouched                    vouch.Word // the board's word to the API, Refused checked as a prefix
	}{
		"unknown identity": {
			user: &mockoidc.MockUser{Subject: "u-2", Email: "stranger@example.com", EmailVerified: true}, status: http.StatusForbidden,
			page:    "as stranger@example.com, but no one in Tandem&#39;s directory has that e-mail address",
			vouched: vouch.Word{Email: "stranger@example.com", Method: domain.SignInOIDC},
		},
		"unverified e-mail": {
			user: &mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com"}, status: http.StatusForbidden,
			page:    "has not verified your e-mail address maya@example.com",
			vouched: vouch.Word{Refused: "the e-mail maya@example.com is not verified", Method: domain.SignInOIDC},
		},
		"tampered state": {
			user: verified, status: http.StatusForbidden, page: "does not belong to the sign-in this browser started",
			tamperCallback: func(cb *url.URL) {
				q := cb.Query()
				q.Set("state", "attackers-state")
				cb.RawQuery = q.Encode()
			},
			vouched: vouch.Word{Refused: "the state does not match", Method: domain.SignInOIDC},
		},
		"tampered nonce": {
			user: verified, status: http.StatusForbidden, page: "does not belong to the sign-in this browser started",
			tamperAuth: func(auth *url.URL) {
				q := auth.Query()
				q.Set("nonce", "attackers-nonce")
				auth.RawQuery = q.Encode()
			},
			vouched: vouch.Word{Refused: "the ID token's nonce does not match", Method: domain.SignInOIDC},
		},
		"tampered PKCE challenge": {
			user: verified, status: http.StatusForbidden, page: "did not confirm this sign-in",
			tamperAuth: func(auth *url.URL) {
				q := auth.Query()
				q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
				auth.RawQuery = q.Encode()
			},
			vouched: vouch.Word{Refused: "the provider did not exchange the code", Method: domain.SignInOIDC},
		},
		"expired ID token": {
			user: verified, now: time.Hour, status: http.StatusForbidden, page: "could not be trusted",
			vouched: vouch.Word{Refused: "the ID token is not valid: oidc: token is expired", Method: domain.SignInOIDC},
		},
		"provider's refusal": {
			user: verified, status: http.StatusForbidden, page: "did not sign you in",
			tamperCallback: func(cb *url.URL) {
				cb.RawQuery = url.Values{"error": {"access_denied"}, "state": {cb.Query().Get("state")}}.Encode()
			},
			vouched: vouch.Word{Refused: "the provider answered access_denied", Method: domain.SignInOIDC},
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := provider(t)
			h, f := oidcApp(t, oidcSettings(m), func() time.Time { return time.Now().Add(tc.now) })
			b := &oidcBrowser{t: t, h: h}
			auth := b.begin("/")
			m.QueueUser(tc.user)
			if tc.tamperAuth != nil {
				tc.tamperAuth(auth)
			}
			cb := b.authorize(auth)
			if tc.tamperCallback != nil {
				tc.tamperCallback(cb)
			}
			w := b.finish(cb)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			mustContain(t, w, tc.page)
			if s := sessionOf(w); s != nil {
				t.Errorf("a session cookie was set: %+v", s)
			}
			v := lastVouched(t, f)
			if v.Method != tc.vouched.Method || v.Email != tc.vouched.Email || v.Handle != "" || !strings.HasPrefix(v.Refused, tc.vouched.Refused) || (v.Refused == "") != (tc.vouched.Refused == "") {
				t.Errorf("the board told the API %+v, want %+v", v, tc.vouched)
			}
		})
	}
}

// An ID token from an issuer other than the one the board trusts is refused: a
// discovery document that names this board's issuer but hands out another
// provider's tokens.
func TestOIDCRefusesAnotherIssuersToken(t *testing.T) {
	m := provider(t)
	var shim *httptest.Server
	shim = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": shim.URL, "authorization_endpoint": m.AuthorizationEndpoint(), "token_endpoint": m.TokenEndpoint(),
			"jwks_uri": m.JWKSEndpoint(), "userinfo_endpoint": m.UserinfoEndpoint(),
			"response_types_supported": []string{"code"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(shim.Close)
	cfg := oidcSettings(m)
	cfg.Issuer = shim.URL
	h, f := oidcApp(t, cfg, time.Now)
	b := &oidcBrowser{t: t, h: h}
	auth := b.begin("/")
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com", EmailVerified: true})
	w := b.finish(b.authorize(auth))
	if w.Code != http.StatusForbidden || sessionOf(w) != nil {
		t.Fatalf("status %d, cookies %+v: want 403 and no session", w.Code, w.Result().Cookies())
	}
	mustContain(t, w, "could not be trusted")
	if v := lastVouched(t, f); !strings.Contains(v.Refused, "issued by a different provider") {
		t.Errorf("the board told the API %+v", v)
	}
}

// A callback this browser did not start (an attacker's link, carrying their
// code: login CSRF), or the same callback again, signs nobody in.
func TestOIDCCallbackNeedsTheSignInThisBrowserStarted(t *testing.T) {
	m := provider(t)
	h, f := oidcApp(t, oidcSettings(m), time.Now)
	attacker := &oidcBrowser{t: t, h: h}
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com", EmailVerified: true})
	cb := attacker.authorize(attacker.begin("/"))

	victim := &oidcBrowser{t: t, h: h}
	w := victim.finish(cb)
	if w.Code != http.StatusBadRequest || sessionOf(w) != nil {
		t.Errorf("another browser's callback: status %d, cookies %+v", w.Code, w.Result().Cookies())
	}
	mustContain(t, w, "was not started in this browser")
	if v := lastVouched(t, f); v.Refused != "no sign-in was under way in this browser" {
		t.Errorf("the board told the API %+v", v)
	}

	// The attacker's own browser signs in once; the code does not serve twice.
	if w := attacker.finish(cb); w.Code != http.StatusOK || sessionOf(w) == nil {
		t.Fatalf("the sign-in itself: %d", w.Code)
	}
	if w := attacker.finish(cb); sessionOf(w) != nil {
		t.Error("the same callback signed in twice")
	}
}

// The sign-in page's form is checked like the others: a foreign page cannot
// start a sign-in either.
func TestOIDCStartFromElsewhereIsRefused(t *testing.T) {
	m := provider(t)
	h, _ := oidcApp(t, oidcSettings(m), time.Now)
	_, cookie := signInForm(t, h)
	r := httptest.NewRequest(http.MethodPost, "/signin/oidc", strings.NewReader(url.Values{"csrf": {"forged"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(cookie)
	w := serve(h, r)
	if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), m.AuthorizationEndpoint()) {
		t.Errorf("a forged form: status %d, want 403 and nothing sent on to the provider", w.Code)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == oidcCookie {
			t.Errorf("a forged form started a sign-in: %+v", c)
		}
	}
}

func TestOIDCSettingsAreChecked(t *testing.T) {
	ok := OIDC{Issuer: "https://login.example.com", ClientID: "tandem", RedirectURL: "https://tandem.example.com/signin/oidc/callback"}
	if err := ok.Check(); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
	for name, mod := range map[string]func(*OIDC){
		"http issuer":               func(o *OIDC) { o.Issuer = "http://login.example.com" },
		"no issuer":                 func(o *OIDC) { o.Issuer = "" },
		"no client ID":              func(o *OIDC) { o.ClientID = "" },
		"another callback path":     func(o *OIDC) { o.RedirectURL = "https://tandem.example.com/callback" },
		"a relative callback":       func(o *OIDC) { o.RedirectURL = "/signin/oidc/callback" },
		"a scope with a space":      func(o *OIDC) { o.Scopes = []string{"openid email"} },
		"adding people by handle":   func(o *OIDC) { o.CreatePeople, o.Claim = true, "preferred_username" },
		"a mapping of no group":     func(o *OIDC) { o.Groups = []GroupMapping{{Team: domain.TeamWeb}} },
		"a group mapped to nothing": func(o *OIDC) { o.Groups = []GroupMapping{{Group: "web"}} },
		"an unknown team":           func(o *OIDC) { o.Groups = []GroupMapping{{Group: "web", Team: "webb"}} },
		"an unknown role":           func(o *OIDC) { o.Groups = []GroupMapping{{Group: "web", Roles: []domain.Role{"webmaster"}}} },
	} {
		o := ok
		mod(&o)
		if err := o.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	local := ok
	local.Issuer = "http://127.0.0.1:5556/dex"
	if err := local.Check(); err != nil {
		t.Errorf("a loopback issuer over http: %v", err)
	}
}

// Without OpenID Connect settings the board offers no such sign-in, and its
// routes are not there.
func TestWithoutOIDCThereIsNoOIDCSignIn(t *testing.T) {
	h, _ := newTestApp(t)
	mustNotContain(t, get(t, h, "", "/signin"), "/signin/oidc", "Sign in with")
	if w := get(t, h, "", oidcCallbackPath+"?code=x&state=y"); w.Code != http.StatusNotFound {
		t.Errorf("the callback without settings: %d, want 404", w.Code)
	}
}

// Set up with another claim, its value is matched to a handle, verified or not
// (an e-mail's verification is an e-mail's matter).
func TestOIDCSignInByAnotherClaim(t *testing.T) {
	m := provider(t)
	cfg := oidcSettings(m)
	cfg.Claim, cfg.Scopes = "preferred_username", []string{"profile"}
	h, f := oidcApp(t, cfg, time.Now)
	b := &oidcBrowser{t: t, h: h}
	auth := b.begin("/")
	if got := auth.Query().Get("scope"); got != "openid profile" {
		t.Errorf("scope %q, want openid added to the settings' profile", got)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", PreferredUsername: "maya"})
	w := b.finish(b.authorize(auth))
	if s := sessionOf(w); w.Code != http.StatusOK || s == nil || !strings.HasPrefix(s.Value, "ses-maya-") {
		t.Fatalf("status %d, cookies %+v: want maya signed in", w.Code, w.Result().Cookies())
	}
	if v := lastVouched(t, f); v != (vouch.Word{Handle: "maya", Method: domain.SignInOIDC}) {
		t.Errorf("the board vouched %+v", v)
	}
}

// Set up to add people and map groups, the board passes the provider's word on
// the person's groups to the API as the team and roles they map to.
func TestOIDCSignInPassesTheGroupsOn(t *testing.T) {
	m := provider(t)
	cfg := oidcSettings(m)
	cfg.CreatePeople = true
	cfg.Scopes = []string{"email", "groups"} // the provider in the test sends groups only when asked
	cfg.Groups = []GroupMapping{
		{Group: "tandem-analysts", Roles: []domain.Role{domain.RoleAnalytics}},
		{Group: "tandem-content", Team: domain.TeamContent, Roles: []domain.Role{domain.RoleContent}},
		{Group: "tandem-web", Team: domain.TeamWeb, Roles: []domain.Role{domain.RoleWeb, domain.RoleContent}},
	}
	h, f := oidcApp(t, cfg, time.Now)
	for _, tc := range []struct {
		groups []string
		want   vouch.Profile
	}{
		// The team of the first mapping naming one; the roles of all, in the directory's order, once.
		{[]string{"everyone", "tandem-web", "tandem-content", "tandem-analysts"},
			vouch.Profile{Create: true, Mapped: true, Team: domain.TeamContent, Roles: []domain.Role{domain.RoleContent, domain.RoleWeb, domain.RoleAnalytics}}},
		{[]string{"tandem-analysts"}, vouch.Profile{Create: true, Mapped: true, Roles: []domain.Role{domain.RoleAnalytics}}},
		{[]string{"everyone"}, vouch.Profile{Create: true}},
		{nil, vouch.Profile{Create: true}},
	} {
		b := &oidcBrowser{t: t, h: h}
		auth := b.begin("/")
		m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com", EmailVerified: true, Groups: tc.groups})
		if w := b.finish(b.authorize(auth)); w.Code != http.StatusOK {
			t.Fatalf("groups %v: callback %d\n%s", tc.groups, w.Code, w.Body)
		}
		v := lastVouched(t, f)
		if v.Email != "maya@example.com" || v.Profile == nil || !reflect.DeepEqual(*v.Profile, tc.want) {
			t.Errorf("groups %v: the board vouched %+v with %+v, want %+v", tc.groups, v, v.Profile, tc.want)
		}
	}
}

// Set up to re-check, the board passes the provider's refresh token to the
// API with the sign-in, and re-checks with it by a refresh token grant: the
// provider's invalid_grant is a refusal, anything else (a server error, the
// provider down) no answer about the person.
func TestOIDCRecheckAsksTheProvider(t *testing.T) {
	m := provider(t)
	cfg := oidcSettings(m)
	cfg.Recheck, cfg.DisableRefused = 15*time.Minute, true
	h, f := oidcApp(t, cfg, time.Now)
	b := &oidcBrowser{t: t, h: h}
	auth := b.begin("/")
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "maya@example.com", EmailVerified: true})
	if w := b.finish(b.authorize(auth)); w.Code != http.StatusOK || sessionOf(w) == nil {
		t.Fatalf("callback: %d\n%s", w.Code, w.Body)
	}
	v := lastVouched(t, f)
	if v.Email != "maya@example.com" || v.Refresh == "" {
		t.Fatalf("the board vouched %+v: want the provider's refresh token with it", v)
	}

	ask := cfg.Rechecker()
	ctx := t.Context()
	if got, err := ask(ctx, v.Refresh); err != nil || got.Refresh != "" {
		t.Errorf("the provider vouching: %+v, %v; want no error and the same token kept", got, err)
	}
	m.QueueError(&mockoidc.ServerError{Code: http.StatusBadRequest, Error: "invalid_grant", Description: "User is disabled"})
	if _, err := ask(ctx, v.Refresh); !errors.Is(err, vouch.ErrRefused) || !strings.Contains(err.Error(), "invalid_grant: User is disabled") {
		t.Errorf("invalid_grant: %v, want a refusal saying why", err)
	}
	for _, se := range []*mockoidc.ServerError{
		{Code: http.StatusServiceUnavailable, Error: "temporarily_unavailable"},
		{Code: http.StatusInternalServerError, Error: "server_error"},
		{Code: http.StatusUnauthorized, Error: "invalid_client"}, // the board's settings, not the person
	} {
		m.QueueError(se)
		if _, err := ask(ctx, v.Refresh); err == nil || errors.Is(err, vouch.ErrRefused) {
			t.Errorf("%d %s: %v, want no answer, not a refusal", se.Code, se.Error, err)
		}
	}
	if err := m.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := ask(ctx, v.Refresh); err == nil || errors.Is(err, vouch.ErrRefused) {
		t.Errorf("the provider down: %v, want no answer, not a refusal", err)
	}
	if (OIDC{}).Rechecker() != nil {
		t.Error("without an interval there is a re-check")
	}
}

// The API's 401 for a session its provider refused at a re-check sends the
// browser to sign in, saying why.
func TestARefusedSessionSaysWhy(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/me", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnauthorized, apiErr("provider_refused", "Example SSO no longer vouches for you")
	})
	w := get(t, h, sesMaya, "/")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin?why="+whyRefused {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != sessionCookie || c[0].MaxAge >= 0 {
		t.Errorf("cookies %+v: want the session cookie cleared", c)
	}
	mustContain(t, get(t, h, "", "/signin?why="+whyRefused), "your identity provider no longer vouches for you")
}
