package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

const (
	riskID1      = "rsk_7m2p4q8r1s3t"
	validRiskRaw = `{
	"title": "Print vendor may miss the date",
	"description": "The vendor's press is booked",
	"category": "schedule",
	"probability": 4,
	"impact": 5,
	"owner": "paula",
	"related": {"process": "campaign", "id": "` + campaignID1 + `"}
}`
)

// riskBodyWith returns validRiskRaw with one field replaced (raw JSON value) or,
// with value "", removed.
func riskBodyWith(t *testing.T, field, value string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(validRiskRaw), &m); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(m, field)
	} else {
		m[field] = json.RawMessage(value)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// riskEnv is a test server whose directory holds the campaign risks link to.
func riskEnv(t *testing.T) *env {
	e := newEnv(t)
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Status: domain.StatusActive, Stage: domain.StageScheduled}
	return e
}

func TestCreateRisk201(t *testing.T) {
	e := riskEnv(t)
	rr := e.do("POST", "/api/v1/risks", "tok-cara", validRiskRaw)
	want(t, rr, sCreated, "")
	got := decodeJSON[riskBody](t, rr)
	if !domain.HasPrefixID(got.ID, domain.PrefixRisk) {
		t.Fatalf("id = %q, want a rsk_ ID", got.ID)
	}
	if loc := rr.Header().Get("Location"); loc != "/api/v1/risks/"+got.ID {
		t.Errorf("Location = %q", loc)
	}
	if got.WorkflowID != "risk/"+got.ID || got.Score != 20 || got.Severity != domain.SeverityCritical ||
		got.Status != domain.RiskOpen || got.Owner != "paula" || got.RaisedBy != "cara" || !got.CreatedAt.Equal(testNow) ||
		got.Related == nil || got.Related.ID != campaignID1 || len(got.Assessments) != 1 {
		t.Errorf("risk = %+v", got.riskItem)
	}
	if got.Tasks == nil || got.WaitingOn == nil || got.Escalations == nil {
		t.Errorf("lists must be arrays: tasks %v waiting_on %v escalations %v", got.Tasks, got.WaitingOn, got.Escalations)
	}
	if len(e.temporal.starts) != 1 {
		t.Fatalf("starts = %d, want 1", len(e.temporal.starts))
	}
	st := e.temporal.starts[0]
	in, ok := st.Input.(contract.RiskInput)
	if !ok {
		t.Fatalf("input is %T, want contract.RiskInput", st.Input)
	}
	if st.WorkflowID != contract.RiskWorkflowID(got.ID) || st.WorkflowType != contract.RiskType ||
		st.Summary != "Risk: Print vendor may miss the date" {
		t.Errorf("start = %+v", st)
	}
	if in.ID != got.ID || in.RaisedBy != "cara" || in.Raise.Probability != 4 || in.Raise.Impact != 5 ||
		in.Raise.Category != domain.CategorySchedule || in.Raise.Related == nil || in.Raise.Cause != "" ||
		in.Policy.Risk.AcknowledgeSLA.Critical == 0 || in.Carry != nil {
		t.Errorf("input = %+v", in)
	}
	attrs := map[string]any{}
	for k, v := range st.SearchAttributes.GetUntypedValues() {
		attrs[k.GetName()] = v
	}
	for key, want := range map[string]string{"TandemProcess": "risk", "TandemStatus": "open", "TandemSeverity": "critical"} {
		if attrs[key] != want {
			t.Errorf("search attribute %s = %v, want %s", key, attrs[key], want)
		}
	}
	noPeopleOrMoney(t, st, "paula", in.Raise.Description)
}

func TestCreateRisk201WithoutRelated(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("POST", "/api/v1/risks", "tok-cara", riskBodyWith(t, "related", "")), sCreated, "")
	if in := e.temporal.starts[0].Input.(contract.RiskInput); in.Raise.Related != nil {
		t.Errorf("related = %+v, want none", in.Raise.Related)
	}
}

func TestCreateRisk400(t *testing.T) {
	for name, tc := range map[string]struct{ body, field, text string }{
		"malformed":         {body: `{"title": `, text: "malformed"},
		"unknown field":     {body: riskBodyWith(t, "severity", `"critical"`), field: "severity", text: "unknown field"},
		"fractional level":  {body: riskBodyWith(t, "impact", `2.5`), field: "impact", text: "number"},
		"level as text":     {body: riskBodyWith(t, "probability", `"high"`), field: "probability", text: "number"},
		"unknown in nested": {body: riskBodyWith(t, "related", `{"process": "campaign", "id": "x", "name": "y"}`), field: "name", text: "unknown field"},
		"empty":             {body: ` `, text: "required"},
		"huge key":          {body: validRiskRaw, text: "Idempotency-Key"},
	} {
		t.Run(name, func(t *testing.T) {
			e := riskEnv(t)
			var headers []string
			if name == "huge key" {
				headers = []string{"Idempotency-Key", strings.Repeat("k", 256)}
			}
			got := want(t, e.do("POST", "/api/v1/risks", "tok-paula", tc.body, headers...), sBad, "bad_request")
			if !strings.Contains(got.Message, tc.text) {
				t.Errorf("message %q does not say %q", got.Message, tc.text)
			}
			if tc.field != "" && !hasProblem(got, tc.field, "") {
				t.Errorf("details %v do not name %s", got.Details, tc.field)
			}
			if len(e.temporal.starts) != 0 {
				t.Error("a bad request reached Temporal")
			}
		})
	}
}

func TestCreateRisk401(t *testing.T) {
	e := riskEnv(t)
	want(t, e.do("POST", "/api/v1/risks", "", validRiskRaw), sUnauth, "unauthorized")
	want(t, e.do("POST", "/api/v1/risks", "tok-nope", validRiskRaw), sUnauth, "unauthorized")
	if len(e.temporal.starts) != 0 {
		t.Error("an unauthenticated request reached Temporal")
	}
}

func TestCreateRisk413(t *testing.T) {
	big := riskBodyWith(t, "description", `"`+strings.Repeat("x", maxBody)+`"`)
	want(t, riskEnv(t).do("POST", "/api/v1/risks", "tok-paula", big), sTooLarge, "payload_too_large")
}

// TestCreateRisk422 refuses what cannot be a risk, naming the field, and starts
// nothing and claims no Idempotency-Key.
func TestCreateRisk422(t *testing.T) {
	for name, tc := range map[string]struct{ field, value, problemField, text string }{
		"probability 0":          {"probability", `0`, "probability", "1 to 5"},
		"probability 6":          {"probability", `6`, "probability", "1 to 5"},
		"impact 0":               {"impact", `0`, "impact", "1 to 5"},
		"impact 6":               {"impact", `6`, "impact", "1 to 5"},
		"missing levels":         {"probability", "", "probability", "1 to 5"},
		"unknown category":       {"category", `"weather"`, "category", "one of"},
		"no title":               {"title", `"  "`, "title", "required"},
		"no owner":               {"owner", "", "owner", "required"},
		"unknown owner":          {"owner", `"ghost"`, "owner", `no person with handle "ghost"`},
		"unknown campaign":       {"related", `{"process": "campaign", "id": "cmp_000000000000"}`, "related.id", "no campaign"},
		"unknown hiring request": {"related", `{"process": "hiring", "id": "hir_000000000000"}`, "related.id", "no hiring"},
		"campaign with a hir ID": {"related", `{"process": "campaign", "id": "hir_000000000000"}`, "related.id", "cmp_"},
		"related risk":           {"related", `{"process": "risk", "id": "` + riskID1 + `"}`, "related.process", "campaign or hiring"},
	} {
		t.Run(name, func(t *testing.T) {
			e := riskEnv(t)
			rr := e.do("POST", "/api/v1/risks", "tok-paula", riskBodyWith(t, tc.field, tc.value), "Idempotency-Key", "k-1")
			got := want(t, rr, sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.problemField, tc.text) {
				t.Errorf("details %v do not say %s: %s", got.Details, tc.problemField, tc.text)
			}
			if len(e.temporal.starts) != 0 || len(e.records.keys) != 0 {
				t.Errorf("an invalid risk was started (%d) or claimed a key (%d)", len(e.temporal.starts), len(e.records.keys))
			}
		})
	}
}

func TestCreateRisk422SaysEverythingAtOnce(t *testing.T) {
	e := riskEnv(t)
	body := `{"title": "x", "category": "schedule", "probability": 0, "impact": 9, "owner": "ghost", "related": {"process": "campaign", "id": "cmp_000000000000"}}`
	got := want(t, e.do("POST", "/api/v1/risks", "tok-paula", body), sInvalid, domain.CodeInvalid)
	for _, f := range []string{"probability", "impact", "owner", "related.id"} {
		if !hasProblem(got, f, "") {
			t.Errorf("details %v do not name %s", got.Details, f)
		}
	}
}

func TestCreateRiskIdempotencyReplay(t *testing.T) {
	e := riskEnv(t)
	first := e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw, "Idempotency-Key", "r-1")
	want(t, first, sCreated, "")
	id := decodeJSON[riskBody](t, first).ID
	stored := domain.Risk{ID: id, WorkflowID: "risk/" + id, Status: domain.RiskAcknowledged, Severity: domain.SeverityCritical}
	e.records.risk().risks[id] = stored

	again := e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw, "Idempotency-Key", "r-1")
	want(t, again, sCreated, "")
	got := decodeJSON[riskBody](t, again)
	if got.ID != id || got.Status != domain.RiskAcknowledged || again.Header().Get(replayedHeader) != "true" {
		t.Errorf("replay = %+v (replayed %q), want the record of %s", got.riskItem, again.Header().Get(replayedHeader), id)
	}
	// Starting again is how a replay finishes a start that never landed; the ID is the same.
	if len(e.temporal.starts) != 2 || e.temporal.starts[1].WorkflowID != "risk/"+id {
		t.Errorf("starts = %+v", e.temporal.starts)
	}
}

func TestCreateRisk409IdempotencyConflict(t *testing.T) {
	e := riskEnv(t)
	want(t, e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw, "Idempotency-Key", "r-1"), sCreated, "")
	want(t, e.do("POST", "/api/v1/risks", "tok-paula", riskBodyWith(t, "impact", `1`), "Idempotency-Key", "r-1"), sConflict, domain.CodeConflict)
	if len(e.temporal.starts) != 1 {
		t.Errorf("starts = %d, want 1", len(e.temporal.starts))
	}
}

func TestCreateRisk503(t *testing.T) {
	t.Run("temporal", func(t *testing.T) {
		e := riskEnv(t)
		e.temporal.startErr = fmt.Errorf("%w: dial tcp 10.0.0.7:7233: connection refused", domain.ErrUnavailable)
		got := want(t, e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw, "Idempotency-Key", "k-1"), sUnavail, codeUnavailable)
		if strings.Contains(got.Message, "10.0.0.7") {
			t.Errorf("message leaks the cause: %q", got.Message)
		}
		if len(e.records.released) != 0 {
			t.Errorf("released = %v: an ambiguous failure must keep the key, so a retry replays", e.records.released)
		}
	})
	for _, method := range []string{"Person", "Campaign", "ClaimIdempotencyKey"} {
		t.Run(method, func(t *testing.T) {
			e := riskEnv(t)
			e.records.fail[method] = fmt.Errorf("%w: database is down", domain.ErrUnavailable)
			want(t, e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw, "Idempotency-Key", "k-1"), sUnavail, codeUnavailable)
			if len(e.temporal.starts) != 0 {
				t.Error("started without checking the owner, the campaign or the key")
			}
		})
	}
}

func TestListRisks(t *testing.T) {
	e := newEnv(t)
	e.records.risk().risks[riskID1] = domain.Risk{ID: riskID1, Severity: domain.SeverityHigh, Status: domain.RiskOpen, Owner: "paula",
		Related: &domain.Related{Process: domain.ProcessCampaign, ID: campaignID1}}
	e.records.risk().risks["rsk_000000000001"] = domain.Risk{ID: "rsk_000000000001", Severity: domain.SeverityLow, Status: domain.RiskOpen, Owner: "mo"}

	rr := e.do("GET", "/api/v1/risks?severity=high&status=open&owner=me&related="+campaignID1+"&limit=5", "tok-paula", "")
	want(t, rr, sOK, "")
	got := decodeJSON[struct {
		Items []domain.Risk `json:"items"`
	}](t, rr)
	if len(got.Items) != 1 || got.Items[0].ID != riskID1 {
		t.Errorf("items = %+v", got.Items)
	}
	f := e.records.risk().lastRisk
	if f.Severity != domain.SeverityHigh || f.Status != domain.RiskOpen || f.Owner != "paula" || f.Related != campaignID1 || f.Limit != 5 {
		t.Errorf("filter = %+v", f)
	}
	// An empty page is an empty array, with lists inside items as arrays too.
	rr = e.do("GET", "/api/v1/risks?severity=critical", "tok-paula", "")
	want(t, rr, sOK, "")
	if !strings.Contains(rr.Body.String(), `"items":[]`) {
		t.Errorf("empty page = %s", rr.Body)
	}
	rr = e.do("GET", "/api/v1/risks?owner=mo", "tok-paula", "")
	if !strings.Contains(rr.Body.String(), `"score_history":[]`) || !strings.Contains(rr.Body.String(), `"escalations":[]`) {
		t.Errorf("lists inside a listed risk must be arrays: %s", rr.Body)
	}
}

func TestListRisks422(t *testing.T) {
	for query, field := range map[string]string{
		"severity=urgent": "severity", "status=done": "status", "related=rsk_7m2p4q8r1s3t": "related", "limit=0": "limit",
	} {
		t.Run(query, func(t *testing.T) {
			got := want(t, newEnv(t).do("GET", "/api/v1/risks?"+query, "tok-paula", ""), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, field, "") {
				t.Errorf("details %v do not name %s", got.Details, field)
			}
		})
	}
}

func TestListRisks401And503(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/risks", "", ""), sUnauth, "unauthorized")
	e := newEnv(t)
	e.records.fail["Risks"] = fmt.Errorf("%w: database is down", domain.ErrUnavailable)
	want(t, e.do("GET", "/api/v1/risks", "tok-paula", ""), sUnavail, codeUnavailable)
}

func liveRisk() contract.RiskDetail {
	return contract.RiskDetail{
		Risk: domain.Risk{ID: riskID1, WorkflowID: "risk/" + riskID1, Status: domain.RiskOpen, Severity: domain.SeverityCritical, Level: 1,
			Escalations: []domain.RiskEscalation{{Level: 1, From: "paula", To: "mo"}}},
		Tasks:     []domain.Task{{ID: "tsk_aaaaaaaaaaaa", Title: "Acknowledge", Status: domain.TaskOpen, Assignee: "mo"}},
		WaitingOn: []domain.WaitingOn{{TaskID: "tsk_aaaaaaaaaaaa", Title: "Acknowledge", Assignee: "mo"}},
	}
}

func TestGetRisk200Live(t *testing.T) {
	e := newEnv(t)
	e.temporal.query = func(wid, name string) (any, error) {
		if wid != "risk/"+riskID1 || name != contract.QueryDetail {
			return nil, fmt.Errorf("unexpected query %s %s", wid, name)
		}
		return liveRisk(), nil
	}
	rr := e.do("GET", "/api/v1/risks/"+riskID1, "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[riskBody](t, rr)
	if got.Level != 1 || len(got.Escalations) != 1 || len(got.WaitingOn) != 1 || got.WaitingOn[0].Assignee != "mo" {
		t.Errorf("detail = %+v", got)
	}
	if !strings.HasSuffix(got.TemporalUIURL, "/workflows/risk%2F"+riskID1) {
		t.Errorf("temporal_ui_url = %q", got.TemporalUIURL)
	}
}

func TestGetRisk200FromRecords(t *testing.T) {
	for name, qerr := range map[string]error{"temporal forgot": domain.ErrNotFound, "temporal down": domain.ErrUnavailable} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.temporal.query = func(string, string) (any, error) { return nil, qerr }
			e.records.risk().risks[riskID1] = domain.Risk{ID: riskID1, Status: domain.RiskResolved}
			e.records.tasks["tsk_aaaaaaaaaaaa"] = domain.Task{ID: "tsk_aaaaaaaaaaaa", Process: domain.ProcessRisk, ProcessID: riskID1, Status: domain.TaskOpen}
			e.records.tasks["tsk_bbbbbbbbbbbb"] = domain.Task{ID: "tsk_bbbbbbbbbbbb", Process: domain.ProcessCampaign, ProcessID: riskID1, Status: domain.TaskOpen}
			rr := e.do("GET", "/api/v1/risks/"+riskID1, "tok-cara", "")
			want(t, rr, sOK, "")
			got := decodeJSON[riskBody](t, rr)
			if got.Status != domain.RiskResolved || len(got.Tasks) != 1 || len(got.WaitingOn) != 1 {
				t.Errorf("detail = %+v", got)
			}
		})
	}
}

func TestGetRisk404(t *testing.T) {
	e := newEnv(t)
	got := want(t, e.do("GET", "/api/v1/risks/"+riskID1, "tok-cara", ""), sNotFound, domain.CodeNotFound)
	if !strings.Contains(got.Message, riskID1) {
		t.Errorf("message = %q", got.Message)
	}
	before := len(e.temporal.queries)
	want(t, e.do("GET", "/api/v1/risks/"+campaignID1, "tok-cara", ""), sNotFound, domain.CodeNotFound)
	if len(e.temporal.queries) != before {
		t.Error("an ID that cannot be a risk's was queried")
	}
}

func TestGetRisk503(t *testing.T) {
	e := newEnv(t) // Temporal down and no record yet: it may exist, so not a 404
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("GET", "/api/v1/risks/"+riskID1, "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestGetRisk401(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/risks/"+riskID1, "tok-bad", ""), sUnauth, "unauthorized")
}

func TestAssessRisk200(t *testing.T) {
	e := newEnv(t)
	e.temporal.update = func(string, string, any) (any, error) { return liveRisk(), nil }
	rr := e.do("POST", "/api/v1/risks/"+riskID1+"/assessments", "tok-paula", `{"probability": 1, "impact": 2, "comment": "vendor confirmed"}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[riskBody](t, rr); got.ID != riskID1 || got.TemporalUIURL == "" {
		t.Errorf("detail = %+v", got)
	}
	call := e.temporal.updates[0]
	in := call.Input.(contract.AssessRiskInput)
	if call.WorkflowID != "risk/"+riskID1 || call.Name != contract.UpdateAssessRisk ||
		in.Actor.Handle != "paula" || in.Probability != 1 || in.Impact != 2 || in.Comment != "vendor confirmed" {
		t.Errorf("call = %+v", call)
	}
}

func TestDecideRisk200(t *testing.T) {
	for _, d := range domain.RiskDecisions {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			e.temporal.update = func(string, string, any) (any, error) { return liveRisk(), nil }
			want(t, e.do("POST", "/api/v1/risks/"+riskID1+"/"+string(d), "tok-mo", `{"comment": "handled"}`), sOK, "")
			call := e.temporal.updates[0]
			in := call.Input.(contract.DecideRiskInput)
			if call.WorkflowID != "risk/"+riskID1 || call.Name != contract.UpdateDecideRisk ||
				in.Decision != d || in.Actor.Handle != "mo" || in.Comment != "handled" {
				t.Errorf("call = %+v", call)
			}
		})
	}
}

// TestRiskUpdatesStatuses runs every risk update through the statuses that come
// back from the workflow or from the request itself.
func TestRiskUpdatesStatuses(t *testing.T) {
	routes := map[string]string{
		"assessments": `{"probability": 2, "impact": 2}`,
		"resolve":     `{"comment": "fixed"}`,
		"accept":      `{"comment": "we live with it"}`,
		"materialize": `{"comment": "it happened"}`,
		"close":       `{"comment": "handled"}`,
	}
	refusals := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"403", domain.Forbiddenf("accepting a critical risk needs the authority of marketing ops or a director"), sForbid, domain.CodeForbidden},
		{"404", domain.ErrNotFound, sNotFound, domain.CodeNotFound},
		{"409", domain.Conflictf("the risk is resolved"), sConflict, domain.CodeConflict},
		{"422", domain.Invalid(domain.FieldProblem{Field: "decision", Problem: "must be resolve, accept, materialize or close"}), sInvalid, domain.CodeInvalid},
		{"503", fmt.Errorf("%w: no route to host", domain.ErrUnavailable), sUnavail, codeUnavailable},
	}
	for route, body := range routes {
		path := "/api/v1/risks/" + riskID1 + "/" + route
		for _, r := range refusals {
			t.Run(route+"/"+r.name, func(t *testing.T) {
				e := newEnv(t)
				e.temporal.update = func(string, string, any) (any, error) { return nil, r.err }
				got := want(t, e.do("POST", path, "tok-paula", body), r.status, r.code)
				if r.status == sNotFound && !strings.Contains(got.Message, riskID1) {
					t.Errorf("message = %q, want it to name the risk", got.Message)
				}
				if r.status == sForbid && !strings.Contains(got.Message, "authority") {
					t.Errorf("message = %q, want the workflow's reason", got.Message)
				}
			})
		}
		t.Run(route+"/400", func(t *testing.T) {
			e := newEnv(t)
			want(t, e.do("POST", path, "tok-paula", `{"nope": 1}`), sBad, "bad_request")
			if len(e.temporal.updates) != 0 {
				t.Error("a bad request reached Temporal")
			}
		})
		t.Run(route+"/401", func(t *testing.T) {
			want(t, newEnv(t).do("POST", path, "", body), sUnauth, "unauthorized")
		})
		t.Run(route+"/404 malformed id", func(t *testing.T) {
			want(t, newEnv(t).do("POST", "/api/v1/risks/rsk_x/"+route, "tok-paula", body), sNotFound, domain.CodeNotFound)
		})
		t.Run(route+"/413", func(t *testing.T) {
			big := `{"comment": "` + strings.Repeat("x", maxBody) + `"}`
			want(t, newEnv(t).do("POST", path, "tok-paula", big), sTooLarge, "payload_too_large")
		})
	}
}

// TestRiskUpdates422BeforeTemporal refuses bad levels and missing comments at the
// edge: nothing reaches the workflow.
func TestRiskUpdates422BeforeTemporal(t *testing.T) {
	for name, tc := range map[string]struct{ route, body, field string }{
		"probability 0":    {"assessments", `{"probability": 0, "impact": 3}`, "probability"},
		"impact 6":         {"assessments", `{"probability": 3, "impact": 6}`, "impact"},
		"long comment":     {"assessments", `{"probability": 3, "impact": 3, "comment": "` + strings.Repeat("x", 2001) + `"}`, "comment"},
		"resolve, no why":  {"resolve", `{"comment": "  "}`, "comment"},
		"accept, no body":  {"accept", `{}`, "comment"},
		"close, too long":  {"close", `{"comment": "` + strings.Repeat("x", 2001) + `"}`, "comment"},
		"materialize, nil": {"materialize", `{"comment": ""}`, "comment"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			got := want(t, e.do("POST", "/api/v1/risks/"+riskID1+"/"+tc.route, "tok-paula", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, "") || len(e.temporal.updates) != 0 {
				t.Errorf("details = %v, updates = %d", got.Details, len(e.temporal.updates))
			}
		})
	}
}

func TestRiskTimeline(t *testing.T) {
	e := newEnv(t)
	e.records.events["risk/"+riskID1] = []domain.Event{{Kind: domain.EventRiskRaised, ProcessID: riskID1, Message: "raised"}}
	rr := e.do("GET", "/api/v1/risks/"+riskID1+"/timeline", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[struct {
		Items []domain.Event `json:"items"`
	}](t, rr)
	if len(got.Items) != 1 || got.Items[0].Kind != domain.EventRiskRaised {
		t.Errorf("timeline = %+v", got.Items)
	}
}

func TestRiskTimeline404And401And503(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("GET", "/api/v1/risks/"+riskID1+"/timeline", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/risks/cmp_x/timeline", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/risks/"+riskID1+"/timeline", "", ""), sUnauth, "unauthorized")
	e.records.fail["Timeline"] = fmt.Errorf("%w: database is down", domain.ErrUnavailable)
	want(t, e.do("GET", "/api/v1/risks/"+riskID1+"/timeline", "tok-cara", ""), sUnavail, codeUnavailable)
}

// TestCreateRiskRelatedNotProjectedYet links a risk to a campaign started a moment
// ago, which its workflow knows before the records do.
func TestCreateRiskRelatedNotProjectedYet(t *testing.T) {
	e := newEnv(t) // no campaign record
	e.temporal.query = func(wid, name string) (any, error) {
		if wid != "campaign/"+campaignID1 || name != contract.QueryDetail {
			return nil, domain.ErrNotFound
		}
		return liveDetail(), nil
	}
	want(t, e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw), sCreated, "")

	e = newEnv(t)
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("POST", "/api/v1/risks", "tok-paula", validRiskRaw), sUnavail, codeUnavailable)
	if len(e.temporal.starts) != 0 {
		t.Error("started a risk whose campaign nobody could confirm")
	}
}
