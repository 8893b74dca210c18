package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/domain"
)

// TestBoardInTheBrowser drives the web app in headless Chromium, as people use
// it: Maya (marketing ops) signs in and approves two briefs, one with the mouse
// and one with the keyboard alone; Cleo (creative) signs in and completes her
// task; a board left open in another tab moves the campaign to the next stage's
// column without a reload.
//
// It needs Chromium ($TANDEM_CHROMIUM, else /usr/bin/chromium): without it the
// test skips, unless CI or TANDEM_REQUIRE_BROWSER=1 makes that a failure. With
// TANDEM_SCREENSHOTS=<dir> it also saves full-page screenshots of every page at
// desktop and phone widths there.
func TestBoardInTheBrowser(t *testing.T) {
	ctx := browser(t) // first: without a browser there is no need for the stack
	s := start(t, domain.DefaultPolicy())

	// Two campaigns from the PM over the API. Social needs creative assets, copy and
	// tracking; the launch is far enough out that nothing slips meanwhile.
	brief := func(name string) map[string]any {
		b := campaignBrief(name, 30*24*time.Hour)
		b["channels"] = []string{"social"}
		return b
	}
	var first, second campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief("Summer social"), &first)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief("Autumn social"), &second)
	names := map[string]string{first.ID: "Summer social", second.ID: "Autumn social"}
	reviews := map[string]domain.Task{} // task ID → review, per campaign below
	reviewOf := map[string]string{}     // campaign ID → its review's task ID
	for _, id := range []string{first.ID, second.ID} {
		r := s.projected(s.waitFor(id, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]
		reviews[r.ID], reviewOf[id] = r, r.ID
	}

	// Maya signs in: / sends her to /signin first.
	maya := newTab(t, ctx, s.url)
	maya.goTo("/")
	if loc := maya.location(); loc != s.url+"/signin" {
		t.Fatalf("/ without a session went to %s, want %s/signin", loc, s.url)
	}
	maya.signIn(s.tokens["maya"], "Maya Ortiz")
	for taskID := range reviews {
		maya.wait("the brief review card on Maya's work", fmt.Sprintf(`!!document.querySelector(%q)`, "#task-"+taskID))
	}

	// The first review on the page, with the keyboard alone: the skip link, into
	// main, Tab to the comment, type, Tab past the hours it took, to Approve, Enter.
	kbTask := evalJS[string](maya, `document.querySelector('main article.task').id.replace(/^task-/, '')`)
	kbReview, ok := reviews[kbTask]
	if !ok {
		t.Fatalf("the first task on Maya's work is %s, not one of the brief reviews %v", kbTask, reviewOf)
	}
	maya.press(kb.Tab)
	maya.focused("a.skip", "the first Tab")
	maya.press(kb.Enter)
	maya.focused("main#main", "Enter on the skip link")
	comment := "#comment-" + kbTask
	for i := 0; !maya.isFocused(comment); i++ {
		before := maya.activeElement()
		if i == 10 {
			t.Fatalf("10 Tabs from main never reached %s; focus is on %s", comment, before)
		}
		maya.press(kb.Tab)
		if after := maya.activeElement(); after == before {
			t.Fatalf("Tab did not move the focus from %s", before)
		}
	}
	maya.keys("Clear goals, thanks")
	maya.press(kb.Tab)
	maya.focused("#hours-"+kbTask, "Tab from the comment")
	maya.press(kb.Tab)
	maya.focused("#task-"+kbTask+" button[value=approved]", "Tab from the hours it took")
	maya.press(kb.Enter)
	maya.notice("Approved", kbReview.Title)

	// The other review with the mouse.
	var clickTask string
	for id := range reviews {
		if id != kbTask {
			clickTask = id
		}
	}
	maya.click("#task-" + clickTask + " button[value=approved]")
	maya.notice("Approved", reviews[clickTask].Title)
	for id, r := range reviews {
		var task domain.Task
		s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/tasks/"+id, nil, &task)
		if task.Outcome != domain.OutcomeApproved {
			t.Errorf("review %q: outcome %q, want approved", r.Title, task.Outcome)
		}
		if id == kbTask && task.Comment != "Clear goals, thanks" {
			t.Errorf("the keyboard's review has comment %q, want the one typed", task.Comment)
		}
	}

	// Production: the other teams' deliverables over the API, so the first
	// campaign waits only on Cleo's.
	var creative, secondCreative domain.Task
	for _, id := range []string{first.ID, second.ID} {
		c := s.projected(s.waitFor(id, "production", func(c campaign) bool {
			return c.Stage == domain.StageProduction && len(c.open("deliverable:")) == 3
		}))
		for _, task := range c.open("deliverable:") {
			if task.Team == domain.TeamCreative {
				if id == first.ID {
					creative = task
				} else {
					secondCreative = task
				}
				continue
			}
			if id == first.ID {
				s.must(http.StatusOK, teamMember[task.Team], http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done"}, nil)
			}
		}
	}
	if creative.ID == "" {
		t.Fatalf("no creative deliverable in campaign %s", first.ID)
	}

	// Maya signs out; Cleo signs in in the same browser.
	maya.click(`form[action="/signout"] button`)
	maya.wait("the sign-in page after signing out", `location.pathname === '/signin' && !!document.querySelector('input#token')`)
	cleo := maya
	cleo.signIn(s.tokens["cleo"], "Cleo Park")
	cleo.wait("Cleo's creative task", fmt.Sprintf(`!!document.querySelector(%q)`, "#task-"+creative.ID+" button[value=done]"))

	// The board, open in a second tab of Cleo's session: the campaign sits in
	// production until her work is done, then moves to readiness by itself.
	board := newTab(t, ctx, s.url)
	board.goTo("/board/campaigns")
	hasBoard := board.isBoard()
	if hasBoard {
		board.cardIn(first.ID, domain.StageProduction)
		board.cardIn(second.ID, domain.StageProduction)
		board.eval(`window.tandemNotReloaded = true`)
	}

	cleo.click("#task-" + creative.ID + " button[value=done]")
	cleo.notice("Done", creative.Title)
	s.waitFor(first.ID, "readiness", func(c campaign) bool { return c.Stage == domain.StageReadiness })

	if hasBoard {
		if !board.within(time.Minute, cardSelector(first.ID, domain.StageReadiness)) {
			// What can keep app.js from redrawing: a hidden page, or a field it
			// takes for one being filled in. (A select has no defaultValue, so it
			// is listed whatever its state.)
			t.Fatalf("the card of %s never moved to the readiness column of the open board (the API shows it in readiness); page visibility %s; fields in main whose value !== defaultValue: %s; main reads: %.400s",
				names[first.ID], evalJS[string](board, `document.visibilityState`),
				evalJS[string](board, `Array.from(document.querySelectorAll('main textarea, main input:not([type=hidden]), main select')).filter(f => f.value !== f.defaultValue).map(f => f.tagName.toLowerCase() + '#' + f.id + ' value ' + JSON.stringify(f.value) + ' default ' + JSON.stringify(f.defaultValue)).join('; ') || 'none'`),
				board.mainText())
		}
		if !evalJS[bool](board, `window.tandemNotReloaded === true`) {
			t.Error("the board reloaded the page to move the card; it should redraw <main> only")
		}
		board.cardIn(second.ID, domain.StageProduction)
		if n := evalJS[int](board, fmt.Sprintf(`document.querySelectorAll(%q).length`, "#card-"+first.ID)); n != 1 {
			t.Errorf("%d cards of campaign %s on the board, want 1", n, first.ID)
		}
		if href := evalJS[string](board, fmt.Sprintf(`(a => a ? a.getAttribute('href') : '')(document.querySelector(%q))`, "#card-"+first.ID+" a[href]")); href != "/campaigns/"+first.ID {
			t.Errorf("the card links to %q, want /campaigns/%s", href, first.ID)
		}
	}

	// With no worker running, Tandem admits Cleo's decision but cannot process
	// it: the board says it is sent, not done, and follows it until a worker is
	// back, when it is done once.
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	s.stopWorker()
	cleo.goTo("/")
	cleo.click("#task-" + secondCreative.ID + " button[value=done]")
	cleo.waitFor(time.Minute, "the command's page", `location.pathname.startsWith('/commands/cmd_')`)
	cleo.wait("the command said to be sent, not done", `document.querySelector('h1').textContent.includes('Sent — waiting for Tandem to process it')`)
	if shots != "" {
		cleo.shoot(shots, "command-sent", "")
	}
	s.startWorker()
	cleo.waitFor(time.Minute, "the command's page saying it is done, by itself", `document.querySelector('h1').textContent === 'Done'`)
	if shots != "" {
		cleo.shoot(shots, "command-done", "")
	}
	var task domain.Task
	s.must(http.StatusOK, "cleo", http.MethodGet, "/api/v1/tasks/"+secondCreative.ID, nil, &task)
	if task.Status != domain.TaskDone || task.CompletedBy != "cleo" {
		t.Errorf("the task decided while no worker ran: %s by %q, want done by cleo", task.Status, task.CompletedBy)
	}

	if shots != "" {
		screenshots(t, ctx, s, shots, first.ID)
	}
	for _, tb := range []*tab{maya, board} {
		tb.checkErrors()
	}
}

// browser starts headless Chromium for the test and returns the context its tabs
// are made from.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("TANDEM_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TANDEM_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (CI or TANDEM_REQUIRE_BROWSER=1) but %s is missing: %v; apt-get install chromium, or set TANDEM_CHROMIUM", path, err)
		}
		t.Skipf("skipping: no Chromium at %s (%v); apt-get install chromium or set TANDEM_CHROMIUM, and set CI / TANDEM_REQUIRE_BROWSER=1 to make this a failure", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing but the page under test on the network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
		// People use the board in their own time zone, not the server's UTC:
		// the pages must show times in it.
		chromedp.Env("TZ=Europe/Paris"),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
		if os.Getenv("CI") == "" && os.Getenv("TANDEM_REQUIRE_BROWSER") != "1" {
			t.Skipf("skipping: Chromium at %s does not start: %v", path, err)
		}
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	return ctx
}

// tab is one browser tab on the stack's site.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string // uncaught exceptions in the pages
}

// newTab opens a tab in the browser of parent; tabs share cookies, so a second
// tab is the same person in another window. With chromedp.WithNewBrowserContext
// among opts it is another person's browser, with cookies of its own.
func newTab(t *testing.T, parent context.Context, base string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, opts...)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{t: t, ctx: ctx, base: base}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
				msg = ev.ExceptionDetails.Exception.Description
			}
			tb.mu.Lock()
			tb.errors = append(tb.errors, fmt.Sprintf("%s (%s:%d)", msg, ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber))
			tb.mu.Unlock()
		}
	}()
	return tb
}

// checkErrors fails the test for any script error a page threw.
func (b *tab) checkErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("script error in the page: %s", e)
	}
}

// do runs steps with a deadline, failing the test with what it was doing.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

// evalJS evaluates a script in the tab and decodes its value.
func evalJS[T any](b *tab, script string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

func (b *tab) eval(script string) { evalJS[chromedp.Void](b, script) }

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return loc
}

func (b *tab) goTo(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// wait polls a script until it is true: across navigations and redraws, which
// a query on a node would not survive.
func (b *tab) wait(what, script string) { b.t.Helper(); b.waitFor(30*time.Second, what, script) }

func (b *tab) waitFor(timeout time.Duration, what, script string) {
	b.t.Helper()
	if err := b.poll(timeout, script); err != nil {
		b.t.Fatalf("waited %s for %s at %s (%v); main reads: %.600s", timeout, what, b.location(), err, b.mainText())
	}
}

// within reports whether script became true within timeout.
func (b *tab) within(timeout time.Duration, script string) bool {
	return b.poll(timeout, script) == nil
}

func (b *tab) poll(timeout time.Duration, script string) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { try { return !!(%s) } catch (e) { return false } })()`, script)))
		cancel()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err // e.g. the page navigating away under the script
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out; last error: %v", last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *tab) mainText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body || {innerText: ''}).innerText.replace(/\s+/g, ' ')`))
	return s
}

// signIn pastes a token on the sign-in page and waits for the header to name
// the person.
func (b *tab) signIn(token, name string) {
	b.t.Helper()
	b.wait("the sign-in form", `location.pathname === '/signin' && !!document.querySelector('input#token')`)
	b.do("sign in as "+name,
		chromedp.SendKeys(chromedp.CSS("input#token"), token),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type=submit]`)),
	)
	b.wait(name+" named in the header", fmt.Sprintf(`location.pathname === '/' && document.querySelector('header .who .name').textContent.trim() === %q`, name))
}

// click clicks the element sel finds.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.wait(sel+" to show", fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// notice waits for the notice a decision leaves on the next page. A background
// redraw removes it after the poll interval, so it is looked for quickly.
func (b *tab) notice(parts ...string) {
	b.t.Helper()
	conds := make([]string, len(parts))
	for i, p := range parts {
		conds[i] = fmt.Sprintf(`n.textContent.includes(%q)`, p)
	}
	b.wait("a notice saying "+strings.Join(parts, " … "), fmt.Sprintf(`(n => !!n && %s)(document.querySelector('p.notice'))`, strings.Join(conds, " && ")))
}

// press sends one key (a kb constant) to the focused element.
func (b *tab) press(key string) {
	b.t.Helper()
	b.do("press "+fmt.Sprintf("%q", key), chromedp.KeyEvent(key))
}

// keys types text into the focused element, one key event per character.
func (b *tab) keys(text string) { b.t.Helper(); b.do("type", chromedp.KeyEvent(text)) }

// activeElement describes document.activeElement, e.g. textarea#comment-tsk_1.
func (b *tab) activeElement() string {
	b.t.Helper()
	return evalJS[string](b, `(el => !el ? 'nothing' : el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
		(el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
		(el.getAttribute('value') ? '[value=' + el.getAttribute('value') + ']' : '') +
		(el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '') +
		(el.closest('[id]') && el.closest('[id]') !== el ? ' in #' + el.closest('[id]').id : ''))(document.activeElement)`)
}

func (b *tab) isFocused(sel string) bool {
	b.t.Helper()
	return evalJS[bool](b, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))
}

// focused checks that the focus is on sel after what, allowing a moment for a
// fragment navigation.
func (b *tab) focused(sel, what string) {
	b.t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !b.isFocused(sel); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.t.Fatalf("after %s the focus is on %s, want %s", what, b.activeElement(), sel)
		}
	}
}

// cardSelector finds the card of campaign id in the column of stage.
func cardSelector(id string, stage domain.Stage) string {
	return fmt.Sprintf(`document.querySelector(%q)`, "section#stage-"+string(stage)+" article#card-"+id)
}

// isBoard reports whether the page is the board of the contract, a column per
// stage; the test fails without it, but drives the rest.
func (b *tab) isBoard() bool {
	b.t.Helper()
	for _, st := range domain.CampaignStages {
		if !evalJS[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, "section#stage-"+string(st))) {
			b.t.Errorf("the board at %s has no column section#stage-%s; title %q, main reads: %.300s",
				b.location(), st, evalJS[string](b, `document.title`), b.mainText())
			return false
		}
	}
	return true
}

// cardIn checks that campaign id's card is in the column of stage.
func (b *tab) cardIn(id string, stage domain.Stage) {
	b.t.Helper()
	b.wait(fmt.Sprintf("the card of %s in the %s column", id, stage), cardSelector(id, stage))
}

// screenshot sizes: a laptop and a phone (an iPhone 12 to 15's CSS pixels).
var screens = []struct {
	name string
	set  chromedp.Action[chromedp.Void]
}{
	{"desktop", chromedp.EmulateViewport(1280, 800)},
	{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)},
}

// screenshots saves a full-page PNG of every page at each screen size in dir,
// as Maya sees them, with a hiring request and a risk started so their boards
// have cards.
func screenshots(t *testing.T, ctx context.Context, s *stack, dir, campaignID string) {
	t.Helper()
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var h, r struct{ ID string }
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", hiringBody(90000, time.Now().Add(60*24*time.Hour)), &h)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Hero image rights unclear", "cleo", 4, 5), &r)
	wait := func(path string) {
		for deadline := time.Now().Add(30 * time.Second); s.call("pat", http.MethodGet, path, nil, nil) != http.StatusOK; time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never answered", path)
			}
		}
	}
	wait("/api/v1/hiring-requests/" + h.ID)
	wait("/api/v1/risks/" + r.ID)
	// A command refused on the campaign, for its timeline to tell Maya, who
	// may audit.
	if st := s.call("cleo", http.MethodPost, "/api/v1/campaigns/"+campaignID+"/cancel", map[string]any{"reason": "not mine"}, nil); st != http.StatusForbidden {
		t.Errorf("cleo cancelling pat's campaign: %d, want 403", st)
	}

	pages := []struct{ name, path string }{
		{"signin", "/signin"},
		{"mywork", "/"},
		{"board-campaigns", "/board/campaigns"},
		{"board-hiring-requests", "/board/hiring-requests"},
		{"board-risks", "/board/risks"},
		{"campaign", "/campaigns/" + campaignID},
		{"hiring-request", "/hiring-requests/" + h.ID},
		{"risk", "/risks/" + r.ID},
		{"new-campaign", "/new/campaign"},
		{"new-hiring-request", "/new/hiring-request"},
		{"new-risk", "/new/risk"},
		{"workload", "/workload"},
		{"notifications", "/notifications"},
		{"me", "/me"},
		{"reports", "/reports"},
		{"finished-campaigns", "/finished/campaigns"},
		{"finished-hiring-requests", "/finished/hiring-requests"},
		{"finished-risks", "/finished/risks"},
		{"not-found", "/no/such/page"},
	}
	// A browser context of its own: Maya's cookies, none of Cleo's.
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	b := &tab{t: t, ctx: tctx, base: s.url}
	for _, sc := range screens {
		b.do("set the "+sc.name+" screen", sc.set)
		for _, p := range pages {
			if p.name == "mywork" && sc.name == screens[0].name {
				b.goTo("/")
				b.signIn(s.tokens["maya"], "Maya Ortiz")
			}
			b.goTo(p.path)
			time.Sleep(300 * time.Millisecond) // let the first redraw land
			sctx, cancel := context.WithTimeout(tctx, 30*time.Second)
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			cancel()
			if err != nil {
				t.Errorf("screenshot %s at %s: %v", p.path, sc.name, err)
				continue
			}
			file := filepath.Join(dir, sc.name+"-"+p.name+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
