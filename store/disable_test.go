package store

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Disabling a person ends their tokens and sessions at once, on both
// backends: what they held answers not found, nothing new starts, and an
// upsert of the person (an import, PUT /people) keeps them disabled. A retry
// keeps the first time; enabling brings nothing back.
func TestDisablePersonEndsTokensAndSessions(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		tok, err := st.CreateToken(ctx, "maya", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		other, err := st.CreateToken(ctx, "pat", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		start := domain.SessionStart{Handle: "maya", Method: domain.SignInOIDC, Idle: time.Hour, Lifetime: 5 * time.Hour}
		sess, _, err := st.CreateSession(ctx, start, now)
		if err != nil {
			t.Fatal(err)
		}
		withTok := start
		withTok.Method, withTok.Token = domain.SignInToken, tok
		sess2, _, err := st.CreateSession(ctx, withTok, now)
		if err != nil {
			t.Fatal(err)
		}
		feed, _, err := st.CreateFeed(ctx, "maya", domain.FeedScope{}, now)
		if err != nil {
			t.Fatal(err)
		}

		p, rev, err := st.DisablePerson(ctx, "maya", now)
		if err != nil {
			t.Fatal(err)
		}
		if p.DisabledAt == nil || !p.DisabledAt.Equal(now) || p.Active() {
			t.Errorf("disabled maya: disabled_at %v, want %s", p.DisabledAt, now)
		}
		if rev != (domain.Revoked{Sessions: 2, Tokens: 1}) {
			t.Errorf("revoked %+v, want 2 sessions and 1 token", rev)
		}
		_, err = st.PersonByToken(ctx, tok)
		wantErr(t, err, domain.ErrNotFound, "a disabled person's token")
		for _, id := range []string{sess, sess2} {
			ended(t, st, id, now.Add(time.Minute), "a disabled person's session")
		}
		_, err = st.FeedByToken(ctx, feed)
		wantErr(t, err, domain.ErrNotFound, "a disabled person's calendar feed")
		if p, err := st.PersonByToken(ctx, other); err != nil || p.Handle != "pat" {
			t.Errorf("someone else's token after disabling maya: %+v, %v", p, err)
		}
		// A token made for them anyway (the API and the CLI refuse to) never
		// resolves while they are disabled.
		late, err := st.CreateToken(ctx, "maya", "new")
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.PersonByToken(ctx, late)
		wantErr(t, err, domain.ErrNotFound, "a token made for a disabled person")
		_, _, err = st.CreateSession(ctx, start, now.Add(time.Minute))
		wantErr(t, err, domain.ErrNotFound, "a session for a disabled person")

		// An import or PUT of the person keeps them disabled.
		p.Name = "Maya O."
		if err := st.UpsertPerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		again, rev, err := st.DisablePerson(ctx, "maya", now.Add(time.Hour))
		if err != nil || again.DisabledAt == nil || !again.DisabledAt.Equal(now) || again.Name != "Maya O." || rev != (domain.Revoked{Tokens: 1}) {
			t.Errorf("disabled again: %+v, %+v, %v; want the first time kept, and the token made since revoked", again, rev, err)
		}

		back, err := st.EnablePerson(ctx, "maya")
		if err != nil || !back.Active() {
			t.Fatalf("enable: %+v, %v", back, err)
		}
		_, err = st.PersonByToken(ctx, tok)
		wantErr(t, err, domain.ErrNotFound, "a token revoked by disabling, after enabling")
		ended(t, st, sess, now.Add(2*time.Minute), "a session revoked by disabling, after enabling")
		_, err = st.PersonByToken(ctx, late)
		wantErr(t, err, domain.ErrNotFound, "the token the second disabling revoked, after enabling")
		fresh, err := st.CreateToken(ctx, "maya", "new")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := st.PersonByToken(ctx, fresh); err != nil || p.Handle != "maya" {
			t.Errorf("a new token of maya enabled again: %+v, %v", p, err)
		}

		_, _, err = st.DisablePerson(ctx, "zed", now)
		wantErr(t, err, domain.ErrNotFound, "disabling an unknown person")
		_, err = st.EnablePerson(ctx, "zed")
		wantErr(t, err, domain.ErrNotFound, "enabling an unknown person")
	})
}
