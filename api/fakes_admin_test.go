package api

import (
	"context"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The admin writes of fakeRecords. A token made here spells out its handle, label
// and expiry, so a test reads from it what the handler asked for.

func (r *fakeRecords) UpsertPerson(_ context.Context, p domain.Person) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("UpsertPerson"); err != nil {
		return err
	}
	r.people[p.Handle] = p
	return nil
}

func (r *fakeRecords) AddPerson(_ context.Context, p domain.Person) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("AddPerson"); err != nil {
		return err
	}
	if _, ok := r.people[p.Handle]; ok {
		return domain.Conflictf("the handle %s is taken", p.Handle)
	}
	r.people[p.Handle] = p
	return nil
}

func (r *fakeRecords) CreateTokenExpiring(_ context.Context, handle, label string, expiresAt time.Time) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CreateTokenExpiring"); err != nil {
		return "", err
	}
	if _, ok := r.people[handle]; !ok {
		return "", domain.NotFoundf("person %s", handle)
	}
	tok := "tok-" + handle + "-" + label + "-" + expiresAt.Format(time.RFC3339)
	r.tokens[tok] = handle
	return tok, nil
}

func (r *fakeRecords) RevokeTokens(_ context.Context, handle string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("RevokeTokens"); err != nil {
		return 0, err
	}
	if _, ok := r.people[handle]; !ok {
		return 0, domain.NotFoundf("person %s", handle)
	}
	var n int64
	for tok, h := range r.tokens {
		if h == handle {
			delete(r.tokens, tok)
			n++
		}
	}
	return n, nil
}

// DisablePerson revokes as the store does: the person's tokens go, their
// sessions are marked revoked, and a second disabling keeps the first time.
func (r *fakeRecords) DisablePerson(_ context.Context, handle string, at time.Time) (domain.Person, domain.Revoked, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("DisablePerson"); err != nil {
		return domain.Person{}, domain.Revoked{}, err
	}
	p, ok := r.people[handle]
	if !ok {
		return domain.Person{}, domain.Revoked{}, domain.NotFoundf("person %s", handle)
	}
	if p.DisabledAt == nil {
		at = at.UTC()
		p.DisabledAt = &at
		r.people[handle] = p
	}
	var rev domain.Revoked
	for tok, h := range r.tokens {
		if h == handle {
			delete(r.tokens, tok)
			rev.Tokens++
		}
	}
	for _, s := range r.sessionMap() {
		if s.Handle == handle && !s.revoked {
			s.revoked = true
			rev.Sessions++
		}
	}
	return p, rev, nil
}

func (r *fakeRecords) EnablePerson(_ context.Context, handle string) (domain.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("EnablePerson"); err != nil {
		return domain.Person{}, err
	}
	p, ok := r.people[handle]
	if !ok {
		return domain.Person{}, domain.NotFoundf("person %s", handle)
	}
	p.DisabledAt = nil
	r.people[handle] = p
	return p, nil
}
