package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

type hiringReq struct {
	ID         string                `json:"id"`
	Status     domain.Status         `json:"status"`
	Stage      domain.Stage          `json:"stage"`
	Step       string                `json:"step"`
	Round      int                   `json:"round"`
	Chain      []domain.ChainStep    `json:"chain"`
	Candidates []domain.CandidateRef `json:"candidates"`
	Tasks      []domain.Task         `json:"tasks"`
	WaitingOn  []domain.WaitingOn    `json:"waiting_on"`
}

// task returns the open task whose key starts with prefix, once it is in the records.
func (s *stack) hiringTask(id, prefix string) domain.Task {
	s.t.Helper()
	var found domain.Task
	s.waitForHiring(id, "an open "+prefix+" task", func(h hiringReq) bool {
		for _, t := range h.Tasks {
			if t.IsOpen() && strings.HasPrefix(t.Key, prefix) {
				found = t
				return s.call("pat", http.MethodGet, "/api/v1/tasks/"+t.ID, nil, nil) == http.StatusOK
			}
		}
		return false
	})
	return found
}

func (s *stack) waitForHiring(id, what string, cond func(hiringReq) bool) hiringReq {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var h hiringReq
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/hiring-requests/"+id, nil, &h)
		if cond(h) {
			return h
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("hiring request %s never reached %s: %s/%s step %s, waiting on %+v", id, what, h.Status, h.Stage, h.Step, h.WaitingOn)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func hiringBody(max float64, neededBy time.Time) map[string]any {
	return map[string]any{
		"title": "Marketing analyst", "team": "analytics", "level": "L3", "kind": "new",
		"justification": "Campaign reporting takes a day a week",
		"budget":        map[string]any{"min": 70000, "max": max, "currency": "EUR"},
		"needed_by":     neededBy.UTC().Format(time.RFC3339), "hiring_manager": "sam",
	}
}

func (s *stack) complete(who, taskID string, body map[string]any) int {
	return s.call(who, http.MethodPost, "/api/v1/tasks/"+taskID+"/complete", body, nil)
}

func approve() map[string]any { return map[string]any{"outcome": "approved"} }
func done(data map[string]any) map[string]any {
	return map[string]any{"outcome": "done", "data": data}
}

func TestHiringOverHTTPFromRequestToFilled(t *testing.T) {
	s := start(t, domain.DefaultPolicy())
	var h hiringReq
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", hiringBody(200000, time.Now().Add(60*24*time.Hour)), &h, "Idempotency-Key", "hire-1")
	id := h.ID

	mops := s.hiringTask(id, "step:mops")
	if got := s.complete("pat", mops.ID, approve()); got != http.StatusForbidden {
		t.Errorf("the requester approving: %d, want 403", got)
	}
	if got := s.complete("finn", mops.ID, approve()); got != http.StatusForbidden {
		t.Errorf("finance deciding MOps's step: %d, want 403", got)
	}
	if got := s.complete("maya", mops.ID, map[string]any{"outcome": "done"}); got != http.StatusUnprocessableEntity {
		t.Errorf("a bad outcome: %d, want 422", got)
	}
	if got := s.complete("maya", mops.ID, map[string]any{"outcome": "rejected"}); got != http.StatusUnprocessableEntity {
		t.Errorf("a rejection without a comment: %d, want 422", got)
	}
	// maya is out of office with sam as her delegate: sam approves on her behalf.
	now := time.Now().UTC()
	s.must(http.StatusOK, "maya", http.MethodPut, "/api/v1/people/maya/out-of-office",
		map[string]any{"from": now.Add(-time.Minute).Format(time.RFC3339), "to": now.Add(time.Hour).Format(time.RFC3339), "delegate": "sam"}, nil)
	s.must(http.StatusOK, "sam", http.MethodPost, "/api/v1/tasks/"+mops.ID+"/complete", approve(), nil)
	if got := s.complete("maya", mops.ID, approve()); got != http.StatusConflict {
		t.Errorf("a second decision: %d, want 409", got)
	}

	// finn's window starts tomorrow: sam may not stand in for him today.
	finance := s.hiringTask(id, "step:finance")
	s.must(http.StatusOK, "finn", http.MethodPut, "/api/v1/people/finn/out-of-office",
		map[string]any{"from": now.Add(24 * time.Hour).Format(time.RFC3339), "to": now.Add(48 * time.Hour).Format(time.RFC3339), "delegate": "sam"}, nil)
	if got := s.complete("sam", finance.ID, approve()); got != http.StatusForbidden {
		t.Errorf("a delegate outside the window: %d, want 403", got)
	}
	s.must(http.StatusOK, "finn", http.MethodPost, "/api/v1/tasks/"+finance.ID+"/complete", approve(), nil)
	s.must(http.StatusOK, "dana", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "step:director").ID+"/complete", approve(), nil)
	s.must(http.StatusOK, "hana", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "step:hr").ID+"/complete", approve(), nil)

	h = s.waitForHiring(id, "recruiting", func(h hiringReq) bool { return h.Stage == domain.StageRecruiting })
	if len(h.Chain) != 4 || h.Chain[0].OnBehalfOf != "maya" || h.Chain[0].DecidedBy != "sam" {
		t.Errorf("chain = %+v, want 4 steps, the first by sam on behalf of maya", h.Chain)
	}
	s.must(http.StatusOK, "hana", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "posting").ID+"/complete", done(nil), nil)
	if got := s.call("finn", http.MethodPost, "/api/v1/hiring-requests/"+id+"/candidates", map[string]any{"name": "Max Mustermann", "email": "max@example.com"}, nil); got != http.StatusForbidden {
		t.Errorf("finance adding a candidate: %d, want 403", got)
	}
	var added struct {
		Candidate domain.Candidate `json:"candidate"`
	}
	s.must(http.StatusCreated, "hana", http.MethodPost, "/api/v1/hiring-requests/"+id+"/candidates", map[string]any{"name": "Jane Roe", "email": "jane.roe@example.com"}, &added)
	var byHR, byFinance hiringReq
	s.must(http.StatusOK, "hana", http.MethodGet, "/api/v1/hiring-requests/"+id, nil, &byHR)
	if len(byHR.Candidates) != 1 || byHR.Candidates[0].Name != "Jane Roe" {
		t.Errorf("HR sees candidates %+v, want only Jane Roe (the refused one removed)", byHR.Candidates)
	}
	s.must(http.StatusOK, "finn", http.MethodGet, "/api/v1/hiring-requests/"+id, nil, &byFinance)
	if len(byFinance.Candidates) != 1 || byFinance.Candidates[0].Name != "" || byFinance.Candidates[0].ID != added.Candidate.ID {
		t.Errorf("finance sees candidates %+v, want the ID only", byFinance.Candidates)
	}

	s.must(http.StatusOK, "sam", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "interview:").ID+"/complete", done(map[string]any{"hire": true, "offer_amount": 150000}), nil)
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "offer:mops:").ID+"/complete", approve(), nil)
	s.must(http.StatusOK, "hana", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "answer:").ID+"/complete", done(map[string]any{"answer": "accepted"}), nil)
	s.must(http.StatusOK, "ada", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "onboarding:it_setup").ID+"/complete", done(nil), nil)
	s.must(http.StatusOK, "sam", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "onboarding:onboarding_plan").ID+"/complete", done(nil), nil)
	s.must(http.StatusOK, "hana", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "onboarding:hr_paperwork").ID+"/complete", done(nil), nil)
	s.waitForHiring(id, "filled", func(h hiringReq) bool { return h.Status == domain.StatusFilled })

	var list struct {
		Items []hiringReq `json:"items"`
	}
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/hiring-requests?requested_by=me&status=filled&team=analytics", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("list = %+v, want the filled request", list.Items)
	}
	var timeline struct {
		Items []domain.Event `json:"items"`
	}
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/hiring-requests/"+id+"/timeline", nil, &timeline)
	var onBehalf bool
	for _, e := range timeline.Items {
		onBehalf = onBehalf || strings.Contains(e.Message, "sam on behalf of maya")
	}
	if !onBehalf {
		t.Error("the timeline does not record sam acting on behalf of maya")
	}

	// Personal data stays out of Temporal, even sealed: the whole history of the
	// run, its payloads opened, holds no candidate name or e-mail.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := s.history(ctx, contract.HiringWorkflowID(id))
	// As Temporal keeps it, sealed: not even the interview feedback's offer
	// or a handle reads in clear.
	assertSealed(t, ctx, run, `"offer_amount"`, `"hire":true`, `"sam"`, "Campaign reporting takes a day a week")
	openPayloads(t, ctx, run)
	var history strings.Builder
	events := 0
	for _, e := range run.Events {
		b, err := protojson.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		history.Write(b)
		// Payloads are base64 in protojson: their data is searched as it was written.
		for _, p := range payloadsOf(e.ProtoReflect()) {
			history.Write(p)
		}
		events++
	}
	text := history.String()
	if events < 50 || !strings.Contains(text, added.Candidate.ID) {
		t.Fatalf("history of %d events without the candidate ID: not the run expected", events)
	}
	for _, pii := range []string{"Jane Roe", "jane.roe@example.com", "Max Mustermann", "max@example.com"} {
		if strings.Contains(text, pii) {
			t.Errorf("the Temporal history holds %q", pii)
		}
	}
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, contract.HiringWorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	attrs := desc.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields()
	if got := string(attrs["TandemStatus"].GetData()); got != `"filled"` {
		t.Errorf("TandemStatus = %s, want filled", got)
	}
	s.saveHistory(ctx, contract.HiringWorkflowID(id), "hiring-filled")
}

// payloadsOf returns the data and metadata of every payload inside m.
func payloadsOf(m protoreflect.Message) [][]byte {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		out := [][]byte{p.GetData()}
		for _, v := range p.GetMetadata() {
			out = append(out, v)
		}
		return out
	}
	var out [][]byte
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				out = append(out, payloadsOf(v.List().Get(i).Message())...)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, payloadsOf(mv.Message())...)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			out = append(out, payloadsOf(v.Message())...)
		}
		return true
	})
	return out
}

func TestHiringOverHTTPEscalatesRestartsRejectsAndExpires(t *testing.T) {
	pol := domain.DefaultPolicy()
	for i := range pol.Hiring.Chain {
		pol.Hiring.Chain[i].SLA = dur(6 * time.Second)
	}
	s := start(t, pol)
	var h hiringReq
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", hiringBody(100000, time.Now().Add(time.Hour)), &h)
	id := h.ID
	first := s.hiringTask(id, "step:mops")
	h = s.waitForHiring(id, "the escalation", func(h hiringReq) bool { return len(h.Chain) > 0 && len(h.Chain[0].Escalations) == 1 })
	for _, st := range h.Chain {
		if st.Key == "director" {
			t.Error("a director step below the threshold")
		}
	}
	// The escalation notice is written a moment after the detail shows the escalation.
	s.waitNotices("maya", id, 1, domain.NotifyEscalated)
	kinds := map[domain.NotificationKind]bool{}
	for _, n := range s.noticesAbout("maya", id) {
		kinds[n.Kind] = true
	}
	if !kinds[domain.NotifyReminder] || !kinds[domain.NotifyEscalated] {
		t.Errorf("maya's notices %v, want a reminder and an escalation", kinds)
	}
	if got := s.complete("maya", first.ID, approve()); got != http.StatusConflict {
		t.Errorf("maya deciding her expired task: %d, want 409", got)
	}
	escalated := s.hiringTask(id, "step:mops")
	if escalated.Assignee != "dana" {
		t.Fatalf("escalated to %q, want maya's manager dana", escalated.Assignee)
	}
	s.must(http.StatusOK, "dana", http.MethodPost, "/api/v1/tasks/"+escalated.ID+"/complete", approve(), nil)
	s.must(http.StatusOK, "finn", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "step:finance").ID+"/complete",
		map[string]any{"outcome": "changes_requested", "comment": "Raise the range"}, nil)
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "revise_request").ID+"/complete",
		done(map[string]any{"request": map[string]any{"budget": map[string]any{"min": 80000, "max": 110000, "currency": "EUR"}}}), nil)
	h = s.waitForHiring(id, "round 2", func(h hiringReq) bool { return h.Round == 2 && h.Step == "mops" })
	if h.Chain[1].Decision != domain.DecisionPending {
		t.Errorf("finance after the restart = %s, want pending", h.Chain[1].Decision)
	}
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(id, "step:mops").ID+"/complete",
		map[string]any{"outcome": "rejected", "comment": "No headcount"}, nil)
	s.waitForHiring(id, "rejected", func(h hiringReq) bool { return h.Status == domain.StatusRejected })
	if got := s.call("pat", http.MethodPost, "/api/v1/hiring-requests/"+id+"/cancel", map[string]any{"reason": "late"}, nil); got != http.StatusConflict {
		t.Errorf("cancelling a rejected request: %d, want 409", got)
	}

	var exp hiringReq
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", hiringBody(100000, time.Now().Add(3*time.Second)), &exp)
	s.waitForHiring(exp.ID, "expired", func(h hiringReq) bool { return h.Status == domain.StatusExpired })
}
