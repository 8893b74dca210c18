package kernel

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/domain"
)

// soleApproverVersion guards where an approval goes when nobody but its
// requester may decide it (see domain/separation.go): to the requester's
// manager, or one authority up. Runs from before it left such an approval with
// nobody to decide it, and looked nobody up for it; their histories replay so.
const soleApproverVersion = "sole-approver"

var lookupOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	// Directory reads are safe to repeat; the cap keeps a recovered database found quickly.
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	Summary:     "directory lookup",
}

// Decider is who decides an approval: a person, or anyone holding Role (in Team,
// for a team-bound role) when Assignee is empty. Why, when set, says in words
// why the decision is not where it usually goes, for the timeline.
type Decider struct {
	Assignee string
	Team     domain.Team
	Role     domain.Role
	Why      string
}

// FindPeople returns the handles of everyone holding role, within team for a
// role that only counts there, in handle order.
func FindPeople(ctx workflow.Context, role domain.Role, team domain.Team) ([]string, error) {
	var a *activities.Activities
	var people []string
	in := activities.FindPeopleInput{Role: role, Team: team}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions), a.FindPeople, in).Get(ctx, &people)
	return people, err
}

// LookupPerson returns a person's routing data; ok is false for a handle the
// directory does not have.
func LookupPerson(ctx workflow.Context, handle string) (domain.PersonRef, bool, error) {
	var a *activities.Activities
	var ref domain.PersonRef
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions), a.LookupPerson, handle).Get(ctx, &ref)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeUnknownPerson {
		return ref, false, nil
	}
	return ref, err == nil, err
}

// others drops requester from handles.
func others(handles []string, requester string) []string {
	return slices.DeleteFunc(slices.Clone(handles), func(h string) bool { return h == requester })
}

// ApproverFor picks who decides an approval of role (in team) that requester
// asked for: the first holder, in handle order, who is not the requester. When
// the requester is the only one, SoleApprover says who instead, with why; when
// nobody holds the role, the decider is anyone holding it. what names the
// decision, for Why.
func ApproverFor(ctx workflow.Context, pol domain.Policy, requester string, role domain.Role, team domain.Team, what string) (Decider, error) {
	people, err := FindPeople(ctx, role, team)
	if err != nil {
		return Decider{}, err
	}
	if p := others(people, requester); len(p) > 0 || len(people) == 0 {
		d := Decider{Team: team, Role: role}
		if len(p) > 0 {
			d.Assignee = p[0]
		}
		return d, nil
	}
	d, ok, err := SoleApprover(ctx, pol, requester, role, what)
	if err != nil || !ok {
		return Decider{Team: team, Role: role}, err
	}
	return d, nil
}

// Elsewhere routes an approval s that requester may not decide, open to anyone
// else holding its role, to whoever SoleApprover says when nobody else does
// (Reroute), and returns why ("" when it stays as it was). Runs from before
// soleApproverVersion look nobody up.
func Elsewhere(ctx workflow.Context, pol domain.Policy, s *TaskSpec, requester, what string) (string, error) {
	if workflow.GetVersion(ctx, soleApproverVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return "", nil
	}
	people, err := FindPeople(ctx, s.Role, teamIfBound(s.Role, s.Team))
	if err != nil || !slices.Contains(people, requester) || len(others(people, requester)) > 0 {
		return "", err
	}
	d, ok, err := SoleApprover(ctx, pol, requester, s.Role, what)
	if err != nil || !ok {
		return "", err
	}
	Reroute(s, d)
	return d.Why, nil
}

// SoleApprover says where an approval goes that role (in team) would decide,
// when nobody but requester, who raised it and so may not, holds the role:
// requester's manager; else the first holder of the role one authority up
// (domain.Policy.Above), climbing while nobody else holds it; else an admin.
// ok is false for a run from before soleApproverVersion, and when nobody at all
// is left, an admin included: the approval then waits as it always did, for an
// admin to reassign it. what names the decision, for Why.
func SoleApprover(ctx workflow.Context, pol domain.Policy, requester string, role domain.Role, what string) (Decider, bool, error) {
	if workflow.GetVersion(ctx, soleApproverVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return Decider{}, false, nil
	}
	why := func(to string) string {
		return fmt.Sprintf("nobody but %s holds the %s role, and %s raised %s: it goes to %s", requester, roleWords(role), requester, what, to)
	}
	ref, ok, err := LookupPerson(ctx, requester)
	if err != nil {
		return Decider{}, false, err
	}
	if ok && ref.Manager != "" && ref.Manager != requester {
		mgr, ok, err := LookupPerson(ctx, ref.Manager)
		if err != nil {
			return Decider{}, false, err
		}
		if ok {
			d := Decider{Assignee: mgr.Handle, Team: mgr.Team, Why: why(requester + "'s manager, " + mgr.Handle)}
			if len(mgr.Roles) > 0 {
				d.Role = mgr.Roles[0]
			}
			return d, true, nil
		}
	}
	for r := role; ; {
		rung, ok := pol.Above(r)
		if !ok {
			break
		}
		people, err := FindPeople(ctx, rung.To, teamIfBound(rung.To, rung.Team))
		if err != nil {
			return Decider{}, false, err
		}
		if p := others(people, requester); len(p) > 0 {
			return Decider{Assignee: p[0], Team: rung.Team, Role: rung.To, Why: why(fmt.Sprintf("the next authority up, %s (%s)", p[0], roleWords(rung.To)))}, true, nil
		}
		r = rung.To
	}
	admins, err := FindPeople(ctx, domain.RoleAdmin, "")
	if err != nil {
		return Decider{}, false, err
	}
	if p := others(admins, requester); len(p) > 0 {
		return Decider{Assignee: p[0], Role: domain.RoleAdmin, Why: why("an admin, " + p[0] + ": nobody above may decide it")}, true, nil
	}
	return Decider{}, false, nil
}

// teamIfBound is team for a role that only counts in its team, else "": a
// director or marketing ops manager acts across teams.
func teamIfBound(role domain.Role, team domain.Team) domain.Team {
	if domain.TeamBound(role) {
		return team
	}
	return ""
}

// roleWords writes a role as words: "marketing ops manager".
func roleWords(r domain.Role) string {
	s := []rune(string(r))
	for i, c := range s {
		if c == '_' {
			s[i] = ' '
		}
	}
	return string(s)
}

// Reroute sends an approval that nobody but its requester may decide elsewhere
// (SoleApprover): s gets the decider, and a notice saying why. The caller
// records d.Why once the task is open (Tasks.Rerouted).
func Reroute(s *TaskSpec, d Decider) {
	s.Assignee, s.Team, s.Role = d.Assignee, d.Team, d.Role
	s.Notice = fmt.Sprintf("New task: %s — it comes to you because %s", s.Title, d.Why)
}
