package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows/risk"
)

// riskDirectory is the demo directory the escalation ladder climbs: pat's and
// maya's manager is dana, the director; maya is marketing ops.
type riskDirectory struct{}

var riskPeople = []domain.Person{
	{Handle: "dana", Team: domain.TeamLeadership, Roles: []domain.Role{domain.RoleDirector}},
	{Handle: "maya", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}, Manager: "dana"},
	{Handle: "pat", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}, Manager: "dana"},
}

func (riskDirectory) Person(_ context.Context, handle string) (domain.Person, error) {
	for _, p := range riskPeople {
		if p.Handle == handle {
			return p, nil
		}
	}
	return domain.Person{}, domain.NotFoundf("no person %s", handle)
}

func (riskDirectory) People(_ context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error) {
	var out []domain.Person
	for _, p := range riskPeople {
		if f.Role == "" || p.HasRole(f.Role) {
			out = append(out, p)
		}
	}
	return domain.Page[domain.Person]{Items: out}, nil
}

var dana = domain.Actor{Handle: "dana", Team: domain.TeamLeadership, Roles: []domain.Role{domain.RoleDirector}}

// newRiskHarness runs risks in the test environment, starting at start.
func newRiskHarness(t *testing.T, recs *fakeRecords, start time.Time) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	worker.RegisterWorkflows(env)
	env.RegisterActivity(&activities.Activities{Records: recs, Directory: riskDirectory{}})
	onVersion(env, perTaskTimers)
	return &harness{t: t, env: env, recs: recs}
}

func criticalRisk() contract.RiskInput {
	return contract.RiskInput{
		ID: "rsk_test00000001", RaisedBy: "pat", Policy: domain.DefaultPolicy(),
		Raise: domain.RiskRaise{Title: "Printer may miss the deadline", Category: domain.CategorySchedule, Probability: 5, Impact: 4, Owner: "pat"},
	}
}

func (h *harness) risk() contract.RiskDetail {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(contract.QueryDetail)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var d contract.RiskDetail
	if err := v.Get(&d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// openRiskTask is the open task of the risk with key.
func (h *harness) openRiskTask(key string) domain.Task {
	h.t.Helper()
	for _, t := range h.risk().Tasks {
		if t.IsOpen() && t.Key == key {
			return t
		}
	}
	h.t.Fatalf("no open %s task at %s", key, h.env.Now())
	return domain.Task{}
}

func ackData(response domain.Response, due time.Time) map[string]any {
	return map[string]any{"response": string(response), "plan": "Book a second printer", "due_at": due.Format(time.RFC3339)}
}

// runRisk runs the risk to its end and returns its result.
func (h *harness) runRisk(in contract.RiskInput) contract.RiskResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(contract.RiskType, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("the risk did not finish")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	h.checkSent()
	var res contract.RiskResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func decide(a domain.Actor, d domain.RiskDecision, comment string) contract.DecideRiskInput {
	return contract.DecideRiskInput{Actor: a, Decision: d, Comment: comment}
}

func escalatedTo(recs *fakeRecords) []string {
	var out []string
	for _, n := range recs.notificationsOf(domain.NotifyEscalated) {
		if strings.HasSuffix(n.Subject, "it is now yours") {
			out = append(out, n.Recipient)
		}
	}
	return out
}

func TestRiskNobodyAcknowledgesClimbsTheLadder(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	var levels []int
	for _, at := range []time.Duration{30 * time.Minute, 90 * time.Minute, 150 * time.Minute, 210 * time.Minute, 270 * time.Minute} {
		h.at(at, func() { levels = append(levels, h.risk().Level) })
	}
	// At the top of the ladder nobody is left to climb to: dana acknowledges.
	h.at(280*time.Minute, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if ack.Assignee != "dana" || ack.EscalationLevel != 3 {
			t.Errorf("at the top the acknowledgement is %s's at level %d", ack.Assignee, ack.EscalationLevel)
		}
		h.refused("pat cannot acknowledge dana's task", domain.CodeForbidden, contract.UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day))))
		h.refused("a response is required", domain.CodeInvalid, contract.UpdateCompleteTask, completion(ack, dana, domain.OutcomeDone, "", nil))
		h.complete(ack, dana, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
	})
	h.at(300*time.Minute, func() {
		d := h.risk()
		if d.Status != domain.RiskAcknowledged || d.Response == nil || d.Response.Response != domain.ResponseMitigate || d.Response.By != "dana" {
			t.Errorf("after the acknowledgement: status %s, response %+v", d.Status, d.Response)
		}
		if rv := h.openRiskTask(risk.KeyReview); rv.Assignee != "pat" || !rv.DueAt.Equal(h.env.Now().Add(-20*time.Minute).Add(24*time.Hour)) {
			t.Errorf("review %+v", rv)
		}
		h.ok("pat resolves", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "second printer booked"))
	})
	res := h.runRisk(criticalRisk())
	if res.Status != domain.RiskResolved {
		t.Errorf("status %s", res.Status)
	}
	if want := []int{0, 1, 2, 3, 3}; !slices.Equal(levels, want) {
		t.Errorf("levels over time %v, want %v", levels, want)
	}
	if got, want := escalatedTo(recs), []string{"dana", "maya", "dana"}; !slices.Equal(got, want) {
		t.Errorf("escalation notices to %v, want %v", got, want)
	}
	expired := 0
	for _, task := range recs.tasks {
		if task.Status == domain.TaskExpired {
			expired++
		}
	}
	if expired != 3 {
		t.Errorf("%d expired acknowledgements, want 3", expired)
	}
	if n := len(recs.eventsOf(domain.EventRiskEscalated)); n != 3 {
		t.Errorf("%d escalation events", n)
	}
}

func TestRiskReassessedDownMovesTheSLAAndUpEscalates(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(30*time.Minute, func() {
		h.refused("probability 0", domain.CodeInvalid, contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: pat, Probability: 0, Impact: 1})
		h.refused("a stranger re-assesses", domain.CodeForbidden, contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: cleo, Probability: 1, Impact: 1})
		h.ok("pat re-assesses it down to low", contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: pat, Probability: 1, Impact: 2, Comment: "second printer found"})
	})
	h.at(40*time.Minute, func() {
		d := h.risk()
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if d.Severity != domain.SeverityLow || d.Score != 2 || len(d.Assessments) != 2 || !ack.DueAt.Equal(t0.Add(72*time.Hour)) {
			t.Errorf("after re-assessment: %s score %d, %d assessments, acknowledge due %s", d.Severity, d.Score, len(d.Assessments), ack.DueAt)
		}
	})
	// Past the critical SLA, a low risk has not climbed.
	h.at(5*time.Hour, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if ack.Assignee != "pat" || h.risk().Level != 0 {
			t.Errorf("a low risk climbed to %s", ack.Assignee)
		}
		h.complete(ack, pat, domain.OutcomeDone, "", ackData(domain.ResponseAccept, t0.Add(30*day)))
	})
	// Back up to critical after it was acknowledged: the next rung must acknowledge it.
	h.at(6*time.Hour, func() {
		h.ok("pat re-assesses it up to critical", contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: pat, Probability: 5, Impact: 5})
	})
	h.at(6*time.Hour+time.Minute, func() {
		d := h.risk()
		ack := h.openRiskTask(risk.KeyAcknowledge)
		if d.Status != domain.RiskOpen || d.Level != 1 || ack.Assignee != "dana" || !ack.DueAt.Equal(t0.Add(7*time.Hour)) {
			t.Errorf("after the move up: %s level %d, acknowledge by %s due %s", d.Status, d.Level, ack.Assignee, ack.DueAt)
		}
		if rv := h.openRiskTask(risk.KeyReview); !rv.DueAt.Equal(rv.CreatedAt.Add(24 * time.Hour)) {
			t.Errorf("the review keeps the low cadence: due %s", rv.DueAt)
		}
		h.complete(ack, dana, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(2*day)))
	})
	h.at(7*time.Hour, func() {
		h.complete(h.openRiskTask(risk.KeyReview), pat, domain.OutcomeDone, "still on track", nil)
	})
	h.at(8*time.Hour, func() {
		if rv := h.openRiskTask(risk.KeyReview); !rv.CreatedAt.Equal(t0.Add(7 * time.Hour)) {
			t.Errorf("the next review was opened at %s", rv.CreatedAt)
		}
		h.ok("dana resolves", contract.UpdateDecideRisk, decide(dana, domain.DecideResolve, "done"))
	})
	if res := h.runRisk(criticalRisk()); res.Status != domain.RiskResolved {
		t.Errorf("status %s", res.Status)
	}
}

func TestRiskAcceptingACriticalRiskNeedsAuthority(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	var signals []domain.LinkedRisk
	h.env.OnSignalExternalWorkflow(mock.Anything, contract.CampaignWorkflowID("cmp_test00000001"), "", contract.SignalRiskChanged, mock.Anything).
		Return(func(_, _, _, _ string, arg any) error { signals = append(signals, arg.(domain.LinkedRisk)); return nil })
	h.at(10*time.Minute, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		h.refused("pat acknowledges by accepting", domain.CodeForbidden, contract.UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", ackData(domain.ResponseAccept, t0.Add(day))))
		h.refused("pat accepts", domain.CodeForbidden, contract.UpdateDecideRisk, decide(pat, domain.DecideAccept, "we live with it"))
		h.refused("close an open risk", domain.CodeConflict, contract.UpdateDecideRisk, decide(pat, domain.DecideClose, "x"))
		h.refused("no comment", domain.CodeInvalid, contract.UpdateDecideRisk, decide(maya, domain.DecideAccept, ""))
		h.ok("maya accepts", contract.UpdateDecideRisk, decide(maya, domain.DecideAccept, "the launch can take it"))
	})
	h.at(20*time.Minute, func() {
		h.refused("a decision after the end", domain.CodeConflict, contract.UpdateDecideRisk, decide(maya, domain.DecideResolve, "x"))
	})
	in := criticalRisk()
	in.Raise.Related = &domain.Related{Process: domain.ProcessCampaign, ID: "cmp_test00000001"}
	if res := h.runRisk(in); res.Status != domain.RiskAccepted {
		t.Errorf("status %s", res.Status)
	}
	want := []domain.LinkedRisk{
		{ID: in.ID, Severity: domain.SeverityCritical, Status: domain.RiskOpen, Title: in.Raise.Title, Owner: "pat", Seq: 1},
		{ID: in.ID, Severity: domain.SeverityCritical, Status: domain.RiskAccepted, Title: in.Raise.Title, Owner: "pat", Seq: 2},
	}
	if !slices.Equal(signals, want) {
		t.Errorf("the campaign was told %+v, want %+v", signals, want)
	}
	for _, task := range recs.tasks {
		if task.IsOpen() {
			t.Errorf("task %s left open", task.Key)
		}
	}
}

func TestRiskMaterializedStaysUntilClosed(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(10*time.Minute, func() {
		h.ok("pat: it happened", contract.UpdateDecideRisk, decide(pat, domain.DecideMaterialize, "the printer failed"))
	})
	h.at(20*time.Minute, func() {
		d := h.risk()
		if d.Status != domain.RiskMaterialized || len(d.WaitingOn) != 1 || d.WaitingOn[0].Assignee != "pat" {
			t.Errorf("materialized: %s waiting on %+v", d.Status, d.WaitingOn)
		}
		h.refused("resolve an issue", domain.CodeConflict, contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "x"))
		h.refused("materialize twice", domain.CodeConflict, contract.UpdateDecideRisk, decide(pat, domain.DecideMaterialize, "x"))
	})
	// Nobody climbs for an issue: the acknowledgement was cancelled.
	h.at(5*time.Hour, func() {
		h.complete(h.openRiskTask(risk.KeyCloseIssue), pat, domain.OutcomeDone, "reprinted elsewhere", nil)
	})
	if res := h.runRisk(criticalRisk()); res.Status != domain.RiskClosed {
		t.Errorf("status %s", res.Status)
	}
	if n := len(recs.eventsOf(domain.EventRiskEscalated)); n != 0 {
		t.Errorf("%d escalations of an issue", n)
	}
}

func TestRiskContinuesAsNewWithItsState(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	in := criticalRisk()
	in.Policy.Risk.ContinueAsNewAfter = 2

	// First run: two escalations, then it hands over.
	h := newRiskHarness(t, recs, t0)
	h.env.ExecuteWorkflow(contract.RiskType, in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the first run ended with %v, want continue-as-new", err)
	}
	var next contract.RiskInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	c := next.Carry
	if c == nil || c.Risk.Level != 2 || len(c.Tasks) != 1 || c.Tasks[0].Task.Assignee != "maya" || c.TaskSeq != 3 || c.Runs != 1 {
		t.Fatalf("carried %+v", c)
	}
	carried := c.Tasks[0].Task
	if projected := recs.tasks[carried.ID]; !projected.IsOpen() || projected.Assignee != "maya" || !carried.DueAt.Equal(t0.Add(3*time.Hour)) || len(c.Risk.Escalations) != 2 || len(c.Risk.Assessments) != 1 {
		t.Fatalf("carried task %+v, record %+v", carried, c.Risk)
	}

	// Second run: the carried task's timer still escalates at its due time.
	next.Policy.Risk.ContinueAsNewAfter = 100
	h2 := newRiskHarness(t, recs, h.env.Now())
	h2.at(30*time.Minute, func() {
		d := h2.risk()
		if d.Level != 2 || d.Tasks[0].ID != carried.ID || d.Title != in.Raise.Title {
			t.Errorf("the continued risk: level %d, tasks %+v", d.Level, d.Tasks)
		}
	})
	h2.at(70*time.Minute, func() {
		ack := h2.openRiskTask(risk.KeyAcknowledge)
		if ack.Assignee != "dana" || ack.EscalationLevel != 3 || ack.ID == carried.ID {
			t.Errorf("after the carried SLA: %+v", ack)
		}
		h2.complete(ack, dana, domain.OutcomeDone, "", ackData(domain.ResponseAvoid, t0.Add(day)))
	})
	h2.at(80*time.Minute, func() {
		h2.ok("maya resolves", contract.UpdateDecideRisk, decide(maya, domain.DecideResolve, "avoided"))
	})
	if res := h2.runRisk(next); res.Status != domain.RiskResolved {
		t.Errorf("status %s", res.Status)
	}
	// Across both runs: every task ID and record key is new, none written twice.
	seen := map[string]bool{}
	for _, e := range recs.events {
		if seen[e.Key] {
			t.Errorf("event key %s made twice", e.Key)
		}
		seen[e.Key] = true
	}
	if len(recs.tasks) != 5 { // 4 acknowledgements (3 expired) and a review
		t.Errorf("%d tasks, want 5", len(recs.tasks))
	}
	if got := escalatedTo(recs); !slices.Equal(got, []string{"dana", "maya", "dana"}) {
		t.Errorf("escalated to %v", got)
	}
}
