package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// demoApp is the board as `tandem dev` wires it: with its demo people.
func demoApp(t *testing.T) (http.Handler, *fakeAPI) {
	f := newFakeAPI(t)
	demo := []domain.Person{f.people[sesMaya], f.people[sesPat]}
	return New(Config{API: f, Now: func() time.Time { return testNow }, DemoPeople: demo, TokenSignIn: true}).Handler(), f
}

// demoPost submits the demo sign-in form with the sign-in page's token.
func demoPost(t *testing.T, h http.Handler, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	csrf, cookie := signInForm(t, h)
	form.Set("csrf", csrf)
	r := httptest.NewRequest(http.MethodPost, "/signin/demo", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(cookie)
	return serve(h, r)
}

func TestDevModeListsTheDemoPeople(t *testing.T) {
	h, _ := demoApp(t)
	w := get(t, h, "", "/signin?next=%2Fworkload")
	mustContain(t, w, "Development mode", `action="/signin/demo"`,
		`<input type="hidden" name="next" value="/workload">`,
		`name="handle" value="maya" class="btn demo-person">Sign in as Maya Ops<span class="what"> — Marketing ops manager</span>`,
		`name="handle" value="pat" class="btn demo-person">Sign in as Pat Manager<span class="what"> — Project manager</span>`,
		// The token form is still there, below.
		`action="/signin"`, `name="token"`)
}

func TestDemoSignInStartsASessionOnTheBoardsWord(t *testing.T) {
	h, f := demoApp(t)
	w := demoPost(t, h, url.Values{"handle": {"pat"}, "next": {"/workload"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/workload" {
		t.Fatalf("status %d to %q, want 303 to /workload", w.Code, w.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !strings.HasPrefix(session.Value, "ses-pat-") || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v: want pat's new session, HttpOnly and SameSite=Strict", w.Result().Cookies())
	}
	// No token: the API was asked for a session with the board's word for pat.
	if len(f.calls) != 1 || f.calls[0].Path != "/api/v1/sessions" || f.calls[0].Auth != "" || f.calls[0].Vouched != (vouch.Word{Handle: "pat", Method: domain.SignInDemo}) {
		t.Errorf("calls %+v: want one POST /api/v1/sessions vouched for pat, without a credential", f.calls)
	}
	if me := get(t, h, session.Value, "/me"); me.Code != http.StatusOK {
		t.Errorf("the demo session opens no page: %d", me.Code)
	}
}

// Only the people dev lists: a handle the form was made to carry is refused,
// even one the directory knows.
func TestDemoSignInTakesOnlyTheDemoPeople(t *testing.T) {
	h, f := demoApp(t)
	for _, handle := range []string{"cleo", "", "nobody"} {
		w := demoPost(t, h, url.Values{"handle": {handle}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("handle %q: status %d, want 422", handle, w.Code)
		}
		mustContain(t, w, "That is not one of the demo people")
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				t.Errorf("handle %q: a session cookie was set", handle)
			}
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("a refused demo sign-in reached the API: %+v", f.calls)
	}
}

// A foreign page cannot sign a browser in as a demo person (login CSRF).
func TestDemoSignInFromElsewhereIsRefused(t *testing.T) {
	h, f := demoApp(t)
	_, cookie := signInForm(t, h)
	for name, mod := range map[string]func(r *http.Request){
		"no form token": func(*http.Request) {},
		"a cross-site page": func(r *http.Request) {
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		},
	} {
		form := url.Values{"handle": {"maya"}}
		if name != "no form token" {
			form.Set("csrf", cookie.Value)
		}
		r := httptest.NewRequest(http.MethodPost, "/signin/demo", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(cookie)
		mod(r)
		if w := serve(h, r); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("a refused demo sign-in reached the API: %+v", f.calls)
	}
}

// Without dev's demo people (tandem api's board) there is no demo sign-in: not
// on the page, and its route is not there even for a well-made form.
func TestWithoutDemoPeopleThereIsNoDemoSignIn(t *testing.T) {
	h, f := newTestApp(t)
	mustNotContain(t, get(t, h, "", "/signin"), "Development mode", "/signin/demo", "Sign in as")
	w := demoPost(t, h, url.Values{"handle": {"maya"}})
	if w.Code != http.StatusNotFound {
		t.Errorf("POST /signin/demo: status %d, want 404", w.Code)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			t.Errorf("a session cookie was set")
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("the demo sign-in reached the API: %+v", f.calls)
	}
}
