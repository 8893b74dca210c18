package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tandemhq/tandem/codec"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// farBrief is a campaign that stays in brief review for the whole test.
func farBrief(name string) map[string]any {
	return map[string]any{
		"name": name, "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 48213, "currency": "EUR"},
		"launch_at":       time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.RFC3339),
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
}

// aroundTandem is what anyone who reaches Temporal's frontend has, the Temporal
// CLI for one: a client without Tandem's keys.
func (s *stack) aroundTandem() client.Client {
	s.t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.frontend, Namespace: "default"})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(c.Close)
	return c
}

// assertSealed checks a history as Temporal keeps it: every payload sealed but
// search attributes (Temporal indexes those; they name no person and no money),
// and none of the clear texts anywhere in it, search attributes included (texts
// with a space or a quote, which base64 cannot hold by chance).
func assertSealed(t *testing.T, ctx context.Context, h *historypb.History, clear ...string) {
	t.Helper()
	sealed, open := 0, 0
	var raw strings.Builder
	if err := proxy.VisitPayloads(ctx, h, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			for _, p := range ps {
				if codec.Sealed(p) {
					sealed++
				} else {
					open++
					t.Errorf("a clear payload in the history: %s", p)
				}
				raw.Write(p.GetData())
			}
			return ps, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := protojson.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(b)
	for _, c := range clear {
		if strings.Contains(raw.String(), c) {
			t.Errorf("the history shows %q in clear", c)
		}
	}
	if sealed < 10 || open > 0 {
		t.Errorf("%d sealed and %d clear payloads in %d events", sealed, open, len(h.Events))
	}
}

// updatesAccepted counts the updates a run's history recorded.
func updatesAccepted(h *historypb.History) int {
	n := 0
	for _, e := range h.Events {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			n++
		}
	}
	return n
}

// TestForgedCommandsAreRefusedAndNothingIsRecorded goes around Tandem's API
// straight to Temporal, as anyone who reaches its frontend can: a forged Update
// naming someone not in the directory, a sealed Update copied from another run,
// and a forged risk-changed signal. The workers cannot open any of them, so the
// workflows refuse them: the updates are rejected before history, the signal is
// dropped, and nothing changes in the records.
func TestForgedCommandsAreRefusedAndNothingIsRecorded(t *testing.T) {
	s := start(t, seconds())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var a, b campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", farBrief("Target launch"), &a)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", farBrief("Other launch"), &b)
	reviewA := s.projected(s.waitFor(a.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]
	reviewB := s.projected(s.waitFor(b.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]
	// A legitimate decision on B leaves a sealed complete-task in B's history.
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+reviewB.ID+"/complete", map[string]any{"outcome": "approved", "comment": "Clear goals for review"}, nil)

	var before struct{ Items []domain.Event }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+a.ID+"/timeline", nil, &before)
	widA := contract.CampaignWorkflowID(a.ID)
	raw := s.aroundTandem()

	// 1. A forged Update, as `temporal workflow update execute` would send it,
	// in the name of the very person the task waits on: every check the
	// validator makes of the actor would pass.
	forged := contract.CompleteTaskInput{
		TaskID:     reviewA.ID,
		Actor:      domain.Actor{Handle: "maya", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}},
		Completion: domain.Completion{Outcome: domain.OutcomeApproved},
	}
	h, err := raw.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: widA, UpdateName: contract.UpdateCompleteTask, Args: []any{forged},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil {
		t.Fatal("a forged complete-task was accepted")
	}
	t.Logf("forged update refused: %v", err)

	// 2. A sealed complete-task copied from B's history into an update to A.
	var copied *commonpb.Payloads
	for _, e := range s.history(ctx, contract.CampaignWorkflowID(b.ID)).Events {
		if acc := e.GetWorkflowExecutionUpdateAcceptedEventAttributes(); acc != nil && acc.GetAcceptedRequest().GetInput().GetName() == contract.UpdateCompleteTask {
			copied = acc.GetAcceptedRequest().GetInput().GetArgs()
		}
	}
	if copied == nil || !codec.Sealed(copied.Payloads[0]) {
		t.Fatalf("no sealed complete-task in B's history: %v", copied)
	}
	resp, err := raw.WorkflowService().UpdateWorkflowExecution(ctx, &workflowservice.UpdateWorkflowExecutionRequest{
		Namespace:         "default",
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: widA},
		Request: &updatepb.Request{
			Meta:  &updatepb.Meta{UpdateId: "copied-1", Identity: "attacker"},
			Input: &updatepb.Input{Name: contract.UpdateCompleteTask, Args: copied},
		},
		WaitPolicy: &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED},
	})
	if err != nil || resp.GetOutcome().GetFailure() == nil {
		t.Fatalf("a copied sealed update was not refused: %v, outcome %v", err, resp.GetOutcome())
	}

	// 3. A forged signal linking a critical risk that does not exist.
	if err := raw.SignalWorkflow(ctx, widA, "", contract.SignalRiskChanged,
		domain.LinkedRisk{ID: "rsk_forged000001", Severity: domain.SeverityCritical, Status: domain.RiskOpen, Seq: 99}); err != nil {
		t.Fatal(err)
	}
	// The signal is in the history (Temporal records every signal); wait until
	// the workflow has run a task after it.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		signalled, handled := false, false
		for _, e := range s.history(ctx, widA).Events {
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signalled = true
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				handled = signalled
			}
		}
		if handled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the workflow never ran a task after the forged signal")
		}
	}

	// Nothing happened: the task is open, no update reached A's history, the
	// campaign links no risk, the timeline is as it was.
	var task domain.Task
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/tasks/"+reviewA.ID, nil, &task)
	if task.Status != domain.TaskOpen || task.CompletedBy != "" {
		t.Errorf("the forged completion took effect: %+v", task)
	}
	if n := updatesAccepted(s.history(ctx, widA)); n != 0 {
		t.Errorf("%d updates reached A's history", n)
	}
	detail := s.send("pat", http.MethodGet, "/api/v1/campaigns/"+a.ID, nil)
	if detail.status != http.StatusOK || strings.Contains(string(detail.body), "rsk_forged") {
		t.Errorf("the forged risk is linked: %d %s", detail.status, detail.body)
	}
	var after struct{ Items []domain.Event }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+a.ID+"/timeline", nil, &after)
	if len(after.Items) != len(before.Items) {
		t.Errorf("the timeline grew from %d to %d entries: %+v", len(before.Items), len(after.Items), after.Items)
	}

	// And what Temporal keeps of B is sealed through and through.
	assertSealed(t, ctx, s.history(ctx, contract.CampaignWorkflowID(b.ID)),
		"Clear goals for review", "Grow trial sign-ups", "Small business owners", `"maya"`, `"pat"`, "48213")
}

// TestCodecEndpointDecodesARunForWhoMayReadIt: the payloads of a run, as the
// Temporal UI sends them, open for someone who may read the process and for
// nobody else.
func TestCodecEndpointDecodesARunForWhoMayReadIt(t *testing.T) {
	s := start(t, seconds())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var h struct{ ID string }
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/hiring-requests", hiringBody(80000, time.Now().Add(60*24*time.Hour)), &h)
	s.waitForHiring(h.ID, "the first approval", func(r hiringReq) bool { return len(r.Tasks) > 0 })
	started := s.history(ctx, contract.HiringWorkflowID(h.ID)).Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	body, err := protojson.Marshal(started)
	if err != nil {
		t.Fatal(err)
	}
	// The requester and finance may read a hiring request; creative may not.
	for who, want := range map[string]int{"pat": http.StatusOK, "finn": http.StatusOK, "cleo": http.StatusForbidden, "": http.StatusUnauthorized} {
		a := s.send(who, http.MethodPost, "/api/v1/codec/decode", json.RawMessage(body))
		if a.status != want {
			t.Errorf("%s: status %d, want %d: %s", who, a.status, want, a.body)
			continue
		}
		if want != http.StatusOK {
			if strings.Contains(string(a.body), "Marketing analyst") {
				t.Errorf("%s was refused but shown the input: %s", who, a.body)
			}
			continue
		}
		var out commonpb.Payloads
		if err := protojson.Unmarshal(a.body, &out); err != nil || len(out.Payloads) != 1 {
			t.Fatalf("%s: %v in %s", who, err, a.body)
		}
		if p := out.Payloads[0]; codec.Sealed(p) || !strings.Contains(string(p.Data), `"title":"Marketing analyst"`) {
			t.Errorf("%s: the input did not open: %s", who, p)
		}
	}
}

// TestCopiedUpdateFromTheSameRunIsRefusedOrDeduplicated is the replay the
// codec could not stop: a sealed record-kpis copied from a campaign's own
// history opens for that campaign. Sent again under a new Update ID it is
// refused, as its input names the update it was made for; under its own ID
// Temporal answers the outcome it has and applies nothing. Either way the KPI
// actuals are recorded once.
func TestCopiedUpdateFromTheSameRunIsRefusedOrDeduplicated(t *testing.T) {
	s := start(t, seconds())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", farBrief("Recorded once"), &c)
	s.waitFor(c.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })
	kpis := map[string]any{"actuals": []map[string]any{{"name": "signups", "value": 321}}}
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/campaigns/"+c.ID+"/kpis", kpis, nil, "Idempotency-Key", "kpis-1")

	wid := contract.CampaignWorkflowID(c.ID)
	var copied *commonpb.Payloads
	var original string
	for _, e := range s.history(ctx, wid).Events {
		if acc := e.GetWorkflowExecutionUpdateAcceptedEventAttributes(); acc != nil && acc.GetAcceptedRequest().GetInput().GetName() == contract.UpdateRecordKPIs {
			copied, original = acc.GetAcceptedRequest().GetInput().GetArgs(), acc.GetAcceptedRequest().GetMeta().GetUpdateId()
		}
	}
	if copied == nil || !codec.Sealed(copied.Payloads[0]) || original == "" {
		t.Fatalf("no sealed record-kpis in the history: %v", copied)
	}
	raw := s.aroundTandem()
	send := func(updateID string) *updatepb.Outcome {
		t.Helper()
		resp, err := raw.WorkflowService().UpdateWorkflowExecution(ctx, &workflowservice.UpdateWorkflowExecutionRequest{
			Namespace:         "default",
			WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: wid},
			Request: &updatepb.Request{
				Meta:  &updatepb.Meta{UpdateId: updateID, Identity: "attacker"},
				Input: &updatepb.Input{Name: contract.UpdateRecordKPIs, Args: copied},
			},
			WaitPolicy: &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED},
		})
		if err != nil {
			t.Fatalf("send the copy as %s: %v", updateID, err)
		}
		return resp.GetOutcome()
	}

	// Under a new ID: refused by the validator, before history.
	if f := send("copied-kpis-1").GetFailure(); f.GetApplicationFailureInfo().GetType() != domain.CodeForbidden {
		t.Errorf("the copy under a new Update ID: failure %v, want a forbidden refusal", f)
	}
	// Under its own ID: Temporal's deduplication, the outcome it had.
	if o := send(original); o.GetSuccess() == nil {
		t.Errorf("the copy under its own Update ID: %v, want the first outcome", o)
	}

	if n := updatesAccepted(s.history(ctx, wid)); n != 1 {
		t.Errorf("%d updates reached the history, want the one", n)
	}
	var detail struct {
		Actuals []domain.KPIActual `json:"kpi_actuals"`
	}
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+c.ID, nil, &detail)
	if len(detail.Actuals) != 1 || detail.Actuals[0].Value != 321 {
		t.Errorf("actuals %+v, want the one recording", detail.Actuals)
	}
}
