package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// commentEnv is a server with a campaign (cmp 1, "Spring"), a hiring request
// raised by paula, and people in the legal team.
func commentEnv(t *testing.T) *env {
	e := newEnv(t)
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Brief: domain.Brief{Name: "Spring"}, Status: domain.StatusActive}
	e.records.hiring().requests[permHiringID] = domain.HiringRequest{ID: permHiringID, RequestedBy: "paula",
		Request: domain.Requisition{Title: "Designer"}, Status: domain.StatusActive}
	for _, p := range []domain.Person{person("lena", domain.TeamLegal, domain.RoleLegal), person("leo", domain.TeamLegal, domain.RoleLegal)} {
		e.records.people[p.Handle] = p
		e.records.tokens["tok-"+p.Handle] = p.Handle
	}
	// Gone left the legal team: disabled, neither mentioned nor told.
	gone := person("gone", domain.TeamLegal, domain.RoleLegal)
	gone.DisabledAt = new(testNow.Add(-time.Hour))
	e.records.people[gone.Handle] = gone
	return e
}

const campaignComments = "/api/v1/campaigns/" + campaignID1 + "/comments"

func notificationsOf(e *env, who string) []domain.Notification {
	e.records.mu.Lock()
	defer e.records.mu.Unlock()
	return append([]domain.Notification(nil), e.records.notifications[who]...)
}

// A comment mentioning a person and a team notifies each, linked to the
// comment; the author, mentioned with their team, is not told; a reply tells
// the parent's author.
func TestCommentMentionsNotify(t *testing.T) {
	e := commentEnv(t)
	rr := e.do("POST", campaignComments, "tok-paula", `{"body": "Can **@cara** check this, and @legal? cc @paula"}`)
	want(t, rr, sCreated, "")
	c := decodeJSON[commentBody](t, rr)
	if c.ID == 0 || c.Author != "paula" || c.Process != "campaign" || c.ProcessID != campaignID1 || c.CreatedAt != testNow.UTC() {
		t.Errorf("comment = %+v", c)
	}
	for _, who := range []string{"cara", "lena", "leo"} {
		ns := notificationsOf(e, who)
		if len(ns) != 1 || ns[0].Kind != domain.NotifyMention || ns[0].CommentID != c.ID || ns[0].ProcessID != campaignID1 ||
			ns[0].Subject != "Paula mentioned you on campaign “Spring”" {
			t.Errorf("%s's notifications = %+v", who, ns)
		}
	}
	if ns := notificationsOf(e, "paula"); len(ns) != 0 {
		t.Errorf("the author is told of her own mention: %+v", ns)
	}
	if ns := notificationsOf(e, "gone"); len(ns) != 0 {
		t.Errorf("a disabled member of the team is told: %+v", ns)
	}

	rr = e.do("POST", campaignComments, "tok-cara", fmt.Sprintf(`{"body": "On it", "parent_id": %d}`, c.ID))
	want(t, rr, sCreated, "")
	reply := decodeJSON[commentBody](t, rr)
	if ns := notificationsOf(e, "paula"); len(ns) != 1 || ns[0].Kind != domain.NotifyReply || ns[0].CommentID != reply.ID {
		t.Errorf("paula's notifications after the reply = %+v", ns)
	}

	list := decodeJSON[domain.Page[commentBody]](t, e.do("GET", campaignComments, "tok-wes", ""))
	if len(list.Items) != 2 || list.Items[0].ID != c.ID || list.Items[1].ParentID != c.ID {
		t.Errorf("comments = %+v", list.Items)
	}
}

// What a comment may not be is refused with 422, and nothing is stored nor
// anyone told.
func TestCommentRefusals(t *testing.T) {
	e := commentEnv(t)
	first := decodeJSON[commentBody](t, e.do("POST", campaignComments, "tok-paula", `{"body": "first"}`))
	reply := decodeJSON[commentBody](t, e.do("POST", campaignComments, "tok-cara", fmt.Sprintf(`{"body": "reply", "parent_id": %d}`, first.ID)))
	other := decodeJSON[commentBody](t, e.do("POST", "/api/v1/hiring-requests/"+permHiringID+"/comments", "tok-paula", `{"body": "elsewhere"}`))
	for _, tc := range []struct {
		name, body, field, problem string
	}{
		{"blank", `{"body": " \u200b "}`, "body", "required"},
		{"too long", `{"body": "` + strings.Repeat("a", domain.MaxCommentBodyChars+1) + `"}`, "body", "at most 10000 characters"},
		{"a direction override", `{"body": "txt.exe\u202egnp"}`, "body", "invisible formatting characters"},
		{"a control character", `{"body": "bell\u0007"}`, "body", "control characters"},
		{"an unknown handle", `{"body": "ask @nobody"}`, "body", "@nobody names no person or team"},
		{"someone who left", `{"body": "ask @gone"}`, "body", "@gone is disabled: Gone no longer uses Tandem"},
		{"a reply to a reply", fmt.Sprintf(`{"body": "x", "parent_id": %d}`, reply.ID), "parent_id", "replies are one level deep"},
		{"a reply elsewhere", fmt.Sprintf(`{"body": "x", "parent_id": %d}`, other.ID), "parent_id", "not in this conversation"},
		{"a missing parent", `{"body": "x", "parent_id": 99}`, "parent_id", "no comment 99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := want(t, e.do("POST", campaignComments, "tok-wes", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(o, tc.field, tc.problem) {
				t.Errorf("problems = %+v, want %s: %s", o.Details, tc.field, tc.problem)
			}
		})
	}
	if n := len(e.records.comments().comments); n != 3 {
		t.Errorf("%d comments stored, want the 3 accepted", n)
	}
}

// A hiring request's conversation is for the people involved: others may
// neither read it nor be mentioned in it, and a refused mention names them
// and stores nothing.
func TestHiringCommentsStayWithThePeopleInvolved(t *testing.T) {
	e := commentEnv(t)
	path := "/api/v1/hiring-requests/" + permHiringID + "/comments"
	want(t, e.do("GET", path, "tok-cara", ""), sForbid, domain.CodeForbidden)
	want(t, e.do("POST", path, "tok-cara", `{"body": "hello"}`), sForbid, domain.CodeForbidden)
	o := want(t, e.do("POST", path, "tok-paula", `{"body": "@mo and @cara, thoughts?"}`), sInvalid, domain.CodeInvalid)
	if !hasProblem(o, "body", "Cara may not see this hiring request") {
		t.Errorf("problems = %+v, want Cara named", o.Details)
	}
	o = want(t, e.do("POST", path, "tok-paula", `{"body": "@legal?"}`), sInvalid, domain.CodeInvalid)
	if !hasProblem(o, "body", "Lena, Leo may not see this hiring request") {
		t.Errorf("problems = %+v, want the legal team named", o.Details)
	}
	if n := len(e.records.comments().comments); n != 0 || len(notificationsOf(e, "mo")) != 0 {
		t.Errorf("refused mentions stored %d comments, told mo %v", n, notificationsOf(e, "mo"))
	}
	want(t, e.do("POST", path, "tok-paula", `{"body": "@mo, thoughts?"}`), sCreated, "")
	if ns := notificationsOf(e, "mo"); len(ns) != 1 || ns[0].Subject != "Paula mentioned you on hiring request “Designer”" {
		t.Errorf("mo's notifications = %+v", ns)
	}
}

// Its author edits a comment (the earlier text kept), its author or an admin
// deletes it (a tombstone stays); a tombstone is neither edited nor deleted.
func TestCommentEditAndDelete(t *testing.T) {
	e := commentEnv(t)
	c := decodeJSON[commentBody](t, e.do("POST", campaignComments, "tok-cara", `{"body": "draft"}`))
	path := fmt.Sprintf("/api/v1/comments/%d", c.ID)
	want(t, e.do("PATCH", path, "tok-wes", `{"body": "mine now"}`), sForbid, domain.CodeForbidden)
	want(t, e.do("PATCH", path, "tok-ada", `{"body": "mine now"}`), sForbid, domain.CodeForbidden)
	rr := e.do("PATCH", path, "tok-cara", `{"body": "final, @wes"}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[commentBody](t, rr); got.Body != "final, @wes" || got.EditedAt == nil {
		t.Errorf("edited = %+v", got)
	}
	if ns := notificationsOf(e, "wes"); len(ns) != 1 || ns[0].CommentID != c.ID {
		t.Errorf("wes, newly mentioned in the edit: %+v", ns)
	}
	want(t, e.do("PATCH", path, "tok-cara", `{"body": "final, @wes!"}`), sOK, "")
	if ns := notificationsOf(e, "wes"); len(ns) != 1 {
		t.Errorf("wes is told again of the same mention: %+v", ns)
	}
	want(t, e.do("DELETE", path, "tok-wes", ""), sForbid, domain.CodeForbidden)
	rr = e.do("DELETE", path, "tok-ada", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[commentBody](t, rr); got.Body != "" || got.DeletedAt == nil || got.Author != "cara" {
		t.Errorf("tombstone = %+v", got)
	}
	if revs := e.records.comments().revisions[c.ID]; len(revs) != 3 || revs[0] != "draft" || revs[2] != "final, @wes!" {
		t.Errorf("revisions = %q", revs)
	}
	want(t, e.do("DELETE", path, "tok-cara", ""), sConflict, domain.CodeConflict)
	want(t, e.do("PATCH", path, "tok-cara", `{"body": "back"}`), sConflict, domain.CodeConflict)
	want(t, e.do("PATCH", "/api/v1/comments/99", "tok-cara", `{"body": "x"}`), sNotFound, domain.CodeNotFound)
	want(t, e.do("DELETE", "/api/v1/comments/nope", "tok-cara", ""), sNotFound, domain.CodeNotFound)
}

// Each person has a budget of comment writes: past it, 429 with Retry-After,
// nothing stored; others keep theirs.
func TestCommentRateLimit(t *testing.T) {
	e := commentEnv(t)
	clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	e.srv.comments.now = func() time.Time { return clock }
	for i := range commentBurst {
		want(t, e.do("POST", campaignComments, "tok-cara", fmt.Sprintf(`{"body": "%d"}`, i)), sCreated, "")
	}
	rr := e.do("POST", campaignComments, "tok-cara", `{"body": "one more"}`)
	want(t, rr, 429, "rate_limited")
	if got := rr.Header().Get("Retry-After"); got != "6" {
		t.Errorf("Retry-After = %q, want 6", got)
	}
	want(t, e.do("POST", campaignComments, "tok-wes", `{"body": "mine"}`), sCreated, "")
	if n := len(e.records.comments().comments); n != commentBurst+1 {
		t.Errorf("%d comments stored, want %d", n, commentBurst+1)
	}
	clock = clock.Add(commentEvery)
	want(t, e.do("POST", campaignComments, "tok-cara", `{"body": "later"}`), sCreated, "")
}

// A task's comments are its own, and they are also the process's.
func TestTaskComments(t *testing.T) {
	e := commentEnv(t)
	withTasks(e)
	path := "/api/v1/tasks/" + workTask + "/comments"
	c := decodeJSON[commentBody](t, e.do("POST", path, "tok-cara", `{"body": "draft attached"}`))
	if c.TaskID != workTask || c.ProcessID != campaignID1 {
		t.Errorf("task comment = %+v", c)
	}
	want(t, e.do("POST", campaignComments, "tok-cara", `{"body": "on the campaign"}`), sCreated, "")
	// A reply sent to the process joins its parent on the task.
	rr := e.do("POST", campaignComments, "tok-wes", fmt.Sprintf(`{"body": "thanks", "parent_id": %d}`, c.ID))
	want(t, rr, sCreated, "")
	if r := decodeJSON[commentBody](t, rr); r.TaskID != workTask || r.ParentID != c.ID {
		t.Errorf("reply = %+v, want it on the task", r)
	}
	if l := decodeJSON[domain.Page[commentBody]](t, e.do("GET", path, "tok-wes", "")); len(l.Items) != 2 || l.Items[0].ID != c.ID {
		t.Errorf("the task's comments = %+v", l.Items)
	}
	if l := decodeJSON[domain.Page[commentBody]](t, e.do("GET", campaignComments, "tok-wes", "")); len(l.Items) != 3 {
		t.Errorf("the campaign's comments = %+v", l.Items)
	}
	want(t, e.do("GET", "/api/v1/tasks/tsk_nope/comments", "tok-wes", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/campaigns/cmp_nope/comments", "tok-wes", ""), sNotFound, domain.CodeNotFound)
}
