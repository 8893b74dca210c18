package web

import (
	"net/http"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// The API holds a request's budget and justification back from who is not
// involved in it (null in its answer): the page says they are not for them,
// and never shows a zero budget.
func TestHiringDetailSaysWhatIsNotForTheReader(t *testing.T) {
	h, f := newTestApp(t)
	hb := engineerHire()
	hb.Request.Budget, hb.Request.Justification = domain.SalaryRange{}, ""
	hiringAPI(f, hb)
	w := get(t, h, sesCleo, "/hiring-requests/hir_eng")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w,
		`<dt>Budget</dt><dd><span class="hint">Only for the people involved in the request</span></dd>`,
		`<dt>Justification</dt><dd><span class="hint">Only for the people involved in the request</span></dd>`)
	mustNotContain(t, w, "0–0", "Two launches a month")
}
