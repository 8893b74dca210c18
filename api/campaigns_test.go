package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

const validBrief = `{
	"name": "Spring launch",
	"objective": "Grow trials",
	"audience": "SMB owners",
	"channels": ["email", "paid_search"],
	"budget": {"amount": 25000, "currency": "EUR"},
	"launch_at": "2030-03-01T09:00:00Z",
	"kpis": [{"name": "signups", "target": 1000, "unit": "count", "direction": "higher"}],
	"project_manager": "paula",
	"marketing_ops_manager": "mo",
	"regulated": true
}`

// brief returns validBrief with one field replaced (raw JSON value) or, with value
// "", removed.
func brief(t *testing.T, field, value string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(validBrief), &m); err != nil {
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

func TestCreateCampaign201(t *testing.T) {
	e := newEnv(t)
	rr := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief)
	want(t, rr, sCreated, "")
	got := decodeJSON[campaignBody](t, rr)

	if !domain.HasPrefixID(got.ID, domain.PrefixCampaign) {
		t.Fatalf("id = %q, want a cmp_ ID", got.ID)
	}
	if loc := rr.Header().Get("Location"); loc != "/api/v1/campaigns/"+got.ID {
		t.Errorf("Location = %q", loc)
	}
	if got.WorkflowID != "campaign/"+got.ID || got.Status != domain.StatusActive || got.Stage != domain.StageBriefReview ||
		got.RequestedBy != "paula" || !got.CreatedAt.Equal(testNow) {
		t.Errorf("campaign = %+v", got.campaignItem)
	}
	if got.Brief.TrackingWindow != domain.DefaultPolicy().Campaign.TrackingWindow {
		t.Errorf("tracking_window = %v, want the policy default", got.Brief.TrackingWindow)
	}
	if want := "http://localhost:8233/namespaces/default/workflows/campaign%2F" + got.ID; got.TemporalUIURL != want {
		t.Errorf("temporal_ui_url = %q, want %q", got.TemporalUIURL, want)
	}
	if got.Tasks == nil || got.WaitingOn == nil || len(got.KPIs) != 1 {
		t.Errorf("lists must be arrays: tasks %v waiting_on %v kpi_report %v", got.Tasks, got.WaitingOn, got.KPIs)
	}

	if len(e.temporal.starts) != 1 {
		t.Fatalf("starts = %d, want 1", len(e.temporal.starts))
	}
	st := e.temporal.starts[0]
	in, ok := st.Input.(contract.CampaignInput)
	if !ok {
		t.Fatalf("input is %T, want contract.CampaignInput", st.Input)
	}
	if st.WorkflowID != contract.CampaignWorkflowID(got.ID) || st.WorkflowType != contract.CampaignLaunchType ||
		st.Summary != "Campaign launch: Spring launch" {
		t.Errorf("start = %+v", st)
	}
	// The static details say what was asked for, without people or money.
	for _, part := range []string{"**Objective:**", "**Launch:** 2030-03-01T09:00:00Z"} {
		if !strings.Contains(st.Details, part) {
			t.Errorf("static details lack %q:\n%s", part, st.Details)
		}
	}
	noPeopleOrMoney(t, st, "paula", "mo", "50000", "EUR")
	if in.ID != got.ID || in.RequestedBy != "paula" || in.Brief.Name != "Spring launch" ||
		!in.Brief.LaunchAt.Equal(time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)) || in.Policy.Campaign.TrackingWindow == 0 {
		t.Errorf("input = %+v", in)
	}
	for key, want := range map[string]string{"TandemProcess": "campaign", "TandemStage": "brief_review", "TandemStatus": "active"} {
		var found bool
		for k, v := range st.SearchAttributes.GetUntypedValues() {
			if k.GetName() == key {
				found = true
				if v != want {
					t.Errorf("search attribute %s = %v, want %s", key, v, want)
				}
			}
		}
		if !found {
			t.Errorf("search attribute %s missing", key)
		}
	}
}

func TestCreateCampaign400(t *testing.T) {
	for name, tc := range map[string]struct{ body, field, text string }{
		"malformed":      {body: `{"name": `, text: "malformed"},
		"not an object":  {body: `[1,2]`, text: "object"},
		"unknown field":  {body: brief(t, "colour", `"red"`), field: "colour", text: "unknown field"},
		"wrong type":     {body: brief(t, "regulated", `"yes"`), field: "regulated", text: "boolean"},
		"nested type":    {body: brief(t, "budget", `{"amount": "lots", "currency": "EUR"}`), field: "budget.amount", text: "number"},
		"two values":     {body: validBrief + `{}`, text: "more than one"},
		"empty":          {body: ` `, text: "required"},
		"huge key":       {body: validBrief, text: "Idempotency-Key"},
		"trailing comma": {body: `{"name": "x",}`, text: "malformed"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			var headers []string
			if name == "huge key" {
				headers = []string{"Idempotency-Key", strings.Repeat("k", 256)}
			}
			got := want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", tc.body, headers...), sBad, "bad_request")
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

func TestCreateCampaign401(t *testing.T) {
	e := newEnv(t)
	for name, auth := range map[string]string{"none": "", "not bearer": "Basic cGF1bGE6eA==", "unknown": "Bearer nope", "empty": "Bearer "} {
		t.Run(name, func(t *testing.T) {
			rr := e.do("POST", "/api/v1/campaigns", "", validBrief, "Authorization", auth)
			want(t, rr, sUnauth, "unauthorized")
			if h := rr.Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("WWW-Authenticate = %q", h)
			}
		})
	}
	if len(e.temporal.starts) != 0 {
		t.Error("an unauthenticated request reached Temporal")
	}
}

func TestCreateCampaign403(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("POST", "/api/v1/campaigns", "tok-cara", validBrief), sForbid, "forbidden")
	if len(e.temporal.starts) != 0 {
		t.Error("a forbidden request reached Temporal")
	}
	// An admin and marketing ops may start one too.
	want(t, e.do("POST", "/api/v1/campaigns", "tok-ada", validBrief), sCreated, "")
	want(t, e.do("POST", "/api/v1/campaigns", "tok-mo", validBrief), sCreated, "")
}

func TestCreateCampaign413(t *testing.T) {
	e := newEnv(t)
	big := brief(t, "objective", `"`+strings.Repeat("x", maxBody)+`"`)
	want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", big), sTooLarge, "payload_too_large")
}

func TestCreateCampaign422(t *testing.T) {
	for name, tc := range map[string]struct{ body, field, text string }{
		"missing name":       {brief(t, "name", ""), "name", "required"},
		"past launch":        {brief(t, "launch_at", `"2029-01-01T00:00:00Z"`), "launch_at", "future"},
		"bad launch time":    {brief(t, "launch_at", `"next tuesday"`), "launch_at", "RFC 3339"},
		"bad window":         {brief(t, "tracking_window", `"two weeks"`), "tracking_window", "duration"},
		"unknown channel":    {brief(t, "channels", `["fax"]`), "channels", "unknown channel"},
		"bad direction":      {brief(t, "kpis", `[{"name":"x","target":1,"direction":"up"}]`), "kpis[0].direction", "higher or lower"},
		"unknown manager":    {brief(t, "project_manager", `"nobody"`), "project_manager", "no person"},
		"manager wrong role": {brief(t, "marketing_ops_manager", `"paula"`), "marketing_ops_manager", "marketing_ops_manager role"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			got := want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, tc.text) {
				t.Errorf("details %v lack %s: %s", got.Details, tc.field, tc.text)
			}
			if len(e.temporal.starts) != 0 {
				t.Error("an invalid brief reached Temporal")
			}
		})
	}
	t.Run("a field that did not parse is reported once", func(t *testing.T) {
		e := newEnv(t)
		got := want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", brief(t, "launch_at", `"soon"`)), sInvalid, domain.CodeInvalid)
		if len(got.Details) != 1 {
			t.Errorf("details = %v, want one problem", got.Details)
		}
	})
}

func TestCreateCampaignIdempotencyReplay(t *testing.T) {
	e := newEnv(t)
	first := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1")
	want(t, first, sCreated, "")
	id := decodeJSON[campaignBody](t, first).ID
	if first.Header().Get(replayedHeader) != "" {
		t.Error("the first request is marked replayed")
	}

	again := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1")
	want(t, again, sCreated, "")
	if got := decodeJSON[campaignBody](t, again).ID; got != id {
		t.Fatalf("replay id = %s, want %s", got, id)
	}
	if again.Header().Get(replayedHeader) != "true" || again.Header().Get("Location") != "/api/v1/campaigns/"+id {
		t.Errorf("replay headers = %v", again.Header())
	}
	// The replay starts the same workflow ID again, which Temporal treats as done.
	if len(e.temporal.starts) != 2 || e.temporal.starts[1].WorkflowID != e.temporal.starts[0].WorkflowID {
		t.Errorf("starts = %+v", e.temporal.starts)
	}

	// Another person's same key is another key.
	other := e.do("POST", "/api/v1/campaigns", "tok-mo", validBrief, "Idempotency-Key", "k-1")
	want(t, other, sCreated, "")
	if decodeJSON[campaignBody](t, other).ID == id {
		t.Error("keys collide across people")
	}
}

func TestCreateCampaignIdempotencyReplayAnswersTheRecord(t *testing.T) {
	e := newEnv(t)
	first := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1")
	id := decodeJSON[campaignBody](t, first).ID
	created := testNow.Add(-time.Minute)
	e.records.campaigns[id] = domain.Campaign{ID: id, WorkflowID: "campaign/" + id, Status: domain.StatusActive,
		Stage: domain.StagePlanning, RequestedBy: "paula", CreatedAt: created}

	again := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1")
	want(t, again, sCreated, "")
	got := decodeJSON[campaignBody](t, again)
	if got.Stage != domain.StagePlanning || !got.CreatedAt.Equal(created) {
		t.Errorf("replay = %+v, want the stored record", got.campaignItem)
	}
}

func TestCreateCampaign409IdempotencyConflict(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1"), sCreated, "")
	got := want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", brief(t, "name", `"Autumn launch"`), "Idempotency-Key", "k-1"), sConflict, domain.CodeConflict)
	if !strings.HasPrefix(got.Message, "Idempotency-Key") {
		t.Errorf("message = %q", got.Message)
	}
	if len(e.temporal.starts) != 1 {
		t.Errorf("starts = %d, want 1", len(e.temporal.starts))
	}
}

// A start that failed as unavailable may still have reached Temporal, so the key
// stays claimed: the retry replays the same campaign instead of making a second.
func TestCreateCampaign503KeepsTheKey(t *testing.T) {
	e := newEnv(t)
	e.temporal.startErr = fmt.Errorf("%w: dial tcp 10.0.0.7:7233: connection refused", domain.ErrUnavailable)
	got := want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1"), sUnavail, codeUnavailable)
	if strings.Contains(got.Message, "10.0.0.7") {
		t.Errorf("message leaks the cause: %q", got.Message)
	}
	if len(e.records.released) != 0 {
		t.Fatalf("released = %v: an ambiguous failure must keep the key", e.records.released)
	}
	e.temporal.startErr = nil
	rr := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1")
	want(t, rr, sCreated, "")
	if rr.Header().Get(replayedHeader) != "true" {
		t.Error("the retry is not a replay of the first request")
	}
	if len(e.temporal.starts) != 2 || e.temporal.starts[0].WorkflowID != e.temporal.starts[1].WorkflowID {
		t.Errorf("starts = %+v, want the same workflow started again", e.temporal.starts)
	}
}

// A start Temporal definitely refused made nothing, so the key is freed for a retry.
func TestCreateCampaign500ReleasesTheKey(t *testing.T) {
	e := newEnv(t)
	e.temporal.startErr = errors.New("the workflow type is not registered")
	want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1"), sInternal, codeInternal)
	if len(e.records.released) != 1 || e.records.released[0] != "k-1" {
		t.Fatalf("released = %v, want k-1", e.records.released)
	}
}

func TestCreateCampaign503Database(t *testing.T) {
	e := newEnv(t)
	e.records.fail["ClaimIdempotencyKey"] = domain.ErrUnavailable
	want(t, e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "Idempotency-Key", "k-1"), sUnavail, codeUnavailable)
	if len(e.temporal.starts) != 0 {
		t.Error("started without a claimed key")
	}
}

func TestCreateCampaign500DoesNotLeak(t *testing.T) {
	e := newEnv(t)
	e.temporal.startErr = errors.New("pq: password authentication failed for user tandem")
	rr := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief, "X-Request-ID", "req-42")
	got := want(t, rr, sInternal, codeInternal)
	if got.Message != "internal error" || strings.Contains(rr.Body.String(), "password") {
		t.Errorf("answer leaks internal text: %s", rr.Body)
	}
	logs := e.logs.String()
	if strings.Count(logs, "password authentication failed") != 1 {
		t.Errorf("the cause must be logged once, got logs:\n%s", logs)
	}
	if !strings.Contains(logs, `"request_id":"req-42"`) {
		t.Errorf("the log line lacks the request ID:\n%s", logs)
	}
}

func TestListCampaigns(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		id := fmt.Sprintf("cmp_00000000000%d", i)
		e.records.campaigns[id] = domain.Campaign{ID: id, Status: domain.StatusActive, Brief: domain.Brief{ProjectManager: "paula"}}
	}
	rr := e.do("GET", "/api/v1/campaigns?owner=me&status=active&limit=2", "tok-paula", "")
	want(t, rr, sOK, "")
	got := decodeJSON[domain.Page[domain.Campaign]](t, rr)
	if len(got.Items) != 2 || got.NextCursor == "" {
		t.Fatalf("page = %+v", got)
	}
	f := e.records.lastCampaigns
	if f.Owner != "paula" || f.Status != domain.StatusActive || f.Limit != 2 {
		t.Errorf("filter = %+v", f)
	}
	rr = e.do("GET", "/api/v1/campaigns?cursor="+got.NextCursor, "tok-paula", "")
	want(t, rr, sOK, "")
	if e.records.lastCampaigns.Cursor != got.NextCursor || e.records.lastCampaigns.Limit != domain.DefaultLimit {
		t.Errorf("filter = %+v", e.records.lastCampaigns)
	}

	t.Run("empty list is an array", func(t *testing.T) {
		rr := e.do("GET", "/api/v1/campaigns?status=cancelled", "tok-paula", "")
		want(t, rr, sOK, "")
		if !strings.Contains(rr.Body.String(), `"items":[]`) {
			t.Errorf("body = %s", rr.Body)
		}
	})
	t.Run("a record's lists are arrays, as in its detail", func(t *testing.T) {
		rr := e.do("GET", "/api/v1/campaigns?limit=1", "tok-paula", "")
		want(t, rr, sOK, "")
		for _, list := range []string{`"channels":[]`, `"kpis":[]`, `"kpi_actuals":[]`, `"kpi_report":[]`, `"stages":[]`} {
			if !strings.Contains(rr.Body.String(), list) {
				t.Errorf("body lacks %s: %s", list, rr.Body)
			}
		}
	})
}

func TestListCampaigns401(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/campaigns", "", ""), sUnauth, "unauthorized")
}

func TestListCampaigns422(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"limit=0", "limit=201", "limit=ten", "status=paused"} {
		t.Run(q, func(t *testing.T) {
			field, _, _ := strings.Cut(q, "=")
			got := want(t, e.do("GET", "/api/v1/campaigns?"+q, "tok-paula", ""), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, field, "") {
				t.Errorf("details %v do not name %s", got.Details, field)
			}
		})
	}
	want(t, e.do("GET", "/api/v1/campaigns?limit=200", "tok-paula", ""), sOK, "")
}

func TestListCampaigns503(t *testing.T) {
	e := newEnv(t)
	e.records.fail["Campaigns"] = fmt.Errorf("%w: database is down", domain.ErrUnavailable)
	want(t, e.do("GET", "/api/v1/campaigns", "tok-paula", ""), sUnavail, codeUnavailable)
}

const campaignID1 = "cmp_5kq3h8d2xw9a"

func liveDetail() contract.CampaignDetail {
	return contract.CampaignDetail{
		Campaign:  domain.Campaign{ID: campaignID1, WorkflowID: "campaign/" + campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction},
		Tasks:     []domain.Task{{ID: "tsk_aaaaaaaaaaaa", Title: "Copy", Status: domain.TaskOpen}},
		WaitingOn: []domain.WaitingOn{{TaskID: "tsk_aaaaaaaaaaaa", Title: "Copy"}},
	}
}

func TestGetCampaign200Live(t *testing.T) {
	e := newEnv(t)
	e.temporal.query = func(wid, name string) (any, error) {
		if wid != "campaign/"+campaignID1 || name != contract.QueryDetail {
			return nil, fmt.Errorf("unexpected query %s %s", wid, name)
		}
		return liveDetail(), nil
	}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[campaignBody](t, rr)
	if got.Stage != domain.StageProduction || len(got.WaitingOn) != 1 || len(got.Tasks) != 1 || !got.Live {
		t.Errorf("detail = %+v", got)
	}
	if !strings.HasSuffix(got.TemporalUIURL, "/workflows/campaign%2F"+campaignID1) {
		t.Errorf("temporal_ui_url = %q", got.TemporalUIURL)
	}
}

func TestGetCampaign200FromRecordWhenTemporalForgot(t *testing.T) {
	e := newEnv(t) // the fake's query answers not found
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, WorkflowID: "campaign/" + campaignID1, Status: domain.StatusCompleted, Stage: domain.StageRetrospective}
	e.records.tasks["tsk_aaaaaaaaaaaa"] = domain.Task{ID: "tsk_aaaaaaaaaaaa", Process: domain.ProcessCampaign, ProcessID: campaignID1, Status: domain.TaskOpen}
	e.records.tasks["tsk_bbbbbbbbbbbb"] = domain.Task{ID: "tsk_bbbbbbbbbbbb", Process: domain.ProcessCampaign, ProcessID: "cmp_other0000000", Status: domain.TaskOpen}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[campaignBody](t, rr)
	if got.Status != domain.StatusCompleted || len(got.Tasks) != 1 || len(got.WaitingOn) != 1 || got.Live {
		t.Errorf("detail = %+v", got)
	}
}

func TestGetCampaign200FromRecordWhenTemporalIsDown(t *testing.T) {
	e := newEnv(t)
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Status: domain.StatusActive, Stage: domain.StagePlanning}
	want(t, e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", ""), sOK, "")
}

func TestGetCampaign404(t *testing.T) {
	e := newEnv(t)
	got := want(t, e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", ""), sNotFound, domain.CodeNotFound)
	if !strings.Contains(got.Message, campaignID1) {
		t.Errorf("message = %q", got.Message)
	}
	// An ID that cannot be a campaign's never reaches Temporal.
	before := len(e.temporal.queries)
	want(t, e.do("GET", "/api/v1/campaigns/rsk_5kq3h8d2xw9a", "tok-cara", ""), sNotFound, domain.CodeNotFound)
	if len(e.temporal.queries) != before {
		t.Error("a malformed ID was queried")
	}
}

func TestGetCampaign503(t *testing.T) {
	e := newEnv(t) // Temporal down and no record yet: it may exist, so not a 404
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("GET", "/api/v1/campaigns/"+campaignID1, "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestGetCampaign401(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/campaigns/"+campaignID1, "tok-bad", ""), sUnauth, "unauthorized")
}

// answerDetail makes the fake's updates answer the live detail, or err.
func answerDetail(e *env, err error) {
	e.temporal.update = func(string, string, any) (any, error) {
		if err != nil {
			return nil, err
		}
		return liveDetail(), nil
	}
}

func TestChangeCampaign200(t *testing.T) {
	e := newEnv(t)
	answerDetail(e, nil)
	rr := e.do("POST", "/api/v1/campaigns/"+campaignID1+"/changes", "tok-paula",
		`{"launch_at": "2030-04-01T10:00:00+02:00", "add_channels": ["web"], "budget": {"amount": 30000, "currency": "EUR"}, "reason": "bigger"}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[campaignBody](t, rr); got.ID != campaignID1 || got.TemporalUIURL == "" || !got.Live {
		t.Errorf("detail = %+v", got)
	}
	call := e.temporal.updates[0]
	in := call.Input.(contract.ChangeCampaignInput)
	if call.WorkflowID != "campaign/"+campaignID1 || call.Name != contract.UpdateChangeCampaign || in.Actor.Handle != "paula" {
		t.Errorf("call = %+v", call)
	}
	ch := in.Change
	if ch.LaunchAt == nil || !ch.LaunchAt.Equal(time.Date(2030, 4, 1, 8, 0, 0, 0, time.UTC)) || ch.LaunchAt.Location() != time.UTC ||
		len(ch.AddChannels) != 1 || ch.AddChannels[0] != domain.ChannelWeb || ch.RemoveChannels != nil ||
		ch.Budget == nil || ch.Budget.Amount != 30000 || ch.Reason != "bigger" {
		t.Errorf("change = %+v", ch)
	}
}

// TestCampaignUpdatesStatuses runs every campaign update through the statuses that
// come back from the workflow or from the request itself.
func TestCampaignUpdatesStatuses(t *testing.T) {
	routes := map[string]string{
		"changes": `{"budget": {"amount": 1, "currency": "EUR"}, "reason": "r"}`,
		"kpis":    `{"actuals": [{"name": "signups", "value": 3}]}`,
		"cancel":  `{"reason": "no longer needed"}`,
	}
	refusals := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"403", domain.Forbiddenf("only the project manager or marketing ops manager may do this"), sForbid, domain.CodeForbidden},
		{"404", domain.ErrNotFound, sNotFound, domain.CodeNotFound},
		{"409", domain.Conflictf("the process has ended"), sConflict, domain.CodeConflict},
		{"422", domain.Invalid(domain.FieldProblem{Field: "remove_channels", Problem: "the campaign does not use \"pr\""}), sInvalid, domain.CodeInvalid},
		{"503", fmt.Errorf("%w: no route to host", domain.ErrUnavailable), sUnavail, codeUnavailable},
	}
	for route, body := range routes {
		path := "/api/v1/campaigns/" + campaignID1 + "/" + route
		t.Run(route+"/200", func(t *testing.T) {
			e := newEnv(t)
			answerDetail(e, nil)
			want(t, e.do("POST", path, "tok-mo", body), sOK, "")
		})
		for _, r := range refusals {
			t.Run(route+"/"+r.name, func(t *testing.T) {
				e := newEnv(t)
				answerDetail(e, r.err)
				got := want(t, e.do("POST", path, "tok-mo", body), r.status, r.code)
				if r.status == sNotFound && !strings.Contains(got.Message, campaignID1) {
					t.Errorf("message = %q, want it to name the campaign", got.Message)
				}
				if r.status == sInvalid && !hasProblem(got, "remove_channels", "does not use") {
					t.Errorf("details = %v", got.Details)
				}
			})
		}
		t.Run(route+"/400", func(t *testing.T) {
			e := newEnv(t)
			want(t, e.do("POST", path, "tok-mo", `{"nope": 1}`), sBad, "bad_request")
			if len(e.temporal.updates) != 0 {
				t.Error("a bad request reached Temporal")
			}
		})
		t.Run(route+"/401", func(t *testing.T) {
			want(t, newEnv(t).do("POST", path, "", body), sUnauth, "unauthorized")
		})
		t.Run(route+"/404 malformed id", func(t *testing.T) {
			want(t, newEnv(t).do("POST", "/api/v1/campaigns/cmp_x/"+route, "tok-mo", body), sNotFound, domain.CodeNotFound)
		})
		t.Run(route+"/413", func(t *testing.T) {
			big := `{"reason": "` + strings.Repeat("x", maxBody) + `"}`
			want(t, newEnv(t).do("POST", path, "tok-mo", big), sTooLarge, "payload_too_large")
		})
	}
}

func TestChangeCampaign422BadTime(t *testing.T) {
	e := newEnv(t)
	got := want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/changes", "tok-paula", `{"launch_at": "tomorrow", "reason": "r"}`), sInvalid, domain.CodeInvalid)
	if !hasProblem(got, "launch_at", "RFC 3339") || len(e.temporal.updates) != 0 {
		t.Errorf("details = %v, updates = %d", got.Details, len(e.temporal.updates))
	}
}

func TestRecordKPIsFillsWhoAndWhen(t *testing.T) {
	e := newEnv(t)
	answerDetail(e, nil)
	want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/kpis", "tok-mo", `{"actuals": [{"name": "signups", "value": 812.5}]}`), sOK, "")
	call := e.temporal.updates[0]
	in := call.Input.(contract.RecordKPIsInput)
	if call.Name != contract.UpdateRecordKPIs || in.Actor.Handle != "mo" || len(in.Actuals) != 1 {
		t.Fatalf("call = %+v", call)
	}
	a := in.Actuals[0]
	if a.Name != "signups" || a.Value != 812.5 || a.RecordedBy != "mo" || !a.RecordedAt.Equal(testNow) {
		t.Errorf("actual = %+v", a)
	}
}

func TestRecordKPIs422WithoutAValue(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{`{"actuals": [{"name": "signups"}]}`, `{"actuals": [{"name": "signups", "value": null}]}`} {
		got := want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/kpis", "tok-mo", body), sInvalid, domain.CodeInvalid)
		if !hasProblem(got, "actuals[0].value", "required") {
			t.Errorf("%s: details = %v", body, got.Details)
		}
	}
	if len(e.temporal.updates) != 0 {
		t.Error("an actual without a value reached Temporal, to be recorded as 0")
	}
}

func TestCancelCampaign422EmptyReason(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{`{}`, `{"reason": ""}`} {
		got := want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/cancel", "tok-paula", body), sInvalid, domain.CodeInvalid)
		if !hasProblem(got, "reason", "required") {
			t.Errorf("details = %v", got.Details)
		}
	}
	if len(e.temporal.updates) != 0 {
		t.Error("a cancel without a reason reached Temporal")
	}
}

func TestCancelCampaignSendsReason(t *testing.T) {
	e := newEnv(t)
	answerDetail(e, nil)
	want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/cancel", "tok-paula", `{"reason": "budget cut"}`), sOK, "")
	call := e.temporal.updates[0]
	if in := call.Input.(contract.CancelInput); call.Name != contract.UpdateCancel || in.Reason != "budget cut" || in.Actor.Handle != "paula" {
		t.Errorf("call = %+v", call)
	}
}

const addTaskBody = `{"title": "Press kit", "description": "for PR", "team": "creative", "role": "creative", "assignee": "cara", "due_at": "2030-02-01T09:00:00Z"}`

func TestAddTask201(t *testing.T) {
	e := newEnv(t)
	e.temporal.update = func(_, _ string, input any) (any, error) {
		in := input.(contract.AddTaskInput)
		return domain.Task{ID: "tsk_cccccccccccc", Title: in.Title, Assignee: in.Assignee, Status: domain.TaskOpen, DueAt: in.DueAt}, nil
	}
	rr := e.do("POST", "/api/v1/campaigns/"+campaignID1+"/tasks", "tok-paula", addTaskBody)
	want(t, rr, sCreated, "")
	if got := decodeJSON[domain.Task](t, rr); got.ID != "tsk_cccccccccccc" || got.Title != "Press kit" {
		t.Errorf("task = %+v", got)
	}
	if rr.Header().Get("Location") != "/api/v1/tasks/tsk_cccccccccccc" {
		t.Errorf("Location = %q", rr.Header().Get("Location"))
	}
	call := e.temporal.updates[0]
	in := call.Input.(contract.AddTaskInput)
	if call.Name != contract.UpdateAddTask || in.Actor.Handle != "paula" || in.Team != domain.TeamCreative ||
		in.Role != domain.RoleCreative || !in.DueAt.Equal(time.Date(2030, 2, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("call = %+v", call)
	}
}

func TestAddTask422(t *testing.T) {
	for name, tc := range map[string]struct{ body, field string }{
		"unknown assignee": {strings.Replace(addTaskBody, `"cara"`, `"nobody"`, 1), "assignee"},
		"unknown team":     {strings.Replace(addTaskBody, `"team": "creative"`, `"team": "design"`, 1), "team"},
		"past due":         {strings.Replace(addTaskBody, "2030-02-01", "2020-02-01", 1), "due_at"},
		"no title":         {strings.Replace(addTaskBody, `"Press kit"`, `" "`, 1), "title"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			got := want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/tasks", "tok-paula", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, "") || len(e.temporal.updates) != 0 {
				t.Errorf("details = %v, updates = %d", got.Details, len(e.temporal.updates))
			}
		})
	}
}

func TestAddTaskRefusedByWorkflow(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{domain.Forbiddenf("only the project manager may add tasks"), sForbid},
		{domain.Conflictf("the process has ended"), sConflict},
		{domain.ErrNotFound, sNotFound},
	} {
		e := newEnv(t)
		e.temporal.update = func(string, string, any) (any, error) { return nil, tc.err }
		rr := e.do("POST", "/api/v1/campaigns/"+campaignID1+"/tasks", "tok-cara", addTaskBody)
		if rr.Code != tc.status {
			t.Errorf("%v: status = %d, want %d", tc.err, rr.Code, tc.status)
		}
	}
}

func TestCampaignTimeline(t *testing.T) {
	e := newEnv(t)
	e.records.events["campaign/"+campaignID1] = []domain.Event{
		{Process: domain.ProcessCampaign, ProcessID: campaignID1, Kind: domain.EventStarted, Actor: "paula", Message: "started", At: testNow},
	}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "tok-cara", "")
	want(t, rr, sOK, "")
	got := decodeJSON[struct{ Items []domain.Event }](t, rr)
	if len(got.Items) != 1 || got.Items[0].Kind != domain.EventStarted {
		t.Errorf("timeline = %+v", got)
	}
}

// The timeline shows refused attempts from the audit trail beside what happened,
// in time order: on the process and on its tasks, not allowed commands (they have
// their own events) and not other processes' refusals.
func TestCampaignTimelineShowsRefusedCommands(t *testing.T) {
	e := newEnv(t)
	e.records.events["campaign/"+campaignID1] = []domain.Event{
		{Process: domain.ProcessCampaign, ProcessID: campaignID1, Kind: domain.EventStarted, Actor: "paula", Message: "started", At: testNow},
		{Process: domain.ProcessCampaign, ProcessID: campaignID1, Kind: domain.EventTaskCompleted, Actor: "mo", Message: "approved", At: testNow.Add(2 * time.Hour)},
	}
	e.records.tasks["tsk_aaaaaaaaaaaa"] = domain.Task{ID: "tsk_aaaaaaaaaaaa", Process: domain.ProcessCampaign, ProcessID: campaignID1, Status: domain.TaskDone}
	for _, a := range []domain.AuditEntry{
		{Seq: 1, At: testNow.Add(time.Hour), Actor: "paula", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_aaaaaaaaaaaa", Outcome: domain.AuditDenied, Status: 403, Reason: "paula raised this request and may not approve it"},
		{Seq: 2, At: testNow.Add(2 * time.Hour), Actor: "mo", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_aaaaaaaaaaaa", Outcome: domain.AuditAllowed, Status: 200},
		{Seq: 3, At: testNow.Add(3 * time.Hour), Actor: "cara", Action: "POST /api/v1/campaigns/:id/cancel", Object: "cmp_other0000000", Outcome: domain.AuditDenied, Status: 403},
	} {
		if err := e.records.AppendAudit(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	rr := e.do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "tok-paula", "")
	want(t, rr, sOK, "")
	got := decodeJSON[struct{ Items []domain.Event }](t, rr).Items
	var kinds []domain.EventKind
	for _, ev := range got {
		kinds = append(kinds, ev.Kind)
	}
	if !slices.Equal(kinds, []domain.EventKind{domain.EventStarted, domain.EventRefused, domain.EventTaskCompleted}) {
		t.Fatalf("timeline kinds = %v, want started, the refusal, then the approval", kinds)
	}
	if r := got[1]; r.Actor != "paula" || r.TaskID != "tsk_aaaaaaaaaaaa" || !strings.Contains(r.Message, "may not approve it") {
		t.Errorf("refusal = %+v", r)
	}
	wantRefusal := domain.Refusal{Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_aaaaaaaaaaaa", Status: 403, Reason: "paula raised this request and may not approve it"}
	if r := got[1].Refused; r == nil || *r != wantRefusal {
		t.Errorf("refusal's parts = %+v, want %+v", r, wantRefusal)
	}

	// Refusals are an audit matter: a creative reading the timeline sees what
	// happened, and no one's refused commands.
	rr = e.do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "tok-cara", "")
	want(t, rr, sOK, "")
	kinds = nil
	for _, ev := range decodeJSON[struct{ Items []domain.Event }](t, rr).Items {
		kinds = append(kinds, ev.Kind)
	}
	if !slices.Equal(kinds, []domain.EventKind{domain.EventStarted, domain.EventTaskCompleted}) {
		t.Errorf("a creative's timeline kinds = %v, want started and the approval, no refusal", kinds)
	}
}

func TestCampaignTimeline404(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "tok-cara", ""), sNotFound, domain.CodeNotFound)
}

func TestCampaignTimeline503(t *testing.T) {
	e := newEnv(t)
	e.records.fail["Timeline"] = domain.ErrUnavailable
	want(t, e.do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "tok-cara", ""), sUnavail, codeUnavailable)
}

func TestAddTaskRequestErrors(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/campaigns/" + campaignID1 + "/tasks"
	want(t, e.do("POST", path, "tok-paula", `{"title": "x", "owner": "me"}`), sBad, "bad_request")
	want(t, e.do("POST", path, "", addTaskBody), sUnauth, "unauthorized")
	want(t, e.do("POST", path, "tok-paula", `{"description": "`+strings.Repeat("x", maxBody)+`"}`), sTooLarge, "payload_too_large")
	want(t, e.do("POST", "/api/v1/campaigns/nope/tasks", "tok-paula", addTaskBody), sNotFound, domain.CodeNotFound)
	if len(e.temporal.updates) != 0 {
		t.Error("a refused request reached Temporal")
	}
	e.records.fail["Person"] = domain.ErrUnavailable
	want(t, e.do("POST", path, "tok-paula", addTaskBody), sUnavail, codeUnavailable)
	delete(e.records.fail, "Person")
	e.temporal.update = func(string, string, any) (any, error) { return nil, domain.ErrUnavailable }
	want(t, e.do("POST", path, "tok-paula", addTaskBody), sUnavail, codeUnavailable)
}

func TestCampaignTimeline401(t *testing.T) {
	want(t, newEnv(t).do("GET", "/api/v1/campaigns/"+campaignID1+"/timeline", "", ""), sUnauth, "unauthorized")
}

// noPeopleOrMoney asserts what a start shows in the Temporal UI in clear or to
// anyone with the codec (search attributes, summary, details) holds none of the
// handles, amounts and free texts given.
func noPeopleOrMoney(t *testing.T, st StartRequest, forbidden ...string) {
	t.Helper()
	shown := []string{st.Summary, st.Details}
	for _, v := range st.SearchAttributes.GetUntypedValues() {
		shown = append(shown, fmt.Sprint(v))
	}
	for _, f := range forbidden {
		for _, s := range shown {
			if f != "" && strings.Contains(s, f) {
				t.Errorf("the Temporal UI would show %q in %q", f, s)
			}
		}
	}
}
