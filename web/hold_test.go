package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// A campaign whose launch a risk holds shows whom it waits on for that: the
// risk's owner, who may resolve it, and who may accept it, each linked to the
// risk; and the linked risk says it holds the launch, in words apart.
func TestHeldCampaignShowsWhomItWaitsOn(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	since := testNow.Add(-2 * time.Hour)
	c.Risks = []domain.LinkedRisk{{ID: "rsk_late", Severity: domain.SeverityCritical, Status: domain.RiskOpen, Title: "Assets late", Owner: "pat"}}
	c.HeldSince = &since
	c.Waiting = c.WaitingOn(c.Tasks)
	campaignAPI(f, c)
	w := get(t, h, sesPat, "/campaigns/cmp_spring")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w,
		`Waiting on <span class="count">3</span>`,
		`<span class="who">Pat Manager</span>`+"\n      for "+`<a href="/risks/rsk_late">Resolve the risk “Assets late”, which holds the launch</a>`,
		`<span class="who">A marketing ops manager or a director</span>`+"\n      for "+`<a href="/risks/rsk_late">Accept the risk “Assets late” for the launch to go ahead</a>`,
		`<a href="/risks/rsk_late">Assets late</a> <span class="badge sev-critical">Critical</span> Open · <span class="held">holds the launch</span>`,
	)
	mustNotContain(t, w, "Nobody: no task is open", `href="#task-"`)
}
