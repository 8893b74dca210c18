package hiring

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

func (h *hiring) setStage(ctx workflow.Context, s domain.Stage) error {
	h.rec.Stage, h.rec.Step = s, ""
	h.Event(workflow.Now(ctx), domain.EventStage, "", "", "Stage: %s", s)
	return h.save(ctx)
}

// openRouted opens an approval for decider d, saying in the timeline why it went
// there when it is not where it usually goes.
func (h *hiring) openRouted(ctx workflow.Context, s kernel.TaskSpec, d kernel.Decider, sla time.Duration) *domain.Task {
	s.Assignee, s.Team, s.Role = d.Assignee, d.Team, d.Role
	if d.Why != "" {
		kernel.Reroute(&s, d)
	}
	t := h.openApproval(ctx, s, sla)
	if d.Why != "" {
		h.Tasks.Rerouted(workflow.Now(ctx), *t, d.Why)
	}
	return t
}

// openApproval opens an approval with an SLA, a reminder at half of it and an
// escalation at the SLA.
func (h *hiring) openApproval(ctx workflow.Context, s kernel.TaskSpec, sla time.Duration) *domain.Task {
	now := workflow.Now(ctx)
	s.Kind, s.RequestedBy, s.DueAt, s.RemindAt = domain.KindApproval, h.in.RequestedBy, now.Add(sla), now.Add(sla/2)
	h.slas[s.Key] = sla
	return h.Tasks.Open(ctx, s)
}

// approval runs the chain until every step approved (true), or the request is
// rejected or expires (false). Changes requested send a revise task to the
// requester, and the resubmission restarts the chain with every approval reset.
func (h *hiring) approval(ctx workflow.Context) (bool, error) {
	if err := h.setStage(ctx, domain.StageApproval); err != nil {
		return false, err
	}
	for {
		h.rec.Round++
		steps := h.pol.ChainFor(h.rec.Request.Budget)
		h.rec.Chain = make([]domain.ChainStep, len(steps))
		names := make([]string, len(steps))
		for i, s := range steps {
			h.rec.Chain[i] = domain.ChainStep{Key: s.Key, Title: s.Title, Role: s.Role, Team: s.Team, Decision: domain.DecisionPending, Escalations: []domain.Escalation{}}
			names[i] = s.Key
		}
		h.Event(workflow.Now(ctx), domain.EventChanged, "", "", "Approval round %d: %s", h.rec.Round, strings.Join(names, " → "))
		outcome, err := h.runChain(ctx, steps)
		if err != nil || outcome == domain.OutcomeApproved {
			return outcome == domain.OutcomeApproved, err
		}
		if outcome != domain.OutcomeChangesRequested {
			return false, nil
		}
		revised, err := h.revise(ctx)
		if err != nil || !revised {
			return false, err
		}
	}
}

// runChain asks each step in turn. It returns approved when all approved,
// changes_requested when a step asked for changes, and "" when the request ended
// (rejected or expired).
func (h *hiring) runChain(ctx workflow.Context, steps []domain.ApprovalStep) (domain.Outcome, error) {
	r := h.rec.Request
	for i, s := range steps {
		h.rec.Step = s.Key
		approver, err := kernel.ApproverFor(ctx, h.in.Policy, h.in.RequestedBy, s.Role, s.Team, "the hiring request")
		if err != nil {
			return "", err
		}
		key := KeyStep + s.Key
		t := h.openRouted(ctx, kernel.TaskSpec{
			Key: key, Title: fmt.Sprintf("%s: hire %s (%s)", s.Title, h.Quote(r.Title), r.Level),
			Description: fmt.Sprintf("%s hire for the %s team, budget %g–%g %s, needed by %s. Justification: %s\nApprove, request changes, or reject (a comment is required for both).",
				r.Kind, r.Team, r.Budget.Min, r.Budget.Max, r.Budget.Currency, r.NeededBy.Format(time.RFC3339), r.Justification),
		}, approver, s.SLA.D())
		h.rec.Chain[i].Approver, h.rec.Chain[i].TaskID = t.Assignee, t.ID
		if err := h.save(ctx); err != nil {
			return "", err
		}
		in, err := h.untilNeededBy(ctx, func() bool { return h.Tasks.Decided(key) })
		if err != nil || !in {
			return "", err
		}
		d := h.Tasks.Latest(key)
		step := &h.rec.Chain[i]
		step.Approver, step.TaskID = d.Assignee, d.ID
		step.Decision, step.DecidedBy, step.OnBehalfOf = domain.Decision(d.Outcome), d.CompletedBy, d.OnBehalfOf
		step.Comment, step.DecidedAt = d.Comment, d.CompletedAt
		switch d.Outcome {
		case domain.OutcomeApproved:
			continue
		case domain.OutcomeRejected:
			h.finish(ctx, domain.StatusRejected, d.CompletedBy, d.Comment)
			return "", nil
		}
		return domain.OutcomeChangesRequested, nil
	}
	return domain.OutcomeApproved, nil
}

// untilNeededBy waits for done while the request is still needed. When needed_by
// passes first, the request expires and it reports false.
func (h *hiring) untilNeededBy(ctx workflow.Context, done func() bool) (bool, error) {
	wait := h.rec.Request.NeededBy.Sub(workflow.Now(ctx))
	ok := false
	if wait > 0 {
		var err error
		ok, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "needed by " + h.rec.Request.NeededBy.Format(time.RFC3339)},
		}, done)
		if err != nil {
			return false, err
		}
	}
	if !ok {
		h.finish(ctx, domain.StatusExpired, "", "still in approval at needed_by "+h.rec.Request.NeededBy.Format(time.RFC3339))
	}
	return ok, nil
}

// revise asks the requester to revise the request; it reports false when the
// request expired meanwhile.
func (h *hiring) revise(ctx workflow.Context) (bool, error) {
	asked := h.rec.Chain[len(h.rec.Chain)-1]
	for _, s := range h.rec.Chain {
		if s.Decision == domain.DecisionChangesRequested {
			asked = s
		}
	}
	h.rec.Step = KeyReviseRequest
	t := h.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyReviseRequest, Title: fmt.Sprintf("Revise the hiring request %s", h.Quote(h.rec.Request.Title)),
		Description: fmt.Sprintf("%s requested changes: %s\nChange what was asked for in the request; the approval chain then starts again.", asked.DecidedBy, h.Said(asked.Comment)),
		Assignee:    h.in.RequestedBy, DueAt: workflow.Now(ctx).Add(h.pol.ReviseSLA.D()), Check: h.checkRevision(ctx), Fill: h.fillRevision,
	})
	if err := h.save(ctx); err != nil {
		return false, err
	}
	in, err := h.untilNeededBy(ctx, func() bool { return !t.IsOpen() })
	if err != nil || !in {
		return false, err
	}
	if r, err := h.revised(workflow.Now(ctx), t.Data); err == nil {
		h.rec.Request = r
	}
	h.Event(workflow.Now(ctx), domain.EventChanged, t.CompletedBy, t.ID, "%s resubmitted the request; the approval chain starts again", t.CompletedBy)
	return true, nil
}

func (h *hiring) checkRevision(ctx workflow.Context) func(domain.Completion) error {
	return func(c domain.Completion) error {
		_, err := h.revised(workflow.Now(ctx), c.Data)
		return err
	}
}

// fillRevision starts the revise form from the request as it is.
func (h *hiring) fillRevision(f *domain.Form) {
	r := h.rec.Request
	f.SetDefaults(map[string]any{domain.DataRequest: map[string]any{
		"title": r.Title, "level": r.Level, "justification": r.Justification,
		"budget":    map[string]any{"min": r.Budget.Min, "max": r.Budget.Max, "currency": r.Budget.Currency},
		"needed_by": r.NeededBy.UTC().Format(time.RFC3339),
	}})
}

// revised applies data.request of a revise task to the request.
func (h *hiring) revised(now time.Time, data map[string]any) (domain.Requisition, error) {
	raw, ok := data[domain.DataRequest]
	if !ok {
		return h.rec.Request, nil
	}
	var v domain.Revision
	if err := kernel.DecodeData(raw, &v); err != nil {
		return h.rec.Request, domain.Invalid(domain.FieldProblem{Field: "data.request", Problem: err.Error()})
	}
	r, err := v.Apply(h.rec.Request, now)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for i := range ve.Problems {
			ve.Problems[i].Field = "data.request." + ve.Problems[i].Field
		}
	}
	return r, err
}

// recruiting posts the role (once) and waits for a candidate the hiring manager
// recommends; candidates arrive through the add-candidate update.
func (h *hiring) recruiting(ctx workflow.Context) (recommendation, error) {
	if err := h.setStage(ctx, domain.StageRecruiting); err != nil {
		return recommendation{}, err
	}
	if h.Tasks.Latest(KeyPosting) == nil {
		r := h.rec.Request
		h.Tasks.Open(ctx, kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyPosting, Title: fmt.Sprintf("Post the role %s (%s)", h.Quote(r.Title), r.Level),
			Description: fmt.Sprintf("Publish the opening for the %s team. Add candidates through the API as they apply.", r.Team),
			Team:        domain.TeamHR, Role: domain.RoleHR, DueAt: workflow.Now(ctx).Add(h.pol.PostingSLA.D()),
		})
		if err := h.save(ctx); err != nil {
			return recommendation{}, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return len(h.hires) > 0 }); err != nil {
		return recommendation{}, err
	}
	next := h.hires[0]
	h.hires = h.hires[1:]
	return next, nil
}

// interview opens the hiring manager's feedback task for a new candidate and
// queues the candidate for an offer when the feedback says hire.
func (h *hiring) interview(ctx workflow.Context, candidate string) *domain.Task {
	t := h.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyInterview + candidate,
		Title:       fmt.Sprintf("Interview feedback on candidate %s for %s", candidate, h.Quote(h.rec.Request.Title)),
		Description: fmt.Sprintf("Say whether to make candidate %s an offer and, if so, the yearly salary to offer.", candidate),
		Team:        h.rec.Request.Team, Assignee: h.rec.Request.HiringManager,
		DueAt: workflow.Now(ctx).Add(h.pol.InterviewSLA.D()), Fill: h.fillOffer(0),
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		if h.Tasks.Await(ctx, t.ID) != nil || t.Status != domain.TaskDone {
			return
		}
		hire, amount := feedbackOf(t.Data)
		if hire {
			h.hires = append(h.hires, recommendation{candidate: candidate, amount: amount})
			h.Event(workflow.Now(ctx), domain.EventChanged, t.CompletedBy, t.ID, "%s recommends an offer to candidate %s", t.CompletedBy, candidate)
		} else {
			h.setCandidate(candidate, domain.CandidateNotHired)
		}
		_ = h.save(ctx)
	})
	return t
}

// fillOffer gives an offer's amount the request's currency, and a revised
// offer the amount it revises.
func (h *hiring) fillOffer(amount float64) func(*domain.Form) {
	return func(f *domain.Form) {
		f.SetCurrency(domain.DataOfferAmount, h.rec.Request.Budget.Currency)
		if amount > 0 {
			f.SetDefaults(map[string]any{domain.DataOfferAmount: amount})
		}
	}
}

// feedbackOf reads interview feedback, which the task's form has checked:
// whether to hire, and the yearly salary to offer.
func feedbackOf(data map[string]any) (bool, float64) {
	hire, _ := data[domain.DataHire].(bool)
	amount, _ := data[domain.DataOfferAmount].(float64)
	return hire, amount
}

func (h *hiring) setCandidate(id string, s domain.CandidateStatus) {
	for i := range h.rec.Candidates {
		if h.rec.Candidates[i].ID == id {
			h.rec.Candidates[i].Status = s
		}
	}
}

// offer gets the offer approved (MOps, plus finance above budget.max), then HR
// records the candidate's answer. It reports whether the candidate accepted.
func (h *hiring) offer(ctx workflow.Context, rec recommendation) (bool, error) {
	cand, amount := rec.candidate, rec.amount
	h.rec.Offer = &domain.Offer{CandidateID: cand, Amount: amount, Currency: h.rec.Request.Budget.Currency}
	h.setCandidate(cand, domain.CandidateOffered)
	if err := h.setStage(ctx, domain.StageOffer); err != nil {
		return false, err
	}
	for {
		outcome, err := h.approveOffer(ctx, cand, amount)
		if err != nil {
			return false, err
		}
		if outcome == domain.OutcomeApproved {
			break
		}
		if outcome == domain.OutcomeRejected {
			h.dropOffer(ctx, cand, domain.CandidateNotHired, "the offer was rejected")
			return false, h.save(ctx)
		}
		if amount, err = h.reviseOffer(ctx, cand); err != nil {
			return false, err
		}
		h.rec.Offer.Amount = amount
	}
	t := h.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyAnswer + cand, Title: fmt.Sprintf("Record candidate %s's answer to the offer for %s", cand, h.Quote(h.rec.Request.Title)),
		Description: fmt.Sprintf("Offer: %g %s a year. Record whether the candidate accepted or declined it.", amount, h.rec.Offer.Currency),
		Team:        domain.TeamHR, Role: domain.RoleHR, DueAt: workflow.Now(ctx).Add(h.pol.AnswerSLA.D()),
	})
	if err := h.save(ctx); err != nil {
		return false, err
	}
	if err := h.Tasks.Await(ctx, t.ID); err != nil {
		return false, err
	}
	if answerOf(t.Data) == domain.AnswerAccepted {
		h.setCandidate(cand, domain.CandidateHired)
		h.rec.Hired = cand
		h.Event(workflow.Now(ctx), domain.EventChanged, t.CompletedBy, t.ID, "Candidate %s accepted the offer", cand)
		return true, nil
	}
	h.dropOffer(ctx, cand, domain.CandidateDeclined, "the candidate declined")
	return false, h.save(ctx)
}

// approveOffer opens the offer approvals and waits for them. It returns approved
// when all approved, or the first other outcome.
func (h *hiring) approveOffer(ctx workflow.Context, cand string, amount float64) (domain.Outcome, error) {
	type approver struct {
		key  string
		role domain.Role
		team domain.Team
	}
	who := []approver{{"mops", domain.RoleMarketingOpsManager, domain.TeamMarketingOps}}
	if amount > h.rec.Request.Budget.Max {
		who = append(who, approver{"finance", domain.RoleFinance, domain.TeamFinance})
	}
	var keys []string
	for _, a := range who {
		person, err := kernel.ApproverFor(ctx, h.in.Policy, h.in.RequestedBy, a.role, a.team, "the hiring request")
		if err != nil {
			return "", err
		}
		key := KeyOfferApproval + a.key + ":" + cand
		h.openRouted(ctx, kernel.TaskSpec{
			Key: key, Title: fmt.Sprintf("Approve the offer to candidate %s for %s", cand, h.Quote(h.rec.Request.Title)),
			Description: fmt.Sprintf("Offer %g %s a year; the budget is %g–%g %s.", amount, h.rec.Offer.Currency,
				h.rec.Request.Budget.Min, h.rec.Request.Budget.Max, h.rec.Request.Budget.Currency),
		}, person, h.pol.OfferApprovalSLA.D())
		keys = append(keys, key)
	}
	if err := h.save(ctx); err != nil {
		return "", err
	}
	var refusal *domain.Task
	err := workflow.Await(ctx, func() bool {
		all := true
		for _, k := range keys {
			if !h.Tasks.Decided(k) {
				all = false
			} else if t := h.Tasks.Latest(k); t.Outcome != domain.OutcomeApproved {
				refusal = t
				return true
			}
		}
		return all
	})
	if err != nil || refusal == nil {
		return domain.OutcomeApproved, err
	}
	h.Tasks.CancelOpen(ctx, "another approver decided the offer", func(t domain.Task) bool { return strings.HasPrefix(t.Key, KeyOfferApproval) })
	return refusal.Outcome, nil
}

// reviseOffer asks the hiring manager for a new amount after changes were requested.
func (h *hiring) reviseOffer(ctx workflow.Context, cand string) (float64, error) {
	t := h.Tasks.Open(ctx, kernel.TaskSpec{
		Kind: domain.KindWork, Key: KeyReviseOffer + cand, Title: fmt.Sprintf("Revise the offer to candidate %s for %s", cand, h.Quote(h.rec.Request.Title)),
		Description: "Changes were requested on the offer. Give the yearly salary to offer now; it goes to approval again.",
		Assignee:    h.rec.Request.HiringManager, DueAt: workflow.Now(ctx).Add(h.pol.ReviseSLA.D()), Fill: h.fillOffer(h.rec.Offer.Amount),
	})
	if err := h.save(ctx); err != nil {
		return 0, err
	}
	if err := h.Tasks.Await(ctx, t.ID); err != nil {
		return 0, err
	}
	amount, _ := t.Data[domain.DataOfferAmount].(float64) // checked against the task's form by the validator
	return amount, nil
}

func (h *hiring) dropOffer(ctx workflow.Context, cand string, s domain.CandidateStatus, why string) {
	h.setCandidate(cand, s)
	h.rec.Offer = nil
	now := workflow.Now(ctx)
	h.Event(now, domain.EventChanged, "", "", "No hire of candidate %s: %s; back to recruiting", cand, why)
	h.Notify(now, domain.NotifyUpdate, "", fmt.Sprintf("%s: %s; back to recruiting", h.Quote(h.rec.Request.Title), why), h.Managers()...)
}

// answerOf reads the candidate's answer, which the task's form has checked.
func answerOf(data map[string]any) string {
	s, _ := data[domain.DataAnswer].(string)
	return s
}

// onboarding opens the policy's onboarding tasks and waits for all; then the role is filled.
func (h *hiring) onboarding(ctx workflow.Context) error {
	if err := h.setStage(ctx, domain.StageOnboarding); err != nil {
		return err
	}
	due := workflow.Now(ctx).Add(h.pol.OnboardingSLA.D())
	var ids []string
	for _, o := range h.pol.Onboarding {
		s := kernel.TaskSpec{
			Kind: domain.KindWork, Key: KeyOnboarding + o.Key, Title: fmt.Sprintf("%s for the new %s", o.Title, h.rec.Request.Title),
			Description: fmt.Sprintf("Candidate %s accepted; prepare their start.", h.rec.Hired),
			Team:        o.Team, Role: o.Role, DueAt: due,
		}
		if o.ForHiringManager {
			s.Assignee = h.rec.Request.HiringManager
		}
		ids = append(ids, h.Tasks.Open(ctx, s).ID)
	}
	if err := h.save(ctx); err != nil {
		return err
	}
	if err := h.Tasks.Await(ctx, ids...); err != nil {
		return err
	}
	h.finish(ctx, domain.StatusFilled, "", "")
	return nil
}

// taskOverdue escalates an approval at its SLA: to the approver's manager, or the
// next role up the policy's ladder. Other tasks only get the kernel's notices.
func (h *hiring) taskOverdue(ctx workflow.Context, t domain.Task) {
	if t.Kind != domain.KindApproval || h.rec.Status.Terminal() {
		_ = h.ShowProgress(ctx)
		return
	}
	to, ok, err := h.nextUp(ctx, t)
	if err != nil || !ok || !h.Tasks.Get(t.ID).IsOpen() {
		_ = h.ShowProgress(ctx)
		return
	}
	now := workflow.Now(ctx)
	sla := h.slas[t.Key]
	to.DueAt, to.RemindAt = now.Add(sla), now.Add(sla/2)
	to.Why = fmt.Sprintf("not decided within the %s SLA", domain.Duration(sla))
	next := h.Tasks.Escalate(ctx, t.ID, to)
	for i, s := range h.rec.Chain {
		if s.TaskID == t.ID {
			h.rec.Chain[i].Escalations = append(h.rec.Chain[i].Escalations, domain.Escalation{From: kernel.WhoFor(t), To: kernel.WhoFor(*next), At: now})
			h.rec.Chain[i].Approver, h.rec.Chain[i].TaskID = next.Assignee, next.ID
		}
	}
	_ = h.save(ctx)
}

// nextUp is where an overdue approval goes: the assignee's manager when there is
// one (and it is not the requester), otherwise the next role up.
func (h *hiring) nextUp(ctx workflow.Context, t domain.Task) (kernel.Escalation, bool, error) {
	if t.Assignee != "" {
		ref, ok, err := kernel.LookupPerson(ctx, t.Assignee)
		if err != nil {
			return kernel.Escalation{}, false, err
		}
		if ok && ref.Manager != "" && ref.Manager != h.in.RequestedBy {
			mgr, ok, err := kernel.LookupPerson(ctx, ref.Manager)
			if err != nil {
				return kernel.Escalation{}, false, err
			}
			if ok {
				to := kernel.Escalation{Assignee: mgr.Handle, Team: mgr.Team}
				if len(mgr.Roles) > 0 {
					to.Role = mgr.Roles[0]
				}
				return to, true, nil
			}
		}
	}
	rung, ok := h.pol.Up(t.Role)
	if !ok {
		return kernel.Escalation{}, false, nil
	}
	d, err := kernel.ApproverFor(ctx, h.in.Policy, h.in.RequestedBy, rung.To, rung.Team, "the hiring request")
	if err != nil || (d.Assignee != "" && d.Assignee == t.Assignee) {
		return kernel.Escalation{}, false, err
	}
	return kernel.Escalation{Assignee: d.Assignee, Team: d.Team, Role: d.Role}, true, nil
}
