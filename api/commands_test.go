package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// idem is the Idempotency-Key header of a request.
func idem(key string) []string { return []string{"Idempotency-Key", key} }

// A command's Idempotency-Key names one Temporal Update: the retry sends the
// stored input again as the same update (Temporal answers its outcome and never
// applies it twice), and the input is bound to that ID. The same key with
// another body is a conflict, and keys of other people, routes or targets
// never meet.
func TestCommandRetryIsTheSameUpdate(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	completes(e)
	path := "/api/v1/tasks/" + workTask + "/complete"
	first := e.do("POST", path, "tok-cara", `{"outcome": "done", "comment": "shipped"}`, idem("k-1")...)
	want(t, first, sOK, "")
	again := e.do("POST", path, "tok-cara", `{"outcome": "done", "comment": "shipped"}`, idem("k-1")...)
	want(t, again, sOK, "")
	if again.Body.String() != first.Body.String() || again.Header().Get(replayedHeader) != "true" {
		t.Errorf("the retry answered %s (replayed %q), want %s", again.Body, again.Header().Get(replayedHeader), first.Body)
	}
	u := e.temporal.updates
	if len(u) != 2 || u[0].ID != u[1].ID || !strings.HasPrefix(u[0].ID, commandPrefix) || !reflect.DeepEqual(u[0].Input, u[1].Input) {
		t.Fatalf("updates = %+v, want the one update sent twice", u)
	}
	in := u[0].Input.(contract.CompleteTaskInput)
	if in.UpdateID != u[0].ID || !in.IssuedAt.Equal(testNow) {
		t.Errorf("the input is bound to %q at %v, the update is %q", in.UpdateID, in.IssuedAt, u[0].ID)
	}
	// It carries its audit entry, for the run to write with what it changes.
	if a := in.Audit; a == nil || a.Actor != "cara" || a.Action != "POST /api/v1/tasks/:id/complete" || a.Object != workTask ||
		a.Outcome != domain.AuditAllowed || a.Status != sOK || a.RequestID == "" {
		t.Errorf("the input's audit entry is %+v", a)
	}
	if c := e.records.commands[u[0].ID]; c.Status != domain.CommandDone || c.RunID != "run-1" || c.Caller != "cara" {
		t.Errorf("stored command = %+v", c)
	}
	// Done: the next retry asks the run that applied it.
	want(t, e.do("POST", path, "tok-cara", `{"outcome": "done", "comment": "shipped"}`, idem("k-1")...), sOK, "")
	if r := e.temporal.updates[2]; r.ID != u[0].ID || r.RunID != "run-1" {
		t.Errorf("the third send = %+v, want the first update in run-1", r)
	}

	// Another body under the key: 409, nothing sent.
	o := want(t, e.do("POST", path, "tok-cara", `{"outcome": "done", "comment": "other"}`, idem("k-1")...), sConflict, domain.CodeConflict)
	if !strings.Contains(o.Message, "Idempotency-Key") || len(e.temporal.updates) != 3 {
		t.Errorf("another body: %q, %d updates", o.Message, len(e.temporal.updates))
	}

	// The same key elsewhere is another command: another person, route or target.
	ids := map[string]bool{u[0].ID: true}
	for _, r := range []struct{ path, token, body string }{
		{"/api/v1/tasks/" + poolTask + "/complete", "tok-cara", `{"outcome": "done"}`},
		{"/api/v1/tasks/" + poolTask + "/complete", "tok-cole", `{"outcome": "done"}`},
		{"/api/v1/tasks/" + poolTask + "/reassign", "tok-cole", `{"assignee": "cara", "reason": "hers"}`},
	} {
		e.temporal.update = nil
		n := len(e.temporal.updates)
		want(t, e.do("POST", r.path, r.token, r.body, idem("k-1")...), sOK, "")
		if len(e.temporal.updates) != n+1 || ids[e.temporal.updates[n].ID] {
			t.Errorf("%s as %s: the key met another command's (%+v)", r.path, r.token, e.temporal.updates[n:])
		}
		ids[e.temporal.updates[n].ID] = true
	}
	// Without a key, each request is a command of its own.
	for range 2 {
		want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/complete", "tok-cara", `{"outcome": "done"}`), sOK, "")
		if id := e.temporal.updates[len(e.temporal.updates)-1].ID; ids[id] {
			t.Errorf("a request without a key reused %s", id)
		}
	}
}

// Issue 18: with no worker running, a decision answered 503 after 10 s and was
// applied when the workers came back. Admitted but not processed is 202 with a
// status URL, which answers 202 while pending and the command's answer once
// done; only its sender may read it.
func TestCommandAdmittedAnswers202WithAStatusURL(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	var mu sync.Mutex
	processed := false
	e.temporal.update = func(_, _ string, input any) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		if !processed {
			return nil, fmt.Errorf("update: %w", errAdmitted)
		}
		in := input.(contract.CompleteTaskInput)
		return domain.Task{ID: in.TaskID, Status: domain.TaskDone, CompletedBy: in.Actor.Handle}, nil
	}
	rr := e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done"}`, idem("k-2")...)
	want(t, rr, http.StatusAccepted, "")
	st := decodeJSON[commandStatus](t, rr)
	if st.Status != "pending" || !strings.HasPrefix(st.ID, commandPrefix) || st.URL != commandsPath+st.ID ||
		rr.Header().Get("Location") != st.URL || rr.Header().Get("Retry-After") == "" {
		t.Fatalf("202 = %+v, headers %v", st, rr.Header())
	}
	want(t, e.do("GET", st.URL, "tok-cara", ""), http.StatusAccepted, "")
	// A retry while pending attaches to the same update, and is 202 too.
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done"}`, idem("k-2")...), http.StatusAccepted, "")

	// Nobody else may read it; nor does a made-up ID exist.
	want(t, e.do("GET", st.URL, "tok-cole", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", st.URL, "tok-ada", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", commandsPath+"cmd_0123456789abcdef0123456789abcdef", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", commandsPath+"tsk_wwwwwwwwwwww", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", st.URL, "", ""), sUnauth, "unauthorized")

	mu.Lock()
	processed = true
	mu.Unlock()
	rr = e.do("GET", st.URL, "tok-cara", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Task](t, rr); got.ID != workTask || got.Status != domain.TaskDone || got.CompletedBy != "cara" {
		t.Errorf("the status URL answered %+v, want the completed task", got)
	}
	for _, u := range e.temporal.updates {
		if u.ID != st.ID {
			t.Errorf("sent as %s, want every send as %s", u.ID, st.ID)
		}
	}
	if c := e.records.commands[st.ID]; c.Status != domain.CommandDone {
		t.Errorf("stored command = %+v", c)
	}
}

// A refusal is final for its key: a retry, or the status URL, answers it again
// without asking Temporal, rather than applying a command that was refused (a
// task reassigned to the caller meanwhile, say). A 503 is not: the command was
// not admitted, and a retry sends it.
func TestCommandRefusalIsFinalUnavailableIsNot(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Forbiddenf("task %s is assigned to cara", workTask)
	}
	path := "/api/v1/tasks/" + workTask + "/complete"
	o := want(t, e.do("POST", path, "tok-cole", `{"outcome": "done"}`, idem("k-3")...), sForbid, domain.CodeForbidden)
	e.temporal.update = nil
	again := want(t, e.do("POST", path, "tok-cole", `{"outcome": "done"}`, idem("k-3")...), sForbid, domain.CodeForbidden)
	if again.Message != o.Message || len(e.temporal.updates) != 1 {
		t.Errorf("the retry answered %q after %d updates, want the refusal %q from the first", again.Message, len(e.temporal.updates), o.Message)
	}
	id := e.temporal.updates[0].ID
	want(t, e.do("GET", commandsPath+id, "tok-cole", ""), sForbid, domain.CodeForbidden)

	e.temporal.update = func(string, string, any) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("POST", path, "tok-cara", `{"outcome": "done"}`, idem("k-4")...), sUnavail, codeUnavailable)
	e.temporal.update = nil
	want(t, e.do("POST", path, "tok-cara", `{"outcome": "done"}`, idem("k-4")...), sOK, "")
	if u := e.temporal.updates; len(u) != 3 || u[1].ID != u[2].ID {
		t.Errorf("updates = %+v, want the unavailable one sent again", u)
	}
}

// Every command route takes a key and answers 202 while admitted; the status
// URL answers the route's own answer once done.
func TestEveryCommandRouteHonoursTheContract(t *testing.T) {
	const (
		cpn = "/api/v1/campaigns/" + campaignID1
		hir = "/api/v1/hiring-requests/hir_aaaaaaaaaaaa"
		rsk = "/api/v1/risks/" + riskID1
	)
	for _, r := range []struct {
		path, token, body string
		update            string
		result            any
		status            int
	}{
		{"/api/v1/tasks/" + workTask + "/complete", "tok-cara", `{"outcome": "done"}`, contract.UpdateCompleteTask, domain.Task{ID: workTask}, sOK},
		{"/api/v1/tasks/" + workTask + "/reassign", "tok-cara", `{"assignee": "cole", "reason": "busy"}`, contract.UpdateReassignTask, domain.Task{ID: workTask}, sOK},
		{"/api/v1/tasks/" + workTask + "/estimate", "tok-paula", `{"hours": 6}`, contract.UpdateEstimateTask, domain.Task{ID: workTask}, sOK},
		{cpn + "/changes", "tok-paula", `{"budget": {"amount": 1, "currency": "EUR"}, "reason": "r"}`, contract.UpdateChangeCampaign, liveDetail(), sOK},
		{cpn + "/kpis", "tok-paula", `{"actuals": [{"name": "signups", "value": 3}]}`, contract.UpdateRecordKPIs, liveDetail(), sOK},
		{cpn + "/cancel", "tok-paula", `{"reason": "budget cut"}`, contract.UpdateCancel, liveDetail(), sOK},
		{cpn + "/tasks", "tok-paula", addTaskBody, contract.UpdateAddTask, domain.Task{ID: "tsk_nnnnnnnnnnnn"}, sCreated},
		{hir + "/candidates", "tok-paula", `{"name": "Jane Roe", "email": "jane@example.com"}`, contract.UpdateAddCandidate, domain.Task{ID: "tsk_iiiiiiiiiiii"}, sCreated},
		{hir + "/cancel", "tok-paula", `{"reason": "budget freeze"}`, contract.UpdateCancel, contract.HiringDetail{}, sOK},
		{rsk + "/assessments", "tok-paula", `{"probability": 2, "impact": 2}`, contract.UpdateAssessRisk, liveRisk(), sOK},
		{rsk + "/resolve", "tok-paula", `{"comment": "done"}`, contract.UpdateDecideRisk, liveRisk(), sOK},
		{rsk + "/accept", "tok-paula", `{"comment": "done"}`, contract.UpdateDecideRisk, liveRisk(), sOK},
		{rsk + "/materialize", "tok-paula", `{"comment": "done"}`, contract.UpdateDecideRisk, liveRisk(), sOK},
		{rsk + "/close", "tok-paula", `{"comment": "done"}`, contract.UpdateDecideRisk, liveRisk(), sOK},
		{"/api/v1/template-runs/" + runID1 + "/kpis", "tok-paula", `{"actuals": [{"name": "registrations", "value": 310}]}`, contract.UpdateRecordKPIs, liveRun(), sOK},
		{"/api/v1/template-runs/" + runID1 + "/cancel", "tok-paula", `{"reason": "the speaker left"}`, contract.UpdateCancel, liveRun(), sOK},
	} {
		t.Run(r.path, func(t *testing.T) {
			e := permEnv(t)
			withTemplate(t)(e, "")
			admitted := true
			e.temporal.update = func(string, string, any) (any, error) {
				if admitted {
					return nil, errAdmitted
				}
				return r.result, nil
			}
			rr := e.do("POST", r.path, r.token, r.body, idem("k")...)
			want(t, rr, http.StatusAccepted, "")
			st := decodeJSON[commandStatus](t, rr)
			admitted = false
			done := e.do("GET", st.URL, r.token, "")
			want(t, done, r.status, "")
			retry := e.do("POST", r.path, r.token, r.body, idem("k")...)
			want(t, retry, r.status, "")
			if retry.Body.String() != done.Body.String() || done.Header().Get("Location") != retry.Header().Get("Location") {
				t.Errorf("the retry answered %s, the status URL %s", retry.Body, done.Body)
			}
			for _, u := range e.temporal.updates {
				var in struct {
					UpdateID string `json:"update_id"`
				}
				if err := roundTrip(u.Input, &in); err != nil || u.Name != r.update || u.ID != st.ID || in.UpdateID != st.ID {
					t.Errorf("sent %s as %s bound to %q, want %s as %s", u.Name, u.ID, in.UpdateID, r.update, st.ID)
				}
			}
			if n := len(e.records.hiring().candidates); strings.Contains(r.path, "candidates") && n != 1 {
				t.Errorf("%d candidates stored, want the one", n)
			}
		})
	}
}

// A candidate's row is written before its command is sent: a command the
// process refuses, even one it refuses after a 202, leaves none behind.
func TestCandidateOfARefusedCommandIsRemoved(t *testing.T) {
	e := hiringEnv(t)
	refuse := false
	e.temporal.update = func(string, string, any) (any, error) {
		if refuse {
			return nil, domain.Conflictf("candidates are added in recruiting; the request is in approval")
		}
		return nil, errAdmitted
	}
	rr := e.do("POST", "/api/v1/hiring-requests/hir_aaaaaaaaaaaa/candidates", "tok-hana", `{"name": "Jane Roe", "email": "jane@example.com"}`, idem("k-5")...)
	want(t, rr, http.StatusAccepted, "")
	if n := len(e.records.hiring().candidates); n != 1 {
		t.Fatalf("%d candidates while pending, want 1", n)
	}
	refuse = true
	want(t, e.do("GET", decodeJSON[commandStatus](t, rr).URL, "tok-hana", ""), sConflict, domain.CodeConflict)
	if n := len(e.records.hiring().candidates); n != 0 || len(e.records.hiring().removed) != 1 {
		t.Errorf("%d candidates after the refusal, want none", n)
	}
}

// A command that cannot be stored is not sent: 503 when the database is down,
// and the candidate its route wrote is removed.
func TestCommandNotStoredIsNotSent(t *testing.T) {
	e := hiringEnv(t)
	e.records.fail["ClaimCommand"] = domain.ErrUnavailable
	want(t, e.do("POST", "/api/v1/hiring-requests/hir_aaaaaaaaaaaa/candidates", "tok-hana", `{"name": "Jane Roe", "email": "jane@example.com"}`), sUnavail, codeUnavailable)
	if len(e.temporal.updates) != 0 || len(e.records.hiring().candidates) != 0 {
		t.Errorf("%d updates sent, %d candidates left", len(e.temporal.updates), len(e.records.hiring().candidates))
	}
}

// A command done stays done: asked after its run has gone (past Temporal's
// retention), it answers that, and undoes nothing (its candidate stays).
func TestCommandDoneIsNeverUndone(t *testing.T) {
	e := hiringEnv(t)
	e.temporal.update = func(_, _ string, input any) (any, error) {
		return domain.Task{ID: "tsk_iiiiiiiiiiii"}, nil
	}
	path := "/api/v1/hiring-requests/hir_aaaaaaaaaaaa/candidates"
	body := `{"name": "Jane Roe", "email": "jane@example.com"}`
	want(t, e.do("POST", path, "tok-hana", body, idem("k-6")...), sCreated, "")
	e.temporal.update = func(string, string, any) (any, error) { return nil, domain.ErrNotFound }
	want(t, e.do("POST", path, "tok-hana", body, idem("k-6")...), sNotFound, domain.CodeNotFound)
	if n := len(e.records.hiring().candidates); n != 1 || len(e.records.hiring().removed) != 0 {
		t.Errorf("%d candidates, %v removed: a done command was undone", n, e.records.hiring().removed)
	}
	for _, c := range e.records.commands {
		if c.Status != domain.CommandDone {
			t.Errorf("command %s is %s, want done", c.ID, c.Status)
		}
	}
}
