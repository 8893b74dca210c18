package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	Hours    string           // the time it took, as typed in that attempt
	Due      moment
	// Title and Description are the task's, in the reader's words (names, not
	// IDs; times in their zone).
	Title, Description string
	// Answer is the task's form as inputs (taskforms.go), for a viewer who may
	// decide a task that takes data.
	Answer []section
	// Zone is the time zone the answer's times were typed in, once known.
	Zone string
	CSRF string // the session's form token
	Back string // the page the form returns to
	// AssigneeName names the assignee, from the directory.
	AssigneeName string
	// Reassign is the form that gives the task to someone else, for a viewer
	// the rule lets reassign it; nil for others.
	Reassign *reassignForm
	// Estimate is the form that changes the task's estimate, for a viewer
	// the rule lets plan it (the process's managers, admins); nil for others.
	Estimate *estimateForm
	W        *words
}

// ProcessWords names the kind of process the task is of: "Campaign",
// "Hiring". A template's task says nothing here: "Template" is not what the
// process is called, and its title already quotes the run's.
func (t taskView) ProcessWords() string {
	if t.Process == domain.ProcessTemplate {
		return ""
	}
	return label(t.Process)
}

// reassignForm gives a task to someone else: a person who could complete it,
// and why. After a refusal it is drawn open, with what was typed.
type reassignForm struct {
	Assignee      input // the person picker: only people who could complete the task
	Reason        string
	ReasonProblem string
	Problem       string
	Open          bool
}

type myWorkData struct {
	Mine taskList
	Team taskList // the team's open tasks not assigned to the viewer
	// Roles are the open tasks of a queue of one of the viewer's roles that
	// no team holds (a template's task for "a marketing ops manager"), which
	// neither list above has.
	Roles taskList
}

// taskList is one list of my work, a page of it drawn: soonest due first, so
// the overdue ones lead, with how many the whole list holds, so a page of
// myWorkPage never reads as all there is.
type taskList struct {
	Tasks []taskView // the page drawn
	// Total is how many open tasks the list holds, Overdue how many of them
	// are overdue; AtMost says it holds more than were counted (the API's
	// domain.MaxTaskCount, or maxTasks of a role's queue), so Total is a floor.
	Total, Overdue int
	AtMost         bool
	// From is the place of the first task drawn (1-based), To of the last.
	From, To int
	// Next and Prev are the links to the list's next and previous page,
	// the other lists staying where they are; "" when there is none.
	Next, Prev string
}

// maxTasks bounds how many tasks of a role's queue my work reads, to sort them
// by due time and count them; past this, the page says "more than".
const maxTasks = 1000

// myWorkPage is how many tasks each list of my work draws at a time, each
// with its forms: drawing every open task of a busy person (hundreds, each
// with its decision, reassign and estimate forms) made the page megabytes.
const myWorkPage = 25

// myWorkLists are the query parameters naming where each list's page starts.
var myWorkLists = [...]string{"mine", "queue", "roles"}

func (a *App) myWork(w http.ResponseWriter, r *http.Request, s *session) {
	a.renderMyWork(w, r, s, http.StatusOK, r.URL.Query(), nil)
}

// renderMyWork draws my work, each list from where q says it starts; after a
// refused decision, attempt carries the task and what was sent, so the card
// shows why next to the form.
func (a *App) renderMyWork(w http.ResponseWriter, r *http.Request, s *session, status int, q url.Values, attempt *taskAttempt) {
	// The pages' offsets, each kept in the links and the forms' way back.
	from := map[string]int{}
	keep := url.Values{}
	for _, k := range myWorkLists {
		if n, err := strconv.Atoi(q.Get(k)); err == nil && n > 0 {
			from[k] = n
			keep.Set(k, strconv.Itoa(n))
		}
	}
	back := "/"
	if len(keep) > 0 {
		back += "?" + keep.Encode()
	}
	// Mine and the team's are read soonest due first from the API, only as
	// far as the page drawn, with their counts: a busy team's list is
	// thousands of tasks, and reading them all to sort and count them was
	// most of the page's time.
	now := a.now()
	mine, nMine, err := a.dueTasks(r, s, url.Values{"assignee": {"me"}, "status": {"open"}}, nil, from["mine"])
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var team []domain.Task
	var nTeam domain.TaskCounts
	if s.me.Team != "" {
		// The team's list leaves out the viewer's own tasks, listed as mine:
		// skipped as they come, and taken off its counts.
		mineOnly := func(t domain.Task) bool { return t.Assignee == s.me.Handle }
		team, nTeam, err = a.dueTasks(r, s, url.Values{"team": {string(s.me.Team)}, "status": {"open"}}, mineOnly, from["queue"])
		var held domain.TaskCounts // the viewer's open tasks of the team
		switch {
		case err != nil:
		case !nMine.More && len(mine) >= nMine.Total: // all of mine read: counted here
			for _, t := range mine {
				if t.Team == s.me.Team {
					held.Total++
					if !t.DueAt.IsZero() && t.DueAt.Before(now) {
						held.Overdue++
					}
				}
			}
		default:
			held, err = a.taskCounts(r, s, url.Values{"assignee": {"me"}, "team": {string(s.me.Team)}, "status": {"open"}})
		}
		nTeam.Total, nTeam.Overdue = max(nTeam.Total-held.Total, 0), max(nTeam.Overdue-held.Overdue, 0)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
	}
	roles, moreRoles, err := a.roleQueues(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	slices.SortStableFunc(roles, byDue)
	nRoles := domain.TaskCounts{Total: len(roles), More: moreRoles}
	for _, t := range roles {
		if !t.DueAt.IsZero() && t.DueAt.Before(now) {
			nRoles.Overdue++
		}
	}
	pages := map[string][]domain.Task{}
	d := myWorkData{}
	for _, l := range []struct {
		key   string
		tasks []domain.Task // the list soonest due first, at least up to the page drawn
		n     domain.TaskCounts
		out   *taskList
	}{{"mine", mine, nMine, &d.Mine}, {"queue", team, nTeam, &d.Team}, {"roles", roles, nRoles, &d.Roles}} {
		start := min(from[l.key], max(len(l.tasks)-1, 0))
		start -= start % myWorkPage
		end := min(start+myWorkPage, len(l.tasks))
		*l.out = taskList{Total: max(l.n.Total, end), Overdue: l.n.Overdue, AtMost: l.n.More, From: start + 1, To: end}
		if end < l.out.Total {
			l.out.Next = myWorkLink(keep, l.key, end)
		}
		if start > 0 {
			l.out.Prev = myWorkLink(keep, l.key, start-myWorkPage)
		}
		pages[l.key] = l.tasks[start:end]
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.lookup(r, s, wd, taskTexts(slices.Concat(pages["mine"], pages["queue"], pages["roles"]))...) // the pages' IDs in one lookup
	if d.Mine.Tasks, err = a.taskViews(r, s, back, pages["mine"], nil, attempt); err == nil {
		d.Team.Tasks, err = a.taskViews(r, s, back, pages["queue"], nil, attempt)
	}
	if err == nil {
		d.Roles.Tasks, err = a.taskViews(r, s, back, pages["roles"], nil, attempt)
	}
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := view{Session: s, Title: "My work", Nav: "work", Poll: true, Data: d}
	v.Notice, v.Problem = a.takeFlash(w, r)
	if attempt != nil {
		v.Problem = attempt.Problem
	}
	a.render(w, r, status, "mywork", v)
}

// dueTasks reads the tasks query selects, soonest due first, as far as the
// page of my work starting at from (skip's tasks left out), and the list's
// counts (skip's tasks in them): one call of the API when from is 0 and
// nothing is skipped. from is bounded by what the counts count, so a made-up
// offset cannot make the page read a list whole.
func (a *App) dueTasks(r *http.Request, s *session, query url.Values, skip func(domain.Task) bool, from int) ([]domain.Task, domain.TaskCounts, error) {
	q := url.Values{"order": {"due"}, "counts": {"true"}}
	for k, v := range query {
		q[k] = v
	}
	want := min(from, domain.MaxTaskCount-1) + myWorkPage
	var tasks []domain.Task
	var n domain.TaskCounts
	for {
		q.Set("limit", strconv.Itoa(min(want-len(tasks), domain.MaxLimit)))
		var p struct {
			Items      []domain.Task      `json:"items"`
			NextCursor string             `json:"next_cursor"`
			Counts     *domain.TaskCounts `json:"counts"`
		}
		if err := a.api.call(r, s.auth, http.MethodGet, "/tasks", q, nil, &p); err != nil {
			return nil, n, err
		}
		if p.Counts != nil {
			n = *p.Counts
		}
		q.Del("counts") // the first page's answer has them
		for _, t := range p.Items {
			if skip == nil || !skip(t) {
				tasks = append(tasks, t)
			}
		}
		if len(tasks) >= want || p.NextCursor == "" {
			return tasks, n, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

// taskCounts are the counts of the tasks query selects, read with one task.
func (a *App) taskCounts(r *http.Request, s *session, query url.Values) (domain.TaskCounts, error) {
	q := url.Values{"counts": {"true"}, "limit": {"1"}}
	for k, v := range query {
		q[k] = v
	}
	var p struct {
		Counts domain.TaskCounts `json:"counts"`
	}
	err := a.api.call(r, s.auth, http.MethodGet, "/tasks", q, nil, &p)
	return p.Counts, err
}

// myWorkLink is my work with list key's page starting at from, the other
// lists' pages as in keep, scrolled to that list.
func myWorkLink(keep url.Values, key string, from int) string {
	q := url.Values{}
	for k, v := range keep {
		q[k] = v
	}
	q.Del(key)
	if from > 0 {
		q.Set(key, strconv.Itoa(from))
	}
	link := "/"
	if len(q) > 0 {
		link += "?" + q.Encode()
	}
	return link + "#" + map[string]string{"mine": "mine", "queue": "team", "roles": "roles"}[key]
}

// byDue orders tasks soonest due first, those without a due time last.
func byDue(x, y domain.Task) int {
	if x.DueAt.IsZero() != y.DueAt.IsZero() {
		if x.DueAt.IsZero() {
			return 1
		}
		return -1
	}
	return x.DueAt.Compare(y.DueAt)
}

// roleQueues are the open tasks no team and nobody holds, in the queue of
// one of the viewer's roles: a template may give a task to "an analyst"
// without naming a team, and such a task is on nobody's list of a team.
func (a *App) roleQueues(r *http.Request, s *session) ([]domain.Task, bool, error) {
	var out []domain.Task
	more := false
	for _, role := range s.me.Roles {
		// unheld: only the queue's own tasks; a role's open tasks held by a
		// team are thousands at scale, all in the teams' lists already.
		tasks, m, err := list[domain.Task](a.api, r, s.auth, "/tasks", url.Values{"role": {string(role)}, "status": {"open"}, "unheld": {"true"}}, maxTasks)
		if err != nil {
			return nil, false, err
		}
		more = more || m
		for _, t := range tasks {
			if !slices.ContainsFunc(out, func(o domain.Task) bool { return o.ID == t.ID }) {
				out = append(out, t)
			}
		}
	}
	return out, more, nil
}

// taskViews orders tasks by due time and works out, with the same rules the
// API applies, which the viewer may decide and which reassign; those with a
// form get its inputs. The API checks again on submit. managers are the
// managers of the tasks' process when the page knows it (a process's page),
// nil when the tasks are of many (my work): reassigning is then offered to the
// assignee and admins alone. attempt, when set, is a refused answer to one of
// them, drawn again as it was sent.
func (a *App) taskViews(r *http.Request, s *session, back string, tasks []domain.Task, managers []string, attempt *taskAttempt) ([]taskView, error) {
	slices.SortStableFunc(tasks, byDue)
	me := domain.ActorOf(s.me)
	roles := []domain.Role{""} // the person pickers' filters; everyone, for names and reassigning
	for _, t := range tasks {
		if t.Form != nil && t.CheckEligible(me) == nil {
			for _, f := range t.Form.Fields {
				if f.Type == domain.FieldPerson && !slices.Contains(roles, f.Role) {
					roles = append(roles, f.Role)
				}
			}
		}
	}
	d, err := a.people(r, s, roles)
	if err != nil {
		return nil, err
	}
	w, err := a.words(r, s)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		w.know(domain.NamedID{ID: t.ID, Kind: domain.NameTask, Name: t.Title})
	}
	a.lookup(r, s, w, taskTexts(tasks)...)
	answered := attempt // a refused answer, drawn on its task's form
	if attempt != nil && (attempt.Reassign || attempt.Estimate) {
		answered = nil
	}
	// Who could complete a task depends on its status, kind, role and team
	// alone once its assignee and requester are left out: the reassign
	// pickers of tasks alike share one pass over the directory (my work holds
	// hundreds of tasks of a few kinds; a pass per task was most of its time),
	// and each picker checks the few people that pass leaves again, whole.
	type alike struct {
		status domain.TaskStatus
		kind   domain.TaskKind
		role   domain.Role
		team   domain.Team
	}
	could := map[alike][]domain.Person{}
	out := make([]taskView, 0, len(tasks))
	for _, t := range tasks {
		tv := taskView{Task: t, Link: processLink(t.Process, t.ProcessID), Due: w.Due(t.DueAt), CSRF: s.csrf, Back: back, W: w,
			Title: w.Text(t.Title), Description: sentenceOf(w.Text(t.Description))}
		if t.Assignee != "" {
			tv.AssigneeName = w.Name(t.Assignee)
		}
		if domain.CheckReassign(t, managers, me) == nil {
			k := alike{t.Status, t.Kind, t.Role, t.Team}
			people, ok := could[k]
			if !ok {
				people = couldComplete(t, d)
				could[k] = people
			}
			tv.Reassign = reassignFor(t, people, d.morePeople, attempt)
		}
		if domain.CheckEstimate(t, managers, me) == nil {
			tv.Estimate = estimateFor(t, attempt)
		}
		if err := t.CheckEligible(me); err != nil {
			// Said on the task's own card: "this task", not its title again.
			tv.Why = sentence(strings.TrimSuffix(w.Text(strings.ReplaceAll(domain.Message(err), "task "+t.ID, "this task")), "."))
			out = append(out, tv)
			continue
		}
		tv.Outcomes = outcomes(t.Kind)
		// Times are in the zone the browser named, once it has (else UTC,
		// for the script to name it); after a refusal, in the one they were
		// typed in.
		vals, fields, zone := url.Values(nil), map[string]string(nil), s.zone
		if answered != nil && answered.ID == t.ID {
			tv.Problem, tv.Comment, tv.Zone, tv.Hours = answered.Problem, answered.Comment, answered.Zone, answered.Hours
			vals, fields, zone = answered.Values, answered.Fields, zoneOf(answered.Zone)
		} else if zone != nil {
			tv.Zone = zone.String()
		}
		if t.Form != nil {
			if vals == nil {
				vals = formDefaults(t.Form, zone)
			}
			tv.Answer = drawAnswer(t, vals, fields, zone, d, a.now())
			focusFirstProblem(tv.Answer)
		}
		out = append(out, tv)
	}
	return out, nil
}

// knowTask tells the page's words what task t is called, so a refusal that
// names it by ID reads its title.
func (a *App) knowTask(r *http.Request, s *session, t domain.Task) {
	if wd, err := a.words(r, s); err == nil {
		wd.know(domain.NamedID{ID: t.ID, Kind: domain.NameTask, Name: t.Title})
	}
}

// taskTexts are the texts of tasks a page shows, whose IDs it names.
func taskTexts(tasks []domain.Task) []string {
	out := make([]string, 0, 2*len(tasks))
	for _, t := range tasks {
		out = append(out, t.Title, t.Description)
	}
	return out
}

// reassignFor is task t's reassign form: a picker of the people who could
// complete it (the API's check of a new assignee: the task's role, in its
// team where the role is team-bound, not the person who raised what it
// approves), the assignee left out, found among could (couldComplete). attempt, when it is a refused reassignment of t, fills
// it in as it was sent.
func reassignFor(t domain.Task, could []domain.Person, morePeople map[domain.Role]bool, attempt *taskAttempt) *reassignForm {
	f := &reassignForm{}
	value := ""
	if attempt != nil && attempt.ID == t.ID && attempt.Reassign {
		f.Open, f.Problem, f.Reason, value = true, attempt.Problem, attempt.Comment, attempt.Assignee
		f.ReasonProblem = attempt.Fields["reason"]
	}
	unassigned := t
	unassigned.Assignee = ""
	eligible := directory{people: map[domain.Role][]domain.Person{}, morePeople: morePeople}
	for _, p := range could {
		if p.Handle != t.Assignee && unassigned.CheckEligible(domain.ActorOf(p)) == nil {
			eligible.people[""] = append(eligible.people[""], p)
		}
	}
	f.Assignee = personPicker("assignee", "New assignee", "Only people who could complete the task are listed.", eligible, "", value)
	f.Assignee.Scope = "reassign-" + t.ID
	if attempt != nil && attempt.ID == t.ID && attempt.Reassign {
		f.Assignee.Problem = attempt.Fields["assignee"]
	}
	return f
}

// couldComplete are the people of the directory who could complete t were
// it unassigned and raised by nobody: those who may complete it are among
// them (a requester may not approve what they raised, and is only left out).
func couldComplete(t domain.Task, d directory) []domain.Person {
	unassigned := t
	unassigned.Assignee, unassigned.RequestedBy = "", ""
	var out []domain.Person
	for _, p := range d.people[""] {
		if unassigned.CheckEligible(domain.ActorOf(p)) == nil {
			out = append(out, p)
		}
	}
	return out
}

// reassignTask gives a task to someone else from its card. Success goes back
// where the form was, with a notice naming the new assignee; a refusal is drawn
// on the card's reassign form (a field to fix), or said on the page.
func (a *App) reassignTask(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	body := map[string]string{"assignee": strings.TrimSpace(r.PostFormValue("assignee")), "reason": strings.TrimSpace(r.PostFormValue("reason"))}
	back := cmp.Or(localPath(r.PostFormValue("back")), "/")
	var t domain.Task
	if err := a.api.call(r, s.auth, http.MethodGet, "/tasks/"+url.PathEscape(id), nil, nil, &t); err != nil {
		a.fail(w, r, s, err)
		return
	}
	attempt := &taskAttempt{ID: id, Reassign: true, Assignee: body["assignee"], Comment: body["reason"], Zone: r.PostFormValue(tzField)}
	// A reassignment to someone over capacity is done, with a warning that
	// names who in the team has room: said with the notice.
	var answer struct {
		Warnings []capacityWarning `json:"warnings"`
	}
	err := a.command(r, s, "/tasks/"+url.PathEscape(id)+"/reassign", body, &answer)
	if err == nil {
		wd, err := a.words(r, s)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		a.lookup(r, s, wd, t.Title)
		notice := "Reassigned to " + wd.Name(body["assignee"]) + ": " + wd.Text(t.Title)
		for _, warn := range answer.Warnings {
			notice += ". " + capacityNotice(warn, wd.Name)
		}
		a.setNotice(w, notice)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	a.taskNotDone(w, r, s, t, back, err, attempt, "You may not reassign this task")
}

// taskNotDone answers a command on task t from the page at back that did not
// go through: sent and pending, failed (an error page), or refused, which is
// drawn next to the task with what was typed; forbidden begins the words a
// 403 is said in.
func (a *App) taskNotDone(w http.ResponseWriter, r *http.Request, s *session, t domain.Task, back string, err error, attempt *taskAttempt, forbidden string) {
	if p, ok := asPending(err); ok {
		a.sent(w, r, p, back)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	a.knowTask(r, s, t)
	attempt.Problem, attempt.Fields = a.say(r, s, refusal(ae)), fieldProblems(ae)
	switch {
	case keyReused(ae):
		attempt.Problem = reusedKeyProblem
	case ae.Status == http.StatusForbidden:
		attempt.Problem = a.say(r, s, forbidden+": "+ae.Message+".")
	}
	a.redrawTask(w, r, s, t, back, ae.Status, attempt)
}

// actualHours reads the time a task took as typed on its card: nil when
// left blank, else a number of hours within the API's bounds, or a problem.
func actualHours(v string) (*float64, string) {
	if v == "" {
		return nil, ""
	}
	h, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil || h <= 0 || h > domain.MaxTaskHours {
		return nil, fmt.Sprintf("the time it took must be a number of hours, more than 0 and at most %g.", domain.MaxTaskHours)
	}
	return &h, ""
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
	case domain.ProcessTemplate:
		return runPath(id)
	}
	return ""
}

// completeTask decides a task from its card. A task with a form has its
// answer read from the inputs and checked against the form first: a problem
// there sends nothing. Success goes back where the form was, with a notice; a
// refusal is drawn again on the page the form came from (my work, or the
// process's page), with its problems next to the inputs and what was typed kept.
func (a *App) completeTask(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	c := domain.Completion{Outcome: domain.Outcome(r.PostFormValue("outcome")), Comment: strings.TrimSpace(r.PostFormValue("comment"))}
	back := cmp.Or(localPath(r.PostFormValue("back")), "/")
	var t domain.Task
	if err := a.api.call(r, s.auth, http.MethodGet, "/tasks/"+url.PathEscape(id), nil, nil, &t); err != nil {
		a.fail(w, r, s, err)
		return
	}
	attempt := &taskAttempt{ID: id, Comment: c.Comment, Values: answerValues(r.PostForm), Zone: r.PostFormValue(tzField)}
	attempt.Hours = strings.TrimSpace(r.PostFormValue("actual_hours"))
	hours, problem := actualHours(attempt.Hours)
	if problem != "" {
		attempt.Problem = "Nothing was sent: " + problem
		a.redrawTask(w, r, s, t, back, http.StatusUnprocessableEntity, attempt)
		return
	}
	c.ActualHours = hours
	var rows map[string][]int
	if t.Form != nil {
		var problems map[string]string
		c.Data, rows, problems = checkAnswer(t.Form, r.PostForm, zoneOf(attempt.Zone), a.now())
		if len(problems) > 0 {
			attempt.Problem, attempt.Fields = "Nothing was sent: check the fields marked below.", problems
			a.redrawTask(w, r, s, t, back, http.StatusUnprocessableEntity, attempt)
			return
		}
	}
	var done domain.Task
	err := a.command(r, s, "/tasks/"+url.PathEscape(id)+"/complete", c, &done)
	if err == nil {
		wd, err := a.words(r, s)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		a.lookup(r, s, wd, done.Title)
		a.setNotice(w, label(c.Outcome)+": "+wd.Text(done.Title))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if p, ok := asPending(err); ok {
		a.sent(w, r, p, back)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	a.knowTask(r, s, t)
	attempt.Problem = a.say(r, s, decisionRefusal(ae))
	if keyReused(ae) {
		attempt.Problem = reusedKeyProblem
	}
	if t.Form != nil {
		attempt.Fields = map[string]string{}
		for field, problem := range fieldProblems(ae) {
			if name := inputOf(field, t.Form, rows); strings.HasPrefix(name, dataPrefix) {
				attempt.Fields[name] = problem
			}
		}
	}
	a.redrawTask(w, r, s, t, back, ae.Status, attempt)
}

// redrawTask draws the page a task's form came from with a refused attempt: my
// work, or, for an answer to fix (422), the page of the task's process, with
// what was typed. Any other refusal is a notice on the page the form came from,
// drawn afresh.
func (a *App) redrawTask(w http.ResponseWriter, r *http.Request, s *session, t domain.Task, back string, status int, attempt *taskAttempt) {
	if u, err := url.Parse(back); err == nil && u.Path == "/" {
		a.renderMyWork(w, r, s, status, u.Query(), attempt)
		return
	}
	show := map[domain.Process]showFunc{domain.ProcessCampaign: a.showCampaign, domain.ProcessHiring: a.showHiring, domain.ProcessRisk: a.showRisk,
		domain.ProcessTemplate: a.showRun}[t.Process]
	if show == nil || back != processLink(t.Process, t.ProcessID) || status != http.StatusUnprocessableEntity {
		a.setProblem(w, attempt.Problem)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	r.SetPathValue("id", t.ProcessID)
	show(w, r, s, status, &detailAttempt{Form: "task", Problem: attempt.Problem, Task: attempt})
}

// decisionRefusal says in words why a decision was refused: the cases people meet
// are not being eligible, the task being done already, a missing comment, and
// fields of the answer to fix.
func decisionRefusal(e *apiError) string {
	switch {
	case e.Status == http.StatusForbidden:
		return "You are not eligible to decide this task: " + e.Message + "."
	case e.Status == http.StatusConflict:
		return "This task is already done or closed: " + e.Message + ". The list below is up to date."
	case e.field("comment") != "":
		return "A comment is required: " + e.field("comment") + "."
	case slices.ContainsFunc(e.Details, func(p domain.FieldProblem) bool { return strings.HasPrefix(p.Field, dataPrefix) }):
		return "Nothing was recorded: check the fields marked below."
	}
	return refusal(e)
}

// focusFirstProblem gives the focus to the first input with a problem.
func focusFirstProblem(secs []section) {
	for i := range secs {
		for j := range secs[i].Inputs {
			if secs[i].Inputs[j].Problem != "" {
				secs[i].Inputs[j].Autofocus = true
				return
			}
		}
	}
}
