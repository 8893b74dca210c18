package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// On a campaign's page its managers (pat, maya) are offered to change an
// open task's estimate; cleo, who does the work, is not.
func TestEstimateIsOfferedToTheProcesssManagers(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	sixteen := 16.0
	c.Tasks[0].EstimateHours = &sixteen
	campaignAPI(f, c)
	for _, tk := range []struct {
		token string
		may   bool
	}{{sesPat, true}, {sesMaya, true}, {sesCleo, false}} {
		card := cardOf(t, get(t, h, tk.token, "/campaigns/cmp_spring").Body.String(), "tsk_assets")
		if got := strings.Contains(card, `action="/tasks/tsk_assets/estimate"`); got != tk.may {
			t.Errorf("%s is offered the estimate form: %v, want %v", tk.token, got, tk.may)
		}
		if tk.may {
			mustHold(t, "the estimate form", card, `<summary>Change the estimate</summary>`,
				`name="hours" type="number" min="0.25" max="1000" step="0.25" inputmode="decimal" required class="hours" value="16"`,
				`<input type="hidden" name="back" value="/campaigns/cmp_spring">`, `name="idempotency_key" value="`)
		}
	}
}

func TestEstimateSendsTheHoursAndSaysWhatWasRefused(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	campaignAPI(f, c)
	f.knowTasks(c.Tasks...)
	var answer func() (int, any)
	f.on("POST /api/v1/tasks/{id}/estimate", func(*http.Request, domain.Person) (int, any) { return answer() })
	path := "/tasks/tsk_assets/estimate"

	// A number out of bounds, or none, never reaches the API: the card says
	// why, what was typed kept, its form open.
	for _, bad := range []string{"0", "-3", "1000.5", "lots", ""} {
		w := post(t, h, sesPat, path, url.Values{"hours": {bad}, "reason": {"two more formats"}, "back": {"/campaigns/cmp_spring"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d", bad, w.Code)
		}
		card := cardOf(t, w.Body.String(), "tsk_assets")
		mustHold(t, "the refused card", card, `<details class="reassign estimate-action" id="estimate-tsk_assets" open>`,
			"Nothing was sent: the estimate must be a number of hours, more than 0 and at most 1000.", `value="`+bad+`" aria-invalid="true"`,
			"two more formats</textarea>")
	}
	if c := f.commands(); len(c) != 0 {
		t.Fatalf("a refused estimate was sent: %+v", c)
	}

	answer = func() (int, any) {
		done := c.Tasks[0]
		h := 24.0
		done.EstimateHours = &h
		return http.StatusOK, done
	}
	w := post(t, h, sesPat, path, url.Values{"hours": {"24"}, "reason": {"two more formats"}, "back": {"/campaigns/cmp_spring"},
		"idempotency_key": {"0123456789abcdef0123456789abcdef"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	sent := f.commands()
	if len(sent) != 1 || sent[0].Path != "/api/v1/tasks/tsk_assets/estimate" || sent[0].Body["hours"] != 24.0 || sent[0].Body["reason"] != "two more formats" {
		t.Fatalf("commands %+v", sent)
	}
	if key := sent[0].Key; key != "0123456789abcdef0123456789abcdef" {
		t.Errorf("Idempotency-Key %q, want the form's", key)
	}
	mustContain(t, followFlash(t, h, w, sesPat, "/campaigns/cmp_spring"), "Estimate of Make the assets: 24h")

	// The workflow's refusal (cleo is no manager) is said on the card.
	answer = func() (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "only the process's managers or an admin may change the estimate of task tsk_assets")
	}
	w = post(t, h, sesCleo, path, url.Values{"hours": {"8"}, "back": {"/campaigns/cmp_spring"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, followFlash(t, h, w, sesCleo, "/campaigns/cmp_spring"), "You may not change this task&#39;s estimate: only the process&#39;s managers or an admin may change the estimate of")
}
