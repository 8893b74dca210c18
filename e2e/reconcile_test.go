package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/worker"
)

// TestRunEndedInTemporalIsClosedInTheRecords ends two risks' runs the way someone
// with the Temporal CLI could, bypassing Tandem (terminate, and a Temporal-level
// cancel), runs one reconciliation pass, and reads the outcome over HTTP: each risk
// closed, its task cancelled, the timeline and the owner told what happened. A
// third risk, left running, is untouched.
func TestRunEndedInTemporalIsClosedInTheRecords(t *testing.T) {
	s := start(t, riskSeconds())
	ctx := context.Background()

	var terminated, cancelled, running contract.RiskDetail
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Printer may be late", "cleo", 1, 2), &terminated)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Venue may cancel", "wes", 1, 2), &cancelled)
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/risks", raise("Copy may slip", "colin", 1, 2), &running)
	acks := map[string]domain.Task{}
	for _, r := range []contract.RiskDetail{terminated, cancelled, running} {
		d := s.waitForRisk(r.ID, "its acknowledge task", func(d contract.RiskDetail) bool { return openTask(d, "acknowledge") != nil })
		acks[r.ID] = *openTask(d, "acknowledge")
		s.inRecords(acks[r.ID])
	}

	if err := s.temporal.TerminateWorkflow(ctx, contract.RiskWorkflowID(terminated.ID), "", "by hand, in Temporal"); err != nil {
		t.Fatal(err)
	}
	if err := s.temporal.CancelWorkflow(ctx, contract.RiskWorkflowID(cancelled.ID), ""); err != nil {
		t.Fatal(err)
	}

	// One pass as a worker makes it every minute, repeated until it has seen
	// both. Visibility records a close a moment after it happens, and each pass
	// overlaps the one before by the grace period: a grace of a millisecond let
	// a close that reached visibility after a pass fall between two windows (seen
	// once in a full e2e run), so it is a few seconds, as the minute in production.
	rec := worker.NewReconciler(s.temporal, s.records, slog.New(slog.DiscardHandler), worker.ReconcileConfig{Grace: 3 * time.Second})
	closed := 0
	// The deadline is generous: on a loaded machine (CI beside other builds) the
	// cancelled run's workflow task and the visibility write have waited past 30 s.
	for deadline := time.Now().Add(90 * time.Second); closed < 2; time.Sleep(200 * time.Millisecond) {
		n, err := rec.Pass(ctx, time.Now())
		if err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		closed += n
		if time.Now().After(deadline) {
			t.Fatalf("reconciliation closed %d records, want 2", closed)
		}
	}
	if n, err := rec.Pass(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("a second pass closed %d, %v; want nothing more", n, err)
	}

	for id, how := range map[string]string{
		terminated.ID: "its workflow run was terminated in Temporal, outside Tandem",
		cancelled.ID:  "its workflow run was cancelled in Temporal, outside Tandem",
	} {
		var d contract.RiskDetail
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks/"+id, nil, &d)
		if d.Status != domain.RiskClosed || d.Reason != how || d.EndedAt == nil || len(d.WaitingOn) != 0 {
			t.Errorf("%s: status %s, reason %q, ended %v, waiting on %+v; want closed, %q", id, d.Status, d.Reason, d.EndedAt, d.WaitingOn, how)
		}
		var task domain.Task
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/tasks/"+acks[id].ID, nil, &task)
		if task.Status != domain.TaskCancelled {
			t.Errorf("%s: its task is %s, want cancelled", id, task.Status)
		}
		if got := s.call(task.Assignee, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", ackData("Too late"), nil); got != http.StatusConflict {
			t.Errorf("%s: completing its cancelled task answered %d, want 409", id, got)
		}
		var timeline struct{ Items []domain.Event }
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/risks/"+id+"/timeline", nil, &timeline)
		want := "The risk is closed: " + how + "; its open task was cancelled."
		found := 0
		for _, e := range timeline.Items {
			if e.Kind == domain.EventEnded && e.Message == want && e.Actor == "tandem" {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%s: timeline %+v\nwant one entry saying %q", id, timeline.Items, want)
		}
		var notes struct{ Items []domain.Notification }
		s.must(http.StatusOK, task.Assignee, http.MethodGet, "/api/v1/notifications", nil, &notes)
		told := false
		for _, n := range notes.Items {
			told = told || (n.ProcessID == id && strings.HasSuffix(n.Subject, want))
		}
		if !told {
			t.Errorf("%s: the owner %s was not told: %+v", id, task.Assignee, notes.Items)
		}
	}

	// The risk left running is as it was, and still answers live.
	d := s.waitForRisk(running.ID, "still open", func(d contract.RiskDetail) bool { return d.Status == domain.RiskOpen })
	if t2 := openTask(d, "acknowledge"); t2 == nil || t2.ID != acks[running.ID].ID {
		t.Errorf("the running risk's task: %+v, want %s open", t2, acks[running.ID].ID)
	}
}
