package campaign

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Progress is what the Temporal UI shows of the campaign: its stage and
// status, and as details its launch, a hold, and whom it waits on.
func (c *campaign) Progress(open []domain.Task, now time.Time) kernel.Progress {
	return kernel.Progress{Stage: string(c.rec.Stage), Status: string(c.rec.Status), Details: c.currentDetails(open, now)}
}

func (c *campaign) currentDetails(open []domain.Task, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s, stage **%s**\n\n", c.rec.Brief.Name, c.rec.Status, c.rec.Stage)
	fmt.Fprintf(&b, "Launch: %s\n\n", c.rec.Brief.LaunchAt.Format(time.RFC3339))
	if c.rec.HeldBy != "" {
		fmt.Fprintf(&b, "**Held by risk %s** until it is resolved or accepted.\n\n", c.rec.HeldBy)
	}
	if len(open) == 0 {
		switch {
		case c.rec.Status.Terminal():
			b.WriteString("Ended.\n")
		case c.rec.Stage == domain.StageScheduled:
			fmt.Fprintf(&b, "Waiting for the launch at %s.\n", c.rec.Brief.LaunchAt.Format(time.RFC3339))
		case c.rec.Stage == domain.StageTracking && c.launchedAt != nil:
			fmt.Fprintf(&b, "Tracking KPIs until %s.\n", c.launchedAt.Add(c.rec.Brief.TrackingWindow.D()).Format(time.RFC3339))
		default:
			b.WriteString("Waiting on nobody.\n")
		}
		return b.String()
	}
	kernel.WaitingOn(&b, open, now)
	return b.String()
}
