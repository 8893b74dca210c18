package e2e

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/tandemhq/tandem/contract"
)

// TestNotificationCenterAndPreferences: Maya, mentioned in a comment, marks
// that one notification read from her notification center (the others stay
// unread, and the header's count drops by one), then on her own page chooses
// the daily digest for mentions and her time zone; the API reads back what
// she chose. The notifier workflow runs beside: every worker starts it.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the notification center and the
// preferences at desktop and phone widths there.
func TestNotificationCenterAndPreferences(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	brief := map[string]any{
		"name": "Winter sale", "objective": "Clear the stock", "audience": "Past customers",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 3000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "orders", "target": 50, "unit": "orders", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created, "Idempotency-Key", "winter-1")
	var comment struct {
		ID uint64 `json:"id"`
	}
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns/"+created.ID+"/comments",
		map[string]any{"body": "@maya can you check the **discount codes**?"}, &comment)

	maya := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
	maya.goTo("/")
	maya.signIn(s.tokens["maya"], "Maya Ortiz")
	unread := `(document.getElementById('unread').hidden ? 0 : Number(document.getElementById('unread-n').textContent))`
	maya.goTo("/notifications")
	mention := fmt.Sprintf(`main .note a[href$="#comment-%d"]`, comment.ID)
	maya.wait("the mention, unread", `!!document.querySelector('`+mention+`') && document.querySelector('`+mention+`').closest('.note').classList.contains('unread')`)
	before := evalJS[int](maya, unread)
	if before < 2 {
		t.Fatalf("Maya has %d unread; want the brief to review and the mention", before)
	}
	if shots != "" {
		maya.shoot(shots, "notify-1-center", "")
	}
	maya.eval(`document.querySelector('` + mention + `').closest('.note').querySelector('.mark-one button').click()`)
	maya.wait("the mention read, the rest not", `!document.querySelector('`+mention+`').closest('.note').classList.contains('unread') && document.querySelectorAll('main .note.unread').length > 0`)
	if got := evalJS[int](maya, unread); got != before-1 {
		t.Errorf("after marking one read the header says %d unread, want %d", got, before-1)
	}

	maya.goTo("/me#notify-h")
	maya.do("choose the digest for mentions, and Paris", chromedp.Evaluate[chromedp.Void](`(() => {
		document.querySelector('select[name="channel-mention"]').value = 'digest';
		document.querySelector('select[name="time_zone"]').value = 'Europe/Paris';
	})()`))
	if shots != "" {
		maya.shoot(shots, "notify-2-preferences", `document.getElementById('notify-h').scrollIntoView()`)
	}
	maya.click(`form.notify-prefs button[type=submit]`)
	maya.notice("Notification preferences saved.")
	var prefs struct {
		TimeZone string            `json:"time_zone"`
		Channels map[string]string `json:"channels"`
	}
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/people/maya/notification-preferences", nil, &prefs)
	if prefs.TimeZone != "Europe/Paris" || prefs.Channels["mention"] != "digest" || prefs.Channels["reminder"] != "email" {
		t.Errorf("preferences = %+v", prefs)
	}

	// Every worker starts the notifier, and it keeps running.
	desc, err := s.temporal.Client.DescribeWorkflowExecution(t.Context(), contract.NotifierWorkflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("the notifier is %v, want running", st)
	}
	maya.checkErrors()
}
