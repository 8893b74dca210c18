package template

import (
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// authorize is the run's check of a completion beyond the kernel's
// (eligibility, outcome, the task's form): a task a template gives to a team
// alone, with no role, is for the members of that team, and for the roles that
// act across teams. The kernel's eligibility checks a role, or a team through
// a team-bound role; a team with no role would otherwise be anyone's.
func (r *run) authorize(in contract.CompleteTaskInput) error {
	t := r.Tasks.Get(in.TaskID)
	if t == nil || t.Assignee != "" || t.Role != "" || t.Team == "" {
		return nil
	}
	a := in.Actor
	if a.Team == t.Team || a.HasRole(domain.RoleMarketingOpsManager) || a.HasRole(domain.RoleDirector) || a.HasRole(domain.RoleAdmin) {
		return nil
	}
	return domain.Forbiddenf("task %s is for the %s team", t.ID, t.Team)
}
