package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Detail pages: what they show, which actions they offer to whom, and how each
// action reaches the API.

const sesAna = "ses-ana" // analytics: may record KPI actuals, nothing else

func withAnalyst(f *fakeAPI) {
	f.people[sesAna] = domain.Person{Handle: "ana", Name: "Ana Lytics", Team: domain.TeamAnalytics, Roles: []domain.Role{domain.RoleAnalytics}}
}

// springCampaign is pat's campaign in production, managed with maya: one KPI
// measured and missed, one not measured yet, a creative task overdue, the brief
// approved, and a critical risk holding the launch.
func springCampaign() campaignBody {
	brief := domain.Brief{
		Name: "Spring launch", Objective: "Grow signups", Audience: "Small shop owners",
		Channels: []domain.Channel{domain.ChannelEmail, domain.ChannelSocial}, Budget: domain.Money{Amount: 25000, Currency: "EUR"},
		LaunchAt: testNow.Add(10 * 24 * time.Hour), TrackingWindow: domain.Duration(336 * time.Hour),
		KPIs: []domain.KPI{
			{Name: "signups", Target: 1000, Unit: "signups", Direction: domain.Higher},
			{Name: "cost per signup", Target: 20, Unit: "EUR", Direction: domain.Lower},
		},
		ProjectManager: "pat", MarketingOpsManager: "maya",
	}
	left1, left2 := testNow.Add(-48*time.Hour), testNow.Add(-30*time.Hour)
	done := testNow.Add(-50 * time.Hour)
	tasks := []domain.Task{
		{ID: "tsk_assets", Process: domain.ProcessCampaign, ProcessID: "cmp_spring", Kind: domain.KindWork, Title: "Make the assets",
			Team: domain.TeamCreative, Role: domain.RoleCreative, Status: domain.TaskOpen, DueAt: testNow.Add(-5 * time.Hour), CreatedAt: testNow.Add(-30 * time.Hour)},
		{ID: "tsk_brief", Process: domain.ProcessCampaign, ProcessID: "cmp_spring", Kind: domain.KindApproval, Title: "Review the brief",
			Assignee: "maya", Status: domain.TaskDone, Outcome: domain.OutcomeApproved, Comment: "Clear goals", CompletedBy: "maya", CompletedAt: &done},
	}
	return campaignBody{
		Campaign: domain.Campaign{
			ID: "cmp_spring", WorkflowID: "campaign/cmp_spring", Brief: brief, Status: domain.StatusActive, Stage: domain.StageProduction,
			RequestedBy: "pat",
			KPIs:        domain.EvaluateKPIs(brief.KPIs, []domain.KPIActual{{Name: "signups", Value: 850}}, 0.1),
			Stages: []domain.StageSpan{
				{Stage: domain.StageBriefReview, Entered: testNow.Add(-72 * time.Hour), Left: &left1},
				{Stage: domain.StagePlanning, Entered: left1, Left: &left2},
				{Stage: domain.StageProduction, Entered: left2},
			},
			Risks: []domain.LinkedRisk{{ID: "rsk_late", Cause: "overdue:tsk_assets", Severity: domain.SeverityCritical, Status: domain.RiskOpen,
				Title: "Assets may be late", Owner: "pat"}},
			HeldBy: "rsk_late",
		},
		detailPart: detailPart{
			Tasks: tasks, Waiting: domain.WaitingOnOf(tasks),
			TemporalUIURL: "http://localhost:8233/namespaces/default/workflows/campaign%2Fcmp_spring",
			Live:          true,
		},
	}
}

var springTimeline = []domain.Event{
	{Kind: domain.EventStarted, Actor: "pat", Message: `pat started the campaign launch "Spring launch"`, At: testNow.Add(-72 * time.Hour)},
	{Kind: domain.EventRefused, Actor: "cleo", Message: "cleo was refused (403): POST /api/v1/campaigns/:id/cancel on cmp_spring: only the campaign's project manager or marketing ops manager may change or cancel it",
		At: testNow.Add(-1 * time.Hour), Refused: &domain.Refusal{Action: "POST /api/v1/campaigns/:id/cancel", Object: "cmp_spring", Status: 403,
			Reason: "only the campaign's project manager or marketing ops manager may change or cancel it"}},
}

// campaignAPI answers the campaign c and its timeline; other IDs are not found.
func campaignAPI(f *fakeAPI, c campaignBody) {
	f.on("GET /api/v1/campaigns/{id}", func(r *http.Request, _ domain.Person) (int, any) {
		if r.PathValue("id") != c.ID {
			return http.StatusNotFound, apiErr("not_found", "campaign "+r.PathValue("id")+" not found")
		}
		return http.StatusOK, c
	})
	f.on("GET /api/v1/campaigns/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": springTimeline}
	})
}

// formWith returns the HTML of the page's form posting to action, or "".
func formWith(w *httptest.ResponseRecorder, action string) string {
	re := regexp.MustCompile(`(?s)<form[^>]*action="` + regexp.QuoteMeta(action) + `".*?</form>`)
	return re.FindString(w.Body.String())
}

func TestCampaignDetailShowsItsParts(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	w := get(t, h, sesPat, "/campaigns/cmp_spring")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w,
		"<h1>Spring launch</h1>", "/static/detail.css?v=",
		// stage progress: an ordered stepper with the current stage marked
		`<ol class="stepper">`, `<li class="step done">`, `<li class="step current" aria-current="step">`,
		"Production", "(current stage)", "for 30 hours", "took 18 hours",
		// whom it waits on, since when, due when
		"The Creative team", `href="#task-tsk_assets"`, "waiting <time", "30 hours", "overdue by 5 hours, due today 04:00 UTC",
		// the open task, decidable here and back to here; the finished one in the table
		`id="task-tsk_assets"`, "This task needs the creative role",
		"Review the brief", "Clear goals", "Approved by Maya Ops",
		// the KPI chart, accessible, with its table
		`role="img" aria-labelledby="kpi-chart-title kpi-chart-desc"`, `<title id="kpi-chart-title">`,
		"signups: target 1,000 signups, actual 850 signups, missed by 15%, off the mark.",
		"cost per signup: target 20 EUR, no actual recorded yet.",
		`class="bar-miss"`, "<caption>KPI report as a table</caption>",
		// linked risks and what holds the launch
		`Launch held by: <a href="/risks/rsk_late">Assets may be late</a> — owner Pat Manager (Critical, Open)`,
		"raised because “Make the assets” was overdue",
		// the timeline, refusals included, in words
		`Pat Manager started the campaign launch &#34;Spring launch&#34;`,
		"Refused:</span> Cleo Creative tried to cancel the campaign — not allowed: only the campaign&#39;s project manager or marketing ops manager may change or cancel it.",
		`<a href="/campaigns/cmp_spring?refused=hide#timeline-h">Hide the 1 refused command</a>`,
		// the run in Temporal
		`href="http://localhost:8233/namespaces/default/workflows/campaign%2Fcmp_spring"`,
		// the brief
		"Grow signups", "€25,000", "Email, Social", "Tracking window</dt><dd>2 weeks</dd>", "Project manager</dt><dd>Pat Manager</dd>",
	)
	// The target bar of signups is full width and the actual 85% of it.
	mustContain(t, w, `class="bar-target" x="56" y="24" width="152"`, `class="bar-miss" x="56" y="44" width="129.2"`)
	// No inline style anywhere: the content policy forbids it.
	mustNotContain(t, w, "style=", `action="/tasks/tsk_assets/complete"`)

	// A creative may do the open task from here, and the form comes back here.
	w = get(t, h, sesCleo, "/campaigns/cmp_spring")
	mustContain(t, w, `action="/tasks/tsk_assets/complete"`, `name="back" value="/campaigns/cmp_spring"`)
}

// TestDetailPagesRenderTheRecordsView: when the API answers a process from its
// records (its live detail could not be read), the page still renders, and says
// so; tasks the detail left out for size are counted.
func TestDetailPagesRenderTheRecordsView(t *testing.T) {
	const note = "Shown from the records: the live view of this process could not be read just now"
	h, f := newTestApp(t)
	c := springCampaign()
	c.Live, c.TasksOmitted = false, 3
	campaignAPI(f, c)
	w := get(t, h, sesPat, "/campaigns/cmp_spring")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w, "<h1>Spring launch</h1>", note, "The 3 oldest finished tasks are not shown", "Review the brief")

	h, f = newTestApp(t)
	hb := engineerHire()
	hb.Live = false
	hiringAPI(f, hb)
	mustContain(t, get(t, h, sesPat, "/hiring-requests/hir_eng"), "Web developer", note)

	h, f = newTestApp(t)
	rb := lateRisk(domain.SeverityHigh, domain.RiskAcknowledged)
	rb.Live = false
	riskAPI(f, rb)
	mustContain(t, get(t, h, sesPat, "/risks/rsk_late"), "Assets are late", note)

	// The live view says nothing of the kind.
	h, f = newTestApp(t)
	campaignAPI(f, springCampaign())
	mustNotContain(t, get(t, h, sesPat, "/campaigns/cmp_spring"), note, "oldest finished tasks")
}

func TestCampaignActionsFollowThePermissionRules(t *testing.T) {
	launched := springCampaign()
	launched.Stage = domain.StageTracking
	ended := springCampaign()
	ended.Status, ended.Reason = domain.StatusCancelled, "budget cut"
	for _, tc := range []struct {
		name, token string
		c           campaignBody
		forms       []string // actions whose forms show
		words       string
	}{
		{"its project manager", sesPat, springCampaign(), []string{"changes", "kpis", "cancel", "tasks"}, ""},
		{"its marketing ops manager", sesMaya, springCampaign(), []string{"changes", "kpis", "cancel", "tasks"}, ""},
		{"a creative", sesCleo, springCampaign(), nil, "Only the campaign&#39;s project manager or marketing ops manager may change or cancel it."},
		{"analytics", sesAna, springCampaign(), []string{"kpis"}, "may change or cancel it"},
		{"its manager after launch", sesPat, launched, []string{"kpis", "cancel"}, "changes are taken only before launch"},
		{"its manager once it ended", sesPat, ended, nil, "Cancelled: budget cut"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			withAnalyst(f)
			campaignAPI(f, tc.c)
			w := get(t, h, tc.token, "/campaigns/cmp_spring")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			for _, a := range []string{"changes", "kpis", "cancel", "tasks"} {
				shows := formWith(w, "/campaigns/cmp_spring/"+a) != ""
				want := strings.Contains(strings.Join(tc.forms, " "), a)
				if shows != want {
					t.Errorf("form %s shows: %v, want %v", a, shows, want)
				}
			}
			mustContain(t, w, tc.words)
		})
	}
}

func TestCampaignAddTaskSendsTheTaskInTheViewersZone(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	campaignAPI(f, c)
	w := get(t, h, sesPat, "/campaigns/cmp_spring")
	form := formWith(w, "/campaigns/cmp_spring/tasks")
	for _, want := range []string{
		`<input type="hidden" name="tz" value="" data-tz>`, `name="title" value="" required maxlength="200"`,
		`<option value="creative">Creative</option>`, `<option value="" selected>Anyone in the team</option>`, `<option value="cleo">Cleo Creative (cleo, Creative)</option>`,
		`type="datetime-local" id="f-task-due-at" name="due_at" value="" data-utc required min="2026-11-22T09:00"`, `(UTC)`,
	} {
		if !strings.Contains(form, want) {
			t.Errorf("the add-task form lacks %q:\n%s", want, form)
		}
	}

	var answer func() (int, any)
	f.on("POST /api/v1/campaigns/{id}/tasks", func(*http.Request, domain.Person) (int, any) { return answer() })
	answer = func() (int, any) { return http.StatusCreated, domain.Task{ID: "tsk_new", Title: "Print the flyers"} }
	sent := url.Values{"title": {" Print the flyers "}, "description": {"500 copies"}, "team": {"creative"}, "assignee": {"cleo"},
		"due_at": {"2026-11-30T17:00"}, "tz": {"Europe/Berlin"}}
	w = post(t, h, sesPat, "/campaigns/cmp_spring/tasks", sent)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	c0 := f.commands()
	if len(c0) != 1 || c0[0].Path != "/api/v1/campaigns/cmp_spring/tasks" || c0[0].Body["title"] != "Print the flyers" ||
		c0[0].Body["team"] != "creative" || c0[0].Body["role"] != "creative" || c0[0].Body["assignee"] != "cleo" ||
		c0[0].Body["description"] != "500 copies" || c0[0].Body["due_at"] != "2026-11-30T16:00:00Z" { // 17:00 in Berlin
		t.Fatalf("commands %+v", c0)
	}
	mustContain(t, followFlash(t, h, w, sesPat, "/campaigns/cmp_spring"), "Task added: Print the flyers")

	// Left to anyone in the team, the task names nobody.
	sent.Set("assignee", "")
	post(t, h, sesPat, "/campaigns/cmp_spring/tasks", sent)
	if c := f.commands(); len(c) != 2 || c[1].Body["assignee"] != nil {
		t.Errorf("commands %+v", c)
	}

	// A time that cannot be read never reaches the API.
	sent.Set("due_at", "next week")
	w = post(t, h, sesPat, "/campaigns/cmp_spring/tasks", sent)
	if w.Code != http.StatusUnprocessableEntity || len(f.commands()) != 2 {
		t.Errorf("status %d, commands %+v", w.Code, f.commands())
	}

	// The API's refusal lands next to its field, what was typed kept, in the
	// zone it was typed in.
	answer = func() (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid", domain.FieldProblem{Field: "due_at", Problem: "must be in the future"})
	}
	sent.Set("due_at", "2026-11-01T09:00")
	w = post(t, h, sesPat, "/campaigns/cmp_spring/tasks", sent)
	form = formWith(w, "/campaigns/cmp_spring/tasks")
	for _, want := range []string{`value="Europe/Berlin" data-tz`, `value="2026-11-01T09:00" required`, `(Europe/Berlin)`,
		`id="f-task-due-at-problem" role="alert">must be in the future`, `500 copies</textarea>`} {
		if !strings.Contains(form, want) {
			t.Errorf("the refused form lacks %q:\n%s", want, form)
		}
	}
	if !strings.Contains(w.Body.String(), `<details class="action" id="action-task" open>`) {
		t.Error("the refused form is not open")
	}
}

func TestDetailPagesRefuseWhomTheAPIRefuses(t *testing.T) {
	for _, path := range []string{"/campaigns/cmp_x", "/hiring-requests/hir_x", "/risks/rsk_x"} {
		for _, tc := range []struct {
			status int
			body   any
			words  string
		}{
			{http.StatusNotFound, apiErr("not_found", "no such process"), "Not found: no such process"},
			{http.StatusForbidden, apiErr("forbidden", "you may not read this"), "You are not allowed to do this: you may not read this"},
		} {
			t.Run(path+" "+http.StatusText(tc.status), func(t *testing.T) {
				h, f := newTestApp(t)
				f.on("GET /api/v1"+path, func(*http.Request, domain.Person) (int, any) { return tc.status, tc.body })
				w := get(t, h, sesCleo, path)
				if w.Code != tc.status {
					t.Errorf("status %d, want %d", w.Code, tc.status)
				}
				mustContain(t, w, tc.words)
				mustNotContain(t, w, "<form method=\"post\" action=\""+path)
			})
		}
	}
}

func TestDetailPagesUpdateThemselves(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	mustContain(t, get(t, h, sesPat, "/campaigns/cmp_spring"), `<main id="main" data-poll="5000" data-version="`)
	r := newGet("/campaigns/cmp_spring")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesPat})
	r.Header.Set(fragmentHeader, "main")
	w := serve(h, r)
	mustContain(t, w, "<h1>Spring launch</h1>", `<ol class="stepper">`)
	mustNotContain(t, w, "<html", "<header", "detail.css")
}

func TestDetailPagesNeedSignInAndTheFormToken(t *testing.T) {
	h, f := newTestApp(t)
	w := get(t, h, "", "/risks/rsk_x")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/signin?next=%2Frisks%2Frsk_x") {
		t.Errorf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	for _, path := range []string{"/campaigns/cmp_spring/cancel", "/hiring-requests/hir_eng/cancel", "/risks/rsk_late/decisions"} {
		w := post(t, h, sesPat, path, url.Values{"csrf": {"forged"}, "reason": {"x"}, "decision": {"resolve"}, "comment": {"x"}})
		if w.Code != http.StatusForbidden {
			t.Errorf("%s with a forged form token: status %d, want 403", path, w.Code)
		}
	}
	if c := f.commands(); len(c) != 0 {
		t.Errorf("forged forms reached the API: %+v", c)
	}
}

func TestCampaignChangeSendsTheChangeRequest(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	f.on("POST /api/v1/campaigns/{id}/changes", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, springCampaign() })
	w := post(t, h, sesPat, "/campaigns/cmp_spring/changes", url.Values{
		"launch_at": {"2026-12-10T09:30"}, "add_channels": {"paid_search", "events"}, "remove_channels": {"social"},
		"budget.amount": {"30000"}, "budget.currency": {"EUR"}, "reason": {"  Bigger push  "},
	})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q, want 303 back to the page", w.Code, w.Header().Get("Location"))
	}
	c := f.commands()
	if len(c) != 1 || c[0].Path != "/api/v1/campaigns/cmp_spring/changes" || c[0].Caller != "pat" {
		t.Fatalf("commands %+v", c)
	}
	b := c[0].Body
	if b["launch_at"] != "2026-12-10T09:30:00Z" || b["reason"] != "Bigger push" ||
		!sameList(b["add_channels"], "paid_search", "events") || !sameList(b["remove_channels"], "social") {
		t.Errorf("body %v", b)
	}
	if m, _ := b["budget"].(map[string]any); m["amount"] != 30000.0 || m["currency"] != "EUR" {
		t.Errorf("budget %v", b["budget"])
	}
	mustContain(t, followFlash(t, h, w, sesPat, "/campaigns/cmp_spring"), "Change requested")

	// Only what was filled in is sent.
	post(t, h, sesPat, "/campaigns/cmp_spring/changes", url.Values{"budget.amount": {""}, "budget.currency": {"EUR"}, "reason": {"Later launch"}, "launch_at": {"2026-12-11T10:00"}})
	if b := f.commands()[1].Body; len(b) != 2 || b["launch_at"] != "2026-12-11T10:00:00Z" {
		t.Errorf("second body %v: want only launch_at and reason", b)
	}
}

func TestCampaignKPIsSendOnlyTheFilledActuals(t *testing.T) {
	h, f := newTestApp(t)
	withAnalyst(f)
	campaignAPI(f, springCampaign())
	f.on("POST /api/v1/campaigns/{id}/kpis", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, springCampaign() })
	w := post(t, h, sesAna, "/campaigns/cmp_spring/kpis", url.Values{
		"kpi_name": {"signups", "cost per signup"}, "kpi_value": {"", " 18.5 "},
	})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	c := f.commands()
	if len(c) != 1 || c[0].Path != "/api/v1/campaigns/cmp_spring/kpis" || c[0].Caller != "ana" {
		t.Fatalf("commands %+v", c)
	}
	got, _ := c[0].Body["actuals"].([]any)
	if len(got) != 1 {
		t.Fatalf("actuals %v", c[0].Body)
	}
	if a := got[0].(map[string]any); a["name"] != "cost per signup" || a["value"] != 18.5 {
		t.Errorf("actual %v", a)
	}
}

func TestCampaignCancelSendsTheReason(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	f.on("POST /api/v1/campaigns/{id}/cancel", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, springCampaign() })
	w := post(t, h, sesMaya, "/campaigns/cmp_spring/cancel", url.Values{"reason": {"Budget cut "}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Path != "/api/v1/campaigns/cmp_spring/cancel" || c[0].Body["reason"] != "Budget cut" || c[0].Caller != "maya" {
		t.Errorf("commands %+v", c)
	}
	mustContain(t, followFlash(t, h, w, sesMaya, "/campaigns/cmp_spring"), `<p class="notice" role="status">Campaign cancelled</p>`)
}

func TestARefusedCommandIsShownNextToItsForm(t *testing.T) {
	for _, tc := range []struct {
		name, path, apiPath string
		form                url.Values
		status              int
		body                any
		words               []string // inside the form, after the refusal
	}{
		{"cancel not allowed", "/campaigns/cmp_spring/cancel", "POST /api/v1/campaigns/{id}/cancel",
			url.Values{"reason": {"Half a thought"}}, http.StatusForbidden,
			apiErr("forbidden", "only the campaign's project manager or marketing ops manager may cancel it"),
			[]string{"You are not allowed to do this: only the campaign&#39;s project manager", "Half a thought"}},
		{"change too late", "/campaigns/cmp_spring/changes", "POST /api/v1/campaigns/{id}/changes",
			url.Values{"reason": {"Push it"}, "add_channels": {"events"}, "launch_at": {"2026-12-10T09:30"}}, http.StatusConflict,
			apiErr("conflict", "the campaign has launched: changes are taken only before launch"),
			[]string{"Already done or no longer possible: the campaign has launched", "Push it", `value="events" checked`, `value="2026-12-10T09:30"`}},
		{"change with field details", "/campaigns/cmp_spring/changes", "POST /api/v1/campaigns/{id}/changes",
			url.Values{"reason": {""}, "launch_at": {"2026-01-01T09:00"}}, http.StatusUnprocessableEntity,
			apiErr("validation_failed", "the request is invalid",
				domain.FieldProblem{Field: "launch_at", Problem: "must be in the future"}, domain.FieldProblem{Field: "reason", Problem: "required"}),
			[]string{"Check the form: must be in the future; required",
				`aria-invalid="true" aria-describedby="change-launch-problem"`, `id="change-launch-problem">must be in the future</span>`,
				`id="change-reason-problem">required</span>`}},
		{"an actual for a KPI the campaign lacks", "/campaigns/cmp_spring/kpis", "POST /api/v1/campaigns/{id}/kpis",
			url.Values{"kpi_name": {"signups", "cost per signup"}, "kpi_value": {"", "18"}}, http.StatusUnprocessableEntity,
			apiErr("validation_failed", "the request is invalid", domain.FieldProblem{Field: "actuals[0].name", Problem: `the campaign has no KPI "cost per signup"`}),
			// the API's first actual is the form's second row
			[]string{`id="kpi-1-problem">the campaign has no KPI &#34;cost per signup&#34;</span>`, `id="kpi-1" name="kpi_value" type="number" step="any" inputmode="decimal" value="18"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			campaignAPI(f, springCampaign())
			f.on(tc.apiPath, func(*http.Request, domain.Person) (int, any) { return tc.status, tc.body })
			w := post(t, h, sesPat, tc.path, tc.form)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			form := formWith(w, tc.path)
			if form == "" {
				t.Fatalf("the page has no form for %s:\n%s", tc.path, w.Body)
			}
			for _, s := range tc.words {
				if !strings.Contains(form, s) {
					t.Errorf("the form lacks %q; it reads:\n%s", s, form)
				}
			}
			if !strings.Contains(form, `<p class="problem" role="alert">`) {
				t.Errorf("the refusal is not next to the form")
			}
			// The refused form is open; the others stay closed.
			if n := len(regexp.MustCompile(`<details class="action" id="action-\w+" open>`).FindAllString(w.Body.String(), -1)); n != 1 {
				t.Errorf("%d forms open, want 1", n)
			}
		})
	}
}

func TestANumberThatIsNotOneIsRefusedBeforeTheAPI(t *testing.T) {
	h, f := newTestApp(t)
	campaignAPI(f, springCampaign())
	w := post(t, h, sesPat, "/campaigns/cmp_spring/kpis", url.Values{"kpi_name": {"signups", "cost per signup"}, "kpi_value": {"lots", ""}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("status %d, want 422", w.Code)
	}
	mustContain(t, w, `id="kpi-0-problem">must be a number, such as 1250 or 3.5</span>`, `value="lots"`)
	w = post(t, h, sesPat, "/campaigns/cmp_spring/changes", url.Values{"budget.amount": {"a lot"}, "reason": {"more"}})
	mustContain(t, w, `id="change-budget-problem">must be a number, such as 25000</span>`)
	if c := f.commands(); len(c) != 0 {
		t.Errorf("commands %+v", c)
	}
}

func TestARefusedTaskDecisionShowsOnTheDetailPage(t *testing.T) {
	h, f := newTestApp(t)
	c := springCampaign()
	campaignAPI(f, c)
	f.knowTasks(c.Tasks...)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusConflict, apiErr("conflict", "task tsk_assets is done")
	})
	w := post(t, h, sesCleo, "/tasks/tsk_assets/complete", url.Values{"outcome": {"done"}, "back": {"/campaigns/cmp_spring"}})
	page := followFlash(t, h, w, sesCleo, "/campaigns/cmp_spring")
	mustContain(t, page, `<p class="problem" role="alert">This task is already done or closed: the task “Make the assets” is done.`)
}

// ---- hiring

func engineerHire() hiringBody {
	decided := testNow.Add(-20 * time.Hour)
	tasks := []domain.Task{{ID: "tsk_fin", Process: domain.ProcessHiring, ProcessID: "hir_eng", Kind: domain.KindApproval, Title: "Approve the budget",
		Team: domain.TeamFinance, Role: domain.RoleFinance, RequestedBy: "pat", Status: domain.TaskOpen, DueAt: testNow.Add(20 * time.Hour), CreatedAt: testNow.Add(-20 * time.Hour)}}
	return hiringBody{
		HiringRequest: domain.HiringRequest{
			ID: "hir_eng", WorkflowID: "hiring/hir_eng", Status: domain.StatusActive, Stage: domain.StageApproval, Step: "finance",
			RequestedBy: "pat", Round: 1,
			Request: domain.Requisition{Title: "Web developer", Team: domain.TeamWeb, Level: "senior", Kind: domain.HireNew,
				Justification: "Two launches a month", Budget: domain.SalaryRange{Min: 60000, Max: 75000, Currency: "EUR"},
				NeededBy: testNow.Add(60 * 24 * time.Hour), HiringManager: "wes"},
			Chain: []domain.ChainStep{
				{Key: "mops", Title: "Headcount", Role: domain.RoleMarketingOpsManager, Decision: domain.DecisionApproved, DecidedBy: "maya", Comment: "Yes", DecidedAt: &decided},
				{Key: "finance", Title: "Budget", Role: domain.RoleFinance, Team: domain.TeamFinance, Decision: domain.DecisionPending, TaskID: "tsk_fin"},
			},
		},
		detailPart: detailPart{Tasks: tasks, Waiting: domain.WaitingOnOf(tasks), Live: true},
	}
}

func hiringAPI(f *fakeAPI, hb hiringBody) {
	f.on("GET /api/v1/hiring-requests/{id}", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, hb })
	f.on("GET /api/v1/hiring-requests/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Event{{Kind: domain.EventStarted, Message: "pat requested a hire", At: testNow.Add(-30 * time.Hour)}}}
	})
	f.on("GET /api/v1/risks", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("related") != hb.ID {
			return http.StatusOK, pageOf[domain.Risk]()
		}
		return http.StatusOK, pageOf(domain.Risk{ID: "rsk_budget", Title: "Salary band too low", Severity: domain.SeverityMedium, Status: domain.RiskOpen})
	})
}

func TestHiringDetailShowsItsPartsAndWhoMayCancel(t *testing.T) {
	h, f := newTestApp(t)
	hiringAPI(f, engineerHire())
	w := get(t, h, sesPat, "/hiring-requests/hir_eng")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w,
		"<h1>Web developer</h1>",
		`<li class="step current" aria-current="step">`, "Approval", "step: Finance", "Recruiting", "Onboarding",
		"the Finance team", "due in 20 hours",
		`id="task-tsk_fin"`, "Pat Manager raised this request and may not approve it", // pat's own request: no decision for pat
		"Headcount", "Maya Ops", "“Yes”", "Pending",
		`<a href="/risks/rsk_budget">Salary band too low</a>`,
		"Pat Manager requested a hire", "€60,000–€75,000 a year",
		`action="/hiring-requests/hir_eng/cancel"`, "<summary>Cancel the request</summary>",
	)
	mustNotContain(t, w, `action="/tasks/tsk_fin/complete"`, "Open the run in the Temporal UI")

	w = get(t, h, sesCleo, "/hiring-requests/hir_eng")
	mustNotContain(t, w, `action="/hiring-requests/hir_eng/cancel"`)
	mustContain(t, w, "Only the requester or marketing ops may cancel a hiring request.")
}

func TestHiringCancelSendsTheReasonAndShowsARefusal(t *testing.T) {
	h, f := newTestApp(t)
	hiringAPI(f, engineerHire())
	status := http.StatusOK
	f.on("POST /api/v1/hiring-requests/{id}/cancel", func(*http.Request, domain.Person) (int, any) {
		if status != http.StatusOK {
			return status, apiErr("conflict", "the hiring request is filled")
		}
		return status, engineerHire()
	})
	w := post(t, h, sesPat, "/hiring-requests/hir_eng/cancel", url.Values{"reason": {"Hiring freeze"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/hiring-requests/hir_eng" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Path != "/api/v1/hiring-requests/hir_eng/cancel" || c[0].Body["reason"] != "Hiring freeze" {
		t.Errorf("commands %+v", c)
	}
	status = http.StatusConflict
	w = post(t, h, sesPat, "/hiring-requests/hir_eng/cancel", url.Values{"reason": {"Hiring freeze"}})
	if w.Code != http.StatusConflict {
		t.Errorf("status %d", w.Code)
	}
	if form := formWith(w, "/hiring-requests/hir_eng/cancel"); !strings.Contains(form, "Already done or no longer possible: the hiring request is filled") ||
		!strings.Contains(form, "Hiring freeze</textarea>") {
		t.Errorf("the refusal is not next to the form:\n%s", w.Body)
	}
}

// recruitingHire is engineerHire past its approvals: HR posted the role and
// candidates are being added.
func recruitingHire() hiringBody {
	hb := engineerHire()
	hb.Stage, hb.Step, hb.Tasks, hb.Waiting = domain.StageRecruiting, "", nil, nil
	hb.Candidates = []domain.CandidateRef{{ID: "cnd_first", Status: domain.CandidateNotHired, Name: "Sam Early"}}
	return hb
}

const sesHana = "ses-hana" // HR

func withHR(f *fakeAPI) {
	f.people[sesHana] = domain.Person{Handle: "hana", Name: "Hana HR", Team: domain.TeamHR, Roles: []domain.Role{domain.RoleHR}}
}

func TestHiringAddCandidateIsOfferedByTheRule(t *testing.T) {
	h, f := newTestApp(t)
	withHR(f)
	hb := recruitingHire()
	hiringAPI(f, hb)
	form := `action="/hiring-requests/hir_eng/candidates"`
	for _, tok := range []string{sesHana, sesPat, sesMaya} { // HR, the requester, marketing ops
		w := get(t, h, tok, "/hiring-requests/hir_eng")
		mustContain(t, w, form, "<summary>Add a candidate</summary>", `name="email" type="email" required`, "Sam Early · Not hired")
		mustNotContain(t, w, "cnd_first")
	}
	w := get(t, h, sesCleo, "/hiring-requests/hir_eng")
	mustNotContain(t, w, form)
	mustContain(t, w, "Only the requester, the hiring manager, marketing ops or HR may add candidates.")

	// Before recruiting nobody is offered the form, nor told who may use it.
	h, f = newTestApp(t)
	withHR(f)
	hiringAPI(f, engineerHire())
	w = get(t, h, sesHana, "/hiring-requests/hir_eng")
	mustNotContain(t, w, form, "may add candidates")
}

func TestHiringAddCandidateSendsNameAndEmail(t *testing.T) {
	h, f := newTestApp(t)
	withHR(f)
	hiringAPI(f, recruitingHire())
	status := http.StatusCreated
	f.on("POST /api/v1/hiring-requests/{id}/candidates", func(*http.Request, domain.Person) (int, any) {
		if status == http.StatusUnprocessableEntity {
			return status, apiErr("invalid", "check the fields", domain.FieldProblem{Field: "email", Problem: "must be an e-mail address like ana@example.com"})
		}
		return status, map[string]any{"candidate": map[string]any{"id": "cnd_jane"}}
	})
	w := post(t, h, sesHana, "/hiring-requests/hir_eng/candidates", url.Values{"name": {" Jane Roe "}, "email": {"jane@example.com"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/hiring-requests/hir_eng" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := f.commands(); len(c) != 1 || c[0].Path != "/api/v1/hiring-requests/hir_eng/candidates" || c[0].Caller != "hana" ||
		c[0].Body["name"] != "Jane Roe" || c[0].Body["email"] != "jane@example.com" {
		t.Errorf("commands %+v", c)
	}
	mustContain(t, followFlash(t, h, w, sesHana, "/hiring-requests/hir_eng"), "Candidate added: Jane Roe.")

	status = http.StatusUnprocessableEntity
	w = post(t, h, sesHana, "/hiring-requests/hir_eng/candidates", url.Values{"name": {"Jane Roe"}, "email": {"jane at example"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("status %d", w.Code)
	}
	form := formWith(w, "/hiring-requests/hir_eng/candidates")
	for _, want := range []string{`id="candidate-email-problem">must be an e-mail address like ana@example.com`, `value="jane at example"`, `value="Jane Roe"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the refused form lacks %q:\n%s", want, form)
		}
	}
	if !strings.Contains(w.Body.String(), `<details class="action" id="action-candidate" open>`) {
		t.Error("the refused form is not open")
	}
}

// ---- risks

// lateRisk is pat's risk about the spring campaign, acknowledged, at severity sev.
func lateRisk(sev domain.Severity, status domain.RiskStatus, tasks ...domain.Task) riskBody {
	return riskBody{
		Risk: domain.Risk{
			ID: "rsk_late", WorkflowID: "risk/rsk_late", Title: "Assets are late", Category: domain.CategorySchedule,
			Probability: 4, Impact: 3, Score: 12, Severity: sev, Owner: "pat", RaisedBy: "tandem", Cause: "overdue:tsk_assets",
			Related: &domain.Related{Process: domain.ProcessCampaign, ID: "cmp_spring"}, Status: status,
			Response:    &domain.RiskPlan{Response: domain.ResponseMitigate, Plan: "Freelancer", By: "pat", DueAt: testNow.Add(48 * time.Hour)},
			Assessments: []domain.Assessment{{Probability: 4, Impact: 3, Score: 12, Severity: domain.SeverityHigh, By: "tandem", At: testNow.Add(-10 * time.Hour)}},
		},
		detailPart: detailPart{
			Tasks: tasks, Waiting: domain.WaitingOnOf(tasks),
			TemporalUIURL: "http://ui/namespaces/default/workflows/risk%2Frsk_late",
			Live:          true,
		},
	}
}

func riskAPI(f *fakeAPI, rb riskBody) {
	f.on("GET /api/v1/risks/{id}", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, rb })
	f.on("GET /api/v1/risks/{id}/timeline", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, map[string]any{"items": []domain.Event{{Kind: domain.EventRiskRaised, Message: "tandem raised the risk", At: testNow.Add(-10 * time.Hour)}}}
	})
}

func TestRiskDetailShowsItsParts(t *testing.T) {
	h, f := newTestApp(t)
	riskAPI(f, lateRisk(domain.SeverityHigh, domain.RiskAcknowledged))
	f.name(domain.NamedID{ID: "cmp_spring", Kind: domain.NameCampaign, Name: "Spring launch"})
	w := get(t, h, sesPat, "/risks/rsk_late")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w,
		"<h1>Assets are late</h1>", `class="badge sev-high"`, "score 12 (probability 4 × impact 3)",
		`<li class="step done">`, "Raised", `<li class="step current" aria-current="step">`, "Acknowledged", "response: Mitigate",
		`Campaign <a href="/campaigns/cmp_spring">Spring launch</a>`,
		"Freelancer", "Tandem raised the risk", "Open the run in the Temporal UI",
	)
}

func TestRiskActionsFollowThePermissionRules(t *testing.T) {
	cleosReview := domain.Task{ID: "tsk_review", Process: domain.ProcessRisk, ProcessID: "rsk_late", Kind: domain.KindReview, Title: "Review the risk",
		Assignee: "cleo", Status: domain.TaskOpen, DueAt: testNow.Add(3 * time.Hour)}
	for _, tc := range []struct {
		name, token string
		rb          riskBody
		assess      bool
		decisions   []string
		words       string
	}{
		{"its owner, medium", sesPat, lateRisk(domain.SeverityMedium, domain.RiskAcknowledged), true, []string{"resolve", "accept", "materialize"}, ""},
		{"its owner may not accept it high", sesPat, lateRisk(domain.SeverityHigh, domain.RiskAcknowledged), true, []string{"resolve", "materialize"},
			"Accepting a high risk needs the authority of marketing ops or a director."},
		{"marketing ops accepts it high", sesMaya, lateRisk(domain.SeverityHigh, domain.RiskOpen), true, []string{"resolve", "accept", "materialize"}, ""},
		{"a creative with no part in it", sesCleo, lateRisk(domain.SeverityMedium, domain.RiskAcknowledged), false, nil,
			"Only the risk&#39;s owner, whoever must act on it, marketing ops or a director may re-assess or decide it."},
		{"a creative holding its review", sesCleo, lateRisk(domain.SeverityMedium, domain.RiskAcknowledged, cleosReview), true, []string{"resolve", "accept", "materialize"}, ""},
		{"materialized: only close", sesPat, lateRisk(domain.SeverityMedium, domain.RiskMaterialized), true, []string{"close"}, "Materialized"},
		{"resolved: nothing", sesMaya, lateRisk(domain.SeverityMedium, domain.RiskResolved), false, nil, "The risk has ended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			riskAPI(f, tc.rb)
			w := get(t, h, tc.token, "/risks/rsk_late")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if got := formWith(w, "/risks/rsk_late/assessments") != ""; got != tc.assess {
				t.Errorf("re-assessment form shows: %v, want %v", got, tc.assess)
			}
			decide := formWith(w, "/risks/rsk_late/decisions")
			var got []string
			for _, m := range regexp.MustCompile(`name="decision" value="(\w+)"`).FindAllStringSubmatch(decide, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(tc.decisions, " ") {
				t.Errorf("decisions %v, want %v", got, tc.decisions)
			}
			mustContain(t, w, tc.words)
		})
	}
}

func TestRiskAssessAndDecideSendTheirCommands(t *testing.T) {
	h, f := newTestApp(t)
	riskAPI(f, lateRisk(domain.SeverityMedium, domain.RiskAcknowledged))
	f.on("POST /api/v1/risks/{id}/assessments", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, lateRisk(domain.SeverityMedium, domain.RiskAcknowledged)
	})
	f.on("POST /api/v1/risks/{id}/materialize", func(*http.Request, domain.Person) (int, any) {
		return http.StatusOK, lateRisk(domain.SeverityMedium, domain.RiskMaterialized)
	})
	f.on("POST /api/v1/risks/{id}/accept", func(*http.Request, domain.Person) (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "accepting a high risk needs the authority of marketing ops or a director")
	})
	f.on("POST /api/v1/risks/{id}/resolve", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid", domain.FieldProblem{Field: "comment", Problem: "required, at most 2000 characters"})
	})

	w := post(t, h, sesPat, "/risks/rsk_late/assessments", url.Values{"probability": {"2"}, "impact": {"5"}, "comment": {"Freelancer found"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/risks/rsk_late" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = post(t, h, sesPat, "/risks/rsk_late/decisions", url.Values{"decision": {"materialize"}, "comment": {"Launch slipped"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, followFlash(t, h, w, sesPat, "/risks/rsk_late"), "Risk: materialized")
	c := f.commands()
	if len(c) != 2 ||
		c[0].Path != "/api/v1/risks/rsk_late/assessments" || c[0].Body["probability"] != 2.0 || c[0].Body["impact"] != 5.0 || c[0].Body["comment"] != "Freelancer found" ||
		c[1].Path != "/api/v1/risks/rsk_late/materialize" || c[1].Body["comment"] != "Launch slipped" {
		t.Fatalf("commands %+v", c)
	}

	// Refusals, next to the form that was sent.
	w = post(t, h, sesPat, "/risks/rsk_late/decisions", url.Values{"decision": {"accept"}, "comment": {"Live with it"}})
	if w.Code != http.StatusForbidden || !strings.Contains(formWith(w, "/risks/rsk_late/decisions"), "You are not allowed to do this: accepting a high risk") {
		t.Errorf("status %d:\n%s", w.Code, w.Body)
	}
	mustContain(t, w, "Live with it</textarea>")
	w = post(t, h, sesPat, "/risks/rsk_late/decisions", url.Values{"decision": {"resolve"}, "comment": {" "}})
	if form := formWith(w, "/risks/rsk_late/decisions"); w.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(form, `id="decide-comment-problem">required, at most 2000 characters</span>`) {
		t.Errorf("status %d:\n%s", w.Code, w.Body)
	}
	// A decision that does not exist never reaches the API.
	w = post(t, h, sesPat, "/risks/rsk_late/decisions", url.Values{"decision": {"ignore"}, "comment": {"x"}})
	if w.Code != http.StatusUnprocessableEntity || len(f.commands()) != 4 {
		t.Errorf("status %d, commands %+v", w.Code, f.commands())
	}
}

// followFlash fetches path as token with the cookies w set, as a browser
// following the redirect does.
func followFlash(t *testing.T, h http.Handler, w *httptest.ResponseRecorder, token, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := newGet(path)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return serve(h, r)
}

// sameList reports whether v, a decoded JSON list, holds exactly want in order.
func sameList(v any, want ...string) bool {
	l, _ := v.([]any)
	if len(l) != len(want) {
		return false
	}
	for i := range l {
		if l[i] != want[i] {
			return false
		}
	}
	return true
}
