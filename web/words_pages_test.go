package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The board's pages in the team's words: a world of processes whose workflow
// texts carry IDs, handles and RFC 3339 times, as the real ones do, drawn page
// by page and read as people read them.

const (
	worldCampaign = "cmp_5kq3h8d2xw9a"
	worldHiring   = "hir_7bq2m4k8z1xc"
	worldRisk     = "rsk_3nd8w2q6j5tv"
	worldJane     = "cnd_9c1x4v7b2n5m"
	taskAssets    = "tsk_1a2b3c4d5e6f"
	taskInterview = "tsk_6f5e4d3c2b1a"
	taskOffer     = "tsk_0a9b8c7d6e5f"
	taskAck       = "tsk_a1b2c3d4e5f6"
)

// worldTasks are the open tasks of the world: a campaign's overdue
// deliverable, a hiring request's interview feedback and offer approval, and
// the acknowledgement of the risk the overdue deliverable raised.
func worldTasks() []domain.Task {
	due := testNow.Add(-5 * time.Hour)
	return []domain.Task{
		{ID: taskAssets, Process: domain.ProcessCampaign, ProcessID: worldCampaign, Kind: domain.KindWork, Title: "Creative assets for “Spring launch”",
			Description: "Channels: email, paid_social. Launch " + testNow.Add(10*24*time.Hour).Format(time.RFC3339) + ".",
			Team:        domain.TeamCreative, Role: domain.RoleCreative, Assignee: "cleo", Status: domain.TaskOpen, DueAt: due, CreatedAt: testNow.Add(-40 * time.Hour)},
		{ID: taskInterview, Process: domain.ProcessHiring, ProcessID: worldHiring, Kind: domain.KindWork,
			Title:       "Interview feedback on candidate " + worldJane + " for “Web developer”",
			Description: "Say whether to make candidate " + worldJane + " an offer and, if so, the yearly salary to offer.",
			Team:        domain.TeamWeb, Role: domain.RoleWeb, Assignee: "pat", Status: domain.TaskOpen, DueAt: testNow.Add(53 * time.Hour), CreatedAt: testNow.Add(-2 * time.Hour)},
		{ID: taskOffer, Process: domain.ProcessHiring, ProcessID: worldHiring, Kind: domain.KindApproval,
			Title:       "Approve the offer to candidate " + worldJane + " for “Web developer”",
			Description: "Offer 85000 EUR a year; the budget is 70000–90000 EUR.",
			Team:        domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager, Status: domain.TaskOpen, DueAt: testNow.Add(20 * time.Hour), CreatedAt: testNow.Add(-time.Hour)},
		{ID: taskAck, Process: domain.ProcessRisk, ProcessID: worldRisk, Kind: domain.KindAcknowledge, Title: "Acknowledge the risk “Print vendor may miss the deadline”",
			Description: "Choose how the risk will be handled, write the plan, and say when the plan is due.",
			Team:        domain.TeamPMO, Role: domain.RoleProjectManager, Assignee: "pat", Status: domain.TaskOpen, DueAt: testNow.Add(time.Hour), CreatedAt: testNow.Add(-3 * time.Hour)},
	}
}

func worldOf(process domain.Process, tasks []domain.Task) []domain.Task {
	var out []domain.Task
	for _, t := range tasks {
		if t.Process == process {
			out = append(out, t)
		}
	}
	return out
}

// mayReadJane says whether me may know the candidate by name: the hiring
// request's requester (pat), marketing ops and HR, as the API's rule says.
func mayReadJane(me domain.Person) bool {
	return me.Handle == "pat" || me.HasRole(domain.RoleMarketingOpsManager) || me.HasRole(domain.RoleHR)
}

// world answers every route the pages read, for a world where things have
// happened: the fake API of every page at once.
func world(f *fakeAPI) {
	tasks := worldTasks()
	done := testNow.Add(-50 * time.Hour)
	left := testNow.Add(-45 * time.Hour)
	held := testNow.Add(-4 * time.Hour)
	brief := domain.Brief{Name: "Spring launch", Objective: "Grow signups", Audience: "Shop owners",
		Channels: []domain.Channel{domain.ChannelEmail, domain.ChannelPaidSocial}, Budget: domain.Money{Amount: 25000, Currency: "EUR"},
		LaunchAt: testNow.Add(10 * 24 * time.Hour), TrackingWindow: domain.Duration(336 * time.Hour),
		KPIs:           []domain.KPI{{Name: "signups", Target: 12000, Unit: "signups", Direction: domain.Higher}},
		ProjectManager: "pat", MarketingOpsManager: "maya"}
	campaign := domain.Campaign{ID: worldCampaign, WorkflowID: "campaign/" + worldCampaign, Brief: brief, Status: domain.StatusActive,
		Stage: domain.StageProduction, RequestedBy: "pat", CreatedAt: testNow.Add(-72 * time.Hour),
		Stages: []domain.StageSpan{{Stage: domain.StageBriefReview, Entered: testNow.Add(-72 * time.Hour), Left: &left}, {Stage: domain.StageProduction, Entered: left}},
		Risks: []domain.LinkedRisk{{ID: worldRisk, Cause: "overdue:" + taskAssets, Severity: domain.SeverityCritical, Status: domain.RiskOpen,
			Title: "Print vendor may miss the deadline", Owner: "pat"}},
		HeldBy: worldRisk, HeldSince: &held}
	campaignTasks := append(worldOf(domain.ProcessCampaign, tasks), domain.Task{ID: "tsk_9z8y7x6w5v4u", Process: domain.ProcessCampaign, ProcessID: worldCampaign,
		Kind: domain.KindApproval, Title: "Review the brief of “Spring launch”", Assignee: "maya", Status: domain.TaskDone,
		Outcome: domain.OutcomeApproved, CompletedBy: "maya", CompletedAt: &done})
	campaignEvents := []domain.Event{
		{Kind: domain.EventStarted, Actor: "pat", Message: "pat started the campaign launch “Spring launch”", At: testNow.Add(-72 * time.Hour)},
		{Kind: domain.EventRefused, Actor: "pat", Message: "pat was refused (403): POST /api/v1/tasks/:id/complete on tsk_9z8y7x6w5v4u: pat raised this campaign and may not approve it",
			At: testNow.Add(-60 * time.Hour), TaskID: "tsk_9z8y7x6w5v4u",
			Refused: &domain.Refusal{Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_9z8y7x6w5v4u", Status: 403, Reason: "pat raised this campaign and may not approve it"}},
		{Kind: domain.EventTaskCompleted, Actor: "maya", Message: "maya completed “Review the brief of “Spring launch””: approved", At: done},
		{Kind: domain.EventTaskOverdue, Message: "Task " + taskAssets + " for the creative team (creative) was due " + testNow.Add(-5*time.Hour).Format(time.RFC3339) + " and is not done.", At: testNow.Add(-5 * time.Hour)},
		{Kind: domain.EventLaunchHeld, Message: "Launch held by risk " + worldRisk, At: held},
	}
	f.on("GET /api/v1/campaigns/{id}", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, campaignBody{Campaign: campaign,
			detailPart: detailPart{Tasks: campaignTasks, Waiting: campaign.WaitingOn(campaignTasks), Live: true}}
	})
	f.on("GET /api/v1/campaigns/{id}/timeline", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, pageOf(campaignEvents...) })
	f.on("GET /api/v1/campaigns", func(r *http.Request, _ domain.Person) (int, any) {
		if s := r.URL.Query().Get("status"); s != "" && s != string(domain.StatusActive) {
			return http.StatusOK, pageOf(domain.Campaign{ID: "cmp_0q9w8e7r6t5y", Brief: domain.Brief{Name: "Winter webinar", ProjectManager: "pat"},
				Status: domain.Status(s), Reason: "cancelled by pat: the venue closed", UpdatedAt: testNow.Add(-30 * time.Hour)})
		}
		return http.StatusOK, pageOf(campaign)
	})

	hire := domain.HiringRequest{ID: worldHiring, WorkflowID: "hiring/" + worldHiring, Status: domain.StatusActive, Stage: domain.StageOffer,
		RequestedBy: "pat", Round: 1, CreatedAt: testNow.Add(-20 * 24 * time.Hour),
		Request: domain.Requisition{Title: "Web developer", Team: domain.TeamWeb, Level: "senior", Kind: domain.HireNew, Justification: "Two launches a month",
			Budget: domain.SalaryRange{Min: 70000, Max: 90000, Currency: "EUR"}, NeededBy: testNow.Add(60 * 24 * time.Hour), HiringManager: "pat"},
		Chain: []domain.ChainStep{{Key: "mops", Title: "Headcount approval", Role: domain.RoleMarketingOpsManager, Decision: domain.DecisionApproved,
			DecidedBy: "maya", DecidedAt: &done, Escalations: []domain.Escalation{}}},
		Candidates: []domain.CandidateRef{{ID: worldJane, Status: domain.CandidateOffered}},
		Offer:      &domain.Offer{CandidateID: worldJane, Amount: 85000, Currency: "EUR"}}
	hiringTasks := worldOf(domain.ProcessHiring, tasks)
	f.on("GET /api/v1/hiring-requests/{id}", func(_ *http.Request, me domain.Person) (int, any) {
		h := hire
		h.Candidates = []domain.CandidateRef{{ID: worldJane, Status: domain.CandidateOffered}}
		if mayReadJane(me) {
			h.Candidates[0].Name = "Jane Roe"
		}
		return http.StatusOK, hiringBody{HiringRequest: h, detailPart: detailPart{Tasks: hiringTasks, Waiting: domain.WaitingOnOf(hiringTasks), Live: true}}
	})
	f.on("GET /api/v1/hiring-requests/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(
			domain.Event{Kind: domain.EventStarted, Actor: "pat", Message: "pat requested a hire: “Web developer” (senior)", At: hire.CreatedAt},
			domain.Event{Kind: domain.EventTaskOpened, Message: "Approve the offer to candidate " + worldJane + ": 85000 EUR a year, due " +
				testNow.Add(20*time.Hour).Format(time.RFC3339), At: testNow.Add(-time.Hour)})
	})
	f.on("GET /api/v1/hiring-requests", func(r *http.Request, _ domain.Person) (int, any) {
		if s := r.URL.Query().Get("status"); s != "" && s != string(domain.StatusActive) {
			return http.StatusOK, pageOf[domain.HiringRequest]()
		}
		return http.StatusOK, pageOf(hire)
	})

	risk := domain.Risk{ID: worldRisk, WorkflowID: "risk/" + worldRisk, Title: "Print vendor may miss the deadline", Category: domain.CategorySchedule,
		Description: "Task " + taskAssets + " for the creative team (creative) was due " + testNow.Add(-5*time.Hour).Format(time.RFC3339) + " and is not done.",
		Probability: 5, Impact: 4, Score: 20, Severity: domain.SeverityCritical, Owner: "pat", RaisedBy: "tandem", Cause: "overdue:" + taskAssets,
		Related: &domain.Related{Process: domain.ProcessCampaign, ID: worldCampaign}, Status: domain.RiskOpen, Level: 1, CreatedAt: testNow.Add(-5 * time.Hour),
		Assessments: []domain.Assessment{{Probability: 5, Impact: 4, Score: 20, Severity: domain.SeverityCritical, By: "tandem", At: testNow.Add(-5 * time.Hour)}},
		Escalations: []domain.RiskEscalation{{Level: 1, From: "maya", To: "pat", Why: "not acknowledged within the 1h SLA of a critical risk", At: testNow.Add(-4 * time.Hour)}}}
	riskTasks := worldOf(domain.ProcessRisk, tasks)
	f.on("GET /api/v1/risks/{id}", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, riskBody{Risk: risk, detailPart: detailPart{Tasks: riskTasks, Waiting: domain.WaitingOnOf(riskTasks), Live: true}}
	})
	f.on("GET /api/v1/risks/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, pageOf(domain.Event{Kind: domain.EventRiskRaised, Actor: "tandem",
			Message: "tandem raised the critical risk “Print vendor may miss the deadline” (score 20), owned by maya", At: risk.CreatedAt},
			domain.Event{Kind: domain.EventRiskEscalated, Message: "Risk “Print vendor may miss the deadline” escalated to pat (level 1): not acknowledged within the 1h SLA of a critical risk",
				At: testNow.Add(-4 * time.Hour)})
	})
	f.on("GET /api/v1/risks", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("status") != "" {
			return http.StatusOK, pageOf[domain.Risk]()
		}
		return http.StatusOK, pageOf(risk)
	})
	// The boards' columns, as the API's board route answers them from the
	// same records.
	campaignCard := domain.BoardCard{ID: worldCampaign, Process: domain.ProcessCampaign, Name: brief.Name, Stage: string(campaign.Stage),
		Owner: brief.ProjectManager, HeldBy: campaign.HeldBy}
	campaignCard.SetWaiting(worldOf(domain.ProcessCampaign, tasks), campaign.WaitingOn(nil))
	hireCard := domain.BoardCard{ID: worldHiring, Process: domain.ProcessHiring, Name: hire.Request.Title, Stage: string(hire.Stage),
		Owner: hire.RequestedBy, Step: hire.Step}
	hireCard.SetWaiting(worldOf(domain.ProcessHiring, tasks), nil)
	riskCard := domain.BoardCard{ID: worldRisk, Process: domain.ProcessRisk, Name: risk.Title, Stage: string(risk.Status),
		Owner: risk.Owner, Severity: risk.Severity}
	riskCard.SetWaiting(worldOf(domain.ProcessRisk, tasks), nil)
	f.on("GET /api/v1/boards/campaigns", boardOf(campaignCard))
	f.on("GET /api/v1/boards/hiring-requests", boardOf(hireCard))
	f.on("GET /api/v1/boards/risks", boardOf(riskCard))

	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		q := r.URL.Query()
		var out []domain.Task
		for _, t := range tasks {
			if (q.Get("assignee") != "me" || t.Assignee == me.Handle) && (q.Get("team") == "" || string(t.Team) == q.Get("team")) &&
				(q.Get("process") == "" || string(t.Process) == q.Get("process")) {
				out = append(out, t)
			}
		}
		return http.StatusOK, taskPage(r, out...)
	})
	f.on("GET /api/v1/notifications", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Notification{
			{ID: 7, Kind: domain.NotifyUpdate, Subject: "“Spring launch”: risk " + worldRisk + " raised: Print vendor may miss the deadline",
				Process: domain.ProcessCampaign, ProcessID: worldCampaign, CreatedAt: testNow.Add(-5 * time.Hour)},
			{ID: 6, Kind: domain.NotifyReminder, Subject: "Reminder: “Interview feedback on candidate " + worldJane + " for “Web developer”” is due " +
				testNow.Add(53*time.Hour).Format(time.RFC3339), Process: domain.ProcessHiring, ProcessID: worldHiring, TaskID: taskInterview, CreatedAt: testNow.Add(-3 * time.Hour)},
			{ID: 5, Kind: domain.NotifyOverdue, Subject: "Overdue: “Creative assets for “Spring launch”” was due " + testNow.Add(-5*time.Hour).Format(time.RFC3339),
				Process: domain.ProcessCampaign, ProcessID: worldCampaign, TaskID: taskAssets, CreatedAt: testNow.Add(-5 * time.Hour)},
		}, "seen_through": 5, "unread": 2}
	})
	f.on("GET /api/v1/reports/workload", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, domain.Workload{AsOf: testNow, DueSoonWithin: domain.Duration(24 * time.Hour),
			Totals: domain.WorkloadTotals{Open: 4, Overdue: 1, DueSoon: 2},
			People: []domain.PersonLoad{{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Open: 1, Overdue: 1}},
			Teams:  []domain.TeamLoad{{Team: domain.TeamCreative, Members: 1, Open: 1, Overdue: 1}}}
	})
	reportAPI(f)

	// GET /names as the API answers it: the candidate's name only to those
	// who may read it.
	f.on("GET /api/v1/names", func(r *http.Request, me domain.Person) (int, any) {
		known := map[string]domain.NamedID{
			worldCampaign: {ID: worldCampaign, Kind: domain.NameCampaign, Name: "Spring launch"},
			worldHiring:   {ID: worldHiring, Kind: domain.NameHiring, Name: "Web developer"},
			worldRisk:     {ID: worldRisk, Kind: domain.NameRisk, Name: risk.Title},
			worldJane:     {ID: worldJane, Kind: domain.NameCandidate},
		}
		if mayReadJane(me) {
			known[worldJane] = domain.NamedID{ID: worldJane, Kind: domain.NameCandidate, Name: "Jane Roe"}
		}
		for _, t := range tasks {
			known[t.ID] = domain.NamedID{ID: t.ID, Kind: domain.NameTask, Name: t.Title}
		}
		var out []domain.NamedID
		for _, id := range r.URL.Query()["id"] {
			if n, ok := known[id]; ok {
				out = append(out, n)
			}
		}
		return http.StatusOK, pageOf(out...)
	})
}

// worldPages are the board's pages, each as the people who read it.
var worldPages = []string{
	"/", "/board/campaigns", "/board/hiring-requests", "/board/risks",
	"/campaigns/" + worldCampaign, "/hiring-requests/" + worldHiring, "/risks/" + worldRisk,
	"/finished/campaigns", "/finished/hiring-requests", "/finished/risks",
	"/notifications", "/me", "/workload", "/reports",
	"/new/campaign", "/new/hiring-request", "/new/risk",
}

var (
	rawID    = regexp.MustCompile(`\b(?:cmp|hir|rsk|tsk|cnd)_[0-9a-z]+`)
	rawStamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
	// invisible is what a page holds that nobody reads as text: scripts,
	// styles, and the tags themselves with their attributes.
	invisible = regexp.MustCompile(`(?s)<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]*>`)
)

// visibleText is what a person reads of a page: its text, not its tags,
// attributes or addresses.
func visibleText(page string) string {
	return html.UnescapeString(invisible.ReplaceAllString(page, " "))
}

// TestNoPageShowsARawIDOrTimestamp draws every page of the board, as a
// project manager who may read the candidate and audit, and as a creative
// who may do neither, and fails if what they read holds an ID (cmp_, hir_,
// rsk_, tsk_, cnd_) or an RFC 3339 time.
func TestNoPageShowsARawIDOrTimestamp(t *testing.T) {
	for _, token := range []string{sesPat, sesCleo, sesMaya} {
		h, f := newTestApp(t)
		world(f)
		for _, path := range append(worldPages, "/signin") {
			tok := token
			if path == "/signin" {
				tok = ""
			}
			w := get(t, h, tok, path)
			if w.Code != http.StatusOK && !(w.Code == http.StatusForbidden && strings.HasPrefix(path, "/new/")) && !(w.Code == http.StatusForbidden && path == "/reports") {
				t.Errorf("%s as %s: status %d", path, token, w.Code)
				continue
			}
			text := visibleText(w.Body.String())
			for _, bad := range []*regexp.Regexp{rawID, rawStamp} {
				for _, m := range bad.FindAllStringIndex(text, -1) {
					t.Errorf("%s as %s shows %q: …%s…", path, token, text[m[0]:m[1]], strings.Join(strings.Fields(text[max(0, m[0]-80):min(len(text), m[1]+40)]), " "))
				}
			}
		}
	}
}

// Once the browser has named its time zone (the cookie app.js sets), the
// server writes times in it; before, in UTC, saying so, for the script to
// rewrite. A cookie that names no zone is UTC.
func TestTimesAreInTheBrowsersZoneOnceItNamedIt(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	page := func(zone string) string {
		r := newGet("/campaigns/" + worldCampaign)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesPat})
		if zone != "" {
			r.AddCookie(&http.Cookie{Name: zoneCookie, Value: zone})
		}
		return serve(h, r).Body.String()
	}
	paris := page("Europe%2FParis")
	for _, want := range []string{
		`title="Sunday 22 November 2026, 05:00 CET">overdue by 5 hours, due today 05:00</time>`, // 04:00 UTC
		"<dt>Launch</dt><dd>" + `<time datetime="2026-12-02T09:00:00Z" title="Wednesday 2 December 2026, 10:00 CET">Wed 2 Dec 10:00</time>`,
	} {
		if !strings.Contains(paris, want) {
			t.Errorf("in Paris the page lacks %q", want)
		}
	}
	if strings.Contains(paris, "data-local") || strings.Contains(visibleText(paris), "UTC") {
		t.Error("in Paris the page still writes times in UTC")
	}
	for _, zone := range []string{"", "Local", "Mars%2FOlympus", "..%2F..%2Fetc%2Fpasswd", "Europe%2FParis%0A"} {
		if p := page(zone); !strings.Contains(p, `data-lead="overdue by 5 hours, due ">overdue by 5 hours, due today 04:00 UTC</time>`) {
			t.Errorf("with zone cookie %q the page does not write UTC for the script", zone)
		}
	}
}

// A page resolves the IDs of all it shows in one lookup (GET /names), never
// one call per ID or a process's detail per candidate; the page's calls are
// counted.
func TestAPageNamesItsIDsInOneLookup(t *testing.T) {
	for path, want := range map[string][]string{
		// Pat's tasks, his team's, and his role's queue (project manager).
		"/":              {"GET /api/v1/me", "GET /api/v1/notifications", "GET /api/v1/tasks", "GET /api/v1/tasks", "GET /api/v1/tasks", "GET /api/v1/people", "GET /api/v1/names"},
		"/notifications": {"GET /api/v1/me", "GET /api/v1/notifications", "GET /api/v1/notifications", "GET /api/v1/people", "GET /api/v1/names"},
		// What a campaign's page shows, it knows: its tasks, its risks.
		"/campaigns/" + worldCampaign: {"GET /api/v1/me", "GET /api/v1/notifications", "GET /api/v1/campaigns/" + worldCampaign,
			"GET /api/v1/campaigns/" + worldCampaign + "/timeline", "GET /api/v1/people", "GET /api/v1/campaigns/" + worldCampaign + "/comments"},
		"/risks/" + worldRisk: {"GET /api/v1/me", "GET /api/v1/notifications", "GET /api/v1/risks/" + worldRisk,
			"GET /api/v1/risks/" + worldRisk + "/timeline", "GET /api/v1/people", "GET /api/v1/names", "GET /api/v1/risks/" + worldRisk + "/comments"},
	} {
		h, f := newTestApp(t)
		world(f)
		if w := get(t, h, sesPat, path); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		var got []string
		for _, c := range f.calls {
			got = append(got, c.Method+" "+c.Path)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s called\n  %s\nwant\n  %s", path, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// The timeline reads as a story: what happened, by whom, in words; a refused
// command (the API shows them to those who may audit) as one sentence, never
// its route, and a link that hides them, which needs no script.
func TestTheTimelineIsAStoryWithRefusalsThatCanBeHidden(t *testing.T) {
	h, f := newTestApp(t)
	world(f)
	page := "/campaigns/" + worldCampaign
	w := get(t, h, sesPat, page)
	mustContain(t, w,
		"Pat Manager started the campaign launch “Spring launch”",
		`<span class="ev-kind">Refused:</span> Pat Manager tried to decide “Review the brief of ‘Spring launch’” — not allowed: Pat Manager raised this campaign and may not approve it.`,
		// A title quoting the campaign's name, quoted in turn, nests its quotes.
		"Maya Ops completed “Review the brief of ‘Spring launch’”: approved",
		"The task “Creative assets for ‘Spring launch’” for the Creative team was due today 04:00 UTC and is not done.",
		`<a href="`+page+`?refused=hide#timeline-h">Hide the 1 refused command</a>`)
	mustNotContain(t, w, "/api/v1/", ":id")

	w = get(t, h, sesPat, page+"?refused=hide")
	mustContain(t, w, "1 refused command hidden. <a href=\""+page+"#timeline-h\">Show it</a>", "Pat Manager started the campaign launch")
	mustNotContain(t, w, "tried to decide", `class="ev refused"`)
}
