package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
)

// TestHiringInTheBoard takes a hiring request from request to filled in the
// browser alone, each step by the person whose work it is, as they would: Pat
// requests a hire on the start form; Maya, Finn and Hana approve it from their
// work; Hana posts the role and adds a candidate on the request's page; Sam,
// the hiring manager, gives interview feedback with an offer in the task's
// form; Maya approves the offer; Hana records the candidate's answer; Ada, Sam
// and Hana do the onboarding. Nothing is sent to the API but by the pages: the
// demo people are the only setup.
//
// With TANDEM_SCREENSHOTS=<dir> it also saves the pages of the actions it takes
// (and a campaign's add-task form, the notifications, your own page, the
// report and the finished view) at desktop and phone widths there.
func TestHiringInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, domain.DefaultPolicy())
	shots := os.Getenv("TANDEM_SCREENSHOTS")

	names := map[string]string{"pat": "Pat Morgan", "maya": "Maya Ortiz", "finn": "Finn Walsh", "hana": "Hana Sato", "sam": "Sam Reed", "ada": "Ada Quinn"}
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

	// Pat requests the hire on the start form, with Sam as hiring manager; the
	// budget stays under the director's threshold.
	pat := as("pat")
	pat.goTo("/new/hiring-request")
	pat.typeInto("#f-title", "Marketing analyst")
	pat.typeInto("#f-level", "L3")
	pat.typeInto("#f-justification", "Campaign reporting takes a day a week")
	pat.typeInto("#f-budget-min", "70000")
	pat.typeInto("#f-budget-max", "90000")
	pat.do("choose Sam as hiring manager", chromedp.SetValue(chromedp.CSS("#f-hiring-manager"), "sam"))
	pat.click("form.start button[type=submit]")
	pat.wait("the new request's page", `location.pathname.startsWith('/hiring-requests/hir_')`)
	pat.notice("Marketing analyst", "sent for approval")
	page := strings.TrimPrefix(pat.location(), s.url)

	// The approval chain, each from the approver's own work.
	for _, step := range []struct{ who, title string }{
		{"maya", "Headcount approval"}, {"finn", "Budget approval"}, {"hana", "Open the requisition"},
	} {
		b := as(step.who)
		b.goTo("/")
		card := b.taskCard(step.title)
		b.click("#" + card + " button[value=approved]")
		b.notice("Approved", step.title)
	}

	// Recruiting: Hana posts the role, then adds the candidate on the request's page.
	hana := as("hana")
	hana.goTo("/")
	hana.click("#" + hana.taskCard("Post the role") + " button[value=done]")
	hana.notice("Done", "Post the role")
	hana.goTo(page)
	hana.wait("the request in recruiting, taking candidates", `!!document.querySelector('#action-candidate summary')`)
	if shots != "" {
		hana.shoot(shots, "hiring-add-candidate", `document.querySelector('#action-candidate').open = true`)
		hana.goTo(page)
	}
	hana.click("#action-candidate summary")
	hana.typeInto("#candidate-name", "Jane Roe")
	hana.typeInto("#candidate-email", "jane.roe@example.com")
	hana.click(`#action-candidate button[type=submit]`)
	hana.notice("Candidate added: Jane Roe")

	// Sam, the hiring manager, says to hire her, and at what salary.
	sam := as("sam")
	sam.goTo("/")
	card := sam.taskCard("Interview feedback")
	if shots != "" {
		sam.shoot(shots, "mywork-task-form-and-reassign", fmt.Sprintf(`document.querySelector(%q).open = true`, "#"+card+" details.reassign"))
		sam.goTo("/")
		card = sam.taskCard("Interview feedback")
	}
	sam.click("#" + card + ` input[name="data.hire"][value="true"]`)
	sam.typeInto("#"+card+` input[name="data.offer_amount"]`, "85000")
	sam.click("#" + card + " button[value=done]")
	sam.notice("Done", "Interview feedback")

	// Within budget, the offer needs marketing ops alone.
	maya := as("maya")
	maya.goTo("/")
	maya.click("#" + maya.taskCard("Approve the offer") + " button[value=approved]")
	maya.notice("Approved", "Approve the offer")

	// Hana records that the candidate accepted.
	hana.goTo("/")
	card = hana.taskCard("Record Jane Roe's answer") // HR may know the candidate by name
	hana.click("#" + card + ` input[name="data.answer"][value="accepted"]`)
	hana.click("#" + card + " button[value=done]")
	hana.notice("Done", "Record Jane Roe's answer")

	// Onboarding. IT setup is for any admin, of no team: Ada finds it on the
	// request's page.
	ada := as("ada")
	ada.goTo(page)
	ada.click("#" + ada.taskCard("IT setup") + " button[value=done]")
	ada.notice("Done", "IT setup")
	sam.goTo("/")
	sam.click("#" + sam.taskCard("Onboarding plan") + " button[value=done]")
	sam.notice("Done", "Onboarding plan")
	hana.goTo("/")
	hana.click("#" + hana.taskCard("HR paperwork") + " button[value=done]")
	hana.notice("Done", "HR paperwork")

	pat.goTo(page)
	pat.wait("the request filled", `!!document.querySelector('.status-line .badge.s-filled')`)
	if shots != "" {
		actionShots(t, s, pat, maya, hana, shots)
	}
	for _, b := range tabs {
		b.checkErrors()
	}
}

// taskCard waits on the open page for the card of an open task whose title
// starts with prefix, and returns its element ID.
func (b *tab) taskCard(prefix string) string {
	b.t.Helper()
	find := fmt.Sprintf(`(Array.from(document.querySelectorAll('main article.task')).find(a => a.querySelector('h3').textContent.trim().startsWith(%q)) || {}).id || ''`, prefix)
	b.wait("the task "+prefix, find)
	return evalJS[string](b, find)
}

// typeInto types text into the input sel finds, as a person would.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.wait(sel+" to show", fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// actionShots saves the pages of the actions left once the request is filled:
// the finished view, the notifications, Maya setting her out-of-office, the
// report, and a campaign's add-task form (its campaign started and its brief
// approved over the API: screenshots are not part of the test's claim).
func actionShots(t *testing.T, s *stack, pat, maya, hana *tab, dir string) {
	t.Helper()
	pat.shoot(dir, "hiring-filled", "")
	pat.goTo("/finished/hiring-requests")
	pat.shoot(dir, "finished", "")
	pat.goTo("/finished/hiring-requests?q=analyst&status=filled")
	pat.shoot(dir, "finished-search", "")
	hana.goTo("/notifications")
	hana.shoot(dir, "notifications", "")

	maya.goTo("/me")
	// A datetime-local input takes keys by its segments, in the browser's
	// locale: its value is set as a person's picking would leave it.
	maya.do("pick the window", chromedp.SetValue(chromedp.CSS("#f-away-from"), "2030-01-06T09:00"),
		chromedp.SetValue(chromedp.CSS("#f-away-to"), "2030-01-17T18:00"))
	maya.do("choose Sam as delegate", chromedp.SetValue(chromedp.CSS("#f-away-delegate"), "sam"))
	maya.click("form.away button[type=submit]")
	maya.notice("Out of office set")
	maya.shoot(dir, "me-out-of-office", "")

	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", campaignBrief("Winter webinar", 30*24*time.Hour), &c)
	review := s.projected(s.waitFor(c.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	s.waitFor(c.ID, "production", func(c campaign) bool { return c.Stage == domain.StageProduction })
	pat.goTo("/campaigns/" + c.ID)
	pat.wait("the add-task form", `!!document.querySelector('#action-task')`)
	pat.shoot(dir, "campaign-add-task", `document.querySelector('#action-task').open = true`)
	pat.goTo("/board/campaigns")
	pat.shoot(dir, "board-campaigns", "")
	maya.goTo("/reports")
	maya.shoot(dir, "reports", "")
	t.Logf("screenshots in %s", dir)
}

// shoot saves a full-page screenshot of the tab's page at each screen size in
// dir, as <screen>-<name>.png, after prepare (a script opening what the shot
// is about), and leaves the tab at the desktop size.
func (b *tab) shoot(dir, name, prepare string) {
	b.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	for _, sc := range screens {
		b.do("set the "+sc.name+" screen", sc.set)
		if prepare != "" {
			b.eval(prepare)
		}
		time.Sleep(300 * time.Millisecond) // let the layout settle
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Errorf("screenshot %s at %s: %v", name, sc.name, err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, sc.name+"-"+name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("back to the desktop screen", screens[0].set)
}
