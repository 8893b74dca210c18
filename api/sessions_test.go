package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// signIn starts a board session with the person's token ("tok-<handle>"), as
// the board's token sign-in does, and returns its ID.
func (e *env) signIn(handle string) string {
	e.t.Helper()
	rr := e.do(http.MethodPost, "/api/v1/sessions", "tok-"+handle, "")
	if rr.Code != http.StatusCreated {
		e.t.Fatalf("sign in as %s: %d %s", handle, rr.Code, rr.Body)
	}
	return decodeJSON[SessionStarted](e.t, rr).ID
}

// asSession sends a request with a board session, as the board does.
func (e *env) asSession(method, path, id string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(method, path, "", "", "Authorization", "Session "+id)
}

// lastAudit is the newest audit entry.
func lastAudit(t *testing.T, e *env) domain.AuditEntry {
	t.Helper()
	got := e.records.auditEntries()
	if len(got) == 0 {
		t.Fatal("no audit entry")
	}
	return got[len(got)-1]
}

func TestTokenSignInStartsASession(t *testing.T) {
	e := newEnv(t)
	rr := e.do(http.MethodPost, "/api/v1/sessions", "tok-mo", "", "X-Request-ID", "req-signin")
	want(t, rr, http.StatusCreated, "")
	if rr.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q: the session ID may linger in a cache", rr.Header().Get("Cache-Control"))
	}
	got := decodeJSON[SessionStarted](t, rr)
	wantSession := domain.Session{Ref: got.Ref, Handle: "mo", Method: domain.SignInToken, CreatedAt: testNow, LastSeenAt: testNow,
		IdleExpiresAt: testNow.Add(DefaultSessionIdle), ExpiresAt: testNow.Add(DefaultSessionLifetime)}
	if got.ID == "" || got.Ref == "" || got.Session != wantSession {
		t.Errorf("session %+v, want %+v with an ID", got, wantSession)
	}
	// The session is tied to the token it was signed in with.
	if s := e.records.lastSessionStart; s.Token != "tok-mo" || s.Idle != DefaultSessionIdle || s.Lifetime != DefaultSessionLifetime {
		t.Errorf("session started as %+v", s)
	}
	me := decodeJSON[domain.Person](t, e.asSession(http.MethodGet, "/api/v1/me", got.ID))
	if me.Handle != "mo" {
		t.Errorf("the session resolves to %q, want mo", me.Handle)
	}
	entry := oneAudit(t, e)
	wantEntry := domain.AuditEntry{At: testNow, Actor: "mo", Action: "POST /api/v1/sessions", Object: "session " + got.Ref,
		Outcome: domain.AuditAllowed, Status: http.StatusCreated, Reason: "token sign-in", RequestID: "req-signin", ClientIP: "192.0.2.1"}
	if entry != wantEntry {
		t.Errorf("entry\n%+v\nwant\n%+v", entry, wantEntry)
	}
	if strings.Contains(entry.Object, got.ID) {
		t.Errorf("the session ID is in the audit trail: %+v", entry)
	}
}

func TestSessionSettingsSetItsExpiry(t *testing.T) {
	e := newEnv(t)
	e.srv.sessions = SessionSettings{Idle: 30 * time.Minute, Lifetime: 8 * time.Hour}.withDefaults()
	got := decodeJSON[SessionStarted](t, e.do(http.MethodPost, "/api/v1/sessions", "tok-mo", ""))
	if !got.IdleExpiresAt.Equal(testNow.Add(30*time.Minute)) || !got.ExpiresAt.Equal(testNow.Add(8*time.Hour)) {
		t.Errorf("idle expiry %s, expiry %s; want +30m and +8h", got.IdleExpiresAt, got.ExpiresAt)
	}
}

func TestFailedSignInIsRefusedAndAudited(t *testing.T) {
	e := newEnv(t)
	want(t, e.do(http.MethodPost, "/api/v1/sessions", "tok-guess", ""), http.StatusUnauthorized, "unauthorized")
	entry := oneAudit(t, e)
	if entry.Action != "POST /api/v1/sessions" || entry.Actor != "" || entry.Outcome != domain.AuditDenied || entry.Status != http.StatusUnauthorized {
		t.Errorf("failed sign-in entry %+v", entry)
	}
	if len(e.records.sessions) != 0 {
		t.Errorf("a refused sign-in made sessions: %+v", e.records.sessions)
	}
}

func TestASessionCannotStartAnother(t *testing.T) {
	e := newEnv(t)
	id := e.signIn("mo")
	want(t, e.asSession(http.MethodPost, "/api/v1/sessions", id), http.StatusForbidden, domain.CodeForbidden)
	if len(e.records.sessions) != 1 {
		t.Errorf("sessions %+v: a session started another", e.records.sessions)
	}
	if a := lastAudit(t, e); a.Actor != "mo" || a.Outcome != domain.AuditDenied {
		t.Errorf("refused entry %+v", a)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t)
	id, other := e.signIn("mo"), e.signIn("mo")
	ref := e.records.sessions[id].Ref
	rr := e.asSession(http.MethodDelete, "/api/v1/sessions/current", id)
	if rr.Code != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", rr.Code, rr.Body)
	}
	want(t, e.asSession(http.MethodGet, "/api/v1/me", id), http.StatusUnauthorized, "unauthorized")
	// The person's other session, another browser, stays.
	want(t, e.asSession(http.MethodGet, "/api/v1/me", other), http.StatusOK, "")
	if a := lastAudit(t, e); a.Actor != "mo" || a.Action != "DELETE /api/v1/sessions/current" || a.Object != "session "+ref || a.Outcome != domain.AuditAllowed {
		t.Errorf("sign-out entry %+v", a)
	}
	// A token has no session to end.
	o := want(t, e.do(http.MethodDelete, "/api/v1/sessions/current", "tok-mo", ""), http.StatusBadRequest, codeBadRequest)
	if !strings.Contains(o.Message, "API token") {
		t.Errorf("refusal %q", o.Message)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	laptop, phone, caras := e.signIn("mo"), e.signIn("mo"), e.signIn("cara")

	// Someone else may not.
	want(t, e.asSession(http.MethodDelete, "/api/v1/people/mo/sessions", caras), http.StatusForbidden, domain.CodeForbidden)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", phone), http.StatusOK, "")

	// The person themself, from one of their sessions: every one ends.
	rr := e.asSession(http.MethodDelete, "/api/v1/people/mo/sessions", laptop)
	want(t, rr, http.StatusOK, "")
	if n := decodeJSON[struct{ Revoked int }](t, rr).Revoked; n != 2 {
		t.Errorf("revoked %d, want 2", n)
	}
	for _, id := range []string{laptop, phone} {
		want(t, e.asSession(http.MethodGet, "/api/v1/me", id), http.StatusUnauthorized, "unauthorized")
	}
	want(t, e.asSession(http.MethodGet, "/api/v1/me", caras), http.StatusOK, "")
	// Their token is not a session: it stays valid.
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-mo", ""), http.StatusOK, "")
	if a := lastAudit(t, e); a.Actor != "mo" || a.Action != "DELETE /api/v1/people/:handle/sessions" || a.Object != "mo" || a.Outcome != domain.AuditAllowed {
		t.Errorf("sign-out-everywhere entry %+v", a)
	}

	// An admin, on behalf of someone leaving.
	want(t, e.do(http.MethodDelete, "/api/v1/people/cara/sessions", "tok-ada", ""), http.StatusOK, "")
	want(t, e.asSession(http.MethodGet, "/api/v1/me", caras), http.StatusUnauthorized, "unauthorized")
	if a := lastAudit(t, e); a.Actor != "ada" || a.Object != "cara" || a.Outcome != domain.AuditAllowed {
		t.Errorf("admin's entry %+v", a)
	}
	want(t, e.do(http.MethodDelete, "/api/v1/people/nobody/sessions", "tok-ada", ""), http.StatusNotFound, domain.CodeNotFound)
}

func TestRevokingTheTokenEndsItsSessions(t *testing.T) {
	e := newEnv(t)
	id := e.signIn("mo")
	want(t, e.do(http.MethodDelete, "/api/v1/people/mo/tokens", "tok-ada", ""), http.StatusOK, "")
	o := want(t, e.asSession(http.MethodGet, "/api/v1/me", id), http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(o.Message, "session") {
		t.Errorf("refusal %q does not say it is the session", o.Message)
	}
}

func TestAnExpiredSessionIsRefused(t *testing.T) {
	e := newEnv(t)
	id := e.signIn("mo")
	e.records.sessions[id].ExpiresAt = testNow
	want(t, e.asSession(http.MethodGet, "/api/v1/me", id), http.StatusUnauthorized, "unauthorized")
	want(t, e.asSession(http.MethodGet, "/api/v1/me", "ses-forged"), http.StatusUnauthorized, "unauthorized")
}

// vouched sends POST /api/v1/sessions in process with the board's word for
// handle, and no Authorization header unless given.
func (e *env) vouched(path, handle string, method domain.SignInMethod, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequestWithContext(vouch.For(context.Background(), handle, method), http.MethodPost, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.serve(req)
}

func TestVouchedSignIn(t *testing.T) {
	e := newEnv(t)
	rr := e.vouched("/api/v1/sessions", "cara", domain.SignInDemo)
	want(t, rr, http.StatusCreated, "")
	got := decodeJSON[SessionStarted](t, rr)
	if got.Handle != "cara" || got.Method != domain.SignInDemo || e.records.lastSessionStart.Token != "" {
		t.Errorf("vouched session %+v, started as %+v", got, e.records.lastSessionStart)
	}
	if a := lastAudit(t, e); a.Actor != "cara" || a.Reason != "demo sign-in" || a.Object != "session "+got.Ref {
		t.Errorf("demo sign-in entry %+v", a)
	}

	// Only a session starts that way: on any other route the word is ignored.
	want(t, e.vouched("/api/v1/campaigns", "cara", domain.SignInDemo), http.StatusUnauthorized, "unauthorized")
	// A credential sent with it is what counts.
	want(t, e.vouched("/api/v1/sessions", "cara", domain.SignInDemo, "Authorization", "Bearer tok-guess"), http.StatusUnauthorized, "unauthorized")
	// Someone not in the directory cannot be vouched for.
	want(t, e.vouched("/api/v1/sessions", "nobody", domain.SignInDemo), http.StatusUnauthorized, "unauthorized")
	// A token sign-in is made with the token, never on the board's word.
	want(t, e.vouched("/api/v1/sessions", "cara", domain.SignInToken), http.StatusInternalServerError, "internal")
	if n := len(e.records.sessions); n != 1 {
		t.Errorf("%d sessions, want the one vouched sign-in's", n)
	}
}

// Every failed sign-in is an audit entry, even several from one address in a
// minute, where other commands refused for want of a token are sampled.
func TestEachFailedSignInIsAudited(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	e.srv.addresses = nil // the address limit is not what this test is about
	const office = "198.51.100.7:4000"
	for range 3 {
		want(t, e.doFrom(office, http.MethodPost, "/api/v1/sessions", "tok-typo", ""), http.StatusUnauthorized, "unauthorized")
	}
	for range 2 {
		want(t, e.doFrom(office, http.MethodPost, completePath, "tok-typo", `{"outcome":"done"}`), http.StatusUnauthorized, "unauthorized")
	}
	var signIns, others int
	for _, a := range e.records.auditEntries() {
		switch a.Action {
		case "POST /api/v1/sessions":
			signIns++
			if a.Outcome != domain.AuditDenied || a.ClientIP != "198.51.100.7" {
				t.Errorf("failed sign-in entry %+v", a)
			}
		default:
			others++
		}
	}
	if signIns != 3 || others != 0 {
		t.Errorf("%d failed sign-ins and %d other refusals recorded; want all 3 sign-ins, and the others sampled away in the same minute", signIns, others)
	}
}

// The board's word for an OpenID Connect sign-in names an e-mail: the person
// of the directory with it, in any case, gets the session; none, several, or
// a refusal the board passes on get none, and each is in the audit trail.
func TestVouchedSignInByEmail(t *testing.T) {
	e := newEnv(t)
	e.srv.addresses = nil // each refusal below is looked at, not the address limit
	vouched := func(ctx context.Context) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/sessions", nil)
		return e.serve(req)
	}
	bg := context.Background()
	rr := vouched(vouch.ForEmail(bg, "MO@example.com", domain.SignInOIDC))
	want(t, rr, http.StatusCreated, "")
	if got := decodeJSON[SessionStarted](t, rr); got.Handle != "mo" || got.Method != domain.SignInOIDC {
		t.Errorf("session %+v, want mo's by oidc", got)
	}
	if a := lastAudit(t, e); a.Actor != "mo" || a.Reason != "oidc sign-in" {
		t.Errorf("entry %+v", a)
	}

	o := want(t, vouched(vouch.ForEmail(bg, "stranger@example.com", domain.SignInOIDC)), http.StatusUnauthorized, "unauthorized")
	if a := lastAudit(t, e); a.Actor != "" || a.Outcome != domain.AuditDenied || !strings.Contains(a.Reason, "stranger@example.com") || a.Reason != o.Message {
		t.Errorf("unknown identity: entry %+v, answer %q", a, o.Message)
	}

	twin := person("mo2", domain.TeamWeb, domain.RoleWeb)
	twin.Email = "mo@example.com"
	e.records.people[twin.Handle] = twin
	want(t, vouched(vouch.ForEmail(bg, "mo@example.com", domain.SignInOIDC)), http.StatusConflict, domain.CodeConflict)
	if a := lastAudit(t, e); a.Status != http.StatusConflict || a.Outcome != domain.AuditDenied {
		t.Errorf("shared e-mail: entry %+v", a)
	}

	want(t, vouched(vouch.Refusing(bg, domain.SignInOIDC, "the state does not match")), http.StatusUnauthorized, "unauthorized")
	if a := lastAudit(t, e); a.Reason != "oidc sign-in refused: the state does not match" || a.Action != "POST /api/v1/sessions" {
		t.Errorf("refusal passed on: entry %+v", a)
	}
	if n := len(e.records.sessions); n != 1 {
		t.Errorf("%d sessions, want mo's alone", n)
	}
}
