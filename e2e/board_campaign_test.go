package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCampaignInTheBoard takes a campaign from brief to completed in the
// browser alone, each step by the person whose work it is, as they would: Pat
// starts it on the start form; Maya asks for a higher target and Pat revises
// the brief in the task's form; Maya approves it; Pat files a change request on
// the campaign's page, adding email (and with it a landing page) and moving the
// launch up to a minute or two from now; Cleo, Colin, Ana and Wes do their
// deliverables; Maya rejects her sign-off, picking the landing page to redo;
// Wes redoes it; both sign off; the launch goes out on time; Ana records the
// sign-ups on the KPI form; Pat and Maya write the retrospective. Nothing is
// sent to the API but by the pages: the demo people are the only setup.
//
// The policy is seconds() with a tracking window long enough for a person to
// record a KPI in it. A launch is typed to the minute, so the change moves it to
// the first whole minute far enough out for the rest of the work.
//
// With TANDEM_SCREENSHOTS=<dir> it also saves the campaign's page at each step
// (and the sign-off's rework form) at desktop and phone widths there.
func TestCampaignInTheBoard(t *testing.T) {
	ctx := browser(t)
	pol := seconds()
	pol.Campaign.TrackingWindow = dur(15 * time.Second)
	s := start(t, pol)
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	shoot := func(b *tab, name, prepare string) {
		if shots != "" {
			b.shoot(shots, "campaign-"+name, prepare)
		}
	}

	names := map[string]string{"pat": "Pat Morgan", "maya": "Maya Ortiz", "cleo": "Cleo Park", "colin": "Colin Shaw", "wes": "Wes Brandt", "ana": "Ana Lopez"}
	tabs := map[string]*tab{}
	// as is the person's own browser, signed in once.
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
	const name = "Spring social"
	// Task titles quote the campaign's name.
	of := func(what string) string { return what + " “" + name + "”" }

	// Pat starts the campaign on the start form: social only, a month out (the
	// form's default launch), sign-ups as the goal.
	pat := as("pat")
	pat.goTo("/new/campaign")
	pat.typeInto(`form.start [name="name"]`, name)
	pat.typeInto(`form.start [name="objective"]`, "Grow trial sign-ups")
	pat.typeInto(`form.start [name="audience"]`, "Small business owners")
	pat.click(`form.start input[name="channels"][value="social"]`)
	pat.typeInto(`form.start [name="budget.amount"]`, "20000")
	pat.typeInto(`form.start [name="kpis[0].name"]`, "signups")
	pat.typeInto(`form.start [name="kpis[0].target"]`, "1000")
	pat.typeInto(`form.start [name="kpis[0].unit"]`, "signups")
	pat.click("form.start button[type=submit]")
	pat.wait("the new campaign's page", `location.pathname.startsWith('/campaigns/cmp_')`)
	pat.notice(name, "waiting for marketing ops")
	page := strings.TrimPrefix(pat.location(), s.url)
	pat.inStage("Brief review")
	pat.sees("the brief waiting on Maya", "Waiting on", "Maya Ortiz", of("Review the brief of"))
	if got := pat.fact("Tracking window"); got != "15 seconds" {
		t.Errorf("the brief's tracking window reads %q, want the policy's 15 seconds", got)
	}
	shoot(pat, "1-brief-review", "")

	// Maya wants a higher target; Pat raises it in the revise form, which
	// starts from the brief as it is.
	maya := as("maya")
	maya.goTo("/")
	card := maya.taskCard(of("Review the brief of"))
	maya.typeInto("#"+card+" textarea[name=comment]", "Aim for 1200 sign-ups, the last campaign did 1100")
	maya.click("#" + card + " button[value=changes_requested]")
	maya.notice("Changes requested", of("Review the brief of"))

	pat.goTo("/")
	card = pat.taskCard(of("Revise the brief of"))
	pat.sees("Maya's request in the task", "Changes requested: “Aim for")
	if got := evalJS[string](pat, fmt.Sprintf(`document.querySelector(%q).value`, "#"+card+` [name="data.brief.objective"]`)); got != "Grow trial sign-ups" {
		t.Errorf("the revise form starts with objective %q, want the brief's", got)
	}
	target := "#" + card + ` [name="data.brief.kpis[0].target"]`
	pat.do("clear the target", chromedp.Clear(chromedp.CSS(target)))
	pat.typeInto(target, "1200")
	pat.click("#" + card + " button[value=done]")
	pat.notice("Done", of("Revise the brief of"))

	maya.goTo("/")
	card = maya.taskCard(of("Review the revised brief of"))
	maya.click("#" + card + " button[value=approved]")
	maya.notice("Approved", of("Review the revised brief of"))

	// Production: the plan for social, against the revised target.
	pat.goTo(page)
	pat.inStage("Production")
	pat.sees("the work planned for social", of("Creative assets for"), of("Copy for"), of("Tracking and attribution for"))
	pat.sees("the revised target", "1,200 signups")
	if pat.hasTask(of("Landing page for")) {
		t.Error("a landing page is planned before email was added")
	}

	// Pat's change request: email added, and the launch moved up to the first
	// whole minute that leaves the rest of the work time (more with screenshots,
	// which take a few seconds each).
	pat.click("#action-change summary")
	pat.wait("the change form's time zone", `!!document.querySelector('#action-change input[name=tz]').value`)
	zone, err := time.LoadLocation(evalJS[string](pat, `document.querySelector('#action-change input[name=tz]').value`))
	if err != nil {
		t.Fatalf("the change form's time zone: %v", err)
	}
	lead := 30 * time.Second
	if shots != "" {
		lead += 20 * time.Second
	}
	launch := time.Now().Add(lead).Truncate(time.Minute).Add(time.Minute).In(zone)
	// Set as picking it would leave it (see actionShots).
	pat.do("pick the new launch time", chromedp.SetValue(chromedp.CSS("#change-launch"), launch.Format("2006-01-02T15:04")))
	pat.click(`#action-change input[name="add_channels"][value="email"]`)
	pat.typeInto("#change-reason", "Email the trial list too, and launch with the spring sale")
	shoot(pat, "2-change-form", `document.querySelector('#action-change').open = true`)
	pat.click("#action-change button[type=submit]")
	changed := time.Now()
	pat.notice("Change requested")
	pat.sees("the landing page email needs", of("Landing page for"))
	if got, want := pat.fact("Launch"), launch.Format("15:04"); !strings.Contains(got, want) {
		t.Errorf("the brief's launch reads %q after the change, want %s", got, want)
	}
	if got := pat.fact("Channels"); got != "Social, Email" {
		t.Errorf("the brief's channels read %q after the change, want Social, Email", got)
	}
	pat.sees("the change in the timeline", "Email the trial list too")
	shoot(pat, "3-production-after-change", "")

	// Each team does its deliverable from its own work.
	for _, d := range []struct{ who, title string }{
		{"cleo", "Creative assets for"}, {"colin", "Copy for"}, {"ana", "Tracking and attribution for"}, {"wes", "Landing page for"},
	} {
		b := as(d.who)
		b.goTo("/")
		b.click("#" + b.taskCard(of(d.title)) + " button[value=done]")
		b.notice("Done", of(d.title))
	}

	// Readiness. Maya rejects her sign-off and picks the landing page to redo.
	pat.goTo(page)
	pat.inStage("Readiness")
	pat.sees("both sign-offs asked for", of("Project manager sign-off for"), of("Marketing ops sign-off for"))
	maya.goTo("/")
	card = maya.taskCard(of("Marketing ops sign-off for"))
	pick := fmt.Sprintf(`(Array.from(document.querySelectorAll(%q)).find(i => i.closest('label').textContent.includes(%q)) || {}).value || ''`,
		"#"+card+` input[name="data.rework"]`, of("Landing page for"))
	maya.wait("the landing page among the work to redo", pick)
	maya.click("#" + card + fmt.Sprintf(` input[name="data.rework"][value=%q]`, evalJS[string](maya, pick)))
	maya.typeInto("#"+card+" textarea[name=comment]", "The landing page still shows last year's prices")
	shoot(maya, "4-sign-off-rework-form", "")
	maya.click("#" + card + " button[value=rejected]")
	maya.notice("Rejected", of("Marketing ops sign-off for"))

	pat.goTo(page)
	pat.inStage("Production")
	pat.sees("the landing page sent back", "Rework: "+of("Landing page for"), "last year's prices")
	if pat.hasTask(of("Project manager sign-off for")) || pat.hasTask(of("Creative assets for")) {
		t.Error("with the landing page sent back, a sign-off or other work is still open")
	}
	shoot(pat, "5-rework", "")
	wes := as("wes")
	wes.goTo("/")
	wes.click("#" + wes.taskCard("Rework: "+of("Landing page for")) + " button[value=done]")
	wes.notice("Done", "Rework: "+of("Landing page for"))

	// Both sign off, and the launch is scheduled.
	for _, who := range []string{"pat", "maya"} {
		b := as(who)
		b.goTo("/")
		title := of(map[string]string{"pat": "Project manager sign-off for", "maya": "Marketing ops sign-off for"}[who])
		b.click("#" + b.taskCard(title) + " button[value=approved]")
		b.notice("Approved", title)
	}
	pat.goTo(page)
	pat.inStage("Scheduled")
	pat.sees("nothing left to do before launch", "Nobody: no task is open.")
	// The lead is what the work after the change may take: too short, and
	// the launch slips (which the report below would say).
	t.Logf("the work after the change took %s of its lead of %s; launch in %s", time.Since(changed).Round(time.Second), lead, time.Until(launch).Round(time.Second))
	shoot(pat, "6-scheduled", "")

	// The launch goes out at the time Pat picked; Ana records the sign-ups.
	pat.waitFor(lead+2*time.Minute, "the launch", `document.querySelector('.status-line').textContent.includes('in Tracking')`)
	if late := time.Since(launch); late < 0 {
		t.Errorf("launched %s before the time Pat picked", -late)
	}
	ana := as("ana")
	ana.goTo(page)
	ana.inStage("Tracking")
	ana.click("#action-kpis summary")
	ana.typeInto("#kpi-0", "1250")
	ana.click("#action-kpis button[type=submit]")
	ana.notice("KPI actuals recorded")
	ana.sees("the sign-ups against the target", "1,250 signups", "on target")
	shoot(ana, "7-kpi-recorded", "")

	// The tracking window ends: the retrospective's report, then its tasks.
	pat.goTo(page)
	pat.waitFor(time.Minute, "the retrospective", `document.querySelector('.status-line').textContent.includes('in Retrospective')`)
	pat.sees("the retrospective report", "Retrospective report")
	for f, want := range map[string]string{"Rework tasks": "1", "Launch slipped": "No", "Overdue tasks": "0"} {
		if got := pat.fact(f); got != want {
			t.Errorf("the report's %s reads %q, want %q", f, got, want)
		}
	}
	if got, want := pat.fact("Planned launch"), launch.Format("15:04"); !strings.Contains(got, want) {
		t.Errorf("the report's planned launch reads %q, want %s", got, want)
	}
	shoot(pat, "8-retrospective", "")
	for _, who := range []string{"pat", "maya"} {
		b := as(who)
		b.goTo("/")
		card := b.taskCard(of("Retrospective of"))
		b.typeInto("#"+card+" textarea[name=comment]", map[string]string{
			"pat": "Plan the landing page with the prices team", "maya": "Email lifted sign-ups: plan it from the start",
		}[who])
		b.click("#" + card + " button[value=done]")
		b.notice("Done", of("Retrospective of"))
	}

	pat.goTo(page)
	pat.wait("the campaign completed", `!!document.querySelector('.status-line .badge.s-completed')`)
	pat.sees("the campaign ended", "The campaign has ended", "Plan the landing page with the prices team", "Email lifted sign-ups")
	shoot(pat, "9-completed", "")
	for _, b := range tabs {
		b.checkErrors()
	}
}

// inStage waits for the process page's status line to name stage.
func (b *tab) inStage(stage string) {
	b.t.Helper()
	b.wait("the stage "+stage, fmt.Sprintf(`document.querySelector('.status-line').textContent.includes(%q)`, "in "+stage))
}

// sees waits for main to read every one of parts, as the person checks what.
func (b *tab) sees(what string, parts ...string) {
	b.t.Helper()
	conds := make([]string, len(parts))
	for i, p := range parts {
		conds[i] = fmt.Sprintf(`m.includes(%q)`, p)
	}
	b.wait(what, fmt.Sprintf(`(m => %s)(document.querySelector('main').innerText)`, strings.Join(conds, " && ")))
}

// hasTask reports whether the page shows an open task whose title starts with prefix.
func (b *tab) hasTask(prefix string) bool {
	b.t.Helper()
	return evalJS[bool](b, fmt.Sprintf(`Array.from(document.querySelectorAll('main article.task h3')).some(h => h.textContent.trim().startsWith(%q))`, prefix))
}

// fact reads the value of a page's fact (a dt and its dd), "" when there is none.
func (b *tab) fact(term string) string {
	b.t.Helper()
	return evalJS[string](b, fmt.Sprintf(`((dt => dt && dt.nextElementSibling ? dt.nextElementSibling.innerText.trim() : '')(Array.from(document.querySelectorAll('main dl.facts dt')).find(d => d.textContent.trim() === %q)))`, term))
}
