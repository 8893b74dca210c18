package hiring

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// stageLabel is what the run list shows as TandemStage: the stage, and in approval
// the chain step ("approval:finance").
func (h *hiring) stageLabel() string {
	if h.rec.Stage == domain.StageApproval && h.rec.Step != "" {
		return string(h.rec.Stage) + ":" + h.rec.Step
	}
	return string(h.rec.Stage)
}

// Progress is what the Temporal UI shows of the request: its stage (with the
// approval step), status, and as details the chain and whom it waits on. It
// carries teams, roles, titles and counts: no handle, no candidate, no budget.
func (h *hiring) Progress(open []domain.Task, now time.Time) kernel.Progress {
	return kernel.Progress{Stage: h.stageLabel(), Status: string(h.rec.Status), Details: h.currentDetails(open, now)}
}

func (h *hiring) currentDetails(open []domain.Task, now time.Time) string {
	var b strings.Builder
	r := h.rec.Request
	fmt.Fprintf(&b, "**%s** (%s, %s team) — %s, stage **%s**\n\n", r.Title, r.Level, r.Team, h.rec.Status, h.stageLabel())
	fmt.Fprintf(&b, "Needed by %s\n\n", r.NeededBy.Format(time.RFC3339))
	if len(h.rec.Chain) > 0 {
		fmt.Fprintf(&b, "Approval round %d:\n", h.rec.Round)
		for _, s := range h.rec.Chain {
			fmt.Fprintf(&b, "- %s (%s): %s", s.Key, s.Role, s.Decision)
			if n := len(s.Escalations); n > 0 {
				fmt.Fprintf(&b, ", escalated %d×", n)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(open) == 0 {
		if h.rec.Status.Terminal() {
			b.WriteString("Ended.\n")
		} else {
			b.WriteString("Waiting on nobody: candidates are added through the API.\n")
		}
		return b.String()
	}
	kernel.WaitingOn(&b, open, now)
	return b.String()
}
