package store

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// processTask is an open task of process p's record id, made at created.
func processTask(p domain.Process, id, taskID string, created time.Time) domain.Task {
	t := newTask(taskID, created)
	t.Process, t.ProcessID, t.WorkflowID = p, id, string(p)+"/"+id
	return t
}

// endedCase is one process whose run ended: its record, and what ending it must show.
type endedCase struct {
	process domain.Process
	id      string
	record  domain.Batch
	status  func(st *Store) (string, string) // the record's status and reason as read back
	notify  []string
}

func endedCases(t *testing.T) []endedCase {
	cmp := newCampaign("cmp_ended0000001", "pat", "maya", domain.StatusActive, t0)
	cmp.Stages = []domain.StageSpan{{Stage: domain.StageBriefReview, Entered: t0, Left: ptr(at(time.Hour))}, {Stage: domain.StageProduction, Entered: at(time.Hour)}}
	hir := testHiring("hir_ended0000001", domain.TeamAnalytics, "pat", domain.StatusActive, t0)
	rsk := testRisk("rsk_ended0000001", t0, domain.SeverityCritical, "maya", "")
	tpr := testTemplateRun("tpr_ended0000001", "webinar", "pat", domain.StatusActive, t0)
	read := func(err error) {
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
	}
	return []endedCase{
		{domain.ProcessCampaign, cmp.ID, domain.Batch{Campaign: &cmp}, func(st *Store) (string, string) {
			c, err := st.Campaign(t.Context(), cmp.ID)
			read(err)
			if n := len(c.Stages); c.Stages[n-1].Left == nil || !c.Stages[0].Left.Equal(at(time.Hour)) {
				t.Errorf("stages %+v: the current stage must be left, the earlier ones kept", c.Stages)
			}
			return string(c.Status), c.Reason
		}, []string{"maya", "pat"}},
		{domain.ProcessHiring, hir.ID, domain.Batch{Hiring: &hir}, func(st *Store) (string, string) {
			h, err := st.HiringRequest(t.Context(), hir.ID)
			read(err)
			if h.Step != "" || h.Candidates[0].Status != domain.CandidateNotHired {
				t.Errorf("step %q, candidates %+v: want no step and the candidate not hired", h.Step, h.Candidates)
			}
			return string(h.Status), h.Reason
		}, []string{"pat", "sam"}},
		{domain.ProcessRisk, rsk.ID, domain.Batch{Risk: &rsk}, func(st *Store) (string, string) {
			r, err := st.Risk(t.Context(), rsk.ID)
			read(err)
			if r.EndedAt == nil {
				t.Error("the risk has no ended_at")
			}
			return string(r.Status), r.Reason
		}, []string{"maya"}},
		{domain.ProcessTemplate, tpr.ID, domain.Batch{TemplateRun: &tpr}, func(st *Store) (string, string) {
			r, err := st.TemplateRun(t.Context(), tpr.ID)
			read(err)
			return string(r.Status), r.Reason
		}, []string{"pat"}},
	}
}

func TestCloseEndedRunClosesRecordAndOpenTasksOnce(t *testing.T) {
	want := map[domain.Process]string{domain.ProcessCampaign: "cancelled", domain.ProcessHiring: "cancelled", domain.ProcessRisk: "closed", domain.ProcessTemplate: "cancelled"}
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		for _, c := range endedCases(t) {
			b := c.record
			done := processTask(c.process, c.id, "tsk_"+string(c.process)[:3]+"done0000", t0)
			done.Status = domain.TaskDone
			b.Tasks = []domain.Task{
				processTask(c.process, c.id, "tsk_"+string(c.process)[:3]+"open0001", t0),
				processTask(c.process, c.id, "tsk_"+string(c.process)[:3]+"open0002", at(time.Minute)),
				done,
			}
			mustApply(t, st, b)
		}
		// Another process's open task, which nothing here may touch.
		other := processTask(domain.ProcessRisk, "rsk_other0000001", "tsk_other0000001", t0)
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{other}})

		for _, c := range endedCases(t) {
			if open, err := st.Unfinished(ctx, c.process, c.id); err != nil || !open {
				t.Fatalf("%s: Unfinished = %v, %v before the end; want true", c.id, open, err)
			}
			e := domain.EndedRun{Process: c.process, ProcessID: c.id, RunID: "run-1", How: domain.RunTerminated, At: at(2 * time.Hour)}
			for i := range 2 { // the second call finds it ended and writes nothing
				closed, err := st.CloseEndedRun(ctx, e)
				if err != nil || closed != (i == 0) {
					t.Fatalf("%s: call %d: CloseEndedRun = %v, %v; want %v", c.id, i+1, closed, err, i == 0)
				}
			}
			if open, err := st.Unfinished(ctx, c.process, c.id); err != nil || open {
				t.Errorf("%s: Unfinished = %v, %v after the end; want false", c.id, open, err)
			}
			status, reason := c.status(st)
			if status != want[c.process] || reason != "its workflow run was terminated in Temporal, outside Tandem" {
				t.Errorf("%s: status %q, reason %q", c.id, status, reason)
			}
			tasks, err := st.Tasks(ctx, domain.TaskFilter{Process: c.process, ProcessID: c.id})
			if err != nil {
				t.Fatal(err)
			}
			var statuses []string
			for _, tk := range tasks.Items {
				statuses = append(statuses, string(tk.Status))
				if tk.Status == domain.TaskCancelled && !tk.UpdatedAt.Equal(at(2*time.Hour)) {
					t.Errorf("%s: cancelled task %s updated at %v", c.id, tk.ID, tk.UpdatedAt)
				}
			}
			if got := strings.Join(statuses, ","); got != "done,cancelled,cancelled" {
				t.Errorf("%s: task statuses %s, want done,cancelled,cancelled", c.id, got)
			}
			events, err := st.Timeline(ctx, c.process, c.id)
			if err != nil {
				t.Fatal(err)
			}
			wantMsg := "The " + map[domain.Process]string{domain.ProcessCampaign: "campaign", domain.ProcessHiring: "hiring request", domain.ProcessRisk: "risk",
				domain.ProcessTemplate: "run of Webinar"}[c.process] +
				" is " + want[c.process] + ": its workflow run was terminated in Temporal, outside Tandem; its 2 open tasks were cancelled."
			if len(events) != 1 || events[0].Kind != domain.EventEnded || events[0].Message != wantMsg ||
				events[0].Actor != "tandem" || !events[0].At.Equal(at(2*time.Hour)) {
				t.Errorf("%s: timeline %+v\nwant one ended event: %s", c.id, events, wantMsg)
			}
			for _, h := range c.notify {
				ns, err := st.Notifications(ctx, h, domain.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				found := 0
				for _, n := range ns.Items {
					if n.ProcessID == c.id && strings.HasSuffix(n.Subject, wantMsg) {
						found++
					}
				}
				if found != 1 {
					t.Errorf("%s: %s has %d notices of the end, want 1 (%+v)", c.id, h, found, ns.Items)
				}
			}
		}
		if got, err := st.Task(ctx, other.ID); err != nil || got.Status != domain.TaskOpen {
			t.Errorf("another process's task: %+v, %v; want it still open", got, err)
		}
	})
}

func TestCloseEndedRunLeavesEndedAndMissingRecordsAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		rejected := newCampaign("cmp_rejected0001", "pat", "maya", domain.StatusRejected, t0)
		task := processTask(domain.ProcessCampaign, rejected.ID, "tsk_rejected0001", t0)
		mustApply(t, st, domain.Batch{Campaign: &rejected, Tasks: []domain.Task{task}})
		accepted := testRisk("rsk_accepted0001", t0, domain.SeverityHigh, "maya", "")
		accepted.Status = domain.RiskAccepted
		mustApply(t, st, domain.Batch{Risk: &accepted})

		for _, e := range []domain.EndedRun{
			{Process: domain.ProcessCampaign, ProcessID: rejected.ID, RunID: "r", How: domain.RunFailed, At: at(time.Hour)},
			{Process: domain.ProcessRisk, ProcessID: accepted.ID, RunID: "r", How: domain.RunCancelled, At: at(time.Hour)},
			{Process: domain.ProcessHiring, ProcessID: "hir_missing00001", RunID: "r", How: domain.RunTerminated, At: at(time.Hour)},
		} {
			if closed, err := st.CloseEndedRun(ctx, e); err != nil || closed {
				t.Errorf("%s: CloseEndedRun = %v, %v; want false, nil", e.ProcessID, closed, err)
			}
			if open, err := st.Unfinished(ctx, e.Process, e.ProcessID); err != nil || open {
				t.Errorf("%s: Unfinished = %v, %v; want false", e.ProcessID, open, err)
			}
		}
		if c, err := st.Campaign(ctx, rejected.ID); err != nil || c.Status != domain.StatusRejected || c.Reason != "" {
			t.Errorf("the rejected campaign became %+v, %v", c, err)
		}
		if got, err := st.Task(ctx, task.ID); err != nil || got.Status != domain.TaskOpen {
			t.Errorf("a task of an ended campaign: %+v, %v; want it left as it was", got, err)
		}
		if r, err := st.Risk(ctx, accepted.ID); err != nil || r.Status != domain.RiskAccepted {
			t.Errorf("the accepted risk became %+v, %v", r, err)
		}
		if n := count(t, st, "events"); n != 0 {
			t.Errorf("%d events written, want none", n)
		}
		e := domain.EndedRun{Process: "purchase", ProcessID: "x", RunID: "r", How: domain.RunFailed}
		if _, err := st.CloseEndedRun(ctx, e); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("an unknown process: %v, want invalid", err)
		}
		if _, err := st.Unfinished(ctx, "purchase", "x"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Unfinished of an unknown process: %v, want invalid", err)
		}
	})
}

func TestCloseEndedRunConcurrentlyClosesOnce(t *testing.T) {
	// Every worker runs the reconciler: several may find the same run at once. Each
	// is its own Store here, as separate processes would be.
	eachDSN(t, func(t *testing.T, dsn string) {
		const workers = 4
		stores := make([]*Store, workers)
		for i := range stores {
			stores[i] = openStore(t, dsn)
		}
		rsk := testRisk("rsk_race00000001", t0, domain.SeverityHigh, "maya", "")
		mustApply(t, stores[0], domain.Batch{Risk: &rsk, Tasks: []domain.Task{processTask(domain.ProcessRisk, rsk.ID, "tsk_race00000001", t0)}})
		// Each call sees the run at a different time, as workers whose clocks
		// differ would; exactly one may win the record.
		var wg sync.WaitGroup
		results := make(chan error, workers)
		won := make(chan bool, workers)
		for i, st := range stores {
			wg.Go(func() {
				e := domain.EndedRun{Process: domain.ProcessRisk, ProcessID: rsk.ID, RunID: "run-1", How: domain.RunTerminated, At: at(time.Duration(i+1) * time.Hour)}
				closed, err := st.CloseEndedRun(t.Context(), e)
				results <- err
				won <- closed
			})
		}
		wg.Wait()
		close(results)
		close(won)
		for err := range results {
			if err != nil {
				t.Fatalf("concurrent CloseEndedRun: %v", err)
			}
		}
		wins := 0
		for w := range won {
			if w {
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d calls closed the risk, want exactly 1", wins)
		}
		events, err := stores[0].Timeline(t.Context(), domain.ProcessRisk, rsk.ID)
		if err != nil || len(events) != 1 {
			t.Errorf("timeline %+v, %v; want one event", events, err)
		}
		if n := count(t, stores[0], "notifications"); n != 1 {
			t.Errorf("notifications = %d, want 1", n)
		}
	})
}
