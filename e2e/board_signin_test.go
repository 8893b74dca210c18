package e2e

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
	"github.com/tandemhq/tandem/web"
)

// TestSignInInTheBrowser signs in on the board as `tandem dev` wires it, with
// its demo people on the sign-in page: Maya picks herself with one click, and
// the browser holds a session, never a token; she signs out; she signs in
// again with her token, and signs out everywhere from her own page. Sign-in
// needs no Temporal, so the board runs over the records alone.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the sign-in page in development mode
// at desktop and phone widths there (signin-dev); TestOIDCSignInInTheBrowser
// saves the page with the provider's button (signin-oidc) and the refusal of
// an identity the directory lacks (signin-oidc-unknown).
func TestSignInInTheBrowser(t *testing.T) {
	ctx := browser(t)
	st, err := store.Open(context.Background(), storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens, err := store.SeedDemo(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	demo, err := store.DemoPeople(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(wiring.Handler(nil, wiring.Config{Records: st, API: wiring.API{Policy: domain.DefaultPolicy(), DemoPeople: demo, TokenSignIn: true}}))
	t.Cleanup(hs.Close)

	maya := newTab(t, ctx, hs.URL)
	maya.goTo("/me")
	maya.wait("the sign-in page in development mode", `location.pathname === '/signin' && document.querySelector('.dev-mode').textContent.includes('Development mode')`)
	for _, p := range demo {
		maya.wait(p.Name+" offered", fmt.Sprintf(`!!document.querySelector(%q)`, `button[name=handle][value=`+p.Handle+`]`))
	}
	if dir := os.Getenv("TANDEM_SCREENSHOTS"); dir != "" {
		maya.shoot(dir, "signin-dev", "")
	}

	maya.click(`button[name=handle][value=maya]`)
	// Back to where she was going, signed in.
	maya.wait("Maya's own page", `location.pathname === '/me' && document.querySelector('header .who .name').textContent.trim() === 'Maya Ortiz'`)
	session := maya.sessionCookie()
	if !strings.HasPrefix(session.Value, "tds_") || strings.Contains(session.Value, tokens["maya"]) || !session.HTTPOnly {
		t.Errorf("session cookie %q (HttpOnly %v): want an HttpOnly session ID, not the token", session.Value, session.HTTPOnly)
	}
	if js := evalJS[string](maya, `document.cookie`); strings.Contains(js, "tandem_session") {
		t.Errorf("the page's script reads the session cookie: %q", js)
	}

	maya.click(`form[action="/signout"] button`)
	maya.wait("the sign-in page after signing out", `location.pathname === '/signin' && !!document.querySelector('input#token')`)
	if p, _, err := st.PersonBySession(context.Background(), session.Value, time.Now(), time.Hour); err == nil {
		t.Errorf("the session still resolves to %s after signing out", p.Handle)
	}

	// The token still signs in, into a session of its own.
	maya.signIn(tokens["maya"], "Maya Ortiz")
	second := maya.sessionCookie()
	if second.Value == session.Value || !strings.HasPrefix(second.Value, "tds_") {
		t.Errorf("the token sign-in's cookie %q: want a new session ID", second.Value)
	}
	maya.goTo("/me")
	maya.click(`form[action="/me/signout-everywhere"] button`)
	maya.wait("the sign-in page saying so", `location.pathname === '/signin' && document.querySelector('main').textContent.includes('You are signed out everywhere')`)
	maya.goTo("/me")
	maya.wait("the sign-in page again", `location.pathname === '/signin'`)
}

// sessionCookie is the board's session cookie as the browser holds it.
func (b *tab) sessionCookie() *network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	})
	if err != nil {
		b.t.Fatalf("read the browser's cookies: %v", err)
	}
	for _, c := range cookies {
		if c.Name == "tandem_session" {
			return c
		}
	}
	b.t.Fatalf("the browser holds no session cookie: %+v", cookies)
	return nil
}

// TestOIDCSignInInTheBrowser signs Maya in through an OpenID Connect provider
// running in the test, in Chromium. The board is reached at localhost and the
// provider at 127.0.0.1, two sites, as a real provider is another site, and the
// provider asks her to approve on a page of its own, as a real one asks for a
// password: the way back is then a navigation another site started, with
// which the session's SameSite=Strict cookie does not come, so the board must
// carry on from a page of its own for Maya to arrive signed in.
func TestOIDCSignInInTheBrowser(t *testing.T) {
	ctx := browser(t)
	st, err := store.Open(context.Background(), storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SeedDemo(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	m := consentingProvider(t)

	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
	board := "http://localhost:" + port
	hs.Config.Handler = wiring.Handler(nil, wiring.Config{Records: st, API: wiring.API{Policy: domain.DefaultPolicy(), OIDC: &web.OIDC{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RedirectURL: board + "/signin/oidc/callback", Name: "Example SSO",
	}}})
	hs.Start()

	maya := newTab(t, ctx, board)
	maya.goTo("/me")
	maya.wait("the sign-in page offering the provider", `location.pathname === '/signin' && !!document.querySelector('form[action="/signin/oidc"] button')`)
	if dir := os.Getenv("TANDEM_SCREENSHOTS"); dir != "" {
		maya.shoot(dir, "signin-oidc", "")
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "maya-at-idp", Email: "maya@tandem.example", EmailVerified: true})
	maya.click(`form[action="/signin/oidc"] button`)
	maya.click(`a#approve`)
	maya.wait("Maya's own page, signed in", `location.pathname === '/me' && document.querySelector('header .who .name').textContent.trim() === 'Maya Ortiz'`)
	if s := maya.sessionCookie(); !strings.HasPrefix(s.Value, "tds_") || s.SameSite != network.CookieSameSiteStrict {
		t.Errorf("session cookie %+v: want a Strict session ID", s)
	}

	// Someone the directory lacks is told so, and is not signed in.
	stranger := newTab(t, ctx, board, chromedp.WithNewBrowserContext())
	stranger.goTo("/signin")
	m.QueueUser(&mockoidc.MockUser{Subject: "stranger", Email: "stranger@example.com", EmailVerified: true})
	stranger.click(`form[action="/signin/oidc"] button`)
	stranger.click(`a#approve`)
	stranger.wait("the refusal", `location.pathname === '/signin/oidc/callback' && document.querySelector('main').textContent.includes("as stranger@example.com, but no one in Tandem's directory has that e-mail address")`)
	if dir := os.Getenv("TANDEM_SCREENSHOTS"); dir != "" {
		stranger.shoot(dir, "signin-oidc-unknown", "")
	}
	stranger.goTo("/me")
	stranger.wait("the sign-in page still", `location.pathname === '/signin'`)
}

// consentingProvider is an OpenID Connect provider on 127.0.0.1 that signs in
// whoever is queued, once they click Approve on its own page.
func consentingProvider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.AuthorizationEndpoint || r.URL.Query().Get("approved") != "" {
				next.ServeHTTP(w, r)
				return
			}
			q := r.URL.Query()
			q.Set("approved", "yes")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>Example SSO</title><a id="approve" href="%s">Approve</a>`,
				html.EscapeString(r.URL.Path+"?"+q.Encode()))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}
