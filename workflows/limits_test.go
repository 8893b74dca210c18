package workflows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
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
// workflow, Go's JSON decoder stopping there; a few thousand levels do, and are
// refused here.)
func TestValidatorsRefuseWhatBreaksTheCaps(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	keys := map[string]any{}
	for i := range domain.MaxDataKeys + 1 {
		keys[fmt.Sprint("k", i)] = i
	}
	h := newHarness(t)
	h.at(time.Hour, func() {
		review := h.openTask(keyBriefReview)
		for label, data := range map[string]map[string]any{
			"data five thousand levels deep": deepData(5_000),
			"data one level too deep":        deepData(domain.MaxDataDepth + 1),
			"data over 16 KiB":               {"blob": long(domain.MaxDataBytes)},
			"data with too many keys":        keys,
			"data with too many values":      {"l": make([]any, domain.MaxDataValues)},
		} {
			h.refused(label, domain.CodeInvalid, UpdateCompleteTask, completion(review, maya, domain.OutcomeApproved, "", data))
		}
		h.refused("a comment too long", domain.CodeInvalid, UpdateCompleteTask, completion(review, maya, domain.OutcomeRejected, long(domain.MaxCommentChars+1), nil))
		h.refused("a reassignment reason too long", domain.CodeInvalid, UpdateReassignTask, ReassignTaskInput{TaskID: review.ID, Actor: maya, Assignee: "omar", Reason: long(domain.MaxCommentChars + 1)})
		h.refused("a cancel reason too long", domain.CodeInvalid, UpdateCancel, CancelInput{Actor: pat, Reason: long(domain.MaxCommentChars + 1)})
		h.refused("a change reason too long", domain.CodeInvalid, UpdateChangeCampaign, ChangeCampaignInput{Actor: pat, Change: domain.Change{Budget: &domain.Money{Amount: 1, Currency: "EUR"}, Reason: long(domain.MaxCommentChars + 1)}})
		h.refused("eight channels added", domain.CodeInvalid, UpdateChangeCampaign, ChangeCampaignInput{Actor: pat, Change: domain.Change{AddChannels: make([]domain.Channel, 8), Reason: "r"}})
		h.refused("21 KPI actuals", domain.CodeInvalid, UpdateRecordKPIs, RecordKPIsInput{Actor: pat, Actuals: make([]domain.KPIActual, domain.MaxKPIs+1)})
	})
	h.at(2*time.Hour, func() {
		review := h.openTask(keyBriefReview)
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
		add := AddTaskInput{Actor: pat, Title: "Press kit", Team: domain.TeamCreative, Role: domain.RoleCreative, DueAt: t0.Add(20 * day)}
		long := add
		long.Description = strings.Repeat("x", domain.MaxDescriptionChars+1)
		h.refused("a task description too long", domain.CodeInvalid, UpdateAddTask, long)
		long = add
		long.Title = strings.Repeat("é", domain.MaxNameChars+1)
		h.refused("a task title too long", domain.CodeInvalid, UpdateAddTask, long)
	})
	h.at(4*time.Hour, func() {
		for _, task := range h.detail().Tasks {
			if strings.HasPrefix(task.Key, keyAdded) {
				t.Errorf("a refused task was added: %+v", task)
			}
		}
	})
	h.cancelAt(5 * time.Hour)
	h.run(CampaignInput{Brief: testBrief()})
}

// TestRiskAndHiringValidatorsRefuseWhatBreaksTheCaps: the risk's and the hiring
// request's own updates, and a risk response's plan inside task data.
func TestRiskAndHiringValidatorsRefuseWhatBreaksTheCaps(t *testing.T) {
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	h := newRiskHarness(t, recs, t0)
	h.at(time.Minute, func() {
		ack := h.openRiskTask(keyAcknowledge)
		data := ackData(domain.ResponseMitigate, t0.Add(day))
		data["plan"] = strings.Repeat("x", domain.MaxDescriptionChars+1)
		h.refused("a plan too long", domain.CodeInvalid, UpdateCompleteTask, completion(ack, pat, domain.OutcomeDone, "", data))
		h.refused("an assessment comment too long", domain.CodeInvalid, UpdateAssessRisk, AssessRiskInput{Actor: pat, Probability: 2, Impact: 2, Comment: strings.Repeat("x", domain.MaxCommentChars+1)})
		h.refused("a decision comment too long", domain.CodeInvalid, UpdateDecideRisk, decide(pat, domain.DecideResolve, strings.Repeat("x", domain.MaxCommentChars+1)))
	})
	h.at(2*time.Minute, func() {
		if r := h.risk(); r.Status != domain.RiskOpen || len(r.Assessments) != 1 {
			t.Errorf("a refused update changed the risk: %+v", r.Risk)
		}
		h.ok("resolve", UpdateDecideRisk, decide(pat, domain.DecideResolve, "fixed"))
	})
	h.runRisk(criticalRisk())

	hh, _ := newHiringHarness(t)
	hh.at(time.Hour, func() {
		hh.refused("a cancel reason too long", domain.CodeInvalid, UpdateCancel, CancelInput{Actor: pat, Reason: strings.Repeat("x", domain.MaxCommentChars+1)})
	})
	cancelBy(hh, 2*time.Hour, pat)
	if res := runHiring(hh, hiringInput(100000)); res.Status != domain.StatusCancelled {
		t.Errorf("status = %s", res.Status)
	}
}
