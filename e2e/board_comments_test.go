package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCommentsAndMentionsInTheBoard: Pat comments on a campaign's page,
// picking Maya from the completion list as he types @ma; Maya sees the unread
// count in her header, opens the notification, lands on the comment and
// replies; Pat sees the reply, and is told of it. A comment holding a
// <script>, an onerror and a javascript: link is inert: nothing runs, and no
// link goes to javascript:. The campaign is started over the API: the
// conversation is the claim.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the conversation, the completion
// list and Maya's notifications at desktop and phone widths there.
func TestCommentsAndMentionsInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	shoot := func(b *tab, name, prepare string) {
		if shots != "" {
			b.shoot(shots, "comments-"+name, prepare)
		}
	}
	brief := map[string]any{
		"name": "Autumn webinar", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 5000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 100, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created, "Idempotency-Key", "autumn-1")
	page := "/campaigns/" + created.ID

	as := func(handle, name string) *tab {
		b := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
		b.goTo("/")
		b.signIn(s.tokens[handle], name)
		return b
	}
	pat := as("pat", "Pat Morgan")
	maya := as("maya", "Maya Ortiz")
	// Maya has news already (the brief to review): the mention adds to it.
	unread := `(document.getElementById('unread').hidden ? 0 : Number(document.getElementById('unread-n').textContent))`
	before := evalJS[int](maya, unread)

	// Pat types his comment; @ma offers Maya, and Enter picks her.
	pat.goTo(page)
	pat.click("#comment-body")
	pat.keys("Can ")
	pat.keys("@ma")
	pat.wait("Maya among the people offered", `Array.from(document.querySelectorAll('.mention-list li')).some(li => li.textContent.includes('Maya Ortiz'))`)
	shoot(pat, "1-completion", "")
	pat.do("pick Maya", chromedp.Evaluate[chromedp.Void](`(() => {
		const items = Array.from(document.querySelectorAll('.mention-list li'));
		const box = document.getElementById('comment-body');
		for (let i = 0; i < items.findIndex(li => li.textContent.includes('Maya Ortiz')); i++) {
			box.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
		}
		// Dispatched in the page: CDP's Enter would type its character
		// whatever the page's keydown handler says.
		box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));
	})()`))
	if got := evalJS[string](pat, `document.getElementById('comment-body').value`); got != "Can @maya " {
		t.Fatalf("after picking Maya the box reads %q", got)
	}
	pat.keys("check the **budget** before Friday?")
	pat.click("#comment-form button[type=submit]")
	pat.notice("Comment posted.")
	pat.wait("the page at the new comment", `/^#comment-\d+$/.test(location.hash) && !!document.querySelector(location.hash)`)
	commentID := strings.TrimPrefix(evalJS[string](pat, `location.hash`), "#")
	pat.sees("the comment, formatted", "Pat Morgan", "check the budget before Friday?")
	if !evalJS[bool](pat, fmt.Sprintf(`!!document.querySelector('#%s .comment-body strong')`, commentID)) {
		t.Error("**budget** is not drawn bold")
	}

	// A comment that tries to run script.
	pat.typeInto("#comment-body", "Look <img src=x onerror=\"window.pwned='img'\"> and [this link](javascript:window.pwned='link')\n\n<script>window.pwned='script'</script>")
	pat.click("#comment-form button[type=submit]")
	pat.notice("Comment posted.")
	pat.sees("the harmless comment", "Look", "this link")
	inert := `window.pwned === undefined &&
		!document.querySelector('main .comment-body script, main .comment-body img, main .comment-body [onerror]') &&
		!Array.from(document.querySelectorAll('main a')).some(a => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript:'))`
	if !evalJS[bool](pat, inert) {
		t.Errorf("a comment's script is live: pwned = %v; its body: %s", evalJS[any](pat, `window.pwned`),
			evalJS[string](pat, `Array.from(document.querySelectorAll('main .comment-body')).map(b => b.innerHTML).join(' | ')`))
	}
	// The link text is there, and if the words are clickable at all they lead nowhere.
	pat.do("click the javascript: link's words", chromedp.Evaluate[chromedp.Void](`(Array.from(document.querySelectorAll('main .comment-body *')).find(e => e.textContent === 'this link') || {click() {}}).click()`))
	time.Sleep(200 * time.Millisecond)
	if !evalJS[bool](pat, inert) {
		t.Error("clicking the javascript: link ran it")
	}
	shoot(pat, "2-conversation", "")

	// Maya is told: the unread count, the notification, the comment.
	maya.goTo("/")
	maya.wait("Maya's unread count one up", fmt.Sprintf(`%s === %d`, unread, before+1))
	maya.goTo("/notifications")
	maya.sees("the mention", "Pat Morgan mentioned you on campaign “Autumn webinar”")
	shoot(maya, "3-notifications", "")
	maya.click(`main .note a[href$="#` + commentID + `"]`)
	maya.wait("Maya at Pat's comment", fmt.Sprintf(`location.pathname === %q && location.hash === '#%s' && !!document.querySelector('#%s:target')`, page, commentID, commentID))

	// She replies in its thread.
	thread := fmt.Sprintf(`document.querySelector('#%s').closest('.comment-thread')`, commentID)
	maya.eval(thread + `.querySelector('details.reply-action').open = true`)
	replyBox := "#reply-" + strings.TrimPrefix(commentID, "comment-")
	maya.typeInto(replyBox, "Budget checked: we are 200 EUR under.")
	maya.click(replyBox + " ~ button[type=submit]")
	maya.notice("Comment posted.")

	// Pat sees the reply under his comment, and is told of it.
	pat.goTo(page)
	pat.wait("Maya's reply under Pat's comment", thread+`.querySelector('.replies').innerText.includes('Budget checked') && `+thread+`.querySelector('.replies').innerText.includes('Maya Ortiz')`)
	pat.goTo("/notifications")
	pat.sees("the reply's notification", "Maya Ortiz replied to your comment on campaign “Autumn webinar”")
	pat.goTo(page)
	shoot(pat, "4-reply", fmt.Sprintf(`document.querySelector('#%s').scrollIntoView()`, commentID))
	for _, b := range []*tab{pat, maya} {
		b.checkErrors()
	}
}
