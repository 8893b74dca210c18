package web

import (
	"net/http"
	"testing"
)

// Maya is the only marketing ops manager of the directory: the forms that start
// what she would approve warn her that it goes to her manager instead. Pat,
// who holds no approving role, is not warned.
func TestStartFormsWarnTheOnlyHolderOfAnApprovingRole(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	for _, form := range []struct{ path, what string }{
		{"/new/campaign", "the review of your brief, and of any budget increase,"},
		{"/new/hiring-request", "each approval of your request that needs it"},
	} {
		w := get(t, h, sesMaya, form.path)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", form.path, w.Code)
		}
		mustContain(t, w, `<p class="warning" role="note">You are the only marketing ops manager, and nobody approves what they raised: `+
			form.what+` will go to your manager instead, or to the next authority up if you have none.</p>`)
		mustNotContain(t, get(t, h, sesPat, form.path), `class="warning"`)
	}
}
