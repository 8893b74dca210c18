package kernel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

// Progress is what the Temporal UI shows of a process, as Process.Progress
// says it. The search attributes are stored in clear and the details shown to
// whoever opens the run, so neither carries a handle, personal data or money:
// stages, statuses, teams, roles, titles, IDs and counts only.
type Progress struct {
	// Stage and Status are the TandemStage and TandemStatus search attributes.
	Stage, Status string
	// Details are the run's current details, in markdown.
	Details string
	// Attributes are the process's own search attributes, set after the kernel's.
	Attributes []temporal.SearchAttributeUpdate
}

// ShowProgress keeps what the Temporal UI shows of the process current: the
// search attributes every process has (stage, status, the teams it waits on,
// the next due time) plus any of its own, and the current details. A run of
// the recorder's local version shows it with each write; an older one with
// each Save, and the process calls it where it changed without saving.
func (k *Core) ShowProgress(ctx workflow.Context) error {
	open := k.Tasks.OpenTasks(nil)
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
	p := k.p.Progress(open, workflow.Now(ctx))
	updates := []temporal.SearchAttributeUpdate{
		workflows.AttrStage.ValueSet(p.Stage),
		workflows.AttrStatus.ValueSet(p.Status),
		workflows.AttrWaitingOn.ValueSet(slices.Compact(waiting)),
	}
	if next.IsZero() {
		updates = append(updates, workflows.AttrNextDue.ValueUnset())
	} else {
		updates = append(updates, workflows.AttrNextDue.ValueSet(next))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, append(updates, p.Attributes...)...); err != nil {
		return err
	}
	workflow.SetCurrentDetails(ctx, p.Details)
	return nil
}

// WaitingOn writes, for current details, whom the open tasks wait on: each
// task's team, title, since and due, and whether it is overdue at now.
func WaitingOn(b *strings.Builder, open []domain.Task, now time.Time) {
	b.WriteString("Waiting on:\n")
	for _, t := range open {
		late := ""
		if now.After(t.DueAt) {
			late = " — **overdue**"
		}
		fmt.Fprintf(b, "- %s: %s, since %s, due %s%s\n", TeamOf(t), t.Title, t.CreatedAt.Format(time.RFC3339), t.DueAt.Format(time.RFC3339), late)
	}
}

// TeamOf says who a task waits on for the Temporal UI: the team and role, and
// whether someone in it was assigned, never who.
func TeamOf(t domain.Task) string {
	if t.Assignee != "" {
		return fmt.Sprintf("the %s team (%s, assigned)", t.Team, t.Role)
	}
	return fmt.Sprintf("the %s team (%s)", t.Team, t.Role)
}
