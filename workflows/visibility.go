package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
)

// showProgress keeps what the Temporal UI shows of a process current: the search
// attributes every process has (stage, status, the teams it waits on, the next
// due time) plus any of its own, and the current details, which details writes
// from the open tasks. They carry teams, roles, titles and IDs: no handle, no
// personal data, no money (search attributes are stored in clear).
func showProgress(ctx workflow.Context, h *humanTasks, stage, status string,
	details func(open []domain.Task, now time.Time) string, extra ...temporal.SearchAttributeUpdate) error {
	open := h.openTasks(nil)
	var waiting []string
	var next time.Time
	for _, t := range open {
		if t.Team != "" {
			waiting = append(waiting, "team:"+string(t.Team))
		}
		if next.IsZero() || t.DueAt.Before(next) {
			next = t.DueAt
		}
	}
	slices.Sort(waiting)
	updates := []temporal.SearchAttributeUpdate{
		AttrStage.ValueSet(stage),
		AttrStatus.ValueSet(status),
		AttrWaitingOn.ValueSet(slices.Compact(waiting)),
	}
	if next.IsZero() {
		updates = append(updates, AttrNextDue.ValueUnset())
	} else {
		updates = append(updates, AttrNextDue.ValueSet(next))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, append(updates, extra...)...); err != nil {
		return err
	}
	workflow.SetCurrentDetails(ctx, details(open, workflow.Now(ctx)))
	return nil
}

func (c *campaign) showProgress(ctx workflow.Context) error {
	return showProgress(ctx, c.tasks, string(c.rec.Stage), string(c.rec.Status), c.currentDetails)
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

// teamOf says who a task waits on for the Temporal UI: the team and role, and
// whether someone in it was assigned, never who.
func teamOf(t domain.Task) string {
	if t.Assignee != "" {
		return fmt.Sprintf("the %s team (%s, assigned)", t.Team, t.Role)
	}
	return fmt.Sprintf("the %s team (%s)", t.Team, t.Role)
}
