package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

const validHiring = `{
	"title": "Marketing analyst",
	"team": "analytics",
	"level": "L3",
	"kind": "new",
	"justification": "Campaign reporting takes a day a week",
	"budget": {"min": 70000, "max": 90000, "currency": "EUR"},
	"needed_by": "2030-06-01T00:00:00Z",
	"hiring_manager": "paula"
}`

func hiringEnv(t *testing.T) *env {
	e := newEnv(t)
	for _, p := range []domain.Person{person("hana", domain.TeamHR, domain.RoleHR), person("finn", domain.TeamFinance, domain.RoleFinance)} {
		e.records.people[p.Handle] = p
		e.records.tokens["tok-"+p.Handle] = p.Handle
	}
	return e
}

func TestCreateHiring201(t *testing.T) {
	e := hiringEnv(t)
	rr := e.do("POST", "/api/v1/hiring-requests", "tok-paula", validHiring)
	want(t, rr, http.StatusCreated, "")
	got := decodeJSON[hiringBody](t, rr)
	if !domain.HasPrefixID(got.ID, domain.PrefixHiring) || got.Status != domain.StatusActive || got.Stage != domain.StageApproval || got.RequestedBy != "paula" {
		t.Fatalf("answer = %+v", got.hiringItem)
	}
	if loc := rr.Header().Get("Location"); loc != "/api/v1/hiring-requests/"+got.ID {
		t.Errorf("Location = %q", loc)
	}
	if got.Chain == nil || got.Candidates == nil || got.WaitingOn == nil {
		t.Error("lists must be arrays")
	}
	st := e.temporal.starts[0]
	in := st.Input.(contract.HiringInput)
	if st.WorkflowID != "hiring/"+got.ID || st.WorkflowType != contract.HiringRequestType || in.RequestedBy != "paula" ||
		in.Request.Budget.Max != 90000 || len(in.Policy.Hiring.Chain) == 0 || !strings.HasPrefix(st.Summary, "Hiring request: Marketing analyst") {
		t.Errorf("start = %+v", st)
	}
	attrs := map[string]any{}
	for k, v := range st.SearchAttributes.GetUntypedValues() {
		attrs[k.GetName()] = v
	}
	if attrs["TandemProcess"] != "hiring" || attrs["TandemStage"] != "approval" {
		t.Errorf("search attributes = %v", attrs)
	}
	noPeopleOrMoney(t, st, "paula", "90000", in.Request.Justification)
}

func TestCreateHiringRefusals(t *testing.T) {
	e := hiringEnv(t)
	want(t, e.do("POST", "/api/v1/hiring-requests", "tok-cara", validHiring), http.StatusForbidden, domain.CodeForbidden)
	want(t, e.do("POST", "/api/v1/hiring-requests", "", validHiring), http.StatusUnauthorized, "unauthorized")
	want(t, e.do("POST", "/api/v1/hiring-requests", "tok-paula", `{"title": "x", "salary": 1}`), http.StatusBadRequest, "bad_request")
	bad := strings.NewReplacer(`"min": 70000`, `"min": 95000`, `"2030-06-01T00:00:00Z"`, `"soon"`, `"paula"`, `"nobody"`, `"new"`, `"temp"`).Replace(validHiring)
	o := want(t, e.do("POST", "/api/v1/hiring-requests", "tok-paula", bad), http.StatusUnprocessableEntity, domain.CodeInvalid)
	for _, f := range []string{"budget.min", "needed_by", "hiring_manager", "kind"} {
		if !hasProblem(o, f, "") {
			t.Errorf("no problem with %s in %+v", f, o.Details)
		}
	}
	if len(e.temporal.starts) != 0 {
		t.Errorf("%d starts after refusals, want none", len(e.temporal.starts))
	}
}

func TestCreateHiringIdempotencyReplay(t *testing.T) {
	e := hiringEnv(t)
	first := decodeJSON[hiringBody](t, e.do("POST", "/api/v1/hiring-requests", "tok-paula", validHiring, "Idempotency-Key", "k1"))
	rr := e.do("POST", "/api/v1/hiring-requests", "tok-paula", validHiring, "Idempotency-Key", "k1")
	want(t, rr, http.StatusCreated, "")
	if again := decodeJSON[hiringBody](t, rr); again.ID != first.ID || rr.Header().Get(replayedHeader) != "true" {
		t.Errorf("replay answered %s (replayed %q), want %s", again.ID, rr.Header().Get(replayedHeader), first.ID)
	}
	other := strings.Replace(validHiring, "L3", "L4", 1)
	want(t, e.do("POST", "/api/v1/hiring-requests", "tok-paula", other, "Idempotency-Key", "k1"), http.StatusConflict, domain.CodeConflict)
}

func TestListHiringFilters(t *testing.T) {
	e := hiringEnv(t)
	h := e.records.hiring()
	h.requests["hir_aaaaaaaaaaaa"] = domain.HiringRequest{ID: "hir_aaaaaaaaaaaa", Status: domain.StatusActive, RequestedBy: "paula", Request: domain.Requisition{Team: domain.TeamWeb}}
	h.requests["hir_bbbbbbbbbbbb"] = domain.HiringRequest{ID: "hir_bbbbbbbbbbbb", Status: domain.StatusFilled, RequestedBy: "mo", Request: domain.Requisition{Team: domain.TeamWeb}}
	rr := e.do("GET", "/api/v1/hiring-requests?requested_by=me&team=web&status=active", "tok-paula", "")
	want(t, rr, http.StatusOK, "")
	got := decodeJSON[domain.Page[domain.HiringRequest]](t, rr)
	if len(got.Items) != 1 || got.Items[0].ID != "hir_aaaaaaaaaaaa" {
		t.Errorf("items = %+v", got.Items)
	}
	if f := h.lastHiring; f.RequestedBy != "paula" || f.Team != domain.TeamWeb || f.Status != domain.StatusActive {
		t.Errorf("filter = %+v", f)
	}
	want(t, e.do("GET", "/api/v1/hiring-requests?status=launched", "tok-paula", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
}

func TestListHiringAnswersArrays(t *testing.T) {
	e := hiringEnv(t)
	e.records.hiring().requests["hir_aaaaaaaaaaaa"] = domain.HiringRequest{ID: "hir_aaaaaaaaaaaa", Status: domain.StatusActive, RequestedBy: "paula"}
	rr := e.do("GET", "/api/v1/hiring-requests", "tok-paula", "")
	want(t, rr, http.StatusOK, "")
	for _, list := range []string{`"chain":[]`, `"candidates":[]`} {
		if !strings.Contains(rr.Body.String(), list) {
			t.Errorf("body lacks %s, as the detail has it: %s", list, rr.Body)
		}
	}
}

func TestGetHiringShowsCandidateDataOnlyToThoseAllowed(t *testing.T) {
	e := hiringEnv(t)
	const id = "hir_aaaaaaaaaaaa"
	e.records.hiring().candidates["cnd_aaaaaaaaaaaa"] = domain.Candidate{ID: "cnd_aaaaaaaaaaaa", HiringID: id, Name: "Jane Roe", Email: "jane@example.com"}
	e.temporal.query = func(string, string) (any, error) {
		return contract.HiringDetail{HiringRequest: domain.HiringRequest{
			ID: id, WorkflowID: "hiring/" + id, RequestedBy: "paula", Request: domain.Requisition{HiringManager: "paula"},
			Candidates: []domain.CandidateRef{{ID: "cnd_aaaaaaaaaaaa", Status: domain.CandidateInterviewing}},
		}}, nil
	}
	for who, sees := range map[string]bool{"tok-hana": true, "tok-paula": true, "tok-mo": true, "tok-finn": false, "tok-cara": false} {
		rr := e.do("GET", "/api/v1/hiring-requests/"+id, who, "")
		want(t, rr, http.StatusOK, "")
		if strings.Contains(rr.Body.String(), "Jane Roe") != sees || strings.Contains(rr.Body.String(), "jane@example.com") != sees {
			t.Errorf("%s sees candidate data: %v, want %v", who, !sees, sees)
		}
		if !strings.Contains(rr.Body.String(), "cnd_aaaaaaaaaaaa") {
			t.Errorf("%s does not see the candidate ID", who)
		}
	}
	want(t, e.do("GET", "/api/v1/hiring-requests/hir_zzzzzzzzzzzz", "tok-paula", ""), http.StatusOK, "")
	e.temporal.query = nil
	want(t, e.do("GET", "/api/v1/hiring-requests/hir_zzzzzzzzzzzz", "tok-paula", ""), http.StatusNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/hiring-requests/cmp_zzzzzzzzzzzz", "tok-paula", ""), http.StatusNotFound, domain.CodeNotFound)
}

func TestAddCandidate(t *testing.T) {
	e := hiringEnv(t)
	const id = "hir_aaaaaaaaaaaa"
	e.temporal.update = func(_, name string, input any) (any, error) {
		in := input.(contract.AddCandidateInput)
		return domain.Task{ID: "tsk_aaaaaaaaaaaa", Key: "interview:" + in.CandidateID}, nil
	}
	rr := e.do("POST", "/api/v1/hiring-requests/"+id+"/candidates", "tok-hana", `{"name": "Jane Roe", "email": "jane@example.com"}`)
	want(t, rr, http.StatusCreated, "")
	call := e.temporal.updates[0]
	in := call.Input.(contract.AddCandidateInput)
	if call.Name != contract.UpdateAddCandidate || call.WorkflowID != "hiring/"+id || !domain.HasPrefixID(in.CandidateID, domain.PrefixCandidate) {
		t.Fatalf("update = %+v", call)
	}
	stored := e.records.hiring().candidates[in.CandidateID]
	if stored.Name != "Jane Roe" || stored.HiringID != id || stored.AddedBy != "hana" {
		t.Errorf("stored = %+v", stored)
	}
}

func TestAddCandidateRefusedLeavesNothing(t *testing.T) {
	e := hiringEnv(t)
	const id = "hir_aaaaaaaaaaaa"
	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Forbiddenf("only the requester, the hiring manager, marketing ops or HR may add candidates")
	}
	want(t, e.do("POST", "/api/v1/hiring-requests/"+id+"/candidates", "tok-cara", `{"name": "Jane Roe", "email": "jane@example.com"}`), http.StatusForbidden, domain.CodeForbidden)
	if n := len(e.records.hiring().candidates); n != 0 || len(e.records.hiring().removed) != 1 {
		t.Errorf("%d candidates left after the refusal, want none", n)
	}
	o := want(t, e.do("POST", "/api/v1/hiring-requests/"+id+"/candidates", "tok-hana", `{"name": "", "email": "not-an-address"}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	if !hasProblem(o, "name", "required") || !hasProblem(o, "email", "e-mail") {
		t.Errorf("problems = %+v", o.Details)
	}
	if len(e.temporal.updates) != 1 || len(e.records.hiring().candidates) != 0 {
		t.Error("invalid candidate reached the workflow or the store")
	}
}

func TestCancelHiring(t *testing.T) {
	e := hiringEnv(t)
	const id = "hir_aaaaaaaaaaaa"
	want(t, e.do("POST", "/api/v1/hiring-requests/"+id+"/cancel", "tok-paula", `{"reason": " "}`), http.StatusUnprocessableEntity, domain.CodeInvalid)
	e.temporal.update = func(string, string, any) (any, error) {
		return contract.HiringDetail{HiringRequest: domain.HiringRequest{ID: id, Status: domain.StatusCancelled}}, nil
	}
	rr := e.do("POST", "/api/v1/hiring-requests/"+id+"/cancel", "tok-paula", `{"reason": "budget freeze"}`)
	want(t, rr, http.StatusOK, "")
	if got := decodeJSON[hiringBody](t, rr); got.Status != domain.StatusCancelled {
		t.Errorf("status = %s", got.Status)
	}
	if in := e.temporal.updates[0].Input.(contract.CancelInput); in.Actor.Handle != "paula" || in.Reason != "budget freeze" {
		t.Errorf("cancel input = %+v", in)
	}
}

func TestHiringTimeline(t *testing.T) {
	e := hiringEnv(t)
	want(t, e.do("GET", "/api/v1/hiring-requests/hir_zzzzzzzzzzzz/timeline", "tok-paula", ""), http.StatusNotFound, domain.CodeNotFound)
	e.records.events["hiring/hir_aaaaaaaaaaaa"] = []domain.Event{{Key: "k", Kind: domain.EventStarted, Message: "paula requested a hire"}}
	rr := e.do("GET", "/api/v1/hiring-requests/hir_aaaaaaaaaaaa/timeline", "tok-paula", "")
	want(t, rr, http.StatusOK, "")
	if !strings.Contains(rr.Body.String(), "paula requested a hire") {
		t.Errorf("timeline = %s", rr.Body)
	}
}
