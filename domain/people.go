package domain

import (
	"slices"
	"time"
)

// Role is what a person is allowed to do.
type Role string

// The roles of the contract.
const (
	RoleProjectManager      Role = "project_manager"
	RoleMarketingOpsManager Role = "marketing_ops_manager"
	RoleCreative            Role = "creative"
	RoleContent             Role = "content"
	RoleWeb                 Role = "web"
	RoleAnalytics           Role = "analytics"
	RoleLegal               Role = "legal"
	RoleFinance             Role = "finance"
	RoleHR                  Role = "hr"
	RoleDirector            Role = "director"
	RoleAdmin               Role = "admin"
)

// Roles lists every role, in the contract's order.
var Roles = []Role{
	RoleProjectManager, RoleMarketingOpsManager, RoleCreative, RoleContent, RoleWeb,
	RoleAnalytics, RoleLegal, RoleFinance, RoleHR, RoleDirector, RoleAdmin,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Team is a group of people; teams are the candidate groups of tasks.
type Team string

// The teams of the contract.
const (
	TeamPMO          Team = "pmo"
	TeamMarketingOps Team = "marketing-ops"
	TeamCreative     Team = "creative"
	TeamContent      Team = "content"
	TeamWeb          Team = "web"
	TeamAnalytics    Team = "analytics"
	TeamLegal        Team = "legal"
	TeamFinance      Team = "finance"
	TeamHR           Team = "hr"
	TeamLeadership   Team = "leadership"
)

// Teams lists every team, in the contract's order.
var Teams = []Team{
	TeamPMO, TeamMarketingOps, TeamCreative, TeamContent, TeamWeb,
	TeamAnalytics, TeamLegal, TeamFinance, TeamHR, TeamLeadership,
}

// Valid reports whether t is a known team.
func (t Team) Valid() bool { return slices.Contains(Teams, t) }

// Person is one member of the directory.
type Person struct {
	Handle      string       `json:"handle"`
	Name        string       `json:"name"`
	Email       string       `json:"email"`
	Team        Team         `json:"team"`
	Roles       []Role       `json:"roles"`
	Manager     string       `json:"manager,omitempty"`
	OutOfOffice *OutOfOffice `json:"out_of_office,omitempty"`
	// WeeklyHours are the hours a week the person has for tasks, set by an
	// admin or their manager; nil means the policy's (capacity.go).
	WeeklyHours *float64 `json:"weekly_hours,omitempty"`
	// DisabledAt is when the person was disabled (someone who left): from then
	// on no token or session of theirs is accepted and no work is routed to
	// them, but their history keeps their handle. Nil while they are active.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Active reports whether p may sign in and be given work: not disabled.
func (p Person) Active() bool { return p.DisabledAt == nil }

// OutOfOffice is a window during which Delegate may act for the person.
type OutOfOffice struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Delegate string    `json:"delegate"`
}

// Covers reports whether the window is in force at t.
func (o *OutOfOffice) Covers(t time.Time) bool {
	return o != nil && !t.Before(o.From) && t.Before(o.To)
}

// HasRole reports whether p holds role r.
func (p Person) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// Actor is who asks for a command. The API resolves it from the bearer token and
// passes it into workflow updates, where validators check it again.
type Actor struct {
	Handle string `json:"handle"`
	Team   Team   `json:"team"`
	Roles  []Role `json:"roles"`
	// OnBehalfOf is set when Handle acts as the out-of-office delegate of that person.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// SystemHandle names Tandem itself as the actor of what it does on its own
// account, such as giving back the tasks of someone disabled. Uppercase, so it
// can never be a person's handle.
const SystemHandle = "Tandem"

// SystemActor is Tandem acting on its own account, with the admin role: what
// it does has been decided by an admin (disabling a person), and the
// workflows' validators check it as they check an admin.
func SystemActor() Actor { return Actor{Handle: SystemHandle, Roles: []Role{RoleAdmin}} }

// ActorOf returns the actor for person p acting in their own name.
func ActorOf(p Person) Actor { return Actor{Handle: p.Handle, Team: p.Team, Roles: p.Roles} }

// HasRole reports whether the actor holds role r.
func (a Actor) HasRole(r Role) bool { return slices.Contains(a.Roles, r) }

// PersonRef is what processes need to know of a person to route work: no name,
// no e-mail, so it can travel through workflow histories.
type PersonRef struct {
	Handle  string `json:"handle"`
	Team    Team   `json:"team"`
	Roles   []Role `json:"roles"`
	Manager string `json:"manager,omitempty"`
}

// Ref returns p without its personal data.
func (p Person) Ref() PersonRef {
	return PersonRef{Handle: p.Handle, Team: p.Team, Roles: p.Roles, Manager: p.Manager}
}
