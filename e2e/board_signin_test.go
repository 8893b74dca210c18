package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/wiring"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
)

// TestSignInInTheBrowser signs in on the board as `tandem dev` wires it, with
// its demo people on the sign-in page: Maya picks herself with one click, and
// the browser holds a session, never a token; she signs out; she signs in
// again with her token, and signs out everywhere from her own page. Sign-in
// needs no Temporal, so the board runs over the records alone.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the sign-in page in development mode
// at desktop and phone widths there (signin-dev).
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
	hs := httptest.NewServer(wiring.Handler(nil, wiring.Config{Records: st, API: wiring.API{Policy: domain.DefaultPolicy(), DemoPeople: demo}}))
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
