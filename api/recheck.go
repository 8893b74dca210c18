package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// Re-checking a board session with the identity provider (issue 16). A
// session signed in by OpenID Connect lasts a week, while the person may leave
// tomorrow: deactivated at the provider, they could go on using the board
// until their session ends. So a session the provider gave a refresh token for
// keeps it (sealed by the records, bound to the session) and is re-checked
// with the provider every Recheck.Every: the first request that finds it due
// claims the re-check (the records let one request alone have it, so a
// rotating refresh token is never spent twice) and asks the provider for a
// refresh token grant.
//
//   - The provider refuses (invalid_grant: the person deactivated, their
//     consent or the token revoked): the session ends, the request answers 401
//     provider_refused for the board to say why, and with DisableRefused the
//     person is disabled as POST /people/{handle}/disable does (sessions and
//     tokens revoked, open tasks given back), by Tandem, with an audit entry
//     saying the provider refused.
//   - No answer (unreachable, a server error, a timeout): nothing happens to
//     anyone; a warning is logged, and the next request after recheckRetry
//     asks again.
//   - The provider vouches: the session goes on, with the provider's new
//     refresh token if it sent one, until the next re-check.
//
// A session without a refresh token (the provider gave none: ask for the
// offline_access scope where it needs it) is never re-checked.

// Recheck says how the API re-checks OpenID Connect sessions with the
// provider; the zero value re-checks none.
type Recheck struct {
	// Every is the time between two re-checks of a session; zero is never.
	Every time.Duration
	// Ask asks the provider; nil is never.
	Ask vouch.Recheck
	// DisableRefused disables a person the provider refuses, for a provider
	// that manages the directory; off, only their session ends.
	DisableRefused bool
	// Provider names the provider in answers and the audit trail; empty is
	// "the identity provider".
	Provider string
}

func (r Recheck) on() bool { return r.Every > 0 && r.Ask != nil }

const (
	// recheckRetry is how long a session whose re-check got no answer waits
	// for the next try (at most Every): soon, but not on every request.
	recheckRetry = time.Minute
	// recheckTimeout bounds the provider's answer, well within the request's
	// downstream deadline.
	recheckTimeout = 5 * time.Second
	// codeProviderRefused is the 401 of a session the provider no longer
	// vouches for.
	codeProviderRefused = "provider_refused"
)

func (r Recheck) provider() string {
	if r.Provider == "" {
		return "the identity provider"
	}
	return r.Provider
}

// recheckDue says whether session sess is due for a re-check at now.
func (s *Server) recheckDue(sess domain.Session, now time.Time) bool {
	return s.recheck.on() && sess.Method == domain.SignInOIDC && !sess.RecheckAt.IsZero() && !now.Before(sess.RecheckAt)
}

// recheckSession re-checks session id of person p with the provider. It
// answers false when it has answered the request (the session ended, or the
// records failed), true when the request goes on.
func (s *Server) recheckSession(c *gin.Context, id string, p domain.Person, sess domain.Session) bool {
	now := s.now()
	ctx, cancel := s.ctx(c)
	defer cancel()
	refresh, claimed, err := s.records.ClaimRecheck(ctx, id, now, now.Add(min(recheckRetry, s.recheck.Every)))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		// The refresh token no longer opens (its key left the keyring): the
		// person cannot be re-checked, so they sign in again, which keeps a new one.
		s.log.Warn("a board session's refresh token no longer opens: the session ends", "person", p.Handle, "session", sess.Ref)
		s.endRefusedSession(ctx, id, p, sess)
		s.fail(c, errUnauthorized("your session has to be renewed: sign in again"))
		return false
	case err != nil:
		s.fail(c, fmt.Errorf("claim the re-check of session %s: %w", sess.Ref, err))
		return false
	case !claimed:
		return true // another request has it
	}
	actx, acancel := context.WithTimeout(ctx, recheckTimeout)
	got, err := s.recheck.Ask(actx, refresh)
	acancel()
	switch {
	case errors.Is(err, vouch.ErrRefused):
		s.providerRefused(c, id, p, sess, err)
		return false
	case err != nil:
		s.log.Warn("the identity provider did not answer a session's re-check: the session goes on, and is re-checked again soon",
			"person", p.Handle, "session", sess.Ref, "error", err)
		return true
	}
	if err := s.records.Rechecked(ctx, id, got.Refresh, now.Add(s.recheck.Every)); err != nil && !errors.Is(err, domain.ErrNotFound) {
		// The provider may have spent the old token: this session cannot be
		// re-checked with it any more, and must not be taken for refused later.
		s.endRefusedSession(ctx, id, p, sess)
		s.fail(c, fmt.Errorf("record the re-check of session %s: %w", sess.Ref, err))
		return false
	}
	return true
}

// endRefusedSession ends session id: it is gone whatever answer follows.
func (s *Server) endRefusedSession(ctx context.Context, id string, p domain.Person, sess domain.Session) {
	if err := s.records.DeleteSession(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, domain.ErrNotFound) {
		s.log.Error("a board session to end was not ended", "person", p.Handle, "session", sess.Ref, "error", err)
	}
}

// providerRefused ends session id, whose person p the provider refused
// (refusal), disables p when the settings say so, and answers 401.
func (s *Server) providerRefused(c *gin.Context, id string, p domain.Person, sess domain.Session, refusal error) {
	// The rest happens whatever the client does meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	why := auditText(fmt.Sprintf("%s refused to renew %s's sign-in (%v)", s.recheck.provider(), p.Handle, refusal))
	entry := s.auditEntry(c)
	entry.Actor, entry.OnBehalfOf, entry.Outcome, entry.Status = domain.SystemHandle, "", domain.AuditAllowed, http.StatusOK
	if !s.recheck.DisableRefused {
		s.endRefusedSession(ctx, id, p, sess)
		entry.Action, entry.Object = "DELETE "+sessionsPath+"/current", "session "+sess.Ref
		entry.Reason = auditText(why + ": session ended")
		s.appendSystemAudit(ctx, entry)
	} else {
		entry.Action, entry.Object = "POST /api/v1/people/:handle/disable", p.Handle
		disabled, revoked, err := s.records.DisablePerson(ctx, p.Handle, s.now())
		if err != nil {
			// The session ends all the same; an admin disables them by hand.
			s.endRefusedSession(ctx, id, p, sess)
			s.log.Error("a person the identity provider refused was not disabled", "person", p.Handle, "error", err)
			entry.Outcome, entry.Status = domain.AuditFailed, http.StatusInternalServerError
			entry.Reason = auditText(why + ": session ended; disabling them failed, an admin must")
			s.appendSystemAudit(ctx, entry)
		} else {
			moves, err := s.releaseTasks(ctx, disabled, entry)
			moved := 0
			for _, m := range moves {
				if m.Status == releaseMoved || m.Status == releasePending {
					moved++
				}
			}
			note := fmt.Sprintf("%s: disabled; %d sessions and %d tokens revoked; %d of %d open tasks given back", why, revoked.Sessions, revoked.Tokens, moved, len(moves))
			if err != nil || moved < len(moves) {
				note += " (an admin disables them again to give back the rest)"
				s.log.Warn("a person the identity provider refused is disabled, but not all their open tasks were given back",
					"person", p.Handle, "given_back", moved, "open", len(moves), "error", err)
			}
			entry.Reason = auditText(note)
			s.appendSystemAudit(ctx, entry)
		}
	}
	s.fail(c, &requestError{status: http.StatusUnauthorized, code: codeProviderRefused,
		message: s.recheck.provider() + " no longer vouches for you, so your session has ended: sign in again, or ask an admin"})
}

// appendSystemAudit writes an entry of something Tandem did of itself.
func (s *Server) appendSystemAudit(ctx context.Context, e domain.AuditEntry) {
	if err := s.records.AppendAudit(ctx, e); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit entry lost: Tandem acted but it is not in the audit trail",
			slog.String("action", e.Action), slog.String("object", e.Object), slog.String("reason", e.Reason), slog.String("error", err.Error()))
	}
}
