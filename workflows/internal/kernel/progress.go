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
// each Save, and the process calls it where it changed without saving. A run
// of onlyChangesVersion upserts only the attributes that changed, and nothing
// when none did: a reassignment or a re-plan, for one, changes no stage,
// status, team waited on or due time.
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
	unsetNext := next.IsZero()
	if !unsetNext {
		updates = append(updates, workflows.AttrNextDue.ValueSet(next))
	}
	updates = append(updates, p.Attributes...)
	if k.onlyChanges {
		current := workflow.GetTypedSearchAttributes(ctx)
		updates = changedOnly(current, updates)
		unsetNext = unsetNext && current.ContainsKey(workflows.AttrNextDue)
	}
	if unsetNext {
		updates = append(updates, workflows.AttrNextDue.ValueUnset())
	}
	if len(updates) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			return err
		}
	}
	// The current details are no command: the SDK keeps them in memory and
	// answers them to whoever opens the run, so setting them costs nothing.
	workflow.SetCurrentDetails(ctx, p.Details)
	return nil
}

// onlyChangesVersion, of wakeChangeID, upserts only the search attributes
// whose value changed, and none at all when nothing did; older runs upsert
// every one on every write, and keep doing so, so their histories replay. Each
// upsert is a command, a history event and a visibility write on the server (a
// REPLACE into a table with dozens of indexes), whatever it carries.
const onlyChangesVersion workflow.Version = 2

// changedOnly returns the updates that would change current: those that set a
// value current does not hold. An update that removes an attribute says
// nothing of which (the SDK answers only values set), so it is kept; the
// kernel removes its own, the next due time, knowing which it is.
func changedOnly(current temporal.SearchAttributes, updates []temporal.SearchAttributeUpdate) []temporal.SearchAttributeUpdate {
	// The maps below are only filled and looked up (and changed is an OR over
	// one update's keys), so the order they are walked in cannot change the
	// result: workflowcheck cannot see that.
	held := map[string]any{}
	//workflowcheck:ignore
	for key, v := range current.GetUntypedValues() {
		held[key.GetName()] = v
	}
	var out []temporal.SearchAttributeUpdate
	for _, u := range updates {
		//workflowcheck:ignore
		set := temporal.NewSearchAttributes(u).GetUntypedValues()
		changed := len(set) == 0
		//workflowcheck:ignore
		for key, v := range set {
			was, ok := held[key.GetName()]
			changed = changed || !ok || !sameValue(was, v)
		}
		if changed {
			out = append(out, u)
		}
	}
	return out
}

// sameValue reports whether two search-attribute values are equal: times as
// instants (a value read back from the run's history has lost its monotonic
// clock and zone), keyword lists element by element, the rest (strings,
// int64, float64, bool) as they are.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	case []string:
		b, ok := b.([]string)
		return ok && slices.Equal(a, b)
	default:
		return a == b
	}
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
