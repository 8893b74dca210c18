package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/tandemhq/tandem/contract"
)

// TestWaitingOnFilterListsExactlyTheRunsWaitingOnATeam is the Temporal UI's run
// list filter, asked of the server directly: two campaigns in production, one
// with a paid channel (so legal reviews it) and one without; only the first is
// listed under TandemWaitingOn = 'team:legal', both under 'team:content'.
func TestWaitingOnFilterListsExactlyTheRunsWaitingOnATeam(t *testing.T) {
	s := start(t, seconds())
	launch := func(name string, channels ...string) string {
		brief := campaignBrief(name, 10*time.Minute)
		brief["channels"] = channels
		var c campaign
		s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &c)
		review := s.projected(s.waitFor(c.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 })).open("brief_review")[0]
		s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
		s.waitFor(c.ID, "production", func(c campaign) bool { return len(c.open("deliverable:")) > 0 })
		return c.ID
	}
	paid := launch("Paid search push", "paid_search")
	organic := launch("PR story", "pr")

	list := func(query string) []string {
		resp, err := s.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		var ids []string
		for _, e := range resp.Executions {
			ids = append(ids, e.Execution.WorkflowId)
		}
		slices.Sort(ids)
		return ids
	}
	// Visibility is eventually consistent: wait until both runs show their production attributes.
	both := []string{contract.CampaignWorkflowID(paid), contract.CampaignWorkflowID(organic)}
	slices.Sort(both)
	for deadline := time.Now().Add(30 * time.Second); !slices.Equal(list("TandemWaitingOn = 'team:content'"), both); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("team:content lists %v, want both campaigns %v", list("TandemWaitingOn = 'team:content'"), both)
		}
	}
	if got := list("TandemWaitingOn = 'team:legal'"); !slices.Equal(got, []string{contract.CampaignWorkflowID(paid)}) {
		t.Errorf("team:legal lists %v, want only the paid campaign", got)
	}
	if got := list("TandemProcess = 'campaign' AND TandemStage = 'production'"); !slices.Equal(got, both) {
		t.Errorf("production campaigns = %v, want both", got)
	}
}
