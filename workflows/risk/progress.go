package risk

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Progress is what the Temporal UI shows of the risk: severity, level and the
// teams it waits on as search attributes, and which team must act by when as
// details.
func (r *risk) Progress(open []domain.Task, _ time.Time) kernel.Progress {
	return kernel.Progress{
		Stage: string(r.rec.Status), Status: string(r.rec.Status), Details: r.currentDetails(open),
		Attributes: []temporal.SearchAttributeUpdate{
			workflows.AttrProcess.ValueSet(string(domain.ProcessRisk)),
			workflows.AttrSeverity.ValueSet(string(r.rec.Severity)),
			workflows.AttrLevel.ValueSet(int64(r.rec.Level)),
		},
	}
}

func (r *risk) currentDetails(open []domain.Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s risk (score %d), **%s**, escalation level %d\n\n", r.rec.Title, r.rec.Severity, r.rec.Score, r.rec.Status, r.rec.Level)
	if len(open) == 0 {
		b.WriteString("Waiting on nobody.\n")
		return b.String()
	}
	b.WriteString("Must act:\n")
	for _, t := range open {
		fmt.Fprintf(&b, "- %s: %s, by %s\n", kernel.TeamOf(t), t.Title, t.DueAt.Format(time.RFC3339))
	}
	return b.String()
}
