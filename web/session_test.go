package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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

func TestSignInKeepsTheTokenForTheBrowserSession(t *testing.T) {
	h, _ := newTestApp(t)
	w := post(t, h, "", "/signin", url.Values{"token": {" " + tokMaya + " "}, "next": {"/workload"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/workload" {
		t.Fatalf("status %d to %q, want 303 to /workload", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != sessionCookie || c[0].Value != tokMaya {
		t.Fatalf("cookies %+v", c)
	}
	if !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].MaxAge != 0 || !c[0].Expires.IsZero() {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict and no expiry", c[0])
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
		w := post(t, h, "", "/signin", url.Values{"token": {tc.token}})
		if w.Code != tc.status {
			t.Errorf("token %q: status %d, want %d", tc.token, w.Code, tc.status)
		}
		mustContain(t, w, tc.words, `aria-invalid="true"`)
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("token %q: a cookie was set", tc.token)
		}
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	h, _ := newTestApp(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`, "javascript:alert(1)"} {
		w := post(t, h, "", "/signin", url.Values{"token": {tokMaya}, "next": {next}})
		if got := w.Header().Get("Location"); got != "/" {
			t.Errorf("next %q: redirected to %q, want /", next, got)
		}
	}
}

func TestARevokedTokenSignsTheBrowserOut(t *testing.T) {
	h, _ := newTestApp(t)
	w := get(t, h, "tok-revoked", "/")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/signin?why=") {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != sessionCookie || c[0].MaxAge >= 0 {
		t.Errorf("cookies %+v: want the session cookie cleared", c)
	}
}

func TestSignOutForgetsTheToken(t *testing.T) {
	h, _ := newTestApp(t)
	w := post(t, h, tokMaya, "/signout", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("cookies %+v: want the session cookie cleared", c)
	}
}

func TestFormsFromElsewhereAreRefused(t *testing.T) {
	h, f := newTestApp(t)
	w := post(t, h, tokMaya, "/tasks/tsk_a/complete", url.Values{"csrf": {"forged"}, "outcome": {"approved"}})
	if w.Code != http.StatusForbidden {
		t.Errorf("wrong form token: status %d, want 403", w.Code)
	}
	if w := serve(h, newPost("/tasks/tsk_a/complete", url.Values{"outcome": {"approved"}}, tokMaya)); w.Code != http.StatusForbidden {
		t.Errorf("no form token: status %d, want 403", w.Code)
	}
	form := url.Values{"csrf": {csrfToken(tokMaya)}, "outcome": {"approved"}}
	req := newPost("/tasks/tsk_a/complete", form, tokMaya)
	req.Header.Set("Origin", "https://evil.example")
	rec := serve(h, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("other origin: status %d, want 403", rec.Code)
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
