package web

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// webinar is the example webinar template, as the API answers it.
func webinar(t *testing.T) templates.Template {
	t.Helper()
	doc, err := os.ReadFile("../examples/templates/webinar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// publish answers GET /templates and GET /templates/{key} with tmpl, beside
// a retired template nobody may start.
func publish(f *fakeAPI, tmpl templates.Template) {
	summary := map[string]any{"key": tmpl.Key, "version": tmpl.Version, "name": tmpl.Name, "description": tmpl.Description, "retired": false}
	retired := map[string]any{"key": "old_fair", "version": 2, "name": "Old fair", "retired": true}
	f.on("GET /api/v1/templates", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(summary, retired)
	})
	f.on("GET /api/v1/templates/{key}", func(r *http.Request, _ domain.Person) (int, any) {
		if r.PathValue("key") != tmpl.Key {
			return http.StatusNotFound, apiErr("not_found", "template "+r.PathValue("key")+" not found")
		}
		body := map[string]any{"document": tmpl}
		for k, v := range summary {
			body[k] = v
		}
		return http.StatusOK, body
	})
}

// eventAt is the webinar run's event date.
var eventAt = time.Date(2027, 1, 20, 15, 0, 0, 0, time.UTC)

// webinarRun is pat's run of the webinar, in its plan stage.
func webinarRun(tmpl templates.Template) domain.TemplateRun {
	return domain.TemplateRun{ID: "tpr_launch", WorkflowID: "template/tpr_launch", TemplateKey: tmpl.Key, TemplateVersion: 1,
		TemplateName: tmpl.Name, Title: "Launch week live", Status: domain.StatusActive, Stage: "plan", Round: 1,
		Intake: map[string]any{"title": "Launch week live", "event_date": eventAt.Format(time.RFC3339), "host": "pat",
			"audience": []any{"customers", "partners"}, "expected_registrations": 300.0, "recorded": true},
		RequestedBy: "pat", CreatedAt: testNow.Add(-48 * time.Hour), UpdatedAt: testNow.Add(-2 * time.Hour)}
}

// agendaTask is the run's first task, the host's, with its form.
var agendaTask = domain.Task{ID: "tsk_agenda", Process: domain.ProcessTemplate, ProcessID: "tpr_launch", Kind: domain.KindWork, Key: "agenda",
	Title: "Agenda and speakers: “Launch week live”", Assignee: "pat", RequestedBy: "pat", Status: domain.TaskOpen, DueAt: testNow.Add(50 * time.Hour),
	Form: &domain.Form{Name: "agenda", Fields: []domain.FormField{{Name: "speakers", Type: domain.FieldLongText, Label: "Speakers", Required: true}}}}

func TestStartListsTheTemplatesBesideTheBuiltInProcesses(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	w := get(t, h, sesPat, "/new/campaign")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, `href="/new/campaign"`, `<a href="/new/templates/webinar">Webinar</a>`)
	mustNotContain(t, w, "Old fair") // retired: nobody starts it
}

func TestATemplatesStartPageOutlinesItAndDrawsItsIntake(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	w := get(t, h, sesPat, "/new/templates/webinar")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w,
		"<h1>Webinar</h1>", `aria-current="page">Webinar</a>`, "A live online session",
		// The outline: triage, then each stage's tasks, who does them and when, in words.
		"How it runs", "Triage", "A marketing ops manager",
		"Someone in analytics",
		"Plan", "Agenda and speakers", "The person in “Host”", "Due 15 working days before “Starts at”",
		"Review the agenda", "Approval", "A marketing ops manager of the Marketing ops team", "Due 2 working days after its stage starts", "after “Agenda and speakers”",
		"Mailing to partners", "Only if “Audience” includes Partners",
		"Publish the recording", "Only if “Recorded for on-demand viewing?” is yes",
		`href="/board/templates/webinar"`,
		// The intake form: typed inputs, as a task's form draws them.
		`action="/new/templates/webinar"`, `name="idempotency_key"`,
		`name="data.title"`, `maxlength="120"`,
		`type="datetime-local" id="f-data-event-date" name="data.event_date"`, `data-utc`,
		`<select id="f-data-host" name="data.host" required`, `Pat Manager (pat, PMO)`,
		`type="checkbox" id="f-data-audience-partners" name="data.audience" value="partners"`,
		`type="number" id="f-data-expected-registrations" name="data.expected_registrations" value="" required min="1"`,
		`type="radio" id="f-data-recorded-true" name="data.recorded" value="true"`,
		"When the webinar goes live.", // help
	)
	mustNotContain(t, w, "intake.audience", "working_days", "stage_start") // no expressions or keys where words do
}

func TestAnUnknownTemplateHasNoStartPage(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	w := get(t, h, sesPat, "/new/templates/trade_show")
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
}

// intakeForm is a filled webinar intake, times typed in Paris.
func intakeForm() url.Values {
	return url.Values{
		"idempotency_key": {"key-webinar-1"}, "tz": {"Europe/Paris"},
		"data.title": {"  Launch week live "}, "data.event_date": {"2027-01-20T16:00"}, "data.host": {"pat"},
		"data.audience": {"customers", "partners"}, "data.expected_registrations": {"300"}, "data.recorded": {"true"},
	}
}

func TestSendingTheIntakeStartsARun(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	f.on("POST /api/v1/template-runs", func(*http.Request, domain.Person) (int, any) {
		return http.StatusCreated, map[string]any{"id": "tpr_launch"}
	})
	w := post(t, h, sesPat, "/new/templates/webinar", intakeForm())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/template-runs/tpr_launch" {
		t.Fatalf("status %d, location %q; body %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	cmds := f.commands()
	if len(cmds) != 1 {
		t.Fatalf("%d commands, want 1: %+v", len(cmds), cmds)
	}
	c := cmds[0]
	if c.Path != "/api/v1/template-runs" || c.Key != "key-webinar-1" || c.Body["template"] != "webinar" {
		t.Fatalf("sent %+v", c)
	}
	intake := c.Body["intake"].(map[string]any)
	want := map[string]any{"title": "Launch week live", "event_date": "2027-01-20T15:00:00Z", "host": "pat",
		"audience": []any{"customers", "partners"}, "expected_registrations": 300.0, "recorded": true}
	for k, v := range want {
		if got := intake[k]; !equalJSON(got, v) {
			t.Errorf("intake.%s = %#v, want %#v", k, got, v)
		}
	}
	if len(intake) != len(want) {
		t.Errorf("intake %v has fields it should not", intake)
	}
}

func equalJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestAnIntakeWithAFieldToFixSendsNothing(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	form := intakeForm()
	form.Del("data.title")
	form.Set("data.expected_registrations", "lots")
	w := post(t, h, sesPat, "/new/templates/webinar", form)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", w.Code)
	}
	if cmds := f.commands(); len(cmds) != 0 {
		t.Fatalf("sent %+v", cmds)
	}
	mustContain(t, w, "Nothing was sent", `id="f-data-title-problem"`, "required",
		`id="f-data-expected-registrations-problem"`, "must be a number",
		`value="key-webinar-1"`,                            // the same drawing of the form: one run however often it is sent
		`value="2027-01-20T16:00"`, `value="pat" selected`) // what was typed stays
}

func TestTheAPIsIntakeProblemsShowNextToTheirInputs(t *testing.T) {
	h, f := newTestApp(t)
	publish(f, webinar(t))
	f.on("POST /api/v1/template-runs", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("invalid", "the intake is not valid",
			domain.FieldProblem{Field: "intake.event_date", Problem: "must be in the future"})
	})
	w := post(t, h, sesPat, "/new/templates/webinar", intakeForm())
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "Nothing was started", `<p class="field-problem" id="f-data-event-date-problem" role="alert">must be in the future</p>`,
		`href="#f-data-event-date"`)
}

// runAPI answers the run's routes: the list, its detail and timeline.
func runAPI(t *testing.T, f *fakeAPI, tmpl templates.Template, run domain.TemplateRun, tasks ...domain.Task) {
	t.Helper()
	publish(f, tmpl)
	f.on("GET /api/v1/template-runs", func(r *http.Request, _ domain.Person) (int, any) {
		q := r.URL.Query()
		if q.Get("template") != tmpl.Key || q.Get("status") != string(run.Status) {
			return http.StatusOK, pageOf[domain.TemplateRun]()
		}
		return http.StatusOK, pageOf(run)
	})
	f.on("GET /api/v1/template-runs/{id}", func(r *http.Request, _ domain.Person) (int, any) {
		if r.PathValue("id") != run.ID {
			return http.StatusNotFound, apiErr("not_found", "template run "+r.PathValue("id")+" not found")
		}
		var waiting []domain.WaitingOn
		for _, k := range tasks {
			if k.IsOpen() {
				waiting = append(waiting, domain.WaitingOn{TaskID: k.ID, Title: k.Title, Assignee: k.Assignee, Team: k.Team, DueAt: k.DueAt})
			}
		}
		return http.StatusOK, runBody{TemplateRun: run, Template: tmpl, detailPart: detailPart{Tasks: tasks, Waiting: waiting, Live: true}}
	})
	f.on("GET /api/v1/template-runs/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(domain.Event{Kind: "started", At: run.CreatedAt, Message: "pat started “Webinar” (version 1): “Launch week live”"},
			domain.Event{Kind: "task_completed", At: run.CreatedAt.Add(time.Hour), Actor: "maya", Message: "maya completed “Triage the Webinar request “Launch week live””: approved"})
	})
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		q := r.URL.Query()
		var out []domain.Task
		for _, k := range tasks {
			if q.Get("process") == string(domain.ProcessTemplate) || q.Get("assignee") == "me" && k.Assignee == me.Handle {
				out = append(out, k)
			}
		}
		return http.StatusOK, taskPage(r, out...)
	})
	f.knowTasks(tasks...)
}

func TestATemplateHasItsBoard(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	runAPI(t, f, tmpl, webinarRun(tmpl), agendaTask)
	w := get(t, h, sesMaya, "/board/templates/webinar")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	// A column per stage, after triage, in the template's order and words.
	var at []int
	for _, col := range []string{`id="h-triage">Triage`, `id="h-plan">Plan`, `id="h-promote">Promote`, `id="h-run">Run`, `id="h-follow_up">Follow-up`} {
		i := strings.Index(body, col)
		if i < 0 {
			t.Fatalf("no column %s in\n%s", col, body)
		}
		at = append(at, i)
	}
	for i := 1; i < len(at); i++ {
		if at[i] < at[i-1] {
			t.Errorf("columns out of order: %v", at)
		}
	}
	plan := body[at[1]:at[2]]
	for _, want := range []string{`href="/template-runs/tpr_launch"`, "Launch week live", "Requested by", "Pat Manager",
		"Starts at", "Wed 20 Jan 2027 15:00 UTC", "Host", "Audience", "Customers, Partners", "Waiting on", "due in 2 days"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan column lacks %q:\n%s", want, plan)
		}
	}
	mustContain(t, w, `aria-current="page">Webinar</a>`, `href="/finished/templates/webinar"`)
}

func TestARunsPageShowsItsStageIntakeTasksAndTimeline(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	done := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	triage := domain.Task{ID: "tsk_triage", Process: domain.ProcessTemplate, ProcessID: "tpr_launch", Kind: domain.KindApproval,
		Title: "Triage the Webinar request “Launch week live”", Status: domain.TaskDone, Outcome: domain.OutcomeApproved, CompletedBy: "maya", CompletedAt: &done}
	runAPI(t, f, tmpl, webinarRun(tmpl), agendaTask, triage)
	w := get(t, h, sesPat, "/template-runs/tpr_launch")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w,
		`<a href="/board/templates/webinar">Webinar</a>`, "<h1>Launch week live</h1>", "Webinar, in Plan",
		// Progress: triage done, plan current.
		`class="step done"`, `<span class="step-label">Triage</span>`, `class="step current" aria-current="step"`, `<span class="step-label">Plan</span>`,
		// The intake in words.
		"Starts at", "Wed 20 Jan 2027 15:00", "Host</dt><dd>Pat Manager", "Customers, Partners", "Registrations expected</dt><dd>300",
		"Recorded for on-demand viewing?</dt><dd>Yes", "Webinar, version 1",
		// The host's task with its form, to complete here.
		`action="/tasks/tsk_agenda/complete"`, `name="data.speakers"`, `name="back" value="/template-runs/tpr_launch"`,
		// Finished tasks and the timeline.
		"Approved by Maya Ops", "Pat Manager started “Webinar” (version 1): “Launch week live”",
		// A task's title quoting the run's, quoted in turn, reads with single quotes inside.
		"Maya Ops completed “Triage the Webinar request ‘Launch week live’”: approved",
		// A comment is about a task or the whole run.
		`<option value="">The whole run</option>`,
		// Who asked for it may cancel it.
		`action="/template-runs/tpr_launch/cancel"`, "Cancel the run",
	)
	// Someone else may not cancel it, and is told who may.
	w = get(t, h, sesCleo, "/template-runs/tpr_launch")
	mustNotContain(t, w, `action="/template-runs/tpr_launch/cancel"`)
	mustContain(t, w, "Only who asked for it or marketing ops may cancel a run of a template.")
}

func TestCancellingARunGoesThroughTheAPI(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	runAPI(t, f, tmpl, webinarRun(tmpl), agendaTask)
	f.on("POST /api/v1/template-runs/{id}/cancel", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"id": "tpr_launch"}
	})
	w := post(t, h, sesPat, "/template-runs/tpr_launch/cancel", url.Values{"reason": {" The event moved "}, "idempotency_key": {"k-cancel"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/template-runs/tpr_launch" {
		t.Fatalf("status %d, location %q", w.Code, w.Header().Get("Location"))
	}
	cmds := f.commands()
	if len(cmds) != 1 || cmds[0].Path != "/api/v1/template-runs/tpr_launch/cancel" || cmds[0].Body["reason"] != "The event moved" {
		t.Fatalf("sent %+v", cmds)
	}
}

func TestATemplateTaskIsAnsweredInMyWorkWithItsForm(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	runAPI(t, f, tmpl, webinarRun(tmpl), agendaTask)
	w := get(t, h, sesPat, "/")
	mustContain(t, w, "Agenda and speakers: “Launch week live”", `href="/template-runs/tpr_launch"`, "<span>Work</span>",
		`<textarea id="f-tsk-agenda-data-speakers" name="data.speakers" rows="3" required`)

	// An empty required field is refused here, with nothing sent.
	w = post(t, h, sesPat, "/tasks/tsk_agenda/complete", url.Values{"outcome": {"done"}, "back": {"/"}, "data.speakers": {" "}})
	if w.Code != http.StatusUnprocessableEntity || len(f.commands()) != 0 {
		t.Fatalf("status %d, commands %+v", w.Code, f.commands())
	}
	mustContain(t, w, `id="f-tsk-agenda-data-speakers-problem"`)

	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		done := agendaTask
		done.Status = domain.TaskDone
		return http.StatusOK, done
	})
	w = post(t, h, sesPat, "/tasks/tsk_agenda/complete", url.Values{"outcome": {"done"}, "back": {"/"}, "data.speakers": {"Ana and Bo"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	cmds := f.commands()
	data, _ := cmds[0].Body["data"].(map[string]any)
	if len(cmds) != 1 || data["speakers"] != "Ana and Bo" {
		t.Fatalf("sent %+v", cmds)
	}
}

func TestARefusedAnswerOnARunsPageIsDrawnThere(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	runAPI(t, f, tmpl, webinarRun(tmpl), agendaTask)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("invalid", "the answer is not valid",
			domain.FieldProblem{Field: "data.speakers", Problem: "name at least one speaker"})
	})
	w := post(t, h, sesPat, "/tasks/tsk_agenda/complete", url.Values{"outcome": {"done"}, "back": {"/template-runs/tpr_launch"}, "data.speakers": {"tbd"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "<h1>Launch week live</h1>", "name at least one speaker", ">tbd</textarea>")
}

func TestATemplatesFinishedRuns(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	run := webinarRun(tmpl)
	run.Status, run.Reason = domain.StatusCancelled, "The event moved"
	runAPI(t, f, tmpl, run)
	w := get(t, h, sesMaya, "/finished/templates/webinar")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "Finished: Webinar", `href="/template-runs/tpr_launch"`, "Launch week live", "The event moved", "Requested by", "Pat Manager",
		`aria-current="page">Webinar</a>`)
}

// The report's figures about template runs are the API's: the page names
// them from the template (its stages in order, its tasks' titles) and counts
// nothing itself.
func TestTheOverviewReportShowsTheAPIsFiguresOfTemplateRuns(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	reportAPI(f)
	publish(f, tmpl)
	of := domain.TemplateOf{Template: tmpl.Key, TemplateName: tmpl.Name}
	f.on("GET /api/v1/reports/overview", func(r *http.Request, _ domain.Person) (int, any) {
		o := overview(testNow.Add(-30*24*time.Hour), testNow)
		o.OpenProcesses = append(o.OpenProcesses,
			domain.StageCount{Process: domain.ProcessTemplate, TemplateOf: of, Stage: "plan", Count: 1},
			domain.StageCount{Process: domain.ProcessTemplate, TemplateOf: of, Stage: "promote", Count: 2},
			domain.StageCount{Process: domain.ProcessTemplate, TemplateOf: of, Stage: "tracking", Count: 4})
		o.ApprovalCycleTimes = append(o.ApprovalCycleTimes,
			domain.CycleTime{Process: domain.ProcessTemplate, TemplateOf: of, Key: "agenda_review", Count: 3, Median: domain.Duration(3 * time.Hour), P90: domain.Duration(7 * time.Hour)},
			domain.CycleTime{Process: domain.ProcessTemplate, TemplateOf: of, Key: "intake:triage", Count: 5, Median: domain.Duration(time.Hour), P90: domain.Duration(2 * time.Hour)})
		o.EscalatedTasks = append(o.EscalatedTasks, domain.ProcessCount{Process: domain.ProcessTemplate, TemplateOf: of, Count: 3})
		return http.StatusOK, o
	})
	w := get(t, h, sesMaya, "/reports")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	for _, c := range f.calls {
		if c.Path == "/api/v1/template-runs" {
			t.Error("the page listed runs to count them itself")
		}
	}
	// Every stage of the template in its order, the tracking of its KPI after, as
	// a run's page lists them.
	mustContain(t, w, `<figcaption id="open-template-webinar-title" class="chart-title">Webinar runs by stage</figcaption>`,
		`<desc id="open-template-webinar-desc">Triage: 0. Plan: 1. Promote: 2. Run: 0. Follow-up: 0. Tracking KPIs: 4.</desc>`,
		`<th scope="row">Webinar: Review the agenda</th><td>3</td><td>3 hours</td><td>7 hours</td>`,
		`<th scope="row">Webinar: triage</th><td>5</td>`,
		`<th scope="row">Webinar</th><td>3 escalations</td>`)
	mustNotContain(t, w, "agenda_review", "intake:triage")
}

func TestMyWorkListsTheTasksOfMyRolesQueueThatNoTeamHolds(t *testing.T) {
	h, f := newTestApp(t)
	triage := domain.Task{ID: "tsk_triage", Process: domain.ProcessTemplate, ProcessID: "tpr_launch", Kind: domain.KindApproval,
		Title: "Triage the Webinar request “Launch week live”", Role: domain.RoleMarketingOpsManager, RequestedBy: "pat",
		Status: domain.TaskOpen, DueAt: testNow.Add(40 * time.Hour)}
	teamTask := approval // a queue task of maya's team: listed under her team, not again
	teamTask.Assignee = ""
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		q := r.URL.Query()
		switch {
		case q.Get("role") == string(domain.RoleMarketingOpsManager) && q.Get("status") == "open" && q.Get("unheld") == "true":
			return http.StatusOK, pageOf(triage) // as the API answers: not the team's task
		case q.Get("team") == string(domain.TeamMarketingOps) && q.Get("status") == "open":
			return http.StatusOK, taskPage(r, teamTask)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
	w := get(t, h, sesMaya, "/")
	mustContain(t, w, "Open for a marketing ops manager", "Triage the Webinar request “Launch week live”",
		`action="/tasks/tsk_triage/complete"`, `href="/template-runs/tpr_launch"`)
	if n := strings.Count(w.Body.String(), `id="task-tsk_review"`); n != 1 {
		t.Errorf("the team's task shows %d times", n)
	}
	// Pat holds no role of that queue: it is not on his work.
	w = get(t, h, sesPat, "/")
	mustNotContain(t, w, "Triage the Webinar request")
}

func TestARunInTriageWaitsOnTheTriageRoleInWords(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	run := webinarRun(tmpl)
	run.Stage = domain.StageTriage
	triage := domain.Task{ID: "tsk_triage", Process: domain.ProcessTemplate, ProcessID: "tpr_launch", Kind: domain.KindApproval,
		Title: "Triage the Webinar request “Launch week live”", Role: domain.RoleMarketingOpsManager, RequestedBy: "pat",
		Status: domain.TaskOpen, DueAt: testNow.Add(40 * time.Hour)}
	runAPI(t, f, tmpl, run, triage)
	w := get(t, h, sesPat, "/template-runs/tpr_launch")
	mustContain(t, w, "Webinar, in Triage", `<span class="who">A marketing ops manager</span>`)
	mustNotContain(t, w, "Anyone eligible")
}

// A run tracking its KPIs shows them, and who asked for it records their
// actuals on its page, by each KPI's key; someone else is told why not.
func TestARunTrackingItsKPIsTakesTheirActuals(t *testing.T) {
	h, f := newTestApp(t)
	tmpl := webinar(t)
	run := webinarRun(tmpl)
	run.Stage = domain.StageTracking
	got := 120.0
	run.KPIs = []domain.TemplateKPI{
		{Key: "registrations", Name: "Registrations", Unit: "people", Direction: domain.Higher, Target: 300,
			TrackedFrom: testNow.Add(-48 * time.Hour), TrackedUntil: testNow.Add(7 * 24 * time.Hour), Actual: &got},
		{Key: "no_shows", Name: "No-shows", Direction: domain.Lower, Target: 50,
			TrackedFrom: testNow.Add(-48 * time.Hour), TrackedUntil: testNow.Add(-time.Hour), Result: domain.KPIUnmeasured},
	}
	runAPI(t, f, tmpl, run)
	page := get(t, h, sesPat, "/template-runs/tpr_launch")
	mustContain(t, page, "Registrations", "being tracked", "not measured", "Record KPI actuals", `name="kpi_name" value="registrations"`)
	// A window of weeks reads in days, one of hours with its times.
	mustContain(t, page, `>Fri 20 Nov</time> to <time datetime="2026-11-29T09:00:00Z" title="Sunday 29 November 2026">Sun 29 Nov</time>`,
		`>Fri 09:00 UTC</time> to <time datetime="2026-11-22T08:00:00Z" title="Sunday 22 November 2026, 08:00 UTC" data-local>today 08:00 UTC</time>`)
	// The window of no-shows has ended: no input for it.
	mustNotContain(t, page, `name="kpi_name" value="no_shows"`)

	f.on("POST /api/v1/template-runs/{id}/kpis", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"id": "tpr_launch"}
	})
	w := post(t, h, sesPat, "/template-runs/tpr_launch/kpis", url.Values{"kpi_name": {"registrations"}, "kpi_value": {"321"}, "idempotency_key": {"k-kpis"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/template-runs/tpr_launch" {
		t.Fatalf("status %d, location %q", w.Code, w.Header().Get("Location"))
	}
	cmds := f.commands()
	if len(cmds) != 1 || cmds[0].Path != "/api/v1/template-runs/tpr_launch/kpis" || fmt.Sprint(cmds[0].Body["actuals"]) != "[map[name:registrations value:321]]" {
		t.Fatalf("sent %+v", cmds)
	}

	// Cleo neither asked for it nor is marketing ops.
	mustContain(t, get(t, h, sesCleo, "/template-runs/tpr_launch"), "Only who asked for it or marketing ops may record the KPIs")
}
