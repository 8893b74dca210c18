package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// The processes teams define in templates (package templates), on the board as
// the built-in ones are: each template has a start form drawn from its intake
// (with an outline of its stages and tasks above it), its own board (a column
// per stage, after triage), a page per run and its finished runs. Everything is
// read from the API's answers: the templates from GET /templates, a run with
// the template version it started from from GET /template-runs/{id}.

// tmplSummary is a template as GET /templates lists it: its latest version.
type tmplSummary struct {
	Key         string `json:"key"`
	Version     int    `json:"version"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Retired     bool   `json:"retired"`
}

// tmplBody is one version of a template, whole (GET /templates/{key}).
type tmplBody struct {
	tmplSummary
	Document templates.Template `json:"document"`
}

// runBody is a run as GET /template-runs/{id} answers it: the record, its
// tasks and whom it waits on, and the template version it runs.
type runBody struct {
	domain.TemplateRun
	detailPart
	Template templates.Template `json:"template"`
}

// runPath is the page of a template run.
func runPath(id string) string { return "/template-runs/" + url.PathEscape(id) }

// templateSlug is the start form's and the board's path segment of a template.
func templateSlug(key string) string { return "templates/" + key }

func (a *App) templateRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /new/templates/{key}", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.templateStartPage(w, r, s)
	}))
	m.HandleFunc("POST /new/templates/{key}", a.authed(a.submitTemplateStart))
	m.HandleFunc("GET /board/templates/{key}", a.authed(a.templateBoard))
	m.HandleFunc("GET /finished/templates/{key}", a.authed(a.templateFinished))
	m.HandleFunc("POST /template-runs/{id}/kpis", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.recordKPIs(w, r, s, runPath(r.PathValue("id")), a.showRun)
	}))
	m.HandleFunc("GET /template-runs/{id}", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showRun(w, r, s, http.StatusOK, nil)
	}))
	m.HandleFunc("POST /template-runs/{id}/cancel", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.detailCommand(w, r, s, "cancel", runPath(r.PathValue("id")), "/cancel",
			map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))}, nil, "Run cancelled", a.showRun)
	}))
}

// templateList reads the templates people may start: the latest version of
// each that is not retired, by name.
func (a *App) templateList(r *http.Request, s *session) ([]tmplSummary, error) {
	var out struct {
		Items []tmplSummary `json:"items"`
	}
	if err := a.api.call(r, s.auth, http.MethodGet, "/templates", nil, nil, &out); err != nil {
		return nil, err
	}
	items := slices.DeleteFunc(out.Items, func(t tmplSummary) bool { return t.Retired })
	slices.SortFunc(items, func(x, y tmplSummary) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.Key, y.Key))
	})
	return items, nil
}

// template reads the latest version of a template.
func (a *App) template(r *http.Request, s *session, key string) (tmplBody, error) {
	var t tmplBody
	err := a.api.call(r, s.auth, http.MethodGet, "/templates/"+url.PathEscape(key), nil, nil, &t)
	return t, err
}

// ---- start

// intakeTask stands for a template's intake as a task's form, so the intake
// is drawn and read by the tasks' form code (taskforms.go): the same inputs
// for the same field types, checked with the same function before sending.
func intakeTask(t templates.Template) domain.Task {
	return domain.Task{Form: &domain.Form{Name: "intake", Fields: t.Intake}}
}

// intakePrefix is where the API puts an intake's field problems: intake.NAME,
// the input's data.NAME.
const intakePrefix = "intake."

func (a *App) templateStartPage(w http.ResponseWriter, r *http.Request, s *session) {
	t, err := a.template(r, s, r.PathValue("key"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	vals := url.Values{}
	if s.zone != nil {
		vals.Set(tzField, s.zone.String())
	}
	for k, v := range formDefaults(intakeTask(t.Document).Form, s.zone) {
		vals[k] = v
	}
	a.renderTemplateStart(w, r, s, t, http.StatusOK, vals, newIdempotencyKey(), nil, "")
}

// submitTemplateStart starts a run from the intake form: read and checked
// against the template's intake first (nothing is sent when a field is wrong),
// then POST /template-runs with the form's Idempotency-Key. Success lands on
// the run's page; a refusal draws the form again with what was typed.
func (a *App) submitTemplateStart(w http.ResponseWriter, r *http.Request, s *session) {
	if err := r.ParseForm(); err != nil {
		a.render(w, r, http.StatusBadRequest, "error", view{Session: s, Title: "Bad request", Problem: "The form could not be read. Reload the page and try again."})
		return
	}
	t, err := a.template(r, s, r.PathValue("key"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	vals := answerValues(r.PostForm)
	vals.Set(tzField, r.PostFormValue(tzField))
	key := r.PostFormValue(idempotencyField)
	if !validIdempotencyKey(key) {
		key = newIdempotencyKey()
	}
	form := intakeTask(t.Document).Form
	intake, _, problems := checkAnswer(form, r.PostForm, zoneOf(vals.Get(tzField)), a.now())
	if len(problems) > 0 {
		a.renderTemplateStart(w, r, s, t, http.StatusUnprocessableEntity, vals, key, problems, "Nothing was sent: check the fields marked below.")
		return
	}
	var out struct {
		ID string `json:"id"`
	}
	body := map[string]any{"template": t.Key, "intake": intake}
	err = a.api.callWith(r, s.auth, http.MethodPost, "/template-runs", nil, http.Header{"Idempotency-Key": {key}}, body, &out)
	if err == nil && out.ID != "" {
		a.setNotice(w, "Started: "+t.Name+" "+quoted(t.Document.Title(intake)))
		http.Redirect(w, r, runPath(out.ID), http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	switch {
	case err == nil:
		a.fail(w, r, s, errNoID("/template-runs"))
	case !ok, ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable:
		a.fail(w, r, s, err)
	case ae.Status == http.StatusUnauthorized:
		a.clearSession(w, r)
		a.toSignIn(w, r, whyEnded)
	case keyReused(ae):
		a.renderTemplateStart(w, r, s, t, ae.Status, vals, newIdempotencyKey(), nil,
			"This form was already sent once with other values, so nothing new was started. Check the values and send the form again to start another.")
	case len(ae.Details) > 0:
		fields := map[string]string{}
		for f, p := range fieldProblems(ae) {
			if name, ok := strings.CutPrefix(f, intakePrefix); ok {
				f = inputOf(dataPrefix+name, form, nil)
			}
			fields[f] = p
		}
		a.renderTemplateStart(w, r, s, t, ae.Status, vals, key, fields, "Nothing was started: check the fields marked below.")
	default:
		a.renderTemplateStart(w, r, s, t, ae.Status, vals, key, nil, "Nothing was started. "+refusal(ae))
	}
}

// renderTemplateStart draws a template's start page: its outline and its
// intake form holding vals, with fields' problems next to their inputs.
func (a *App) renderTemplateStart(w http.ResponseWriter, r *http.Request, s *session, t tmplBody, status int, vals url.Values, key string, fields map[string]string, problem string) {
	task := intakeTask(t.Document)
	roles := []domain.Role{""}
	for _, f := range t.Document.Intake {
		if f.Type == domain.FieldPerson && !slices.Contains(roles, f.Role) {
			roles = append(roles, f.Role)
		}
	}
	d, err := a.people(r, s, roles)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	tabs, err := a.templateTabs(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	zone := zoneOf(vals.Get(tzField))
	p := startPage{Slug: templateSlug(t.Key), Intro: t.Description, Submit: "Send the request", Key: key, Zone: vals.Get(tzField),
		Sections: drawAnswer(task, vals, fields, zone, d, a.now()), Tabs: startTabs(), Templates: tabs,
		Outline: outline(t.Document), Board: "/board/" + templateSlug(t.Key)}
	a.render(w, r, status, "new_process", view{Session: s, Title: t.Name, Nav: "new",
		Problem: p.summarize(fields, problem), Fields: fields, Data: p})
}

// templateTabs are the start forms' tabs of the templates people may start.
func (a *App) templateTabs(r *http.Request, s *session) ([]startTab, error) {
	list, err := a.templateList(r, s)
	tabs := make([]startTab, len(list))
	for i, t := range list {
		tabs[i] = startTab{Slug: templateSlug(t.Key), Label: t.Name}
	}
	return tabs, err
}

// ---- board

// templateBoard is a template's board: a column for triage and one per
// stage of its latest version, a card per running run.
func (a *App) templateBoard(w http.ResponseWriter, r *http.Request, s *session) {
	t, err := a.template(r, s, r.PathValue("key"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	b := board{Slug: templateSlug(t.Key), Title: t.Name, Process: domain.ProcessTemplate, Columns: []string{string(domain.StageTriage)}}
	names := map[string]string{string(domain.StageTriage): "Triage"}
	for _, st := range t.Document.Stages {
		b.Columns = append(b.Columns, st.Key)
		names[st.Key] = st.Name
	}
	q := r.URL.Query()
	d := boardData{Board: b, Boards: boards, Team: q.Get("team"), Owner: q.Get("owner"), Teams: domain.Teams, OwnerLabel: "Requested by"}
	if d.Team != "" && !domain.Team(d.Team).Valid() {
		d.Team = ""
	}
	if d.Templates, err = a.templateTabs(r, s); err != nil {
		a.fail(w, r, s, err)
		return
	}
	rq := url.Values{"template": {t.Key}, "status": {string(domain.StatusActive)}}
	if d.Owner != "" {
		rq.Set("requested_by", d.Owner)
	}
	runs, more, err := list[domain.TemplateRun](a.api, r, s.auth, "/template-runs", rq, maxCards)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	open, _, err := list[domain.Task](a.api, r, s.auth, "/tasks", url.Values{"process": {string(domain.ProcessTemplate)}, "status": {"open"}}, maxCards*4)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	cards := make([]card, 0, len(runs))
	for _, run := range runs {
		c := card{ID: run.ID, Name: cmp.Or(run.Title, run.ID), Link: runPath(run.ID), Owner: run.RequestedBy, Column: string(run.Stage)}
		if run.Round > 1 {
			c.Badge = "Sent back: round " + strconv.Itoa(run.Round)
		}
		for _, name := range t.Document.Board.Card {
			if f := intakeField(t.Document, name); f != nil {
				if v := valueWords(*f, run.Intake[name], wd); v != "" {
					c.Fields = append(c.Fields, fact{Label: f.Label, Value: v})
				}
			}
		}
		cards = append(cards, c)
	}
	d.OwnerOptions, d.More = ownerOptions(s.dir, d.Owner), more
	d.Columns = a.columns(b, cards, open, domain.Team(d.Team), wd)
	for i := range d.Columns {
		d.Columns[i].Label = cmp.Or(names[d.Columns[i].Key], d.Columns[i].Label)
		d.Total += len(d.Columns[i].Cards)
	}
	a.render(w, r, http.StatusOK, "board", view{Session: s, Title: t.Name + " board", Nav: "board", Poll: true, Data: d})
}

// ---- finished

// templateFinished lists a template's ended runs, as the finished view of
// the built-in processes does.
func (a *App) templateFinished(w http.ResponseWriter, r *http.Request, s *session) {
	t, err := a.template(r, s, r.PathValue("key"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	k := finishedKind{
		Board: board{Slug: templateSlug(t.Key), Title: t.Name, Process: domain.ProcessTemplate},
		Title: "Finished: " + t.Name, Statuses: strs(domain.StatusCompleted, domain.StatusRejected, domain.StatusCancelled),
		rows: func(a *App, r *http.Request, s *session, q url.Values) ([]finishedRow, bool, error) {
			q.Set("template", t.Key)
			items, more, err := searchList[domain.TemplateRun](a.api, r, s.auth, "/template-runs", q)
			out := make([]finishedRow, len(items))
			for i, run := range items {
				out[i] = finishedRow{ID: run.ID, Name: cmp.Or(run.Title, run.ID), Link: runPath(run.ID),
					Status: string(run.Status), Owner: run.RequestedBy, Reason: run.Reason, Ended: run.UpdatedAt}
			}
			return out, more, err
		}}
	a.showFinished(w, r, s, k)
}

// ---- a run's page

type runPage struct {
	detailCommon
	R         runBody
	Board     string // the template's board
	Intake    []fact
	MayCancel bool
	WhyNot    string
	// KPIs are the run's KPIs in words; MayKPIs whether the viewer may record
	// their actuals now (the run is tracking them), and WhyNotKPIs why not.
	KPIs       []runKPI
	MayKPIs    bool
	WhyNotKPIs string
}

// runKPI is a template run's KPI as its page shows it.
type runKPI struct {
	Key, Name, Better, TargetText, ActualText, Result string
	From, Until                                       moment
	Open                                              bool // its window is open: actuals are taken
}

// runKPIs puts a run's KPIs in words, at now.
func runKPIs(kpis []domain.TemplateKPI, wd *words, now time.Time) []runKPI {
	out := make([]runKPI, 0, len(kpis))
	for _, k := range kpis {
		v := runKPI{Key: k.Key, Name: k.Name, Better: "higher is better", TargetText: kpiValue(k.Target, k.Unit),
			From: wd.Day(k.TrackedFrom), Until: wd.Day(k.TrackedUntil), Open: k.Result == "" && now.Before(k.TrackedUntil)}
		// A window of a day or two (the hours after a send) reads with its
		// times: "Sun 6 Dec to Sun 6 Dec" would not say how long it is.
		if k.TrackedUntil.Sub(k.TrackedFrom) < 3*24*time.Hour {
			v.From, v.Until = wd.When(k.TrackedFrom), wd.When(k.TrackedUntil)
		}
		if k.Direction == domain.Lower {
			v.Better = "lower is better"
		}
		if k.Actual != nil {
			v.ActualText = kpiValue(*k.Actual, k.Unit)
		}
		v.Result = map[domain.KPIResultKind]string{domain.KPIMet: "met", domain.KPIMissed: "missed", domain.KPIUnmeasured: "not measured"}[k.Result]
		out = append(out, v)
	}
	return out
}

func (a *App) showRun(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt) {
	id := r.PathValue("id")
	path := runPath(id)
	var run runBody
	events, err := a.load(r, s, path, &run)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	wd, err := a.detailWords(r, s, domain.NamedID{ID: run.ID, Name: run.Title}, run.Tasks, run.Waiting, events, nil)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	common, err := a.common(r, s, wd, path, run.Tasks, run.Managers(), run.Waiting, events, run.TemporalUIURL, at)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := runPage{detailCommon: common, R: run, Board: "/board/" + templateSlug(run.TemplateKey),
		Intake: intakeFacts(run.Template, run.Intake, wd)}
	// The title is the page's heading already.
	p.Intake = slices.DeleteFunc(p.Intake, func(f fact) bool { return f.Label == intakeLabel(run.Template, run.Template.Board.Title) })
	p.FromRecords, p.TasksOmitted = !run.Live, run.TasksOmitted
	p.Steps, p.Ended = runSteps(run)
	if !run.Status.Terminal() {
		if err := domain.CheckCancelTemplateRun(run.TemplateRun, domain.ActorOf(s.me)); err != nil {
			p.WhyNot = sentence(domain.Message(err))
		} else {
			p.MayCancel = true
		}
	}
	p.KPIs = runKPIs(run.KPIs, wd, a.now())
	if run.Stage == domain.StageTracking && !run.Status.Terminal() {
		if err := domain.CheckRecordTemplateKPIs(run.TemplateRun, domain.ActorOf(s.me)); err != nil {
			p.WhyNotKPIs = sentence(domain.Message(err))
		} else {
			p.MayKPIs = slices.ContainsFunc(p.KPIs, func(k runKPI) bool { return k.Open })
		}
	}
	p.Kind = domain.ProcessTemplate
	a.render(w, r, status, "detail", a.detailView(w, r, s, cmp.Or(run.Title, id), at, p))
}

// runSteps is a run's progress: triage, then the stages of its template
// version, then the tracking of its KPIs and its retrospective when the
// template has them, with the round it is in.
func runSteps(run runBody) ([]stageStep, string) {
	stages, names := templateStages(run.Template)
	steps := progress(stages, run.Stage, run.Status, domain.StatusCompleted)
	for i := range steps {
		steps[i].Label = names[i]
		if steps[i].State == "current" && run.Round > 1 {
			steps[i].Note = "round " + strconv.Itoa(run.Round)
		}
	}
	return steps, ended(run.Status, run.Reason)
}

// templateStages are the stages a run of template t goes through, with their
// names: triage, the template's stages, then the tracking of its KPIs and its
// retrospective when it has them.
func templateStages(t templates.Template) ([]domain.Stage, []string) {
	stages := []domain.Stage{domain.StageTriage}
	names := []string{"Triage"}
	for _, st := range t.Stages {
		stages = append(stages, domain.Stage(st.Key))
		names = append(names, st.Name)
	}
	if len(t.KPIs) > 0 {
		stages, names = append(stages, domain.StageTracking), append(names, "Tracking KPIs")
	}
	if t.Retrospective {
		stages, names = append(stages, domain.StageRetrospective), append(names, "Retrospective")
	}
	return stages, names
}

// StageName is the name of the stage the run is in, as its template calls it.
func (p runPage) StageName() string {
	for _, st := range p.R.Template.Stages {
		if st.Key == string(p.R.Stage) {
			return st.Name
		}
	}
	switch p.R.Stage {
	case domain.StageTriage:
		return "Triage"
	case domain.StageTracking:
		return "Tracking KPIs"
	}
	return label(p.R.Stage)
}
