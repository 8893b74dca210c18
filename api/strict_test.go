package api

import (
	"net/http"
	"testing"
)

// The fuzzers, holding every request the server accepts to openapi.json, found
// bodies the document refuses that the server took: keys in another case (Go's
// JSON decoder matches keys case-insensitively), KPIs without actuals, a change
// without a reason or without anything to change, an e-mail with spaces around
// it. Each is refused now, naming the field, and reaches no workflow.
func TestBodiesTheDocumentRefusesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"a key in another case", "POST", "/api/v1/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{"ACtuAls": [{"name": "signups", "value": 3}]}`, http.StatusBadRequest, "ACtuAls"},
		{"a nested key in another case", "POST", "/api/v1/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{"actuals": [{"Name": "signups", "value": 3}]}`, http.StatusBadRequest, "actuals[0].Name"},
		{"a key twice, once in another case", "POST", "/api/v1/tasks/" + workTask + "/complete", "tok-cara", `{"outcome": "done", "Outcome": "approved"}`, http.StatusBadRequest, "Outcome"},
		{"no actuals", "POST", "/api/v1/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{}`, http.StatusUnprocessableEntity, "actuals"},
		{"a change without a reason", "POST", "/api/v1/campaigns/" + campaignID1 + "/changes", "tok-paula", `{"budget": {"amount": 1, "currency": "EUR"}}`, http.StatusUnprocessableEntity, "reason"},
		{"a change of nothing", "POST", "/api/v1/campaigns/" + campaignID1 + "/changes", "tok-paula", `{"reason": "why not"}`, http.StatusUnprocessableEntity, "change"},
		{"a budget without its amount and currency (required by the document, not by the handler)", "POST", "/api/v1/campaigns/" + campaignID1 + "/changes", "tok-paula", `{"budget": {}, "reason": "r"}`, http.StatusUnprocessableEntity, "budget.amount"},
		{"a value given as null (missing, as Go reads it)", "POST", "/api/v1/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{"actuals": [{"name": "signups", "value": null}]}`, http.StatusUnprocessableEntity, "actuals[0].value"},
		{"an e-mail with spaces", "POST", "/api/v1/hiring-requests/" + permHiringID + "/candidates", "tok-mo", `{"name": "Jane Roe", "email": " jane@example.com"}`, http.StatusUnprocessableEntity, "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := permEnv(t)
			code := "bad_request"
			if tc.status == http.StatusUnprocessableEntity {
				code = "invalid"
			}
			got := want(t, e.do(tc.method, tc.path, tc.token, tc.body), tc.status, code)
			named := false
			for _, d := range got.Details {
				named = named || d.Field == tc.field
			}
			if !named {
				t.Errorf("details %+v do not name %s", got.Details, tc.field)
			}
			if len(e.temporal.updates) > 0 {
				t.Errorf("a refused body reached a workflow: %+v", e.temporal.updates)
			}
		})
	}
}

// A null member is the member not given, as the handlers read it: a completion
// with "data": null is a completion without data.
func TestANullMemberIsOneNotGiven(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	rr := e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", `{"outcome": "done", "comment": null, "data": null}`)
	want(t, rr, http.StatusOK, "")
}
