package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/domain"
)

// TestReassignOverCapacityInTheBoard: Cleo has 10 hours a week (set by
// Maya, her manager); Pat gives her the campaign's creative deliverable,
// estimated at the policy's 16 hours. The reassignment is done, and the page
// says Cleo is over capacity that week and names Cory, of her team, with
// room. The workload page then shows Cleo over; the reports page the
// estimate accuracy of the deliverables done with the time they took.
//
// With TANDEM_SCREENSHOTS=<dir> it saves the workload and reports pages at
// desktop and phone widths there.
func TestReassignOverCapacityInTheBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, seconds())
	s.must(http.StatusCreated, "ada", http.MethodPut, "/api/v1/people/cory",
		map[string]any{"name": "Cory Hale", "email": "cory@tandem.example", "team": "creative", "roles": []string{"creative"}, "manager": "maya"}, nil)
	s.must(http.StatusOK, "maya", http.MethodPut, "/api/v1/people/cleo/weekly-hours", map[string]any{"weekly_hours": 10}, nil)
	// Cleo may not set her own hours.
	s.must(http.StatusForbidden, "cleo", http.MethodPut, "/api/v1/people/cleo/weekly-hours", map[string]any{"weekly_hours": 60}, nil)

	launch := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	brief := map[string]any{
		"name": "Capacity launch", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"social"}, "budget": map[string]any{"amount": 20000, "currency": "EUR"},
		"launch_at": launch.Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 1000, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created, "Idempotency-Key", "capacity-1")
	c := s.projected(s.waitFor(created.ID, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+c.open("brief_review")[0].ID+"/complete", map[string]any{"outcome": "approved"}, nil)
	c = s.projected(s.waitFor(created.ID, "production", func(c campaign) bool { return c.Stage == domain.StageProduction && len(c.open("deliverable:")) >= 3 }))
	var creative domain.Task
	for _, task := range c.open("deliverable:") {
		switch task.Team {
		case domain.TeamCreative:
			creative = task
		case domain.TeamContent: // 8h estimated, 12h taken
			s.must(http.StatusOK, "colin", http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done", "actual_hours": 12}, nil)
		case domain.TeamAnalytics: // 6h estimated, 3h taken
			s.must(http.StatusOK, "ana", http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", map[string]any{"outcome": "done", "actual_hours": 3}, nil)
		}
	}
	if creative.ID == "" || creative.EstimateHours == nil || *creative.EstimateHours != 16 {
		t.Fatalf("the creative deliverable is %+v, want one estimated at 16h", creative)
	}

	pat := newTab(t, ctx, s.url)
	pat.goTo("/")
	pat.signIn(s.tokens["pat"], "Pat Morgan")
	pat.goTo("/campaigns/" + created.ID)
	shots := os.Getenv("TANDEM_SCREENSHOTS")
	// Pat, who plans the campaign, re-plans the deliverable at 20 hours from
	// its card.
	estimate := "#estimate-" + creative.ID
	pat.wait("the estimate form", fmt.Sprintf(`!!document.querySelector(%q)`, estimate+" input[name=hours]"))
	pat.eval(fmt.Sprintf(`(d => { d.open = true; d.querySelector('input[name=hours]').value = '20'; d.querySelector('textarea[name=reason]').value = 'Two more formats'; })(document.querySelector(%q))`, estimate))
	if shots != "" {
		pat.shoot(shots, "task-estimate", fmt.Sprintf(`document.querySelector(%q).scrollIntoView()`, estimate))
	}
	pat.click(estimate + " button[type=submit]")
	pat.notice("Estimate of ", ": 20h")
	form := "#reassign-" + creative.ID
	pat.wait("the reassign form", fmt.Sprintf(`!!document.querySelector(%q)`, form+" select[name=assignee] option[value=cleo]"))
	pat.eval(fmt.Sprintf(`(d => { d.open = true; d.querySelector('select[name=assignee]').value = 'cleo'; d.querySelector('textarea[name=reason]').value = 'Cleo knows the brand'; })(document.querySelector(%q))`, form))
	pat.click(form + " button[type=submit]")
	pat.notice("Reassigned to Cleo Park", "Cleo Park is over capacity in the week of", "20h planned for", "With room in the team that week: Cory Hale (")
	pat.checkErrors()

	var task domain.Task
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/tasks/"+creative.ID, nil, &task)
	if task.Assignee != "cleo" {
		t.Errorf("the task is with %q after the warning, want cleo: a warning is not a refusal", task.Assignee)
	}
	if task.EstimateHours == nil || *task.EstimateHours != 20 {
		t.Errorf("the task's estimate is %v after the board's form, want 20h", task.EstimateHours)
	}

	pat.goTo("/workload")
	pat.wait("the capacity table", `!!document.querySelector('#capacity-cleo')`)
	if row := evalJS[string](pat, `document.querySelector('#capacity-cleo').textContent`); !strings.Contains(row, "over") || !strings.Contains(row, "20h of") {
		t.Errorf("cleo's capacity row says %q, want 20h planned and over", row)
	}
	// Pat manages nobody: no weekly-hours form for them.
	if evalJS[bool](pat, `!!document.querySelector('#weekly-hours')`) {
		t.Error("pat, nobody's manager, is offered to set weekly hours")
	}
	if over := evalJS[bool](pat, `document.querySelector('#capacity-cory').classList.contains('over')`); over {
		t.Error("cory, with nothing planned, is shown over capacity")
	}
	if shots != "" {
		pat.shoot(shots, "workload-capacity", `document.querySelector('#capacity').scrollIntoView()`)
	}
	pat.goTo("/reports")
	pat.wait("the estimate report", `!!document.querySelector('#est-kinds')`)
	// 12/8 and 3/6: the median of 1.5 and 0.5 is 1.
	if text := evalJS[string](pat, `document.querySelector('#estimates').textContent`); !strings.Contains(text, "×1.00") || !strings.Contains(text, "2 tasks done") {
		t.Errorf("the estimate report says %q", text)
	}
	if shots != "" {
		pat.shoot(shots, "reports-estimates", `document.querySelector('#estimates').scrollIntoView()`)
	}
	pat.checkErrors()

	// Maya, Cleo's manager, gives her 30 hours a week from the workload
	// page: Cleo is no longer over. A browser context of her own: Pat's
	// session is in the first one's cookies.
	maya := newTab(t, ctx, s.url, chromedp.WithNewBrowserContext())
	maya.goTo("/")
	maya.signIn(s.tokens["maya"], "Maya Ortiz")
	maya.goTo("/workload")
	maya.wait("the weekly-hours form", `!!document.querySelector('#weekly-hours select[name=person] option[value=cleo]')`)
	maya.eval(`(d => { d.open = true; d.querySelector('select[name=person]').value = 'cleo'; d.querySelector('input[name=weekly_hours]').value = '30'; })(document.querySelector('#weekly-hours'))`)
	if shots != "" {
		maya.shoot(shots, "workload-weekly-hours", `document.querySelector('#weekly-hours').scrollIntoView()`)
	}
	maya.click("#weekly-hours button[type=submit]")
	maya.notice("Weekly hours of Cleo Park: 30h")
	maya.wait("cleo's row with her new hours", `document.querySelector('#capacity-cleo').textContent.includes('30h')`)
	if over := evalJS[bool](maya, `document.querySelector('#capacity-cleo').classList.contains('over')`); over {
		t.Error("cleo, 20h planned against 30h, is still shown over capacity")
	}
	var people struct{ Items []domain.Person }
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/people?limit=200", nil, &people)
	for _, p := range people.Items {
		if p.Handle == "cleo" && (p.WeeklyHours == nil || *p.WeeklyHours != 30) {
			t.Errorf("cleo's weekly hours are %v after the board's form, want 30", p.WeeklyHours)
		}
	}
	maya.checkErrors()
}
