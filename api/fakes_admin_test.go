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
