package web

import (
	"net/http"
	"net/url"
	"strings"
)

// flashCookie carries one message across the redirect after a form: what
// succeeded ("ok:") or why it was refused ("no:"). It lives for a minute at most
// and is cleared by the page that shows it.
const flashCookie = "tandem_flash"

func (a *App) setNotice(w http.ResponseWriter, msg string)  { setFlash(w, "ok:"+msg) }
func (a *App) setProblem(w http.ResponseWriter, msg string) { setFlash(w, "no:"+msg) }

func setFlash(w http.ResponseWriter, v string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(v), Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// takeFlash reads and clears the message, if any. A background refresh leaves it
// for the next full page.
func (a *App) takeFlash(w http.ResponseWriter, r *http.Request) (notice, problem string) {
	c, err := r.Cookie(flashCookie)
	if err != nil || isFragment(r) {
		return "", ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return "", ""
	}
	if msg, ok := strings.CutPrefix(v, "ok:"); ok {
		return msg, ""
	}
	if msg, ok := strings.CutPrefix(v, "no:"); ok {
		return "", msg
	}
	return "", ""
}
