package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Adding a task to a campaign: its managers, between planning and launch
// (domain.CheckAddCampaignTask). A task goes to a team, done by the role that
// does that team's work; it may be given to one person at once. Its due time is
// typed in the viewer's time zone, as the tasks' forms take times.

// teamRoles is the role that does each team's work: the pairs a campaign's
// planned deliverables use, so an added task is found where theirs are.
var teamRoles = map[domain.Team]domain.Role{
	domain.TeamPMO: domain.RoleProjectManager, domain.TeamMarketingOps: domain.RoleMarketingOpsManager,
	domain.TeamCreative: domain.RoleCreative, domain.TeamContent: domain.RoleContent, domain.TeamWeb: domain.RoleWeb,
	domain.TeamAnalytics: domain.RoleAnalytics, domain.TeamLegal: domain.RoleLegal, domain.TeamFinance: domain.RoleFinance,
	domain.TeamHR: domain.RoleHR, domain.TeamLeadership: domain.RoleDirector,
}

// addTaskForm is the campaign page's form to add a task: its inputs, and the
// time zone its due time was typed in after a refusal ("" until the page's
// script names the viewer's).
type addTaskForm struct {
	Sections []section
	Zone     string
}

// newAddTaskForm draws the form with vals (what was typed, after a refusal) and
// the problems found with them.
func newAddTaskForm(vals url.Values, problems map[string]string, d directory, now time.Time) addTaskForm {
	zone := zoneOf(vals.Get(tzField))
	team := input{Name: "team", Label: "Team", Hint: "The team whose work it is; anyone in it may take it.", Kind: "select",
		Value: vals.Get("team"), Required: true, Options: []option{{"", "Choose a team…"}}}
	for _, t := range domain.Teams {
		team.Options = append(team.Options, option{Value: string(t), Label: label(t)})
	}
	assignee := personPicker("assignee", "Assign to", "Optional: give it to one person at once.", d, "", vals.Get("assignee"))
	assignee.Required, assignee.Optional = false, true
	if assignee.Kind == "select" {
		assignee.Options[0].Label = "Anyone in the team"
	}
	due := input{Name: "due_at", Label: "Due", Kind: "datetime-local", Value: vals.Get("due_at"), Required: true,
		Zone: zoneName(zone), Convert: zone == nil, Min: now.In(cmp.Or(zone, time.UTC)).Format(localTimeLayout)}
	secs := []section{
		{Inputs: []input{{Name: "title", Label: "Title", Kind: "text", Value: vals.Get("title"), Required: true, MaxLength: domain.MaxNameChars}}},
		{Inputs: []input{{Name: "description", Label: "What to do", Kind: "textarea", Value: vals.Get("description"), Optional: true,
			MaxLength: domain.MaxDescriptionChars}}},
		{Row: true, Inputs: []input{team, assignee}},
		{Row: true, Inputs: []input{due}},
	}
	for i := range secs {
		for j := range secs[i].Inputs {
			secs[i].Inputs[j].Scope = "task"
			secs[i].Inputs[j].Problem = problems[secs[i].Inputs[j].Name]
		}
	}
	focusFirstProblem(secs)
	f := addTaskForm{Sections: secs}
	if zone != nil {
		f.Zone = zone.String()
	}
	return f
}

// detailAddTask adds the task the campaign page's form describes. A due time
// that cannot be read is refused here; the API checks the rest.
func (a *App) detailAddTask(w http.ResponseWriter, r *http.Request, s *session) {
	v := r.PostForm
	p := formProblems{}
	team := domain.Team(text(v, "team"))
	body := struct {
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
		Team        string `json:"team"`
		Role        string `json:"role"`
		Assignee    string `json:"assignee,omitempty"`
		DueAt       string `json:"due_at"`
	}{
		Title: text(v, "title"), Description: text(v, "description"), Team: string(team), Role: string(teamRoles[team]),
		Assignee: text(v, "assignee"), DueAt: p.zonedTime(v, "due_at", cmp.Or(zoneOf(v.Get(tzField)), time.UTC)),
	}
	if len(p) > 0 {
		a.showCampaign(w, r, s, http.StatusUnprocessableEntity, &detailAttempt{
			Form: "task", Problem: "Check the form: " + p["due_at"] + ".", Fields: p, Values: v,
		})
		return
	}
	// The role goes with the team: a problem with it is one with the team chosen.
	fields := func(f map[string]string) map[string]string {
		if msg := f["role"]; msg != "" {
			f["team"] = strings.TrimPrefix(f["team"]+"; "+msg, "; ")
			delete(f, "role")
		}
		return f
	}
	// A task given to someone over capacity is added, with a warning that
	// names who in the team has room: said with the notice.
	var answer struct {
		Warnings []capacityWarning `json:"warnings"`
	}
	notice := func() string {
		msg := "Task added: " + body.Title
		if len(answer.Warnings) == 0 {
			return msg
		}
		wd, err := a.words(r, s)
		if err != nil {
			// The task is added: the warning is said with handles.
			return msg + ". " + answer.Warnings[0].Message
		}
		for _, warn := range answer.Warnings {
			msg += ". " + capacityNotice(warn, wd.Name)
		}
		return msg
	}
	a.detailCommandAnswer(w, r, s, "task", campaignPath(r), "/tasks", body, &answer, fields, notice, a.showCampaign)
}
