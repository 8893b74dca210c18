package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

const (
	runID1 = "tpr_aaaaaaaaaaaa"
	// validRun starts the webinar with every field filled; paula is a project
	// manager, as the host field asks.
	validRun = `{"template": "webinar", "intake": {"title": "Spring webinar", "event_date": "2030-03-01T15:00:00Z",
		"host": "paula", "audience": ["customers", "partners"], "expected_registrations": 300, "recorded": true}}`
)

// runEnv is a server whose records hold the webinar template, version 1.
func runEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	withTemplate(t)(e, "")
	return e
}

// intakeWith returns validRun with one intake field replaced (raw JSON value)
// or, with value "", removed.
func intakeWith(t *testing.T, field, value string) string {
	t.Helper()
	var body struct {
		Template string                     `json:"template"`
		Intake   map[string]json.RawMessage `json:"intake"`
	}
	if err := json.Unmarshal([]byte(validRun), &body); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(body.Intake, field)
	} else {
		body.Intake[field] = json.RawMessage(value)
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartTemplateRun201(t *testing.T) {
	e := runEnv(t)
	rr := e.do("POST", "/api/v1/template-runs", "tok-cara", validRun)
	want(t, rr, sCreated, "")
	got := decodeJSON[templateRunBody](t, rr)
	if !domain.HasPrefixID(got.ID, domain.PrefixTemplateRun) || rr.Header().Get("Location") != "/api/v1/template-runs/"+got.ID {
		t.Fatalf("id %q, Location %q", got.ID, rr.Header().Get("Location"))
	}
	if got.WorkflowID != "template/"+got.ID || got.TemplateKey != "webinar" || got.TemplateVersion != 1 || got.TemplateName != "Webinar" ||
		got.Title != "Spring webinar" || got.Status != domain.StatusActive || got.Stage != domain.StageTriage ||
		got.RequestedBy != "cara" || !got.CreatedAt.Equal(testNow) || got.Intake["host"] != "paula" || got.Live {
		t.Errorf("run = %+v", got.TemplateRun)
	}
	if len(got.Template.Stages) != 4 || got.Template.Stages[0].Key != "plan" || len(got.Template.Intake) != 6 || got.Template.Board.Title != "title" {
		t.Errorf("template = %+v", got.Template)
	}

	if len(e.temporal.starts) != 1 {
		t.Fatalf("starts = %d, want 1", len(e.temporal.starts))
	}
	st := e.temporal.starts[0]
	in, ok := st.Input.(contract.TemplateRunInput)
	if !ok {
		t.Fatalf("input is %T", st.Input)
	}
	if st.WorkflowID != contract.TemplateRunWorkflowID(got.ID) || st.WorkflowType != contract.TemplateRunType ||
		st.Summary != "Webinar: Spring webinar" || !strings.Contains(st.Details, "Plan → Promote → Run → Follow-up") {
		t.Errorf("start = %+v", st)
	}
	// The run captures the template and the policy: what it follows whatever
	// is published or changed later.
	captured, err := templates.Decode(in.Template)
	if err != nil || captured.Key != "webinar" || captured.Version != 1 {
		t.Errorf("captured template %s v%d: %v", captured.Key, captured.Version, err)
	}
	if in.ID != got.ID || in.RequestedBy != "cara" || in.Intake["title"] != "Spring webinar" ||
		in.Policy.Templates.TriageSLA != domain.DefaultPolicy().Templates.TriageSLA {
		t.Errorf("input = %+v", in)
	}
	attrs := map[string]any{}
	for k, v := range st.SearchAttributes.GetUntypedValues() {
		attrs[k.GetName()] = v
	}
	for key, want := range map[string]string{"TandemProcess": "template", "TandemTemplate": "webinar", "TandemStage": "triage", "TandemStatus": "active"} {
		if attrs[key] != want {
			t.Errorf("search attribute %s = %v, want %s", key, attrs[key], want)
		}
	}
	noPeopleOrMoney(t, st, "cara", "paula", "300", "partners", "2030-03-01")
}

// The answer is the run's live detail once it has opened triage.
func TestStartTemplateRun201Live(t *testing.T) {
	e := runEnv(t)
	e.temporal.query = func(wid, _ string) (any, error) {
		id := strings.TrimPrefix(wid, "template/")
		return contract.TemplateRunDetail{
			TemplateRun: domain.TemplateRun{ID: id, WorkflowID: wid, TemplateKey: "webinar", TemplateVersion: 1, Status: domain.StatusActive, Stage: domain.StageTriage},
			Tasks: []domain.Task{{ID: "tsk_tttttttttttt", Process: domain.ProcessTemplate, ProcessID: id, Kind: domain.KindApproval,
				Title: "Triage the Webinar request", Role: domain.RoleMarketingOpsManager, Status: domain.TaskOpen, DueAt: testNow.Add(48 * time.Hour)}},
		}, nil
	}
	rr := e.do("POST", "/api/v1/template-runs", "tok-cara", validRun)
	want(t, rr, sCreated, "")
	if got := decodeJSON[templateRunBody](t, rr); !got.Live || len(got.Tasks) != 1 || got.Tasks[0].Process != domain.ProcessTemplate {
		t.Errorf("detail = %+v", got)
	}
}

// Every problem of an intake is named at its path, and nothing starts.
func TestStartTemplateRun422(t *testing.T) {
	e := runEnv(t)
	for name, tc := range map[string]struct{ body, field string }{
		"no title":            {intakeWith(t, "title", ""), "intake.title"},
		"title too long":      {intakeWith(t, "title", `"`+strings.Repeat("x", 121)+`"`), "intake.title"},
		"date past":           {intakeWith(t, "event_date", `"2029-01-01T00:00:00Z"`), "intake.event_date"},
		"date unreadable":     {intakeWith(t, "event_date", `"next week"`), "intake.event_date"},
		"host unknown":        {intakeWith(t, "host", `"nobody"`), "intake.host"},
		"host without role":   {intakeWith(t, "host", `"wes"`), "intake.host"},
		"audience not choice": {intakeWith(t, "audience", `["investors"]`), "intake.audience[0]"},
		"below min":           {intakeWith(t, "expected_registrations", `0`), "intake.expected_registrations"},
		"wrong type":          {intakeWith(t, "recorded", `"yes"`), "intake.recorded"},
		"unknown field":       {intakeWith(t, "colour", `"red"`), "intake.colour"},
		"no intake":           {`{"template": "webinar"}`, "intake.title"},
		"template no key":     {`{"template": "Not a key!", "intake": {}}`, "template"},
	} {
		t.Run(name, func(t *testing.T) {
			body := want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", tc.body), sInvalid, domain.CodeInvalid)
			if !slices.ContainsFunc(body.Details, func(p domain.FieldProblem) bool { return p.Field == tc.field }) {
				t.Errorf("details %+v lack %s", body.Details, tc.field)
			}
		})
	}
	// Several problems are answered at once.
	var both map[string]any
	if err := json.Unmarshal([]byte(intakeWith(t, "host", `"nobody"`)), &both); err != nil {
		t.Fatal(err)
	}
	delete(both["intake"].(map[string]any), "title")
	b, _ := json.Marshal(both)
	body := want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", string(b)), sInvalid, domain.CodeInvalid)
	if len(body.Details) != 2 {
		t.Errorf("details = %+v, want title and host", body.Details)
	}
	if len(e.temporal.starts) != 0 {
		t.Errorf("%d starts after refusals, want none", len(e.temporal.starts))
	}
}

func TestStartTemplateRunRefusals(t *testing.T) {
	e := runEnv(t)
	want(t, e.do("POST", "/api/v1/template-runs", "", validRun), sUnauth, "unauthorized")
	want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", `{"template": `), sBad, "bad_request")
	want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", `{"template": "webinar", "intake": {}, "x": 1}`), sBad, "bad_request")
	want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", strings.Replace(validRun, `"webinar"`, `"gala"`, 1)), sNotFound, domain.CodeNotFound)
	if _, err := e.records.RetireTemplate(context.Background(), "webinar", "mo", testNow); err != nil {
		t.Fatal(err)
	}
	want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", validRun), sConflict, domain.CodeConflict)
	if len(e.temporal.starts) != 0 {
		t.Errorf("%d starts after refusals, want none", len(e.temporal.starts))
	}
}

// The same Idempotency-Key and body start the same run; another body is a conflict.
func TestStartTemplateRunIdempotency(t *testing.T) {
	e := runEnv(t)
	first := decodeJSON[templateRunBody](t, e.do("POST", "/api/v1/template-runs", "tok-cara", validRun, idem("k")...))
	rr := e.do("POST", "/api/v1/template-runs", "tok-cara", validRun, idem("k")...)
	want(t, rr, sCreated, "")
	if got := decodeJSON[templateRunBody](t, rr); got.ID != first.ID || rr.Header().Get(replayedHeader) != "true" {
		t.Errorf("replay answered %s (replayed %q), want %s", got.ID, rr.Header().Get(replayedHeader), first.ID)
	}
	if len(e.temporal.starts) != 2 || e.temporal.starts[1].WorkflowID != e.temporal.starts[0].WorkflowID {
		t.Errorf("starts = %+v, want the same workflow twice", e.temporal.starts)
	}
	want(t, e.do("POST", "/api/v1/template-runs", "tok-cara", intakeWith(t, "title", `"Autumn"`), idem("k")...), sConflict, domain.CodeConflict)
}

func withRuns(e *env) {
	for i, r := range []domain.TemplateRun{
		{ID: "tpr_aaaaaaaaaaaa", TemplateKey: "webinar", Title: "Spring webinar", Status: domain.StatusActive, RequestedBy: "cara"},
		{ID: "tpr_bbbbbbbbbbbb", TemplateKey: "webinar", Title: "Autumn webinar", Status: domain.StatusCompleted, RequestedBy: "paula"},
		{ID: "tpr_cccccccccccc", TemplateKey: "trade-show", Title: "Expo Lyon", Status: domain.StatusActive, RequestedBy: "cara"},
	} {
		r.WorkflowID, r.TemplateVersion, r.TemplateName, r.Stage = contract.TemplateRunWorkflowID(r.ID), 1, "Webinar", "plan"
		r.CreatedAt = testNow.Add(time.Duration(i) * time.Hour)
		r.UpdatedAt = r.CreatedAt
		e.records.templateRuns().runs[r.ID] = r
	}
}

func TestListTemplateRuns(t *testing.T) {
	e := runEnv(t)
	withRuns(e)
	ids := func(path string) []string {
		t.Helper()
		rr := e.do("GET", path, "tok-wes", "")
		want(t, rr, sOK, "")
		var out []string
		for _, r := range decodeJSON[domain.Page[domain.TemplateRun]](t, rr).Items {
			out = append(out, r.ID)
		}
		return out
	}
	for path, wantIDs := range map[string][]string{
		"/api/v1/template-runs":                             {"tpr_cccccccccccc", "tpr_bbbbbbbbbbbb", "tpr_aaaaaaaaaaaa"},
		"/api/v1/template-runs?order=oldest":                {"tpr_aaaaaaaaaaaa", "tpr_bbbbbbbbbbbb", "tpr_cccccccccccc"},
		"/api/v1/template-runs?template=webinar":            {"tpr_bbbbbbbbbbbb", "tpr_aaaaaaaaaaaa"},
		"/api/v1/template-runs?status=active":               {"tpr_cccccccccccc", "tpr_aaaaaaaaaaaa"},
		"/api/v1/template-runs?requested_by=paula":          {"tpr_bbbbbbbbbbbb"},
		"/api/v1/template-runs?q=expo":                      {"tpr_cccccccccccc"},
		"/api/v1/template-runs?template=webinar&limit=1":    {"tpr_bbbbbbbbbbbb"},
		"/api/v1/template-runs?template=gala&status=active": nil,
	} {
		if got := ids(path); !slices.Equal(got, wantIDs) {
			t.Errorf("%s = %v, want %v", path, got, wantIDs)
		}
	}
	// me is the caller.
	e.do("GET", "/api/v1/template-runs?requested_by=me", "tok-cara", "")
	if f := e.records.templateRuns().last; f.RequestedBy != "cara" || !f.Newest {
		t.Errorf("filter = %+v", f)
	}
	for _, q := range []string{"status=paused", "order=sideways", "template=Not%20a%20key", "q=" + strings.Repeat("x", domain.MaxNameQuery+1), "limit=0"} {
		want(t, e.do("GET", "/api/v1/template-runs?"+q, "tok-cara", ""), sInvalid, domain.CodeInvalid)
	}
	want(t, e.do("GET", "/api/v1/template-runs", "", ""), sUnauth, "unauthorized")
	e.records.fail = map[string]error{"TemplateRuns": domain.ErrUnavailable}
	want(t, e.do("GET", "/api/v1/template-runs", "tok-cara", ""), sUnavail, domain.CodeUnavailable)
}

func TestGetTemplateRunLive(t *testing.T) {
	e := runEnv(t)
	e.temporal.query = func(wid, name string) (any, error) {
		if wid != "template/"+runID1 || name != contract.QueryDetail {
			return nil, fmt.Errorf("unexpected query %s %s", wid, name)
		}
		return contract.TemplateRunDetail{
			TemplateRun: domain.TemplateRun{ID: runID1, WorkflowID: wid, TemplateKey: "webinar", TemplateVersion: 1, Status: domain.StatusActive, Stage: "promote", Round: 1},
			Tasks:       []domain.Task{{ID: "tsk_tttttttttttt", Process: domain.ProcessTemplate, ProcessID: runID1, Title: "Registration page", Team: domain.TeamWeb, Status: domain.TaskOpen}},
			WaitingOn:   []domain.WaitingOn{{TaskID: "tsk_tttttttttttt", Title: "Registration page", Team: domain.TeamWeb, Since: testNow}},
		}, nil
	}
	rr := e.do("GET", "/api/v1/template-runs/"+runID1, "tok-wes", "")
	want(t, rr, sOK, "")
	got := decodeJSON[templateRunBody](t, rr)
	if !got.Live || got.Stage != "promote" || len(got.Tasks) != 1 || len(got.WaitingOn) != 1 || len(got.Template.Stages) != 4 || got.Intake == nil {
		t.Errorf("detail = %+v", got)
	}
	if !strings.HasSuffix(got.TemporalUIURL, "/workflows/template%2F"+runID1) {
		t.Errorf("temporal_ui_url = %q", got.TemporalUIURL)
	}
}

func TestGetTemplateRunFromRecords(t *testing.T) {
	e := runEnv(t)
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	withRuns(e)
	e.records.tasks["tsk_tttttttttttt"] = domain.Task{ID: "tsk_tttttttttttt", Process: domain.ProcessTemplate, ProcessID: runID1, Team: domain.TeamWeb, Status: domain.TaskOpen}
	e.records.tasks["tsk_uuuuuuuuuuuu"] = domain.Task{ID: "tsk_uuuuuuuuuuuu", Process: domain.ProcessTemplate, ProcessID: "tpr_bbbbbbbbbbbb", Status: domain.TaskOpen}
	rr := e.do("GET", "/api/v1/template-runs/"+runID1, "tok-wes", "")
	want(t, rr, sOK, "")
	got := decodeJSON[templateRunBody](t, rr)
	if got.Live || got.LiveUnavailable == "" || got.Title != "Spring webinar" || len(got.Tasks) != 1 || len(got.WaitingOn) != 1 || got.Template.Key != "webinar" {
		t.Errorf("detail = %+v", got)
	}
	// Neither the workflow nor the records: unavailable, as the run may exist.
	want(t, e.do("GET", "/api/v1/template-runs/tpr_zzzzzzzzzzzz", "tok-wes", ""), sUnavail, domain.CodeUnavailable)
	e.temporal.query = nil // Temporal answers not found
	want(t, e.do("GET", "/api/v1/template-runs/tpr_zzzzzzzzzzzz", "tok-wes", ""), sNotFound, domain.CodeNotFound)
	want(t, e.do("GET", "/api/v1/template-runs/cmp_aaaaaaaaaaaa", "tok-wes", ""), sNotFound, domain.CodeNotFound)
}

func TestTemplateRunTimeline(t *testing.T) {
	e := runEnv(t)
	withRuns(e)
	want(t, e.do("GET", "/api/v1/template-runs/tpr_zzzzzzzzzzzz/timeline", "tok-wes", ""), sNotFound, domain.CodeNotFound)
	e.records.events["template/"+runID1] = []domain.Event{{Key: "k", Process: domain.ProcessTemplate, ProcessID: runID1, Kind: domain.EventStarted, Message: "cara started Webinar", At: testNow}}
	rr := e.do("GET", "/api/v1/template-runs/"+runID1+"/timeline", "tok-wes", "")
	want(t, rr, sOK, "")
	if !strings.Contains(rr.Body.String(), "cara started Webinar") {
		t.Errorf("timeline = %s", rr.Body)
	}
}

// Cancelling is the workflow's to allow: the fake applies the rule its
// validator does (domain.CheckCancelTemplateRun) to the actor the API sends,
// so the caller is who is judged.
func TestCancelTemplateRun(t *testing.T) {
	e := runEnv(t)
	withRuns(e)
	rec := e.records.templateRuns().runs[runID1] // asked for by cara
	e.temporal.update = func(wid, name string, in any) (any, error) {
		if wid != "template/"+runID1 || name != contract.UpdateCancel {
			return nil, fmt.Errorf("unexpected update %s %s", wid, name)
		}
		c := in.(contract.CancelInput)
		if err := domain.CheckCancelTemplateRun(rec, c.Actor); err != nil {
			return nil, err
		}
		r := rec
		r.Status, r.Reason = domain.StatusCancelled, c.Reason
		return contract.TemplateRunDetail{TemplateRun: r}, nil
	}
	path := "/api/v1/template-runs/" + runID1 + "/cancel"
	want(t, e.do("POST", path, "tok-cara", `{"reason": " "}`), sInvalid, domain.CodeInvalid)
	want(t, e.do("POST", path, "tok-wes", `{"reason": "not mine"}`), sForbid, domain.CodeForbidden)
	rr := e.do("POST", path, "tok-cara", `{"reason": "the speaker left"}`)
	want(t, rr, sOK, "")
	got := decodeJSON[templateRunBody](t, rr)
	if got.Status != domain.StatusCancelled || got.Reason != "the speaker left" || !got.Live || got.Template.Key != "webinar" {
		t.Errorf("detail = %+v", got)
	}
	if n := len(e.temporal.updates); n != 2 {
		t.Fatalf("%d updates, want the refused one and the cancel", n)
	}
	if in := e.temporal.updates[1].Input.(contract.CancelInput); in.Actor.Handle != "cara" || in.Reason != "the speaker left" || in.Audit.Actor != "cara" {
		t.Errorf("cancel input = %+v", in)
	}
	want(t, e.do("POST", "/api/v1/template-runs/tpr_zzz/cancel", "tok-cara", `{"reason": "x"}`), sNotFound, domain.CodeNotFound)
}

// Recording a run's KPI actuals is a command on its workflow, with the body
// of a campaign's: the actuals checked against the caps before it is sent,
// who asked and the audit stamp in its input, the run's KPIs (targets,
// actuals) in the answer; who may is the validator's.
func TestRecordTemplateRunKPIs(t *testing.T) {
	e := runEnv(t)
	withRuns(e)
	rec := e.records.templateRuns().runs[runID1] // asked for by cara
	e.temporal.update = func(wid, name string, in any) (any, error) {
		if wid != "template/"+runID1 || name != contract.UpdateRecordKPIs {
			return nil, fmt.Errorf("unexpected update %s %s", wid, name)
		}
		k := in.(contract.RecordKPIsInput)
		if err := domain.CheckRecordTemplateKPIs(rec, k.Actor); err != nil {
			return nil, err
		}
		r := rec
		v, at := k.Actuals[0].Value, k.Actuals[0].RecordedAt
		r.Stage = domain.StageTracking
		r.KPIs = []domain.TemplateKPI{{Key: "registrations", Name: "Registrations", Direction: domain.Higher, Target: 300,
			TrackedFrom: r.CreatedAt, TrackedUntil: r.CreatedAt.Add(56 * 24 * time.Hour), Actual: &v, RecordedAt: &at, RecordedBy: k.Actor.Handle}}
		return contract.TemplateRunDetail{TemplateRun: r}, nil
	}
	path := "/api/v1/template-runs/" + runID1 + "/kpis"
	want(t, e.do("POST", path, "tok-cara", `{"actuals": []}`), sInvalid, domain.CodeInvalid)
	want(t, e.do("POST", path, "tok-cara", `{"actuals": [{"name": "registrations"}]}`), sInvalid, domain.CodeInvalid)
	want(t, e.do("POST", path, "tok-wes", `{"actuals": [{"name": "registrations", "value": 1}]}`), sForbid, domain.CodeForbidden)
	rr := e.do("POST", path, "tok-cara", `{"actuals": [{"name": "registrations", "value": 310}]}`)
	want(t, rr, sOK, "")
	got := decodeJSON[templateRunBody](t, rr)
	if len(got.KPIs) != 1 || got.KPIs[0].Actual == nil || *got.KPIs[0].Actual != 310 || got.KPIs[0].Target != 300 || !got.Live {
		t.Errorf("detail = %+v", got)
	}
	if n := len(e.temporal.updates); n != 2 {
		t.Fatalf("%d updates, want the refused one and the recording", n)
	}
	if in := e.temporal.updates[1].Input.(contract.RecordKPIsInput); in.Actor.Handle != "cara" || in.Audit == nil || in.Audit.Actor != "cara" ||
		len(in.Actuals) != 1 || in.Actuals[0].Name != "registrations" {
		t.Errorf("input = %+v", in)
	}
	want(t, e.do("POST", "/api/v1/template-runs/tpr_zzz/kpis", "tok-cara", `{"actuals": [{"name": "x", "value": 1}]}`), sNotFound, domain.CodeNotFound)
}

// Tasks of template runs are listed by their process.
func TestListTasksOfTemplateRuns(t *testing.T) {
	e := runEnv(t)
	e.records.tasks["tsk_tttttttttttt"] = domain.Task{ID: "tsk_tttttttttttt", Process: domain.ProcessTemplate, ProcessID: runID1, Team: domain.TeamWeb, Status: domain.TaskOpen}
	rr := e.do("GET", "/api/v1/tasks?process=template", "tok-wes", "")
	want(t, rr, sOK, "")
	if e.records.lastTasks.Process != domain.ProcessTemplate || !strings.Contains(rr.Body.String(), "tsk_tttttttttttt") {
		t.Errorf("filter %+v answered %s", e.records.lastTasks, rr.Body)
	}
}

// liveRun is the workflow's detail of run runID1, of the webinar.
func liveRun() contract.TemplateRunDetail {
	return contract.TemplateRunDetail{TemplateRun: domain.TemplateRun{ID: runID1, WorkflowID: contract.TemplateRunWorkflowID(runID1),
		TemplateKey: "webinar", TemplateVersion: 1, Status: domain.StatusCancelled, Stage: "plan", RequestedBy: "paula"}}
}
