package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/tandemhq/tandem/domain"
)

// The conversation on a process's page: its comments and its tasks', each
// with its replies (one level), in the order they were written. A comment is
// Markdown, drawn through a Markdown renderer that leaves raw HTML out and
// then a sanitiser that keeps only the formatting comments may have (so a
// <script>, an onclick or a javascript: link written in one is inert twice
// over). The API decides who may read and write, and refuses a mention of
// someone who may not see the process; the page shows its refusal next to
// the form.

// maxComments bounds the comments a page draws: a long conversation is a
// link to its API list away.
const maxComments = 1000

// commentMarkdown renders the Markdown subset: CommonMark (paragraphs, lists,
// emphasis, links, code), raw HTML left out rather than passed through.
var commentMarkdown = goldmark.New(goldmark.WithRendererOptions(html.WithHardWraps()))

// commentPolicy keeps what commentMarkdown makes of a comment, and nothing a
// comment could use to run script, load anything or look like the page
// around it: no images, no styles, no attributes but a link's address, which
// must be http, https or mailto. Every link opens in a new tab without the
// page's referrer or access to it, and says it is not the board's own.
var commentPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// renderComment is a comment's text as the safe HTML the page draws.
func renderComment(body string) template.HTML {
	var buf bytes.Buffer
	if err := commentMarkdown.Convert([]byte(body), &buf); err != nil {
		// goldmark fails only on a failing writer; a bytes.Buffer never fails.
		return template.HTML(template.HTMLEscapeString(body))
	}
	return template.HTML(commentPolicy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised by commentPolicy
}

// commentView is one comment as the page shows it.
type commentView struct {
	ID      uint64
	Author  string // by name
	Initial string
	HTML    template.HTML
	Body    string // the text, for its author's edit form
	When    moment
	Edited  bool
	Deleted bool
	Task    string    // the task it is on, by title, when it is on one
	at      time.Time // when it was written, for the activity's order
	// MayEdit and MayDelete say what the viewer may do with it: its author
	// edits and deletes, an admin deletes.
	MayEdit, MayDelete bool
	Replies            []commentView
}

// conversationView is the conversation part of a process's page.
type conversationView struct {
	// Closed says the viewer may not read this conversation (a hiring
	// request's, to someone not involved in it).
	Closed   bool
	Comments []commentView
	Count    int
	More     bool // more comments than the page draws
	// Tasks are the open tasks a comment may be about, for the form's choice.
	Tasks []taskChoice
}

type taskChoice struct{ ID, Title string }

// conversation reads the comments of the process at path (its API path, as
// the page's) and makes them views, replies under their comment.
func (a *App) conversation(r *http.Request, s *session, wd *words, path string, tasks []domain.Task) (conversationView, error) {
	items, more, err := list[domain.Comment](a.api, r, s.auth, path+"/comments", nil, maxComments)
	if ae, ok := asAPIError(err); ok && ae.Status == http.StatusForbidden {
		// A hiring request's conversation is for the people involved: the
		// others see the request, and that its conversation is not theirs.
		return conversationView{Closed: true}, nil
	}
	if err != nil {
		return conversationView{}, err
	}
	var authors []string
	for _, c := range items {
		authors = append(authors, c.Author)
	}
	a.lookup(r, s, wd, authors...)
	titles := map[string]string{}
	for _, t := range tasks {
		titles[t.ID] = wd.Text(t.Title)
	}
	me := domain.ActorOf(s.me)
	v := conversationView{Count: len(items), More: more}
	for _, t := range tasks {
		if t.IsOpen() {
			v.Tasks = append(v.Tasks, taskChoice{ID: t.ID, Title: titles[t.ID]})
		}
	}
	at := map[uint64]int{}
	for _, c := range items {
		cv := commentView{
			ID: c.ID, Author: wd.Name(c.Author), When: wd.When(c.CreatedAt), Edited: c.EditedAt != nil, Deleted: c.Deleted(),
			Task: titles[c.TaskID], at: c.CreatedAt,
		}
		if c.TaskID != "" && cv.Task == "" {
			cv.Task = c.TaskID
		}
		cv.Initial = strings.ToUpper(string([]rune(cv.Author)[:1]))
		if !cv.Deleted {
			cv.HTML, cv.Body = renderComment(c.Body), c.Body
			cv.MayEdit = domain.CheckCommentAuthor(c, me, false) == nil
			cv.MayDelete = domain.CheckCommentAuthor(c, me, true) == nil
		}
		if i, ok := at[c.ParentID]; ok && c.ParentID != 0 {
			v.Comments[i].Replies = append(v.Comments[i].Replies, cv)
			continue
		}
		at[c.ID] = len(v.Comments)
		v.Comments = append(v.Comments, cv)
	}
	return v, nil
}

func (a *App) commentRoutes(m *http.ServeMux) {
	for _, p := range []struct {
		prefix string
		show   func(*App) showFunc
	}{
		{"/campaigns/", func(a *App) showFunc { return a.showCampaign }},
		{"/hiring-requests/", func(a *App) showFunc { return a.showHiring }},
		{"/risks/", func(a *App) showFunc { return a.showRisk }},
		{"/template-runs/", func(a *App) showFunc { return a.showRun }},
	} {
		m.HandleFunc("POST "+p.prefix+"{id}/comments", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
			a.postComment(w, r, s, p.prefix+url.PathEscape(r.PathValue("id")), p.show(a))
		}))
	}
	m.HandleFunc("POST /comments/{id}/edit", a.authed(a.editComment))
	m.HandleFunc("POST /comments/{id}/delete", a.authed(a.deleteComment))
	m.HandleFunc("GET /mentions", a.authed(a.mentions))
}

// postComment sends the comment form of the page at back: on the process, or
// on the task the form names, or as a reply. The page comes back at the new
// comment; a refusal is drawn next to the form, with what was typed.
func (a *App) postComment(w http.ResponseWriter, r *http.Request, s *session, back string, show showFunc) {
	body := map[string]any{"body": r.PostFormValue("body")}
	form := "comment"
	if parent := r.PostFormValue("parent"); parent != "" {
		id, err := strconv.ParseUint(parent, 10, 63)
		if err != nil {
			a.refuseLocally(w, r, s, form, show, "body", "the comment replied to is not one of this page's")
			return
		}
		body["parent_id"], form = id, "reply-"+parent
	}
	path := back + "/comments"
	if task := r.PostFormValue("task"); task != "" {
		path = "/tasks/" + url.PathEscape(task) + "/comments"
	}
	var c domain.Comment
	err := a.api.call(r, s.auth, http.MethodPost, path, nil, body, &c)
	if err == nil {
		a.setNotice(w, "Comment posted.")
		http.Redirect(w, r, back+"#comment-"+strconv.FormatUint(c.ID, 10), http.StatusSeeOther)
		return
	}
	a.commentRefused(w, r, s, form, err, show)
}

// commentRefused draws the page again with the API's refusal next to form.
func (a *App) commentRefused(w http.ResponseWriter, r *http.Request, s *session, form string, err error, show showFunc) {
	ae, ok := asAPIError(err)
	if !ok || ae.Status == http.StatusNotFound || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	show(w, r, s, ae.Status, &detailAttempt{Form: form, Problem: a.say(r, s, refusal(ae)), Fields: fieldProblems(ae), Values: r.PostForm})
}

// commentBack is the process page a comment's form came from: one of the
// board's process pages, never anywhere else.
func commentBack(r *http.Request) (string, bool) {
	back := localPath(r.PostFormValue("back"))
	for _, prefix := range []string{"/campaigns/", "/hiring-requests/", "/risks/"} {
		if id, found := strings.CutPrefix(back, prefix); found && id != "" && !strings.ContainsAny(id, "/?#") {
			return back, true
		}
	}
	return "", false
}

func (a *App) editComment(w http.ResponseWriter, r *http.Request, s *session) {
	a.changeComment(w, r, s, http.MethodPatch, map[string]string{"body": r.PostFormValue("body")}, "Comment edited.")
}

func (a *App) deleteComment(w http.ResponseWriter, r *http.Request, s *session) {
	a.changeComment(w, r, s, http.MethodDelete, nil, "Comment deleted.")
}

// changeComment edits or deletes a comment from its form on the page at the
// form's back, where it returns.
func (a *App) changeComment(w http.ResponseWriter, r *http.Request, s *session, method string, body any, notice string) {
	back, ok := commentBack(r)
	if !ok {
		a.fail(w, r, s, &apiError{Status: http.StatusBadRequest, Message: "the form names no page to return to"})
		return
	}
	id := r.PathValue("id")
	err := a.api.call(r, s.auth, method, "/comments/"+url.PathEscape(id), nil, body, nil)
	if err == nil {
		a.setNotice(w, notice)
		http.Redirect(w, r, back+"#comment-"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	a.setProblem(w, a.say(r, s, refusal(ae)))
	http.Redirect(w, r, back+"#comment-"+url.PathEscape(id), http.StatusSeeOther)
}

// mentionChoice is one person or team the comment box offers to mention.
type mentionChoice struct {
	Handle string `json:"handle"`
	Name   string `json:"name"`
	Team   bool   `json:"team,omitempty"`
}

// maxMentionChoices bounds the completion list: a few to pick from.
const maxMentionChoices = 8

// mentions answers the people and teams whose handle or name starts with
// ?q=, for the comment box's completion (comments.js), as JSON.
func (a *App) mentions(w http.ResponseWriter, r *http.Request, s *session) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	if len(q) > 64 {
		q = q[:64]
	}
	people, _, err := list[domain.Person](a.api, r, s.auth, "/people", nil, 2000)
	if err != nil {
		a.log.Warn("mention choices", "err", err)
		http.Error(w, "people unavailable", http.StatusServiceUnavailable)
		return
	}
	starts := func(s string) bool {
		s = strings.ToLower(s)
		if strings.HasPrefix(s, q) {
			return true
		}
		for _, word := range strings.Fields(s) {
			if strings.HasPrefix(word, q) {
				return true
			}
		}
		return false
	}
	out := []mentionChoice{}
	for _, p := range people {
		if len(out) < maxMentionChoices && p.Active() && (starts(p.Handle) || starts(p.Name)) {
			out = append(out, mentionChoice{Handle: p.Handle, Name: p.Name})
		}
	}
	for _, t := range domain.Teams {
		if len(out) < maxMentionChoices && starts(string(t)) {
			out = append(out, mentionChoice{Handle: string(t), Name: fmt.Sprintf("the %s team", label(t)), Team: true})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// commentOnPage is one comment with the page it is drawn on, for the
// "detail-comment" template, whose forms need the page's path and CSRF token.
type commentOnPage struct {
	D detailCommon
	C commentView
}

// CommentOf pairs c with the page.
func (d detailCommon) CommentOf(c commentView) commentOnPage { return commentOnPage{d, c} }

// Noun is what the page's process is called. A template run's page is a
// run's: the template is what many runs share.
func (d detailCommon) Noun() string {
	switch d.Kind {
	case domain.ProcessHiring:
		return "hiring request"
	case domain.ProcessTemplate:
		return "run"
	}
	return string(d.Kind)
}

// The activity of a process's page: its timeline and its conversation in one
// stream, oldest first or newest first, everything or only the comments or
// only the decisions and events. The choices are links (?order=newest,
// ?show=comments|decisions), so they work without the script and survive the
// page's background refresh, which reloads the page's own address.

// activity is the stream as the viewer chose it.
type activity struct {
	Items       []activityItem
	Newest      bool   // newest first
	Show        string // "", "comments" or "decisions"
	HideRefused bool
}

// activityItem is a timeline line or a comment with its replies.
type activityItem struct {
	Line    *storyLine
	Comment *commentView
	at      time.Time
}

// Activity filters.
const (
	showComments  = "comments"
	showDecisions = "decisions"
)

func newActivity(q url.Values, lines []storyLine, comments []commentView) activity {
	a := activity{Newest: q.Get("order") == "newest", HideRefused: q.Get("refused") == "hide"}
	if show := q.Get("show"); show == showComments || show == showDecisions {
		a.Show = show
	}
	if a.Show != showComments {
		for i := range lines {
			a.Items = append(a.Items, activityItem{Line: &lines[i], at: lines[i].when})
		}
	}
	if a.Show != showDecisions {
		for i := range comments {
			a.Items = append(a.Items, activityItem{Comment: &comments[i], at: comments[i].at})
		}
	}
	// Stable, so lines of the same time keep the timeline's order, and a
	// comment follows what happened at its time.
	slices.SortStableFunc(a.Items, func(x, y activityItem) int {
		if a.Newest {
			return y.at.Compare(x.at)
		}
		return x.at.Compare(y.at)
	})
	return a
}

// Link is the page's address with one choice of the activity changed (key
// to value, "" for the default), the others kept, at the activity.
func (a activity) Link(path, key, value string) string {
	q := url.Values{}
	if a.Newest {
		q.Set("order", "newest")
	}
	if a.Show != "" {
		q.Set("show", a.Show)
	}
	if a.HideRefused {
		q.Set("refused", "hide")
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return path + "#timeline-h"
	}
	return path + "?" + q.Encode() + "#timeline-h"
}
