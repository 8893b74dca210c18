package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// fakeAPI stands in for API v1: it knows a few people by board session and by
// API token, and answers the routes a test sets up, recording each call. The
// pages are a client of the API, so this is the seam their tests drive; the
// API's own rules are tested in api.
type fakeAPI struct {
	t      *testing.T
	people map[string]domain.Person // by board session ID (Authorization: Session)
	tokens map[string]string        // API token (Authorization: Bearer) → its person's session in people
	mux    *http.ServeMux
	// sessions counts the sessions POST /sessions started.
	sessions int

	mu       sync.Mutex
	calls    []apiCall
	handlers map[string]apiHandler // by pattern: on replaces a route's answer
	// names is what GET /names answers, by ID: name adds to it.
	names map[string]domain.NamedID
}

// apiCall is one request the pages made.
type apiCall struct {
	Method, Path, Query, Caller string
	// Auth is its Authorization header; Vouched the board's word on it, in
	// process (package vouch), if any.
	Auth    string
	Vouched vouch.Word
	Body    map[string]any
	// From is the client address the API sees: the peer, then any forwarded-for.
	From string
	// Key is the request's Idempotency-Key.
	Key string
}

// apiHandler answers one route for the signed-in person me: a status and a body
// to encode as JSON.
type apiHandler func(r *http.Request, me domain.Person) (int, any)

// Board sessions of the people every test knows: what the board's cookie holds
// once they signed in.
const (
	sesMaya = "ses-maya" // marketing ops manager
	sesCleo = "ses-cleo" // creative
	sesPat  = "ses-pat"  // project manager
)

// The same people's API tokens, which they paste to sign in.
const (
	tokMaya = "tok-maya"
	tokCleo = "tok-cleo"
	tokPat  = "tok-pat"
)

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, mux: http.NewServeMux(), people: map[string]domain.Person{
		sesMaya: {Handle: "maya", Name: "Maya Ops", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}},
		sesCleo: {Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Roles: []domain.Role{domain.RoleCreative}},
		sesPat:  {Handle: "pat", Name: "Pat Manager", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}},
	}, tokens: map[string]string{tokMaya: sesMaya, tokCleo: sesCleo, tokPat: sesPat}}
	f.on("GET /api/v1/me", func(_ *http.Request, me domain.Person) (int, any) { return http.StatusOK, me })
	// Sessions, as the API keeps them: a token or the board's word starts one,
	// a session does not start another.
	f.on("POST /api/v1/sessions", func(r *http.Request, me domain.Person) (int, any) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Session ") {
			return http.StatusForbidden, apiErr("forbidden", "a session cannot start another")
		}
		method := "token"
		if w, vouched := vouch.From(r.Context()); vouched {
			method = string(w.Method)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.sessions++
		id := fmt.Sprintf("ses-%s-%d", me.Handle, f.sessions)
		f.people[id] = me
		return http.StatusCreated, map[string]any{"id": id, "handle": me.Handle, "method": method}
	})
	f.on("DELETE /api/v1/sessions/current", func(r *http.Request, _ domain.Person) (int, any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.people, strings.TrimPrefix(r.Header.Get("Authorization"), "Session "))
		return http.StatusNoContent, nil
	})
	f.on("DELETE /api/v1/people/{handle}/sessions", func(r *http.Request, me domain.Person) (int, any) {
		if me.Handle != r.PathValue("handle") {
			return http.StatusForbidden, apiErr("forbidden", "only "+r.PathValue("handle")+" or an admin may")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		n := 0
		for id, p := range f.people {
			if p.Handle == me.Handle {
				delete(f.people, id)
				n++
			}
		}
		return http.StatusOK, map[string]int{"revoked": n}
	})
	// The directory: everyone the fake knows, by name, until a test says otherwise.
	f.on("GET /api/v1/people", func(*http.Request, domain.Person) (int, any) {
		people := slices.Collect(maps.Values(f.people))
		slices.SortFunc(people, func(x, y domain.Person) int { return strings.Compare(x.Handle, y.Handle) })
		return http.StatusOK, pageOf(people...)
	})
	// What IDs stand for: those a test named, the others left out, as the API
	// leaves out an unknown ID.
	f.on("GET /api/v1/names", func(r *http.Request, _ domain.Person) (int, any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []domain.NamedID
		for _, id := range r.URL.Query()["id"] {
			if n, ok := f.names[id]; ok {
				out = append(out, n)
			}
		}
		return http.StatusOK, pageOf(out...)
	})
	// No process templates, until a test publishes some (templateruns_test.go).
	f.on("GET /api/v1/templates", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[map[string]any]() })
	f.on("GET /api/v1/template-runs", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.TemplateRun]() })
	// Every board's columns are empty, until a test says otherwise (boardOf).
	f.on("GET /api/v1/boards/{process}", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf[domain.BoardCard]() })
	// Nobody has notifications, until a test says otherwise.
	f.on("GET /api/v1/notifications", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Notification{}, "seen_through": 0, "unread": 0}
	})
	// Everyone has the default notification preferences, until a test says otherwise.
	f.on("GET /api/v1/people/{handle}/notification-preferences", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.NotificationSettings{}.Complete()
	})
	// No process has comments, until a test says otherwise.
	for _, p := range []string{"campaigns", "hiring-requests", "risks", "template-runs"} {
		f.on("GET /api/v1/"+p+"/{id}/comments", func(*http.Request, domain.Person) (int, any) {
			return http.StatusOK, pageOf[domain.Comment]()
		})
	}
	return f
}

// on answers pattern (a ServeMux pattern with method) with h; a later call
// for the same pattern replaces the answer.
func (f *fakeAPI) on(pattern string, h apiHandler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.handlers == nil {
		f.handlers = map[string]apiHandler{}
	}
	if _, ok := f.handlers[pattern]; !ok {
		f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			h := f.handlers[pattern]
			f.mu.Unlock()
			status, body := h(r, r.Context().Value(meKey{}).(domain.Person))
			if t, ok := body.(tagged); ok {
				w.Header().Set("ETag", t.etag)
				if status == http.StatusNotModified {
					w.WriteHeader(status)
					return
				}
				body = t.body
			}
			writeJSON(w, status, body)
		})
	}
	f.handlers[pattern] = h
}

// tagged is an answer with an ETag; with 304, only the ETag is sent.
type tagged struct {
	etag string
	body any
}

// name says what IDs stand for, as GET /names answers it.
func (f *fakeAPI) name(n ...domain.NamedID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.names == nil {
		f.names = map[string]domain.NamedID{}
	}
	for _, x := range n {
		f.names[x.ID] = x
	}
}

// knowTasks answers GET /api/v1/tasks/{id} with these tasks, as a page reads
// a task before it answers it.
func (f *fakeAPI) knowTasks(tasks ...domain.Task) {
	f.on("GET /api/v1/tasks/{id}", func(r *http.Request, _ domain.Person) (int, any) {
		for _, t := range tasks {
			if t.ID == r.PathValue("id") {
				return http.StatusOK, t
			}
		}
		return http.StatusNotFound, apiErr("not_found", "task "+r.PathValue("id")+" not found")
	})
}

type meKey struct{}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	me, ok := f.caller(r)
	word, _ := vouch.From(r.Context())
	call := apiCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Caller: me.Handle, Key: r.Header.Get("Idempotency-Key"),
		From: strings.Join(append([]string{r.RemoteAddr}, r.Header.Values("X-Forwarded-For")...), " "),
		Auth: r.Header.Get("Authorization"), Vouched: word}
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			if err := json.Unmarshal(b, &call.Body); err != nil {
				f.t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
			}
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusUnauthorized, apiErr("unauthorized", "the bearer token is invalid or revoked"))
		return
	}
	if _, pattern := f.mux.Handler(r); pattern == "" {
		f.t.Errorf("the page called %s %s, which this test does not answer", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, apiErr("not_found", "no such route"))
		return
	}
	f.mux.ServeHTTP(w, r.WithContext(contextWith(r, me)))
}

// caller is who r comes from, as the API reads it: a session, a token, or on
// POST /sessions alone the board's word.
func (f *fakeAPI) caller(r *http.Request) (domain.Person, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if id, ok := strings.CutPrefix(auth, "Session "); ok {
		me, ok := f.people[id]
		return me, ok
	}
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		me, ok := f.people[f.tokens[tok]]
		return me, ok
	}
	if w, ok := vouch.From(r.Context()); ok && w.Refused == "" && auth == "" && r.Method == http.MethodPost && r.URL.Path == "/api/v1/sessions" {
		for _, p := range f.people {
			if w.Handle != "" && p.Handle == w.Handle || w.Email != "" && strings.EqualFold(p.Email, w.Email) {
				return p, true
			}
		}
	}
	return domain.Person{}, false
}

// commands are the calls that were not reads.
func (f *fakeAPI) commands() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method != http.MethodGet {
			out = append(out, c)
		}
	}
	return out
}

// apiErr is the contract's error body.
func apiErr(code, message string, details ...domain.FieldProblem) any {
	return map[string]any{"error": map[string]any{"code": code, "message": message, "details": details}}
}

// pageOf is an API list answer.
func pageOf[T any](items ...T) any {
	if items == nil {
		items = []T{}
	}
	return map[string]any{"items": items}
}

// taskPage answers GET /api/v1/tasks as the API does, tasks being the whole
// list: soonest due first for ?order=due, a page of ?limit= from ?cursor= (an
// offset here), and for ?counts=true how many there are and how many are
// overdue at testNow.
func taskPage(r *http.Request, tasks ...domain.Task) any {
	q := r.URL.Query()
	list := slices.Clone(tasks)
	if q.Get("order") == "due" {
		slices.SortStableFunc(list, byDue)
	}
	from, _ := strconv.Atoi(q.Get("cursor"))
	limit := domain.DefaultLimit
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = n
	}
	from = min(from, len(list))
	end := min(from+limit, len(list))
	answer := map[string]any{"items": append([]domain.Task{}, list[from:end]...)}
	if end < len(list) {
		answer["next_cursor"] = strconv.Itoa(end)
	}
	if q.Get("counts") == "true" {
		n := domain.TaskCounts{Total: len(list)}
		for _, t := range list {
			if !t.DueAt.IsZero() && t.DueAt.Before(testNow) {
				n.Overdue++
			}
		}
		answer["counts"] = n
	}
	return answer
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// testNow is the clock of every page test.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// newTestApp is the web app over a fake API, with a fixed clock.
func newTestApp(t *testing.T) (http.Handler, *fakeAPI) {
	f := newFakeAPI(t)
	a := New(Config{API: f, Now: func() time.Time { return testNow }, TokenSignIn: true})
	return a.Handler(), f
}

// get fetches path as the browser holding session ("" for nobody).
func get(t *testing.T, h http.Handler, session, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// post submits a form as the browser holding session, with the session's form token.
func post(t *testing.T, h http.Handler, session, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	if session != "" && form.Get("csrf") == "" {
		form.Set("csrf", csrfToken(session))
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// mustContain fails unless the page holds each of want.
func mustContain(t *testing.T, w *httptest.ResponseRecorder, want ...string) {
	t.Helper()
	body := w.Body.String()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page (status %d) lacks %q; it reads:\n%s", w.Code, s, body)
			return
		}
	}
}

// mustNotContain fails if the page holds any of bad.
func mustNotContain(t *testing.T, w *httptest.ResponseRecorder, bad ...string) {
	t.Helper()
	for _, s := range bad {
		if strings.Contains(w.Body.String(), s) {
			t.Errorf("page (status %d) holds %q, which it must not", w.Code, s)
		}
	}
}

func contextWith(r *http.Request, me domain.Person) context.Context {
	return context.WithValue(r.Context(), meKey{}, me)
}

func newGet(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

func newPost(path string, form url.Values, session string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
