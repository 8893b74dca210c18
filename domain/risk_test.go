package domain

import "testing"

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
