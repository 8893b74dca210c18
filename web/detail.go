package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The detail pages: one campaign, hiring request or risk, with its stage
// progress, whom it waits on, its tasks, timeline and links, and the actions the
// viewer may take. Which actions to offer is decided with the domain's permission
// rules, the same the API and the workflows enforce; the API checks again when a
// form is sent, and its refusal is shown next to that form.

func (a *App) detailRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /campaigns/{id}", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showCampaign(w, r, s, http.StatusOK, nil)
	}))
	m.HandleFunc("POST /campaigns/{id}/changes", a.authed(a.detailChangeCampaign))
	m.HandleFunc("POST /campaigns/{id}/kpis", a.authed(a.detailRecordKPIs))
	m.HandleFunc("POST /campaigns/{id}/cancel", a.authed(a.detailCancelCampaign))
	m.HandleFunc("POST /campaigns/{id}/tasks", a.authed(a.detailAddTask))

	m.HandleFunc("GET /hiring-requests/{id}", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showHiring(w, r, s, http.StatusOK, nil)
	}))
	m.HandleFunc("POST /hiring-requests/{id}/cancel", a.authed(a.detailCancelHiring))
	m.HandleFunc("POST /hiring-requests/{id}/candidates", a.authed(a.detailAddCandidate))

	m.HandleFunc("GET /risks/{id}", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showRisk(w, r, s, http.StatusOK, nil)
	}))
	m.HandleFunc("POST /risks/{id}/assessments", a.authed(a.detailAssessRisk))
	m.HandleFunc("POST /risks/{id}/decisions", a.authed(a.detailDecideRisk))
}

// The API's detail bodies, as the board reads them: the record, and beside it
// its tasks, whom it waits on, the link to the run and whether it is the
// workflow's own view or the records'. The board is a client of the API: it
// reads the API's answers, never the workflows' contract, and links no
// Temporal code (deps_test.go).
type (
	campaignBody struct {
		domain.Campaign
		detailPart
	}
	hiringBody struct {
		domain.HiringRequest
		detailPart
	}
	riskBody struct {
		domain.Risk
		detailPart
	}
	detailPart struct {
		Tasks []domain.Task `json:"tasks"`
		// Waiting is whom the process waits on (a campaign's WaitingOn
		// method reckons it from the record; this is the API's answer).
		Waiting       []domain.WaitingOn `json:"waiting_on"`
		TasksOmitted  int                `json:"tasks_omitted,omitempty"`
		TemporalUIURL string             `json:"temporal_ui_url,omitempty"`
		Live          bool               `json:"live"`
	}
)

// detailAttempt is a refused form: which one, why, and what the person typed.
// A refused answer to one of the page's tasks is Task, drawn on its card.
type detailAttempt struct {
	Form    string
	Problem string
	Fields  map[string]string
	Values  url.Values
	Task    *taskAttempt
}

// stageStep is one step of a process's progress.
type stageStep struct {
	Label   string
	State   string // done, current, ended (where it stopped), skipped or todo
	Current bool
	Note    string
}

// StateWords says the step's state for a screen reader.
func (s stageStep) StateWords() string {
	switch s.State {
	case "done":
		return "done"
	case "current":
		return "current stage"
	case "ended":
		return "ended here"
	case "skipped":
		return "skipped"
	}
	return "not reached"
}

// detailCommon is what every detail page shows.
type detailCommon struct {
	Kind        domain.Process
	Path        string // this page, where its forms come back to
	Steps       []stageStep
	Ended       string // how the process ended, when it has
	Waiting     []waitView
	Open        []taskView
	Closed      []closedView
	Timeline    []storyLine
	TemporalURL string
	CSRF        string
	Attempt     *detailAttempt
	// FromRecords says the page shows the records' view: the live detail could
	// not be read, so the latest change may take a moment to show.
	FromRecords bool
	// TasksOmitted counts the oldest finished tasks the detail left out for size.
	TasksOmitted int
	// Refused counts the commands refused on the process, which the API shows
	// those who may audit; HideRefused leaves them out of the timeline (the
	// page's ?refused=hide, a link, so it works without the script).
	Refused     int
	HideRefused bool
	// Conversation is the comments on the process and its tasks; Activity
	// is them with the timeline, in one stream, as the viewer chose.
	Conversation conversationView
	Activity     activity
	W            *words
}

// waitView is one thing a process waits on, in words.
type waitView struct {
	TaskID, RiskID string
	Title          string
	Who            string // a person by name, a team, the roles that may act
	Since          time.Time
	Due            moment
}

// closedView is a finished task as the table lists it.
type closedView struct {
	Title, Comment string
	How            string // "Approved by Maya Ortiz", "Cancelled"
	When           moment
}

// storyLine is one line of a timeline, as a sentence for people.
type storyLine struct {
	At      moment
	Text    string
	Refused bool
	when    time.Time // when it happened, for the activity's order
}

// cancelForm is the cancel action of a campaign or hiring request page: the same
// form, with What naming the process ("the campaign").
type cancelForm struct {
	detailCommon
	What string
}

// RefusedWords counts the refused commands in words: "1 refused command".
func (d detailCommon) RefusedWords() string { return plural(d.Refused, "refused command") }

// CancelForm is the cancel action of this page, for the "detail-cancel" template.
func (d detailCommon) CancelForm(what string) cancelForm { return cancelForm{d, what} }

// Num prints an amount as people write it.
func (detailCommon) Num(v float64) string { return kpiNum(v) }

// Tried reports whether form is the one just refused.
func (d detailCommon) Tried(form string) bool { return d.Attempt != nil && d.Attempt.Form == form }

// Problem is why form was refused, or "".
func (d detailCommon) Problem(form string) string {
	if !d.Tried(form) {
		return ""
	}
	return d.Attempt.Problem
}

// Field is what is wrong with one field of form, or "".
func (d detailCommon) Field(form, name string) string {
	if !d.Tried(form) {
		return ""
	}
	return d.Attempt.Fields[name]
}

// Value is what the person typed into a field of form, kept after a refusal.
func (d detailCommon) Value(form, name string) string {
	if !d.Tried(form) {
		return ""
	}
	return d.Attempt.Values.Get(name)
}

// ValueAt is the i-th value of a repeated field of form.
func (d detailCommon) ValueAt(form, name string, i int) string {
	if !d.Tried(form) || i >= len(d.Attempt.Values[name]) {
		return ""
	}
	return d.Attempt.Values[name][i]
}

// Checked reports whether the person ticked value in a field of form.
func (d detailCommon) Checked(form, name, value string) bool {
	return d.Tried(form) && slices.Contains(d.Attempt.Values[name], value)
}

// detailWords are the words of a process's page: what the page knows its IDs
// stand for (the process itself, its tasks, and what more knows), and one
// lookup for the IDs its texts hold besides (texts).
func (a *App) detailWords(r *http.Request, s *session, self domain.NamedID, tasks []domain.Task, waiting []domain.WaitingOn,
	events []domain.Event, know []domain.NamedID, texts ...string) (*words, error) {
	wd, err := a.words(r, s)
	if err != nil {
		return nil, err
	}
	wd.know(self)
	wd.know(know...)
	for _, t := range tasks {
		wd.know(domain.NamedID{ID: t.ID, Kind: domain.NameTask, Name: t.Title})
	}
	texts = append(texts, taskTexts(tasks)...)
	for _, w := range waiting {
		texts = append(texts, w.Title)
	}
	for _, e := range events {
		texts = append(texts, e.Message)
		if e.Refused != nil {
			texts = append(texts, e.Refused.Object, e.Refused.Reason)
		}
	}
	a.lookup(r, s, wd, texts...)
	return wd, nil
}

// common fills what every detail page shows from a process's tasks, in the
// page's words (detailWords). managers are the process's managers, who may
// reassign its tasks.
func (a *App) common(r *http.Request, s *session, wd *words, path string, tasks []domain.Task, managers []string, waiting []domain.WaitingOn, events []domain.Event, uiURL string, at *detailAttempt) (detailCommon, error) {
	var open, closed []domain.Task
	for _, t := range tasks {
		if t.IsOpen() {
			open = append(open, t)
		} else {
			closed = append(closed, t)
		}
	}
	slices.SortStableFunc(closed, func(x, y domain.Task) int { return completedAt(y).Compare(completedAt(x)) })
	var tried *taskAttempt
	if at != nil {
		tried = at.Task
	}
	views, err := a.taskViews(r, s, path, open, managers, tried)
	d := detailCommon{
		Path: path, Open: views, TemporalURL: uiURL, CSRF: s.csrf, Attempt: at, W: wd,
		HideRefused: r.URL.Query().Get("refused") == "hide",
	}
	for _, w := range waiting {
		if w.Assignee == "" && w.Team == "" && len(w.Roles) == 0 {
			// A queue of a role alone (a template's task for "an analyst"):
			// the task names the role.
			if i := slices.IndexFunc(tasks, func(t domain.Task) bool { return t.ID == w.TaskID }); i >= 0 && tasks[i].Role != "" {
				w.Roles = []domain.Role{tasks[i].Role}
			}
		}
		d.Waiting = append(d.Waiting, waitView{TaskID: w.TaskID, RiskID: w.RiskID, Title: wd.Text(w.Title), Who: sentenceOf(waiter(wd, w)),
			Since: w.Since, Due: wd.Due(w.DueAt)})
	}
	for _, t := range closed {
		how := label(cmp.Or(string(t.Outcome), string(t.Status)))
		if t.CompletedBy != "" {
			how += " by " + wd.Name(t.CompletedBy)
		}
		if t.OnBehalfOf != "" {
			how += " for " + wd.Name(t.OnBehalfOf)
		}
		d.Closed = append(d.Closed, closedView{Title: wd.Text(t.Title), Comment: t.Comment, How: how, When: wd.When(completedAt(t))})
	}
	if err == nil {
		d.Conversation, err = a.conversation(r, s, wd, path, tasks)
	}
	for _, e := range events {
		if e.Kind == domain.EventRefused {
			d.Refused++
			if d.HideRefused {
				continue
			}
		}
		d.Timeline = append(d.Timeline, storyLine{At: wd.When(e.At), Text: story(wd, e, tasks), Refused: e.Kind == domain.EventRefused, when: e.At})
	}
	d.Activity = newActivity(r.URL.Query(), d.Timeline, d.Conversation.Comments)
	return d, err
}

// waiter says who a process waits on: a person by name, a team, anyone
// holding one of some roles, or a risk's owner.
func waiter(wd *words, w domain.WaitingOn) string {
	switch {
	case w.Assignee != "":
		return wd.Name(w.Assignee)
	case w.Team != "":
		return "the " + label(w.Team) + " team"
	case len(w.Roles) > 0:
		return anyOf(w.Roles)
	case w.RiskID != "":
		return "the risk's owner"
	}
	return "anyone eligible"
}

// story is one timeline event as a sentence: what happened in the reader's
// words, or, for a command refused (shown to those who may audit), who tried
// what and why it was refused — "Pat Morgan tried to decide “Review the
// brief” — not allowed: …", never the route.
func story(wd *words, e domain.Event, tasks []domain.Task) string {
	if e.Kind != domain.EventRefused || e.Refused == nil {
		return sentenceOf(wd.Text(e.Message))
	}
	f := e.Refused
	who := "Someone without a valid token"
	if e.Actor != "" {
		who = wd.Name(e.Actor)
	}
	text := who + " tried to " + attempted(wd, f, tasks) + " — " + refusedWhy(f.Status)
	if f.Reason != "" && f.Status < http.StatusInternalServerError {
		text += ": " + strings.TrimSuffix(wd.Text(f.Reason), ".")
	}
	return text + "."
}

// attempted says what a refused command tried, from its route and target.
func attempted(wd *words, f *domain.Refusal, tasks []domain.Task) string {
	_, route, _ := strings.Cut(f.Action, " ")
	route = strings.TrimPrefix(route, "/api/v1")
	task := wd.named1(f.Object, "", true)
	switch route {
	case "/tasks/:id/complete":
		if i := slices.IndexFunc(tasks, func(t domain.Task) bool { return t.ID == f.Object }); i >= 0 && tasks[i].Kind == domain.KindApproval {
			return "decide " + task
		}
		return "complete " + task
	case "/tasks/:id/reassign":
		return "reassign " + task
	case "/campaigns/:id/changes":
		return "change the campaign"
	case "/campaigns/:id/kpis", "/template-runs/:id/kpis":
		return "record KPI actuals"
	case "/campaigns/:id/cancel":
		return "cancel the campaign"
	case "/campaigns/:id/tasks":
		return "add a task to the campaign"
	case "/hiring-requests/:id/candidates":
		return "add a candidate"
	case "/hiring-requests/:id/cancel":
		return "cancel the hiring request"
	case "/risks/:id/assessments":
		return "re-assess the risk"
	case "/risks/:id/resolve":
		return "resolve the risk"
	case "/risks/:id/accept":
		return "accept the risk"
	case "/risks/:id/materialize":
		return "mark the risk as materialized"
	case "/risks/:id/close":
		return "close the issue"
	case "/template-runs/:id/cancel":
		return "cancel the run"
	}
	return "change it"
}

// refusedWhy says a refusal's status in words.
func refusedWhy(status int) string {
	switch {
	case status == http.StatusForbidden:
		return "not allowed"
	case status == http.StatusConflict:
		return "no longer possible"
	case status == http.StatusNotFound:
		return "not found"
	case status == http.StatusTooManyRequests:
		return "too many requests at once"
	case status == http.StatusUnauthorized:
		return "not signed in"
	case status >= http.StatusInternalServerError:
		return "it failed on Tandem's side"
	}
	return "something to fix in what was sent"
}

func completedAt(t domain.Task) time.Time {
	if t.CompletedAt != nil {
		return *t.CompletedAt
	}
	return t.UpdatedAt
}

// load reads a process's detail into body and its timeline, through the API.
func (a *App) load(r *http.Request, s *session, path string, body any) ([]domain.Event, error) {
	if err := a.api.call(r, s.auth, http.MethodGet, path, nil, nil, body); err != nil {
		return nil, err
	}
	var tl struct {
		Items []domain.Event `json:"items"`
	}
	err := a.api.call(r, s.auth, http.MethodGet, path+"/timeline", nil, nil, &tl)
	return tl.Items, err
}

// detailView is the page's view: its flash message, or the refusal of the form
// just sent, which the page shows next to that form.
func (a *App) detailView(w http.ResponseWriter, r *http.Request, s *session, title string, at *detailAttempt, data any) view {
	v := view{Session: s, Title: title, Nav: "board", Poll: true, Data: data}
	if at != nil {
		v.Problem, v.Fields = at.Problem, at.Fields
	} else {
		v.Notice, v.Problem = a.takeFlash(w, r)
	}
	return v
}

// sentence makes a refusal's message, which starts in lower case, a sentence.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// ---- campaign

type campaignPage struct {
	detailCommon
	C     campaignBody
	Chart kpiChart
	// What the viewer may do, and why not when they may not.
	MayChange, MayKPIs, MayCancel bool
	WhyNotManage, WhyNotKPIs      string
	MayAddTask                    bool
	AddTask                       addTaskForm
	Launched                      bool               // too late for change requests
	AddChannels                   []domain.Channel   // the channels it does not use yet
	TimeInStage                   []stageTime        // of the retrospective report
	HeldBy                        *domain.LinkedRisk // the risk holding its launch
}

// LateBy says how much later than planned a campaign launched, or "" when its
// report does not have both times.
func (campaignPage) LateBy(r *domain.Report) string {
	if r == nil || r.PlannedLaunchAt == nil || r.LaunchedAt == nil {
		return ""
	}
	return ago(r.LaunchedAt.Sub(*r.PlannedLaunchAt))
}

type stageTime struct {
	Stage domain.Stage
	Took  string
}

func (a *App) showCampaign(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt) {
	id := r.PathValue("id")
	path := "/campaigns/" + url.PathEscape(id)
	var c campaignBody
	events, err := a.load(r, s, path, &c)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	me := domain.ActorOf(s.me)
	var know []domain.NamedID
	for _, l := range c.Risks {
		know = append(know, domain.NamedID{ID: l.ID, Kind: domain.NameRisk, Name: l.Title})
	}
	var texts []string
	for _, l := range c.Risks {
		texts = append(texts, l.Cause)
	}
	wd, err := a.detailWords(r, s, domain.NamedID{ID: c.ID, Kind: domain.NameCampaign, Name: c.Brief.Name}, c.Tasks, c.Waiting, events, know, texts...)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	common, err := a.common(r, s, wd, path, c.Tasks, c.Managers(), c.Waiting, events, c.TemporalUIURL, at)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := campaignPage{
		detailCommon: common,
		C:            c,
		Chart:        newKPIChart(c.KPIs),
		Launched:     !c.Stage.BeforeLaunch(),
	}
	p.FromRecords, p.TasksOmitted = !c.Live, c.TasksOmitted
	p.Steps, p.Ended = campaignSteps(c.Campaign, a.now())
	if !c.Status.Terminal() {
		manage := domain.CheckManageCampaign(c.Campaign, me, "change or cancel it")
		kpis := domain.CheckRecordKPIs(c.Campaign, me)
		p.MayChange = manage == nil && c.Stage.BeforeLaunch()
		p.MayCancel = manage == nil
		p.MayKPIs = kpis == nil && len(c.Brief.KPIs) > 0
		if manage != nil {
			p.WhyNotManage = sentence(domain.Message(manage))
		}
		if kpis != nil {
			p.WhyNotKPIs = sentence(domain.Message(kpis))
		}
	}
	if domain.CheckAddCampaignTask(c.Campaign, me) == nil {
		d, err := a.people(r, s, []domain.Role{""})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		vals, problems := url.Values{}, map[string]string(nil)
		if s.zone != nil { // its due time in the zone the browser named
			vals.Set(tzField, s.zone.String())
		}
		if p.Tried("task") {
			vals, problems = at.Values, at.Fields
		}
		p.MayAddTask, p.AddTask = true, newAddTaskForm(vals, problems, d, a.now())
	}
	for _, ch := range domain.Channels {
		if !slices.Contains(c.Brief.Channels, ch) {
			p.AddChannels = append(p.AddChannels, ch)
		}
	}
	for i, l := range c.Risks {
		if l.ID == c.HeldBy {
			p.HeldBy = &c.Risks[i]
		}
	}
	if c.Report != nil {
		for _, st := range domain.CampaignStages {
			if d, ok := c.Report.TimeInStage[st]; ok {
				p.TimeInStage = append(p.TimeInStage, stageTime{Stage: st, Took: ago(d.D())})
			}
		}
	}
	title := cmp.Or(c.Brief.Name, id)
	p.Kind = domain.ProcessCampaign
	a.render(w, r, status, "detail", a.detailView(w, r, s, title, at, p))
}

// campaignSteps is a campaign's progress through its stages, with when it
// entered each, and how it ended.
func campaignSteps(c domain.Campaign, now time.Time) ([]stageStep, string) {
	entered := map[domain.Stage]domain.StageSpan{}
	for _, sp := range c.Stages {
		entered[sp.Stage] = sp
	}
	steps := progress(domain.CampaignStages, c.Stage, c.Status, domain.StatusCompleted)
	for i, st := range domain.CampaignStages {
		sp, ok := entered[st]
		switch {
		case !ok:
		case steps[i].Current && !c.Status.Terminal():
			steps[i].Note = "for " + ago(now.Sub(sp.Entered))
		case sp.Left != nil:
			steps[i].Note = "took " + ago(sp.Left.Sub(sp.Entered))
		}
	}
	return steps, ended(c.Status, c.Reason)
}

// progress marks ordered stages against the current one. A process that ended
// in success has done them all; one that ended otherwise stopped at its stage.
func progress(stages []domain.Stage, cur domain.Stage, status, success domain.Status) []stageStep {
	at := slices.Index(stages, cur)
	out := make([]stageStep, len(stages))
	for i, st := range stages {
		out[i] = stageStep{Label: label(st), State: "todo"}
		switch {
		case status == success || i < at:
			out[i].State = "done"
		case i == at && status.Terminal():
			out[i].State, out[i].Current = "ended", true
		case i == at:
			out[i].State, out[i].Current = "current", true
		}
	}
	if status == success && len(out) > 0 {
		out[len(out)-1].Current = true
	}
	return out
}

func ended(status domain.Status, reason string) string {
	if !status.Terminal() {
		return ""
	}
	if reason != "" {
		return label(status) + ": " + reason
	}
	return label(status)
}

// detailChangeCampaign sends a change request: any of a new launch time,
// channels added or removed, a new budget, and the reason, which is required.
func (a *App) detailChangeCampaign(w http.ResponseWriter, r *http.Request, s *session) {
	body := struct {
		LaunchAt       string        `json:"launch_at,omitempty"`
		AddChannels    []string      `json:"add_channels,omitempty"`
		RemoveChannels []string      `json:"remove_channels,omitempty"`
		Budget         *domain.Money `json:"budget,omitempty"`
		Reason         string        `json:"reason"`
	}{
		LaunchAt:    localTime(r.PostFormValue("launch_at"), cmp.Or(zoneOf(r.PostFormValue(tzField)), time.UTC)),
		AddChannels: r.PostForm["add_channels"], RemoveChannels: r.PostForm["remove_channels"],
		Reason: strings.TrimSpace(r.PostFormValue("reason")),
	}
	if v := strings.TrimSpace(r.PostFormValue("budget.amount")); v != "" {
		amount, err := strconv.ParseFloat(v, 64)
		if err != nil {
			a.refuseLocally(w, r, s, "change", a.showCampaign, "budget.amount", "must be a number, such as 25000")
			return
		}
		body.Budget = &domain.Money{Amount: amount, Currency: strings.TrimSpace(r.PostFormValue("budget.currency"))}
	}
	a.detailCommand(w, r, s, "change", campaignPath(r), "/changes", body, nil,
		"Change requested", a.showCampaign)
}

// localTime reads a datetime-local value ("2026-12-01T09:00") typed in loc
// (the zone the form names: the viewer's once the page's script has named it,
// else UTC) as an RFC 3339 time. Anything else goes to the API as typed, which
// says what is wrong with it.
func localTime(v string, loc *time.Location) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return v
}

// detailRecordKPIs records a campaign's KPI actuals.
func (a *App) detailRecordKPIs(w http.ResponseWriter, r *http.Request, s *session) {
	a.recordKPIs(w, r, s, campaignPath(r), a.showCampaign)
}

// recordKPIs records the actuals the person filled in on the page at back
// (each named by the form's kpi_name: a campaign's KPI name, a template's KPI
// key); a KPI left empty is not sent. The API's field details name actuals by
// their place in the request, which is mapped back to the KPI's row of the form.
func (a *App) recordKPIs(w http.ResponseWriter, r *http.Request, s *session, back string, show showFunc) {
	type actual struct {
		Name  string  `json:"name"`
		Value float64 `json:"value"`
	}
	names, values := r.PostForm["kpi_name"], r.PostForm["kpi_value"]
	body := struct {
		Actuals []actual `json:"actuals"`
	}{Actuals: []actual{}}
	var rows []int // the form row of each actual sent
	for i, name := range names {
		if i >= len(values) || strings.TrimSpace(values[i]) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(values[i]), 64)
		if err != nil {
			a.refuseLocally(w, r, s, "kpis", show, "kpi_value_"+strconv.Itoa(i), "must be a number, such as 1250 or 3.5")
			return
		}
		body.Actuals = append(body.Actuals, actual{Name: name, Value: v})
		rows = append(rows, i)
	}
	fields := func(p map[string]string) map[string]string {
		out := map[string]string{}
		for f, msg := range p {
			var j int
			var rest string
			if n, _ := fmt.Sscanf(f, "actuals[%d]%s", &j, &rest); n >= 1 && j >= 0 && j < len(rows) {
				f = "kpi_value_" + strconv.Itoa(rows[j])
			}
			if out[f] != "" {
				msg = out[f] + "; " + msg
			}
			out[f] = msg
		}
		return out
	}
	a.detailCommand(w, r, s, "kpis", back, "/kpis", body, fields, "KPI actuals recorded", show)
}

func campaignPath(r *http.Request) string { return "/campaigns/" + url.PathEscape(r.PathValue("id")) }
func riskPath(r *http.Request) string     { return "/risks/" + url.PathEscape(r.PathValue("id")) }

func (a *App) detailCancelCampaign(w http.ResponseWriter, r *http.Request, s *session) {
	a.detailCommand(w, r, s, "cancel", campaignPath(r), "/cancel",
		map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))}, nil, "Campaign cancelled", a.showCampaign)
}

// ---- hiring request

type hiringPage struct {
	detailCommon
	H         hiringBody
	Risks     []domain.Risk // risks raised about it
	MayCancel bool
	WhyNot    string
	// MayAddCandidate offers the candidate form; WhyNotCandidates says who may
	// add them, while the request takes candidates.
	MayAddCandidate  bool
	WhyNotCandidates string
}

func (a *App) showHiring(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt) {
	id := r.PathValue("id")
	path := "/hiring-requests/" + url.PathEscape(id)
	var h hiringBody
	events, err := a.load(r, s, path, &h)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	risks, _, err := list[domain.Risk](a.api, r, s.auth, "/risks", url.Values{"related": {id}}, 50)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var know []domain.NamedID
	for _, k := range risks {
		know = append(know, domain.NamedID{ID: k.ID, Kind: domain.NameRisk, Name: k.Title})
	}
	for _, c := range h.Candidates {
		know = append(know, domain.NamedID{ID: c.ID, Kind: domain.NameCandidate, Name: c.Name})
	}
	wd, err := a.detailWords(r, s, domain.NamedID{ID: h.ID, Kind: domain.NameHiring, Name: h.Request.Title}, h.Tasks, h.Waiting, events, know)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	common, err := a.common(r, s, wd, path, h.Tasks, h.Managers(), h.Waiting, events, h.TemporalUIURL, at)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := hiringPage{detailCommon: common, H: h, Risks: risks}
	p.FromRecords, p.TasksOmitted = !h.Live, h.TasksOmitted
	p.Steps = progress(domain.HiringStages, h.Stage, h.Status, domain.StatusFilled)
	p.Ended = ended(h.Status, h.Reason)
	for i := range p.Steps {
		if p.Steps[i].State == "current" && h.Stage == domain.StageApproval && h.Step != "" {
			p.Steps[i].Note = "step: " + label(h.Step)
		}
	}
	me := domain.ActorOf(s.me)
	if !h.Status.Terminal() {
		if err := domain.CheckCancelHiring(h.HiringRequest, me); err != nil {
			p.WhyNot = sentence(domain.Message(err))
		} else {
			p.MayCancel = true
		}
	}
	switch err := domain.CheckAddCandidate(h.HiringRequest, me); {
	case err == nil:
		p.MayAddCandidate = true
	case errors.Is(err, domain.ErrForbidden):
		p.WhyNotCandidates = sentence(domain.Message(err))
	}
	title := cmp.Or(h.Request.Title, id)
	p.Kind = domain.ProcessHiring
	a.render(w, r, status, "detail", a.detailView(w, r, s, title, at, p))
}

func (a *App) detailCancelHiring(w http.ResponseWriter, r *http.Request, s *session) {
	a.detailCommand(w, r, s, "cancel", "/hiring-requests/"+url.PathEscape(r.PathValue("id")), "/cancel",
		map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))}, nil, "Hiring request cancelled", a.showHiring)
}

// detailAddCandidate adds a candidate: their name and e-mail go to the
// database only, and the hiring manager's interview feedback task opens.
func (a *App) detailAddCandidate(w http.ResponseWriter, r *http.Request, s *session) {
	body := map[string]string{"name": strings.TrimSpace(r.PostFormValue("name")), "email": strings.TrimSpace(r.PostFormValue("email"))}
	a.detailCommand(w, r, s, "candidate", "/hiring-requests/"+url.PathEscape(r.PathValue("id")), "/candidates", body, nil,
		"Candidate added: "+body["name"]+". The hiring manager's interview feedback task is open.", a.showHiring)
}

// ---- risk

type riskPage struct {
	detailCommon
	R         riskBody
	Related   string // the page of the process it belongs to
	MayAssess bool
	Decisions []domain.RiskDecision // the decisions the viewer may take now
	WhyNot    string
	Levels    []int // 1 to 5, for the assessment's choices
}

func (a *App) showRisk(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt) {
	id := r.PathValue("id")
	path := "/risks/" + url.PathEscape(id)
	var k riskBody
	events, err := a.load(r, s, path, &k)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	texts := []string{k.Description, k.Cause}
	if k.Related != nil {
		texts = append(texts, k.Related.ID)
	}
	for _, e := range k.Escalations {
		texts = append(texts, e.Why)
	}
	wd, err := a.detailWords(r, s, domain.NamedID{ID: k.ID, Kind: domain.NameRisk, Name: k.Title}, k.Tasks, k.Waiting, events, nil, texts...)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	common, err := a.common(r, s, wd, path, k.Tasks, k.Managers(), k.Waiting, events, k.TemporalUIURL, at)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := riskPage{detailCommon: common, R: k, Levels: []int{1, 2, 3, 4, 5}}
	if k.Related != nil {
		p.Related = processLink(k.Related.Process, k.Related.ID)
	}
	p.FromRecords, p.TasksOmitted = !k.Live, k.TasksOmitted
	p.Steps = riskSteps(k.Risk)
	if k.Status.Terminal() {
		p.Ended = label(k.Status)
		if k.Reason != "" {
			p.Ended += ": " + k.Reason
		}
	}
	me := domain.ActorOf(s.me)
	if !k.Status.Terminal() {
		if err := domain.CheckActOnRisk(k.Risk, k.Tasks, me, "re-assess or decide"); err != nil {
			p.WhyNot = sentence(domain.Message(err))
		} else {
			p.MayAssess = true
			for _, d := range domain.RiskDecisions {
				if domain.CheckRiskDecision(k.Status, d) != nil {
					continue
				}
				if d == domain.DecideAccept {
					if err := domain.CheckAcceptRisk(k.Risk, me); err != nil {
						p.WhyNot = sentence(domain.Message(err))
						continue
					}
				}
				p.Decisions = append(p.Decisions, d)
			}
		}
	}
	title := cmp.Or(k.Title, id)
	p.Kind = domain.ProcessRisk
	a.render(w, r, status, "detail", a.detailView(w, r, s, title, at, p))
}

// riskSteps is a risk's life: raised, acknowledged, then resolved or accepted,
// or materialized and then closed.
func riskSteps(k domain.Risk) []stageStep {
	raised := stageStep{Label: "Raised", State: "done", Note: "score " + strconv.Itoa(k.Score) + ", " + strings.ToLower(label(k.Severity))}
	ack := stageStep{Label: "Acknowledged", State: "todo"}
	end := stageStep{Label: "Resolved or accepted", State: "todo"}
	switch {
	case k.Response != nil:
		ack.State, ack.Note = "done", "response: "+label(k.Response.Response)
	case k.Status != domain.RiskOpen:
		ack.State = "skipped"
	}
	switch k.Status {
	case domain.RiskOpen:
		raised.State, raised.Current = "current", true
		raised.Note += "; waiting for acknowledgement"
		if k.Level > 0 {
			raised.Note += ", escalated " + plural(k.Level, "level")
		}
	case domain.RiskAcknowledged:
		ack.State, ack.Current = "current", true
	case domain.RiskResolved, domain.RiskAccepted:
		end = stageStep{Label: label(k.Status), State: "done", Current: true}
	case domain.RiskMaterialized, domain.RiskClosed:
		mat := stageStep{Label: "Materialized", State: "current", Current: true, Note: "now an issue"}
		end = stageStep{Label: "Closed", State: "todo"}
		if k.Status == domain.RiskClosed {
			mat.State, mat.Current = "done", false
			end.State, end.Current = "done", true
		}
		return []stageStep{raised, ack, mat, end}
	}
	return []stageStep{raised, ack, end}
}

func (a *App) detailAssessRisk(w http.ResponseWriter, r *http.Request, s *session) {
	// A level that is not a number goes as 0, which the API refuses in words.
	p, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("probability")))
	i, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("impact")))
	body := map[string]any{"probability": p, "impact": i, "comment": strings.TrimSpace(r.PostFormValue("comment"))}
	a.detailCommand(w, r, s, "assess", riskPath(r), "/assessments", body, nil,
		fmt.Sprintf("Re-assessed: probability %d, impact %d", p, i), a.showRisk)
}

// detailDecideRisk posts to the API route of the decision the person chose.
func (a *App) detailDecideRisk(w http.ResponseWriter, r *http.Request, s *session) {
	d := domain.RiskDecision(r.PostFormValue("decision"))
	if !slices.Contains(domain.RiskDecisions, d) {
		a.refuseLocally(w, r, s, "decide", a.showRisk, "decision", "choose resolve, accept, materialize or close")
		return
	}
	a.detailCommand(w, r, s, "decide", riskPath(r), "/"+string(d),
		map[string]string{"comment": strings.TrimSpace(r.PostFormValue("comment"))}, nil,
		"Risk: "+riskDecisionDone(d), a.showRisk)
}

func riskDecisionDone(d domain.RiskDecision) string {
	switch d {
	case domain.DecideResolve:
		return "resolved"
	case domain.DecideAccept:
		return "accepted"
	case domain.DecideMaterialize:
		return "materialized"
	}
	return "closed"
}

// DecisionLabel is the button of a decision.
func (riskPage) DecisionLabel(d domain.RiskDecision) string {
	switch d {
	case domain.DecideResolve:
		return "Resolve"
	case domain.DecideAccept:
		return "Accept the risk"
	case domain.DecideMaterialize:
		return "It materialized"
	}
	return "Close the issue"
}

// ---- commands

// showFunc draws a detail page, after a refusal with the attempt next to its form.
type showFunc func(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt)

// detailCommand sends one command of a detail page's form to the API: POST
// back+command, where back is the page's path, the same under the API. Success
// goes back to the page with a notice (post/redirect/get). A refusal the person
// can act on (not allowed, no longer possible, a field to fix, try again later)
// draws the page again with the refusal next to the form and what they typed;
// fields maps the API's field details to the form's fields, when they differ.
func (a *App) detailCommand(w http.ResponseWriter, r *http.Request, s *session, form, back, command string, body any,
	fields func(map[string]string) map[string]string, notice string, show showFunc) {
	a.detailCommandAnswer(w, r, s, form, back, command, body, nil, fields, func() string { return notice }, show)
}

// detailCommandAnswer is detailCommand reading the answer into out, for a
// notice that says what it held (a warning).
func (a *App) detailCommandAnswer(w http.ResponseWriter, r *http.Request, s *session, form, back, command string, body, out any,
	fields func(map[string]string) map[string]string, notice func() string, show showFunc) {
	err := a.command(r, s, back+command, body, out)
	if err == nil {
		a.setNotice(w, notice())
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if p, ok := asPending(err); ok {
		a.sent(w, r, p, back)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status == http.StatusNotFound || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	f := fieldProblems(ae)
	if fields != nil {
		f = fields(f)
	}
	problem := a.say(r, s, refusal(ae))
	if keyReused(ae) {
		problem = reusedKeyProblem
	}
	show(w, r, s, ae.Status, &detailAttempt{Form: form, Problem: problem, Fields: f, Values: r.PostForm})
}

// refuseLocally draws the page with a problem the page found before asking the
// API: a value that cannot even be sent, such as a number that is not one.
func (a *App) refuseLocally(w http.ResponseWriter, r *http.Request, s *session, form string, show showFunc, field, problem string) {
	show(w, r, s, http.StatusUnprocessableEntity, &detailAttempt{
		Form: form, Problem: "Check the form: " + problem + ".", Fields: map[string]string{field: problem}, Values: r.PostForm,
	})
}
