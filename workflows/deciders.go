package workflows

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

// decider is who decides an approval: a person, or anyone holding Role (in Team,
// for a team-bound role) when Assignee is empty. Why, when set, says in words
// why the decision is not where it usually goes, for the timeline.
type decider struct {
	Assignee string
	Team     domain.Team
	Role     domain.Role
	Why      string
}

// findPeople returns the handles of everyone holding role, within team for a
// role that only counts there, in handle order.
func findPeople(ctx workflow.Context, role domain.Role, team domain.Team) ([]string, error) {
	var a *activities.Activities
	var people []string
	in := activities.FindPeopleInput{Role: role, Team: team}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions), a.FindPeople, in).Get(ctx, &people)
	return people, err
}

// lookupPerson returns a person's routing data; ok is false for a handle the
// directory does not have.
func lookupPerson(ctx workflow.Context, handle string) (domain.PersonRef, bool, error) {
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

// soleApprover says where an approval goes that role (in team) would decide,
// when nobody but requester, who raised it and so may not, holds the role:
// requester's manager; else the first holder of the role one authority up
// (domain.Policy.Above), climbing while nobody else holds it; else an admin.
// ok is false for a run from before soleApproverVersion, and when nobody at all
// is left, an admin included: the approval then waits as it always did, for an
// admin to reassign it. what names the decision, for Why.
func soleApprover(ctx workflow.Context, pol domain.Policy, requester string, role domain.Role, what string) (decider, bool, error) {
	if workflow.GetVersion(ctx, soleApproverVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return decider{}, false, nil
	}
	why := func(to string) string {
		return fmt.Sprintf("nobody but %s holds the %s role, and %s raised %s: it goes to %s", requester, roleWords(role), requester, what, to)
	}
	ref, ok, err := lookupPerson(ctx, requester)
	if err != nil {
		return decider{}, false, err
	}
	if ok && ref.Manager != "" && ref.Manager != requester {
		mgr, ok, err := lookupPerson(ctx, ref.Manager)
		if err != nil {
			return decider{}, false, err
		}
		if ok {
			d := decider{Assignee: mgr.Handle, Team: mgr.Team, Why: why(requester + "'s manager, " + mgr.Handle)}
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
		people, err := findPeople(ctx, rung.To, teamIfBound(rung.To, rung.Team))
		if err != nil {
			return decider{}, false, err
		}
		if p := others(people, requester); len(p) > 0 {
			return decider{Assignee: p[0], Team: rung.Team, Role: rung.To, Why: why(fmt.Sprintf("the next authority up, %s (%s)", p[0], roleWords(rung.To)))}, true, nil
		}
		r = rung.To
	}
	admins, err := findPeople(ctx, domain.RoleAdmin, "")
	if err != nil {
		return decider{}, false, err
	}
	if p := others(admins, requester); len(p) > 0 {
		return decider{Assignee: p[0], Role: domain.RoleAdmin, Why: why("an admin, " + p[0] + ": nobody above may decide it")}, true, nil
	}
	return decider{}, false, nil
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

// reroute sends an approval that nobody but its requester may decide elsewhere
// (soleApprover): s gets the decider, and a notice saying why. The caller
// records d.Why once the task is open (rerouted).
func reroute(s *taskSpec, d decider) {
	s.Assignee, s.Team, s.Role = d.Assignee, d.Team, d.Role
	s.notice = fmt.Sprintf("New task: %s — it comes to you because %s", s.Title, d.Why)
}

// rerouted records in the timeline why an approval went where it did.
func rerouted(out *recorder, now time.Time, t domain.Task, why string) {
	out.event(now, domain.EventTaskEscalated, "", t.ID, "%s: %s", out.quote(t.Title), why)
}
