package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// taskView is a task as a card with its inline decision form.
type taskView struct {
	domain.Task
	Link     string           // the process the task belongs to
	Outcomes []domain.Outcome // the buttons, empty when the viewer may not decide it
	Why      string           // why the viewer may not decide it, in words
	Problem  string           // why the viewer's last attempt was refused
	Comment  string           // the comment of that attempt, kept for another try
	Due      due
	// Respond asks for a risk response with the decision: an acknowledgement
	// records what will be done about the risk, by when.
	Respond   bool
	Responses []domain.Response
	CSRF      string // the session's form token
	Back      string // the page the form returns to
}

type myWorkData struct {
	Mine []taskView
	Team []taskView // the team's open tasks not assigned to the viewer
	// MoreMine and MoreTeam say a list was cut at maxTasks.
	MoreMine, MoreTeam bool
}

// maxTasks bounds each list on my work: past this, the page says so.
const maxTasks = 400

func (a *App) myWork(w http.ResponseWriter, r *http.Request, s *session) {
	a.renderMyWork(w, r, s, http.StatusOK, nil)
}

// renderMyWork draws my work; after a refused decision, attempt carries the task
// and comment so the card shows why next to the form.
func (a *App) renderMyWork(w http.ResponseWriter, r *http.Request, s *session, status int, attempt *taskView) {
	mine, moreMine, err := list[domain.Task](a.api, r, s.token, "/tasks", url.Values{"assignee": {"me"}, "status": {"open"}}, maxTasks)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var team []domain.Task
	var moreTeam bool
	if s.me.Team != "" {
		team, moreTeam, err = list[domain.Task](a.api, r, s.token, "/tasks", url.Values{"team": {string(s.me.Team)}, "status": {"open"}}, maxTasks)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		team = slices.DeleteFunc(team, func(t domain.Task) bool { return t.Assignee == s.me.Handle })
	}
	d := myWorkData{Mine: a.taskViews(s, "/", mine, attempt), Team: a.taskViews(s, "/", team, attempt), MoreMine: moreMine, MoreTeam: moreTeam}
	v := view{Session: s, Title: "My work", Nav: "work", Poll: true, Data: d}
	v.Notice, v.Problem = a.takeFlash(w, r)
	if attempt != nil {
		v.Problem = attempt.Problem
	}
	a.render(w, r, status, "mywork", v)
}

// taskViews orders tasks by due time and works out, with the same rule the API
// applies, which the viewer may decide. The API checks again on submit.
func (a *App) taskViews(s *session, back string, tasks []domain.Task, attempt *taskView) []taskView {
	slices.SortStableFunc(tasks, func(x, y domain.Task) int { return x.DueAt.Compare(y.DueAt) })
	out := make([]taskView, 0, len(tasks))
	for _, t := range tasks {
		tv := taskView{Task: t, Link: processLink(t.Process, t.ProcessID), Due: dueOf(t.DueAt, a.now()), CSRF: s.csrf, Back: back}
		if err := t.CheckEligible(domain.ActorOf(s.me)); err != nil {
			tv.Why = domain.Message(err)
		} else {
			tv.Outcomes = outcomes(t.Kind)
			if t.Process == domain.ProcessRisk && t.Kind == domain.KindAcknowledge {
				tv.Respond, tv.Responses = true, domain.Responses
			}
		}
		if attempt != nil && attempt.ID == t.ID {
			tv.Problem, tv.Comment = attempt.Problem, attempt.Comment
		}
		out = append(out, tv)
	}
	return out
}

// outcomes are the answers a task of kind takes, in the order the buttons show.
func outcomes(k domain.TaskKind) []domain.Outcome {
	if k == domain.KindApproval {
		return []domain.Outcome{domain.OutcomeApproved, domain.OutcomeChangesRequested, domain.OutcomeRejected}
	}
	return []domain.Outcome{domain.OutcomeDone}
}

// processLink is the page of the process a task or risk belongs to.
func processLink(p domain.Process, id string) string {
	switch p {
	case domain.ProcessCampaign:
		return "/campaigns/" + url.PathEscape(id)
	case domain.ProcessHiring:
		return "/hiring-requests/" + url.PathEscape(id)
	case domain.ProcessRisk:
		return "/risks/" + url.PathEscape(id)
	}
	return ""
}

// completeTask decides a task from its card. Success goes back where the form
// was, with a notice; a refusal on my work is shown on the card with the comment
// kept, and elsewhere as a notice on the page the form came from.
func (a *App) completeTask(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	c := domain.Completion{Outcome: domain.Outcome(r.PostFormValue("outcome")), Comment: strings.TrimSpace(r.PostFormValue("comment"))}
	if r.PostFormValue("respond") != "" {
		c.Data = responseData(r)
	}
	back := cmp.Or(localPath(r.PostFormValue("back")), "/")
	var t domain.Task
	err := a.api.call(r, s.token, http.MethodPost, "/tasks/"+url.PathEscape(id)+"/complete", nil, c, &t)
	if err == nil {
		a.setNotice(w, label(c.Outcome)+": "+t.Title)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	problem := decisionRefusal(ae)
	if back != "/" {
		a.setProblem(w, problem)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	a.renderMyWork(w, r, s, ae.Status, &taskView{Task: domain.Task{ID: id}, Problem: problem, Comment: c.Comment})
}

// decisionRefusal says in words why a decision was refused: the cases people meet
// are not being eligible, the task being done already, and a missing comment.
func decisionRefusal(e *apiError) string {
	switch {
	case e.Status == http.StatusForbidden:
		return "You are not eligible to decide this task: " + e.Message + "."
	case e.Status == http.StatusConflict:
		return "This task is already done or closed: " + e.Message + ". The list below is up to date."
	case e.field("comment") != "":
		return "A comment is required: " + e.field("comment") + "."
	}
	return refusal(e)
}

// responseData is a risk acknowledgement's answer: the response, the plan and
// when it is due. The date input has no zone: it is read as UTC, as its label
// says; what cannot be read goes to the API as typed, which says what is wrong.
func responseData(r *http.Request) map[string]any {
	due := r.PostFormValue("plan_due")
	if t, err := time.Parse("2006-01-02T15:04", due); err == nil {
		due = t.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"response": r.PostFormValue("response"),
		"plan":     strings.TrimSpace(r.PostFormValue("plan")),
		"due_at":   due,
	}
}
