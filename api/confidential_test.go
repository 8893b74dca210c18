package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// confidentialHire is paula's request, with an offer and tasks whose
// description and data say the money.
func confidentialHire() contract.HiringDetail {
	const id = "hir_aaaaaaaaaaaa"
	return contract.HiringDetail{
		HiringRequest: domain.HiringRequest{
			ID: id, WorkflowID: "hiring/" + id, Status: domain.StatusActive, Stage: domain.StageOffer, RequestedBy: "paula",
			Request: domain.Requisition{Title: "Analyst", Team: domain.TeamWeb, Level: "L3", Kind: domain.HireNew, HiringManager: "paula",
				Justification: "Reporting takes a day a week", Budget: domain.SalaryRange{Min: 70000, Max: 90000, Currency: "EUR"}},
			Offer: &domain.Offer{CandidateID: "cnd_aaaaaaaaaaaa", Amount: 88000, Currency: "EUR"},
		},
		Tasks: []domain.Task{{ID: "tsk_aaaaaaaaaaaa", Process: domain.ProcessHiring, ProcessID: id, Kind: domain.KindWork, Title: "Interview feedback",
			Description: "budget 70000–90000 EUR. Justification: Reporting takes a day a week", Assignee: "paula", Status: domain.TaskDone,
			Data: map[string]any{"hire": true, "offer_amount": 88000}}},
	}
}

// secrets are what only the people involved may read.
var secrets = []string{"70000", "90000", "88000", "Reporting takes a day a week"}

func TestHiringBudgetAndJustificationOnlyForThePeopleInvolved(t *testing.T) {
	e := hiringEnv(t)
	d := confidentialHire()
	e.records.hiring().requests[d.ID] = d.HiringRequest
	e.records.tasks[d.Tasks[0].ID] = d.Tasks[0]
	e.temporal.query = func(string, string) (any, error) { return d, nil }

	// paula asked (and holds the task), mo and finn approve, ada is admin: they
	// read it all; cara and wes, a creative and a web developer, do not.
	for who, reads := range map[string]bool{"tok-paula": true, "tok-mo": true, "tok-finn": true, "tok-hana": true, "tok-ada": true, "tok-cara": false, "tok-wes": false} {
		for _, path := range []string{"/api/v1/hiring-requests/" + d.ID, "/api/v1/hiring-requests", "/api/v1/tasks/" + d.Tasks[0].ID, "/api/v1/tasks?process=hiring"} {
			rr := e.do("GET", path, who, "")
			want(t, rr, http.StatusOK, "")
			body := rr.Body.String()
			for _, s := range secrets {
				if strings.Contains(body, s) != reads {
					t.Errorf("%s GET %s: %q shown %v, want %v", who, path, s, !reads, reads)
				}
			}
		}
	}

	// For others the fields are there, and null: the answer says what is held back.
	rr := e.do("GET", "/api/v1/hiring-requests/"+d.ID, "tok-cara", "")
	var got struct {
		Request map[string]json.RawMessage `json:"request"`
		Offer   json.RawMessage            `json:"offer"`
		Tasks   []map[string]any           `json:"tasks"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if string(got.Request["budget"]) != "null" || string(got.Request["justification"]) != "null" || got.Offer != nil ||
		string(got.Request["title"]) != `"Analyst"` || len(got.Tasks) != 1 || got.Tasks[0]["description"] != nil || got.Tasks[0]["data"] != nil {
		t.Errorf("cara's answer: request %s, offer %s, tasks %v", got.Request, got.Offer, got.Tasks)
	}
	rr = e.do("GET", "/api/v1/hiring-requests", "tok-cara", "")
	var list struct {
		Items []struct {
			Request map[string]json.RawMessage `json:"request"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &list); err != nil || len(list.Items) != 1 || string(list.Items[0].Request["budget"]) != "null" {
		t.Errorf("cara's list: %s (%v)", rr.Body, err)
	}
}

// A step routed to someone without an approving role (a manager) lets them
// read what they decide.
func TestHiringChainApproverReadsTheBudget(t *testing.T) {
	e := hiringEnv(t)
	d := confidentialHire()
	d.Chain = []domain.ChainStep{{Key: "mops", Approver: "cole", Decision: domain.DecisionPending}}
	e.temporal.query = func(string, string) (any, error) { return d, nil }
	if body := e.do("GET", "/api/v1/hiring-requests/"+d.ID, "tok-cole", "").Body.String(); !strings.Contains(body, "90000") {
		t.Errorf("the approver cole does not see the budget:\n%s", body)
	}
}
