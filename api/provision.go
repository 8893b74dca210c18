package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// provision applies what the identity provider says of a person signing in,
// when the board is set up to take it (web.OIDC: CreatePeople, Groups): it adds
// someone the directory lacks (lookup is ErrNotFound) whose groups give them a
// team, and gives a known person the team and roles their groups map to. It
// answers the person as they now are and a note for the audit trail saying
// what changed ("" when nothing did). Whatever else an admin set (manager,
// out-of-office, name) the provider never changes.
func (s *Server) provision(ctx context.Context, p domain.Person, lookup error, w vouch.Word) (domain.Person, string, error) {
	prof := w.Profile
	if lookup != nil {
		if prof.Team == "" {
			return p, "", lookup // refused as unknown, with the reason saying why
		}
		return s.addPerson(ctx, w)
	}
	if !prof.Mapped || !p.Active() {
		return p, "", nil // a disabled person is refused as they are
	}
	team := cmp.Or(prof.Team, p.Team)
	if team == p.Team && slices.Equal(prof.Roles, p.Roles) {
		return p, "", nil
	}
	was := p
	p.Team, p.Roles = team, prof.Roles
	if err := s.records.UpsertPerson(ctx, p); err != nil {
		return was, "", fmt.Errorf("give %s the team and roles of their groups: %w", p.Handle, err)
	}
	return p, fmt.Sprintf("team and roles from the provider's groups: %s %s (were %s %s)", p.Team, rolesText(p.Roles), was.Team, rolesText(was.Roles)), nil
}

// maxHandleTries bounds the handles tried for someone added: the e-mail's
// local part, then it with -2, -3, … when taken.
const maxHandleTries = 20

// addPerson adds the person an identity provider vouches for at their first
// sign-in, under a handle made from their e-mail address.
func (s *Server) addPerson(ctx context.Context, w vouch.Word) (domain.Person, string, error) {
	local, _, _ := strings.Cut(w.Email, "@")
	base := handleFrom(local)
	p := domain.Person{Name: w.Profile.Name, Email: w.Email, Team: w.Profile.Team, Roles: w.Profile.Roles}
	if p.Roles == nil {
		p.Roles = []domain.Role{}
	}
	if p.Name == "" || PersonProblems(domain.Person{Handle: "x", Name: p.Name, Email: p.Email, Team: p.Team}).Err() != nil {
		p.Name = local // the provider's name is missing or unfit: the address's own
	}
	for i := 1; i <= maxHandleTries; i++ {
		p.Handle = base
		if i > 1 {
			p.Handle = fmt.Sprintf("%.60s-%d", base, i)
		}
		if err := PersonProblems(p).Err(); err != nil {
			return domain.Person{}, "", fmt.Errorf("add %s from the identity provider: %w", w.Email, err)
		}
		err := s.records.AddPerson(ctx, p)
		if errors.Is(err, domain.ErrConflict) {
			continue
		}
		if err != nil {
			return domain.Person{}, "", fmt.Errorf("add %s from the identity provider: %w", w.Email, err)
		}
		return p, fmt.Sprintf("added to the directory from the provider as %s (%s %s)", p.Handle, p.Team, rolesText(p.Roles)), nil
	}
	return domain.Person{}, "", fmt.Errorf("add %s from the identity provider: the handles %s to %s-%d are all taken", w.Email, base, base, maxHandleTries)
}

// handleFrom makes a handle of an e-mail address's local part: lowercase, with
// every character a handle may not hold as '-', and a letter or digit first.
func handleFrom(local string) string {
	h := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, local)
	h = strings.TrimLeft(h, "._-")
	if len(h) > 56 {
		h = h[:56]
	}
	if h == "" {
		h = "person"
	}
	return h
}

// rolesText is roles as the audit trail shows them: [a, b].
func rolesText(roles []domain.Role) string {
	return "[" + joinEnum(roles) + "]"
}
