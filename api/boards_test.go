package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestABoardColumnAnswersItsStagesCardsWithWhomTheyWaitOn(t *testing.T) {
	e := newEnv(t)
	due := testNow.Add(30 * time.Hour)
	e.records.campaigns[campaignID1] = domain.Campaign{ID: campaignID1, Status: domain.StatusActive, Stage: domain.StageProduction,
		Brief: domain.Brief{Name: "Spring social", ProjectManager: "paula", MarketingOpsManager: "mo"}}
	e.records.campaigns["cmp_planning00001"] = domain.Campaign{ID: "cmp_planning00001", Status: domain.StatusActive, Stage: domain.StagePlanning,
		Brief: domain.Brief{Name: "Elsewhere", ProjectManager: "paula"}}
	e.records.tasks[workTask] = domain.Task{ID: workTask, ProcessID: campaignID1, Process: domain.ProcessCampaign, Title: "Copy",
		Team: domain.TeamCreative, Assignee: "cara", Status: domain.TaskOpen, DueAt: due}

	rr := e.do(http.MethodGet, "/api/v1/boards/campaigns?stage=production&owner=me&team=creative&limit=10", "tok-mo", "")
	want(t, rr, http.StatusOK, "")
	if f := e.records.lastBoard; f.Process != domain.ProcessCampaign || f.Stage != "production" || f.Owner != "mo" ||
		f.Team != domain.TeamCreative || f.Limit != 10 {
		t.Errorf("the records were asked %+v", f)
	}
	var page struct {
		Items []struct {
			ID, Name, Stage, Owner string
			WaitingOn              []domain.WaitingOn `json:"waiting_on"`
			NextDue                time.Time          `json:"next_due"`
		}
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("want the one campaign in production, got %s", rr.Body)
	}
	c := page.Items[0]
	if c.ID != campaignID1 || c.Name != "Spring social" || c.Owner != "paula" || !c.NextDue.Equal(due) ||
		len(c.WaitingOn) != 1 || c.WaitingOn[0].Assignee != "cara" || c.WaitingOn[0].TaskID != workTask {
		t.Errorf("the card: %s", rr.Body)
	}
}

func TestABoardColumnRefusesWhatIsNotAColumn(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ path, field string }{
		{"/api/v1/boards/campaigns", "stage"},
		{"/api/v1/boards/campaigns?stage=approval", "stage"}, // a hiring stage
		{"/api/v1/boards/risks?stage=closed", "stage"},       // ended: not on the board
		{"/api/v1/boards/hiring-requests?stage=offer&team=nobody", "team"},
		{"/api/v1/boards/risks?stage=open&limit=0", "limit"},
	} {
		rr := e.do(http.MethodGet, c.path, "tok-cara", "")
		if rr.Code != http.StatusUnprocessableEntity || !strings.Contains(rr.Body.String(), `"`+c.field+`"`) {
			t.Errorf("GET %s = %d %s, want 422 naming %s", c.path, rr.Code, rr.Body, c.field)
		}
	}
	rr := e.do(http.MethodGet, "/api/v1/boards/tasks?stage=open", "tok-cara", "")
	want(t, rr, http.StatusNotFound, "not_found")
	if e.records.lastBoard.Process != "" {
		t.Errorf("a refused request reached the records: %+v", e.records.lastBoard)
	}
}

// A hiring request's card says what the list says to everyone, never its
// budget or justification, nor its tasks' descriptions and data.
func TestAHiringCardHoldsNothingConfidential(t *testing.T) {
	e := newEnv(t)
	e.records.hiring().requests[permHiringID] = domain.HiringRequest{ID: permHiringID, Status: domain.StatusActive, Stage: domain.StageApproval,
		RequestedBy: "paula", Request: domain.Requisition{Title: "Analyst", Justification: "secret reasons"}}
	e.records.tasks[workTask] = domain.Task{ID: workTask, ProcessID: permHiringID, Process: domain.ProcessHiring, Title: "Approve the analyst",
		Description: "Budget 90,000", Data: map[string]any{"offer": "95,000"}, Team: domain.TeamFinance, Status: domain.TaskOpen}
	rr := e.do(http.MethodGet, "/api/v1/boards/hiring-requests?stage=approval", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	body := rr.Body.String()
	if !strings.Contains(body, "Approve the analyst") || !strings.Contains(body, "Analyst") {
		t.Fatalf("the card is missing: %s", body)
	}
	for _, secret := range []string{"secret reasons", "90,000", "95,000"} {
		if strings.Contains(body, secret) {
			t.Errorf("the board shows %q to cara: %s", secret, body)
		}
	}
}
