package template

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
	"github.com/tandemhq/tandem/workflows/internal/kernel"
)

// Progress is what the Temporal UI shows of the run: its stage and status,
// the process and the template's key as search attributes, and as details the
// template, the stage and whom it waits on. It carries the template's names,
// stages, teams, roles, titles and counts: never a handle, nor an intake's
// values (a person, an amount).
func (r *run) Progress(open []domain.Task, now time.Time) kernel.Progress {
	return kernel.Progress{
		Stage: string(r.rec.Stage), Status: string(r.rec.Status), Details: r.currentDetails(open, now),
		Attributes: []temporal.SearchAttributeUpdate{
			workflows.AttrProcess.ValueSet(string(domain.ProcessTemplate)),
			workflows.AttrTemplate.ValueSet(r.t.Key),
		},
	}
}

func (r *run) currentDetails(open []domain.Task, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s (template %s, version %d), **%s**, stage **%s**", r.rec.Title, r.t.Name, r.t.Key, r.t.Version, r.rec.Status, r.stageName())
	if r.rec.Round > 1 {
		fmt.Fprintf(&b, ", round %d", r.rec.Round)
	}
	b.WriteString("\n\nStages: ")
	for i, s := range r.t.Stages {
		if i > 0 {
			b.WriteString(" → ")
		}
		b.WriteString(s.Name)
	}
	b.WriteString("\n\n")
	if len(open) == 0 {
		if r.rec.Status.Terminal() {
			b.WriteString("Ended.\n")
		} else {
			b.WriteString("Waiting on nobody.\n")
		}
		return b.String()
	}
	kernel.WaitingOn(&b, open, now)
	return b.String()
}

// stageName is the name of the stage the run is in, as the template says it.
func (r *run) stageName() string {
	for _, s := range r.t.Stages {
		if s.Key == string(r.rec.Stage) {
			return s.Name
		}
	}
	switch r.rec.Stage {
	case domain.StageTracking:
		return "tracking the KPIs"
	case domain.StageRetrospective:
		return "retrospective"
	}
	return string(r.rec.Stage) // triage
}
