package web

import "testing"

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{
		"brief_review": "Brief review", "marketing-ops": "Marketing ops", "hr": "HR", "pmo": "PMO", "mops": "MOps",
		"paid_search": "Paid search", "": "", "changes_requested": "Changes requested",
	} {
		if got := label(in); got != want {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
}
