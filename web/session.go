package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// sessionCookie holds the token a person pasted at sign-in. It has no expiry, so
// the browser forgets it when the session ends; HttpOnly keeps it from scripts and
// SameSite=Strict from other sites' requests.
const sessionCookie = "tandem_session"

// session is the signed-in person of one request.
type session struct {
	token string
	me    domain.Person
	csrf  string
}

// csrfToken is the value every form of a session carries back. It is derived from
// the token, which another site cannot read, so a forged form cannot carry it;
// this holds even in a browser that ignores SameSite.
func csrfToken(token string) string {
	sum := sha256.Sum256([]byte("tandem web form\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// authed wraps a page that needs a signed-in person. It asks the API who the
// token belongs to, so a revoked or expired token signs the browser out at once.
func (a *App) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return a.page(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			a.toSignIn(w, r, "")
			return
		}
		s := &session{token: c.Value, csrf: csrfToken(c.Value)}
		if err := a.api.call(r, s.token, http.MethodGet, "/me", nil, nil, &s.me); err != nil {
			if ae, ok := asAPIError(err); ok && ae.Status == http.StatusUnauthorized {
				clearSession(w)
				a.toSignIn(w, r, "Your token is no longer valid. Sign in again.")
				return
			}
			a.fail(w, r, s, err)
			return
		}
		if r.Method != http.MethodGet && !sameOrigin(r, s) {
			a.render(w, r, http.StatusForbidden, "error", view{Session: s, Title: "Refused",
				Problem: "This form did not come from a Tandem page. Reload the page and try again."})
			return
		}
		h(w, r, s)
	})
}

// sameOrigin checks a state-changing request: its form carries the session's
// token, and its Origin, when the browser sends one, is this site.
func sameOrigin(r *http.Request, s *session) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) == 1
}

// toSignIn sends a browser to the sign-in page, remembering where it was going.
// A page's background refresh gets 401 instead, so the script can reload.
func (a *App) toSignIn(w http.ResponseWriter, r *http.Request, msg string) {
	if isFragment(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if msg != "" {
		q.Set("why", msg)
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type signInData struct {
	Next  string
	Token string
	Why   string
}

func (a *App) signInPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: signInData{
		Next: localPath(r.URL.Query().Get("next")), Why: r.URL.Query().Get("why"),
	}})
}

// signIn checks the pasted token with the API and keeps it for the browser session.
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	d := signInData{Next: localPath(r.PostFormValue("next"))}
	var me domain.Person
	err := errors.New("empty")
	if token != "" {
		err = a.api.call(r, token, http.MethodGet, "/me", nil, nil, &me)
	}
	if err != nil {
		status, msg := http.StatusUnauthorized, "That token is not valid: it is unknown, revoked or expired. Ask an admin for a new one."
		switch ae, ok := asAPIError(err); {
		case token == "":
			status, msg = http.StatusUnprocessableEntity, "Paste your API token."
		case ok && ae.Status == http.StatusTooManyRequests:
			status, msg = ae.Status, "Too many attempts. Wait a minute and try again."
		case !ok || ae.Status != http.StatusUnauthorized:
			a.fail(w, r, nil, err)
			return
		}
		a.render(w, r, status, "signin", view{Title: "Sign in", Data: d, Fields: map[string]string{"token": msg}})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	next := d.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut forgets the token in this browser. The token itself stays valid: it is
// the person's API credential, revoked through the API, not here.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	clearSession(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// localPath keeps a redirect target on this site: a path, never another origin.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	return p
}
