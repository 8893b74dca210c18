package workflows_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
	"github.com/tandemhq/tandem/workflows/hiring"
	"github.com/tandemhq/tandem/workflows/risk"
)

// readsData says, for every kind of task the processes open (by process and key,
// a key ending in ":" standing for all that continue it), whether the process
// reads the task's data. Those that do must declare a form; the others must not
// offer one. A new kind of task fails TestEveryTaskKindDeclaresItsForm until it
// is added here.
var readsData = map[domain.Process]map[string]bool{
	domain.ProcessCampaign: {
		campaign.KeyBriefReview: false, campaign.KeyRevise: true, campaign.KeySignOff: true, campaign.KeyDeliverable: false,
		campaign.KeyAdded: false, campaign.KeyRework: false, campaign.KeyBudget: false, campaign.KeyRetrospective: false,
	},
	domain.ProcessHiring: {
		hiring.KeyStep: false, hiring.KeyReviseRequest: true, hiring.KeyPosting: false, hiring.KeyInterview: true,
		hiring.KeyOfferApproval: false, hiring.KeyReviseOffer: true, hiring.KeyAnswer: true, hiring.KeyOnboarding: false,
	},
	domain.ProcessRisk: {risk.KeyAcknowledge: true, risk.KeyReview: false, risk.KeyCloseIssue: false},
}

// kindOf is the entry of readsData a task's key belongs to.
func kindOf(key string) string {
	if i := strings.Index(key, ":"); i >= 0 {
		return key[:i+1]
	}
	return key
}

// asksForJSON matches what a description asking for typed JSON contains: a
// brace, a data path, or a quoted key.
var asksForJSON = regexp.MustCompile(`[{}]|\bdata\.|"[^"]*"\s*:`)

// TestEveryTaskKindDeclaresItsForm runs the processes' scenarios, collects every
// task they open, and fails when a task whose data its process reads has no
// form (or one that is not its kind's), when a task that takes no data offers
// one, when a description asks anyone to type JSON, or when a kind of task, or
// a declared form, never shows up.
func TestEveryTaskKindDeclaresItsForm(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(*testing.T)
	}{
		{"campaign", TestCampaignRunsFromBriefToCompleted},
		{"campaign revised", TestBriefChangesRequestedThenRevisedAndApproved},
		{"campaign rework", TestReadinessRejectionSendsWorkBackToProduction},
		{"campaign changes", TestChangeRequestsReplanTheCampaign},
		{"campaign added task", TestAddedTaskHoldsProductionUntilDone},
		{"campaign overdue", TestOverdueWorkRaisesOneLinkedRiskPerTask},
		{"hiring", TestHiringFromApprovalToFilled},
		{"hiring revised", TestHiringChangesRequestedRestartsTheChain},
		{"hiring offer revised", TestHiringOfferRejectedOrRevised},
		{"risk escalated", TestRiskNobodyAcknowledgesClimbsTheLadder},
		{"risk materialized", TestRiskMaterializedStaysUntilClosed},
		{"risk continued", TestRiskContinuesAsNewWithItsState},
		{"forms refuse", TestFormsRefuseBadAnswersAndRecordNothing},
	}
	opened.start()
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
	tasks := opened.stop()

	seen := map[string]bool{}
	formsSeen := map[string]bool{}
	reported := map[string]bool{}
	errorf := func(format string, args ...any) { // each problem once, not once per version of a task
		if msg := fmt.Sprintf(format, args...); !reported[msg] {
			reported[msg] = true
			t.Error(msg)
		}
	}
	for _, task := range tasks {
		kind := kindOf(task.Key)
		what := fmt.Sprintf("%s task %s (%q)", task.Process, task.Key, task.Title)
		reads, known := readsData[task.Process][kind]
		if !known {
			errorf("%s is a new kind of task: add %q to readsData, saying whether its process reads its data, "+
				"and if it does, declare its form in domain/taskforms.go", what, kind)
			continue
		}
		seen[string(task.Process)+" "+kind] = true
		if m := asksForJSON.FindString(task.Description); m != "" {
			errorf("%s asks for JSON (%q) in its description: %q", what, m, task.Description)
		}
		switch {
		case reads && task.Form == nil:
			errorf("%s: its process reads its data, but it has no form", what)
		case !reads && task.Form != nil:
			errorf("%s takes no data, but offers the form %s", what, task.Form.Name)
		case task.Form != nil:
			formsSeen[task.Form.Name] = true
			if want := domain.TaskForm(task.Process, task.Key); want == nil || want.Name != task.Form.Name {
				errorf("%s has the form %s, not its kind's", what, task.Form.Name)
			}
			if err := task.Form.Validate(); err != nil {
				errorf("%s: the form as the run filled it: %v", what, err)
			}
		}
	}
	for p, kinds := range readsData {
		for kind := range kinds {
			if !seen[string(p)+" "+kind] {
				t.Errorf("no scenario opened a %s task %s: add one that does", p, kind)
			}
		}
	}
	for name := range domain.TaskForms() {
		if !formsSeen[name] {
			t.Errorf("the form %s is declared but no task used it", name)
		}
	}
}

// TestFormsRefuseBadAnswersAndRecordNothing sends answers that break each task
// form to the workflow's validator: each is refused, naming the field, and the
// task stays open with nothing recorded. The forms carry what the run filled in.
func TestFormsRefuseBadAnswersAndRecordNothing(t *testing.T) {
	t.Run("hiring", func(t *testing.T) {
		h, _ := newHiringHarness(t)
		approveChain(h, time.Hour, maya, hrFinn, hrHana)
		addCandidate(h, 4*time.Hour, "cnd_aaaaaaaaaaaa")
		var feedback domain.Task
		h.at(5*time.Hour, func() {
			feedback = hiringTask(h, hiring.KeyInterview+"cnd_aaaa")
			if f := feedback.Form; f == nil || f.Field(domain.DataOfferAmount).Currency != "EUR" {
				t.Errorf("interview feedback's form = %+v, want the offer in EUR", f)
			}
			for _, tc := range []struct {
				field string
				data  map[string]any
			}{
				{"data.offer_amount", map[string]any{"hire": true}},
				{"data.offer_amount", map[string]any{"hire": true, "offer_amount": 0}},
				{"data.hire", map[string]any{"hire": "yes", "offer_amount": 90000}},
				{"data.hire", nil},
				{"data.salary", map[string]any{"hire": true, "salary": 90000}},
			} {
				h.refusedField(fmt.Sprintf("feedback %v", tc.data), tc.field, contract.UpdateCompleteTask, completion(feedback, sam, domain.OutcomeDone, "", tc.data))
			}
		})
		h.at(5*time.Hour+time.Minute, func() {
			if got, _ := h.recs.task(feedback.ID); !got.IsOpen() || got.Data != nil {
				t.Errorf("refused answers changed the task: %+v", got)
			}
			if n := len(h.recs.eventsOf(domain.EventTaskCompleted)); n != 3 {
				t.Errorf("%d completions recorded, want only the chain's three", n)
			}
			h.complete(feedback, sam, domain.OutcomeDone, "", map[string]any{"hire": true, "offer_amount": 90000})
		})
		h.at(6*time.Hour, func() {
			h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:"), maya, domain.OutcomeChangesRequested, "Offer 85k", nil)
		})
		h.at(7*time.Hour, func() {
			revise := hiringTask(h, hiring.KeyReviseOffer)
			if f := revise.Form.Field(domain.DataOfferAmount); f.Default != 90000.0 || f.Currency != "EUR" {
				t.Errorf("revise offer's amount = %+v, want 90000 EUR to start from", f)
			}
			h.refusedField("a revised offer of nothing", "data.offer_amount", contract.UpdateCompleteTask, completion(revise, sam, domain.OutcomeDone, "", map[string]any{"offer_amount": -1}))
			h.complete(revise, sam, domain.OutcomeDone, "", map[string]any{"offer_amount": 85000})
		})
		h.at(8*time.Hour, func() {
			h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:"), maya, domain.OutcomeApproved, "", nil)
		})
		h.at(9*time.Hour, func() {
			answer := hiringTask(h, hiring.KeyAnswer)
			h.refusedField("a maybe", "data.answer", contract.UpdateCompleteTask, completion(answer, hrHana, domain.OutcomeDone, "", map[string]any{"answer": "maybe"}))
			h.refusedField("no answer", "data.answer", contract.UpdateCompleteTask, completion(answer, hrHana, domain.OutcomeDone, "", nil))
		})
		cancelBy(h, 10*time.Hour, pat)
		runHiring(h, hiringInput(100000))
	})

	t.Run("hiring revision", func(t *testing.T) {
		h, _ := newHiringHarness(t)
		approveChain(h, time.Hour, maya)
		h.at(2*time.Hour, func() {
			h.complete(hiringTask(h, hiring.KeyStep+"finance"), hrFinn, domain.OutcomeChangesRequested, "Budget too low", nil)
		})
		h.at(3*time.Hour, func() {
			revise := hiringTask(h, hiring.KeyReviseRequest)
			if f := revise.Form; f.Field("request.title").Default != "Marketing analyst" || f.Field("request.budget.max").Default != 100000.0 {
				t.Errorf("the revise form does not start from the request: %+v", f.Fields)
			}
			h.refusedField("a blank title", "data.request.title", contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
				map[string]any{"request": map[string]any{"title": " "}}))
			h.refusedField("a team, which cannot be revised", "data.request.team", contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
				map[string]any{"request": map[string]any{"team": "web"}}))
			// The budget's maximum alone: the rest of the budget stays as it was.
			h.complete(revise, pat, domain.OutcomeDone, "", map[string]any{"request": map[string]any{"budget": map[string]any{"max": 120000}}})
		})
		h.at(4*time.Hour, func() {
			if b := hiringDetail(h).Request.Budget; b != (domain.SalaryRange{Min: 70000, Max: 120000, Currency: "EUR"}) {
				t.Errorf("budget after revising its max = %+v", b)
			}
		})
		cancelBy(h, 5*time.Hour, pat)
		runHiring(h, hiringInput(100000))
	})

	t.Run("risk", func(t *testing.T) {
		recs := &fakeRecords{tasks: map[string]domain.Task{}}
		h := newRiskHarness(t, recs, t0)
		h.at(10*time.Minute, func() {
			ack := h.openRiskTask(risk.KeyAcknowledge)
			due := t0.Add(day).Format(time.RFC3339)
			for _, tc := range []struct {
				field string
				data  map[string]any
			}{
				{"data.response", map[string]any{"response": "ignore", "plan": "x", "due_at": due}},
				{"data.plan", map[string]any{"response": "mitigate", "due_at": due}},
				{"data.due_at", map[string]any{"response": "mitigate", "plan": "x", "due_at": t0.Add(-day).Format(time.RFC3339)}},
				{"data.due_at", map[string]any{"response": "mitigate", "plan": "x", "due_at": "tomorrow"}},
			} {
				h.refusedField(fmt.Sprintf("acknowledge with %v", tc.data), tc.field, contract.UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", tc.data))
			}
		})
		h.at(20*time.Minute, func() {
			if d := h.risk(); d.Response != nil || d.Status != domain.RiskOpen {
				t.Errorf("refused acknowledgements changed the risk: %s %+v", d.Status, d.Response)
			}
			h.complete(h.openRiskTask(risk.KeyAcknowledge), pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
		})
		h.at(30*time.Minute, func() {
			h.ok("pat resolves", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "done"))
		})
		h.runRisk(criticalRisk())
	})

	t.Run("campaign", func(t *testing.T) {
		h := newHarness(t)
		h.at(time.Hour, func() {
			h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeChangesRequested, "More KPIs", nil)
		})
		h.at(2*time.Hour, func() {
			revise := h.openTask(campaign.KeyRevise)
			f := revise.Form
			if f.Field("brief.objective").Default != "Grow trials" || f.Field("brief.budget.currency").Default != "EUR" ||
				f.Field("brief.launch_at").Default != testBrief().LaunchAt.Format(time.RFC3339) {
				t.Errorf("the revise form does not start from the brief: %+v", f.Fields)
			}
			if kpis, _ := f.Field("brief.kpis").Default.([]any); len(kpis) != 2 {
				t.Errorf("the revise form's KPIs = %v, want the brief's two", f.Field("brief.kpis").Default)
			}
			h.refusedField("a renamed campaign", "data.brief.name", contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
				map[string]any{"brief": map[string]any{"name": "Autumn"}}))
			h.refusedField("a channel nobody knows", "data.brief.channels[0]", contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
				map[string]any{"brief": map[string]any{"channels": []any{"tv"}}}))
			h.refusedField("a launch in the past", "data.brief.launch_at", contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
				map[string]any{"brief": map[string]any{"launch_at": t0.Add(-day).Format(time.RFC3339)}}))
			// The currency alone: the amount stays as it was.
			h.complete(revise, pat, domain.OutcomeDone, "", map[string]any{"brief": map[string]any{"budget": map[string]any{"currency": "USD"}}})
		})
		h.at(3*time.Hour, func() {
			if b := h.detail().Brief.Budget; b != (domain.Money{Amount: 50000, Currency: "USD"}) {
				t.Errorf("budget after revising its currency = %+v", b)
			}
			h.complete(h.openTask(campaign.KeyBriefReview), maya, domain.OutcomeApproved, "", nil)
		})
		h.doWork(4 * time.Hour)
		h.at(5*time.Hour, func() {
			so := h.openTask(campaign.KeySignOff + "maya")
			var work []string
			for _, task := range h.detail().Tasks {
				if isWork(task) {
					work = append(work, task.ID+" "+task.Title)
				}
			}
			var offered []string
			for _, c := range so.Form.Field(domain.DataRework).Choices {
				offered = append(offered, c.Value+" "+c.Label)
			}
			slices.Sort(work)
			slices.Sort(offered)
			if !slices.Equal(work, offered) {
				t.Errorf("the sign-off offers %v for rework, want the finished work %v", offered, work)
			}
			h.refusedField("rework of the sign-off itself", "data.rework[0]", contract.UpdateCompleteTask, completion(so, maya, domain.OutcomeRejected, "No", map[string]any{"rework": []any{so.ID}}))
		})
		h.cancelAt(6 * time.Hour)
		h.run(contract.CampaignInput{Brief: testBrief()})
	})
}

// TestCarriedTaskFromBeforeTheFormsGetsItsKinds continues a risk whose carried
// acknowledgement, handed on by a run from before the forms, has none: the new
// run gives it its kind's form, and checks answers against it.
func TestCarriedTaskFromBeforeTheFormsGetsItsKinds(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	in := criticalRisk()
	in.Policy.Risk.ContinueAsNewAfter = 100
	ack := domain.Task{ID: "tsk_carried00001", Process: domain.ProcessRisk, ProcessID: in.ID, Kind: domain.KindAcknowledge,
		Key: risk.KeyAcknowledge, Title: "Acknowledge", Assignee: "pat", Status: domain.TaskOpen, DueAt: t0.Add(time.Hour), CreatedAt: t0}
	score := domain.Score(in.Raise.Probability, in.Raise.Impact)
	in.Carry = &contract.RiskCarry{TaskSeq: 1, Tasks: []contract.CarriedTask{{Task: ack, RemindAt: t0.Add(30 * time.Minute)}}, Runs: 1,
		Risk: domain.Risk{ID: in.ID, Title: in.Raise.Title, Owner: "pat", Probability: in.Raise.Probability, Impact: in.Raise.Impact,
			Score: score, Severity: domain.SeverityOf(score), Status: domain.RiskOpen, CreatedAt: t0}}
	h := newRiskHarness(t, recs, t0)
	h.at(10*time.Minute, func() {
		got := h.openRiskTask(risk.KeyAcknowledge)
		if got.ID != ack.ID || got.Form == nil || got.Form.Name != domain.FormRiskResponse {
			t.Errorf("carried acknowledgement = %+v, want its kind's form", got)
		}
		h.refusedField("no plan", "data.plan", contract.UpdateCompleteTask, completion(got, pat, domain.OutcomeDone, "",
			map[string]any{"response": "mitigate", "due_at": t0.Add(day).Format(time.RFC3339)}))
		h.complete(got, pat, domain.OutcomeDone, "", ackData(domain.ResponseMitigate, t0.Add(day)))
	})
	h.at(20*time.Minute, func() { h.ok("pat resolves", contract.UpdateDecideRisk, decide(pat, domain.DecideResolve, "done")) })
	if res := h.runRisk(in); res.Status != domain.RiskResolved {
		t.Errorf("status %s", res.Status)
	}
}
