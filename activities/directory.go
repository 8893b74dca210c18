package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/domain"
)

// Directory is who works here; *store.Store implements it.
type Directory interface {
	Person(ctx context.Context, handle string) (domain.Person, error)
	People(ctx context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error)
}

// ErrTypeUnknownPerson is the application error type of a lookup of a handle the
// directory does not have: retrying cannot help.
const ErrTypeUnknownPerson = "UnknownPerson"

// LookupPerson returns a person's team, roles and manager, for routing and
// escalation. Names and e-mails stay in the database. A disabled person is
// unknown here: no work is routed to someone who left.
func (a *Activities) LookupPerson(ctx context.Context, handle string) (domain.PersonRef, error) {
	p, err := a.Directory.Person(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.PersonRef{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("no person %q in the directory", handle), ErrTypeUnknownPerson, err)
	}
	if err == nil && !p.Active() {
		return domain.PersonRef{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s is disabled", handle), ErrTypeUnknownPerson, nil)
	}
	if err != nil {
		return domain.PersonRef{}, fmt.Errorf("look up %s: %w", handle, err)
	}
	return p.Ref(), nil
}

// FindPeopleInput selects people by role, within a team when Team is set.
type FindPeopleInput struct {
	Role domain.Role `json:"role"`
	Team domain.Team `json:"team,omitempty"`
}

// FindPeople returns the handles of everyone active holding a role, in handle
// order, so a process that picks the first gets the same person on every
// retry. Disabled people are left out: work is not routed to them.
func (a *Activities) FindPeople(ctx context.Context, in FindPeopleInput) ([]string, error) {
	var out []string
	opts := domain.ListOptions{Limit: domain.MaxLimit}
	for {
		page, err := a.Directory.People(ctx, domain.PeopleFilter{Role: in.Role, Team: in.Team, ListOptions: opts})
		if err != nil {
			return nil, fmt.Errorf("find people with role %s: %w", in.Role, err)
		}
		for _, p := range page.Items {
			if p.Active() {
				out = append(out, p.Handle)
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		opts.Cursor = page.NextCursor
	}
}
