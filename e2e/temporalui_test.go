package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
)

// TestTemporalUIDecodesForWhoMayRead opens a hiring request's run in
// Temporal's Web UI, which decodes its payloads through Tandem's codec
// endpoint with the board's session cookie, as `tandem dev` runs it: signed
// out, and signed in as Cleo (creative, not involved), the request's input
// stays sealed and the UI says to sign in to the board; signed in as Pat, who
// raised it, it reads in clear.
//
// It needs Chromium, as TestBoardInTheBrowser does, and saves screenshots of
// the three at desktop and phone widths in $TANDEM_SCREENSHOTS when set.
func TestTemporalUIDecodesForWhoMayRead(t *testing.T) {
	ctx := browser(t)
	s := startWithUI(t, domain.DefaultPolicy())

	const justification = "Launch volume doubled; only those involved may read this"
	body := hiringBody(90000, time.Now().Add(60*24*time.Hour))
	body["justification"] = justification
	var h struct {
		ID         string `json:"id"`
		WorkflowID string `json:"workflow_id"`
		UIURL      string `json:"temporal_ui_url"`
	}
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", body, &h)
	if h.UIURL == "" {
		t.Fatalf("the hiring request links to no run in the Temporal UI (UI at %s)", s.ui)
	}

	dir := os.Getenv("TANDEM_SCREENSHOTS")
	banner := `document.body.innerText.includes("Sign in to Tandem's board")`
	// The run page, as each person sees it once the UI has fetched the run.
	open := func(who, handle, name string) *tab {
		b := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
		if handle != "" {
			b.goTo("/signin")
			b.signIn(s.tokens[handle], name)
		}
		b.do("open the run in the Temporal UI", chromedp.Navigate(h.UIURL))
		b.wait(who+": the run page", fmt.Sprintf(`document.body.innerText.includes(%q) && document.body.innerText.includes('Input')`, h.WorkflowID))
		return b
	}
	sealed := func(who string, b *tab) {
		t.Helper()
		// The refusal lands after the page: wait for the banner, then check.
		b.waitFor(time.Minute, who+": the UI's banner saying to sign in to the board", banner)
		if href := evalJS[string](b, `(a => a ? a.href : '')(Array.from(document.querySelectorAll('a')).find(a => a.href.endsWith('/signin')))`); href != s.url+"/signin" {
			t.Errorf("%s: the banner links to %q, want the board's sign-in page %s/signin", who, href, s.url)
		}
		if evalJS[bool](b, fmt.Sprintf(`document.body.innerText.includes(%q)`, justification)) {
			t.Errorf("%s reads the request's justification in the Temporal UI", who)
		}
		shoot(t, b, dir, who)
	}

	// Signed out first: its refusals must not lock the address out of
	// the API, from where the others then sign in.
	sealed("signed-out", open("signed-out", "", ""))
	sealed("cleo", open("cleo", "cleo", "Cleo Park"))

	pat := open("pat", "pat", "Pat Morgan")
	pat.waitFor(time.Minute, "Pat reading the request's justification in the Temporal UI",
		fmt.Sprintf(`document.body.innerText.includes(%q)`, justification))
	if evalJS[bool](pat, banner) {
		t.Error("the UI says Pat must sign in, though it decoded the run")
	}
	shoot(t, pat, dir, "pat")
}

// shoot saves the tab's page at each screen size as temporal-ui-<who>-<size>.png
// in dir, when dir is set.
func shoot(t *testing.T, b *tab, dir, who string) {
	t.Helper()
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sc := range screens {
		b.do("set the "+sc.name+" screen", sc.set)
		time.Sleep(time.Second) // the UI lays itself out again
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Errorf("screenshot of the Temporal UI as %s at %s: %v", who, sc.name, err)
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("temporal-ui-%s-%s.png", who, sc.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
