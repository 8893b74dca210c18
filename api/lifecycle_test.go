package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// ackTask is a task with no role, held by cara: it has no queue to go back to.
const ackTask = "tsk_ack000000001"

// withReleases gives cara a manager (wes) and a role-less task, and makes the
// fake's release-task apply to the records as the workflow would.
func withReleases(e *env) {
	withTasks(e)
	cara := e.records.people["cara"]
	cara.Manager = "wes"
	e.records.people["cara"] = cara
	ack := e.records.tasks[workTask]
	ack.ID, ack.Title, ack.Team, ack.Role, ack.Kind = ackTask, "Acknowledge the risk", "", "", domain.KindAcknowledge
	e.records.tasks[ackTask] = ack
	e.temporal.update = func(_, name string, input any) (any, error) {
		in := input.(contract.ReleaseTaskInput)
		t := e.records.tasks[in.TaskID]
		t.Assignee = in.Assignee
		e.records.tasks[in.TaskID] = t
		return t, nil
	}
}

// The Done-when of issue 16: a disabled person's session and token answer 401
// on their next request, and their open assigned tasks have moved, each by a
// release-task update as the system actor, with an ID a retry reuses.
func TestDisablePersonEndsAccessAndGivesTasksBack(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	sess := e.signIn("cara")
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cara", ""), http.StatusOK, "")

	rr := e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	got := decodeJSON[disabledAnswer](t, rr)
	if got.Person.DisabledAt == nil || !got.Person.DisabledAt.Equal(testNow) {
		t.Errorf("disabled_at = %v, want %s", got.Person.DisabledAt, testNow)
	}
	if got.Revoked != (domain.Revoked{Sessions: 1, Tokens: 1}) {
		t.Errorf("revoked %+v, want the session and the token", got.Revoked)
	}
	moves := map[string]taskRelease{}
	for _, m := range got.Tasks {
		moves[m.TaskID] = m
	}
	if m := moves[workTask]; len(got.Tasks) != 2 || m.Status != releaseMoved || m.Team != "creative" || m.Role != "creative" || m.Assignee != "" {
		t.Errorf("creative task: %+v (of %d), want moved back to the creative queue, where cole may take it", m, len(got.Tasks))
	}
	if m := moves[ackTask]; m.Status != releaseMoved || m.Assignee != "wes" {
		t.Errorf("role-less task: %+v, want moved to cara's manager wes", m)
	}
	if e.records.tasks[workTask].Assignee != "" || e.records.tasks[ackTask].Assignee != "wes" {
		t.Errorf("tasks after: %q and %q", e.records.tasks[workTask].Assignee, e.records.tasks[ackTask].Assignee)
	}
	first := map[string]string{}
	for _, u := range e.temporal.updates {
		in := u.Input.(contract.ReleaseTaskInput)
		if u.Name != contract.UpdateReleaseTask || in.Actor.Handle != domain.SystemHandle || !in.Actor.HasRole(domain.RoleAdmin) ||
			in.From != "cara" || in.Reason != "cara was disabled" || in.UpdateID != u.ID || !strings.HasPrefix(u.ID, commandPrefix) {
			t.Errorf("update %+v", u)
		}
		first[in.TaskID] = u.ID
	}

	// Their next requests, with the token and with the board session: 401.
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cara", ""), http.StatusUnauthorized, "unauthorized")
	want(t, e.asSession(http.MethodGet, "/api/v1/me", sess), http.StatusUnauthorized, "unauthorized")
	var note string
	for _, entry := range e.records.auditEntries() {
		if entry.Action == "POST /api/v1/people/:handle/disable" {
			note = entry.Reason
		}
	}
	if note != "disabled; 1 sessions and 1 tokens revoked; 2 of 2 open tasks given back" {
		t.Errorf("audit note %q", note)
	}

	// Disabling again, as after a failure: the same update IDs, and the first
	// time kept.
	withTasks(e) // the projection lagging: both tasks still show as cara's
	e.temporal.updates = nil
	rr = e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	if again := decodeJSON[disabledAnswer](t, rr); !again.Person.DisabledAt.Equal(testNow) {
		t.Errorf("disabled again at %v", again.Person.DisabledAt)
	}
	for _, u := range e.temporal.updates {
		if id := first[u.Input.(contract.ReleaseTaskInput).TaskID]; id != u.ID {
			t.Errorf("retry of %+v sent as %s, want %s", u.Input, u.ID, id)
		}
	}
}

// Temporal unreachable: the disabling stands, the answer says which tasks did
// not move, and disabling again moves them.
func TestDisablePersonStandsWhenTemporalFails(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	release := e.temporal.update
	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Unavailablef("Temporal is unavailable")
	}
	rr := e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	for _, m := range decodeJSON[disabledAnswer](t, rr).Tasks {
		if m.Status != releaseFailed || !strings.Contains(m.Message, "disable again") {
			t.Errorf("%+v, want failed, saying to disable again", m)
		}
	}
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cara", ""), http.StatusUnauthorized, "unauthorized")

	e.temporal.update = func(string, string, any) (any, error) { return nil, errAdmitted }
	rr = e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-ada", "")
	for _, m := range decodeJSON[disabledAnswer](t, rr).Tasks {
		if m.Status != releasePending {
			t.Errorf("%+v, want pending while no worker runs", m)
		}
	}
	e.temporal.update = release
	rr = e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-ada", "")
	for _, m := range decodeJSON[disabledAnswer](t, rr).Tasks {
		if m.Status != releaseMoved {
			t.Errorf("%+v, want moved once Temporal is back", m)
		}
	}
}

// Separation of duties: an approval goes neither to its requester nor to
// anyone who may not decide it. mo holds the brief review paula raised; no
// one else is a marketing ops manager, and mo's manager is paula: it stays,
// and the answer says so. A task taken by someone since stays with them.
func TestDisablePersonKeepsSeparationOfDuties(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	mo := e.records.people["mo"]
	mo.Manager = "paula"
	e.records.people["mo"] = mo
	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Conflictf("task %s is no longer mo's: it is with cole", approvalTask)
	}
	rr := e.do(http.MethodPost, "/api/v1/people/mo/disable", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	got := decodeJSON[disabledAnswer](t, rr).Tasks
	if len(got) != 1 || got[0].Status != releaseStays || !strings.Contains(got[0].Message, "paula raised this request") || !strings.Contains(got[0].Message, "an admin reassigns it") {
		t.Errorf("approval: %+v, want it kept, saying why", got)
	}
	if len(e.temporal.updates) != 0 {
		t.Errorf("an approval nobody may take was sent: %+v", e.temporal.updates)
	}

	// With another manager who may decide it, it goes there; when the workflow
	// finds it taken since, it stays where it is.
	mo.Manager = "ada"
	e.records.people["mo"] = mo
	rr = e.do(http.MethodPost, "/api/v1/people/mo/disable", "tok-ada", "")
	got = decodeJSON[disabledAnswer](t, rr).Tasks
	if len(got) != 1 || got[0].Status != releaseStays || !strings.Contains(got[0].Message, "no longer mo's") || len(e.temporal.updates) != 1 {
		t.Errorf("approval taken since: %+v", got)
	}
}

func TestDisablePersonRefusals(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	want(t, e.do(http.MethodPost, "/api/v1/people/cara/disable", "tok-paula", ""), http.StatusForbidden, domain.CodeForbidden)
	want(t, e.do(http.MethodPost, "/api/v1/people/ada/disable", "tok-ada", ""), http.StatusConflict, domain.CodeConflict)
	want(t, e.do(http.MethodPost, "/api/v1/people/nobody/disable", "tok-ada", ""), http.StatusNotFound, domain.CodeNotFound)
	want(t, e.do(http.MethodPost, "/api/v1/people/nobody/enable", "tok-ada", ""), http.StatusNotFound, domain.CodeNotFound)
	if p := e.records.people["cara"]; !p.Active() || len(e.temporal.updates) != 0 {
		t.Errorf("a refused disabling changed something: %+v, %d updates", p, len(e.temporal.updates))
	}
}

// Once disabled, nothing new reaches the person: no token, no task, no
// sign-in (the board shows the refusal); enabling lets them back in afresh.
func TestDisabledPersonGetsNothingNew(t *testing.T) {
	e := newEnv(t)
	withReleases(e)
	want(t, e.do(http.MethodPost, "/api/v1/people/cole/disable", "tok-ada", ""), http.StatusOK, "")
	want(t, e.do(http.MethodPost, "/api/v1/people/cole/tokens", "tok-ada", `{"label": "ci"}`), http.StatusConflict, domain.CodeConflict)
	got := want(t, e.do(http.MethodPost, "/api/v1/tasks/"+poolTask+"/reassign", "tok-paula", `{"assignee": "cole", "reason": "x"}`), sInvalid, domain.CodeInvalid)
	if !hasProblem(got, "assignee", "disabled") {
		t.Errorf("details = %v, want assignee: disabled", got.Details)
	}
	req := httptest.NewRequestWithContext(vouch.ForEmail(context.Background(), "cole@example.com", domain.SignInOIDC), http.MethodPost, "/api/v1/sessions", nil)
	o := want(t, e.serve(req), http.StatusForbidden, domain.CodeForbidden)
	if !strings.Contains(o.Message, "cole is disabled") {
		t.Errorf("refusal %q, want it to say cole is disabled", o.Message)
	}
	if a := lastAudit(t, e); a.Outcome == domain.AuditAllowed || !strings.Contains(a.Reason, "cole is disabled") {
		t.Errorf("the refused sign-in's audit entry: %+v", a)
	}

	rr := e.do(http.MethodPost, "/api/v1/people/cole/enable", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	if p := decodeJSON[domain.Person](t, rr); !p.Active() {
		t.Errorf("enabled: %+v", p)
	}
	want(t, e.do(http.MethodGet, "/api/v1/me", "tok-cole", ""), http.StatusUnauthorized, "unauthorized") // revoked for good
	want(t, e.do(http.MethodPost, "/api/v1/people/cole/tokens", "tok-ada", `{"label": "ci"}`), http.StatusCreated, "")
}
