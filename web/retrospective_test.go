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
	w := get(t, h, sesPat, "/campaigns/cmp_spring")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	// Both in November: the day and the time, in UTC until the browser names its zone.
	mustContain(t, w, `<dt>Planned launch</dt><dd><time datetime="2026-11-02T09:00:00Z" title="Monday 2 November 2026, 09:00 UTC" data-local>Mon 2 Nov 09:00 UTC</time></dd>`,
		`<dt>Launched</dt><dd><time datetime="2026-11-03T11:00:00Z" title="Tuesday 3 November 2026, 11:00 UTC" data-local>Tue 3 Nov 11:00 UTC</time></dd>`,
		"<dt>Launch slipped</dt><dd>Yes, 26 hours late</dd>")
}
