package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
)

// calendarZone is the viewer's time zone of the calendar test: fourteen hours
// ahead of UTC, so an afternoon in UTC is the next morning there, and a due
// time placed on its UTC day shows on the wrong one.
const calendarZone = "Pacific/Kiritimati"

// TestCalendarInTheBoard: Pat's campaign, launched at 15:00 UTC three days
// from now, is in production; Cleo, in Kiritimati, opens the calendar and
// finds the creative deliverable on its due day there (the day after its UTC
// day), and the launch; she subscribes to her own feed on the page, and the
// address it shows answers an iCalendar document that parses and lists the
// deliverable and the launch at their UTC times.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the calendar (month, week) and the
// page with the new link at desktop and phone widths there.
func TestCalendarInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	day := time.Now().UTC().AddDate(0, 0, 3)
	launch := time.Date(day.Year(), day.Month(), day.Day(), 15, 0, 0, 0, time.UTC)
	brief := map[string]any{
		"name": "Kiritimati launch", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"social"}, "budget": map[string]any{"amount": 20000, "currency": "EUR"},
		"launch_at": launch.Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created, "Idempotency-Key", "calendar-1")
	c := s.projected(s.waitFor(created.ID, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+c.open("brief_review")[0].ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	c = s.projected(s.waitFor(created.ID, "production", func(c campaign) bool { return c.Stage == domain.StageProduction && len(c.open("deliverable:")) > 0 }))
	var creative domain.Task
	for _, task := range c.open("deliverable:") {
		if task.Team == domain.TeamCreative {
			creative = task
		}
	}
	if creative.ID == "" {
		t.Fatalf("no creative deliverable among %+v", c.open("deliverable:"))
	}
	zone, err := time.LoadLocation(calendarZone)
	if err != nil {
		t.Fatal(err)
	}
	dueThere := creative.DueAt.In(zone)
	if dueThere.Format(time.DateOnly) == creative.DueAt.UTC().Format(time.DateOnly) {
		t.Fatalf("the deliverable is due %s, the same day in UTC and %s: the test cannot tell them apart", creative.DueAt, calendarZone)
	}

	cleo := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
	if _, err := chromedp.Call(cleo.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: calendarZone}); err != nil {
		t.Fatalf("live in %s: %v", calendarZone, err)
	}
	cleo.goTo("/")
	cleo.signIn(s.tokens["cleo"], "Cleo Park")
	month := "/calendar?date=" + dueThere.Format(time.DateOnly)
	cleo.goTo(month)
	cleo.wait("the calendar", `!!document.querySelector('.cal-days')`)
	if zoneSaid := cleo.mainText(); !strings.Contains(zoneSaid, "Times are in "+calendarZone) {
		t.Errorf("the calendar does not say it is in %s:\n%s", calendarZone, zoneSaid)
	}
	inDay := func(date time.Time, text string) bool {
		return evalJS[bool](cleo, fmt.Sprintf(`(document.querySelector('#day-%s') || {textContent: ''}).textContent.includes(%q)`, date.Format(time.DateOnly), text))
	}
	if !inDay(dueThere, creative.Title) {
		t.Errorf("%q is not on %s, its due day in %s", creative.Title, dueThere.Format(time.DateOnly), calendarZone)
	}
	if inDay(creative.DueAt.UTC(), creative.Title) {
		t.Errorf("%q is on %s, its UTC day", creative.Title, creative.DueAt.UTC().Format(time.DateOnly))
	}
	if want := dueThere.Format("15:04"); !inDay(dueThere, want) {
		t.Errorf("the deliverable's time %s in %s is not on its day", want, calendarZone)
	}
	if !inDay(launch.In(zone), "Kiritimati launch") {
		t.Errorf("the launch is not on %s", launch.In(zone).Format(time.DateOnly))
	}
	link := evalJS[string](cleo, fmt.Sprintf(`document.querySelector('#day-%s a[href*="%s"]').getAttribute('href')`, dueThere.Format(time.DateOnly), creative.ID))
	if link != "/campaigns/"+created.ID+"#task-"+creative.ID {
		t.Errorf("the deliverable links to %q", link)
	}
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	if shots != "" {
		cleo.shoot(shots, "calendar-month", "")
		cleo.goTo(month + "&view=week")
		cleo.wait("the week", `!!document.querySelector('.cal.week')`)
		cleo.shoot(shots, "calendar-week", "")
		cleo.goTo(month)
	}

	// Subscribe: the page shows the address once; it answers the feed.
	cleo.click(`.feeds form:first-of-type button[type=submit]`)
	cleo.wait("the new link", `!!document.querySelector('#feed-url')`)
	address := evalJS[string](cleo, `document.querySelector('#feed-url').value`)
	if !strings.HasPrefix(address, s.url+"/api/v1/calendar/feeds/tdf_") {
		t.Fatalf("the feed's address is %q", address)
	}
	if shots != "" {
		cleo.shoot(shots, "calendar-new-link", "")
	}
	cleo.checkErrors()
	feed := fetchFeed(t, address)
	events := map[string]time.Time{}
	for _, ev := range feed.Events() {
		start, err := ev.GetStartAt()
		if err != nil {
			t.Errorf("event %s: %v", ev.Id(), err)
		}
		events[ev.Id()] = start
	}
	if at, ok := events["task-"+creative.ID+"@tandem"]; !ok || !at.Equal(creative.DueAt.Truncate(time.Second)) {
		t.Errorf("the feed's deliverable starts %v (listed %v), want %v; events %v", at, ok, creative.DueAt, events)
	}

	// A new link: the old address is gone.
	cleo.click(`.feeds form:first-of-type button[type=submit]`)
	cleo.wait("another link", fmt.Sprintf(`!!document.querySelector('#feed-url') && document.querySelector('#feed-url').value !== %q`, address))
	resp, err := http.Get(address)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the replaced address answers %d, want 404", resp.StatusCode)
	}
	fetchFeed(t, evalJS[string](cleo, `document.querySelector('#feed-url').value`))

	// A busy day folds: two tasks more due with the deliverable make six
	// entries on its day, which the month draws as three, the launch first,
	// and "+3 more", linking to the day in the week view, which draws all six.
	for i, title := range []string{"Print the flyers", "Brief the printer"} {
		s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns/"+created.ID+"/tasks",
			map[string]any{"title": title, "team": "creative", "role": "creative", "due_at": creative.DueAt.Format(time.RFC3339)}, nil,
			"Idempotency-Key", fmt.Sprintf("calendar-fold-%d", i))
	}
	s.projected(s.waitFor(created.ID, "the added tasks", func(c campaign) bool { return len(c.open("added:")) == 2 }))
	cleo.goTo(month)
	dayID := "#day-" + dueThere.Format(time.DateOnly)
	cleo.wait("the folded day", fmt.Sprintf(`!!document.querySelector('%s a.more')`, dayID))
	if n := evalJS[int](cleo, fmt.Sprintf(`document.querySelectorAll('%s .entry').length`, dayID)); n != 3 {
		t.Errorf("the folded day draws %d entries, want 3", n)
	}
	if first := evalJS[string](cleo, fmt.Sprintf(`document.querySelector('%s .entry').textContent`, dayID)); !strings.Contains(first, "Kiritimati launch") {
		t.Errorf("the folded day's first entry is %q, want the launch", first)
	}
	if more := evalJS[string](cleo, fmt.Sprintf(`document.querySelector('%s a.more').textContent`, dayID)); !strings.HasPrefix(more, "+3 more") {
		t.Errorf("the folded day says %q, want +3 more", more)
	}
	if shots != "" {
		cleo.shoot(shots, "calendar-month-folded", "")
	}
	cleo.click(dayID + " a.more")
	cleo.wait("the week of the busy day", `!!document.querySelector('.cal.week')`)
	if n := evalJS[int](cleo, fmt.Sprintf(`document.querySelectorAll('%s .entry').length`, dayID)); n != 6 {
		t.Errorf("the week draws %d entries on the busy day, want 6", n)
	}
	for _, title := range []string{"Print the flyers", "Brief the printer", "Kiritimati launch", creative.Title} {
		if !inDay(dueThere, title) {
			t.Errorf("%q is not on the busy day in the week view", title)
		}
	}
	cleo.checkErrors()
}

// fetchFeed gets a feed as a calendar application does, and parses it.
func fetchFeed(t *testing.T, address string) *ics.Calendar {
	t.Helper()
	resp, err := http.Get(address)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("GET %s: %d %s\n%s", address, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	return cal
}
