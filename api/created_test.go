package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// firstTask is the task a new process opens first.
func firstTask(process domain.Process, id string) domain.Task {
	return domain.Task{ID: "tsk_aaaaaaaaaaaa", Process: process, ProcessID: id, Kind: domain.KindApproval, Title: "Review",
		Assignee: "mo", Status: domain.TaskOpen, CreatedAt: testNow, DueAt: testNow.Add(48 * time.Hour)}
}

// A create answers with the new process's first task and whom it waits on:
// the run's query says them once its first workflow task has opened it.
func TestCreateAnswersTheFirstTask(t *testing.T) {
	e := newEnv(t)
	e.temporal.query = func(wid, _ string) (any, error) {
		id := strings.TrimPrefix(wid, "campaign/")
		tasks := []domain.Task{firstTask(domain.ProcessCampaign, id)}
		return contract.CampaignDetail{Campaign: domain.Campaign{ID: id, WorkflowID: wid, Status: domain.StatusActive, Stage: domain.StageBriefReview},
			Tasks: tasks, WaitingOn: domain.WaitingOnOf(tasks)}, nil
	}
	rr := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief)
	want(t, rr, sCreated, "")
	got := decodeJSON[campaignBody](t, rr)
	if !got.Live || len(got.Tasks) != 1 || got.Tasks[0].ID != "tsk_aaaaaaaaaaaa" || len(got.WaitingOn) != 1 || got.WaitingOn[0].Assignee != "mo" {
		t.Errorf("answer: live %t, tasks %+v, waiting on %+v; want the first task", got.Live, got.Tasks, got.WaitingOn)
	}
	if len(e.temporal.queries) != 1 {
		t.Errorf("%d queries, want one", len(e.temporal.queries))
	}
}

// A hiring request's first approval opens after a directory lookup: the create
// asks again until it has, briefly.
func TestCreateWaitsBrieflyForAFirstTaskBehindALookup(t *testing.T) {
	e := hiringEnv(t)
	asked := 0
	e.temporal.query = func(wid, _ string) (any, error) {
		asked++
		id := strings.TrimPrefix(wid, "hiring/")
		d := contract.HiringDetail{HiringRequest: domain.HiringRequest{ID: id, WorkflowID: wid, Status: domain.StatusActive, Stage: domain.StageApproval}}
		if asked >= 3 {
			d.Tasks = []domain.Task{firstTask(domain.ProcessHiring, id)}
			d.WaitingOn = domain.WaitingOnOf(d.Tasks)
		}
		return d, nil
	}
	rr := e.do("POST", "/api/v1/hiring-requests", "tok-paula", validHiring)
	want(t, rr, http.StatusCreated, "")
	if got := decodeJSON[hiringBody](t, rr); !got.Live || len(got.Tasks) != 1 || asked != 3 {
		t.Errorf("answer: live %t, tasks %+v after %d queries; want the task after 3", got.Live, got.Tasks, asked)
	}
}

// A run that cannot answer (Temporal is slow, or the query fails) leaves the
// create's answer as it was: the record as made, no task, not live.
func TestCreateAnswersWithoutTheFirstTaskWhenTheRunCannotSay(t *testing.T) {
	e := riskEnv(t)
	e.temporal.query = func(string, string) (any, error) { return nil, domain.ErrUnavailable }
	rr := e.do("POST", "/api/v1/risks", "tok-cara", validRiskRaw)
	want(t, rr, sCreated, "")
	if got := decodeJSON[riskBody](t, rr); got.Live || len(got.Tasks) != 0 || got.Tasks == nil || got.Owner != "paula" {
		t.Errorf("answer: live %t, tasks %v, owner %s", got.Live, got.Tasks, got.Owner)
	}
}

// A hiring request's static details in the Temporal UI never change, and a
// revision may move what they say: they say they are as first requested.
func TestHiringStaticDetailsSayTheyAreAsFirstRequested(t *testing.T) {
	e := hiringEnv(t)
	want(t, e.do("POST", "/api/v1/hiring-requests", "tok-paula", validHiring), http.StatusCreated, "")
	if d := e.temporal.starts[0].Details; !strings.HasPrefix(d, "As first requested: **Kind:** new · **Needed by:** 2030-06-01T00:00:00Z.") {
		t.Errorf("static details = %q", d)
	}
}
