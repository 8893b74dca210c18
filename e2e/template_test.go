package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/workflows"
)

// Template runs on a real Temporal and the real worker and records, started
// and answered through the Temporal client as the API will (the API's routes
// for templates come separately). With -save-history=TAG they save the
// histories the replay test guards the generic workflow with:
//
//	go test ./e2e -run TemplateRunOverTemporal -count=1 -save-history=TAG

// templateRun starts a run of the example template name, as change makes it,
// with intake, then answers each task that opens with answer (by the people
// of the demo directory its assignee, role or team names) until the run ends,
// or until its record is in stage stopAt when that is given; it returns the
// run's ID and its result (none when it stopped at stopAt).
func templateRun(t *testing.T, s *stack, name string, change func(*templates.Template), intake map[string]any, stopAt domain.Stage,
	answer func(domain.Task, int) (domain.Outcome, string, map[string]any)) (string, contract.TemplateRunResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	doc, err := os.ReadFile("../examples/templates/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	change(&tmpl)
	if err := tmpl.CheckIntake(intake, time.Now()); err != nil {
		t.Fatalf("intake: %v", err)
	}
	raw, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	id := domain.NewID(domain.PrefixTemplateRun)
	wid := contract.TemplateRunWorkflowID(id)
	in := contract.TemplateRunInput{ID: id, Template: raw, Intake: intake, RequestedBy: "pat", Policy: domain.DefaultPolicy()}
	run, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wid, TaskQueue: contract.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet(string(domain.ProcessTemplate))),
	}, contract.TemplateRunType, in)
	if err != nil {
		t.Fatal(err)
	}
	people, err := store.DemoPeople(ctx, s.records)
	if err != nil {
		t.Fatal(err)
	}
	actor := func(tk domain.Task) domain.Actor {
		for _, p := range people {
			if tk.Assignee != "" && p.Handle == tk.Assignee ||
				tk.Assignee == "" && tk.Role != "" && p.HasRole(tk.Role) && p.Handle != "pat" ||
				tk.Assignee == "" && tk.Role == "" && p.Team == tk.Team {
				return domain.ActorOf(p)
			}
		}
		t.Fatalf("nobody to answer %+v", tk)
		return domain.Actor{}
	}
	answered := map[string]int{} // by task key
	done := map[string]bool{}
	for ended := false; !ended; {
		page, err := s.records.Tasks(ctx, domain.TaskFilter{Process: domain.ProcessTemplate, ProcessID: id, Status: domain.TaskOpen})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Items {
			if done[tk.ID] {
				continue
			}
			done[tk.ID] = true
			outcome, comment, data := answer(tk, answered[tk.Key])
			answered[tk.Key]++
			u := contract.CompleteTaskInput{TaskID: tk.ID, Actor: actor(tk), Completion: domain.Completion{Outcome: outcome, Comment: comment, Data: data}}
			uid := fmt.Sprintf("e2e-%s-%d", tk.ID, answered[tk.Key])
			u.Bind(uid, time.Now(), domain.AuditEntry{Actor: u.Actor.Handle, Action: "POST /api/v1/tasks/:id/complete", Object: tk.ID,
				Outcome: domain.AuditAllowed, Status: 200, RequestID: uid})
			h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID: wid, UpdateID: uid, UpdateName: contract.UpdateCompleteTask, Args: []any{u},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			if err == nil {
				err = h.Get(ctx, nil)
			}
			if err != nil {
				t.Fatalf("complete %s: %v", tk.Key, err)
			}
		}
		desc, err := s.temporal.DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			t.Fatal(err)
		}
		ended = desc.GetWorkflowExecutionInfo().GetCloseTime() != nil
		if rec, err := s.records.TemplateRun(ctx, id); stopAt != "" && err == nil && rec.Stage == stopAt {
			return id, contract.TemplateRunResult{}
		}
		time.Sleep(100 * time.Millisecond)
	}
	var res contract.TemplateRunResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	return id, res
}

// everyone does their part, with the least the forms take.
func everyone(tk domain.Task, _ int) (domain.Outcome, string, map[string]any) {
	outcome := domain.OutcomeDone
	if tk.Kind == domain.KindApproval {
		outcome = domain.OutcomeApproved
	}
	data := map[string]any{}
	if tk.Form != nil {
		for _, f := range tk.Form.Fields {
			switch {
			case !f.Required:
			case f.Type == domain.FieldNumber:
				data[f.Name] = 1.0
			default:
				data[f.Name] = "x"
			}
		}
	}
	return outcome, "", data
}

// asIs runs an example template as it is.
func asIs(*templates.Template) {}

func webinarIntakeE2E() map[string]any {
	return map[string]any{
		"title": "Spring webinar", "event_date": time.Now().Add(40 * 24 * time.Hour).UTC().Format(time.RFC3339), "host": "sam",
		"audience": []any{"customers", "partners"}, "expected_registrations": 300.0, "recorded": true,
	}
}

// The webinar with every condition true and one loop: the agenda review asks
// for changes once, the plan stage runs again, and the run completes. Its
// KPI is left out, so the run ends after its last stage rather than tracking
// registrations for eight weeks (TestTemplateRunOverTemporalWebinarTracksItsKPI).
func TestTemplateRunOverTemporalWebinar(t *testing.T) {
	s := start(t, seconds())
	id, res := templateRun(t, s, "webinar", func(tm *templates.Template) { tm.KPIs = nil }, webinarIntakeE2E(), "", func(tk domain.Task, n int) (domain.Outcome, string, map[string]any) {
		if tk.Key == "agenda_review" && n == 0 {
			return domain.OutcomeChangesRequested, "Add a customer speaker", nil
		}
		return everyone(tk, n)
	})
	if res.Status != domain.StatusCompleted {
		t.Fatalf("status %s, want completed", res.Status)
	}
	ctx := context.Background()
	rec, err := s.records.TemplateRun(ctx, id)
	if err != nil || rec.Status != domain.StatusCompleted || rec.Round != 2 || rec.Title != "Spring webinar" || rec.TemplateKey != "webinar" {
		t.Errorf("record %+v, %v", rec, err)
	}
	tasks, err := s.records.Tasks(ctx, domain.TaskFilter{Process: domain.ProcessTemplate, ProcessID: id, ListOptions: domain.ListOptions{Limit: 100}})
	if err != nil || len(tasks.Items) != 12 { // triage, agenda and its review twice, 3 + 2 + 2 more
		t.Errorf("tasks %d, %v; want 12", len(tasks.Items), err)
	}
	s.saveHistory(ctx, contract.TemplateRunWorkflowID(id), "template-webinar")
}

// The trade show above the budget threshold, which the director rejects: the
// run ends as rejected.
func TestTemplateRunOverTemporalTradeShowRejected(t *testing.T) {
	s := start(t, seconds())
	intake := map[string]any{
		"show": "Expo Lyon", "opens_on": time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339), "budget": 30000.0,
		"owner": "sam", "leads_target": 200.0, "booth_team": "marketing-ops",
	}
	id, res := templateRun(t, s, "trade-show", asIs, intake, "", func(tk domain.Task, n int) (domain.Outcome, string, map[string]any) {
		if tk.Key == "director_approval" {
			return domain.OutcomeRejected, "Not this year", nil
		}
		return everyone(tk, n)
	})
	if res.Status != domain.StatusRejected {
		t.Fatalf("status %s, want rejected", res.Status)
	}
	ctx := context.Background()
	if rec, err := s.records.TemplateRun(ctx, id); err != nil || rec.Status != domain.StatusRejected || rec.Reason != "Not this year" || rec.Stage != "budget" {
		t.Errorf("record %+v, %v", rec, err)
	}
	s.saveHistory(ctx, contract.TemplateRunWorkflowID(id), "template-trade-show-rejected")
}

// The webinar as it is, KPI included: after its last stage the run tracks
// registrations (stage tracking, a timer to the window's end), who asked for
// it records them twice, the latest replacing the first, then cancels it (the
// window is eight weeks).
func TestTemplateRunOverTemporalWebinarTracksItsKPI(t *testing.T) {
	s := start(t, seconds())
	id, _ := templateRun(t, s, "webinar", asIs, webinarIntakeE2E(), domain.StageTracking, everyone)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wid := contract.TemplateRunWorkflowID(id)
	send := func(uid, name string, in interface {
		Bind(string, time.Time, domain.AuditEntry)
	}, out any) {
		t.Helper()
		in.Bind(uid, time.Now(), domain.AuditEntry{Actor: "pat", Action: "POST /api/v1/template-runs/:id/" + name, Object: id,
			Outcome: domain.AuditAllowed, Status: 200, RequestID: uid})
		h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wid, UpdateID: uid, UpdateName: name, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, out)
		}
		if err != nil {
			t.Fatalf("%s: %v", uid, err)
		}
	}
	pat := domain.Actor{Handle: "pat", Roles: []domain.Role{domain.RoleProjectManager}}
	var d contract.TemplateRunDetail
	for i, v := range []float64{120, 180} {
		in := &contract.RecordKPIsInput{Actor: pat, Actuals: []domain.KPIActual{{Name: "registrations", Value: v}}}
		send(fmt.Sprintf("e2e-kpis-%s-%d", id, i), contract.UpdateRecordKPIs, in, &d)
	}
	if d.Stage != domain.StageTracking || len(d.KPIs) != 1 || d.KPIs[0].Actual == nil || *d.KPIs[0].Actual != 180 || d.KPIs[0].Target != 300 || d.KPIs[0].Result != "" {
		t.Fatalf("detail: stage %s, KPIs %+v", d.Stage, d.KPIs)
	}
	send("e2e-cancel-"+id, contract.UpdateCancel, &contract.CancelInput{Actor: pat, Reason: "the event moved"}, &d)
	var res contract.TemplateRunResult
	if err := s.temporal.GetWorkflow(ctx, wid, "").Get(ctx, &res); err != nil || res.Status != domain.StatusCancelled {
		t.Fatalf("the run ended %s, %v; want cancelled", res.Status, err)
	}
	if rec, err := s.records.TemplateRun(ctx, id); err != nil || len(rec.KPIs) != 1 || rec.KPIs[0].Actual == nil || *rec.KPIs[0].Actual != 180 {
		t.Errorf("record %+v, %v", rec, err)
	}
	s.saveHistory(ctx, wid, "template-webinar-tracking")
}
