package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tandemhq/tandem/domain"
)

// sessionCookie holds the browser's board session ID, never an API token: the
// API keeps the session and ends it when left idle, at its lifetime, at sign-out
// and when revoked (see api/sessions.go). The cookie has no expiry, so the
// browser forgets it when closed; HttpOnly keeps it from scripts and
// SameSite=Strict from other sites' requests.
const sessionCookie = "tandem_session"

// session is the signed-in person of one request.
type session struct {
	// auth is what the board's calls to the API carry for the person: their
	// session (sessionAuth), never their token.
	auth string
	me   domain.Person
	csrf string
	// unread counts the person's unread notifications, for the header of a
	// page drawn in answer to a GET.
	unread int
	// zone is the browser's time zone, once the page's script named it.
	zone *time.Location
	// dir is the directory, read once per request (everyone); words is the
	// page's words, made from it.
	dir              []domain.Person
	dirByName        []domain.Person // dir sorted by name, for the pickers
	dirMore, dirRead bool
	words            *words
}

// csrfToken is the value every form of a session carries back. It is derived from
// the session ID, which another site cannot read, so a forged form cannot carry
// it; this holds even in a browser that ignores SameSite.
func csrfToken(id string) string {
	sum := sha256.Sum256([]byte("tandem web form\x00" + id))
	return hex.EncodeToString(sum[:16])
}

// authed wraps a page that needs a signed-in person. It asks the API whose
// session the cookie holds, so a session that ended (left idle, past its
// lifetime, signed out everywhere, its token revoked) signs the browser out at
// once.
func (a *App) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return a.page(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			a.toSignIn(w, r, "")
			return
		}
		s := &session{auth: sessionAuth(c.Value), csrf: csrfToken(c.Value), zone: readerZone(r)}
		if err := a.api.call(r, s.auth, http.MethodGet, "/me", nil, nil, &s.me); err != nil {
			if ae, ok := asAPIError(err); ok && ae.Status == http.StatusUnauthorized {
				a.clearSession(w, r)
				why := whyEnded
				if ae.Code == codeProviderRefused {
					why = whyRefused
				}
				a.toSignIn(w, r, why)
				return
			}
			a.fail(w, r, s, err)
			return
		}
		if r.Method != http.MethodGet && !(fromThisSite(r) && sameValue(r.PostFormValue("csrf"), s.csrf)) {
			a.refuseForm(w, r, s)
			return
		}
		if r.Method == http.MethodGet {
			s.unread = a.unreadCount(r, s)
		}
		h(w, r, s)
	})
}

// refuseForm answers a form that did not come from one of this site's pages:
// 403, nothing done, and what to do about it.
func (a *App) refuseForm(w http.ResponseWriter, r *http.Request, s *session) {
	a.render(w, r, http.StatusForbidden, "error", view{Session: s, Title: "Refused",
		Problem: "This form did not come from a Tandem page, so nothing was done. Reload the page and try again."})
}

// fromThisSite checks where a state-changing request comes from, by the headers a
// browser sets itself and no page can forge:
//
//   - Sec-Fetch-Site (every current browser): only "same-origin" (a page of this
//     site) and "none" (the person's own doing: the address bar, a bookmark, a
//     reload) pass. "cross-site" is another site's page; "same-site" is a sibling
//     subdomain, another origin that may set cookies for this one, so it is
//     refused too.
//   - Origin (sent with every POST by current browsers): its host must be this
//     request's Host. "null" (a sandboxed frame, a data: URL, a page that hides
//     its origin) is refused. A proxy in front must pass the Host header through.
//
// A request with neither header (an old browser, a script) passes here and rests
// on the form token alone, which every caller checks as well: the headers are a
// second lock, not the only one.
func fromThisSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || u.Host != r.Host {
			return false
		}
	}
	return true
}

// sameValue compares a form token with the expected one in constant time; an
// empty expected value matches nothing.
func sameValue(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Reasons the sign-in page gives for being shown, by the code in its ?why=. The
// page shows only these fixed sentences, never text from the address, so a link
// cannot put its own words ("paste your token at …") on Tandem's page.
const (
	whyEnded      = "ended"
	whyEverywhere = "everywhere"
	whyRefused    = "refused"
)

// codeProviderRefused is the API's 401 for a session whose identity provider
// no longer vouches for the person, found at a re-check.
const codeProviderRefused = "provider_refused"

var whyText = map[string]string{
	whyRefused:    "Your session has ended: your identity provider no longer vouches for you (your account there may be deactivated). If you should have access, sign in again or ask an admin.",
	whyEnded:      "Your session has ended: it was left idle or reached its time limit, you were signed out everywhere, or your token was revoked. Sign in again.",
	whyEverywhere: "You are signed out everywhere: every browser signed in as you has to sign in again.",
}

// toSignIn sends a browser to the sign-in page, remembering where it was going
// and why (a whyText code, or ""). A page's background refresh gets 401 instead,
// so the script can reload.
func (a *App) toSignIn(w http.ResponseWriter, r *http.Request, why string) {
	if isFragment(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if why != "" {
		q.Set("why", why)
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type signInData struct {
	Next string
	Why  string
	// CSRF is the pre-session form token, also in the signInCookie.
	CSRF string
	// Demo lists the people `tandem dev` lets anyone sign in as with one click;
	// it is empty everywhere else.
	Demo []demoPerson
	// OIDC names the OpenID Connect provider to sign in with, "" when there is
	// none.
	OIDC string
	// Token offers the sign-in with an API token (Config.TokenSignIn).
	Token bool
}

// signInCookie holds the sign-in form's token until the form comes back: a
// double-submit token, since before sign-in there is no session to derive one
// from. Another site can neither read the cookie nor set it (HttpOnly,
// SameSite=Strict, this host only), so it cannot make a form that matches it:
// that is what stops login CSRF, a foreign page signing the victim's browser in
// as the attacker so that what the victim then types lands in the attacker's
// account. It lives an hour, long enough for a sign-in page left open.
const (
	signInCookie = "tandem_signin"
	signInMaxAge = 3600
)

// signInToken is the browser's current sign-in form token, or a new one (then set
// as its cookie). Reusing a valid one lets two sign-in tabs both work.
func (a *App) signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signInCookie); err == nil && validSignInToken(c.Value) {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	v := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: v, Path: "/", MaxAge: signInMaxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.overTLS(r)})
	return v
}

// overTLS reports whether the browser reached the board over HTTPS: on this
// connection, or through a trusted proxy that terminated TLS and says so. The
// board's cookies are Secure then, so a browser never sends them in clear.
func (a *App) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range a.proxies {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

func validSignInToken(v string) bool {
	_, err := hex.DecodeString(v)
	return len(v) == 64 && err == nil
}

func (a *App) signInPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: signInData{
		Next: localPath(q.Get("next")), Why: whyText[q.Get("why")], CSRF: a.signInToken(w, r), Demo: a.demo, OIDC: a.oidcButton(), Token: a.tokenSignIn,
	}})
}

// signInForm checks that a sign-in form came from this site's sign-in page (the
// double-submit token and the fetch headers) and returns what the page needs to
// be drawn again. When it did not, it has answered 403 with a fresh form, and ok
// is false: nothing is checked or kept, and a token typed in is not even sent to
// the API.
func (a *App) signInForm(w http.ResponseWriter, r *http.Request) (d signInData, ok bool) {
	d = signInData{Next: localPath(r.PostFormValue("next")), Demo: a.demo, OIDC: a.oidcButton(), Token: a.tokenSignIn}
	c, err := r.Cookie(signInCookie)
	if err != nil || !fromThisSite(r) || !sameValue(r.PostFormValue("csrf"), c.Value) {
		d.CSRF = a.signInToken(w, r)
		a.render(w, r, http.StatusForbidden, "signin", view{Title: "Sign in", Data: d,
			Problem: "This sign-in form did not come from this Tandem page, or it was open too long. Nothing was done: sign in again here."})
		return d, false
	}
	d.CSRF = c.Value
	return d, true
}

// signIn checks the form came from this site's sign-in page, then exchanges the
// pasted token for a session (POST /api/v1/sessions) and keeps the session, not
// the token, for the browser. Where token sign-in is off, a token sent anyway
// is refused unread.
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	d, ok := a.signInForm(w, r)
	if !ok {
		return
	}
	if !a.tokenSignIn {
		a.render(w, r, http.StatusForbidden, "signin", view{Title: "Sign in", Data: d,
			Problem: "Signing in with an API token is off here: API tokens are for scripts. Sign in another way below, or ask an admin."})
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		a.render(w, r, http.StatusUnprocessableEntity, "signin", view{Title: "Sign in", Data: d, Fields: map[string]string{"token": "Paste your API token."}})
		return
	}
	id, err := a.startSession(r, "Bearer "+token)
	if err != nil {
		status, msg := http.StatusUnauthorized, "That token is not valid: it is unknown, revoked or expired. Ask an admin for a new one."
		switch ae, ok := asAPIError(err); {
		case ok && ae.Status == http.StatusTooManyRequests:
			status, msg = ae.Status, "Too many attempts. Wait a minute and try again."
		case !ok || ae.Status != http.StatusUnauthorized:
			a.fail(w, r, nil, err)
			return
		}
		a.render(w, r, status, "signin", view{Title: "Sign in", Data: d, Fields: map[string]string{"token": msg}})
		return
	}
	a.signedIn(w, r, id, d.Next)
}

// startSession asks the API for a session on behalf of the browser request r,
// with auth as the credential ("" when r's context carries the board's word,
// package vouch), and returns its ID.
func (a *App) startSession(r *http.Request, auth string) (string, error) {
	var started struct {
		ID string `json:"id"`
	}
	if err := a.api.call(r, auth, http.MethodPost, "/sessions", nil, nil, &started); err != nil {
		return "", err
	}
	if started.ID == "" {
		return "", errors.New("POST /sessions answered no session ID")
	}
	return started.ID, nil
}

// signedIn keeps session id for the browser and sends it on to next.
func (a *App) signedIn(w http.ResponseWriter, r *http.Request, id, next string) {
	a.setSessionCookie(w, r, id)
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// setSessionCookie keeps session id for the browser, and drops the sign-in
// form's token, which has served: the next sign-in gets a new one.
func (a *App) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.overTLS(r),
	})
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.overTLS(r)})
}

// signOut ends the browser's session (DELETE /api/v1/sessions/current) and
// forgets it. The person's tokens and other sessions stay valid. Signing out is
// a state change like any other: the form must come from this site and carry
// the session's form token, or a foreign page could sign people out at will.
// It does not ask the API who the session is first: an ended one may sign out
// too.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		// No session: nothing to forget.
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if !fromThisSite(r) || !sameValue(r.PostFormValue("csrf"), csrfToken(c.Value)) {
		a.refuseForm(w, r, nil)
		return
	}
	// An ended session (401) is signed out already. Anything else keeps the
	// cookie, so signing out can be tried again rather than leaving behind a
	// session that still works for whoever holds its ID.
	if err := a.api.call(r, sessionAuth(c.Value), http.MethodDelete, "/sessions/current", nil, nil, nil); err != nil {
		if ae, ok := asAPIError(err); !ok || ae.Status != http.StatusUnauthorized {
			a.fail(w, r, nil, err)
			return
		}
	}
	a.clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// signOutEverywhere ends every session of the signed-in person, in every
// browser, this one included (DELETE /api/v1/people/{handle}/sessions).
func (a *App) signOutEverywhere(w http.ResponseWriter, r *http.Request, s *session) {
	if err := a.api.call(r, s.auth, http.MethodDelete, "/people/"+url.PathEscape(s.me.Handle)+"/sessions", nil, nil, nil); err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.clearSession(w, r)
	http.Redirect(w, r, "/signin?why="+whyEverywhere, http.StatusSeeOther)
}

// clearSession makes the browser forget its session cookie.
func (a *App) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.overTLS(r)})
}

// localPath keeps a redirect target on this site: a path, never another origin,
// or "" when p is not plainly one. Browsers read a Location loosely: they drop
// tabs and newlines anywhere ("/<tab>/evil" is "//evil"), take a backslash for
// "/" ("/\evil" is "//evil"), and "//host" is another site. So a local path here
// starts with one "/" and holds no backslash and no control character at all;
// and its path part holds no encoded "/", backslash or control character either
// ("/%2F%2Fevil"), which a proxy that decodes paths would turn into the same.
// The paths Tandem itself sends people back to never hold any of these.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') ||
		!utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl) {
		return ""
	}
	path, _, _ := strings.Cut(p, "?")
	path, _, _ = strings.Cut(path, "#")
	dec, err := url.PathUnescape(path)
	if err != nil || strings.Count(dec, "/") != strings.Count(path, "/") || // an encoded "/"
		strings.ContainsRune(dec, '\\') || strings.ContainsFunc(dec, unicode.IsControl) {
		return ""
	}
	return p
}
