package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
