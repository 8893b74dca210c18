package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestMyPageOffersToSetOutOfOffice(t *testing.T) {
	h, f := newTestApp(t)
	w := get(t, h, sesMaya, "/me")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "<h1>Maya Ops</h1>", "Marketing ops manager", "You are not out of office.",
		`<a class="name" href="/me" aria-current="page">Maya Ops</a>`,
		`action="/me/out-of-office"`, `<input type="hidden" name="tz" value="" data-tz>`,
		`name="from" value="" data-utc required min="2026-11-22T09:00"`, `name="to" value="" data-utc required`,
		`<option value="cleo">Cleo Creative (cleo, Creative)</option>`, `<option value="pat">Pat Manager (pat, PMO)</option>`)
	mustNotContain(t, w, `<option value="maya">`, `action="/me/out-of-office/clear"`)

	// Away now, with pat standing in: said in words, the times in the viewer's
	// zone once the script runs, and it can be cleared.
	maya := f.people[sesMaya]
	maya.OutOfOffice = &domain.OutOfOffice{From: testNow.Add(-time.Hour), To: testNow.Add(72 * time.Hour), Delegate: "pat"}
	f.people[sesMaya] = maya
	w = get(t, h, sesMaya, "/me")
	mustContain(t, w, `You are out of office until <time datetime="2026-11-25T09:00:00Z" title="Wednesday 25 November 2026, 09:00 UTC" data-local>Wed 09:00 UTC</time>.`,
		"Pat Manager decides your tasks meanwhile.", `action="/me/out-of-office/clear"`, "I am back: clear it",
		// The form starts from the window, to change it.
		`name="from" value="2026-11-22T08:00" data-utc`, `name="to" value="2026-11-25T09:00" data-utc`, `<option value="pat" selected>`)

	// Once the browser has named its zone, the window and the form are in it:
	// 09:00 UTC is 04:00 in New York, and the form says which zone it takes.
	r := newGet("/me")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
	r.AddCookie(&http.Cookie{Name: zoneCookie, Value: "America%2FNew_York"})
	mustContain(t, serve(h, r), `title="Wednesday 25 November 2026, 04:00 EST">Wed 04:00</time>`,
		`name="tz" value="America/New_York" data-tz`, `(America/New_York)`,
		`name="from" value="2026-11-22T03:00"`, `name="to" value="2026-11-25T04:00"`)

	// A window that has passed is no window.
	maya.OutOfOffice = &domain.OutOfOffice{From: testNow.Add(-72 * time.Hour), To: testNow.Add(-time.Hour), Delegate: "pat"}
	f.people[sesMaya] = maya
	mustContain(t, get(t, h, sesMaya, "/me"), "You are not out of office.")
}

func TestSettingAndClearingOutOfOffice(t *testing.T) {
	h, f := newTestApp(t)
	var answer func() (int, any)
	f.on("PUT /api/v1/people/{handle}/out-of-office", func(*http.Request, domain.Person) (int, any) { return answer() })
	answer = func() (int, any) { return http.StatusOK, f.people[sesMaya] }

	sent := url.Values{"from": {"2026-12-01T09:00"}, "to": {"2026-12-05T18:00"}, "delegate": {"pat"}, "tz": {"America/New_York"}}
	w := post(t, h, sesMaya, "/me/out-of-office", sent)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/me" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	c := f.commands()
	if len(c) != 1 || c[0].Method != http.MethodPut || c[0].Path != "/api/v1/people/maya/out-of-office" ||
		c[0].Body["from"] != "2026-12-01T14:00:00Z" || c[0].Body["to"] != "2026-12-05T23:00:00Z" || c[0].Body["delegate"] != "pat" {
		t.Fatalf("commands %+v", c)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/me"), "Out of office set.")

	// Something missing is said next to it, and nothing is sent.
	w = post(t, h, sesMaya, "/me/out-of-office", url.Values{"from": {"2026-12-01T09:00"}, "tz": {"America/New_York"}})
	if w.Code != http.StatusUnprocessableEntity || len(f.commands()) != 1 {
		t.Fatalf("status %d, commands %+v", w.Code, f.commands())
	}
	mustContain(t, w, "Nothing was set: check the fields marked below.", `id="f-away-to-problem" role="alert">required`,
		`id="f-away-delegate-problem" role="alert">required`, `value="2026-12-01T09:00" required`, `(America/New_York)`)

	// The API's refusal lands next to its field, with what was typed.
	answer = func() (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid", domain.FieldProblem{Field: "to", Problem: "must be after from"})
	}
	sent.Set("to", "2026-11-30T09:00")
	w = post(t, h, sesMaya, "/me/out-of-office", sent)
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("status %d", w.Code)
	}
	mustContain(t, w, `id="f-away-to-problem" role="alert">must be after from`, `value="2026-11-30T09:00"`, `<option value="pat" selected>`)

	// Clearing sends the empty window, which the API takes as none.
	answer = func() (int, any) { return http.StatusOK, f.people[sesMaya] }
	w = post(t, h, sesMaya, "/me/out-of-office/clear", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/me" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	c = f.commands()
	if last := c[len(c)-1]; last.Method != http.MethodPut || last.Path != "/api/v1/people/maya/out-of-office" || last.Body == nil || len(last.Body) != 0 {
		t.Errorf("the clear sent %+v, want PUT {}", last)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/me"), "Out of office cleared")

	// Only the page's own forms are taken.
	if w := post(t, h, sesMaya, "/me/out-of-office/clear", url.Values{"csrf": {"forged"}}); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "did not come from a Tandem page") {
		t.Errorf("a forged clear: status %d", w.Code)
	}
}
