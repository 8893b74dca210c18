package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// The board's sessions. A person signs in to the board once; the board then
// holds a random session ID in its cookie, never their API token, and calls
// the API in process on their behalf with "Authorization: Session <ID>". The
// API keeps the sessions (only the ID's hash is stored) and resolves one as it
// resolves a token, so the board has exactly the API's permissions, rate limit
// and audit trail, and the codec endpoint reads the same cookie. Why the API
// and not the board: both the board's pages and the Temporal UI's decode calls
// must resolve the cookie, and the API is where every credential is checked.
//
// A session starts at POST /api/v1/sessions: with an API token (the board's
// token sign-in), or, in process only, with the board's word for someone it
// identified itself (package vouch: a demo person picked in `tandem dev`, or
// the person an OpenID Connect provider names). A session cannot start
// another, so its absolute expiry holds.

// SessionRecords keep the board's sessions; *store.Store implements them.
type SessionRecords interface {
	// CreateSession starts a session at now and returns its ID, shown this once.
	CreateSession(ctx context.Context, s domain.SessionStart, now time.Time) (string, domain.Session, error)
	// PersonByEmail finds the one person with an e-mail address (any case): the
	// person an OpenID Connect sign-in names. None is domain.ErrNotFound,
	// several domain.ErrConflict.
	PersonByEmail(ctx context.Context, email string) (domain.Person, error)
	// PersonBySession resolves a live session at now, moving its idle expiry
	// idle on; an ended or unknown one is domain.ErrNotFound.
	PersonBySession(ctx context.Context, id string, now time.Time, idle time.Duration) (domain.Person, domain.Session, error)
	// DeleteSession ends one session; an unknown one is domain.ErrNotFound.
	DeleteSession(ctx context.Context, id string) error
	// RevokeSessions ends every session of a person and counts those that had
	// not expired; an unknown person is domain.ErrNotFound.
	RevokeSessions(ctx context.Context, handle string, now time.Time) (int64, error)
	// ClaimRecheck takes the re-check of a session due at now for this caller
	// alone, moving the next one to next, and answers the provider's refresh
	// token; claimed is false when it is not due or another caller has it. A
	// token that no longer opens is domain.ErrNotFound (recheck.go).
	ClaimRecheck(ctx context.Context, id string, now, next time.Time) (refresh string, claimed bool, err error)
	// Rechecked records a re-check the provider answered: the next is due at
	// next, and refresh, when not empty, replaces the refresh token.
	Rechecked(ctx context.Context, id, refresh string, next time.Time) error
}

// SessionSettings say how long a board session lasts.
type SessionSettings struct {
	// Idle ends a session not used for this long; zero is DefaultSessionIdle.
	Idle time.Duration
	// Lifetime ends a session this long after sign-in, however much it is
	// used; zero is DefaultSessionLifetime.
	Lifetime time.Duration
}

// The default session lengths: a working day's pause, and a week.
const (
	DefaultSessionIdle     = 12 * time.Hour
	DefaultSessionLifetime = 7 * 24 * time.Hour
)

func (s SessionSettings) withDefaults() SessionSettings {
	if s.Idle == 0 {
		s.Idle = DefaultSessionIdle
	}
	if s.Lifetime == 0 {
		s.Lifetime = DefaultSessionLifetime
	}
	return s
}

// sessionsPath is the route a session starts at.
const sessionsPath = "/api/v1/sessions"

// SessionStarted is the answer to POST /api/v1/sessions: the session, and its
// ID, shown this once.
type SessionStarted struct {
	ID string `json:"id"`
	domain.Session
}

func (s *Server) createSession(c *gin.Context) {
	cred := c.MustGet(credentialKey).(credential)
	start := domain.SessionStart{Handle: caller(c).Handle, Idle: s.sessions.Idle, Lifetime: s.sessions.Lifetime}
	switch cred.kind {
	case bySession:
		s.fail(c, domain.Forbiddenf("a session cannot start another: sign in again with your API token"))
		return
	case byToken:
		start.Method, start.Token = domain.SignInToken, cred.secret
	case byVouch:
		if m := cred.word.Method; m != domain.SignInDemo && m != domain.SignInOIDC {
			s.fail(c, fmt.Errorf("a vouched sign-in names no method but demo or oidc: %q", m))
			return
		}
		start.Method = cred.word.Method
		if start.Method == domain.SignInOIDC && cred.word.Refresh != "" && s.recheck.on() {
			start.Refresh, start.Recheck = cred.word.Refresh, s.recheck.Every
		}
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	id, sess, err := s.records.CreateSession(ctx, start, s.now())
	if errors.Is(err, domain.ErrNotFound) {
		// The token was revoked, or the person removed, since authenticate.
		s.fail(c, errUnauthorized("the bearer token is invalid or revoked"))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("start a session for %s: %w", start.Handle, err))
		return
	}
	c.Set(auditObjectKey, "session "+sess.Ref)
	note := string(sess.Method) + " sign-in"
	if p := c.GetString(auditProvisionKey); p != "" {
		note += "; " + p
	}
	c.Set(auditNoteKey, note)
	// no-store: the session ID must not linger in a proxy or browser cache.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, SessionStarted{ID: id, Session: sess})
}

// endSession signs out: it ends the session the request came with.
func (s *Server) endSession(c *gin.Context) {
	cred := c.MustGet(credentialKey).(credential)
	if cred.kind != bySession {
		s.fail(c, errBadRequest("", "this request carries an API token, not a board session: there is no session to end (revoke tokens with DELETE /api/v1/people/{handle}/tokens)"))
		return
	}
	c.Set(auditObjectKey, "session "+cred.ref)
	ctx, cancel := s.ctx(c)
	defer cancel()
	switch err := s.records.DeleteSession(ctx, cred.secret); {
	case errors.Is(err, domain.ErrNotFound):
		// Ended by another request since authenticate: signed out all the same.
	case err != nil:
		s.fail(c, fmt.Errorf("end session %s: %w", cred.ref, err))
		return
	}
	c.Status(http.StatusNoContent)
}

// revokePersonSessions signs a person out of the board everywhere: the person
// themself or an admin (someone leaving, a lost laptop).
func (s *Server) revokePersonSessions(c *gin.Context) {
	handle := c.Param("handle")
	me := caller(c)
	if me.Handle != handle && !me.HasRole(domain.RoleAdmin) {
		s.fail(c, domain.Forbiddenf("only %s or an admin may sign %s out everywhere", handle, handle))
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	n, err := s.records.RevokeSessions(ctx, handle, s.now())
	if errors.Is(err, domain.ErrNotFound) {
		s.fail(c, domain.NotFoundf("person %s not found", handle))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("revoke sessions of %s: %w", handle, err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"revoked": n})
}
