package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The board sessions of fakeRecords. A session's ID spells out its person and
// number ("ses-<handle>-<n>"), and a session signed in with a token ends when
// the token is revoked, as in the store.

type fakeSession struct {
	domain.Session
	token   string
	revoked bool
	refresh string // the provider's refresh token (the store seals it)
}

func (r *fakeRecords) sessionMap() map[string]*fakeSession {
	if r.sessions == nil {
		r.sessions = map[string]*fakeSession{}
	}
	return r.sessions
}

func (r *fakeRecords) CreateSession(_ context.Context, s domain.SessionStart, now time.Time) (string, domain.Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CreateSession"); err != nil {
		return "", domain.Session{}, err
	}
	if _, ok := r.people[s.Handle]; !ok {
		return "", domain.Session{}, domain.NotFoundf("person %s", s.Handle)
	}
	if s.Token != "" && r.tokens[s.Token] != s.Handle {
		return "", domain.Session{}, domain.NotFoundf("token")
	}
	m := r.sessionMap()
	id := fmt.Sprintf("ses-%s-%d", s.Handle, len(m)+1)
	sess := domain.Session{
		Ref: fmt.Sprintf("ref%09d", len(m)+1), Handle: s.Handle, Method: s.Method, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(min(s.Idle, s.Lifetime)), ExpiresAt: now.Add(s.Lifetime),
	}
	fs := &fakeSession{Session: sess, token: s.Token}
	if s.Refresh != "" && s.Recheck > 0 {
		fs.refresh, fs.RecheckAt = s.Refresh, now.Add(s.Recheck)
	}
	m[id] = fs
	r.lastSessionStart = s
	return id, sess, nil
}

func (r *fakeRecords) PersonBySession(_ context.Context, id string, now time.Time, _ time.Duration) (domain.Person, domain.Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("PersonBySession"); err != nil {
		return domain.Person{}, domain.Session{}, err
	}
	s, ok := r.sessionMap()[id]
	if !ok || s.revoked || !now.Before(s.IdleExpiresAt) || !now.Before(s.ExpiresAt) || s.token != "" && r.tokens[s.token] == "" {
		return domain.Person{}, domain.Session{}, domain.NotFoundf("session")
	}
	return r.people[s.Handle], s.Session, nil
}

func (r *fakeRecords) DeleteSession(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("DeleteSession"); err != nil {
		return err
	}
	if _, ok := r.sessionMap()[id]; !ok {
		return domain.NotFoundf("session")
	}
	delete(r.sessions, id)
	return nil
}

func (r *fakeRecords) ClaimRecheck(_ context.Context, id string, now, next time.Time) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("ClaimRecheck"); err != nil {
		return "", false, err
	}
	s, ok := r.sessionMap()[id]
	if !ok || s.revoked || s.refresh == "" || now.Before(s.RecheckAt) {
		return "", false, nil
	}
	s.RecheckAt = next
	return s.refresh, true, nil
}

func (r *fakeRecords) Rechecked(_ context.Context, id, refresh string, next time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Rechecked"); err != nil {
		return err
	}
	s, ok := r.sessionMap()[id]
	if !ok || s.refresh == "" {
		return domain.NotFoundf("session")
	}
	s.RecheckAt = next
	if refresh != "" {
		s.refresh = refresh
	}
	return nil
}

func (r *fakeRecords) RevokeSessions(_ context.Context, handle string, _ time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("RevokeSessions"); err != nil {
		return 0, err
	}
	if _, ok := r.people[handle]; !ok {
		return 0, domain.NotFoundf("person %s", handle)
	}
	var n int64
	for _, s := range r.sessionMap() {
		if s.Handle == handle && !s.revoked {
			s.revoked = true
			n++
		}
	}
	return n, nil
}

func (r *fakeRecords) PersonByEmail(_ context.Context, email string) (domain.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("PersonByEmail"); err != nil {
		return domain.Person{}, err
	}
	var found []domain.Person
	for _, p := range r.people {
		if strings.EqualFold(p.Email, email) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return domain.Person{}, domain.NotFoundf("person with e-mail %s", email)
	case 1:
		return found[0], nil
	}
	return domain.Person{}, domain.Conflictf("several people have the e-mail %s", email)
}
