package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// registerUpdates installs the hiring request's own updates, each with a
// validator, so a refused request never reaches the history.
func (h *hiring) registerUpdates(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAddCandidate, h.addCandidate,
		workflow.UpdateHandlerOptions{Validator: h.validateAddCandidate}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel, h.cancel,
		workflow.UpdateHandlerOptions{Validator: h.validateCancel})
}

func (h *hiring) checkActive() error {
	if h.rec.Status.Terminal() {
		return domain.Conflictf("the hiring request is %s", h.rec.Status)
	}
	return nil
}

func (h *hiring) validateAddCandidate(ctx workflow.Context, in AddCandidateInput) error {
	err := h.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = domain.CheckAddCandidate(h.rec, in.Actor)
	}
	switch {
	case err != nil:
	case !domain.HasPrefixID(in.CandidateID, domain.PrefixCandidate):
		err = domain.Invalid(domain.FieldProblem{Field: "candidate_id", Problem: "must be a cnd_ ID"})
	case slices.ContainsFunc(h.rec.Candidates, func(c domain.CandidateRef) bool { return c.ID == in.CandidateID }):
		err = domain.Conflictf("candidate %s is already part of this request", in.CandidateID)
	}
	return refusal(err)
}

// addCandidate records the candidate's ID and opens the interview feedback task,
// which it returns.
func (h *hiring) addCandidate(ctx workflow.Context, in AddCandidateInput) (domain.Task, error) {
	h.tasks.cmds.note(ctx)
	h.rec.Candidates = append(h.rec.Candidates, domain.CandidateRef{ID: in.CandidateID, Status: domain.CandidateInterviewing})
	h.out.event(workflow.Now(ctx), domain.EventChanged, in.Actor.Handle, "", "%s added candidate %s", in.Actor.Handle, in.CandidateID)
	t := h.interview(ctx, in.CandidateID)
	if err := h.save(ctx); err != nil {
		return domain.Task{}, err
	}
	return *t, nil
}

func (h *hiring) validateCancel(ctx workflow.Context, in CancelInput) error {
	err := h.tasks.cmds.check(ctx, in.Command)
	if err == nil {
		err = domain.CheckCancelHiring(h.rec, in.Actor)
	}
	switch {
	case err != nil:
	case h.rec.Status.Terminal():
		err = h.checkActive()
	default:
		var p domain.Problems
		domain.CheckRequiredText(&p, "reason", in.Reason, domain.MaxCommentChars)
		err = p.Err()
	}
	return refusal(err)
}

// cancel stops the run; the workflow then cancels the open tasks and records the
// end, and the caller gets the request as it ended.
func (h *hiring) cancel(ctx workflow.Context, in CancelInput) (HiringDetail, error) {
	h.tasks.cmds.note(ctx)
	h.cancelledBy, h.rec.Reason = in.Actor.Handle, strings.TrimSpace(in.Reason)
	h.stopRun()
	if err := workflow.Await(ctx, func() bool { return h.ended }); err != nil {
		return HiringDetail{}, err
	}
	if err := h.out.written(ctx); err != nil { // the end is in the records before the answer
		return HiringDetail{}, err
	}
	return h.detail(), nil
}
