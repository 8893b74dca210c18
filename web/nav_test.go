package web

import (
	"net/http"
	"testing"
)

// The navigation offers only pages the person may open: the workload is for
// those who may read the reports (a project manager), not for a creative, who
// would get 403 there.
func TestNavigationOffersOnlyPagesThePersonMayOpen(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	pat := get(t, h, sesPat, "/new/risk")
	if pat.Code != http.StatusOK {
		t.Fatalf("status %d", pat.Code)
	}
	mustContain(t, pat, `<a href="/workload">Workload</a>`, `<a href="/board/campaigns">Board</a>`)
	cleo := get(t, h, sesCleo, "/new/risk")
	mustContain(t, cleo, `<a href="/board/campaigns">Board</a>`, `<a href="/new" aria-current="page">Start</a>`)
	mustNotContain(t, cleo, `href="/workload"`)
}
