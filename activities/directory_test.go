package activities

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/domain"
)

// fakeDirectory pages one person at a time, so FindPeople must follow cursors;
// people are kept in handle order, as the store lists them.
type fakeDirectory struct{ people []domain.Person }

func (f fakeDirectory) Person(_ context.Context, handle string) (domain.Person, error) {
	for _, p := range f.people {
		if p.Handle == handle {
			return p, nil
		}
	}
	return domain.Person{}, domain.NotFoundf("person %s", handle)
}

func (f fakeDirectory) People(_ context.Context, flt domain.PeopleFilter) (domain.Page[domain.Person], error) {
	var match []domain.Person
	for _, p := range f.people {
		if p.HasRole(flt.Role) && (flt.Team == "" || p.Team == flt.Team) && p.Handle > flt.Cursor {
			match = append(match, p)
		}
	}
	if len(match) > 1 {
		return domain.Page[domain.Person]{Items: match[:1], NextCursor: match[0].Handle}, nil
	}
	return domain.Page[domain.Person]{Items: match}, nil
}

// left is when fred, who left, was disabled: no work is routed to him.
var left = time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)

func TestDirectoryLookups(t *testing.T) {
	dir := fakeDirectory{people: []domain.Person{
		{Handle: "finn", Name: "Finn Walsh", Email: "finn@example.com", Team: domain.TeamFinance, Roles: []domain.Role{domain.RoleFinance}, Manager: "dana"},
		{Handle: "fiona", Team: domain.TeamFinance, Roles: []domain.Role{domain.RoleFinance}, Manager: "dana"},
		{Handle: "dana", Team: domain.TeamLeadership, Roles: []domain.Role{domain.RoleDirector}},
		{Handle: "fred", Team: domain.TeamFinance, Roles: []domain.Role{domain.RoleFinance}, DisabledAt: &left},
	}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Directory: dir})

	v, err := env.ExecuteActivity((&Activities{}).LookupPerson, "finn")
	var ref domain.PersonRef
	if err != nil || v.Get(&ref) != nil || ref.Manager != "dana" || ref.Team != domain.TeamFinance {
		t.Fatalf("LookupPerson(finn) = %+v, %v", ref, err)
	}
	_, err = env.ExecuteActivity((&Activities{}).LookupPerson, "nobody")
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeUnknownPerson || !appErr.NonRetryable() {
		t.Errorf("unknown person: %v", err)
	}
	_, err = env.ExecuteActivity((&Activities{}).LookupPerson, "fred")
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeUnknownPerson || !appErr.NonRetryable() {
		t.Errorf("disabled person: %v, want unknown", err)
	}
	v, err = env.ExecuteActivity((&Activities{}).FindPeople, FindPeopleInput{Role: domain.RoleFinance})
	var handles []string
	if err != nil || v.Get(&handles) != nil || !slices.Equal(handles, []string{"finn", "fiona"}) {
		t.Errorf("FindPeople(finance) = %v, %v; want both, across pages", handles, err)
	}
}
