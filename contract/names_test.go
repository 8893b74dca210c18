package contract

import (
	"testing"

	"github.com/tandemhq/tandem/domain"
)

func TestProcessOfWorkflowIDInvertsTheHelpers(t *testing.T) {
	for _, tc := range []struct {
		wid     string
		process domain.Process
		id      string
	}{
		{CampaignWorkflowID("cmp_5kq3h8d2xw9a"), domain.ProcessCampaign, "cmp_5kq3h8d2xw9a"},
		{HiringWorkflowID("hir_5kq3h8d2xw9a"), domain.ProcessHiring, "hir_5kq3h8d2xw9a"},
		{RiskWorkflowID("rsk_5kq3h8d2xw9a"), domain.ProcessRisk, "rsk_5kq3h8d2xw9a"},
		{TemplateRunWorkflowID("tpr_5kq3h8d2xw9a"), domain.ProcessTemplate, "tpr_5kq3h8d2xw9a"},
		{"template/rsk_5kq3h8d2xw9a", "", ""}, // a risk ID under the template prefix
		{"campaign/hir_5kq3h8d2xw9a", "", ""}, // a hiring ID under the campaign prefix
		{"risk/rsk_5kq3h8d2xw9", "", ""},      // too short
		{"risk/rsk_5kq3h8d2xw9aa", "", ""},    // too long
		{"risk/rsk_5kq3h8d2xw9i", "", ""},     // not in the ID alphabet
		{"floor-1", "", ""},
		{"", "", ""},
	} {
		p, id, ok := ProcessOfWorkflowID(tc.wid)
		if p != tc.process || id != tc.id || ok != (tc.process != "") {
			t.Errorf("ProcessOfWorkflowID(%q) = %q, %q, %v; want %q, %q", tc.wid, p, id, ok, tc.process, tc.id)
		}
	}
}
