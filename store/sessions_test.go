package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// resolves asserts id resolves to handle at now, its use moving the idle
// expiry idle on, and returns the session.
func resolves(t *testing.T, st *Store, id string, now time.Time, idle time.Duration, handle string) domain.Session {
	t.Helper()
	p, s, err := st.PersonBySession(t.Context(), id, now, idle)
	if err != nil {
		t.Fatalf("session at %s: %v", now, err)
	}
	if p.Handle != handle || s.Handle != handle {
		t.Fatalf("session resolved to %q (session of %q), want %q", p.Handle, s.Handle, handle)
	}
	return s
}

// ended asserts id no longer resolves at now, as not found like an unknown one.
func ended(t *testing.T, st *Store, id string, now time.Time, why string) {
	t.Helper()
	if _, _, err := st.PersonBySession(t.Context(), id, now, 12*time.Hour); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("%s: the session resolves (err %v), want not found", why, err)
	}
}

func TestSessionsEndIdleOrAtTheirLifetime(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		start := domain.SessionStart{Handle: "maya", Method: domain.SignInDemo, Idle: 2 * time.Hour, Lifetime: 5 * time.Hour}
		id, s, err := st.CreateSession(ctx, start, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, sessionPrefix) || len(id) != len(sessionPrefix)+43 {
			t.Errorf("session ID %q: want %s and 32 random bytes in base64url", id, sessionPrefix)
		}
		want := domain.Session{Ref: hashToken(id)[:sessionRefLen], Handle: "maya", Method: domain.SignInDemo,
			CreatedAt: t0, LastSeenAt: t0, IdleExpiresAt: at(2 * time.Hour), ExpiresAt: at(5 * time.Hour)}
		equal(t, "new session", s, want)
		// Only the hash is stored.
		var n int64
		if err := st.db.Model(&sessionRow{}).Where("hash = ?", id).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("the session ID itself is stored (%d rows, %v)", n, err)
		}

		// Used within the minute: nothing written. Used later: the idle expiry moves on.
		equal(t, "used at once", resolves(t, st, id, at(30*time.Second), 2*time.Hour, "maya"), want)
		used := resolves(t, st, id, at(time.Hour), 2*time.Hour, "maya")
		if !used.LastSeenAt.Equal(at(time.Hour)) || !used.IdleExpiresAt.Equal(at(3*time.Hour)) {
			t.Errorf("after use at +1h: last seen %s, idle expiry %s; want +1h and +3h", used.LastSeenAt, used.IdleExpiresAt)
		}
		resolves(t, st, id, at(2*time.Hour+time.Minute), 2*time.Hour, "maya") // past the first idle expiry, within the moved one
		// Kept in use, it still ends at its lifetime, and the idle expiry never passes it.
		late := resolves(t, st, id, at(4*time.Hour), 2*time.Hour, "maya")
		if !late.IdleExpiresAt.Equal(at(5 * time.Hour)) {
			t.Errorf("idle expiry %s past the lifetime's end %s", late.IdleExpiresAt, at(5*time.Hour))
		}
		ended(t, st, id, at(5*time.Hour), "at its absolute expiry")

		// Left idle, another ends at its idle expiry.
		idle, _, err := st.CreateSession(ctx, start, t0)
		if err != nil {
			t.Fatal(err)
		}
		resolves(t, st, idle, at(2*time.Hour-time.Second), 2*time.Hour, "maya")
		ended(t, st, idle, at(4*time.Hour), "idle for two hours since its last use")

		ended(t, st, "tds_unknown", t0, "unknown")
		ended(t, st, "", t0, "empty")

		// A new sign-in deletes the sessions past their lifetime, and only those.
		if _, _, err := st.CreateSession(ctx, start, at(6*time.Hour)); err != nil {
			t.Fatal(err)
		}
		var left int64
		if err := st.db.Model(&sessionRow{}).Count(&left).Error; err != nil || left != 1 {
			t.Errorf("%d sessions left after a sign-in swept the ended ones (%v); want the new one alone", left, err)
		}
	})
}

func TestSessionStartsAreChecked(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		ok := domain.SessionStart{Handle: "pat", Method: domain.SignInDemo, Idle: time.Hour, Lifetime: 2 * time.Hour}
		nobody := ok
		nobody.Handle = "nobody"
		if _, _, err := st.CreateSession(ctx, nobody, t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a session for an unknown person: %v, want not found", err)
		}
		noIdle := ok
		noIdle.Idle = 0
		if _, _, err := st.CreateSession(ctx, noIdle, t0); err == nil {
			t.Error("a session without an idle timeout was made")
		}
		mayas, err := st.CreateToken(ctx, "maya", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		withOthers := ok
		withOthers.Method, withOthers.Token = domain.SignInToken, mayas
		if _, _, err := st.CreateSession(ctx, withOthers, t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("pat's session signed in with maya's token: %v, want not found", err)
		}
		if err := st.RevokeToken(ctx, mayas); err != nil {
			t.Fatal(err)
		}
		revoked := withOthers
		revoked.Handle = "maya"
		if _, _, err := st.CreateSession(ctx, revoked, t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a session signed in with a revoked token: %v, want not found", err)
		}
	})
}

// A session signed in with a token ends with it: revoked, or expired.
func TestSessionsEndWithTheirToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		now := time.Now()
		start := func(token string) string {
			t.Helper()
			id, _, err := st.CreateSession(ctx, domain.SessionStart{Handle: "pat", Method: domain.SignInToken, Token: token,
				Idle: 12 * time.Hour, Lifetime: 7 * 24 * time.Hour}, now)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		laptop, err := st.CreateToken(ctx, "pat", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		phone, err := st.CreateToken(ctx, "pat", "phone")
		if err != nil {
			t.Fatal(err)
		}
		soon, err := st.CreateTokenExpiring(ctx, "pat", "soon", now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		byLaptop, byPhone, bySoon := start(laptop), start(phone), start(soon)
		if err := st.RevokeToken(ctx, laptop); err != nil {
			t.Fatal(err)
		}
		ended(t, st, byLaptop, now, "its token revoked")
		resolves(t, st, byPhone, now, 12*time.Hour, "pat")
		resolves(t, st, bySoon, now.Add(59*time.Minute), 12*time.Hour, "pat")
		ended(t, st, bySoon, now.Add(time.Hour), "its token expired")
		if _, err := st.RevokeTokens(ctx, "pat"); err != nil {
			t.Fatal(err)
		}
		ended(t, st, byPhone, now, "every token of the person revoked")
	})
}

func TestSignOutAndSignOutEverywhere(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		start := func(handle string) string {
			t.Helper()
			id, _, err := st.CreateSession(ctx, domain.SessionStart{Handle: handle, Method: domain.SignInDemo, Idle: time.Hour, Lifetime: 3 * time.Hour}, t0)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		laptop, phone, idle, cleos := start("pat"), start("pat"), start("pat"), start("cleo")

		if err := st.DeleteSession(ctx, laptop); err != nil {
			t.Fatal(err)
		}
		ended(t, st, laptop, t0, "signed out")
		if err := st.DeleteSession(ctx, laptop); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("signing out twice: %v, want not found", err)
		}
		resolves(t, st, phone, at(2*time.Minute), 12*time.Hour, "pat")

		// At +90 min the idle one has ended of itself; the phone, used at +2 min, has not.
		n, err := st.RevokeSessions(ctx, "pat", at(90*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("revoke pat's sessions: %d, %v; want 1 (the phone's)", n, err)
		}
		ended(t, st, phone, at(91*time.Minute), "signed out everywhere")
		ended(t, st, idle, at(91*time.Minute), "idle, then signed out everywhere")
		resolves(t, st, cleos, at(30*time.Minute), 12*time.Hour, "cleo")
		if n, err := st.RevokeSessions(ctx, "pat", at(92*time.Minute)); err != nil || n != 0 {
			t.Errorf("revoking again: %d, %v; want 0", n, err)
		}
		if _, err := st.RevokeSessions(ctx, "nobody", t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("revoking an unknown person's sessions: %v, want not found", err)
		}

		// A person removed from the directory takes their sessions along.
		if err := st.db.Where("handle = ?", "cleo").Delete(&personRow{}).Error; err != nil {
			t.Fatal(err)
		}
		var n2 int64
		if err := st.db.Model(&sessionRow{}).Where("handle = ?", "cleo").Count(&n2).Error; err != nil || n2 != 0 {
			t.Errorf("%d sessions of a removed person left (%v)", n2, err)
		}
	})
}

func TestPersonByEmail(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		p, err := st.PersonByEmail(ctx, "Maya@Example.COM")
		if err != nil || p.Handle != "maya" || len(p.Roles) != 1 {
			t.Errorf("maya by e-mail: %+v, %v", p, err)
		}
		if _, err := st.PersonByEmail(ctx, "nobody@example.com"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("an unknown e-mail: %v, want not found", err)
		}
		// Two people with one address: neither is signed in.
		twin := person("maya2", domain.TeamWeb, domain.RoleWeb)
		twin.Email = "maya@example.com"
		mustUpsert(t, st, twin)
		if _, err := st.PersonByEmail(ctx, "maya@example.com"); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("a shared e-mail: %v, want a conflict", err)
		}
	})
}
