package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// A comment's Markdown is drawn with its small set of formatting, and
// nothing it could run: raw HTML is left out by the renderer and by the
// sanitiser, and a link goes only to http, https or mailto, in a new tab,
// without the page's referrer or access to it.
func TestRenderCommentIsSafe(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		want, never []string
	}{
		{"formatting", "**bold** and *italic* and `code`\n\n- one\n- two\n\n1. first",
			[]string{"<strong>bold</strong>", "<em>italic</em>", "<code>code</code>", "<ul>", "<li>one</li>", "<ol>"}, nil},
		{"a link", "[the brief](https://example.com/brief)",
			[]string{`<a href="https://example.com/brief" rel="nofollow noreferrer noopener" target="_blank">the brief</a>`}, nil},
		{"mail", "[mail](mailto:pat@example.com)", []string{`href="mailto:pat@example.com"`}, nil},
		{"a script", "hello\n\n<script>alert(1)</script>", []string{"hello"}, []string{"<script", "alert(1)"}},
		{"an inline script", "hi <script>alert(1)</script>", []string{"hi"}, []string{"<script"}},
		{"inline HTML", `<b onclick="alert(1)">hi</b> <img src=x onerror=alert(1)>`, nil, []string{"onclick", "onerror", "<img", "<b"}},
		{"a javascript: link", "[click](javascript:alert(1))", []string{"click"}, []string{"javascript:", "href"}},
		{"an encoded javascript: link", "[click](jAvAsCrIpT&#58;alert(1))", []string{"click"}, []string{"javascript", "href"}},
		{"a data: link", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:", "href"}},
		{"an autolink", "<javascript:alert(1)>", nil, []string{`href="javascript`}},
		{"a raw anchor", `<a href="javascript:alert(1)">x</a>`, nil, []string{"javascript:", "<a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderComment(tc.in))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q renders %q, want %q in it", tc.in, got, w)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(strings.ToLower(got), strings.ToLower(n)) {
					t.Errorf("%q renders %q, with %q", tc.in, got, n)
				}
			}
		})
	}
}

// conversationWorld gives the world's campaign a conversation: Pat's comment
// (edited) with Maya's reply, Cleo's comment on a task, and a deleted one.
func conversationWorld(f *fakeAPI) {
	world(f)
	edited := testNow.Add(-time.Hour)
	f.on("GET /api/v1/campaigns/{id}/comments", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(
			domain.Comment{ID: 1, Process: domain.ProcessCampaign, ProcessID: worldCampaign, Author: "pat", Body: "Can **@maya** look?",
				CreatedAt: testNow.Add(-3 * time.Hour), EditedAt: &edited},
			domain.Comment{ID: 2, Process: domain.ProcessCampaign, ProcessID: worldCampaign, TaskID: taskAssets, Author: "cleo", Body: "Draft is up",
				CreatedAt: testNow.Add(-2 * time.Hour)},
			domain.Comment{ID: 3, Process: domain.ProcessCampaign, ProcessID: worldCampaign, ParentID: 1, Author: "maya", Body: "On it <script>x()</script>",
				CreatedAt: testNow.Add(-90 * time.Minute)},
			domain.Comment{ID: 4, Process: domain.ProcessCampaign, ProcessID: worldCampaign, Author: "maya", CreatedAt: testNow.Add(-time.Hour), DeletedAt: &edited},
		)
	})
}

func TestTheConversationOnAProcessPage(t *testing.T) {
	h, f := newTestApp(t)
	conversationWorld(f)
	w := get(t, h, sesPat, "/campaigns/"+worldCampaign)
	mustContain(t, w, `<a href="/campaigns/`+worldCampaign+`?show=comments#timeline-h">Comments (4)</a>`,
		`<span class="author" id="comment-1-by">Pat Manager</span>`, `<span class="edited">(edited)</span>`,
		`<strong>@maya</strong>`, `<span class="on-task">on Creative assets`,
		`<article class="comment-card deleted" id="comment-4"`, "This comment was deleted.",
		// The reply sits under its comment.
		`<ol class="replies">`, `<span class="author" id="comment-3-by">Maya Ops</span>`,
		// Pat edits and deletes his own comment, and only his.
		`<form method="post" action="/comments/1/edit"`, `<form method="post" action="/comments/1/delete"`,
		`<input type="hidden" name="parent" value="1">`,
		`<option value="`+taskAssets+`">Task: Creative assets`)
	mustNotContain(t, w, `action="/comments/2/edit"`, `action="/comments/3/delete"`, "<script>x()", `id="comment-4-by">maya<`)
	page := w.Body.String()
	if strings.Index(page, `id="comment-3"`) < strings.Index(page, `id="comment-1"`) || strings.Index(page, `id="comment-3"`) > strings.Index(page, `id="comment-2"`) {
		t.Error("the reply is not drawn under its comment, before the next one")
	}
}

// The comment form posts to the process, or to the task it names, or as a
// reply; the page comes back at the new comment, or with the API's refusal
// next to the form and the text kept.
func TestPostingAComment(t *testing.T) {
	h, f := newTestApp(t)
	conversationWorld(f)
	var got []map[string]any
	answer := func(_ *http.Request, me domain.Person) (int, any) {
		body := f.calls[len(f.calls)-1].Body // the fake read the request's body
		got = append(got, body)
		if strings.Contains(body["body"].(string), "@nobody") {
			return http.StatusUnprocessableEntity, apiErr(domain.CodeInvalid, "the request is invalid",
				domain.FieldProblem{Field: "body", Problem: "@nobody names no person or team"})
		}
		return http.StatusCreated, domain.Comment{ID: 7, Author: me.Handle, Body: body["body"].(string)}
	}
	f.on("POST /api/v1/campaigns/{id}/comments", answer)
	f.on("POST /api/v1/tasks/{id}/comments", answer)
	page := "/campaigns/" + worldCampaign

	w := post(t, h, sesPat, page+"/comments", url.Values{"body": {"Ship it"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"#comment-7" {
		t.Fatalf("posting: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = post(t, h, sesPat, page+"/comments", url.Values{"body": {"Thanks"}, "parent": {"1"}, "task": {taskAssets}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("replying: %d %s", w.Code, w.Body)
	}
	if len(got) != 2 || got[0]["parent_id"] != nil || got[1]["parent_id"] != float64(1) {
		t.Errorf("bodies sent = %v", got)
	}
	if last := f.calls[len(f.calls)-1]; last.Path != "/api/v1/tasks/"+taskAssets+"/comments" {
		t.Errorf("a comment about a task went to %s", last.Path)
	}

	w = post(t, h, sesPat, page+"/comments", url.Values{"body": {"ask @nobody"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused: %d", w.Code)
	}
	mustContain(t, w, "@nobody names no person or team", `>ask @nobody</textarea>`, `aria-invalid="true"`)
}

// Editing and deleting go to the API and back to the page the form was on,
// never elsewhere.
func TestEditingAndDeletingAComment(t *testing.T) {
	h, f := newTestApp(t)
	conversationWorld(f)
	f.on("PATCH /api/v1/comments/{id}", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, domain.Comment{ID: 1} })
	f.on("DELETE /api/v1/comments/{id}", func(*http.Request, domain.Person) (int, any) {
		return http.StatusForbidden, apiErr(domain.CodeForbidden, "only the comment's author or an admin may delete it")
	})
	page := "/campaigns/" + worldCampaign
	w := post(t, h, sesPat, "/comments/1/edit", url.Values{"body": {"better"}, "back": {page}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"#comment-1" {
		t.Fatalf("edit: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.calls[len(f.calls)-1]; c.Method != http.MethodPatch || c.Body["body"] != "better" {
		t.Errorf("edit sent %+v", c)
	}
	w = post(t, h, sesPat, "/comments/2/delete", url.Values{"back": {page}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("refused delete: %d", w.Code)
	}
	mustContain(t, followFlash(t, h, w, sesPat, page), "only the comment&#39;s author or an admin may delete it")
	for _, back := range []string{"https://evil.example/", "//evil.example", "/me", "/campaigns/x/../../me"} {
		if w := post(t, h, sesPat, "/comments/1/edit", url.Values{"body": {"x"}, "back": {back}}); w.Code != http.StatusBadRequest {
			t.Errorf("back %q: %d, want 400", back, w.Code)
		}
	}
}

// The completion list offers people by handle or name, and teams.
func TestMentionChoices(t *testing.T) {
	h, f := newTestApp(t)
	choices := func(q string) []mentionChoice {
		w := get(t, h, sesPat, "/mentions?q="+url.QueryEscape(q))
		var out []mentionChoice
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%q: %v in %s", q, err, w.Body)
		}
		return out
	}
	// Maya by her handle, Pat Manager by his surname, the marketing-ops team.
	if got := choices("ma"); len(got) != 3 || got[0].Handle != "maya" || got[1].Handle != "pat" ||
		got[2] != (mentionChoice{Handle: "marketing-ops", Name: "the Marketing ops team", Team: true}) {
		t.Errorf("ma: %+v", got)
	}
	if got := choices("ops"); len(got) != 1 || got[0].Handle != "maya" {
		t.Errorf("ops (Maya Ops by her surname): %+v", got)
	}
	if got := choices("zz"); len(got) != 0 {
		t.Errorf("zz: %+v", got)
	}
	if got := choices("cleo"); len(got) != 1 {
		t.Fatalf("cleo: %+v", got)
	}
	// Someone who left is not offered.
	cleo := f.people[sesCleo]
	cleo.DisabledAt = new(testNow)
	f.people[sesCleo] = cleo
	if got := choices("cleo"); len(got) != 0 {
		t.Errorf("cleo, disabled: %+v", got)
	}
}

// A notification of a mention leads to its comment.
func TestAMentionLeadsToItsComment(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/notifications", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Notification{{ID: 3, Key: "comment/9/mention", Recipient: "maya", Kind: domain.NotifyMention,
			Subject: "Pat Manager mentioned you on campaign “Spring”", Process: domain.ProcessCampaign, ProcessID: worldCampaign, CommentID: 9, CreatedAt: testNow}},
			"seen_through": 0, "unread": 1}
	})
	mustContain(t, get(t, h, sesMaya, "/notifications"), `<span class="kind k-mention">Mention</span>`,
		`<a href="/campaigns/`+worldCampaign+`#comment-9">Pat Manager mentioned you on campaign “Spring”</a>`)
}

// Someone not involved in a hiring request sees the request, and that its
// conversation is not theirs, not an error page.
func TestAHiringConversationClosedToOthers(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	f.on("GET /api/v1/hiring-requests/{id}/comments", func(*http.Request, domain.Person) (int, any) {
		return http.StatusForbidden, apiErr(domain.CodeForbidden, "only the people involved in a hiring request may read or write its comments")
	})
	w := get(t, h, sesCleo, "/hiring-requests/"+worldHiring)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "Only the people involved in this hiring request read and write its comments.")
	mustNotContain(t, w, `id="comment-form"`)
}

// The activity is the timeline and the comments in one stream, in the order
// and with the filter the viewer picked, each choice a link keeping the
// others.
func TestTheActivityStream(t *testing.T) {
	h, f := newTestApp(t)
	conversationWorld(f)
	page := "/campaigns/" + worldCampaign
	// Where each mark is in the activity section.
	order := func(w string, marks ...string) []int {
		w = w[strings.Index(w, `id="timeline-h"`):]
		var at []int
		for _, m := range marks {
			at = append(at, strings.Index(w, m))
		}
		return at
	}
	started, pats, held := "Pat Manager started the campaign", `id="comment-1"`, "Launch held by"
	all := get(t, h, sesPat, page).Body.String()
	// Started 72 hours ago, the launch held 4 hours ago, Pat's comment 3.
	if at := order(all, started, held, pats); !(at[0] >= 0 && at[0] < at[1] && at[1] < at[2]) {
		t.Errorf("oldest first: started, launch held, Pat's comment at %v", at)
	}
	newest := get(t, h, sesPat, page+"?order=newest")
	if at := order(newest.Body.String(), started, held, pats); !(at[2] >= 0 && at[2] < at[1] && at[1] < at[0]) {
		t.Errorf("newest first: started, launch held, Pat's comment at %v", at)
	}
	mustContain(t, newest, `<strong aria-current="true">Newest first</strong>`,
		`<a href="`+page+`?order=newest&amp;show=comments#timeline-h">Comments (4)</a>`,
		`<a href="`+page+`?order=newest&amp;refused=hide#timeline-h">Hide the 1 refused command</a>`)
	comments := get(t, h, sesPat, page+"?show=comments")
	mustContain(t, comments, `id="comment-1"`, `<strong aria-current="true">Comments (4)</strong>`)
	mustNotContain(t, comments, started, "Hide the 1 refused command")
	decisions := get(t, h, sesPat, page+"?show=decisions")
	mustContain(t, decisions, started, `id="comment-form"`)
	mustNotContain(t, decisions, `id="comment-1"`)
}
