package workflows_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/tandemhq/tandem/activities"
	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/worker"
	"github.com/tandemhq/tandem/workflows/hiring"
)

// The people of the hiring tests, besides pat, sam and maya of the harness.
var (
	hrFinn = domain.Actor{Handle: "finn", Team: domain.TeamFinance, Roles: []domain.Role{domain.RoleFinance}}
	hrHana = domain.Actor{Handle: "hana", Team: domain.TeamHR, Roles: []domain.Role{domain.RoleHR}}
	hrDana = domain.Actor{Handle: "dana", Team: domain.TeamLeadership, Roles: []domain.Role{domain.RoleDirector}}
	hrAda  = domain.Actor{Handle: "ada", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleAdmin}}
)

// fakeDirectory is the demo directory behind LookupPerson and FindPeople.
type fakeDirectory map[string]domain.Person

func (d fakeDirectory) Person(_ context.Context, handle string) (domain.Person, error) {
	p, ok := d[handle]
	if !ok {
		return p, domain.NotFoundf("person %s", handle)
	}
	return p, nil
}

func (d fakeDirectory) People(_ context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error) {
	var out []domain.Person
	for _, p := range d {
		if (f.Role == "" || p.HasRole(f.Role)) && (f.Team == "" || p.Team == f.Team) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b domain.Person) int { return strings.Compare(a.Handle, b.Handle) })
	return domain.Page[domain.Person]{Items: out}, nil
}

func demoDirectory() fakeDirectory {
	d := fakeDirectory{}
	for _, a := range []domain.Actor{pat, sam, maya, hrFinn, hrHana, hrDana, hrAda} {
		manager := "dana"
		if a.Handle == "dana" {
			manager = ""
		}
		d[a.Handle] = domain.Person{Handle: a.Handle, Team: a.Team, Roles: a.Roles, Manager: manager}
	}
	return d
}

// hiringRecords keeps the hiring record the workflow projects, besides what the
// shared fake keeps.
type hiringRecords struct {
	*fakeRecords
	mu   sync.Mutex
	last *domain.HiringRequest
}

func (r *hiringRecords) Apply(ctx context.Context, b domain.Batch) error {
	if b.Hiring != nil {
		r.mu.Lock()
		r.last = b.Hiring
		r.mu.Unlock()
	}
	return r.fakeRecords.Apply(ctx, b)
}

func (r *hiringRecords) record() domain.HiringRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		return domain.HiringRequest{}
	}
	return *r.last
}

func newHiringHarness(t *testing.T) (*harness, *hiringRecords) {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	recs := &fakeRecords{tasks: map[string]domain.Task{}}
	hr := &hiringRecords{fakeRecords: recs}
	worker.RegisterWorkflows(env)
	env.RegisterActivity(&activities.Activities{Records: hr, Directory: demoDirectory()})
	onVersion(env, perTaskTimers)
	return &harness{t: t, env: env, recs: recs}, hr
}

// hiringInput is pat's request for an analyst, sam hiring, with budget.max max.
func hiringInput(max float64) contract.HiringInput {
	return contract.HiringInput{
		ID: "hir_test00000001", RequestedBy: "pat", Policy: domain.DefaultPolicy(),
		Request: domain.Requisition{
			Title: "Marketing analyst", Team: domain.TeamAnalytics, Level: "L3", Kind: domain.HireNew,
			Justification: "Campaign reporting takes a day a week", Budget: domain.SalaryRange{Min: 70000, Max: max, Currency: "EUR"},
			NeededBy: t0.Add(90 * day), HiringManager: "sam",
		},
	}
}

func runHiring(h *harness, in contract.HiringInput) contract.HiringResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(contract.HiringRequestType, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("the hiring request did not finish")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	h.checkSent()
	var res contract.HiringResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func hiringDetail(h *harness) contract.HiringDetail {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(contract.QueryDetail)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var d contract.HiringDetail
	if err := v.Get(&d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// hiringTask finds the open task whose key starts with prefix.
func hiringTask(h *harness, prefix string) domain.Task {
	h.t.Helper()
	for _, t := range hiringDetail(h).Tasks {
		if t.IsOpen() && strings.HasPrefix(t.Key, prefix) {
			return t
		}
	}
	h.t.Fatalf("no open task %s* at %s", prefix, h.env.Now())
	return domain.Task{}
}

func chainKeys(d contract.HiringDetail) []string {
	var keys []string
	for _, s := range d.Chain {
		keys = append(keys, s.Key)
	}
	return keys
}

// approveChain has each step approved an hour apart from at, by the given people.
func approveChain(h *harness, at time.Duration, who ...domain.Actor) {
	for i, a := range who {
		h.at(at+time.Duration(i)*time.Hour, func() {
			d := hiringDetail(h)
			h.complete(hiringTask(h, hiring.KeyStep+d.Step), a, domain.OutcomeApproved, "", nil)
		})
	}
}

func cancelBy(h *harness, at time.Duration, a domain.Actor) {
	h.at(at, func() { h.ok("cancel", contract.UpdateCancel, contract.CancelInput{Actor: a, Reason: "test over"}) })
}

func addCandidate(h *harness, at time.Duration, id string) {
	h.at(at, func() {
		h.ok("add "+id, contract.UpdateAddCandidate, contract.AddCandidateInput{Actor: hrHana, CandidateID: id})
	})
}

func TestHiringDirectorStepOnlyAboveThreshold(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []string
	}{
		{100000, []string{"mops", "finance", "hr"}},
		{200000, []string{"mops", "finance", "director", "hr"}},
	} {
		h, _ := newHiringHarness(t)
		var got []string
		h.at(time.Hour, func() { got = chainKeys(hiringDetail(h)) })
		cancelBy(h, 2*time.Hour, pat)
		if res := runHiring(h, hiringInput(tc.max)); res.Status != domain.StatusCancelled {
			t.Errorf("status = %s, want cancelled", res.Status)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("budget.max %g: chain %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestHiringFromApprovalToFilled(t *testing.T) {
	h, recs := newHiringHarness(t)
	approveChain(h, time.Hour, maya, hrFinn, hrDana, hrHana)
	h.at(5*time.Hour, func() {
		d := hiringDetail(h)
		if d.Stage != domain.StageRecruiting {
			t.Errorf("after the chain the stage is %s, want recruiting", d.Stage)
		}
		for _, s := range d.Chain {
			if s.Decision != domain.DecisionApproved || s.DecidedAt == nil {
				t.Errorf("step %s = %+v, want approved", s.Key, s)
			}
		}
		h.complete(hiringTask(h, hiring.KeyPosting), hrHana, domain.OutcomeDone, "", nil)
	})
	addCandidate(h, 6*time.Hour, "cnd_aaaaaaaaaaaa")
	addCandidate(h, 6*time.Hour+time.Minute, "cnd_bbbbbbbbbbbb")
	h.at(7*time.Hour, func() {
		// Bad feedback is refused; the candidate above budget goes first.
		h.refused("feedback without hire", domain.CodeInvalid, contract.UpdateCompleteTask, completion(hiringTask(h, hiring.KeyInterview+"cnd_aaaa"), sam, domain.OutcomeDone, "", map[string]any{"offer_amount": 1}))
		h.complete(hiringTask(h, hiring.KeyInterview+"cnd_aaaa"), sam, domain.OutcomeDone, "", map[string]any{"hire": true, "offer_amount": 260000})
	})
	h.at(8*time.Hour, func() {
		d := hiringDetail(h)
		if d.Stage != domain.StageOffer || d.Offer == nil || d.Offer.CandidateID != "cnd_aaaaaaaaaaaa" {
			t.Fatalf("stage %s offer %+v, want an offer to cnd_aaaa", d.Stage, d.Offer)
		}
		// Above budget.max: finance approves too.
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:"), maya, domain.OutcomeApproved, "", nil)
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"finance:"), hrFinn, domain.OutcomeApproved, "", nil)
	})
	h.at(9*time.Hour, func() {
		answer := hiringTask(h, hiring.KeyAnswer)
		h.refused("a bad answer", domain.CodeInvalid, contract.UpdateCompleteTask, completion(answer, hrHana, domain.OutcomeDone, "", map[string]any{"answer": "maybe"}))
		h.complete(answer, hrHana, domain.OutcomeDone, "", map[string]any{"answer": "declined"})
	})
	h.at(10*time.Hour, func() {
		if d := hiringDetail(h); d.Stage != domain.StageRecruiting || d.Offer != nil {
			t.Errorf("after a decline: stage %s offer %+v, want recruiting and no offer", d.Stage, d.Offer)
		}
		h.complete(hiringTask(h, hiring.KeyInterview+"cnd_bbbb"), sam, domain.OutcomeDone, "", map[string]any{"hire": true, "offer_amount": 95000})
	})
	h.at(11*time.Hour, func() {
		for _, t2 := range hiringDetail(h).Tasks {
			if t2.IsOpen() && strings.HasPrefix(t2.Key, hiring.KeyOfferApproval+"finance:") {
				t.Errorf("finance approval opened for an offer within budget")
			}
		}
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:"), maya, domain.OutcomeApproved, "", nil)
	})
	h.at(12*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyAnswer), hrHana, domain.OutcomeDone, "", map[string]any{"answer": "accepted"})
	})
	h.at(13*time.Hour, func() {
		d := hiringDetail(h)
		if d.Stage != domain.StageOnboarding {
			t.Fatalf("stage %s, want onboarding", d.Stage)
		}
		h.complete(hiringTask(h, hiring.KeyOnboarding+"it_setup"), hrAda, domain.OutcomeDone, "", nil)
		h.refused("hana writes sam's plan", domain.CodeForbidden, contract.UpdateCompleteTask, completion(hiringTask(h, hiring.KeyOnboarding+"onboarding_plan"), hrHana, domain.OutcomeDone, "", nil))
		h.complete(hiringTask(h, hiring.KeyOnboarding+"onboarding_plan"), sam, domain.OutcomeDone, "", nil)
		h.complete(hiringTask(h, hiring.KeyOnboarding+"hr_paperwork"), hrHana, domain.OutcomeDone, "", nil)
	})
	res := runHiring(h, hiringInput(250000))
	if res.Status != domain.StatusFilled || res.Hired != "cnd_bbbbbbbbbbbb" {
		t.Fatalf("result = %+v, want filled by cnd_bbbb", res)
	}
	rec := recs.record()
	if rec.Status != domain.StatusFilled || rec.Hired != "cnd_bbbbbbbbbbbb" {
		t.Errorf("projected record = %s hired %q", rec.Status, rec.Hired)
	}
	status := map[string]domain.CandidateStatus{}
	for _, c := range rec.Candidates {
		status[c.ID] = c.Status
	}
	if status["cnd_aaaaaaaaaaaa"] != domain.CandidateDeclined || status["cnd_bbbbbbbbbbbb"] != domain.CandidateHired {
		t.Errorf("candidates = %v", status)
	}
}

func TestHiringRefusals(t *testing.T) {
	h, _ := newHiringHarness(t)
	h.at(time.Hour, func() {
		step := hiringTask(h, hiring.KeyStep+"mops")
		if step.Assignee != "maya" || step.RequestedBy != "pat" {
			t.Errorf("mops step = %+v, want maya's, raised by pat", step)
		}
		h.refused("pat approves his own request", domain.CodeForbidden, contract.UpdateCompleteTask, completion(step, pat, domain.OutcomeApproved, "", nil))
		h.refused("finance decides MOps's step", domain.CodeForbidden, contract.UpdateCompleteTask, completion(step, hrFinn, domain.OutcomeApproved, "", nil))
		h.refused("a bad outcome", domain.CodeInvalid, contract.UpdateCompleteTask, completion(step, maya, domain.OutcomeDone, "", nil))
		h.refused("a rejection without a comment", domain.CodeInvalid, contract.UpdateCompleteTask, completion(step, maya, domain.OutcomeRejected, " ", nil))
		h.refused("a candidate during approval", domain.CodeConflict, contract.UpdateAddCandidate, contract.AddCandidateInput{Actor: hrHana, CandidateID: "cnd_aaaaaaaaaaaa"})
		h.refused("sam stands in without a window", domain.CodeForbidden, contract.UpdateCompleteTask, completion(step, sam, domain.OutcomeApproved, "", nil))
	})
	h.at(2*time.Hour, func() {
		if d := hiringDetail(h); d.Chain[0].Decision != domain.DecisionPending {
			t.Errorf("after refusals the step is %s, want pending", d.Chain[0].Decision)
		}
		// The API set OnBehalfOf: sam is maya's delegate, inside her window.
		step := hiringTask(h, hiring.KeyStep+"mops")
		delegate := sam
		delegate.OnBehalfOf = "maya"
		h.ok("sam approves on behalf of maya", contract.UpdateCompleteTask, completion(step, delegate, domain.OutcomeApproved, "", nil))
	})
	h.at(3*time.Hour, func() {
		mops := hiringDetail(h).Chain[0]
		if mops.DecidedBy != "sam" || mops.OnBehalfOf != "maya" {
			t.Errorf("mops step = %+v, want decided by sam on behalf of maya", mops)
		}
		h.refused("a second decision", domain.CodeConflict, contract.UpdateCompleteTask, completion(domain.Task{ID: mops.TaskID}, maya, domain.OutcomeApproved, "", nil))
		h.refused("cancel by finance", domain.CodeForbidden, contract.UpdateCancel, contract.CancelInput{Actor: hrFinn, Reason: "no"})
		h.refused("cancel without a reason", domain.CodeInvalid, contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: ""})
	})
	cancelBy(h, 4*time.Hour, maya)
	h.at(5*time.Hour, func() {
		h.refused("cancel twice", domain.CodeConflict, contract.UpdateCancel, contract.CancelInput{Actor: pat, Reason: "again"})
	})
	if res := runHiring(h, hiringInput(100000)); res.Status != domain.StatusCancelled {
		t.Errorf("status = %s, want cancelled", res.Status)
	}
	var found bool
	for _, e := range h.recs.eventsOf(domain.EventTaskCompleted) {
		found = found || strings.Contains(e.Message, "sam on behalf of maya")
	}
	if !found {
		t.Error("the timeline does not say sam acted on behalf of maya")
	}
	for _, task := range h.recs.tasks {
		if task.IsOpen() {
			t.Errorf("task %s still open after cancel", task.Key)
		}
	}
}

func TestHiringStepRemindsThenEscalatesToTheManager(t *testing.T) {
	h, _ := newHiringHarness(t)
	var first domain.Task
	h.at(time.Hour, func() { first = hiringTask(h, hiring.KeyStep+"mops") })
	h.at(25*time.Hour, func() {
		var toMaya int
		for _, n := range h.recs.notificationsOf(domain.NotifyReminder) {
			if n.Recipient == "maya" {
				toMaya++
			}
		}
		if toMaya != 1 {
			t.Errorf("%d reminders to maya at 25h, want one at half the 48h SLA", toMaya)
		}
		if hiringTask(h, hiring.KeyStep+"mops").ID != first.ID {
			t.Error("escalated before the SLA")
		}
	})
	h.at(49*time.Hour, func() {
		h.refused("maya decides after the escalation", domain.CodeConflict, contract.UpdateCompleteTask, completion(first, maya, domain.OutcomeApproved, "", nil))
		now := hiringTask(h, hiring.KeyStep+"mops")
		if now.Assignee != "dana" || now.EscalationLevel != 1 {
			t.Errorf("after the SLA the step is %+v, want dana's at level 1", now)
		}
		h.complete(now, hrDana, domain.OutcomeApproved, "", nil)
	})
	h.at(50*time.Hour, func() {
		d := hiringDetail(h)
		mops := d.Chain[0]
		if mops.Decision != domain.DecisionApproved || mops.DecidedBy != "dana" || len(mops.Escalations) != 1 ||
			mops.Escalations[0].From != "maya" || mops.Escalations[0].To != "dana" {
			t.Errorf("mops step = %+v, want approved by dana after one escalation from maya", mops)
		}
		if d.Step != "finance" {
			t.Errorf("step = %s, want finance next", d.Step)
		}
	})
	cancelBy(h, 51*time.Hour, pat)
	runHiring(h, hiringInput(100000))
	if got := h.recs.tasks[first.ID].Status; got != domain.TaskExpired {
		t.Errorf("maya's task is %s, want expired", got)
	}
	told := map[string]int{}
	for _, n := range h.recs.notificationsOf(domain.NotifyEscalated) {
		told[n.Recipient]++
	}
	if told["maya"] != 1 || told["dana"] != 1 {
		t.Errorf("escalation notices = %v, want one each to maya and dana", told)
	}
}

func TestHiringChangesRequestedRestartsTheChain(t *testing.T) {
	h, _ := newHiringHarness(t)
	approveChain(h, time.Hour, maya)
	h.at(2*time.Hour, func() {
		step := hiringTask(h, hiring.KeyStep+"finance")
		h.refused("changes without a comment", domain.CodeInvalid, contract.UpdateCompleteTask, completion(step, hrFinn, domain.OutcomeChangesRequested, "", nil))
		h.complete(step, hrFinn, domain.OutcomeChangesRequested, "Budget too low for L3", nil)
	})
	h.at(3*time.Hour, func() {
		revise := hiringTask(h, hiring.KeyReviseRequest)
		if revise.Assignee != "pat" {
			t.Errorf("revise task for %q, want pat", revise.Assignee)
		}
		h.refused("a revision with min above max", domain.CodeInvalid, contract.UpdateCompleteTask, completion(revise, pat, domain.OutcomeDone, "",
			map[string]any{"request": map[string]any{"budget": map[string]any{"min": 200000, "max": 100000, "currency": "EUR"}}}))
		h.complete(revise, pat, domain.OutcomeDone, "", map[string]any{"request": map[string]any{"budget": map[string]any{"min": 80000, "max": 110000, "currency": "EUR"}}})
	})
	h.at(4*time.Hour, func() {
		d := hiringDetail(h)
		if d.Round != 2 || d.Step != "mops" || d.Request.Budget.Max != 110000 {
			t.Errorf("after resubmission: round %d step %s budget %+v, want round 2 from mops with the new budget", d.Round, d.Step, d.Request.Budget)
		}
		for _, s := range d.Chain {
			if s.Decision != domain.DecisionPending {
				t.Errorf("step %s is %s after the restart, want pending", s.Key, s.Decision)
			}
		}
	})
	cancelBy(h, 5*time.Hour, pat)
	runHiring(h, hiringInput(100000))
}

func TestHiringRejectedEnds(t *testing.T) {
	h, recs := newHiringHarness(t)
	h.at(time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyStep+"mops"), maya, domain.OutcomeRejected, "No headcount this year", nil)
	})
	res := runHiring(h, hiringInput(100000))
	if res.Status != domain.StatusRejected {
		t.Fatalf("status = %s, want rejected", res.Status)
	}
	if rec := recs.record(); rec.Reason != "No headcount this year" || rec.Chain[0].Decision != domain.DecisionRejected {
		t.Errorf("record = reason %q chain %+v", rec.Reason, rec.Chain)
	}
}

func TestHiringExpiresPastNeededBy(t *testing.T) {
	h, recs := newHiringHarness(t)
	in := hiringInput(100000)
	in.Request.NeededBy = t0.Add(3 * day)
	res := runHiring(h, in)
	if res.Status != domain.StatusExpired {
		t.Fatalf("status = %s, want expired", res.Status)
	}
	if got := h.env.Now(); got.Before(in.Request.NeededBy) {
		t.Errorf("ended at %s, before needed_by", got)
	}
	// The MOps step escalated at 48h; the escalated task was cancelled at the end.
	rec := recs.record()
	if rec.Status != domain.StatusExpired || len(rec.Chain[0].Escalations) != 1 {
		t.Errorf("record = %s, escalations %+v", rec.Status, rec.Chain[0].Escalations)
	}
}

func TestHiringAddCandidateRefusals(t *testing.T) {
	h, _ := newHiringHarness(t)
	approveChain(h, time.Hour, maya, hrFinn, hrHana)
	addCandidate(h, 4*time.Hour, "cnd_aaaaaaaaaaaa")
	h.at(5*time.Hour, func() {
		h.refused("finance adds a candidate", domain.CodeForbidden, contract.UpdateAddCandidate, contract.AddCandidateInput{Actor: hrFinn, CandidateID: "cnd_bbbbbbbbbbbb"})
		h.refused("the same candidate twice", domain.CodeConflict, contract.UpdateAddCandidate, contract.AddCandidateInput{Actor: sam, CandidateID: "cnd_aaaaaaaaaaaa"})
		h.refused("not a candidate ID", domain.CodeInvalid, contract.UpdateAddCandidate, contract.AddCandidateInput{Actor: hrHana, CandidateID: "Jane Doe"})
		feedback := hiringTask(h, hiring.KeyInterview+"cnd_aaaaaaaaaaaa")
		if feedback.Assignee != "sam" || strings.Contains(feedback.Title, "Jane") {
			t.Errorf("feedback task = %+v", feedback)
		}
		h.complete(feedback, sam, domain.OutcomeDone, "", map[string]any{"hire": false})
	})
	h.at(6*time.Hour, func() {
		d := hiringDetail(h)
		if d.Stage != domain.StageRecruiting || d.Candidates[0].Status != domain.CandidateNotHired {
			t.Errorf("stage %s candidates %+v, want recruiting with the candidate not hired", d.Stage, d.Candidates)
		}
	})
	cancelBy(h, 7*time.Hour, maya)
	runHiring(h, hiringInput(100000))
}

func TestHiringOfferRejectedOrRevised(t *testing.T) {
	h, _ := newHiringHarness(t)
	approveChain(h, time.Hour, maya, hrFinn, hrHana)
	addCandidate(h, 4*time.Hour, "cnd_aaaaaaaaaaaa")
	addCandidate(h, 4*time.Hour+time.Minute, "cnd_bbbbbbbbbbbb")
	h.at(5*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyInterview+"cnd_aaaa"), sam, domain.OutcomeDone, "", map[string]any{"hire": true, "offer_amount": 90000})
		h.complete(hiringTask(h, hiring.KeyInterview+"cnd_bbbb"), sam, domain.OutcomeDone, "", map[string]any{"hire": true, "offer_amount": 91000})
	})
	h.at(6*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:cnd_aaaa"), maya, domain.OutcomeRejected, "Not a fit", nil)
	})
	h.at(7*time.Hour, func() {
		// The rejection sent it back to recruiting, and the next recommendation is offered.
		d := hiringDetail(h)
		if d.Stage != domain.StageOffer || d.Offer.CandidateID != "cnd_bbbbbbbbbbbb" {
			t.Fatalf("stage %s offer %+v, want an offer to cnd_bbbb", d.Stage, d.Offer)
		}
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:cnd_bbbb"), maya, domain.OutcomeChangesRequested, "Offer 85k", nil)
	})
	h.at(8*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyReviseOffer+"cnd_bbbb"), sam, domain.OutcomeDone, "", map[string]any{"offer_amount": 85000})
	})
	h.at(9*time.Hour, func() {
		if d := hiringDetail(h); d.Offer.Amount != 85000 {
			t.Errorf("offer = %+v, want the revised 85000", d.Offer)
		}
		h.complete(hiringTask(h, hiring.KeyOfferApproval+"mops:cnd_bbbb"), maya, domain.OutcomeApproved, "", nil)
	})
	h.at(10*time.Hour, func() { hiringTask(h, hiring.KeyAnswer+"cnd_bbbb") })
	cancelBy(h, 11*time.Hour, pat)
	runHiring(h, hiringInput(100000))
}
