package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// riskSeconds is seconds() with risk SLAs of seconds for high and critical risks
// and long ones for low, so a re-assessment down visibly moves a deadline.
func riskSeconds() domain.Policy {
	p := seconds()
	p.Risk.AcknowledgeSLA = domain.BySeverity{Low: dur(10 * time.Minute), Medium: dur(time.Minute), High: dur(4 * time.Second), Critical: dur(3 * time.Second)}
	p.Risk.ReviewEvery = domain.BySeverity{Low: dur(time.Hour), Medium: dur(30 * time.Minute), High: dur(10 * time.Minute), Critical: dur(5 * time.Minute)}
	return p
}

type riskList struct {
	Items []domain.Risk `json:"items"`
}

// waitForRisk polls the risk until cond holds, failing after a minute.
func (s *stack) waitForRisk(id, what string, cond func(contract.RiskDetail) bool) contract.RiskDetail {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var d contract.RiskDetail
		s.must(http.StatusOK, "ada", http.MethodGet, "/api/v1/risks/"+id, nil, &d)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("risk %s never reached %s: status %s, level %d, waiting on %+v", id, what, d.Status, d.Level, d.WaitingOn)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// openTask is the open task of d with key, or nil.
func openTask(d contract.RiskDetail, key string) *domain.Task {
	for i, t := range d.Tasks {
		if t.Key == key && t.IsOpen() {
			return &d.Tasks[i]
		}
	}
	return nil
}

// atLevel is the condition: the acknowledgement has reached level, held by who.
func atLevel(level int, who string) func(contract.RiskDetail) bool {
	return func(d contract.RiskDetail) bool {
		t := openTask(d, "acknowledge")
		return d.Level == level && t != nil && t.Assignee == who
	}
}

// inRecords waits until task is in the records, where the task endpoints read it.
func (s *stack) inRecords(task domain.Task) {
	s.t.Helper()
	s.projected(campaign{Tasks: []domain.Task{task}})
}

func ackData(plan string) map[string]any {
	return map[string]any{"outcome": "done", "data": map[string]any{
		"response": "mitigate", "plan": plan, "due_at": time.Now().UTC().Add(48 * time.Hour).Format(time.RFC3339),
	}}
}

func raise(title, owner string, probability, impact int) map[string]any {
	return map[string]any{"title": title, "category": "schedule", "probability": probability, "impact": impact, "owner": owner}
}

func TestRiskOverHTTPEscalatesAcknowledgesReassessesAndAccepts(t *testing.T) {
	s := start(t, riskSeconds())

	// Refusals first: nothing is created by any of them.
	for name, body := range map[string]map[string]any{
		"probability 0": raise("Vendor late", "pat", 0, 4),
		"probability 6": raise("Vendor late", "pat", 6, 4),
		"unknown owner": raise("Vendor late", "ghost", 4, 4),
		"unknown campaign": func() map[string]any {
			b := raise("Vendor late", "pat", 4, 4)
			b["related"] = map[string]any{"process": "campaign", "id": "cmp_000000000000"}
			return b
		}(),
	} {
		if got := s.call("pat", http.MethodPost, "/api/v1/risks", body, nil); got != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", name, got)
		}
	}
	var none riskList
	s.must(http.StatusOK, "ada", http.MethodGet, "/api/v1/risks", nil, &none)
	if len(none.Items) != 0 {
		t.Fatalf("refused raises created %+v", none.Items)
	}

	// Three critical risks at once: one nobody answers, one acknowledged at the
	// first rung, one re-assessed down to low.
	var climbing, answered, eased contract.RiskDetail
	s.must(http.StatusCreated, "sam", http.MethodPost, "/api/v1/risks", raise("Launch venue may cancel", "pat", 5, 4), &climbing, "Idempotency-Key", "venue")
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Hero image rights unclear", "cleo", 4, 5), &answered)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Landing page load", "wes", 5, 5), &eased)
	var again contract.RiskDetail
	s.must(http.StatusCreated, "sam", http.MethodPost, "/api/v1/risks", raise("Launch venue may cancel", "pat", 5, 4), &again, "Idempotency-Key", "venue")
	if again.ID != climbing.ID || climbing.Severity != domain.SeverityCritical {
		t.Fatalf("replay made %s, first %s (%s)", again.ID, climbing.ID, climbing.Severity)
	}

	// Re-assessed down to low while its acknowledgement is open: the deadline moves
	// from the critical SLA to the low one.
	d := s.waitForRisk(eased.ID, "its acknowledge task", func(d contract.RiskDetail) bool { return openTask(d, "acknowledge") != nil })
	before := *openTask(d, "acknowledge")
	s.must(http.StatusOK, "wes", http.MethodPost, "/api/v1/risks/"+eased.ID+"/assessments", map[string]any{"probability": 1, "impact": 2, "comment": "CDN in place"}, &d)
	after := openTask(d, "acknowledge")
	if d.Severity != domain.SeverityLow || d.Score != 2 || len(d.Assessments) != 2 || after == nil ||
		!after.DueAt.Equal(after.CreatedAt.Add(10*time.Minute)) || !after.DueAt.After(before.DueAt) {
		t.Errorf("after re-assessing: severity %s, score %d, history %d, acknowledge due %v (was %v)", d.Severity, d.Score, len(d.Assessments), after, before.DueAt)
	}
	if got := s.call("wes", http.MethodPost, "/api/v1/risks/"+eased.ID+"/assessments", map[string]any{"probability": 0, "impact": 2}, nil); got != http.StatusUnprocessableEntity {
		t.Errorf("re-assessing with probability 0: %d, want 422", got)
	}
	if got := s.call("ana", http.MethodPost, "/api/v1/risks/"+eased.ID+"/assessments", map[string]any{"probability": 5, "impact": 5}, nil); got != http.StatusForbidden {
		t.Errorf("a bystander re-assessing: %d, want 403", got)
	}

	// Acknowledged at the first rung (cleo's manager, maya): the climb stops there.
	d = s.waitForRisk(answered.ID, "level 1", atLevel(1, "maya"))
	ack := *openTask(d, "acknowledge")
	s.inRecords(ack)
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+ack.ID+"/complete", ackData("Buy the rights outright"), nil)

	// Nobody answers: owner pat → manager dana → marketing ops maya → director dana,
	// each told when it reaches them, the owner told of every climb.
	reached := map[string]int{}
	for _, step := range []struct {
		level int
		who   string
	}{{1, "dana"}, {2, "maya"}, {3, "dana"}} {
		d = s.waitForRisk(climbing.ID, "level "+step.who, atLevel(step.level, step.who))
		reached[step.who]++ // dana is reached twice: as pat's manager, then as director
		if n := len(s.waitNotices(step.who, climbing.ID, reached[step.who], domain.NotifyEscalated)); n < reached[step.who] {
			t.Errorf("%s was not told the risk reached level %d", step.who, step.level)
		}
	}
	if len(d.Escalations) != 3 || d.Escalations[0].From != "pat" || d.Escalations[2].To != "dana" {
		t.Errorf("escalations = %+v", d.Escalations)
	}
	if escalatedToOwner := len(s.waitNotices("pat", climbing.ID, 3, domain.NotifyEscalated)); escalatedToOwner != 3 {
		t.Errorf("pat was told of %d escalations, want one per climb: 3", escalatedToOwner)
	}

	// By now the acknowledged risk's old deadline has long passed: it stayed at level 1.
	d = s.waitForRisk(answered.ID, "acknowledged with a review", func(d contract.RiskDetail) bool {
		return d.Status == domain.RiskAcknowledged && openTask(d, "review") != nil
	})
	if d.Level != 1 || len(d.Escalations) != 1 || openTask(d, "acknowledge") != nil || d.Response == nil || d.Response.Response != domain.ResponseMitigate {
		t.Errorf("acknowledged risk: level %d, escalations %+v, response %+v", d.Level, d.Escalations, d.Response)
	}
	if !time.Now().After(ack.DueAt.Add(time.Second)) {
		t.Fatalf("checked before the old deadline %v passed", ack.DueAt)
	}

	// Accepting a critical risk needs marketing ops or a director.
	if got := s.call("pat", http.MethodPost, "/api/v1/risks/"+climbing.ID+"/accept", map[string]any{"comment": "we live with it"}, nil); got != http.StatusForbidden {
		t.Errorf("the PM accepting a critical risk: %d, want 403", got)
	}
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/risks/"+climbing.ID+"/accept", map[string]any{"comment": "Backup venue booked"}, &d)
	if d.Status != domain.RiskAccepted || len(d.WaitingOn) != 0 {
		t.Errorf("accepted risk: status %s, waiting on %+v", d.Status, d.WaitingOn)
	}
	if got := s.call("maya", http.MethodPost, "/api/v1/risks/"+climbing.ID+"/resolve", map[string]any{"comment": "again"}, nil); got != http.StatusConflict {
		t.Errorf("deciding an accepted risk: %d, want 409", got)
	}

	// The records agree: the list filters, the timeline tells the climb.
	var crit riskList
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks?owner=me", nil, &crit)
	if len(crit.Items) != 1 || crit.Items[0].ID != climbing.ID {
		t.Errorf("pat's risks = %+v", crit.Items)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var timeline struct{ Items []domain.Event }
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks/"+climbing.ID+"/timeline", nil, &timeline)
		kinds := map[domain.EventKind]int{}
		for _, e := range timeline.Items {
			kinds[e.Kind]++
		}
		if kinds[domain.EventRiskRaised] == 1 && kinds[domain.EventRiskEscalated] == 3 && kinds[domain.EventRiskDecided] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timeline events by kind = %v", kinds)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.saveHistory(ctx, contract.RiskWorkflowID(climbing.ID), "risk-accepted")
}

func campaignBrief(name string, launchIn time.Duration) map[string]any {
	return map[string]any{
		"name": name, "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 20000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(launchIn).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
}

// TestRiskOverHTTPOverdueTaskRaisesOneLinkedRiskAcrossAWorkerRestart lets a
// campaign's brief review go overdue, stops the worker as the overdue reaction
// starts, starts a new one, and finds exactly one linked risk for the task.
func TestRiskOverHTTPOverdueTaskRaisesOneLinkedRiskAcrossAWorkerRestart(t *testing.T) {
	pol := riskSeconds()
	pol.Campaign.BriefReviewSLA = dur(3 * time.Second)
	s := start(t, pol)
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", campaignBrief("Overdue review", time.Hour), &c)
	id := c.ID
	c = s.waitFor(id, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 })
	review := c.open("brief_review")[0]

	// The overdue notice is written just before the campaign raises the risk.
	deadline := time.Now().Add(time.Minute)
	for !overdueNoticed(s.noticesAbout("maya", id), review.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the brief review never went overdue")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.restartWorker()

	var linked riskList
	deadline = time.Now().Add(time.Minute)
	for {
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks?related="+id, nil, &linked)
		var detail struct {
			Risks []domain.LinkedRisk `json:"risks"`
		}
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+id, nil, &detail)
		if len(linked.Items) > 0 && len(detail.Risks) > 0 {
			if len(linked.Items) != 1 || len(detail.Risks) != 1 || detail.Risks[0].ID != linked.Items[0].ID {
				t.Fatalf("risks of the campaign: listed %+v, linked %+v; want one", linked.Items, detail.Risks)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no linked risk: listed %+v, linked %+v", linked.Items, detail.Risks)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := linked.Items[0]
	if r.Cause != "overdue:"+review.ID || r.Owner != "pat" || r.RaisedBy != "tandem" || r.Related == nil || r.Related.ID != id ||
		r.ID != domain.LinkedRiskID(id, "overdue:"+review.ID) {
		t.Errorf("linked risk = %+v", r)
	}
	// Later overdue checks and replays raise it no second time.
	s.waitForRisk(r.ID, "its first escalation", func(d contract.RiskDetail) bool { return d.Level >= 1 })
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks?related="+id, nil, &linked)
	if len(linked.Items) != 1 {
		t.Errorf("%d risks for one overdue task", len(linked.Items))
	}
}

func overdueNoticed(notes []domain.Notification, taskID string) bool {
	for _, n := range notes {
		if n.Kind == domain.NotifyOverdue && n.TaskID == taskID {
			return true
		}
	}
	return false
}

// TestRiskOverHTTPCriticalRiskHoldsTheLaunch drives a campaign to scheduled with
// a critical risk linked to it: the launch waits, held by the risk, until the
// risk is resolved.
func TestRiskOverHTTPCriticalRiskHoldsTheLaunch(t *testing.T) {
	s := start(t, riskSeconds())
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", campaignBrief("Held launch", 12*time.Second), &c)
	id := c.ID
	body := raise("Payment provider outage", "maya", 5, 5)
	body["related"] = map[string]any{"process": "campaign", "id": id}
	var r contract.RiskDetail
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", body, &r)

	c = s.projected(s.waitFor(id, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+c.open("brief_review")[0].ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	c = s.projected(s.waitFor(id, "production", func(c campaign) bool { return c.Stage == domain.StageProduction && len(c.open("deliverable:")) > 0 }))
	for _, task := range c.open("deliverable:") {
		s.must(http.StatusOK, teamMember[task.Team], http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done"}, nil)
	}
	c = s.projected(s.waitFor(id, "readiness", func(c campaign) bool { return len(c.open("sign_off:")) > 0 }))
	for _, task := range c.open("sign_off:") {
		s.must(http.StatusOK, task.Assignee, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	}

	type held struct {
		Stage  domain.Stage        `json:"stage"`
		HeldBy string              `json:"held_by"`
		Risks  []domain.LinkedRisk `json:"risks"`
	}
	waitHeld := func(what string, cond func(held) bool) held {
		deadline := time.Now().Add(time.Minute)
		for {
			var h held
			s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+id, nil, &h)
			if cond(h) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign never %s: %+v", what, h)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	h := waitHeld("held", func(h held) bool { return h.HeldBy != "" })
	if h.Stage != domain.StageScheduled || h.HeldBy != r.ID || len(h.Risks) == 0 || h.Risks[0].ID != r.ID || h.Risks[0].Severity != domain.SeverityCritical {
		t.Fatalf("held campaign = %+v, want scheduled and held by %s", h, r.ID)
	}
	var linked riskList
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks?related="+id+"&severity=critical", nil, &linked)
	if len(linked.Items) != 1 || linked.Items[0].ID != r.ID {
		t.Errorf("critical risks of the campaign = %+v", linked.Items)
	}

	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/risks/"+r.ID+"/resolve", map[string]any{"comment": "Provider back up"}, nil)
	h = waitHeld("released", func(h held) bool { return h.Stage == domain.StageTracking })
	if h.HeldBy != "" || h.Risks[0].Status != domain.RiskResolved {
		t.Errorf("released campaign = %+v", h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.saveHistory(ctx, contract.CampaignWorkflowID(id), "campaign-held")
	s.saveHistory(ctx, contract.RiskWorkflowID(r.ID), "risk-held-resolved")
}

// A risk's history is bounded: past the policy's continue_as_new_after steps it
// continues as new, handing on its record, its open tasks with their IDs and
// timers, its numbering, what its campaign was last told and the commands it
// applied. Here the third step (acknowledge, re-assess, re-assess) hands it on,
// and the second run finishes the job: the carried review is completed, the
// risk resolved, and the campaign hears of it as news newer than all before.
// Both runs' histories are saved: the replay test then covers a run that ends
// by continuing as new and one that starts from what was carried.
func TestRiskOverHTTPContinuesAsNewCarryingItsTasks(t *testing.T) {
	pol := riskSeconds()
	pol.Risk.ContinueAsNewAfter = 3
	s := start(t, pol)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", campaignBrief("Carried launch", time.Hour), &c)
	body := raise("Print run may slip", "pat", 3, 3)
	body["related"] = map[string]any{"process": "campaign", "id": c.ID}
	var r contract.RiskDetail
	s.must(http.StatusCreated, "sam", http.MethodPost, "/api/v1/risks", body, &r)
	wid := contract.RiskWorkflowID(r.ID)
	first := s.runID(ctx, wid)

	d := s.waitForRisk(r.ID, "its acknowledge task", func(d contract.RiskDetail) bool { return openTask(d, "acknowledge") != nil })
	ack := *openTask(d, "acknowledge")
	s.inRecords(ack)
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/tasks/"+ack.ID+"/complete", ackData("Book a second printer"), nil)
	d = s.waitForRisk(r.ID, "its first review", func(d contract.RiskDetail) bool { return openTask(d, "review") != nil })
	review := *openTask(d, "review")
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/risks/"+r.ID+"/assessments", map[string]any{"probability": 3, "impact": 2}, nil)
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/risks/"+r.ID+"/assessments", map[string]any{"probability": 2, "impact": 2, "comment": "second printer booked"}, nil)

	deadline := time.Now().Add(time.Minute)
	for s.runID(ctx, wid) == first {
		if time.Now().After(deadline) {
			t.Fatal("the risk never continued as new")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The new run holds what the old one had: the review, by its ID, with its
	// due time; the record with its three assessments.
	d = s.waitForRisk(r.ID, "the carried review", func(d contract.RiskDetail) bool { return openTask(d, "review") != nil })
	carried := *openTask(d, "review")
	if carried.ID != review.ID || !carried.DueAt.Equal(review.CreatedAt.Add(time.Hour)) || // the low cadence
		d.Status != domain.RiskAcknowledged || d.Severity != domain.SeverityLow || len(d.Assessments) != 3 {
		t.Errorf("carried risk: status %s, severity %s, %d assessments, review %+v (was %+v)", d.Status, d.Severity, len(d.Assessments), carried, review)
	}
	s.inRecords(carried)
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/tasks/"+carried.ID+"/complete", map[string]any{"outcome": "done", "comment": "holding"}, nil)
	d = s.waitForRisk(r.ID, "the next review", func(d contract.RiskDetail) bool {
		t := openTask(d, "review")
		return t != nil && t.ID != carried.ID
	})
	if next := openTask(d, "review"); next.ID != domain.TaskID(r.ID, 3) {
		t.Errorf("the next review is %s, want the third task ID, %s: the numbering goes on", next.ID, domain.TaskID(r.ID, 3))
	}
	s.must(http.StatusOK, "pat", http.MethodPost, "/api/v1/risks/"+r.ID+"/resolve", map[string]any{"comment": "Printed on time"}, nil)

	// The campaign hears of the end: news numbered on from the first run's.
	deadline = time.Now().Add(time.Minute)
	for {
		var got struct {
			Risks []domain.LinkedRisk `json:"risks"`
		}
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+c.ID, nil, &got)
		if len(got.Risks) == 1 && got.Risks[0].Status == domain.RiskResolved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the campaign's view of the risk = %+v, want it resolved", got.Risks)
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.saveRunHistory(ctx, wid, first, "risk-continued-first")
	s.saveHistory(ctx, wid, "risk-continued")
}
