package web

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// testWords are the words of a page for a reader in zone (nil: not known yet),
// who knows the demo people and a few IDs.
func testWords(zone *time.Location) *words {
	w := &words{loc: time.UTC, now: testNow, named: map[string]domain.NamedID{},
		people: map[string]string{"pat": "Pat Morgan", "maya": "Maya Ortiz", "web": "Wes Web", systemActor: "Tandem"}}
	if zone != nil {
		w.loc, w.zoned = zone, true
	}
	w.know(
		domain.NamedID{ID: "cmp_spring", Kind: domain.NameCampaign, Name: "Spring launch"},
		domain.NamedID{ID: "rsk_late", Kind: domain.NameRisk, Name: "Print vendor may miss the deadline"},
		domain.NamedID{ID: "tsk_assets", Kind: domain.NameTask, Name: "Make the assets"},
		domain.NamedID{ID: "cnd_jane", Kind: domain.NameCandidate, Name: "Jane Roe"},
		domain.NamedID{ID: "cnd_hidden", Kind: domain.NameCandidate}, // the reader may not know this one's name
	)
	return w
}

func TestTextPutsWorkflowTextsInPeoplesWords(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		zone *time.Location
		in   string
		want string
	}{
		{"a candidate by name", nil, "Interview feedback on candidate cnd_jane for “Web developer”", "Interview feedback on Jane Roe for “Web developer”"},
		{"a candidate the reader may not know", nil, "Record candidate cnd_hidden's answer to the offer", "Record a candidate's answer to the offer"},
		{"a candidate at the start", nil, "Candidate cnd_hidden accepted; prepare their start.", "A candidate accepted; prepare their start."},
		{"a risk by title", nil, "“Spring launch”: launch held by risk rsk_late", "“Spring launch”: launch held by the risk “Print vendor may miss the deadline”"},
		{"a task by title, a time in UTC", nil, "Task tsk_assets for the creative team (creative) was due 2026-11-22T04:00:00Z and is not done.",
			"The task “Make the assets” for the Creative team was due today 04:00 UTC and is not done."},
		{"a time in the reader's zone", paris, "Reminder: “Brief” is due 2026-11-23T09:00:00Z", "Reminder: “Brief” is due tomorrow 10:00"},
		{"an unknown ID in general words", nil, "Launch released: risk rsk_gone no longer holds it", "Launch released: a risk no longer holds it"},
		{"a bare ID", nil, "refused on tsk_assets", "refused on “Make the assets”"},
		{"people by name", nil, "pat completed “Review the brief”: changes_requested", "Pat Morgan completed “Review the brief”: changes requested"},
		{"a handle that spells a team is left, the team labelled", nil, "the web team", "the Web team"},
		// A template's task for a team and no role.
		{"a team without a role", nil, "Task “Draft” opened for the content team (), due 2026-11-22T04:00:00Z", "Task “Draft” opened for the Content team, due today 04:00 UTC"},
		{"Tandem itself", nil, "tandem raised the high risk “Late” (score 12), owned by maya", "Tandem raised the high risk “Late” (score 12), owned by Maya Ortiz"},
		{"money and a range", nil, "Offer 85000 EUR a year; the budget is 70000–90000 EUR.", "Offer €85,000 a year; the budget is €70,000–€90,000."},
		{"a large amount in exponent form", nil, "Approve the budget increase to 1.2e+06 USD", "Approve the budget increase to $1,200,000"},
		{"numbers grouped, a year kept", nil, "850 signups against a target of 12000 in 2027", "850 signups against a target of 12,000 in 2027"},
		{"durations in words", nil, "not decided within the 48h SLA; launching late, 26h3m5s after; window 336h", "not decided within the 2-day SLA; launching late, 1 day 2 hours after; window 2 weeks"},
		{"an SLA of two units", nil, "not acknowledged within the 1h30m SLA of a high risk", "not acknowledged within the SLA of 1 hour 30 minutes of a high risk"},
		{"what is quoted stays as typed but for its IDs", nil, "pat started “pat's 10000 2026-11-22T04:00:00Z”", "Pat Morgan started “pat's 10000 2026-11-22T04:00:00Z”"},
		{"a quoted title's candidate", nil, "Reminder: “Interview feedback on candidate cnd_jane” is due", "Reminder: “Interview feedback on Jane Roe” is due"},
		// A title quoting its run's name, quoted in turn: the inner quotes read single.
		{"quotes inside a quote", nil, "pat completed “Triage the Webinar request “Launch week live””: approved",
			"Pat Morgan completed “Triage the Webinar request ‘Launch week live’”: approved"},
		{"quotes three deep", nil, "Task “Review “A “B” A”” opened", "Task “Review ‘A “B” A’” opened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := testWords(tc.zone).Text(tc.in); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTimesReadInTheReadersZoneAndRelative(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	utc, zoned := testWords(nil), testWords(tokyo) // testNow is Sun 22 Nov 09:00 UTC, 18:00 in Tokyo
	for _, tc := range []struct {
		w    *words
		at   time.Time
		want string
	}{
		{utc, testNow.Add(5 * time.Hour), "today 14:00 UTC"},
		{zoned, testNow.Add(6 * time.Hour), "tomorrow 00:00"},
		{utc, testNow.Add(-20 * time.Hour), "yesterday 13:00 UTC"},
		{utc, testNow.Add(3 * 24 * time.Hour), "Wed 09:00 UTC"},
		{utc, testNow.Add(-30 * 24 * time.Hour), "Fri 23 Oct 09:00 UTC"},
		{zoned, time.Date(2027, 3, 2, 5, 0, 0, 0, time.UTC), "Tue 2 Mar 2027 14:00"},
	} {
		if got := tc.w.When(tc.at); got.Text != tc.want || got.Local == tc.w.zoned {
			t.Errorf("When(%s) in %s = %q (local %v), want %q", tc.at, tc.w.loc, got.Text, got.Local, tc.want)
		}
	}
	for _, tc := range []struct {
		at          time.Time
		want, class string
	}{
		{testNow.Add(53 * time.Hour), "due in 2 days, Tue 14:00 UTC", ""},
		{testNow.Add(3 * time.Hour), "due in 3 hours, today 12:00 UTC", "soon"},
		{testNow.Add(-5 * time.Hour), "overdue by 5 hours, due today 04:00 UTC", "overdue"},
		{time.Time{}, "no due date", ""},
	} {
		if got := utc.Due(tc.at); got.Text != tc.want || got.Class != tc.class {
			t.Errorf("Due(%s) = %q %q, want %q %q", tc.at, got.Text, got.Class, tc.want, tc.class)
		}
	}
}

func TestAmountsAndDurationsInWords(t *testing.T) {
	for in, want := range map[string]string{
		money(25000, "EUR"): "€25,000", money(1250.5, "EUR"): "€1,250.50", money(90000, "CHF"): "90,000 CHF",
		money(-300, "USD"): "-$300", number(0.034): "0.034", number(1234567): "1,234,567", number(999): "999",
		span(336 * time.Hour): "2 weeks", span(72 * time.Hour): "3 days", span(90 * time.Minute): "1 hour 30 minutes",
		span(26*time.Hour + 3*time.Minute): "1 day 2 hours", span(30 * time.Second): "30 seconds", span(240 * time.Hour): "10 days",
	} {
		if in != want {
			t.Errorf("got %q, want %q", in, want)
		}
	}
}

func TestTeamsRolesAndDatesInWords(t *testing.T) {
	w := testWords(nil)
	for in, want := range map[string]string{
		"opened for the  team (admin), due 2026-11-23T09:00:00Z":           "opened for an admin, due tomorrow 09:00 UTC",
		"new hire for the analytics team, needed by 2027-02-28T00:00:00Z.": "new hire for the Analytics team, needed by Sun 28 Feb 2027.",
		"still in approval at needed_by 2026-12-01T00:00:00Z":              "still in approval at needed by Tue 1 Dec",
		"Approval round 1: mops → finance → hr":                            "Approval round 1: MOps → finance → HR",
		"the marketing-ops team (marketing_ops_manager, assigned)":         "the Marketing ops team",
	} {
		if got := w.Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	for word, want := range map[string]string{"HR manager": "an", "MOps": "an", "PMO lead": "a", "admin": "an", "director": "a", "IT desk": "an"} {
		if got := article(word); got != want {
			t.Errorf("article(%q) = %q, want %q", word, got, want)
		}
	}
}
