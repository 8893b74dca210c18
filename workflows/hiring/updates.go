package hiring

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// updates are the hiring request's own updates, besides the kernel's
// (complete-task, reassign-task, cancel).
func (h *hiring) updates() []kernel.Update {
	return []kernel.Update{kernel.On(h.Core, contract.UpdateAddCandidate, h.addCandidate, h.validateAddCandidate)}
}

func (h *hiring) validateAddCandidate(_ workflow.Context, in contract.AddCandidateInput) error {
	if err := domain.CheckAddCandidate(h.rec, in.Actor); err != nil {
		return err
	}
	switch {
	case !domain.HasPrefixID(in.CandidateID, domain.PrefixCandidate):
		return domain.Invalid(domain.FieldProblem{Field: "candidate_id", Problem: "must be a cnd_ ID"})
	case slices.ContainsFunc(h.rec.Candidates, func(c domain.CandidateRef) bool { return c.ID == in.CandidateID }):
		return domain.Conflictf("candidate %s is already part of this request", in.CandidateID)
	}
	return nil
}

// addCandidate records the candidate's ID and opens the interview feedback task,
// which it returns.
func (h *hiring) addCandidate(ctx workflow.Context, in contract.AddCandidateInput) (domain.Task, error) {
	h.rec.Candidates = append(h.rec.Candidates, domain.CandidateRef{ID: in.CandidateID, Status: domain.CandidateInterviewing})
	h.Event(workflow.Now(ctx), domain.EventChanged, in.Actor.Handle, "", "%s added candidate %s", in.Actor.Handle, in.CandidateID)
	t := h.interview(ctx, in.CandidateID)
	if err := h.save(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}
