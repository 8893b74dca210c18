package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The Done-when of issue 16's lifecycle, against a real Temporal, worker and
// PostgreSQL: an admin disables maya; her token and her board session answer
// 401 on their next request, and the brief review she held is back in the
// marketing ops queue, in the workflow (mira, the other marketing ops manager,
// completes it) and in the timeline. Disabling again moves nothing twice.
func TestDisabledPersonLosesAccessAndTheirTasksMove(t *testing.T) {
	s := start(t, seconds())
	s.must(http.StatusCreated, "ada", http.MethodPut, "/api/v1/people/mira", map[string]any{
		"name": "Mira Chen", "email": "mira@tandem.example", "team": "marketing-ops", "roles": []string{"marketing_ops_manager"}, "manager": "dana",
	}, nil)
	var tok struct{ Token string }
	s.must(http.StatusCreated, "ada", http.MethodPost, "/api/v1/people/mira/tokens", map[string]any{"label": "e2e"}, &tok)
	s.tokens["mira"] = tok.Token

	brief := map[string]any{
		"name": "Autumn launch", "objective": "Grow trial sign-ups", "audience": "Small business owners",
		"channels": []string{"email"}, "budget": map[string]any{"amount": 20000, "currency": "EUR"},
		"launch_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339), "tracking_window": "4s",
		"kpis":            []map[string]any{{"name": "signups", "target": 100, "unit": "signups", "direction": "higher"}},
		"project_manager": "pat", "marketing_ops_manager": "maya",
	}
	var created campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &created)
	c := s.projected(s.waitFor(created.ID, "brief review task", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	review := c.open("brief_review")[0]
	if review.Assignee != "maya" {
		t.Fatalf("the brief review is %q's, want maya's", review.Assignee)
	}

	var sess struct{ ID string }
	s.must(http.StatusCreated, "maya", http.MethodPost, "/api/v1/sessions", nil, &sess)
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/me", nil, nil, "Authorization", "Session "+sess.ID)

	var disabled struct {
		Person  domain.Person
		Revoked domain.Revoked
		Tasks   []struct {
			TaskID                                string `json:"task_id"`
			Status, Team, Role, Assignee, Message string
		}
	}
	s.must(http.StatusOK, "ada", http.MethodPost, "/api/v1/people/maya/disable", nil, &disabled)
	if disabled.Person.DisabledAt == nil || disabled.Revoked.Sessions != 1 || disabled.Revoked.Tokens < 1 {
		t.Errorf("disabled %+v, revoked %+v", disabled.Person, disabled.Revoked)
	}
	if len(disabled.Tasks) != 1 || disabled.Tasks[0].TaskID != review.ID || disabled.Tasks[0].Status != "moved" ||
		disabled.Tasks[0].Team != "marketing-ops" || disabled.Tasks[0].Role != "marketing_ops_manager" {
		t.Fatalf("tasks %+v, want the brief review moved back to the marketing ops queue", disabled.Tasks)
	}

	// Her next requests: 401, with the token and with the session.
	s.must(http.StatusUnauthorized, "maya", http.MethodGet, "/api/v1/me", nil, nil)
	s.must(http.StatusUnauthorized, "maya", http.MethodGet, "/api/v1/me", nil, nil, "Authorization", "Session "+sess.ID)

	// The records follow the workflow: the task is the queue's, and the
	// timeline says why.
	var task domain.Task
	for tries := 0; ; tries++ {
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/tasks/"+review.ID, nil, &task)
		if task.Assignee == "" || tries > 100 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if task.Assignee != "" || task.Team != domain.TeamMarketingOps || task.Role != domain.RoleMarketingOpsManager || !task.IsOpen() {
		t.Fatalf("the brief review after the disabling: %+v", task)
	}
	var timeline struct{ Items []domain.Event }
	s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+created.ID+"/timeline", nil, &timeline)
	var said string
	for _, e := range timeline.Items {
		if e.Kind == domain.EventTaskReassign {
			said = e.Message
		}
	}
	if !strings.HasPrefix(said, "maya was disabled; ") || !strings.Contains(said, "is now with the marketing-ops team") {
		t.Errorf("timeline says %q", said)
	}

	// Again, as after a failure: nothing is left to move.
	s.must(http.StatusOK, "ada", http.MethodPost, "/api/v1/people/maya/disable", nil, &disabled)
	if len(disabled.Tasks) != 0 {
		t.Errorf("disabling again found %+v", disabled.Tasks)
	}
	// The queue takes it: mira, whom the workflow now lets decide it.
	s.must(http.StatusOK, "mira", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", map[string]any{"outcome": "approved"}, nil)
}
