package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// The fuzz targets send arbitrary bodies to every create and command endpoint,
// through the real router, decoding and validation, with the fakes behind them.
// Whatever the body, the answer must be one the contract allows, in its error
// format, and never a 500: bad input is the client's problem, said in words.
// CI runs each briefly (.ci/run); a failing input lands in testdata/fuzz/.

const (
	fuzzTaskID   = "tsk_aaaaaaaaaaaa"
	fuzzHiringID = "hir_aaaaaaaaaaaa"
)

// fuzzRoute is one endpoint a target can hit, as the person who may use it.
type fuzzRoute struct {
	method, path, token string
}

// fuzzEnv is a test server with a campaign task and a hiring request in its
// records, so the command routes reach their validation.
func fuzzEnv(t *testing.T) *env {
	e := newEnv(t)
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, WorkflowID: "campaign/" + campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction,
		Brief: domain.Brief{ProjectManager: "paula", MarketingOpsManager: "mo"}}
	e.records.tasks[fuzzTaskID] = domain.Task{ID: fuzzTaskID, Process: domain.ProcessCampaign, ProcessID: campaignID1, WorkflowID: "campaign/" + campaignID1,
		Kind: domain.KindApproval, Status: domain.TaskOpen, Assignee: "mo", Team: domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager}
	e.records.mu.Lock()
	e.records.hiring().requests[fuzzHiringID] = domain.HiringRequest{ID: fuzzHiringID, WorkflowID: "hiring/" + fuzzHiringID, Status: domain.StatusActive, RequestedBy: "paula"}
	e.records.mu.Unlock()
	return e
}

// fuzzRoutes sends body to the route pick selects and checks the answer.
func fuzzRoutes(f *testing.F, routes []fuzzRoute, seeds ...string) {
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		r := routes[int(pick)%len(routes)]
		e := fuzzEnv(t)
		rr := e.do(r.method, r.path, r.token, string(body))
		switch rr.Code {
		case http.StatusOK, http.StatusCreated:
			if !json.Valid(rr.Body.Bytes()) {
				t.Fatalf("%s %s answered %d with invalid JSON: %q", r.method, r.path, rr.Code, rr.Body)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			var eb errorBody
			if err := json.Unmarshal(rr.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("%s %s answered %d without the error format: %q", r.method, r.path, rr.Code, rr.Body)
			}
		default:
			t.Fatalf("%s %s answered %d for body %q: %s", r.method, r.path, rr.Code, body, rr.Body)
		}
	})
}

func FuzzCreateCampaign(f *testing.F) {
	fuzzRoutes(f, []fuzzRoute{{http.MethodPost, "/api/v1/campaigns", "tok-paula"}},
		`{"name":"Spring","objective":"o","audience":"a","channels":["email"],"budget":{"amount":1,"currency":"EUR"},"launch_at":"2030-03-01T00:00:00Z","kpis":[{"name":"k","target":1,"unit":"u","direction":"higher"}],"project_manager":"paula","marketing_ops_manager":"mo"}`,
		`{"name":"","channels":["tv"],"budget":{"amount":-1,"currency":"euro"},"launch_at":"yesterday","tracking_window":"2 weeks"}`,
		`{"kpis":[{"name":"k","target":1e999}]}`, `[]`, `null`, `{"name":`, `{"unknown":1}`,
	)
}

func FuzzCampaignCommands(f *testing.F) {
	base := "/api/v1/campaigns/" + campaignID1
	fuzzRoutes(f, []fuzzRoute{
		{http.MethodPost, base + "/changes", "tok-paula"},
		{http.MethodPost, base + "/kpis", "tok-paula"},
		{http.MethodPost, base + "/cancel", "tok-paula"},
		{http.MethodPost, base + "/tasks", "tok-paula"},
	},
		`{"launch_at":"2030-04-01T00:00:00Z","add_channels":["web"],"remove_channels":["email"],"budget":{"amount":2,"currency":"EUR"},"reason":"moved"}`,
		`{"actuals":[{"name":"k","value":3.5}]}`,
		`{"reason":"postponed"}`,
		`{"title":"Video","team":"creative","role":"creative","due_at":"2030-02-01T00:00:00Z"}`,
		`{"launch_at":"not a time","budget":{"amount":"ten"}}`, `{"actuals":[{"value":null}]}`, `{"reason":""}`, `{"due_at":1}`,
	)
}

func FuzzTaskCommands(f *testing.F) {
	base := "/api/v1/tasks/" + fuzzTaskID
	fuzzRoutes(f, []fuzzRoute{
		{http.MethodPost, base + "/complete", "tok-mo"},
		{http.MethodPost, base + "/reassign", "tok-paula"},
	},
		`{"outcome":"approved","comment":"ok","data":{"rework":["tsk_bbbbbbbbbbbb"]}}`,
		`{"assignee":"ada","reason":"holiday"}`,
		`{"outcome":"rejected"}`, `{"outcome":7}`, `{"assignee":"nobody","reason":""}`, `{"data":[1,2]}`,
	)
}

func FuzzCreateHiring(f *testing.F) {
	fuzzRoutes(f, []fuzzRoute{{http.MethodPost, "/api/v1/hiring-requests", "tok-paula"}},
		`{"title":"Analyst","team":"analytics","level":"L3","kind":"new","justification":"j","budget":{"min":1,"max":2,"currency":"EUR"},"needed_by":"2030-03-01T00:00:00Z","hiring_manager":"paula"}`,
		`{"title":"","team":"it","kind":"temp","budget":{"min":3,"max":2,"currency":"eur"},"needed_by":"soon"}`, `{}`,
	)
}

func FuzzHiringCommands(f *testing.F) {
	base := "/api/v1/hiring-requests/" + fuzzHiringID
	fuzzRoutes(f, []fuzzRoute{
		{http.MethodPost, base + "/candidates", "tok-paula"},
		{http.MethodPost, base + "/cancel", "tok-paula"},
	},
		`{"name":"Jane Roe","email":"jane@example.com"}`, `{"reason":"budget freeze"}`,
		`{"name":"","email":"not-an-address"}`, `{"reason":null}`,
	)
}

func FuzzCreateRisk(f *testing.F) {
	fuzzRoutes(f, []fuzzRoute{{http.MethodPost, "/api/v1/risks", "tok-paula"}},
		`{"title":"Venue","description":"d","category":"schedule","probability":5,"impact":4,"owner":"paula","related":{"process":"campaign","id":"`+campaignID1+`"}}`,
		`{"probability":0,"impact":6,"owner":"nobody","category":"weather"}`, `{"related":{"process":"risk"}}`,
	)
}

func FuzzRiskCommands(f *testing.F) {
	base := "/api/v1/risks/" + riskID1
	fuzzRoutes(f, []fuzzRoute{
		{http.MethodPost, base + "/assessments", "tok-paula"},
		{http.MethodPost, base + "/resolve", "tok-mo"},
		{http.MethodPost, base + "/accept", "tok-mo"},
		{http.MethodPost, base + "/materialize", "tok-mo"},
		{http.MethodPost, base + "/close", "tok-mo"},
	},
		`{"probability":2,"impact":3,"comment":"better"}`, `{"comment":"done"}`,
		`{"probability":9}`, `{"comment":""}`,
	)
}

func FuzzOutOfOffice(f *testing.F) {
	fuzzRoutes(f, []fuzzRoute{{http.MethodPut, "/api/v1/people/paula/out-of-office", "tok-paula"}},
		`{"from":"2030-01-08T00:00:00Z","to":"2030-01-15T00:00:00Z","delegate":"mo"}`,
		`{}`, `null`, `{"from":"2030-01-15T00:00:00Z","to":"2030-01-08T00:00:00Z","delegate":"paula"}`,
	)
}

// FuzzListQuery sends an arbitrary query string (cursor, limit, filters) to every
// list. The store's own cursor decoding is fuzzed in store (FuzzCursor); here the
// answer must be a page, or 400/422 in the error format, never a 500.
func FuzzListQuery(f *testing.F) {
	lists := []string{"/api/v1/tasks", "/api/v1/campaigns", "/api/v1/hiring-requests", "/api/v1/risks", "/api/v1/people", "/api/v1/notifications"}
	for i, q := range []string{
		"limit=1", "cursor=1", "cursor=eyJuIjo5MjIzMzcyMDM2ODU0Nzc1ODA4fQ", "cursor=-1", "limit=0", "limit=201", "limit=1e3",
		"status=open&assignee=me", "owner=%00", "cursor=%ff", "team=web&role=web&process=campaign", "severity=extreme",
	} {
		f.Add(uint8(i), q)
	}
	f.Fuzz(func(t *testing.T, pick uint8, query string) {
		path := lists[int(pick)%len(lists)]
		e := fuzzEnv(t)
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer tok-paula")
		rr := e.serve(req)
		switch rr.Code {
		case http.StatusOK:
			if !json.Valid(rr.Body.Bytes()) {
				t.Fatalf("GET %s?%s answered 200 with invalid JSON: %q", path, query, rr.Body)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			var eb errorBody
			if err := json.Unmarshal(rr.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("GET %s?%s answered %d without the error format: %q", path, query, rr.Code, rr.Body)
			}
		default:
			t.Fatalf("GET %s?%s answered %d: %s", path, query, rr.Code, rr.Body)
		}
	})
}
