package workflows_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
	"github.com/tandemhq/tandem/workflows/risk"
)

// deepData is task data nested levels deep: {"a": {"a": … {}}}.
func deepData(levels int) map[string]any {
	inner := map[string]any{}
	for range levels - 1 {
		inner = map[string]any{"a": inner}
	}
	return inner
}

// TestValidatorsRefuseWhatBreaksTheCaps sends what the API refuses straight to
// the updates, as a client of Temporal could: every validator refuses it, and
// nothing is recorded. (Data ten thousand levels deep does not even decode in the
// workflow, Go's JSON decoder stopping there, and the SDK rejects the update for
// it; a few thousand levels do decode, and the validator refuses them.)
func TestValidatorsRefuseWhatBreaksTheCaps(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	keys := map[string]any{}
	for i := range domain.MaxDataKeys + 1 {
		keys[fmt.Sprint("k", i)] = i
	}
	h := newHarness(t)
	h.at(time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		for label, data := range map[string]map[string]any{
			"data five thousand levels deep": deepData(5_000),
			"data one level too deep":        deepData(domain.MaxDataDepth + 1),
			"data over 16 KiB":               {"blob": long(domain.MaxDataBytes)},
			"data with too many keys":        keys,
			"data with too many values":      {"l": make([]any, domain.MaxDataValues)},
		} {
			h.refused(label, domain.CodeInvalid, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeApproved, "", data))
		}
		var undecodable error
		h.env.UpdateWorkflow(contract.UpdateCompleteTask, "deepest", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { undecodable = err },
			OnAccept:   func() { t.Error("data ten thousand levels deep was accepted") },
			OnComplete: func(any, error) {},
		}, completion(review, maya, domain.OutcomeApproved, "", deepData(10_000)))
		h.at(time.Hour+time.Minute, func() {
			if undecodable == nil || !strings.Contains(undecodable.Error(), "unable to decode") {
				t.Errorf("data ten thousand levels deep: %v, want a rejection", undecodable)
			}
		})
		h.refused("a comment too long", domain.CodeInvalid, contract.UpdateCompleteTask, completion(review, maya, domain.OutcomeRejected, long(domain.MaxCommentChars+1), nil))
		h.refused("a reassignment reason too long", domain.CodeInvalid, contract.UpdateReassignTask, contract.ReassignTaskInput{TaskID: review.ID, Actor: maya, Assignee: "omar", Reason: long(domain.MaxCommentChars + 1)})
		h.refused("a cancel reason too long", domain.CodeInvalid, contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: long(domain.MaxCommentChars + 1)})
		h.refused("a change reason too long", domain.CodeInvalid, contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{Budget: &domain.Money{Amount: 1, Currency: "EUR"}, Reason: long(domain.MaxCommentChars + 1)}})
		h.refused("eight channels added", domain.CodeInvalid, contract.UpdateChangeCampaign, contract.ChangeCampaignInput{Actor: pat, Change: domain.Change{AddChannels: make([]domain.Channel, 8), Reason: "r"}})
		h.refused("21 KPI actuals", domain.CodeInvalid, contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: pat, Actuals: make([]domain.KPIActual, domain.MaxKPIs+1)})
	})
	h.at(2*time.Hour, func() {
		review := h.openTask(campaign.KeyBriefReview)
		if review.CompletedBy != "" || review.Data != nil || review.Assignee != "maya" {
			t.Errorf("a refused update changed the review: %+v", review)
		}
		if got := h.recs.eventsOf(domain.EventTaskCompleted); len(got) != 0 {
			t.Errorf("completions recorded: %v", got)
		}
		if d := h.detail(); d.Status != domain.StatusActive || d.Reason != "" || d.Brief.Budget.Amount != 50000 {
			t.Errorf("a refused update changed the campaign: %+v", d.Campaign)
		}
		h.complete(review, maya, domain.OutcomeApproved, "", nil)
	})
	h.at(3*time.Hour, func() {
		add := contract.AddTaskInput{Actor: pat, Title: "Press kit", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0.Add(20 * day)}
		long := add
		long.Description = strings.Repeat("x", domain.MaxDescriptionChars+1)
		h.refused("a task description too long", domain.CodeInvalid, contract.UpdateAddTask, long)
		long = add
		long.Title = strings.Repeat("é", domain.MaxNameChars+1)
		h.refused("a task title too long", domain.CodeInvalid, contract.UpdateAddTask, long)
	})
	h.at(4*time.Hour, func() {
		for _, task := range h.detail().Tasks {
			if strings.HasPrefix(task.Key, campaign.KeyAdded) {
				t.Errorf("a refused task was added: %+v", task)
			}
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}

// TestRiskAndHiringValidatorsRefuseWhatBreaksTheCaps: the risk's and the hiring
// request's own updates, and a risk response's plan inside task data.
func TestRiskAndHiringValidatorsRefuseWhatBreaksTheCaps(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(time.Minute, func() {
		ack := h.openRiskTask(risk.KeyAcknowledge)
		data := ackData(domain.ResponseMitigate, t0.Add(day))
		data["plan"] = strings.Repeat("x", domain.MaxDescriptionChars+1)
		h.refused("a plan too long", domain.CodeInvalid, contract.UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", data))
		h.refused("an assessment comment too long", domain.CodeInvalid, contract.UpdateAssessRisk, contract.AssessRiskInput{Actor: pat, Probability: 2, Impact: 2, Comment: strings.Repeat("x", domain.MaxCommentChars+1)})
		h.refused("a decision comment too long", domain.CodeInvalid, contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, strings.Repeat("x", domain.MaxCommentChars+1)))
	})
	h.at(2*time.Minute, func() {
		if r := h.risk(); r.Status != domain.RiskOpen || len(r.Assessments) != 1 {
			t.Errorf("a refused update changed the risk: %+v", r.Risk)
		}
		h.ok("resolve", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "fixed"))
	})
	h.runRisk(criticalRisk())

	hh, _ := newHiringHarness(t)
	hh.at(time.Hour, func() {
		hh.refused("a cancel reason too long", domain.CodeInvalid, contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: strings.Repeat("x", domain.MaxCommentChars+1)})
	})
	cancelBy(hh, 2*time.Hour, pat)
	if res := runHiring(hh, hiringInput(100000)); res.Status != domain.StatusCancelled {
		t.Errorf("status = %s", res.Status)
	}
}

// encodedSize is how many bytes t takes as JSON, as kernel.FitTasks counts it.
func encodedSize(t domain.Task) int {
	b, _ := json.Marshal(t)
	return len(b)
}

func TestFitTasks(t *testing.T) {
	blob := func(n int) map[string]any { return map[string]any{"notes": strings.Repeat("x", n)} }
	task := func(id string, status domain.TaskStatus, data map[string]any) domain.Task {
		return domain.Task{ID: id, Title: "Task " + id, Status: status, Data: data}
	}
	size := func(ts []domain.Task) int {
		n := 0
		for _, t := range ts {
			n += encodedSize(t)
		}
		return n
	}
	tasks := []domain.Task{
		task("t1", domain.TaskDone, blob(4000)),
		task("t2", domain.TaskDone, blob(4000)),
		task("t3", domain.TaskOpen, nil),
		task("t4", domain.TaskDone, blob(4000)),
		task("t5", domain.TaskDone, deepData(domain.MaxDataDepth+1)), // from before the caps
	}
	whole := size(tasks[:4])

	t.Run("within the budget, whole but for unfit data", func(t *testing.T) {
		got, omitted := kernel.FitTasks(tasks, 1<<20)
		if omitted != 0 || len(got) != 5 || got[0].Data == nil || got[3].Data == nil || got[0].DataOmitted {
			t.Errorf("got %d tasks, %d omitted: %+v", len(got), omitted, got)
		}
		if got[4].Data != nil || !got[4].DataOmitted {
			t.Errorf("data over the caps was answered: %+v", got[4])
		}
		if tasks[4].Data == nil || tasks[4].DataOmitted {
			t.Error("FitTasks changed its argument")
		}
	})
	t.Run("oldest data first", func(t *testing.T) {
		got, omitted := kernel.FitTasks(tasks, whole-1000)
		if omitted != 0 || len(got) != 5 {
			t.Fatalf("got %d tasks, %d omitted", len(got), omitted)
		}
		if got[0].Data != nil || !got[0].DataOmitted || got[1].Data == nil || got[3].Data == nil {
			t.Errorf("want only t1's data left out: %+v", got)
		}
		if n := size(got); n > whole-1000 {
			t.Errorf("answer is %d bytes, over the budget", n)
		}
	})
	t.Run("a closed task's form goes with its data, an open task's stays", func(t *testing.T) {
		form := domain.TaskForm(domain.ProcessCampaign, "revise_brief")
		form.SetDefaults(map[string]any{"brief": map[string]any{"objective": strings.Repeat("x", 4000)}})
		revised := domain.Task{ID: "r1", Title: "Revise", Status: domain.TaskDone, Form: form}
		revising := domain.Task{ID: "r2", Title: "Revise", Status: domain.TaskOpen, Form: form}
		both := []domain.Task{revised, revising}
		got, omitted := kernel.FitTasks(both, size(both)-1000)
		if omitted != 0 || got[0].Form != nil || !got[0].DataOmitted || got[1].Form == nil {
			t.Errorf("want r1's form left out and r2's kept: %+v", got)
		}
	})
	t.Run("then the oldest closed tasks, never an open one", func(t *testing.T) {
		bare := task("t3", domain.TaskOpen, nil)
		budget := encodedSize(bare) + 2*encodedSize(domain.Task{ID: "t4", Title: "Task t4", Status: domain.TaskDone, DataOmitted: true})
		got, omitted := kernel.FitTasks(tasks, budget)
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
			if g.Data != nil {
				t.Errorf("%s kept its data", g.ID)
			}
		}
		if strings.Join(ids, " ") != "t3 t4 t5" || omitted != 2 {
			t.Errorf("kept %v, %d omitted; want t3 t4 t5 and 2", ids, omitted)
		}
		if size(got) > budget {
			t.Errorf("answer is %d bytes, over %d", size(got), budget)
		}
		if got, _ := kernel.FitTasks(tasks[2:3], 1); len(got) != 1 {
			t.Error("an open task was left out")
		}
	})
}

// TestDetailStaysWithinTheBudget is the worst case the caps still allow: a
// manager adds tasks for themselves and completes each with data at the cap.
// Past 64 of them the tasks' data alone passes the budget (and 128 would pass
// Temporal's 2 MiB limit, failing the query and terminating the run at the next
// update that answers the detail). The detail stays within the budget: the
// oldest tasks' data is left out, marked, and the records keep all of it.
func TestDetailStaysWithinTheBudget(t *testing.T) {
	const n = 80
	h := newHarness(t)
	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		for i := range n {
			h.ok("add", contract.UpdateAddTask, contract.AddTaskInput{Actor: pat, Title: fmt.Sprint("Note ", i), Team: domain.TeamPMO,
				Role: domain.RoleProjectManager, Assignee: "pat", DueAt: t0.Add(20 * day)})
		}
	})
	notes := strings.Repeat("x", domain.MaxDataBytes-len(`{"notes":""}`))
	var added []string
	h.at(3*time.Hour, func() {
		for _, task := range h.detail().Tasks {
			if strings.HasPrefix(task.Key, campaign.KeyAdded) {
				added = append(added, task.ID)
				h.complete(task, pat, domain.OutcomeDone, "", map[string]any{"notes": notes})
			}
		}
	})
	h.at(4*time.Hour, func() {
		d := h.detail()
		b, _ := json.Marshal(d.Tasks)
		if len(b) > kernel.TasksBudget {
			t.Errorf("the tasks take %d bytes, over the %d budget", len(b), kernel.TasksBudget)
		}
		if whole, _ := json.Marshal(d); len(whole) >= 2<<20 {
			t.Errorf("the detail takes %d bytes, over Temporal's limit", len(whole))
		}
		byID := map[string]domain.Task{}
		for _, task := range d.Tasks {
			byID[task.ID] = task
		}
		first, last := byID[added[0]], byID[added[len(added)-1]]
		if first.Data != nil || !first.DataOmitted {
			t.Errorf("the oldest task kept its data: %+v", first.Key)
		}
		if last.Data["notes"] != notes || last.DataOmitted {
			t.Errorf("the newest task lost its data (omitted: %t)", last.DataOmitted)
		}
		if d.TasksOmitted != 0 || len(added) != n {
			t.Errorf("tasks omitted = %d, added = %d", d.TasksOmitted, len(added))
		}
		if rec, _ := h.recs.task(added[0]); rec.Data["notes"] != notes {
			t.Error("the record of the oldest task lost its data")
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(contract.CampaignInput{Brief: testBrief()})
}
