package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

// templateRunAnswer is what the API answers of a template run.
type templateRunAnswer struct {
	ID       string               `json:"id"`
	Status   domain.Status        `json:"status"`
	Stage    string               `json:"stage"`
	Live     bool                 `json:"live"`
	Tasks    []domain.Task        `json:"tasks"`
	KPIs     []domain.TemplateKPI `json:"kpis"`
	Template struct {
		Key    string `json:"key"`
		Stages []struct {
			Key string `json:"key"`
		} `json:"stages"`
	} `json:"template"`
}

// The webinar through the API only, as the README's walkthrough runs it:
// marketing ops publishes the template, a PM starts a run, each task is
// completed by someone it is for, and the run tracks its KPI (eight weeks: it
// does not complete within a test); its requester records the KPI's actual;
// Temporal lists it by its search attributes, and its details in the UI name
// no person and no value of the intake.
func TestTemplateRunOverHTTPWebinar(t *testing.T) {
	s := start(t, seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	doc, err := os.ReadFile("../examples/templates/webinar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v1/templates", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.tokens["maya"])
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("apply the webinar as maya: %d", resp.StatusCode)
	}

	event := time.Now().Add(40 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	intake := map[string]any{
		"title": "Spring webinar", "event_date": event, "host": "sam",
		"audience": []string{"customers", "partners"}, "expected_registrations": 321, "recorded": true,
	}
	var run templateRunAnswer
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/template-runs", map[string]any{"template": "webinar", "intake": intake}, &run)
	if run.Template.Key != "webinar" || len(run.Template.Stages) != 4 || run.Status != domain.StatusActive {
		t.Fatalf("started %+v", run)
	}
	path := "/api/v1/template-runs/" + run.ID
	// Someone neither asking for it nor marketing ops may not cancel it.
	s.must(http.StatusForbidden, "wes", http.MethodPost, path+"/cancel", map[string]any{"reason": "not mine"}, nil)

	people, err := store.DemoPeople(ctx, s.records)
	if err != nil {
		t.Fatal(err)
	}
	// who is someone the task is for: its assignee, a holder of its role
	// other than who asked for the run (separation of duties), or a member
	// of its team.
	who := func(tk domain.Task) string {
		for _, p := range people {
			if tk.Assignee != "" && p.Handle == tk.Assignee ||
				tk.Assignee == "" && tk.Role != "" && p.HasRole(tk.Role) && p.Handle != "pat" ||
				tk.Assignee == "" && tk.Role == "" && p.Team == tk.Team {
				return p.Handle
			}
		}
		t.Fatalf("nobody to answer %+v", tk)
		return ""
	}
	done := map[string]bool{}
	var keys []string
	for deadline := time.Now().Add(2 * time.Minute); run.Stage != string(domain.StageTracking); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the run is %s in %s after %v", run.Status, run.Stage, keys)
		}
		s.must(http.StatusOK, "pat", http.MethodGet, path, nil, &run)
		for _, tk := range run.Tasks {
			if !tk.IsOpen() || done[tk.ID] {
				continue
			}
			answer := map[string]any{"outcome": domain.OutcomeDone}
			if tk.Kind == domain.KindApproval {
				answer["outcome"] = domain.OutcomeApproved
			}
			data := map[string]any{}
			if tk.Form != nil {
				for _, f := range tk.Form.Fields {
					switch {
					case !f.Required:
					case f.Type == domain.FieldNumber:
						data[f.Name] = 42
					default:
						data[f.Name] = "Ada and Sam"
					}
				}
			}
			if len(data) > 0 {
				answer["data"] = data
			}
			// A task opened a moment ago may not be in the records yet: 404
			// until it is, then it is answered.
			switch st := s.call(who(tk), http.MethodPost, "/api/v1/tasks/"+tk.ID+"/complete", answer, nil); st {
			case http.StatusOK:
				done[tk.ID] = true
				keys = append(keys, tk.Key)
			case http.StatusNotFound:
			default:
				t.Fatalf("complete %s as %s: %d", tk.Key, who(tk), st)
			}
		}
	}
	for _, k := range []string{"intake:triage", "agenda", "agenda_review", "landing_page", "invitations", "partner_mailing", "rehearsal", "recording", "follow_up_mail", "results"} {
		if !slices.Contains(keys, k) {
			t.Errorf("task %s was never answered: %v", k, keys)
		}
	}

	// Its last stage done, the run tracks its KPI: the requester records it;
	// someone else may not.
	s.must(http.StatusForbidden, "wes", http.MethodPost, path+"/kpis", map[string]any{"actuals": []any{map[string]any{"name": "registrations", "value": 1}}}, nil)
	s.must(http.StatusOK, "pat", http.MethodPost, path+"/kpis", map[string]any{"actuals": []any{map[string]any{"name": "registrations", "value": 340}}}, &run)
	if run.Status != domain.StatusActive || len(run.KPIs) != 1 || run.KPIs[0].Actual == nil || *run.KPIs[0].Actual != 340 || run.KPIs[0].Target != 321 {
		t.Fatalf("after recording: %s in %s, KPIs %+v", run.Status, run.Stage, run.KPIs)
	}

	// Temporal lists the run by its search attributes (visibility lags a moment).
	wid := contract.TemplateRunWorkflowID(run.ID)
	const query = "TandemProcess = 'template' AND TandemTemplate = 'webinar' AND TandemStage = 'tracking' AND TandemStatus = 'active'"
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(resp.Executions, func(e *workflowpb.WorkflowExecutionInfo) bool { return e.GetExecution().GetWorkflowId() == wid }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not list %s", query, wid)
		}
	}

	// The UI's details of the run: the template, stage and teams, never a
	// person (who asked, the host, who answered) or a value of the intake.
	v, err := s.temporal.QueryWorkflow(ctx, wid, "", "__temporal_workflow_metadata")
	if err != nil {
		t.Fatal(err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	details := md.GetCurrentDetails()
	if !strings.Contains(details, "Webinar") {
		t.Errorf("the details do not name the template: %q", details)
	}
	for _, p := range people {
		if regexp.MustCompile(`\b` + p.Handle + `\b`).MatchString(details) {
			t.Errorf("the details name %s: %q", p.Handle, details)
		}
	}
	for _, v := range []string{"321", "partners", "customers", event, event[:10]} {
		if strings.Contains(details, v) {
			t.Errorf("the details hold the intake's %q: %q", v, details)
		}
	}
}
