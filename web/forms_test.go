package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// directoryPeople are the people the pickers list: two project managers, so the
// picker must be filtered and cannot guess, and one marketing ops manager.
var directoryPeople = []domain.Person{
	{Handle: "pat", Name: "Pat Manager", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}},
	{Handle: "maya", Name: "Maya Ops", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}},
	{Handle: "cleo", Name: "Cleo Creative", Team: domain.TeamCreative, Roles: []domain.Role{domain.RoleCreative}},
	{Handle: "ria", Name: "Ria Planner", Team: domain.TeamPMO, Roles: []domain.Role{domain.RoleProjectManager}},
}

// startAPI answers the reads the forms make: people (filtered by role as the API
// does) and the running processes a risk may belong to.
func startAPI(f *fakeAPI) {
	f.on("GET /api/v1/people", func(r *http.Request, _ domain.Person) (int, any) {
		var out []domain.Person
		for _, p := range directoryPeople {
			if role := r.URL.Query().Get("role"); role == "" || p.HasRole(domain.Role(role)) {
				out = append(out, p)
			}
		}
		return http.StatusOK, pageOf(out...)
	})
	f.on("GET /api/v1/campaigns", func(r *http.Request, _ domain.Person) (int, any) {
		if r.URL.Query().Get("status") != "active" {
			f.t.Errorf("campaigns listed with %q, want only the running ones", r.URL.RawQuery)
		}
		return http.StatusOK, pageOf(domain.Campaign{ID: "cmp_spring000001", Brief: domain.Brief{Name: "Spring launch"}})
	})
	f.on("GET /api/v1/hiring-requests", func(r *http.Request, _ domain.Person) (int, any) {
		return http.StatusOK, pageOf(domain.HiringRequest{ID: "hir_designer0001", Request: domain.Requisition{Title: "Senior designer"}})
	})
}

// creates answers a create route with 201 and the new ID, remembering the
// Idempotency-Key of each call.
type creates struct {
	mu   sync.Mutex
	keys []string
}

func (c *creates) on(f *fakeAPI, pattern, id string) {
	f.on(pattern, func(r *http.Request, _ domain.Person) (int, any) {
		c.mu.Lock()
		c.keys = append(c.keys, r.Header.Get("Idempotency-Key"))
		c.mu.Unlock()
		return http.StatusCreated, map[string]any{"id": id, "status": "active"}
	})
}

var keyField = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// formKey is the Idempotency-Key a drawn form carries.
func formKey(t *testing.T, body string) string {
	t.Helper()
	m := keyField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the form carries no idempotency key:\n%s", body)
	}
	return m[1]
}

// jsonOf decodes want, a JSON object, as the fake API decodes bodies.
func jsonOf(t *testing.T, want string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(want), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// invalid is how a page marks input id with its problem: aria-invalid on the
// input, which names the problem's element, which says it.
func invalid(t *testing.T, body, id, problem string) {
	t.Helper()
	tag := regexp.MustCompile(`<(?:input|select|textarea)[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	if tag == "" {
		t.Errorf("no input %s on the page", id)
		return
	}
	if !strings.Contains(tag, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*\b`+regexp.QuoteMeta(id)+`-problem\b`).MatchString(tag) {
		t.Errorf("input %s is not marked invalid and described by its problem: %s", id, tag)
	}
	if p := `id="` + id + `-problem" role="alert">` + problem + `<`; !strings.Contains(body, p) {
		t.Errorf("the page lacks %s's problem %q", id, problem)
	}
}

func TestTheCampaignFormStartsFromSensibleDefaults(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	w := get(t, h, sesPat, "/new/campaign")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	mustContain(t, w,
		`<a href="/new/campaign" aria-current="page">Campaign launch</a>`, `href="/new/hiring-request"`, `href="/new/risk"`,
		`action="/new/campaign"`, `name="csrf" value="`+csrfToken(sesPat)+`"`,
		// Four weeks out at 09:00, in UTC, and the label says so, until the page's
		// script names the viewer's zone (data-utc, data-zone, data-tz).
		`Launch at <span class="zone" data-zone>(UTC)</span>`, `type="datetime-local" id="f-launch-at" name="launch_at" value="2026-12-20T09:00" data-utc required min="2026-11-22T09:00"`,
		`<input type="hidden" name="tz" value="" data-tz>`,
		`name="budget.currency" value="EUR" required pattern="[A-Za-z]{3}"`,
		`type="number" id="f-budget-amount" name="budget.amount" value="" required min="0"`,
		`value="paid_search"> Paid search</label>`,
		`name="kpis[0].name" value="" required`, `name="kpis[2].unit"`,
		// The viewer is a project manager, so the picker starts at them; the only
		// marketing ops manager is chosen too.
		`<option value="pat" selected>Pat Manager (pat, PMO)</option>`,
		`<option value="maya" selected>Maya Ops (maya, Marketing ops)</option>`,
	)
	// Once the browser has named its zone, the launch is 09:00 there, the form
	// says so, and what is sent is read in it.
	r := newGet("/new/campaign")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesPat})
	r.AddCookie(&http.Cookie{Name: zoneCookie, Value: "Asia%2FTokyo"})
	mustContain(t, serve(h, r), `Launch at <span class="zone" data-zone>(Asia/Tokyo)</span>`,
		`name="launch_at" value="2026-12-20T09:00" required min="2026-11-22T18:00"`, `<input type="hidden" name="tz" value="Asia/Tokyo" data-tz>`)
	// Each picker lists the holders of its role alone.
	pm := body[strings.Index(body, `id="f-project-manager"`):]
	pm = pm[:strings.Index(pm, "</select>")]
	if !strings.Contains(pm, `value="ria"`) || strings.Contains(pm, `value="cleo"`) || strings.Contains(pm, `value="maya"`) {
		t.Errorf("the project manager picker offers:\n%s", pm)
	}
	// A fresh Idempotency-Key each time the form is drawn.
	if k1, k2 := formKey(t, body), formKey(t, get(t, h, sesPat, "/new/campaign").Body.String()); k1 == k2 || len(k1) < 32 {
		t.Errorf("keys %q and %q: want a new random key per drawing", k1, k2)
	}
}

func TestTheHiringAndRiskFormsStartFromSensibleDefaults(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	w := get(t, h, sesPat, "/new/hiring-request")
	if w.Code != http.StatusOK {
		t.Fatalf("hiring: status %d", w.Code)
	}
	mustContain(t, w,
		`<a href="/new/hiring-request" aria-current="page">Hiring request</a>`,
		`<option value="pmo" selected>PMO</option>`, // the viewer's team
		`value="new" checked> New headcount`,
		`name="needed_by" value="2027-02-14" required min="2026-11-23"`,
		`<option value="pat" selected>Pat Manager (pat, PMO)</option>`, // the viewer as hiring manager
		`<option value="cleo">Cleo Creative (cleo, Creative)</option>`, // anyone may be
		`name="budget.currency" value="EUR"`,
	)

	w = get(t, h, sesCleo, "/new/risk?related=cmp_spring000001")
	if w.Code != http.StatusOK {
		t.Fatalf("risk: status %d", w.Code)
	}
	mustContain(t, w,
		`<a href="/new/risk" aria-current="page">Risk</a>`,
		`<option value="cleo" selected>Cleo Creative (cleo, Creative)</option>`, // the viewer owns it unless changed
		`type="number" id="f-probability" name="probability" value="" required min="1" max="5" step="1"`,
		`<optgroup label="Campaigns"><option value="cmp_spring000001" selected>Spring launch</option></optgroup>`,
		`<optgroup label="Hiring requests"><option value="hir_designer0001">Senior designer</option></optgroup>`,
		`<option value="compliance">Compliance</option>`,
	)
}

func TestStartingAProcessSendsTheFormToTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name, path, route, id string
		form                  url.Values
		want                  string // the API body
		notice                string
	}{
		{
			name: "campaign", path: "/new/campaign", route: "POST /api/v1/campaigns", id: "cmp_new000000001",
			form: url.Values{
				"name": {" Spring launch "}, "objective": {"Grow signups"}, "audience": {"Small teams"},
				"channels": {"email", "paid_search"}, "budget.amount": {"25000.50"}, "budget.currency": {"eur"},
				"launch_at": {"2027-03-01T09:30"}, "tracking_window": {"7"},
				// The first KPI row is left empty: the second becomes kpis[0].
				"kpis[0].name": {""}, "kpis[0].target": {""}, "kpis[0].unit": {""}, "kpis[0].direction": {"higher"},
				"kpis[1].name": {"signups"}, "kpis[1].target": {"5000"}, "kpis[1].unit": {"signups"}, "kpis[1].direction": {"higher"},
				"kpis[2].name": {"cost per signup"}, "kpis[2].target": {"4.5"}, "kpis[2].unit": {"EUR"}, "kpis[2].direction": {"lower"},
				"project_manager": {"pat"}, "marketing_ops_manager": {"maya"}, "regulated": {"true"},
			},
			want: `{"name": "Spring launch", "objective": "Grow signups", "audience": "Small teams",
				"channels": ["email", "paid_search"], "budget": {"amount": 25000.5, "currency": "EUR"},
				"launch_at": "2027-03-01T09:30:00Z", "tracking_window": "168h",
				"kpis": [{"name": "signups", "target": 5000, "unit": "signups", "direction": "higher"},
				         {"name": "cost per signup", "target": 4.5, "unit": "EUR", "direction": "lower"}],
				"project_manager": "pat", "marketing_ops_manager": "maya", "regulated": true}`,
			notice: "Campaign “Spring launch” started",
		},
		{
			name: "hiring request", path: "/new/hiring-request", route: "POST /api/v1/hiring-requests", id: "hir_new000000001",
			form: url.Values{
				"title": {"Senior designer"}, "team": {"creative"}, "level": {"Senior"}, "kind": {"backfill"},
				"justification": {"Cleo moves to web"}, "budget.min": {"60000"}, "budget.max": {"75000"}, "budget.currency": {"EUR"},
				"needed_by": {"2027-03-01"}, "hiring_manager": {"cleo"},
			},
			want: `{"title": "Senior designer", "team": "creative", "level": "Senior", "kind": "backfill",
				"justification": "Cleo moves to web", "budget": {"min": 60000, "max": 75000, "currency": "EUR"},
				"needed_by": "2027-03-01T00:00:00Z", "hiring_manager": "cleo"}`,
			notice: "Hiring request “Senior designer” sent for approval",
		},
		{
			name: "risk", path: "/new/risk", route: "POST /api/v1/risks", id: "rsk_new000000001",
			form: url.Values{
				"title": {"Print vendor late"}, "description": {""}, "category": {"schedule"},
				"probability": {"4"}, "impact": {"5"}, "owner": {"maya"}, "related": {"cmp_spring000001"},
			},
			want: `{"title": "Print vendor late", "description": "", "category": "schedule", "probability": 4, "impact": 5,
				"owner": "maya", "related": {"process": "campaign", "id": "cmp_spring000001"}}`,
			notice: "Risk “Print vendor late” raised",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			startAPI(f)
			var c creates
			c.on(f, tc.route, tc.id)
			key := formKey(t, get(t, h, sesPat, tc.path).Body.String())
			form := url.Values{idempotencyField: {key}}
			for k, v := range tc.form {
				form[k] = v
			}
			w := post(t, h, sesPat, tc.path, form)
			page := processLink(map[string]domain.Process{"cmp_": domain.ProcessCampaign, "hir_": domain.ProcessHiring, "rsk_": domain.ProcessRisk}[tc.id[:4]], tc.id)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page {
				t.Fatalf("status %d to %q, want 303 to %s; page:\n%s", w.Code, w.Header().Get("Location"), page, w.Body)
			}
			cmds := f.commands()
			if len(cmds) != 1 || cmds[0].Path != "/api/v1"+strings.TrimPrefix(tc.route, "POST /api/v1") || cmds[0].Caller != "pat" {
				t.Fatalf("commands %+v", cmds)
			}
			if want := jsonOf(t, tc.want); !reflect.DeepEqual(cmds[0].Body, want) {
				t.Errorf("API body\n got %v\nwant %v", cmds[0].Body, want)
			}
			if len(c.keys) != 1 || c.keys[0] != key {
				t.Errorf("Idempotency-Key %q, want the form's %q", c.keys, key)
			}
			if ck := w.Result().Cookies(); len(ck) != 1 || ck[0].Name != flashCookie {
				t.Errorf("cookies %+v", ck)
			} else if v, _ := url.QueryUnescape(ck[0].Value); !strings.Contains(v, tc.notice) {
				t.Errorf("notice %q, want %q", v, tc.notice)
			}
		})
	}
}

func TestSendingAFormTwiceSendsTheSameKey(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	var c creates
	c.on(f, "POST /api/v1/risks", "rsk_new000000001")
	key := formKey(t, get(t, h, sesCleo, "/new/risk").Body.String())
	form := url.Values{idempotencyField: {key}, "title": {"Late"}, "category": {"schedule"}, "probability": {"2"}, "impact": {"2"}, "owner": {"cleo"}}
	for range 2 {
		if w := post(t, h, sesCleo, "/new/risk", form); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/risks/rsk_new000000001" {
			t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
		}
	}
	// The API makes one risk of the two: it answers the same key and body with the same risk.
	if len(c.keys) != 2 || c.keys[0] != key || c.keys[1] != key {
		t.Errorf("keys %q, want %q twice", c.keys, key)
	}
}

func TestARefusedStartShowsEachProblemNextToItsField(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/campaigns", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid",
			domain.FieldProblem{Field: "kpis[0].target", Problem: "must be a number"},
			domain.FieldProblem{Field: "budget.currency", Problem: "must be a three-letter ISO 4217 code like EUR"},
			domain.FieldProblem{Field: "launch_at", Problem: "must be in the future"},
			domain.FieldProblem{Field: "channels", Problem: "at least one channel is required"},
			domain.FieldProblem{Field: "project_manager", Problem: `no person with handle "zed"`},
			domain.FieldProblem{Field: "mood", Problem: "unknown field"},
		)
	})
	form := url.Values{
		idempotencyField: {"k-123"}, "name": {"Spring <launch>"}, "objective": {"Grow"}, "audience": {"Teams"},
		"budget.amount": {"100"}, "budget.currency": {"EUX"}, "launch_at": {"2026-11-01T09:00"},
		"kpis[0].name": {""}, "kpis[1].name": {"signups"}, "kpis[1].target": {"50"}, "kpis[1].direction": {"lower"},
		"project_manager": {"zed"}, "marketing_ops_manager": {"maya"},
	}
	w := post(t, h, sesPat, "/new/campaign", form)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", w.Code)
	}
	body := w.Body.String()
	invalid(t, body, "f-kpis-0-target", "must be a number")
	invalid(t, body, "f-budget-currency", "must be a three-letter ISO 4217 code like EUR")
	invalid(t, body, "f-launch-at", "must be in the future")
	invalid(t, body, "f-project-manager", `no person with handle &#34;zed&#34;`)
	mustContain(t, w,
		`id="f-channels-problem" role="alert">at least one channel is required<`,
		// The first field with a problem takes the focus; the summary links to each.
		`<a href="#f-launch-at">Timing: Launch at: must be in the future</a>`,
		`Nothing was started: check the fields marked below. mood: unknown field.`,
		// What was typed stays, escaped; the filled KPI row moved up to where the API counted it.
		`name="name" value="Spring &lt;launch&gt;"`, `name="budget.currency" value="EUX"`, `value="2026-11-01T09:00"`,
		`name="kpis[0].name" value="signups"`, `name="kpis[0].target" value="50"`, `<option value="lower" selected>lower</option>`,
		`<option value="zed" selected>zed</option>`,
		// The same key, so sending the corrected form still makes one campaign.
		`name="idempotency_key" value="k-123"`,
	)
	// The channels come first on the form: their first box takes the focus.
	if n := strings.Count(body, " autofocus"); n != 1 || !regexp.MustCompile(`id="f-channels-email"[^>]*autofocus`).MatchString(body) {
		t.Errorf("want autofocus on the first invalid input alone; %d found", n)
	}
}

func TestARefusedRiskShowsTheRelatedProblemOnItsPicker(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/risks", func(*http.Request, domain.Person) (int, any) {
		return http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid",
			domain.FieldProblem{Field: "related.id", Problem: `no campaign with ID "cmp_gone00000001"`},
			domain.FieldProblem{Field: "probability", Problem: "must be a whole number from 1 to 5"})
	})
	w := post(t, h, sesCleo, "/new/risk", url.Values{"title": {"Late"}, "category": {"schedule"}, "probability": {"0"}, "impact": {"3"},
		"owner": {"cleo"}, "related": {"cmp_gone00000001"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	invalid(t, body, "f-related", "no campaign with ID &#34;cmp_gone00000001&#34;")
	invalid(t, body, "f-probability", "must be a whole number from 1 to 5")
	mustContain(t, w, `<option value="cmp_gone00000001" selected>cmp_gone00000001</option>`, `name="probability" value="0"`)
}

func TestAStartThePersonMayNotMakeIsRefusedInWords(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/campaigns", func(_ *http.Request, me domain.Person) (int, any) {
		return http.StatusForbidden, apiErr("forbidden", "starting a campaign needs the project_manager, marketing_ops_manager or admin role")
	})
	// The page says so instead of offering a form the API would refuse.
	g := get(t, h, sesCleo, "/new/campaign")
	if g.Code != http.StatusForbidden {
		t.Fatalf("GET: status %d, want 403", g.Code)
	}
	mustContain(t, g, "You cannot start this: starting a campaign needs the project_manager, marketing_ops_manager or admin role")
	mustNotContain(t, g, `<form method="post" action="/new/campaign"`)
	// A risk anyone may raise.
	if r := get(t, h, sesCleo, "/new/risk"); r.Code != http.StatusOK {
		t.Errorf("GET /new/risk: status %d", r.Code)
	}
	// Should a form arrive anyway, the API's refusal is shown with what was typed.
	w := post(t, h, sesCleo, "/new/campaign", url.Values{"name": {"Cleo's idea"}, "budget.amount": {"10"}, "kpis[0].name": {"likes"}, "kpis[0].target": {"100"}})
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
	mustContain(t, w, `role="alert">`,
		"Nothing was started. You are not allowed to do this: starting a campaign needs the project_manager, marketing_ops_manager or admin role",
		`name="name" value="Cleo&#39;s idea"`)
	mustNotContain(t, w, `aria-invalid="true"`)
}

func TestWhatCannotBeSentIsReportedWithoutCallingTheAPI(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	w := post(t, h, sesPat, "/new/campaign", url.Values{
		idempotencyField: {"k-1"}, "name": {"Spring"}, "budget.amount": {"lots"}, "launch_at": {"next spring"},
		"tracking_window": {"2.5"}, "kpis[0].name": {"signups"}, "kpis[0].target": {""}, "kpis[1].name": {"leads"}, "kpis[1].target": {"NaN"},
	})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", w.Code)
	}
	body := w.Body.String()
	invalid(t, body, "f-budget-amount", "must be a number, like 1500 or 12.5")
	invalid(t, body, "f-launch-at", "must be a date and time like 2027-03-01T09:00")
	invalid(t, body, "f-tracking-window", "must be a whole number")
	invalid(t, body, "f-kpis-0-target", "required")
	invalid(t, body, "f-kpis-1-target", "must be a number, like 1500 or 12.5")
	mustContain(t, w, "Nothing was sent: check the fields marked below.", `name="budget.amount" value="lots"`)

	w = post(t, h, sesPat, "/new/hiring-request", url.Values{"budget.min": {"1e400"}, "budget.max": {""}, "needed_by": {"31/12/2027"}})
	invalid(t, w.Body.String(), "f-budget-min", "must be a number, like 1500 or 12.5")
	invalid(t, w.Body.String(), "f-budget-max", "required")
	invalid(t, w.Body.String(), "f-needed-by", "must be a date like 2027-03-01")

	w = post(t, h, sesPat, "/new/risk", url.Values{"probability": {"high"}, "related": {"rsk_other0000001"}})
	invalid(t, w.Body.String(), "f-probability", "must be a whole number")
	invalid(t, w.Body.String(), "f-related", "choose a campaign or a hiring request from the list")

	if c := f.commands(); len(c) != 0 {
		t.Errorf("commands reached the API: %+v", c)
	}
}

func TestAKeyUsedForOtherValuesGetsANewOne(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/risks", func(*http.Request, domain.Person) (int, any) {
		return http.StatusConflict, apiErr("conflict", `Idempotency-Key "k-1" was already used with a different request body`)
	})
	w := post(t, h, sesCleo, "/new/risk", url.Values{idempotencyField: {"k-1"}, "title": {"Late"}, "probability": {"2"}, "impact": {"2"}})
	if w.Code != http.StatusConflict {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w, "This form was already sent once with other values, so nothing new was started.", `name="title" value="Late"`)
	if k := formKey(t, w.Body.String()); k == "k-1" {
		t.Error("the redrawn form kept the spent key")
	}
}

func TestStartFormsWhenTheAPIIsDown(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/hiring-requests", func(*http.Request, domain.Person) (int, any) {
		return http.StatusServiceUnavailable, apiErr("unavailable", "temporal is unavailable")
	})
	w := post(t, h, sesPat, "/new/hiring-request", url.Values{idempotencyField: {"k-9"}, "title": {"Designer"}, "budget.min": {"1"}, "budget.max": {"2"}})
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", w.Code)
	}
	// The same key is kept: a retry cannot make a second request if the first did start.
	mustContain(t, w, "cannot reach its database or Temporal", `name="title" value="Designer"`, `name="idempotency_key" value="k-9"`)
}

func TestStartFormsNeedSignInAndTheFormToken(t *testing.T) {
	h, f := newTestApp(t)
	if w := get(t, h, "", "/new/risk"); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/signin?next=%2Fnew%2Frisk") {
		t.Errorf("signed out: status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if w := post(t, h, sesPat, "/new/risk", url.Values{"csrf": {"forged"}, "title": {"x"}}); w.Code != http.StatusForbidden {
		t.Errorf("forged form: status %d, want 403", w.Code)
	}
	if c := f.commands(); len(c) != 0 {
		t.Errorf("commands reached the API: %+v", c)
	}
	if w := get(t, h, sesPat, "/new"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/new/campaign" {
		t.Errorf("/new: status %d to %q", w.Code, w.Header().Get("Location"))
	}
}

func TestStartOpensAFormThePersonMayUse(t *testing.T) {
	h, _ := newTestApp(t)
	for tok, want := range map[string]string{sesPat: "/new/campaign", sesCleo: "/new/risk"} {
		if w := get(t, h, tok, "/new"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("%s: %d to %q, want %s", tok, w.Code, w.Header().Get("Location"), want)
		}
	}
}

// The launch time is read in the zone the form names: 09:30 in Tokyo is
// 00:30 UTC.
func TestTheLaunchTimeIsReadInTheViewersZone(t *testing.T) {
	h, f := newTestApp(t)
	startAPI(f)
	f.on("POST /api/v1/campaigns", func(*http.Request, domain.Person) (int, any) {
		return http.StatusCreated, map[string]string{"id": "cmp_new000000001"}
	})
	post(t, h, sesPat, "/new/campaign", url.Values{"name": {"Spring"}, "objective": {"o"}, "audience": {"a"}, "channels": {"email"},
		"budget.amount": {"1"}, "budget.currency": {"EUR"}, "launch_at": {"2027-03-01T09:30"}, "tz": {"Asia/Tokyo"},
		"kpis[0].name": {"signups"}, "kpis[0].target": {"5"}, "kpis[0].direction": {"higher"},
		"project_manager": {"pat"}, "marketing_ops_manager": {"maya"}})
	c := f.commands()
	if len(c) != 1 || c[0].Body["launch_at"] != "2027-03-01T00:30:00Z" {
		t.Fatalf("commands %+v, want the launch at 00:30 UTC", c)
	}
}
