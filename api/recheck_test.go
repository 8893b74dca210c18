package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// provider plays the identity provider's token endpoint for re-checks: it
// answers each refresh token grant with answer, and counts them.
type fakeProvider struct {
	mu     sync.Mutex
	asked  []string // the refresh tokens it was asked with
	answer func(refresh string) (vouch.Rechecked, error)
}

func (p *fakeProvider) ask(_ context.Context, refresh string) (vouch.Rechecked, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, refresh)
	return p.answer(refresh)
}

func (p *fakeProvider) times() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.asked)
}

// withRecheck makes e re-check OpenID Connect sessions every 15 minutes with
// p, disabling the people it refuses when disable is set; its clock is
// returned, to move on.
func withRecheck(e *env, p *fakeProvider, disable bool) *time.Time {
	now := testNow
	e.srv.now = func() time.Time { return now }
	e.srv.recheck = Recheck{Every: 15 * time.Minute, Ask: p.ask, DisableRefused: disable, Provider: "Example SSO"}
	return &now
}

// oidcSignIn signs handle in as the board does after an OpenID Connect sign-in
// whose provider gave refresh, and returns the session's ID.
func (e *env) oidcSignIn(handle, refresh string) string {
	e.t.Helper()
	req := httptest.NewRequestWithContext(vouch.ForRefreshing(context.Background(), handle, domain.SignInOIDC, refresh), http.MethodPost, "/api/v1/sessions", nil)
	rr := e.serve(req)
	if rr.Code != http.StatusCreated {
		e.t.Fatalf("OpenID Connect sign-in as %s: %d %s", handle, rr.Code, rr.Body)
	}
	return decodeJSON[SessionStarted](e.t, rr).ID
}

var errRefusedGrant = fmt.Errorf("%w: invalid_grant", vouch.ErrRefused)

// The provider refuses the person at the first re-check due: their session
// ends at once with a 401 the board can tell apart, and, the provider managing
// the directory, they are disabled as an admin would: token revoked, open
// tasks given back by release-task updates as Tandem, an audit entry by
// Tandem saying why.
func TestProviderRefusalEndsTheSessionAndDisablesThePerson(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	p := &fakeProvider{answer: func(string) (vouch.Rechecked, error) { return vouch.Rechecked{}, errRefusedGrant }}
	now := withRecheck(e, p, true)
	sess := e.oidcSignIn("cara", "rt-cara")
	if st := e.records.lastSessionStart; st.Refresh != "rt-cara" || st.Recheck != 15*time.Minute {
		t.Fatalf("session started as %+v: want the refresh token kept, re-checked every 15m", st)
	}

	// Before the re-check is due, the provider is not asked.
	*now = testNow.Add(14 * time.Minute)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusOK, "")
	if p.times() != 0 {
		t.Fatalf("the provider was asked %d times before the re-check was due", p.times())
	}

	*now = testNow.Add(15 * time.Minute)
	rr := want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusUnauthorized, codeProviderRefused)
	if !strings.Contains(rr.Message, "Example SSO no longer vouches for you") {
		t.Errorf("message %q", rr.Message)
	}
	if p.times() != 1 || p.asked[0] != "rt-cara" {
		t.Errorf("the provider was asked with %v, want rt-cara once", p.asked)
	}
	// Ended, and disabled: the session and the token answer 401 from now on.
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusUnauthorized, "unauthorized")
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cara", ""), http.StatusUnauthorized, "unauthorized")
	if d := e.records.people["cara"].DisabledAt; d == nil || !d.Equal(testNow.Add(15*time.Minute)) {
		t.Errorf("cara disabled at %v, want the re-check's time", d)
	}
	// Her open tasks went back, through their workflows, as Tandem.
	if e.records.tasks[workTask].Assignee != "" || e.records.tasks[ackTask].Assignee != "wes" {
		t.Errorf("tasks after: %q and %q, want the queue and her manager", e.records.tasks[workTask].Assignee, e.records.tasks[ackTask].Assignee)
	}
	if len(e.temporal.updates) != 2 {
		t.Errorf("%d updates sent, want a release-task for each open task", len(e.temporal.updates))
	}
	for _, u := range e.temporal.updates {
		in := u.Input.(contract.ReleaseTaskInput)
		if u.Name != contract.UpdateReleaseTask || in.Actor.Handle != domain.SystemHandle || in.From != "cara" || in.Audit == nil || in.Audit.Actor != domain.SystemHandle {
			t.Errorf("update %s %+v: want release-task by Tandem, audited as Tandem", u.Name, in)
		}
	}
	var entry *domain.AuditEntry
	for _, a := range e.records.auditEntries() {
		if a.Action == "POST /api/v1/people/:handle/disable" {
			entry = &a
		}
	}
	if entry == nil || entry.Actor != domain.SystemHandle || entry.Object != "cara" || entry.Outcome != domain.AuditAllowed ||
		entry.Reason != "Example SSO refused to renew cara's sign-in (the identity provider refused: invalid_grant): disabled; 1 sessions and 1 tokens revoked; 2 of 2 open tasks given back" {
		t.Errorf("audit entry %+v", entry)
	}
}

// Set up not to disable (the provider does not manage the directory): the
// refused session ends, and that is all.
func TestProviderRefusalWithoutDisablingEndsTheSessionOnly(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	p := &fakeProvider{answer: func(string) (vouch.Rechecked, error) { return vouch.Rechecked{}, errRefusedGrant }}
	now := withRecheck(e, p, false)
	sess := e.oidcSignIn("cara", "rt-cara")
	*now = testNow.Add(time.Hour)
	want(t, e.asSession(http.MethodGet, "/api/v1/tasks", sess), http.StatusUnauthorized, codeProviderRefused)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusUnauthorized, "unauthorized")
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cara", ""), http.StatusOK, "")
	if e.records.people["cara"].DisabledAt != nil || len(e.temporal.updates) != 0 {
		t.Errorf("cara disabled (%v) or her tasks moved (%d updates)", e.records.people["cara"].DisabledAt, len(e.temporal.updates))
	}
	if a := lastAudit(t, e); a.Actor != domain.SystemHandle || a.Action != "DELETE /api/v1/sessions/current" || !strings.HasPrefix(a.Object, "session ref") ||
		a.Reason != "Example SSO refused to renew cara's sign-in (the identity provider refused: invalid_grant): session ended" {
		t.Errorf("audit entry %+v", a)
	}
}

// A provider that does not answer (down, a server error) is no refusal:
// nobody is signed out or disabled, and the re-check is tried again a minute
// later, not on every request; once it answers, its new refresh token is kept
// and the next re-check is a full interval on.
func TestProviderDownKeepsTheSession(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	down := true
	p := &fakeProvider{answer: func(string) (vouch.Rechecked, error) {
		if down {
			return vouch.Rechecked{}, errors.New("dial tcp 127.0.0.1:1: connection refused")
		}
		return vouch.Rechecked{Refresh: "rt-cara-2"}, nil
	}}
	now := withRecheck(e, p, true)
	sess := e.oidcSignIn("cara", "rt-cara")

	*now = testNow.Add(20 * time.Minute)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusOK, "")
	want(t, e.asSession(http.MethodGet, "/api/v1/tasks", sess), http.StatusOK, "")
	if p.times() != 1 {
		t.Errorf("the provider was asked %d times, want once: the next try waits a minute", p.times())
	}
	if e.records.people["cara"].DisabledAt != nil || len(e.temporal.updates) != 0 {
		t.Error("a provider that does not answer disabled cara")
	}
	if !strings.Contains(e.logs.String(), "the identity provider did not answer a session's re-check") {
		t.Errorf("no warning logged:\n%s", e.logs)
	}

	down = false
	*now = testNow.Add(21 * time.Minute)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusOK, "")
	if p.times() != 2 || e.records.sessions[sess].refresh != "rt-cara-2" || !e.records.sessions[sess].RecheckAt.Equal(testNow.Add(36*time.Minute)) {
		t.Errorf("after the answer: asked %d times, token %q, next re-check %s", p.times(), e.records.sessions[sess].refresh, e.records.sessions[sess].RecheckAt)
	}
	*now = testNow.Add(35 * time.Minute)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusOK, "")
	*now = testNow.Add(36 * time.Minute)
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusOK, "")
	if p.times() != 3 || p.asked[2] != "rt-cara-2" {
		t.Errorf("asked with %v: want the new token, once due again", p.asked)
	}
	if strings.Contains(e.logs.String(), "rt-cara") {
		t.Error("a refresh token is in the log")
	}
}

// Sessions the provider gave no refresh token for, and sessions of other
// sign-ins, are never re-checked; nor is anything while re-checks are off.
func TestSessionsWithoutARefreshTokenAreNotRechecked(t *testing.T) {
	e := newEnv(t)
	p := &fakeProvider{answer: func(string) (vouch.Rechecked, error) { return vouch.Rechecked{}, errRefusedGrant }}
	now := withRecheck(e, p, true)
	none := e.oidcSignIn("cara", "")
	byToken := e.signIn("cole")
	e.srv.recheck.Every = 0
	off := e.oidcSignIn("wes", "rt-wes")
	e.srv.recheck.Every = 15 * time.Minute
	if e.records.lastSessionStart.Refresh != "" {
		t.Errorf("with re-checks off the refresh token was kept: %+v", e.records.lastSessionStart)
	}
	*now = testNow.Add(time.Hour)
	for _, id := range []string{none, byToken, off} {
		want(t, e.asSession(http.MethodGet, "/api/v1/me", id), http.StatusOK, "")
	}
	if p.times() != 0 {
		t.Errorf("the provider was asked %d times", p.times())
	}
}
