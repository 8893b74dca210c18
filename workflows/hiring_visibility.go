package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// stageLabel is what the run list shows as TandemStage: the stage, and in approval
// the chain step ("approval:finance").
func (h *hiring) stageLabel() string {
	if h.rec.Stage == domain.StageApproval && h.rec.Step != "" {
		return string(h.rec.Stage) + ":" + h.rec.Step
	}
	return string(h.rec.Stage)
}

// showProgress keeps what the Temporal UI shows current. It carries teams, roles,
// titles and counts: no handle, no candidate, no budget.
func (h *hiring) showProgress(ctx workflow.Context) error {
	return showProgress(ctx, h.tasks, h.stageLabel(), string(h.rec.Status), h.currentDetails)
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
	b.WriteString("Waiting on:\n")
	for _, t := range open {
		late := ""
		if now.After(t.DueAt) {
			late = " — **overdue**"
		}
		fmt.Fprintf(&b, "- %s: %s, since %s, due %s%s\n", teamOf(t), t.Title, t.CreatedAt.Format(time.RFC3339), t.DueAt.Format(time.RFC3339), late)
	}
	return b.String()
}
