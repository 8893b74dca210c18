package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestPagesNeedSignIn(t *testing.T) {
	h, _ := newTestApp(t)
	w := get(t, h, "", "/board/campaigns?team=web")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", w.Code)
	}
	if got := w.Header().Get("Location"); got != "/signin?next=%2Fboard%2Fcampaigns%3Fteam%3Dweb" {
		t.Errorf("Location %q", got)
	}
}

// signInForm opens the sign-in page as a browser would and returns its form
// token and the cookie that must come back with it.
func signInForm(t *testing.T, h http.Handler) (csrf string, cookie *http.Cookie) {
	t.Helper()
	w := get(t, h, "", "/signin")
	for _, c := range w.Result().Cookies() {
		if c.Name == signInCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.MaxAge <= 0 || cookie.MaxAge > 3600 {
		t.Fatalf("the sign-in page set no short-lived HttpOnly SameSite=Strict form cookie: %+v", w.Result().Cookies())
	}
	field := `<input type="hidden" name="csrf" value="` + cookie.Value + `">`
	if !strings.Contains(w.Body.String(), field) {
		t.Fatalf("the sign-in form does not carry its token %s:\n%s", field, w.Body)
	}
	return cookie.Value, cookie
}

// signInPost submits the sign-in form with the page's token, as the page does.
func signInPost(t *testing.T, h http.Handler, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	csrf, cookie := signInForm(t, h)
	form.Set("csrf", csrf)
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(cookie)
	return serve(h, r)
}

// Signing in with a token starts a session (POST /sessions with the token),
// and the browser keeps the session: the token is sent once, never kept.
func TestSignInKeepsASessionNotTheToken(t *testing.T) {
	h, f := newTestApp(t)
	w := signInPost(t, h, url.Values{"token": {" " + tokMaya + " "}, "next": {"/workload"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/workload" {
		t.Fatalf("status %d to %q, want 303 to /workload", w.Code, w.Header().Get("Location"))
	}
	var session, form *http.Cookie
	for _, c := range w.Result().Cookies() {
		switch c.Name {
		case sessionCookie:
			session = c
		case signInCookie:
			form = c
		}
	}
	if session == nil || !strings.HasPrefix(session.Value, "ses-maya-") {
		t.Fatalf("cookies %+v: want maya's new session", w.Result().Cookies())
	}
	if len(f.calls) != 1 || f.calls[0].Method != http.MethodPost || f.calls[0].Path != "/api/v1/sessions" || f.calls[0].Auth != "Bearer "+tokMaya {
		t.Errorf("calls %+v: want one POST /api/v1/sessions with the token", f.calls)
	}
	// The pages then call the API with the session, and the token appears nowhere.
	page := get(t, h, session.Value, "/me")
	mustNotContain(t, page, tokMaya)
	for _, c := range f.calls[1:] {
		if c.Auth != "Session "+session.Value {
			t.Errorf("%s %s called the API with %q, want the session", c.Method, c.Path, c.Auth)
		}
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.MaxAge != 0 || !session.Expires.IsZero() {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict and no expiry", session)
	}
	if form == nil || form.MaxAge >= 0 {
		t.Errorf("the sign-in form's cookie was not cleared: %+v", form)
	}
}

func TestSignInRefusesABadToken(t *testing.T) {
	h, _ := newTestApp(t)
	for _, tc := range []struct {
		token  string
		status int
		words  string
	}{
		{"tok-nobody", http.StatusUnauthorized, "That token is not valid"},
		{"  ", http.StatusUnprocessableEntity, "Paste your API token"},
	} {
		w := signInPost(t, h, url.Values{"token": {tc.token}})
		if w.Code != tc.status {
			t.Errorf("token %q: status %d, want %d", tc.token, w.Code, tc.status)
		}
		mustContain(t, w, tc.words, `aria-invalid="true"`)
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				t.Errorf("token %q: a session cookie was set", tc.token)
			}
		}
	}
}

// A foreign page that posts the sign-in form (login CSRF) would sign the victim's
// browser in as the attacker. Each way of sending the form that is not this
// site's own page is refused before the token is even checked.
func TestSignInFromElsewhereIsRefused(t *testing.T) {
	h, f := newTestApp(t)
	csrf, cookie := signInForm(t, h)
	for _, tc := range []struct {
		name         string
		field        string
		cookie       *http.Cookie
		site, origin string
	}{
		{"no form token, no cookie (a foreign form)", "", nil, "", ""},
		{"no cookie", csrf, nil, "same-origin", "http://example.com"},
		{"no form token", "", cookie, "same-origin", "http://example.com"},
		{"a wrong form token", strings.Repeat("ab", 32), cookie, "same-origin", "http://example.com"},
		{"a token in the form and a cookie that differ", csrf, &http.Cookie{Name: signInCookie, Value: strings.Repeat("cd", 32)}, "", ""},
		{"a cross-site page", csrf, cookie, "cross-site", ""},
		{"a sibling subdomain", csrf, cookie, "same-site", "http://evil.example.com"},
		{"another origin", csrf, cookie, "", "https://evil.example"},
		{"an opaque origin", csrf, cookie, "", "null"},
	} {
		form := url.Values{"token": {tokPat}, "next": {"/workload"}}
		if tc.field != "" {
			form.Set("csrf", tc.field)
		}
		r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if tc.cookie != nil {
			r.AddCookie(tc.cookie)
		}
		w := serve(h, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, w.Code)
		}
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				t.Errorf("%s: a session cookie was set: %+v", tc.name, c)
			}
		}
		mustContain(t, w, "did not come from this Tandem page", "Nothing was done", `name="csrf" value="`)
	}
	if len(f.calls) != 0 {
		t.Errorf("a refused sign-in reached the API: %+v", f.calls)
	}
	// The page drawn after a refusal signs in.
	w := signInPost(t, h, url.Values{"token": {tokPat}})
	if w.Code != http.StatusSeeOther {
		t.Errorf("the legitimate form: status %d, want 303", w.Code)
	}
}

// Browsers that send neither Sec-Fetch-Site nor Origin rest on the form token;
// "none" is the person's own navigation, which no page can cause.
func TestSignInWithoutFetchHeaders(t *testing.T) {
	h, _ := newTestApp(t)
	for _, site := range []string{"", "none"} {
		csrf, cookie := signInForm(t, h)
		r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"token": {tokCleo}, "csrf": {csrf}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		r.AddCookie(cookie)
		if w := serve(h, r); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Errorf("Sec-Fetch-Site %q: status %d to %q, want 303 to /", site, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestTwoSignInTabsShareTheFormToken(t *testing.T) {
	h, _ := newTestApp(t)
	csrf, cookie := signInForm(t, h)
	r := newGet("/signin")
	r.AddCookie(cookie)
	w := serve(h, r)
	mustContain(t, w, `name="csrf" value="`+csrf+`"`)
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("a second sign-in page replaced the first one's token: %+v", w.Result().Cookies())
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	h, _ := newTestApp(t)
	// What a browser makes of each as a Location, were it let through.
	bypasses := []string{
		"//evil.example/",       // another host, scheme-relative
		`/\evil.example`,        // a backslash is a slash: //evil.example
		"/\t/evil.example",      // tabs and newlines are dropped: //evil.example
		"/\n/evil.example",      // the same with a newline
		"/\r/evil.example",      // and a carriage return
		"\t//evil.example",      // leading control characters are trimmed
		"/\x00/evil.example",    // NUL, which may end the string further on
		"/\x7f/evil.example",    // DEL
		"/\u0085/evil.example",  // a C1 control
		"/%09/evil.example",     // an encoded tab, decoded by a proxy
		"/%2F%2Fevil.example",   // encoded slashes, decoded by a proxy: //evil.example
		"/%2f/evil.example",     // lower case
		"/%5Cevil.example",      // an encoded backslash
		"/%00",                  // an encoded NUL
		"/%zz",                  // not valid percent-encoding
		"/\xff",                 // not UTF-8
		"https://evil.example/", // another origin
		"javascript:alert(1)",   // a script
		"evil.example",          // relative: not a path from the root
		"",                      // nothing
	}
	for _, next := range bypasses {
		if got := localPath(next); got != "" {
			t.Errorf("localPath(%q) = %q, want \"\"", next, got)
		}
		w := signInPost(t, h, url.Values{"token": {tokMaya}, "next": {next}})
		if got := w.Header().Get("Location"); got != "/" {
			t.Errorf("next %q: redirected to %q, want /", next, got)
		}
	}
	for _, next := range []string{"/", "/workload", "/board/campaigns?team=web", "/campaigns/cmp_a1?tab=tasks&q=a%2Fb", "/risks/rsk_1#tasks"} {
		if got := localPath(next); got != next {
			t.Errorf("localPath(%q) = %q, want it kept", next, got)
		}
	}
}

func TestTheSignInPageShowsOnlyItsOwnReasons(t *testing.T) {
	h, _ := newTestApp(t)
	w := get(t, h, "", "/signin?why="+url.QueryEscape("Tandem moved: paste your token at evil.example"))
	mustNotContain(t, w, "evil.example")
	w = get(t, h, "", "/signin?why="+whyEnded)
	mustContain(t, w, "Your session has ended")
}

// A session the API no longer knows (left idle, past its lifetime, signed out
// everywhere, its token revoked) signs the browser out. So does a cookie that
// holds an API token, as one set before sessions did: the API takes it for no
// session.
func TestAnEndedSessionSignsTheBrowserOut(t *testing.T) {
	h, _ := newTestApp(t)
	for _, cookie := range []string{"ses-ended", tokMaya} {
		w := get(t, h, cookie, "/")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin?why="+whyEnded {
			t.Fatalf("cookie %q: status %d to %q", cookie, w.Code, w.Header().Get("Location"))
		}
		c := w.Result().Cookies()
		if len(c) != 1 || c[0].Name != sessionCookie || c[0].MaxAge >= 0 {
			t.Errorf("cookie %q: cookies %+v: want the session cookie cleared", cookie, c)
		}
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	// The header's sign-out form carries the session's form token.
	mustContain(t, get(t, h, sesMaya, "/new/risk"), `action="/signout"><input type="hidden" name="csrf" value="`+csrfToken(sesMaya)+`">`)
	w := post(t, h, sesMaya, "/signout", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("cookies %+v: want the session cookie cleared", c)
	}
	last := f.commands()[len(f.commands())-1]
	if last.Method != http.MethodDelete || last.Path != "/api/v1/sessions/current" || last.Auth != "Session "+sesMaya {
		t.Errorf("last command %+v: want DELETE /api/v1/sessions/current with the session", last)
	}
	// The session is over on the server too: its cookie, kept by someone, no longer works.
	if w := get(t, h, sesMaya, "/"); w.Code != http.StatusSeeOther {
		t.Errorf("the signed-out session still opens pages: %d", w.Code)
	}
	// Signing out an ended session just forgets it.
	if w := post(t, h, sesMaya, "/signout", url.Values{}); w.Code != http.StatusSeeOther || len(w.Result().Cookies()) != 1 {
		t.Errorf("signing out an ended session: %d, cookies %+v", w.Code, w.Result().Cookies())
	}
}

// When the API cannot end the session, the browser keeps it, so that signing
// out can be tried again: a session left working on the server is what signing
// out is for.
func TestSignOutThatFailsKeepsTheSession(t *testing.T) {
	h, f := newTestApp(t)
	f.on("DELETE /api/v1/sessions/current", func(*http.Request, domain.Person) (int, any) {
		return http.StatusServiceUnavailable, apiErr("unavailable", "the database does not answer")
	})
	w := post(t, h, sesMaya, "/signout", url.Values{})
	if w.Code < 500 {
		t.Errorf("status %d, want a failure", w.Code)
	}
	if c := w.Result().Cookies(); len(c) != 0 {
		t.Errorf("cookies %+v: the session was forgotten though it still works", c)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	h, f := newTestApp(t)
	other := signInPost(t, h, url.Values{"token": {tokMaya}})
	mustContain(t, get(t, h, sesMaya, "/me"), `action="/me/signout-everywhere"`, "Sign out everywhere")
	w := post(t, h, sesMaya, "/me/signout-everywhere", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin?why="+whyEverywhere {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != sessionCookie || c[0].MaxAge >= 0 {
		t.Errorf("cookies %+v: want the session cookie cleared", c)
	}
	last := f.commands()[len(f.commands())-1]
	if last.Method != http.MethodDelete || last.Path != "/api/v1/people/maya/sessions" || last.Auth != "Session "+sesMaya {
		t.Errorf("last command %+v", last)
	}
	// Maya's other browser is signed out as well; Cleo is not.
	signedIn := false
	for _, c := range other.Result().Cookies() {
		if c.Name == sessionCookie {
			signedIn = true
			if w := get(t, h, c.Value, "/me"); w.Code != http.StatusSeeOther {
				t.Errorf("maya's other session still opens pages: %d", w.Code)
			}
		}
	}
	if !signedIn {
		t.Fatal("maya's other browser did not sign in")
	}
	if w := get(t, h, sesCleo, "/me"); w.Code != http.StatusOK {
		t.Errorf("cleo was signed out too: %d", w.Code)
	}
	mustContain(t, get(t, h, "", "/signin?why="+whyEverywhere), "You are signed out everywhere")
	// Like every form, it must come from the board.
	if w := post(t, h, sesCleo, "/me/signout-everywhere", url.Values{"csrf": {"forged"}}); w.Code != http.StatusForbidden {
		t.Errorf("a forged form: status %d, want 403", w.Code)
	}
}

// A foreign page must not sign people out either: each refusal leaves the
// session cookie alone.
func TestSignOutFromElsewhereIsRefused(t *testing.T) {
	h, _ := newTestApp(t)
	for _, tc := range []struct {
		name, csrf, site, origin string
	}{
		{"no form token", "", "", ""},
		{"a wrong form token", "forged", "same-origin", ""},
		{"another session's form token", csrfToken(sesCleo), "same-origin", ""},
		{"a cross-site page", csrfToken(sesMaya), "cross-site", ""},
		{"a sibling subdomain", csrfToken(sesMaya), "same-site", ""},
		{"another origin", csrfToken(sesMaya), "", "https://evil.example"},
	} {
		form := url.Values{}
		if tc.csrf != "" {
			form.Set("csrf", tc.csrf)
		}
		r := newPost("/signout", form, sesMaya)
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		w := serve(h, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, w.Code)
		}
		if c := w.Result().Cookies(); len(c) != 0 {
			t.Errorf("%s: cookies changed: %+v", tc.name, c)
		}
		mustContain(t, w, "did not come from a Tandem page, so nothing was done")
	}
}

func TestFormsFromElsewhereAreRefused(t *testing.T) {
	h, f := newTestApp(t)
	w := post(t, h, sesMaya, "/tasks/tsk_a/complete", url.Values{"csrf": {"forged"}, "outcome": {"approved"}})
	if w.Code != http.StatusForbidden {
		t.Errorf("wrong form token: status %d, want 403", w.Code)
	}
	if w := serve(h, newPost("/tasks/tsk_a/complete", url.Values{"outcome": {"approved"}}, sesMaya)); w.Code != http.StatusForbidden {
		t.Errorf("no form token: status %d, want 403", w.Code)
	}
	form := url.Values{"csrf": {csrfToken(sesMaya)}, "outcome": {"approved"}}
	req := newPost("/tasks/tsk_a/complete", form, sesMaya)
	req.Header.Set("Origin", "https://evil.example")
	rec := serve(h, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("other origin: status %d, want 403", rec.Code)
	}
	for _, site := range []string{"cross-site", "same-site"} {
		req := newPost("/tasks/tsk_a/complete", form, sesMaya)
		req.Header.Set("Sec-Fetch-Site", site)
		if rec := serve(h, req); rec.Code != http.StatusForbidden {
			t.Errorf("Sec-Fetch-Site %s: status %d, want 403", site, rec.Code)
		}
	}
	if c := f.commands(); len(c) != 0 {
		t.Errorf("commands reached the API: %+v", c)
	}
}

func TestPagesCarryTheirOwnSecurityHeaders(t *testing.T) {
	h, _ := newTestApp(t)
	w := get(t, h, "", "/signin")
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
	} {
		if !strings.Contains(w.Header().Get(k), v) {
			t.Errorf("%s = %q, want %q", k, w.Header().Get(k), v)
		}
	}
}

func TestAssetsAreEmbeddedAndVersioned(t *testing.T) {
	h, _ := newTestApp(t)
	page := get(t, h, "", "/signin").Body.String()
	i := strings.Index(page, "/static/app.css?v=")
	if i < 0 {
		t.Fatalf("the page links no versioned stylesheet:\n%s", page)
	}
	href := page[i : i+strings.IndexByte(page[i:], '"')]
	w := get(t, h, "", href)
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: %d %s", href, w.Code, w.Header().Get("Content-Type"))
	}
	if !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
}

func TestTheAPIIsServedBesideThePages(t *testing.T) {
	h, f := newTestApp(t)
	req := newGet("/api/v1/me")
	req.Header.Set("Authorization", "Bearer "+tokCleo)
	w := serve(h, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"handle":"cleo"`) {
		t.Errorf("GET /api/v1/me: %d %s", w.Code, w.Body)
	}
	if len(f.calls) != 1 {
		t.Errorf("calls %+v", f.calls)
	}
}

func TestStaticServesFilesOnly(t *testing.T) {
	h, _ := newTestApp(t)
	for _, p := range []string{"/static/", "/static", "/static/./", "/static/app.css/", "/static/nothing.css", "/static/../templates/signin.html"} {
		w := get(t, h, "", p)
		// The router cleans a path by redirecting to its clean form first.
		for hops := 0; w.Code/100 == 3 && hops < 3; hops++ {
			w = get(t, h, "", w.Header().Get("Location"))
		}
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, w.Code)
		}
		mustNotContain(t, w, `href="app.css"`, `href="app.js"`, "Sign in to Tandem")
	}
	if w := get(t, h, "", "/static/app.js"); w.Code != http.StatusOK {
		t.Errorf("GET /static/app.js: status %d", w.Code)
	}
}

// The API limits requests without a valid token per client address, so a sign-in
// reaches it from the browser's address (and whatever proxy header names it,
// which the API believes only from a proxy it trusts), not from the web app's.
func TestSignInReachesTheAPIFromTheBrowsersAddress(t *testing.T) {
	h, f := newTestApp(t)
	csrf, cookie := signInForm(t, h)
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"token": {"tok-guess"}, "csrf": {csrf}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "10.1.2.3:4444"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r.AddCookie(cookie)
	if w := serve(h, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", w.Code)
	}
	if len(f.calls) != 1 || f.calls[0].From != "10.1.2.3:4444 198.51.100.7" {
		t.Errorf("calls %+v, want one from the browser's address", f.calls)
	}
}

func TestSignInSaysWhenTheAPILimitsTheAddress(t *testing.T) {
	f := newFakeAPI(t)
	h := New(Config{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, apiCall{Method: r.Method, Path: r.URL.Path})
		f.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, apiErr("rate_limited", "too many requests without a valid token from this address"))
	}), Now: func() time.Time { return testNow }, TokenSignIn: true}).Handler()
	w := signInPost(t, h, url.Values{"token": {tokMaya}})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", w.Code)
	}
	mustContain(t, w, "Too many attempts")
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			t.Errorf("a session cookie was set")
		}
	}
}

// Behind a proxy that terminates TLS, the board's cookies are Secure when the
// proxy is trusted and says the browser came over HTTPS; the same header from
// anyone else changes nothing, since anyone can send it.
func TestCookiesAreSecureBehindATrustedTLSProxy(t *testing.T) {
	f := newFakeAPI(t)
	h := New(Config{API: f, Now: func() time.Time { return testNow }, TrustedProxies: []string{"10.9.0.0/16"}, TokenSignIn: true}).Handler()
	for name, tc := range map[string]struct {
		peer, proto string
		secure      bool
	}{
		"trusted proxy over https":  {"10.9.3.4:41000", "https", true},
		"trusted proxy over http":   {"10.9.3.4:41000", "http", false},
		"untrusted peer says https": {"192.0.2.7:41000", "https", false},
		"trusted proxy, no header":  {"10.9.3.4:41000", "", false},
		"ipv4-mapped trusted proxy": {"[::ffff:10.9.3.4]:41000", "https", true},
	} {
		t.Run(name, func(t *testing.T) {
			csrf, cookie := signInForm(t, h)
			form := url.Values{"token": {tokMaya}, "csrf": {csrf}}
			r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
			r.RemoteAddr = tc.peer
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			r.AddCookie(cookie)
			w := serve(h, r)
			var session *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == sessionCookie {
					session = c
				}
			}
			if session == nil {
				t.Fatalf("no session cookie: status %d", w.Code)
			}
			if session.Secure != tc.secure {
				t.Errorf("session cookie Secure = %v, want %v", session.Secure, tc.secure)
			}
		})
	}
}

// Outside tandem dev the sign-in page speaks of no dev server: the people who
// see it sign in to their company's Tandem.
func TestTheSignInPageOutsideDevSaysNothingOfDev(t *testing.T) {
	h, _ := newTestApp(t)
	body := get(t, h, "", "/signin").Body.String()
	for _, dev := range []string{"tandem dev", "demo-tokens.json", "Development mode"} {
		if strings.Contains(body, dev) {
			t.Errorf("the sign-in page says %q outside tandem dev", dev)
		}
	}
}

// Token sign-in is off unless an admin allows it: the page has no token form,
// and a token sent anyway is refused without reaching the API.
func TestTokenSignInIsOffByDefault(t *testing.T) {
	f := newFakeAPI(t)
	h := New(Config{API: f, Now: func() time.Time { return testNow }}).Handler()
	page := get(t, h, "", "/signin")
	mustNotContain(t, page, `action="/signin"`, `name="token"`)
	mustContain(t, page, "No way to sign in to the board is set up here")
	// The page has no form to take a form token from: one is made, as a
	// script posting a token would.
	csrf := strings.Repeat("ab", 32)
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"token": {tokMaya}, "csrf": {csrf}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: signInCookie, Value: csrf})
	w := serve(h, r)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Signing in with an API token is off here") {
		t.Errorf("a token sent anyway: %d\n%s", w.Code, w.Body)
	}
	if calls := f.commands(); len(calls) != 0 {
		t.Errorf("the refused token reached the API: %+v", calls)
	}
}
