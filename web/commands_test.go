package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// Commands from the board: each form carries an Idempotency-Key made when it
// was drawn, sent with its command, so a double submit is one command; a
// command admitted and not yet processed (202) is said to be sent, not done.

var keyInput = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// commandForms are the forms of a page that post a command, by action, each
// with its key.
func commandForms(t *testing.T, page string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, f := range regexp.MustCompile(`(?s)<form method="post" action="([^"]+)".*?</form>`).FindAllStringSubmatch(page, -1) {
		action := f[1]
		switch {
		case action == "/signout", action == "/notifications/seen", strings.HasPrefix(action, "/me/"):
			continue // not commands of a process
		case strings.HasSuffix(action, "/comments"), strings.HasPrefix(action, "/comments/"):
			// Comments are conversation, written to the records, not commands
			// of a process: the API takes no Idempotency-Key for them, and a
			// comment sent twice is two, which its author may delete.
			continue
		}
		k := keyInput.FindStringSubmatch(f[0])
		if k == nil {
			t.Errorf("the form posting to %s carries no Idempotency-Key", action)
			continue
		}
		out[action] = append(out[action], k[1])
	}
	return out
}

func TestEveryCommandFormCarriesAKeyOfItsOwn(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	f.people[sesMaya] = domain.Person{Handle: "maya", Name: "Maya Ops", Team: domain.TeamMarketingOps,
		Roles: []domain.Role{domain.RoleMarketingOpsManager, domain.RoleAdmin}} // may do everything
	seen := map[string]string{}
	for _, p := range []struct {
		token, page string
		want        []string
	}{
		{sesMaya, "/campaigns/" + worldCampaign, []string{"changes", "tasks", "kpis", "cancel", "/tasks/" + taskAssets + "/reassign", "/tasks/" + taskAssets + "/estimate"}},
		{sesMaya, "/hiring-requests/" + worldHiring, []string{"candidates", "cancel", "/tasks/" + taskOffer + "/complete", "/tasks/" + taskOffer + "/reassign"}},
		{sesMaya, "/risks/" + worldRisk, []string{"assessments", "decisions", "/tasks/" + taskAck + "/reassign"}},
		{sesPat, "/", []string{"/tasks/" + taskAck + "/complete", "/tasks/" + taskInterview + "/complete", "/tasks/" + taskAck + "/reassign"}},
	} {
		page, want := p.page, p.want
		forms := commandForms(t, get(t, h, p.token, page).Body.String())
		for _, w := range want {
			action := w
			if !strings.HasPrefix(w, "/") {
				action = page + "/" + w
			}
			if len(forms[action]) == 0 {
				t.Errorf("%s has no command form posting to %s (it has %v)", page, action, forms)
			}
		}
		for action, keys := range forms {
			for _, k := range keys {
				if other, dup := seen[k]; dup {
					t.Errorf("the forms to %s and %s share the key %s", other, action, k)
				}
				seen[k] = action
			}
		}
	}
	// Drawn again, a form has a new key: each drawing is one command.
	again := commandForms(t, get(t, h, sesMaya, "/campaigns/"+worldCampaign).Body.String())
	for _, k := range again["/campaigns/"+worldCampaign+"/cancel"] {
		if seen[k] != "" {
			t.Errorf("the cancel form drawn again has the same key %s", k)
		}
	}
}

func TestACommandGoesWithItsFormsKeyAndTwiceIsTheSameKey(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	f.knowTasks(worldTasks()...)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, worldTasks()[3]
	})
	f.on("POST /api/v1/campaigns/{id}/cancel", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, map[string]any{} })
	const key = "0123456789abcdef0123456789abcdef"
	for range 2 { // a double click: the same form, sent twice
		post(t, h, sesPat, "/tasks/"+taskAck+"/complete", url.Values{"outcome": {"done"}, "back": {"/"}, "idempotency_key": {key}})
		post(t, h, sesPat, "/campaigns/"+worldCampaign+"/cancel", url.Values{"reason": {"venue closed"}, "idempotency_key": {key}})
	}
	// A form without a key the page made (sent by hand) gets one of its own.
	post(t, h, sesPat, "/campaigns/"+worldCampaign+"/cancel", url.Values{"reason": {"venue closed"}, "idempotency_key": {"not a key!"}})
	c := f.commands()
	if len(c) != 5 {
		t.Fatalf("commands %+v", c)
	}
	for _, x := range c[:4] {
		if x.Key != key {
			t.Errorf("%s %s went with key %q, want the form's", x.Method, x.Path, x.Key)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(c[4].Key) {
		t.Errorf("a command without the page's key went with %q, want a new one", c[4].Key)
	}
}

func TestACommandAdmittedButNotProcessedIsSentNotDone(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	f.knowTasks(worldTasks()...)
	pending := map[string]any{"id": "cmd_0123456789abcdef0123456789abcdef", "status": "pending",
		"url": "/api/v1/commands/cmd_0123456789abcdef0123456789abcdef", "message": "Temporal has the command, but no worker has processed it yet"}
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) { return http.StatusAccepted, pending })
	w := post(t, h, sesPat, "/tasks/"+taskAck+"/complete", url.Values{"outcome": {"done"}, "back": {"/risks/" + worldRisk}})
	want := "/commands/cmd_0123456789abcdef0123456789abcdef?back=%2Frisks%2F" + worldRisk
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
		t.Fatalf("status %d to %q, want the command's page %q", w.Code, w.Header().Get("Location"), want)
	}
	if flash := w.Result().Cookies(); len(flash) != 0 {
		t.Errorf("a command not yet processed set a notice: %v", flash)
	}

	status := http.StatusAccepted
	var body any = pending
	f.on("GET /api/v1/commands/{id}", func(*http.Request, domain.Person) (int, any) { return status, body })
	page := get(t, h, sesPat, want)
	mustContain(t, page, "Sent — waiting for Tandem to process it", "data-poll=", `<a href="/risks/`+worldRisk+`">Back to where you sent it</a>`)
	mustNotContain(t, page, "<h1>Done</h1>")

	status, body = http.StatusOK, worldTasks()[3]
	page = get(t, h, sesPat, want)
	mustContain(t, page, "<h1>Done</h1>", "Tandem has processed what you sent: Acknowledge the risk “Print vendor may miss the deadline”.")
	mustNotContain(t, page, "data-poll=")

	status, body = http.StatusConflict, apiErr("conflict", "task "+taskAck+" is done")
	mustContain(t, get(t, h, sesPat, want), "<h1>Not done</h1>", "Already done or no longer possible")

	// Another's command, or none: not found, as the API says.
	status, body = http.StatusNotFound, apiErr("not_found", "command not found")
	if w := get(t, h, sesPat, want); w.Code != http.StatusNotFound {
		t.Errorf("an unknown command: status %d, want 404", w.Code)
	}
	// Back only to a page of this site.
	status, body = http.StatusAccepted, pending
	mustContain(t, get(t, h, sesPat, "/commands/cmd_x?back=https://evil.example/"), `<a href="/">Back to where you sent it</a>`)
}

// A page's forms get new keys each time it is drawn, yet an open page is
// redrawn only when what it shows has changed: the keys are no change.
func TestNewKeysAloneDoNotRedrawAnOpenPage(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	version := func() string {
		r := newGet("/campaigns/" + worldCampaign)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesPat})
		r.Header.Set(fragmentHeader, "main")
		return serve(h, r).Header().Get("X-Tandem-Version")
	}
	if a, b := version(), version(); a == "" || a != b {
		t.Errorf("versions %q and %q: the same page must have the same version", a, b)
	}
}
