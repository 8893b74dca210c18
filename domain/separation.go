package domain

import "slices"

// Separation of duties: nobody approves a request they raised. When the only
// people who may decide a request are excluded so (the one marketing ops
// manager raised the brief, the one director requested the hire), the decision
// goes elsewhere instead of waiting for good: to the raiser's manager, else one
// authority up (Policy.Above), and at the top to an admin.

// TeamBound reports whether role r counts only inside its own team: a task for
// such a role and a team is for the holders of the role in that team.
func TeamBound(r Role) bool { return slices.Contains(teamBound, r) }

// Above is the authority one level above role r, for a decision no holder of r
// may take: the policy's hiring escalation rung from r when it has one, else
// the role after r on the risk escalation ladder. At the top there is none.
func (p Policy) Above(r Role) (EscalationRung, bool) {
	if rung, ok := p.Hiring.Up(r); ok {
		return rung, true
	}
	ladder := p.Risk.Ladder
	if i := slices.Index(ladder, string(r)); i >= 0 {
		for _, next := range ladder[i+1:] {
			if Role(next).Valid() {
				return EscalationRung{From: r, To: Role(next)}, true
			}
		}
	}
	return EscalationRung{}, false
}

// SoleHolders returns the roles among roles that requester holds and nobody
// else among people does: a request of theirs that needs the approval of one
// of those roles has nobody else to decide it, so it goes to their manager or
// the next authority up. The start forms warn of it.
func SoleHolders(requester Person, people []Person, roles []Role) []Role {
	var out []Role
	for _, r := range roles {
		if !requester.HasRole(r) {
			continue
		}
		others := slices.ContainsFunc(people, func(p Person) bool { return p.Handle != requester.Handle && p.HasRole(r) })
		if !others {
			out = append(out, r)
		}
	}
	return out
}
