package hiring

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Task keys of the hiring process.
const (
	KeyStep          = "step:" // + chain step key
	KeyReviseRequest = "revise_request"
	KeyPosting       = "posting"
	KeyInterview     = "interview:"    // + candidate ID
	KeyOfferApproval = "offer:"        // + "mops:" or "finance:" + candidate ID
	KeyReviseOffer   = "revise_offer:" // + candidate ID
	KeyAnswer        = "answer:"       // + candidate ID
	KeyOnboarding    = "onboarding:"   // + policy key
)

// hiring is the state of one hiring request run.
type hiring struct {
	*kernel.Core
	in  contract.HiringInput
	pol domain.HiringPolicy
	rec domain.HiringRequest

	slas  map[string]time.Duration // per approval task key: its SLA, which an escalation restarts
	hires []recommendation         // candidates recommended for an offer, oldest first
}

// recommendation is a hiring manager's "hire" for a candidate, with the offer amount.
type recommendation struct {
	candidate string
	amount    float64
}

// Workflow runs process 2, the hiring request: approval chain, recruiting,
// offer and onboarding. It is registered as contract.HiringRequestType.
func Workflow(ctx workflow.Context, in contract.HiringInput) (contract.HiringResult, error) {
	h, err := start(ctx, in)
	if err != nil {
		return contract.HiringResult{}, err
	}
	if err := h.RunToEnd(ctx, h.run); err != nil {
		return contract.HiringResult{}, err
	}
	return contract.HiringResult{Status: h.rec.Status, Hired: h.rec.Hired}, nil
}

func start(ctx workflow.Context, in contract.HiringInput) (*hiring, error) {
	now := workflow.Now(ctx)
	h := &hiring{in: in, pol: in.Policy.Hiring, slas: map[string]time.Duration{}}
	h.rec = domain.HiringRequest{
		ID: in.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Request: in.Request,
		Status: domain.StatusActive, Stage: domain.StageApproval, RequestedBy: in.RequestedBy,
		Chain: []domain.ChainStep{}, Candidates: []domain.CandidateRef{}, CreatedAt: now, UpdatedAt: now,
	}
	// Reminders come from each task's RemindAt (half its SLA), so no default
	// reminder is set.
	core, err := kernel.New(ctx, h, kernel.Config{Process: domain.ProcessHiring, ID: in.ID, Noun: "hiring request", OnOverdue: h.taskOverdue})
	if err != nil {
		return nil, err
	}
	h.Core = core
	if err := h.Register(ctx, h.updates()...); err != nil {
		return nil, err
	}
	h.Event(now, domain.EventStarted, in.RequestedBy, "", "%s requested a hire: %s (%s, %s), needed by %s",
		in.RequestedBy, h.Quote(in.Request.Title), in.Request.Level, in.Request.Kind, in.Request.NeededBy.Format(time.RFC3339))
	return h, nil
}

// run walks the stages. It returns nil when the request ended by itself, a
// cancelled error when it was cancelled.
func (h *hiring) run(ctx workflow.Context) error {
	approved, err := h.approval(ctx)
	if err != nil || !approved {
		return err
	}
	for {
		next, err := h.recruiting(ctx)
		if err != nil {
			return err
		}
		accepted, err := h.offer(ctx, next)
		if err != nil {
			return err
		}
		if accepted {
			break
		}
	}
	return h.onboarding(ctx)
}

// Managers are the requester and the hiring manager: they may reassign any
// task of the request and hear of overdue work.
func (h *hiring) Managers() []string {
	return h.rec.Managers()
}

// Snapshot puts the hiring record into a batch being written.
func (h *hiring) Snapshot(b *domain.Batch) { b.Hiring = h.snapshot() }

// Detail is the live detail of the hiring request.
func (h *hiring) Detail() any { return h.detail() }

func (h *hiring) snapshot() *domain.HiringRequest {
	r := h.rec
	r.Chain = make([]domain.ChainStep, len(h.rec.Chain))
	for i, s := range h.rec.Chain {
		s.Escalations = append([]domain.Escalation{}, s.Escalations...)
		r.Chain[i] = s
	}
	r.Candidates = append([]domain.CandidateRef{}, h.rec.Candidates...)
	if h.rec.Offer != nil {
		o := *h.rec.Offer
		r.Offer = &o
	}
	return &r
}

func (h *hiring) detail() contract.HiringDetail {
	a := h.Tasks.Answer()
	return contract.HiringDetail{HiringRequest: *h.snapshot(), Tasks: a.Tasks, WaitingOn: domain.WaitingOnOf(a.All), TasksOmitted: a.Omitted}
}

// save is the kernel's Save, with the record stamped as updated now.
func (h *hiring) save(ctx workflow.Context) error {
	h.rec.UpdatedAt = workflow.Now(ctx)
	return h.Save(ctx)
}

// finish ends the request with status: open tasks cancelled, candidates still in
// play not hired, the end recorded and told.
func (h *hiring) finish(ctx workflow.Context, status domain.Status, by, reason string) {
	for i, c := range h.rec.Candidates {
		if c.Status == domain.CandidateInterviewing || c.Status == domain.CandidateOffered {
			h.rec.Candidates[i].Status = domain.CandidateNotHired
		}
	}
	h.rec.Status, h.rec.Reason, h.rec.Step, h.rec.UpdatedAt = status, reason, "", workflow.Now(ctx)
	h.Finish(ctx, kernel.Ending{Status: string(status), By: by, Reason: reason, Event: domain.EventEnded, Subject: h.Quote(h.rec.Request.Title), Tell: h.Managers()})
}

// MayCancel lets the requester, marketing ops and admins cancel the request
// while it runs.
func (h *hiring) MayCancel(a domain.Actor) error {
	if err := domain.CheckCancelHiring(h.rec, a); err != nil {
		return err
	}
	if h.rec.Status.Terminal() {
		return domain.Conflictf("the hiring request is %s", h.rec.Status)
	}
	return nil
}

// NoteCancel keeps a cancellation's reason on the record.
func (h *hiring) NoteCancel(reason string) { h.rec.Reason = reason }

// Cancelled ends the request as cancelled.
func (h *hiring) Cancelled(ctx workflow.Context, by, reason string) {
	h.finish(ctx, domain.StatusCancelled, by, reason)
}
