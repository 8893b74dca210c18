package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// TestTemplateInTheBoard runs the example webinar template from start to
// completed in the browser, each step by the person whose work it is: Maya
// (marketing ops) publishes the template over the API, as `tandem templates
// apply` would; Pat starts a webinar on the template's start form, for
// customers and partners, not recorded; Maya accepts it in triage from her
// role's queue on My work; Pat writes the agenda on the run's page and Maya
// approves it; Wes (web) and Colin (content) do their promotion and Maya the
// partners' mailing the audience calls for; Pat rehearses; Colin sends the
// follow-up and Ana (analytics) records who attended in the task's form. The
// run completes, and the template's finished runs list it.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the start page, the intake form with
// a problem, the template's board and the run's page at desktop and phone
// widths there, as <width>-template-<page>.png.
func TestTemplateInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	shoot := func(b *tab, name string) {
		if shots != "" {
			b.shoot(shots, "template-"+name, "")
		}
	}
	names := map[string]string{"pat": "Pat Morgan", "maya": "Maya Ortiz", "colin": "Colin Shaw", "wes": "Wes Brandt", "ana": "Ana Lopez"}
	tabs := map[string]*tab{}
	as := func(handle string) *tab {
		if b := tabs[handle]; b != nil {
			return b
		}
		b := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
		b.goTo("/")
		b.signIn(s.tokens[handle], names[handle])
		tabs[handle] = b
		return b
	}

	doc, err := os.ReadFile("../examples/templates/webinar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Without its KPI: the webinar tracks registrations for eight weeks after
	// its last stage, and this test follows a run to completed
	// (TestTemplateRunOverHTTPWebinar records the KPI).
	tmpl.KPIs = nil
	s.must(http.StatusCreated, "maya", http.MethodPost, "/api/v1/templates", tmpl, nil)

	const title = "Launch week live"
	of := func(what string) string { return what + ": “" + title + "”" }

	// Pat finds the webinar under Start, reads how it runs, and sends the
	// intake once without its title, which the page refuses next to it.
	pat := as("pat")
	pat.goTo("/new")
	pat.click(`nav.tabs a[href="/new/templates/webinar"]`)
	pat.wait("the webinar's start page", `location.pathname === '/new/templates/webinar'`)
	pat.sees("the outline", "How it runs", "Triage", "Agenda and speakers", "The person in “Host”",
		"Only if “Audience” includes Partners", "Only if “Recorded for on-demand viewing?” is yes")
	shoot(pat, "start")
	event := time.Now().AddDate(0, 0, 60).Format("2006-01-02") + "T16:00"
	pat.eval(fmt.Sprintf(`document.querySelector('form.start [name="data.event_date"]').value = %q`, event))
	pat.eval(`document.querySelector('form.start [name="data.host"]').value = 'pat'`)
	pat.click(`form.start input[name="data.audience"][value="customers"]`)
	pat.click(`form.start input[name="data.audience"][value="partners"]`)
	pat.typeInto(`form.start [name="data.expected_registrations"]`, "300")
	pat.click(`form.start input[name="data.recorded"][value="false"]`)
	pat.eval(`document.querySelector('form.start [name="data.title"]').removeAttribute('required')`) // past the browser's own check
	pat.click("form.start button[type=submit]")
	pat.sees("the title refused", "Nothing was sent", "Title: required")
	shoot(pat, "intake-problem")
	pat.typeInto(`form.start [name="data.title"]`, title)
	pat.click("form.start button[type=submit]")
	pat.wait("the run's page", `location.pathname.startsWith('/template-runs/tpr_')`)
	pat.notice("Started", title)
	page := strings.TrimPrefix(pat.location(), s.url)
	pat.inStage("Triage")
	pat.sees("the request in words", "Host", "Pat Morgan", "Customers, Partners", "300")

	// Maya triages it from her role's queue, then approves the agenda.
	maya := as("maya")
	maya.goTo("/")
	maya.sees("her role's queue", "Open for a marketing ops manager")
	card := maya.taskCard("Triage the Webinar request")
	maya.click("#" + card + " button[value=approved]")
	maya.notice("Approved", "Triage the Webinar request")

	pat.goTo(page)
	pat.inStage("Plan")
	card = pat.taskCard(of("Agenda and speakers"))
	shoot(pat, "run")
	pat.typeInto("#"+card+` textarea[name="data.speakers"]`, "Pat Morgan and a customer, Jo Lin")
	pat.click("#" + card + " button[value=done]")
	pat.notice("Done", of("Agenda and speakers"))

	maya.goTo("/")
	card = maya.taskCard(of("Review the agenda"))
	maya.click("#" + card + " button[value=approved]")
	maya.notice("Approved", of("Review the agenda"))

	// Promotion: the board shows the run in its column, waiting on the teams.
	maya.goTo("/board/templates/webinar")
	maya.wait("the run in Promote", fmt.Sprintf(`(c => !!c && c.textContent.includes(%q))(document.querySelector('#stage-promote'))`, title))
	maya.sees("the card's fields", "Starts at", "Audience", "Customers, Partners")
	shoot(maya, "board")
	do := func(who, task string) {
		t.Helper()
		b := as(who)
		b.goTo("/")
		c := b.taskCard(of(task))
		b.click("#" + c + " button[value=done]")
		b.notice("Done", of(task))
	}
	do("wes", "Registration page")
	do("colin", "Invitation e-mails")
	do("maya", "Mailing to partners")

	// The event: Pat rehearses; no recording, as the intake said.
	pat.goTo(page)
	pat.inStage("Run")
	do("pat", "Rehearsal")

	// Follow-up: Colin's mail, and Ana's count of who came, in its form.
	do("colin", "Follow-up e-mail to those who came")
	ana := as("ana")
	ana.goTo("/")
	card = ana.taskCard(of("Registrations and attendance"))
	ana.typeInto("#"+card+` [name="data.attended"]`, "212")
	ana.click("#" + card + " button[value=done]")
	ana.notice("Done", of("Registrations and attendance"))

	pat.goTo(page)
	pat.wait("the run completed", `!!document.querySelector('.status-line .badge.s-completed')`)
	pat.sees("the run ended", "This run has ended")
	if pat.hasTask(of("Publish the recording")) {
		t.Error("the recording's task opened, though the webinar is not recorded")
	}
	pat.goTo("/finished/templates/webinar")
	pat.sees("the finished run", title, "Completed")
	for _, b := range tabs {
		b.checkErrors()
	}
}

// newsletter is a short template with a KPI: a content task, then the opens it
// gets, tracked for an hour from when the issue was sent, against the intake's
// figure.
const newsletter = `key: newsletter
version: 1
name: Newsletter
description: An issue of the customer newsletter, from the draft to the opens it gets.
triage: {role: marketing_ops_manager}
intake:
  - {name: title, type: text, label: Title, required: true}
  - {name: sent_at, type: date_time, label: Sent at, required: true}
  - {name: expected_opens, type: number, label: Opens expected, required: true, min: 1}
stages:
  - key: write
    name: Write
    tasks:
      - key: draft
        title: Draft the issue
        kind: work
        assignee: {team: content}
        due: 2 days after start
kpis:
  - key: opens
    name: Opens
    unit: people
    direction: higher
    target: {field: expected_opens}
    tracking: {from: sent_at, for: 1 hour}
board:
  title: title
  card: [sent_at]
`

// TestTemplateRunKPIsInTheBoard follows a run of a template with a KPI through
// its tracking in the board: its last stage done (over the API), the run
// tracks its KPI; Pat, who asked for it, records the actual on the run's page,
// which shows it; the window ends, the KPI is met and the run completes; the
// overview report then scores it beside the template's running runs.
//
// The KPI's window is an hour from the intake's send time, set a little less
// than an hour before the run starts, so it ends within the test.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the run's page while it tracks its
// KPI and once it has ended, and the report, at desktop and phone widths, as
// <width>-template-kpis-<page>.png.
func TestTemplateRunKPIsInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	tmpl, err := templates.Parse([]byte(newsletter))
	if err != nil {
		t.Fatal(err)
	}
	s.must(http.StatusCreated, "maya", http.MethodPost, "/api/v1/templates", tmpl, nil)

	// The window ends 100 s after the start: time to answer the tasks and
	// record the actual in the browser first.
	sentAt := time.Now().Add(-time.Hour + 100*time.Second).UTC().Truncate(time.Second)
	startRun := func(title string) templateRunAnswer {
		var run templateRunAnswer
		s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/template-runs", map[string]any{"template": "newsletter",
			"intake": map[string]any{"title": title, "sent_at": sentAt.Format(time.RFC3339), "expected_opens": 1200}}, &run)
		return run
	}
	run := startRun("December issue")
	startRun("January issue") // stays in triage: the report counts it running
	path := "/api/v1/template-runs/" + run.ID
	for deadline := time.Now().Add(time.Minute); run.Stage != string(domain.StageTracking); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the run is %s in %s", run.Status, run.Stage)
		}
		s.must(http.StatusOK, "pat", http.MethodGet, path, nil, &run)
		for _, tk := range run.Tasks {
			if !tk.IsOpen() {
				continue
			}
			who, outcome := "colin", domain.OutcomeDone
			if tk.Kind == domain.KindApproval {
				who, outcome = "maya", domain.OutcomeApproved
			}
			// A task opened a moment ago may not be in the records yet: 404 until it is.
			if st := s.call(who, http.MethodPost, "/api/v1/tasks/"+tk.ID+"/complete", map[string]any{"outcome": outcome}, nil); st != http.StatusOK && st != http.StatusNotFound {
				t.Fatalf("complete %s as %s: %d", tk.Key, who, st)
			}
		}
	}

	b := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
	b.goTo("/")
	b.signIn(s.tokens["pat"], "Pat Morgan")
	page := "/template-runs/" + run.ID
	b.goTo(page)
	b.inStage("Tracking KPIs")
	b.sees("the KPI being tracked", "Opens", "1,200 people", "being tracked")
	b.click("#action-kpis summary")
	b.typeInto("#kpi-0", "1350")
	if shots != "" {
		b.shoot(shots, "template-kpis-form", "")
	}
	b.click("#action-kpis button[type=submit]")
	b.wait("the actual recorded", `(m => m.includes('1,350 people') && m.includes('being tracked'))(document.querySelector('main').innerText)`)
	b.sees("the recording in the timeline", "Pat Morgan recorded KPI actuals: Opens = 1,350")
	if shots != "" {
		b.shoot(shots, "template-kpis-tracking", "")
	}

	// The window ends: the KPI is met, and the run, which has no retrospective, completes.
	for deadline := time.Now().Add(3 * time.Minute); run.Status != domain.StatusCompleted; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("the run is %s in %s, KPIs %+v", run.Status, run.Stage, run.KPIs)
		}
		s.must(http.StatusOK, "pat", http.MethodGet, path, nil, &run)
	}
	b.goTo(page)
	b.sees("the KPI met", "1,350 people", "met", "This run has ended")
	if shots != "" {
		b.shoot(shots, "template-kpis-ended", "")
	}

	// Maya reads the report: the run's KPI met, the other run in triage.
	maya := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
	maya.goTo("/")
	maya.signIn(s.tokens["maya"], "Maya Ortiz")
	maya.goTo("/reports")
	maya.sees("the run's KPIs", "KPIs of the campaigns and runs completed", "100% of KPIs met (1 of 1)", "December issue", "Newsletter")
	maya.sees("the running runs", "Newsletter runs by stage")
	maya.wait("the January issue in triage", `document.querySelector('#open-template-newsletter-desc').textContent.includes('Triage: 1. Write: 0. Tracking KPIs: 0.')`)
	if shots != "" {
		maya.shoot(shots, "template-kpis-report", "")
	}
	b.checkErrors()
	maya.checkErrors()
}
