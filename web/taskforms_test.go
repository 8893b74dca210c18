package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Tasks' forms on their cards: each drawn from its schema, read back into data,
// checked before sending, and the API's problems shown next to the inputs.

// formTask is an open task for maya, with its kind's form as the run fills it.
func formTask(id string, p domain.Process, kind domain.TaskKind, key, title string, fill func(*domain.Form)) domain.Task {
	f := domain.TaskForm(p, key)
	if fill != nil {
		fill(f)
	}
	return domain.Task{ID: id, Process: p, ProcessID: string(p)[:3] + "_1", Kind: kind, Key: key, Title: title,
		Description: "Plain words.", Assignee: "maya", Status: domain.TaskOpen, DueAt: testNow.Add(24 * time.Hour), Form: f}
}

// Maya's tasks, one of each form.
var (
	feedbackT = formTask("tsk_feedback", domain.ProcessHiring, domain.KindWork, "interview:cnd_1", "Interview feedback on Jane",
		func(f *domain.Form) { f.SetCurrency(domain.DataOfferAmount, "EUR") })
	answerT = formTask("tsk_answer", domain.ProcessHiring, domain.KindWork, "answer:cnd_1", "Record Jane's answer", nil)
	offerT  = formTask("tsk_offer", domain.ProcessHiring, domain.KindWork, "revise_offer:cnd_1", "Revise the offer", func(f *domain.Form) {
		f.SetCurrency(domain.DataOfferAmount, "EUR")
		f.SetDefaults(map[string]any{domain.DataOfferAmount: 90000.0})
	})
	requestT = formTask("tsk_request", domain.ProcessHiring, domain.KindWork, "revise_request", "Revise the request", func(f *domain.Form) {
		f.SetDefaults(map[string]any{"request": map[string]any{"title": "Analyst", "level": "L3", "justification": "Reports",
			"budget": map[string]any{"min": 70000.0, "max": 90000.0, "currency": "EUR"}, "needed_by": "2027-01-31T00:00:00Z"}})
	})
	ackT   = formTask("tsk_ack", domain.ProcessRisk, domain.KindAcknowledge, "acknowledge", "Acknowledge the risk", nil)
	briefT = formTask("tsk_revise", domain.ProcessCampaign, domain.KindWork, "revise_brief", "Revise the brief", func(f *domain.Form) {
		f.SetDefaults(map[string]any{"brief": map[string]any{"objective": "Grow signups", "audience": "Shops",
			"channels": []any{"email", "social"}, "budget": map[string]any{"amount": 25000.0, "currency": "EUR"},
			"launch_at": "2026-12-02T09:00:00Z", "kpis": []any{
				map[string]any{"name": "signups", "target": 1000.0, "unit": "signups", "direction": "higher"},
				map[string]any{"name": "cost", "target": 20.0, "unit": "EUR", "direction": "lower"},
			}}})
	})
	signOffT = formTask("tsk_signoff", domain.ProcessCampaign, domain.KindApproval, "sign_off:maya", "Marketing ops sign-off", func(f *domain.Form) {
		f.SetChoices(domain.DataRework, []domain.Choice{{Value: "tsk_assets", Label: "Make the assets"}, {Value: "tsk_copy", Label: "Write the copy"}})
	})
	formTasks = []domain.Task{feedbackT, answerT, offerT, requestT, ackT, briefT, signOffT}
)

// withFormTasks puts every form task in maya's inbox and answers them by ID.
func withFormTasks(f *fakeAPI) {
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		if r.URL.Query().Get("assignee") == "me" && me.Handle == "maya" {
			return http.StatusOK, taskPage(r, formTasks...)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
	f.knowTasks(formTasks...)
}

// cardOf is the HTML of task id's card.
func cardOf(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<article class="card task[^"]*" id="task-` + id + `">.*?</article>`).FindString(page)
	if m == "" {
		t.Fatalf("no card for %s in:\n%s", id, page)
	}
	return m
}

func mustHold(t *testing.T, what, html string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(html, s) {
			t.Errorf("%s lacks %q; it reads:\n%s", what, s, html)
			return
		}
	}
}

func TestEveryTaskFormIsDrawnFromItsSchema(t *testing.T) {
	h, f := newTestApp(t)
	withFormTasks(f)
	page := get(t, h, sesMaya, "/").Body.String()

	drawn := map[string]bool{}
	for _, task := range formTasks {
		drawn[task.Form.Name] = true
		card := cardOf(t, page, task.ID)
		mustHold(t, task.Form.Name, card, `<input type="hidden" name="tz" value="" data-tz>`, `<div class="fields answer">`)
		// Every field has its input, named by its path in data.
		for _, fld := range task.Form.Fields {
			name, label := `name="data.`+fld.Name, fld.Label
			if fld.Type == domain.FieldList {
				name, label = `name="data.`+fld.Name+`[0].`, fld.ItemLabel+" 1"
			}
			mustHold(t, task.Form.Name+" "+fld.Name, card, name, template.HTMLEscapeString(label))
		}
		if text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(card, ""); strings.ContainsAny(text, "{}") {
			t.Errorf("%s: the card shows a brace, as JSON would:\n%s", task.Form.Name, text)
		}
	}
	for name := range domain.TaskForms() {
		if !drawn[name] {
			t.Errorf("no test task draws the form %s", name)
		}
	}

	// Each type as its input, with the form's bounds as HTML attributes.
	mustHold(t, "interview feedback", cardOf(t, page, "tsk_feedback"),
		`type="radio" id="f-tsk-feedback-data-hire-true" name="data.hire" value="true" required`, `> Yes</label>`, `> No</label>`,
		`Offer (EUR)`, `type="number" id="f-tsk-feedback-data-offer-amount" name="data.offer_amount" value="" min="0.01" step="0.01"`,
		"Needed when you make an offer: the yearly salary. Above the budget&#39;s maximum, finance approves the offer too.")
	mustHold(t, "the candidate's answer", cardOf(t, page, "tsk_answer"),
		`name="data.answer" value="accepted" required`, "Accepted the offer", "Declined the offer")
	mustHold(t, "revised offer", cardOf(t, page, "tsk_offer"), `name="data.offer_amount" value="90000" required min="0.01"`)
	mustHold(t, "revised request", cardOf(t, page, "tsk_request"),
		`name="data.request.title" value="Analyst" required maxlength="200"`, `name="data.request.level" value="L3" required maxlength="50"`,
		`maxlength="4000"`, `>Reports</textarea>`,
		`name="data.request.budget.min" value="70000" required min="0" step="0.01"`,
		`name="data.request.budget.currency" value="EUR" required pattern="[A-Za-z]{3}" maxlength="3"`,
		`type="date" id="f-tsk-request-data-request-needed-by" name="data.request.needed_by" value="2027-01-31" required min="2026-11-23"`)
	mustHold(t, "risk response", cardOf(t, page, "tsk_ack"),
		`name="data.response" value="mitigate" required`, "Mitigate: make it less likely or less harmful",
		`maxlength="5000"`, `Plan due <span class="zone" data-zone>(UTC)</span>`,
		`type="datetime-local" id="f-tsk-ack-data-due-at" name="data.due_at" value="" data-utc required min="2026-11-22T09:00"`,
		">Acknowledge</button>")
	mustHold(t, "revised brief", cardOf(t, page, "tsk_revise"),
		`>Grow signups</textarea>`, `name="data.brief.channels" value="email" checked`, `name="data.brief.channels" value="social" checked`,
		`name="data.brief.channels" value="pr">`, `name="data.brief.budget.amount" value="25000"`,
		`name="data.brief.launch_at" value="2026-12-02T09:00" data-utc required`,
		"<legend>KPI 1</legend>", "<legend>KPI 2</legend>", "<legend>KPI 3</legend>",
		`name="data.brief.kpis[1].name" value="cost"`, `name="data.brief.kpis[2].name" value=""`,
		`<select id="f-tsk-revise-data-brief-kpis-1-direction" name="data.brief.kpis[1].direction">`, `<option value="lower" selected>Lower</option>`)
	mustHold(t, "sign-off", cardOf(t, page, "tsk_signoff"),
		`type="checkbox" id="f-tsk-signoff-data-rework-tsk-assets" name="data.rework" value="tsk_assets"`, "Make the assets", "Write the copy",
		`value="approved"`, `value="rejected"`)
	if strings.Contains(cardOf(t, page, "tsk_revise"), "KPI 4") {
		t.Error("more than one empty KPI row")
	}
}

// answer posts maya's answer to task id from my work, with the data inputs given.
func answer(t *testing.T, h http.Handler, id, outcome string, data url.Values) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{"outcome": {outcome}, "back": {"/"}}
	for k, v := range data {
		form[k] = v
	}
	return post(t, h, sesMaya, "/tasks/"+id+"/complete", form)
}

func TestEachTaskFormIsReadBackIntoData(t *testing.T) {
	for _, tc := range []struct {
		name    string
		task    domain.Task
		outcome string
		inputs  url.Values
		want    map[string]any
	}{
		{"hire with an offer", feedbackT, "done", url.Values{"data.hire": {"true"}, "data.offer_amount": {"88000"}},
			map[string]any{"hire": true, "offer_amount": 88000.0}},
		{"pass", feedbackT, "done", url.Values{"data.hire": {"false"}, "data.offer_amount": {""}},
			map[string]any{"hire": false}},
		{"the candidate accepted", answerT, "done", url.Values{"data.answer": {"accepted"}}, map[string]any{"answer": "accepted"}},
		{"a new offer", offerT, "done", url.Values{"data.offer_amount": {"85000.50"}}, map[string]any{"offer_amount": 85000.5}},
		{"a risk response, typed in Berlin", ackT, "done", url.Values{"data.response": {"mitigate"}, "data.plan": {" Book a second printer "},
			"data.due_at": {"2026-11-25T17:30"}, "tz": {"Europe/Berlin"}},
			map[string]any{"response": "mitigate", "plan": "Book a second printer", "due_at": "2026-11-25T16:30:00Z"}},
		{"a risk response without the script: UTC", ackT, "done", url.Values{"data.response": {"avoid"}, "data.plan": {"Drop it"},
			"data.due_at": {"2026-11-25T17:30"}, "tz": {""}},
			map[string]any{"response": "avoid", "plan": "Drop it", "due_at": "2026-11-25T17:30:00Z"}},
		{"a revised request", requestT, "done", url.Values{"data.request.title": {"Senior analyst"}, "data.request.level": {"L4"},
			"data.request.justification": {"Reports"}, "data.request.budget.min": {"80000"}, "data.request.budget.max": {"100000"},
			"data.request.budget.currency": {"eur"}, "data.request.needed_by": {"2027-02-15"}},
			map[string]any{"request": map[string]any{"title": "Senior analyst", "level": "L4", "justification": "Reports",
				"budget":    map[string]any{"min": 80000.0, "max": 100000.0, "currency": "EUR"},
				"needed_by": "2027-02-15T00:00:00Z"}}},
		{"a revised brief, a KPI row emptied", briefT, "done", url.Values{"data.brief.objective": {"Grow signups fast"}, "data.brief.audience": {"Shops"},
			"data.brief.channels": {"email", "pr"}, "data.brief.budget.amount": {"30000"}, "data.brief.budget.currency": {"EUR"},
			"data.brief.launch_at": {"2026-12-02T10:00"}, "tz": {"UTC"},
			"data.brief.kpis[0].name": {""}, "data.brief.kpis[0].target": {""}, "data.brief.kpis[0].unit": {""}, "data.brief.kpis[0].direction": {"higher"},
			"data.brief.kpis[1].name": {"cost"}, "data.brief.kpis[1].target": {"18"}, "data.brief.kpis[1].unit": {""}, "data.brief.kpis[1].direction": {"lower"},
			"data.brief.kpis[2].name": {"ctr"}, "data.brief.kpis[2].target": {"2.5"}, "data.brief.kpis[2].unit": {"%"}, "data.brief.kpis[2].direction": {"higher"}},
			map[string]any{"brief": map[string]any{"objective": "Grow signups fast", "audience": "Shops", "channels": []any{"email", "pr"},
				"budget": map[string]any{"amount": 30000.0, "currency": "EUR"}, "launch_at": "2026-12-02T10:00:00Z",
				"kpis": []any{
					map[string]any{"name": "cost", "target": 18.0, "direction": "lower"},
					map[string]any{"name": "ctr", "target": 2.5, "unit": "%", "direction": "higher"},
				}}}},
		{"a rejected sign-off with its rework", signOffT, "rejected", url.Values{"data.rework": {"tsk_copy"}, "comment": {"Typo"}},
			map[string]any{"rework": []any{"tsk_copy"}}},
		{"an approved sign-off sends no rework", signOffT, "approved", nil, map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			withFormTasks(f)
			f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, tc.task })
			w := answer(t, h, tc.task.ID, tc.outcome, tc.inputs)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("status %d:\n%s", w.Code, w.Body)
			}
			c := f.commands()
			if len(c) != 1 || c[0].Path != "/api/v1/tasks/"+tc.task.ID+"/complete" {
				t.Fatalf("commands %+v", c)
			}
			got, _ := c[0].Body["data"].(map[string]any)
			if got == nil {
				got = map[string]any{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("data = %#v\nwant   %#v", got, tc.want)
			}
		})
	}
}

func TestABadAnswerIsRefusedInThePageWithNothingSent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		task   domain.Task
		inputs url.Values
		input  string // the input the problem is next to
		words  string
	}{
		{"hire without an offer", feedbackT, url.Values{"data.hire": {"true"}}, "data-offer-amount", "required"},
		{"an offer that is not a number", feedbackT, url.Values{"data.hire": {"true"}, "data.offer_amount": {"lots"}}, "data-offer-amount", "must be a number"},
		{"no answer", answerT, url.Values{}, "data-answer", "required"},
		{"a plan due in the past", ackT, url.Values{"data.response": {"mitigate"}, "data.plan": {"x"}, "data.due_at": {"2026-11-01T09:00"}},
			"data-due-at", "must be in the future"},
		{"a revised offer emptied", offerT, url.Values{"data.offer_amount": {""}}, "data-offer-amount", "required"},
		{"a KPI without its target, below an emptied row", briefT, url.Values{"data.brief.objective": {"x"}, "data.brief.audience": {"y"},
			"data.brief.channels": {"email"}, "data.brief.budget.amount": {"1"}, "data.brief.budget.currency": {"EUR"}, "data.brief.launch_at": {"2026-12-02T10:00"},
			"data.brief.kpis[0].name": {""}, "data.brief.kpis[1].name": {"ctr"}, "data.brief.kpis[1].direction": {"higher"}},
			"data-brief-kpis-1-target", "required"},
		{"no channel left", briefT, url.Values{"data.brief.objective": {"x"}, "data.brief.audience": {"y"},
			"data.brief.budget.amount": {"1"}, "data.brief.budget.currency": {"EUR"}, "data.brief.launch_at": {"2026-12-02T10:00"},
			"data.brief.kpis[0].name": {"a"}, "data.brief.kpis[0].target": {"1"}, "data.brief.kpis[0].direction": {"higher"}},
			"data-brief-channels", "required: choose at least one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			withFormTasks(f)
			w := answer(t, h, tc.task.ID, "done", tc.inputs)
			if w.Code != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", w.Code)
			}
			if c := f.commands(); len(c) != 0 {
				t.Errorf("sent %+v", c)
			}
			id := "f-" + fieldID(tc.task.ID) + "-" + tc.input
			card := cardOf(t, w.Body.String(), tc.task.ID)
			mustHold(t, tc.name, card, "Nothing was sent: check the fields marked below.",
				`id="`+id+`-problem" role="alert">`+tc.words)
			// What was typed is kept.
			for k, v := range tc.inputs {
				if v[0] != "" && strings.HasPrefix(k, "data.") && !strings.Contains(card, `value="`+v[0]+`"`) && !strings.Contains(card, ">"+v[0]+"</textarea>") {
					t.Errorf("%s = %q was not kept", k, v[0])
				}
			}
		})
	}
}

func TestTheAPIsProblemsShowNextToTheInputs(t *testing.T) {
	h, f := newTestApp(t)
	withFormTasks(f)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid",
			domain.FieldProblem{Field: "data.brief.kpis[1].target", Problem: "must be positive"},
			domain.FieldProblem{Field: "data.brief.launch_at", Problem: "must leave time for the work"})
	})
	// Row 0 emptied: the API's kpis[1] is the form's row 2.
	w := answer(t, h, "tsk_revise", "done", url.Values{"data.brief.objective": {"x"}, "data.brief.audience": {"y"},
		"data.brief.channels": {"email"}, "data.brief.budget.amount": {"1"}, "data.brief.budget.currency": {"EUR"}, "data.brief.launch_at": {"2026-12-02T10:00"},
		"tz":                      {"Europe/Berlin"},
		"data.brief.kpis[0].name": {""}, "data.brief.kpis[0].direction": {"higher"},
		"data.brief.kpis[1].name": {"a"}, "data.brief.kpis[1].target": {"1"}, "data.brief.kpis[1].direction": {"higher"},
		"data.brief.kpis[2].name": {"b"}, "data.brief.kpis[2].target": {"-1"}, "data.brief.kpis[2].direction": {"lower"}})
	if w.Code != http.StatusUnprocessableEntity || len(f.commands()) != 1 {
		t.Fatalf("status %d, commands %+v", w.Code, f.commands())
	}
	card := cardOf(t, w.Body.String(), "tsk_revise")
	mustHold(t, "the card", card, "Nothing was recorded: check the fields marked below.",
		`id="f-tsk-revise-data-brief-kpis-2-target-problem" role="alert">must be positive`,
		`id="f-tsk-revise-data-brief-launch-at-problem" role="alert">must leave time for the work`,
		// Drawn again in the zone it was typed in, which the script must not convert again.
		`<input type="hidden" name="tz" value="Europe/Berlin" data-tz>`, `(Europe/Berlin)`,
		`name="data.brief.launch_at" value="2026-12-02T10:00" required`)
	if strings.Contains(card, `launch_at" value="2026-12-02T10:00" data-utc`) {
		t.Error("a time typed in a known zone is marked for conversion")
	}
}

func TestAnAnswerRefusedOnADetailPageIsDrawnThere(t *testing.T) {
	h, f := newTestApp(t)
	feedback := feedbackT
	feedback.ProcessID = "hir_eng"
	hb := engineerHire()
	hb.Tasks = append(hb.Tasks, feedback)
	hiringAPI(f, hb)
	f.knowTasks(feedback)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid",
			domain.FieldProblem{Field: "data.offer_amount", Problem: "must be at least 0.01"})
	})
	w := post(t, h, sesMaya, "/tasks/tsk_feedback/complete", url.Values{"outcome": {"done"}, "back": {"/hiring-requests/hir_eng"},
		"data.hire": {"true"}, "data.offer_amount": {"0.5"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "Web developer", `id="f-tsk-feedback-data-offer-amount-problem" role="alert">must be at least 0.01`,
		`name="data.offer_amount" value="0.5"`, `value="true" checked`)
}

func TestAPersonFieldListsTheDirectory(t *testing.T) {
	h, f := newTestApp(t)
	task := formTask("tsk_pick", domain.ProcessCampaign, domain.KindWork, "revise_brief", "Pick someone", nil)
	task.Form = &domain.Form{Name: "pick", Fields: []domain.FormField{{Name: "owner", Type: domain.FieldPerson, Label: "New owner", Required: true, Role: domain.RoleProjectManager}}}
	f.on("GET /api/v1/tasks", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("assignee") == "me" {
			return http.StatusOK, taskPage(r, task)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
	f.on("GET /api/v1/people", func(r *http.Request, _ domain.Person) (int, any) {
		switch r.URL.Query().Get("role") {
		case "": // the whole directory, for names
			return http.StatusOK, pageOf(domain.Person{Handle: "pat", Name: "Pat Manager", Team: domain.TeamPMO},
				domain.Person{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative})
		case string(domain.RoleProjectManager):
		default:
			t.Errorf("people listed for role %q", r.URL.Query().Get("role"))
		}
		return http.StatusOK, pageOf(domain.Person{Handle: "pat", Name: "Pat Manager", Team: domain.TeamPMO})
	})
	card := cardOf(t, get(t, h, sesMaya, "/").Body.String(), "tsk_pick")
	mustHold(t, "the picker", card, `<select id="f-tsk-pick-data-owner" name="data.owner" required`, `<option value="pat">Pat Manager (pat, PMO)</option>`)
	if picker, _, _ := strings.Cut(card[strings.Index(card, `id="f-tsk-pick-data-owner"`):], "</select>"); strings.Contains(picker, "cleo") {
		t.Errorf("the picker of a project manager lists cleo:\n%s", picker)
	}
}

// A team field (a template's intake asks which team) is a choice of the teams,
// by their names, read back as the team's key.
func TestATeamFieldListsTheTeams(t *testing.T) {
	h, f := newTestApp(t)
	task := formTask("tsk_team", domain.ProcessCampaign, domain.KindWork, "revise_brief", "Pick a team", nil)
	task.Form = &domain.Form{Name: "pick", Fields: []domain.FormField{{Name: "team", Type: domain.FieldTeam, Label: "Which team", Required: true}}}
	f.on("GET /api/v1/tasks", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("assignee") == "me" {
			return http.StatusOK, taskPage(r, task)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
	card := cardOf(t, get(t, h, sesMaya, "/").Body.String(), "tsk_team")
	mustHold(t, "the team select", card, `<select id="f-tsk-team-data-team" name="data.team" required`,
		`<option value="marketing-ops">Marketing ops</option>`, `<option value="legal">Legal</option>`)
	data, _, problems := checkAnswer(task.Form, url.Values{"data.team": {"legal"}}, nil, testNow)
	if len(problems) > 0 || data["team"] != "legal" {
		t.Errorf("read back %v (%v), want team legal", data, problems)
	}
	if _, _, problems := checkAnswer(task.Form, url.Values{"data.team": {"lgal"}}, nil, testNow); problems["data.team"] == "" {
		t.Error("a team that is not one was not refused in the page")
	}
}

func TestTaskFormInputsAreReadAsTheirTypes(t *testing.T) {
	f := &domain.Form{Name: "t", Fields: []domain.FormField{
		{Name: "n", Type: domain.FieldNumber, Label: "N"},
		{Name: "yes", Type: domain.FieldYesNo, Label: "Yes?"},
		{Name: "when", Type: domain.FieldDateTime, Label: "When"},
		{Name: "day", Type: domain.FieldDate, Label: "Day"},
	}}
	for _, tc := range []struct {
		in      url.Values
		problem string // the input with a problem, "" for none
	}{
		{url.Values{"data.n": {"1e3"}, "data.yes": {"false"}, "data.when": {"2026-12-01T09:00:30"}, "data.day": {"2026-12-01"}}, ""},
		{url.Values{"data.n": {"NaN"}}, ""}, // ParseFloat reads it; Check refuses it
		{url.Values{"data.n": {"12,5"}}, "data.n"},
		{url.Values{"data.yes": {"maybe"}}, "data.yes"},
		{url.Values{"data.when": {"tomorrow"}}, "data.when"},
		{url.Values{"data.day": {"01/12/2026"}}, "data.day"},
	} {
		_, _, problems := checkAnswer(f, tc.in, nil, testNow)
		if tc.problem == "" && len(problems) > 0 && tc.in.Get("data.n") != "NaN" {
			t.Errorf("%v: problems %v", tc.in, problems)
		}
		if tc.in.Get("data.n") == "NaN" && problems["data.n"] != "must be a number" {
			t.Errorf("NaN: problems %v", problems)
		}
		if tc.problem != "" && problems[tc.problem] == "" {
			t.Errorf("%v: problems %v, want one with %s", tc.in, problems, tc.problem)
		}
	}
	if zoneOf("../../etc/passwd") != nil || zoneOf("Mars/Olympus") != nil || zoneOf(strings.Repeat("A", 65)) != nil {
		t.Error("a zone that is not one was read")
	}
	if z := zoneOf("America/New_York"); z == nil || z.String() != "America/New_York" {
		t.Errorf("zone = %v", z)
	}
}
