package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/sdk/v1"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/hiring"
)

// currentDetails reads what the Temporal UI shows as the run's current details.
func (h *harness) currentDetails() string {
	h.t.Helper()
	v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
	if err != nil {
		h.t.Fatalf("metadata query: %v", err)
	}
	var md sdk.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		h.t.Fatal(err)
	}
	return md.GetCurrentDetails()
}

// A revision changes the title, the level and the date needed: the current
// details the Temporal UI shows follow it, and carry no money or justification.
func TestHiringCurrentDetailsShowTheRevisedRequest(t *testing.T) {
	h, _ := newHiringHarness(t)
	later := t0.Add(120 * day)
	approveChain(h, time.Hour, maya)
	h.at(2*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyStep+"finance"), hrFinn, domain.OutcomeChangesRequested, "Senior, later", nil)
	})
	h.at(3*time.Hour, func() {
		h.complete(hiringTask(h, hiring.KeyReviseRequest), pat, domain.OutcomeDone, "", map[string]any{"request": map[string]any{
			"title": "Senior marketing analyst", "level": "L4", "needed_by": later.Format(time.RFC3339),
			"budget": map[string]any{"min": 90000, "max": 120000, "currency": "EUR"}, "justification": "Two analysts leave",
		}})
	})
	var details string
	h.at(4*time.Hour, func() { details = h.currentDetails() })
	cancelBy(h, 5*time.Hour, pat)
	runHiring(h, hiringInput(100000))
	for _, want := range []string{"**Senior marketing analyst** (L4, analytics team)", "Needed by " + later.Format(time.RFC3339), "Approval round 2"} {
		if !strings.Contains(details, want) {
			t.Errorf("current details lack %q:\n%s", want, details)
		}
	}
	for _, stale := range []string{"Marketing analyst** (L3", "120000", "90000", "Two analysts leave", "EUR"} {
		if strings.Contains(details, stale) {
			t.Errorf("current details hold %q:\n%s", stale, details)
		}
	}
}
