package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLinkedRiskNewsSupersedesOnlyWhenNewer(t *testing.T) {
	open := LinkedRisk{ID: "rsk_1", Severity: SeverityCritical, Status: RiskOpen, Seq: 2}
	resolved := LinkedRisk{ID: "rsk_1", Severity: SeverityCritical, Status: RiskResolved, Seq: 3}
	for _, tc := range []struct {
		name     string
		news     LinkedRisk
		old      LinkedRisk
		replaces bool
	}{
		{"newer news", resolved, open, true},
		{"older news, replayed", LinkedRisk{ID: "rsk_1", Severity: SeverityHigh, Status: RiskOpen, Seq: 1}, open, false},
		{"the same news again", open, open, false},
		{"news reopening an ended risk", LinkedRisk{ID: "rsk_1", Severity: SeverityCritical, Status: RiskOpen, Seq: 9}, resolved, false},
		{"an ended risk closed", LinkedRisk{ID: "rsk_1", Severity: SeverityCritical, Status: RiskClosed, Seq: 4}, resolved, true},
		{"uncounted news (older runs, the reconciler)", LinkedRisk{ID: "rsk_1", Status: RiskClosed}, resolved, true},
	} {
		if got := tc.news.Supersedes(tc.old); got != tc.replaces {
			t.Errorf("%s: supersedes = %v, want %v", tc.name, got, tc.replaces)
		}
	}
}

func TestHeldCampaignWaitsOnTheRisksDecision(t *testing.T) {
	since := time.Date(2027, 3, 31, 9, 0, 0, 0, time.UTC)
	open := Task{ID: "tsk_a", Title: "Copy", Team: TeamContent, Status: TaskOpen, CreatedAt: since.Add(-time.Hour), DueAt: since.Add(time.Hour)}
	done := Task{ID: "tsk_b", Title: "Assets", Status: TaskDone}
	c := Campaign{Risks: []LinkedRisk{
		{ID: "rsk_other", Severity: SeverityHigh, Status: RiskOpen, Title: "Other", Owner: "pat"},
		{ID: "rsk_held", Severity: SeverityCritical, Status: RiskOpen, Title: "Printer late", Owner: "sam"},
	}}
	if got := c.WaitingOn([]Task{open, done}); len(got) != 1 || got[0].TaskID != "tsk_a" {
		t.Errorf("not held: waiting on %+v, want the open task only", got)
	}
	c.HeldBy, c.HeldSince = "rsk_held", &since
	got := c.WaitingOn([]Task{open, done})
	if len(got) != 3 || got[0].TaskID != "tsk_a" {
		t.Fatalf("held: waiting on %+v, want the open task and the risk's decision", got)
	}
	if w := got[1]; w.RiskID != "rsk_held" || w.TaskID != "" || w.Assignee != "sam" || !w.Since.Equal(since) || !w.DueAt.IsZero() ||
		w.Title != "Resolve the risk “Printer late”, which holds the launch" {
		t.Errorf("the owner's part: %+v", w)
	}
	if w := got[2]; w.RiskID != "rsk_held" || w.Assignee != "" || !slices.Equal(w.Roles, []Role{RoleMarketingOpsManager, RoleDirector}) {
		t.Errorf("the accepting part: %+v", w)
	}
	// A link from before titles and owners were told: the risk by its ID, no owner named.
	c.Risks = []LinkedRisk{{ID: "rsk_held", Severity: SeverityCritical, Status: RiskOpen}}
	old := c.WaitingOn(nil)
	if len(old) != 2 || old[0].Assignee != "" || old[0].Title != "Resolve the risk rsk_held, which holds the launch" {
		t.Errorf("an old link: waiting on %+v", old)
	}
	// No JSON due_at for a decision nothing dates.
	b, err := json.Marshal(old[0])
	if err != nil || strings.Contains(string(b), "due_at") || strings.Contains(string(b), "task_id") {
		t.Errorf("a decision as JSON: %s (%v)", b, err)
	}
}
