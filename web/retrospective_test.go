package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The retrospective report says when the launch was planned, when it went out,
// and how late it was when it slipped.
func TestRetrospectiveReportSaysHowLateTheLaunchWas(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	planned := testNow.Add(-20 * 24 * time.Hour)
	launched := planned.Add(26 * time.Hour)
	c.Stage, c.HeldBy = domain.StageRetrospective, ""
	c.Report = &domain.Report{PlannedLaunchAt: &planned, LaunchedAt: &launched, LaunchSlipped: true, TimeInStage: map[domain.Stage]domain.Duration{}}
	campaignAPI(f, c)
	w := get(t, h, tokPat, "/campaigns/cmp_spring")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w, "<dt>Planned launch</dt><dd>"+when(planned)+"</dd>", "<dt>Launched</dt><dd>"+when(launched)+"</dd>",
		"<dt>Launch slipped</dt><dd>Yes, 26 hours late</dd>")
}
