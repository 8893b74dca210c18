package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

const (
	workTask     = "tsk_wwwwwwwwwwww"
	approvalTask = "tsk_aaaaaaaaaaaa"
	poolTask     = "tsk_pppppppppppp"
)

// withTasks seeds a work task assigned to cara, an approval of paula's brief
// assigned to mo, and an unassigned creative task.
func withTasks(e *env) {
	wid := "campaign/" + campaignID1
	base := domain.Task{Process: domain.ProcessCampaign, ProcessID: campaignID1, WorkflowID: wid, Status: domain.TaskOpen, DueAt: testNow.Add(48 * time.Hour)}
	w := base
	w.ID, w.Kind, w.Title, w.Team, w.Role, w.Assignee = workTask, domain.KindWork, "Creative assets", domain.TeamCreative, domain.RoleCreative, "cara"
	a := base
	a.ID, a.Kind, a.Title, a.Team, a.Role, a.Assignee, a.RequestedBy = approvalTask, domain.KindApproval, "Review the brief", domain.TeamMarketingOps, domain.RoleMarketingOpsManager, "mo", "paula"
	p := base
	p.ID, p.Kind, p.Title, p.Team, p.Role = poolTask, domain.KindWork, "Banner", domain.TeamCreative, domain.RoleCreative
	for _, t := range []domain.Task{w, a, p} {
		e.records.tasks[t.ID] = t
	}
}

// completes makes the fake's complete-task update answer the task as done.
func completes(e *env) {
	e.temporal.update = func(_, _ string, input any) (any, error) {
		in := input.(contract.CompleteTaskInput)
		t := e.records.tasks[in.TaskID]
		t.Status, t.Outcome, t.CompletedBy, t.OnBehalfOf = domain.TaskDone, in.Completion.Outcome, in.Actor.Handle, in.Actor.OnBehalfOf
		return t, nil
	}
}

func TestListTasksAssigneeMe(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	rr := e.do("GET", "/api/v1/tasks?assignee=me&status=open&process=campaign&team=creative&role=creative", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[domain.Page[domain.Task]](t, rr)
	if len(got.Items) != 1 || got.Items[0].ID != workTask {
		t.Errorf("inbox = %+v", got.Items)
	}
	f := e.records.lastTasks
	if f.Assignee != "cara" || f.Status != domain.TaskOpen || f.Process != domain.ProcessCampaign ||
		f.Team != domain.TeamCreative || f.Role != domain.RoleCreative || f.Limit != domain.DefaultLimit || f.Cursor != "" {
		t.Errorf("filter = %+v", f)
	}
}

// TestListTasksUnheld: ?unheld=true asks the records for the tasks no team
// and nobody holds; anything but true or false is refused.
func TestListTasksUnheld(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	want(t, e.do("GET", "/api/v1/tasks?role=creative&unheld=true", "tok-cara", ""), sOK, "")
	if f := e.records.lastTasks; !f.Unheld || f.Role != domain.RoleCreative {
		t.Errorf("filter = %+v", f)
	}
	want(t, e.do("GET", "/api/v1/tasks?unheld=false", "tok-cara", ""), sOK, "")
	if e.records.lastTasks.Unheld {
		t.Error("unheld=false asked for the unheld tasks")
	}
	want(t, e.do("GET", "/api/v1/tasks?unheld=yes", "tok-cara", ""), sInvalid, domain.CodeInvalid)
}

func TestListTasksAssigneeHandleAndPagination(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	rr := e.do("GET", "/api/v1/tasks?assignee=mo&limit=10&cursor=0", "tok-cara", "")
	want(t, rr, sOK, "")
	f := e.records.lastTasks
	if f.Assignee != "mo" || f.Limit != 10 || f.Cursor != "0" {
		t.Errorf("filter = %+v", f)
	}

	// Walk all tasks a page of one at a time.
	var seen []string
	cursor := ""
	for range 5 {
		rr := e.do("GET", "/api/v1/tasks?limit=1&cursor="+cursor, "tok-cara", "")
		want(t, rr, sOK, "")
		p := decodeJSON[domain.Page[domain.Task]](t, rr)
		for _, t := range p.Items {
			seen = append(seen, t.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 3 {
		t.Errorf("paged through %v, want 3 tasks", seen)
	}
}

func TestListTasks422(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"limit=0", "limit=201", "status=pending", "process=payroll", "team=design", "role=king"} {
		field, _, _ := strings.Cut(q, "=")
		got := want(t, e.do("GET", "/api/v1/tasks?"+q, "tok-cara", ""), sInvalid, domain.CodeInvalid)
		if !hasProblem(got, field, "") {
			t.Errorf("%s: details = %v", q, got.Details)
		}
	}
}

func TestListTasks401And503(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("GET", "/api/v1/tasks", "", ""), sUnauth, "unauthorized")
	e.records.fail["Tasks"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/tasks", "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestGetTask(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	rr := e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", "")
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Task](t, rr); got.ID != workTask || got.Assignee != "cara" {
		t.Errorf("task = %+v", got)
	}
	got := want(t, e.do("GET", "/api/v1/tasks/tsk_zzzzzzzzzzzz", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	if !strings.Contains(got.Message, "tsk_zzzzzzzzzzzz") {
		t.Errorf("message = %q", got.Message)
	}
	want(t, e.do("GET", "/api/v1/tasks/42", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/tasks/"+workTask, "", ""), sUnauth, "unauthorized")
}

func TestCompleteTask200(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	completes(e)
	rr := e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done", "comment": "shipped", "data": {"link": "https://assets"}}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Task](t, rr); got.Status != domain.TaskDone || got.CompletedBy != "cara" {
		t.Errorf("task = %+v", got)
	}
	call := e.temporal.updates[0]
	in := call.Input.(contract.CompleteTaskInput)
	if call.WorkflowID != "campaign/"+campaignID1 || call.Name != contract.UpdateCompleteTask || in.TaskID != workTask {
		t.Errorf("call = %+v", call)
	}
	if in.Actor.Handle != "cara" || in.Actor.OnBehalfOf != "" || in.Actor.Team != domain.TeamCreative ||
		in.Completion.Outcome != domain.OutcomeDone || in.Completion.Comment != "shipped" || in.Completion.Data["link"] != "https://assets" {
		t.Errorf("input = %+v", in)
	}
}

func TestCompleteTaskDelegate(t *testing.T) {
	for name, tc := range map[string]struct {
		window *domain.OutOfOffice
		want   string
	}{
		"covering window":   {&domain.OutOfOffice{From: testNow.Add(-time.Hour), To: testNow.Add(time.Hour), Delegate: "cole"}, "cara"},
		"window starts now": {&domain.OutOfOffice{From: testNow, To: testNow.Add(time.Hour), Delegate: "cole"}, "cara"},
		"window over":       {&domain.OutOfOffice{From: testNow.Add(-2 * time.Hour), To: testNow, Delegate: "cole"}, ""},
		"window ahead":      {&domain.OutOfOffice{From: testNow.Add(time.Hour), To: testNow.Add(2 * time.Hour), Delegate: "cole"}, ""},
		"other delegate":    {&domain.OutOfOffice{From: testNow.Add(-time.Hour), To: testNow.Add(time.Hour), Delegate: "wes"}, ""},
		"not away":          {nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			completes(e)
			cara := e.records.people["cara"]
			cara.OutOfOffice = tc.window
			e.records.people["cara"] = cara
			want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cole", `{"outcome": "done"}`), sOK, "")
			in := e.temporal.updates[0].Input.(contract.CompleteTaskInput)
			if in.Actor.Handle != "cole" || in.Actor.OnBehalfOf != tc.want {
				t.Errorf("actor = %+v, want on behalf of %q", in.Actor, tc.want)
			}
		})
	}
}

func TestCompleteTask422(t *testing.T) {
	for name, tc := range map[string]struct{ task, body, field string }{
		"work with approved":     {workTask, `{"outcome": "approved"}`, "outcome"},
		"approval with done":     {approvalTask, `{"outcome": "done"}`, "outcome"},
		"rejection sans comment": {approvalTask, `{"outcome": "rejected", "comment": "  "}`, "comment"},
		"no outcome":             {workTask, `{}`, "outcome"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			got := want(t, e.do("POST", "/api/v1/tasks/"+tc.task+"/complete", "tok-mo", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, "") {
				t.Errorf("details = %v", got.Details)
			}
			if len(e.temporal.updates) != 0 {
				t.Error("a bad answer reached Temporal")
			}
		})
	}
}

func TestCompleteTaskRefusedByWorkflow(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{domain.Forbiddenf("task %s is assigned to cara", workTask), sForbid, domain.CodeForbidden},
		{domain.Conflictf("task %s is done", workTask), sConflict, domain.CodeConflict},
		{domain.Conflictf("the process has ended"), sConflict, domain.CodeConflict},
		{fmt.Errorf("%w: timeout", domain.ErrUnavailable), sUnavail, codeUnavailable},
	} {
		e := newEnv(t)
		withTasks(e)
		e.temporal.update = func(string, string, any) (any, error) { return nil, tc.err }
		got := want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-wes", `{"outcome": "done"}`), tc.status, tc.code)
		if tc.status == sForbid && got.Message != "task "+workTask+" is assigned to cara" {
			t.Errorf("message = %q, want the validator's", got.Message)
		}
	}
}

func TestCompleteTaskRequestErrors(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	want(t, e.do("POST", "/api/v1/tasks/tsk_zzzzzzzzzzzz/complete", "tok-cara", `{"outcome": "done"}`), sNotFound, domain.CodeNotFound)
	got := want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done", "by": "x"}`), sBad, "bad_request")
	if !hasProblem(got, "by", "unknown field") {
		t.Errorf("details = %v", got.Details)
	}
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": 1}`), sBad, "bad_request")
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"comment": "`+strings.Repeat("x", maxBody)+`"}`), sTooLarge, "payload_too_large")
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "", `{"outcome": "done"}`), sUnauth, "unauthorized")
	e.records.fail["Task"] = domain.ErrUnavailable
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done"}`), sUnavail, codeUnavailable)
	if len(e.temporal.updates) != 0 {
		t.Error("a refused request reached Temporal")
	}
}

func TestReassignTask200(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	e.temporal.update = func(_, _ string, input any) (any, error) {
		in := input.(contract.ReassignTaskInput)
		t := e.records.tasks[in.TaskID]
		t.Assignee = in.Assignee
		return t, nil
	}
	rr := e.do("POST", "/api/v1/tasks/"+workTask+"/reassign", "tok-paula", `{"assignee": "cole", "reason": "cara is away"}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Task](t, rr); got.Assignee != "cole" {
		t.Errorf("task = %+v", got)
	}
	call := e.temporal.updates[0]
	in := call.Input.(contract.ReassignTaskInput)
	if call.Name != contract.UpdateReassignTask || call.WorkflowID != "campaign/"+campaignID1 ||
		in.TaskID != workTask || in.Assignee != "cole" || in.Reason != "cara is away" || in.Actor.Handle != "paula" {
		t.Errorf("call = %+v", call)
	}
}

func TestReassignTask422(t *testing.T) {
	for name, tc := range map[string]struct{ task, body, text string }{
		"unknown person":   {workTask, `{"assignee": "nobody"}`, "no person"},
		"missing":          {workTask, `{"reason": "x"}`, "required"},
		"same assignee":    {workTask, `{"assignee": "cara"}`, "already assigned"},
		"lacks the role":   {workTask, `{"assignee": "wes"}`, "creative role"},
		"approves own ask": {approvalTask, `{"assignee": "paula"}`, "may not approve"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			got := want(t, e.do("POST", "/api/v1/tasks/"+tc.task+"/reassign", "tok-paula", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, "assignee", tc.text) {
				t.Errorf("details = %v, want assignee: %s", got.Details, tc.text)
			}
			if len(e.temporal.updates) != 0 {
				t.Error("a bad reassignment reached Temporal")
			}
		})
	}
}

func TestReassignTaskStatuses(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	done := e.records.tasks[workTask]
	done.Status = domain.TaskDone
	e.records.tasks[workTask] = done
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/reassign", "tok-paula", `{"assignee": "cole"}`), sConflict, domain.CodeConflict)
	want(t, e.do("POST", "/api/v1/tasks/tsk_zzzzzzzzzzzz/reassign", "tok-paula", `{"assignee": "cole"}`), sNotFound, domain.CodeNotFound)
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/reassign", "tok-paula", `{"assignee": ["cole"]}`), sBad, "bad_request")
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/reassign", "", `{"assignee": "cole"}`), sUnauth, "unauthorized")
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/reassign", "tok-paula", `{"reason": "`+strings.Repeat("x", maxBody)+`"}`), sTooLarge, "payload_too_large")

	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Forbiddenf("only the project manager may reassign")
	}
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/reassign", "tok-cara", `{"assignee": "cole"}`), sForbid, domain.CodeForbidden)
	e.temporal.update = func(string, string, any) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("POST", "/api/v1/tasks/"+poolTask+"/reassign", "tok-paula", `{"assignee": "cole"}`), sUnavail, codeUnavailable)
}

func TestGetTask503(t *testing.T) {
	e := newEnv(t)
	e.records.fail["Task"] = fmt.Errorf("%w: connection reset", domain.ErrUnavailable)
	want(t, e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", ""), sUnavail, codeUnavailable)
}

// A cursor the list did not make answers 400 naming it, on every list: the
// client sent something malformed, and nothing reaches a handler's logic.
func TestListsRefuseABadCursor(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/api/v1/tasks", "/api/v1/campaigns", "/api/v1/hiring-requests", "/api/v1/risks", "/api/v1/people", "/api/v1/notifications"} {
		rr := e.do("GET", path+"?cursor=eyJuIjo5MjIzMzcyMDM2ODU0Nzc1ODA4fQ", "tok-cara", "")
		if rr.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", path, rr.Code, rr.Body)
			continue
		}
		var b errorBody
		if err := json.Unmarshal(rr.Body.Bytes(), &b); err != nil || b.Error.Code != "bad_request" || len(b.Error.Details) != 1 || b.Error.Details[0].Field != "cursor" {
			t.Errorf("%s: body %s, want bad_request naming cursor", path, rr.Body)
		}
	}
}

const feedbackTask = "tsk_ffffffffffff"

// withFeedback seeds an interview feedback task for paula, with its form as the
// workflow fills it in, and one recorded before tasks had forms.
func withFeedback(e *env) (withForm, beforeForms domain.Task) {
	f := domain.TaskForm(domain.ProcessHiring, "interview:cnd_1")
	f.SetCurrency(domain.DataOfferAmount, "EUR")
	withForm = domain.Task{ID: feedbackTask, Process: domain.ProcessHiring, ProcessID: "hir_000000000001", WorkflowID: "hiring/hir_000000000001",
		Kind: domain.KindWork, Key: "interview:cnd_1", Title: "Interview feedback", Assignee: "paula", Status: domain.TaskOpen,
		DueAt: testNow.Add(48 * time.Hour), Form: f}
	beforeForms = withForm
	beforeForms.ID, beforeForms.Key, beforeForms.Form = "tsk_bbbbbbbbbbbb", "interview:cnd_2", nil
	e.records.tasks[withForm.ID] = withForm
	e.records.tasks[beforeForms.ID] = beforeForms
	return withForm, beforeForms
}

func TestTasksAnswerTheirForm(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	feedback, old := withFeedback(e)
	closed := old
	closed.ID, closed.Status = "tsk_cccccccccccc", domain.TaskDone
	e.records.tasks[closed.ID] = closed

	got := getTaskOK(t, e, "/api/v1/tasks/"+feedback.ID, "tok-paula", "")
	if got.Form == nil || got.Form.Name != domain.FormInterviewFeedback || got.Form.Field(domain.DataOfferAmount).Currency != "EUR" {
		t.Errorf("form = %+v, want the interview feedback form in EUR", got.Form)
	}
	// An open task recorded before forms is answered with its kind's form.
	got = getTaskOK(t, e, "/api/v1/tasks/"+old.ID, "tok-paula", "")
	if got.Form == nil || got.Form.Name != domain.FormInterviewFeedback {
		t.Errorf("form of a task from before forms = %+v, want its kind's", got.Form)
	}
	got = getTaskOK(t, e, "/api/v1/tasks/"+closed.ID, "tok-paula", "")
	if got.Form != nil {
		t.Errorf("a closed task from before forms was given one: %+v", got.Form)
	}

	rr := e.do("GET", "/api/v1/tasks?assignee=paula", "tok-paula", "")
	want(t, rr, sOK, "")
	var raw struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	forms := map[string]bool{}
	for _, item := range raw.Items {
		_, has := item["form"]
		forms[item["id"].(string)] = has
	}
	if !forms[feedback.ID] || !forms[old.ID] || forms[closed.ID] {
		t.Errorf("which listed tasks have a form: %v", forms)
	}
	rr = e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", "")
	want(t, rr, sOK, "")
	if strings.Contains(rr.Body.String(), `"form"`) {
		t.Errorf("a task that takes no data answers a form: %s", rr.Body)
	}
}

func TestCompleteTaskChecksTheForm(t *testing.T) {
	for name, tc := range map[string]struct{ data, field, problem string }{
		"hire without an offer": {`{"hire": true}`, "data.offer_amount", "required"},
		"an offer of nothing":   {`{"hire": true, "offer_amount": 0}`, "data.offer_amount", "at least"},
		"hire as text":          {`{"hire": "yes", "offer_amount": 90000}`, "data.hire", "true (yes) or false (no)"},
		"no data":               {`null`, "data.hire", "required"},
		"a key not in the form": {`{"hire": false, "salary": 90000}`, "data.salary", "not a field"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			feedback, _ := withFeedback(e)
			got := want(t, e.do("POST", "/api/v1/tasks/"+feedback.ID+"/complete", "tok-paula", `{"outcome": "done", "data": `+tc.data+`}`), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, tc.problem) {
				t.Errorf("details = %v, want %s: %s", got.Details, tc.field, tc.problem)
			}
			if len(e.temporal.updates) != 0 {
				t.Error("an answer that breaks the form reached Temporal")
			}
		})
	}

	e := newEnv(t)
	feedback, old := withFeedback(e)
	completes(e)
	want(t, e.do("POST", "/api/v1/tasks/"+feedback.ID+"/complete", "tok-paula", `{"outcome": "done", "data": {"hire": true, "offer_amount": 90000}}`), sOK, "")
	if in := e.temporal.updates[0].Input.(contract.CompleteTaskInput); in.Completion.Data["offer_amount"] != 90000.0 {
		t.Errorf("sent %+v", in.Completion)
	}
	// A task recorded before forms: the workflow's validator, whose form has
	// what the run filled in, judges the data.
	want(t, e.do("POST", "/api/v1/tasks/"+old.ID+"/complete", "tok-paula", `{"outcome": "done", "data": {"hire": true}}`), sOK, "")
	if len(e.temporal.updates) != 2 {
		t.Errorf("%d updates, want the second answer sent to the workflow", len(e.temporal.updates))
	}
}

func getTaskOK(t *testing.T, e *env, path, token, body string) domain.Task {
	t.Helper()
	rr := e.do("GET", path, token, body)
	want(t, rr, sOK, "")
	return decodeJSON[domain.Task](t, rr)
}

// TestListTasksByDueWithCounts: ?order=due asks the records for the list soonest
// due first; ?counts=true adds how many tasks the whole list holds and how many
// are overdue at the server's now, counted on the list's own filters, the page
// aside. Without it the answer has no counts; anything but the values the
// contract names is refused.
func TestListTasksByDueWithCounts(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	late := e.records.tasks[poolTask]
	late.DueAt = testNow.Add(-time.Hour)
	e.records.tasks[poolTask] = late
	rr := e.do("GET", "/api/v1/tasks?team=creative&status=open&order=due&counts=true&limit=1", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[struct {
		Items  []domain.Task      `json:"items"`
		Counts *domain.TaskCounts `json:"counts"`
	}](t, rr)
	if len(got.Items) != 1 {
		t.Errorf("a page of %d, want 1", len(got.Items))
	}
	if got.Counts == nil || *got.Counts != (domain.TaskCounts{Total: 2, Overdue: 1}) {
		t.Errorf("counts = %+v, want 2 tasks, 1 overdue", got.Counts)
	}
	if f := e.records.lastTasks; !f.ByDue || f.Team != domain.TeamCreative || f.Status != domain.TaskOpen || f.Limit != 1 {
		t.Errorf("list filter = %+v", f)
	}
	if f := e.records.lastCounts; !f.ByDue || f.Team != domain.TeamCreative || f.Status != domain.TaskOpen || f.ListOptions != (domain.ListOptions{}) {
		t.Errorf("counts filter = %+v, want the list's without its page", f)
	}

	rr = e.do("GET", "/api/v1/tasks?team=creative&order=created", "tok-cara", "")
	want(t, rr, sOK, "")
	if strings.Contains(rr.Body.String(), `"counts"`) {
		t.Errorf("counts not asked for, answered: %s", rr.Body)
	}
	if e.records.lastTasks.ByDue {
		t.Error("order=created listed by due time")
	}
	for _, q := range []string{"order=soonest", "counts=yes"} {
		field, _, _ := strings.Cut(q, "=")
		if got := want(t, e.do("GET", "/api/v1/tasks?"+q, "tok-cara", ""), sInvalid, domain.CodeInvalid); !hasProblem(got, field, "") {
			t.Errorf("%s: details = %v", q, got.Details)
		}
	}
	e.records.fail["TaskCounts"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/tasks?counts=true", "tok-cara", ""), sUnavail, codeUnavailable)
}
