package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// approval is maya's open brief review, due in two hours.
var approval = domain.Task{ID: "tsk_review", Process: domain.ProcessCampaign, ProcessID: "cmp_spring", Kind: domain.KindApproval,
	Title: "Review the brief of Spring launch", Team: domain.TeamMarketingOps, Role: domain.RoleMarketingOpsManager,
	Assignee: "maya", RequestedBy: "pat", Status: domain.TaskOpen, DueAt: testNow.Add(2 * time.Hour)}

// teamTasks are the marketing-ops team's: one assigned to someone else, overdue.
var othersTask = domain.Task{ID: "tsk_other", Process: domain.ProcessHiring, ProcessID: "hir_1", Kind: domain.KindApproval,
	Title: "Approve the hire", Team: domain.TeamMarketingOps, Assignee: "mo", Status: domain.TaskOpen, DueAt: testNow.Add(-26 * time.Hour)}

func inbox(f *fakeAPI) {
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		q := r.URL.Query()
		switch {
		case q.Get("assignee") == "me" && q.Get("status") == "open" && me.Handle == "maya":
			return http.StatusOK, taskPage(r, approval)
		case q.Get("team") == string(domain.TeamMarketingOps) && q.Get("status") == "open":
			return http.StatusOK, taskPage(r, approval, othersTask)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
}

func TestMyWorkShowsMineAndMyTeamsOpenTasks(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	w := get(t, h, sesMaya, "/")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mustContain(t, w,
		"Maya Ops", "Marketing ops manager", // who is signed in
		"Review the brief of Spring launch", `href="/campaigns/cmp_spring"`, "due in 2 hours",
		`action="/tasks/tsk_review/complete"`, `value="approved"`, `value="changes_requested"`, `value="rejected"`,
		"Approve the hire", "overdue by 26 hours", "Assigned to mo", "This task is assigned to mo",
	)
	// maya's own task shows once, under mine, not again under the team's.
	if n := strings.Count(w.Body.String(), `id="task-tsk_review"`); n != 1 {
		t.Errorf("maya's task shows %d times", n)
	}
	// No form for a task someone else holds.
	mustNotContain(t, w, `action="/tasks/tsk_other/complete"`)
}

func TestMyWorkRefreshDrawsOnlyTheMainPart(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	r := newGet("/")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
	r.Header.Set(fragmentHeader, "main")
	w := serve(h, r)
	mustContain(t, w, "Review the brief of Spring launch")
	mustNotContain(t, w, "<html", "<header")
}

func TestDecidingATaskGoesThroughTheAPI(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	f.knowTasks(approval)
	f.on("POST /api/v1/tasks/{id}/complete", func(r *http.Request, me domain.Person) (int, any) {
		done := approval
		done.Status, done.Outcome = domain.TaskDone, domain.OutcomeApproved
		return http.StatusOK, done
	})
	w := post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"approved"}, "comment": {" Looks right "}, "back": {"/"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("status %d to %q, want 303 to /", w.Code, w.Header().Get("Location"))
	}
	c := f.commands()
	if len(c) != 1 || c[0].Path != "/api/v1/tasks/tsk_review/complete" || c[0].Caller != "maya" ||
		c[0].Body["outcome"] != "approved" || c[0].Body["comment"] != "Looks right" {
		t.Fatalf("commands %+v", c)
	}
	// The next page says what happened, once.
	next := newGet("/")
	next.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
	for _, ck := range w.Result().Cookies() {
		next.AddCookie(ck)
	}
	mustContain(t, serve(h, next), "Approved: Review the brief of Spring launch")
}

func TestARefusedDecisionIsShownInWords(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   any
		words  string
	}{
		{"not eligible", http.StatusForbidden, apiErr("forbidden", "pat raised this request and may not approve it"),
			"You are not eligible to decide this task: Pat Manager raised this request and may not approve it."},
		{"already done", http.StatusConflict, apiErr("conflict", "task tsk_review is done"),
			"This task is already done or closed: the task “Review the brief of Spring launch” is done."},
		{"comment required", http.StatusUnprocessableEntity, apiErr("validation_failed", "the request is invalid",
			domain.FieldProblem{Field: "comment", Problem: "required when the outcome is rejected"}),
			"A comment is required: required when the outcome is rejected."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := newTestApp(t)
			inbox(f)
			f.knowTasks(approval)
			f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) { return tc.status, tc.body })
			w := post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"rejected"}, "comment": {"half a thought"}, "back": {"/"}})
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			mustContain(t, w, tc.words, `id="problem-tsk_review"`, "half a thought")
		})
	}
}

func TestARefusalFromAnotherPageGoesBackThere(t *testing.T) {
	h, f := newTestApp(t)
	f.knowTasks(approval)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) {
		return http.StatusConflict, apiErr("conflict", "task tsk_review is done")
	})
	w := post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"approved"}, "back": {"/campaigns/cmp_spring"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/cmp_spring" {
		t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != flashCookie || !strings.Contains(c[0].Value, "already+done") {
		t.Errorf("cookies %+v", c)
	}
}

func TestMyWorkWhenTheAPIIsDown(t *testing.T) {
	h, f := newTestApp(t)
	f.on("GET /api/v1/tasks", func(*http.Request, domain.Person) (int, any) {
		return http.StatusServiceUnavailable, apiErr("unavailable", "the database is unavailable")
	})
	w := get(t, h, sesMaya, "/")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
	mustContain(t, w, "cannot reach its database or Temporal")
}

func TestAnOrdinaryTaskSendsNoData(t *testing.T) {
	h, f := newTestApp(t)
	f.knowTasks(approval)
	f.on("POST /api/v1/tasks/{id}/complete", func(*http.Request, domain.Person) (int, any) { return http.StatusOK, approval })
	post(t, h, sesMaya, "/tasks/tsk_review/complete", url.Values{"outcome": {"approved"}})
	if c := f.commands(); len(c) != 1 || c[0].Body["data"] != nil {
		t.Errorf("commands %+v", c)
	}
}

func TestARefreshSaysWhetherAnythingMoved(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	page := get(t, h, sesMaya, "/").Body.String()
	i := strings.Index(page, `data-version="`)
	if i < 0 {
		t.Fatalf("my work carries no version:\n%s", page)
	}
	drawn := page[i+len(`data-version="`) : i+len(`data-version="`)+16]

	refresh := func() string {
		r := newGet("/")
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
		r.Header.Set(fragmentHeader, "main")
		return serve(h, r).Header().Get("X-Tandem-Version")
	}
	if got := refresh(); got != drawn {
		t.Errorf("nothing moved, yet the refresh answers version %q, the page %q", got, drawn)
	}
	// The page drawn just after an action, with its notice, names the same
	// version: a notice is no change of what the page shows.
	r := newGet("/")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sesMaya})
	r.AddCookie(&http.Cookie{Name: flashCookie, Value: url.QueryEscape("ok:Approved: something")})
	noticed := serve(h, r).Body.String()
	if !strings.Contains(noticed, "Approved: something") || !strings.Contains(noticed, `data-version="`+drawn+`"`) {
		t.Errorf("the page with a notice names another version than %q, or shows no notice", drawn)
	}
	approval.Title = "Review the brief of Spring launch, second round"
	defer func() { approval.Title = "Review the brief of Spring launch" }()
	if got := refresh(); got == drawn {
		t.Errorf("a task changed, yet the version stayed %q", got)
	}
}

// TestMyWorkDrawsAPageOfEachListSoonestDueFirst: a busy person's sixty open
// tasks, created latest due first, two overdue: the page draws the first
// myWorkPage soonest due (the overdue ones leading), each with its form, says
// how many there are in all and how many are overdue, and links the next
// ones, which draw the rest with a way back.
func TestMyWorkDrawsAPageOfEachListSoonestDueFirst(t *testing.T) {
	h, f := newTestApp(t)
	var mine []domain.Task
	for i := 60; i >= 1; i-- {
		tk := approval
		tk.ID = fmt.Sprintf("tsk_m%02d", i)
		tk.DueAt = testNow.Add(time.Duration(i-3) * time.Hour) // 1 and 2 are overdue
		mine = append(mine, tk)
	}
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		if r.URL.Query().Get("assignee") == "me" {
			return http.StatusOK, taskPage(r, mine...)
		}
		return http.StatusOK, pageOf[domain.Task]()
	})
	w := get(t, h, sesMaya, "/")
	body := w.Body.String()
	mustContain(t, w, `<span class="count">60</span>`, "2 overdue", "Showing 1–25 of 60, soonest due first.",
		`href="/?mine=25#mine"`, `action="/tasks/tsk_m01/complete"`, `action="/tasks/tsk_m25/complete"`)
	mustNotContain(t, w, "tsk_m26", "Previous tasks")
	if i, j := strings.Index(body, `id="task-tsk_m01"`), strings.Index(body, `id="task-tsk_m02"`); i < 0 || j < i {
		t.Errorf("the soonest due is not first")
	}
	w = get(t, h, sesMaya, "/?mine=25")
	mustContain(t, w, "Showing 26–50 of 60", `href="/?mine=50#mine"`, `href="/#mine"`, `action="/tasks/tsk_m26/complete"`,
		`name="back" value="/?mine=25"`)
	mustNotContain(t, w, `id="task-tsk_m25"`, `id="task-tsk_m51"`)
	w = get(t, h, sesMaya, "/?mine=999")
	mustContain(t, w, "Showing 51–60 of 60", `id="task-tsk_m60"`)
	mustNotContain(t, w, "Next tasks")
}

// TestTheDirectoryIsKeptWhileTheAPISaysNobodyChanged: the pages keep the
// directory between requests and ask for it again with its ETag: while the
// API answers 304 it is not read again; once someone changed (mo renamed),
// the next page draws the new name.
func TestTheDirectoryIsKeptWhileTheAPISaysNobodyChanged(t *testing.T) {
	h, f := newTestApp(t)
	inbox(f)
	version, name, reads, asked := 1, "Mo Before", 0, 0
	f.on("GET /api/v1/people", func(r *http.Request, _ domain.Person) (int, any) {
		asked++
		etag := fmt.Sprintf(`"v%d"`, version)
		if r.Header.Get("If-None-Match") == etag {
			return http.StatusNotModified, tagged{etag: etag}
		}
		reads++
		return http.StatusOK, tagged{etag: etag, body: pageOf(domain.Person{Handle: "mo", Name: name, Team: domain.TeamMarketingOps})}
	})
	mustContain(t, get(t, h, sesMaya, "/"), "Assigned to Mo Before")
	mustContain(t, get(t, h, sesMaya, "/"), "Assigned to Mo Before")
	if reads != 1 || asked < 2 {
		t.Errorf("the directory was read %d times in %d asks, want once, then 304", reads, asked)
	}
	version, name = 2, "Mo After"
	mustContain(t, get(t, h, sesMaya, "/"), "Assigned to Mo After")
	if reads != 2 {
		t.Errorf("after a change the directory was read %d times in all, want 2", reads)
	}
}

// TestMyWorkReadsOnlyThePageItDraws: my work asks the API for its lists
// soonest due first, as far as the page it draws (25 tasks, not the whole
// list), with their counts; the team's list leaves out the viewer's own
// tasks, from its page and from its counts, which, as mine are more than a
// page, are asked for apart. A list counted past the API's cap reads "more
// than".
func TestMyWorkReadsOnlyThePageItDraws(t *testing.T) {
	h, f := newTestApp(t)
	var all []domain.Task
	for i := range 60 { // maya's, of her team, 10 overdue
		tk := approval
		tk.ID, tk.DueAt = fmt.Sprintf("tsk_m%02d", i), testNow.Add(time.Duration(i-10)*time.Hour+time.Minute)
		all = append(all, tk)
	}
	for i := range 40 { // mo's, of her team, 5 overdue
		tk := othersTask
		tk.ID, tk.DueAt = fmt.Sprintf("tsk_o%02d", i), testNow.Add(time.Duration(i-5)*time.Hour+30*time.Minute)
		all = append(all, tk)
	}
	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		q := r.URL.Query()
		if q.Get("role") != "" {
			return http.StatusOK, taskPage(r)
		}
		var out []domain.Task
		for _, tk := range all {
			if (q.Get("assignee") != "me" || tk.Assignee == me.Handle) && (q.Get("team") == "" || string(tk.Team) == q.Get("team")) {
				out = append(out, tk)
			}
		}
		return http.StatusOK, taskPage(r, out...)
	})
	w := get(t, h, sesMaya, "/")
	mustContain(t, w, `<h2 id="mine">Assigned to me <span class="count">60</span>`, "10 overdue",
		`Open for the Marketing ops team <span class="count">40</span>`, "5 overdue", "Showing 1–25 of 40",
		`id="task-tsk_m00"`, `id="task-tsk_o00"`, `id="task-tsk_o24"`)
	mustNotContain(t, w, `id="task-tsk_m25"`, `id="task-tsk_o25"`)
	if n := strings.Count(w.Body.String(), `id="task-tsk_m00"`); n != 1 {
		t.Errorf("maya's first task shows %d times, want once, as hers", n)
	}
	var asked []string
	f.mu.Lock()
	for _, c := range f.calls {
		if c.Path == "/api/v1/tasks" {
			asked = append(asked, c.Query)
		}
	}
	f.mu.Unlock()
	for _, q := range asked {
		v, _ := url.ParseQuery(q)
		if n, _ := strconv.Atoi(v.Get("limit")); v.Get("role") == "" && n > myWorkPage {
			t.Errorf("my work asked for %s: more than its page", q)
		}
	}
	if !slices.ContainsFunc(asked, func(q string) bool {
		v, _ := url.ParseQuery(q)
		return v.Get("assignee") == "me" && v.Get("team") == string(domain.TeamMarketingOps) && v.Get("counts") == "true"
	}) {
		t.Errorf("the count of maya's tasks of her team was not asked for: %v", asked)
	}

	f.on("GET /api/v1/tasks", func(r *http.Request, me domain.Person) (int, any) {
		if r.URL.Query().Get("assignee") != "me" {
			return http.StatusOK, taskPage(r)
		}
		p := taskPage(r, all[:60]...).(map[string]any)
		if _, ok := p["counts"]; ok {
			p["counts"] = domain.TaskCounts{Total: domain.MaxTaskCount, Overdue: 10, More: true}
		}
		return http.StatusOK, p
	})
	mustContain(t, get(t, h, sesMaya, "/"), fmt.Sprintf(`<span class="count">%d+</span>`, domain.MaxTaskCount),
		fmt.Sprintf("Showing 1–25 of more than %d", domain.MaxTaskCount))
}
