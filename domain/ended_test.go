package domain

import (
	"testing"
	"time"
)

func TestEndedRunSaysWhatHappened(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	open := func(id string) Task {
		return Task{ID: id, Process: ProcessRisk, ProcessID: "rsk_1", Status: TaskOpen, CreatedAt: at.Add(-time.Hour)}
	}
	for name, tc := range map[string]struct {
		how   RunEnd
		tasks []Task
		want  string
	}{
		"terminated, one task": {RunTerminated, []Task{open("tsk_1")},
			"The risk is closed: its workflow run was terminated in Temporal, outside Tandem; its open task was cancelled."},
		"cancelled, no task": {RunCancelled, nil,
			"The risk is closed: its workflow run was cancelled in Temporal, outside Tandem."},
		"failed, two tasks": {RunFailed, []Task{open("tsk_1"), open("tsk_2")},
			"The risk is closed: its workflow run failed in Temporal; its 2 open tasks were cancelled."},
		"timed out": {RunTimedOut, nil, "The risk is closed: its workflow run timed out in Temporal."},
		"closed and foreign tasks are left alone": {RunTerminated, []Task{{ID: "tsk_d", Process: ProcessRisk, ProcessID: "rsk_1", Status: TaskDone}, {ID: "tsk_x", Process: ProcessRisk, ProcessID: "rsk_2", Status: TaskOpen}},
			"The risk is closed: its workflow run was terminated in Temporal, outside Tandem."},
	} {
		t.Run(name, func(t *testing.T) {
			e := EndedRun{Process: ProcessRisk, ProcessID: "rsk_1", RunID: "run", How: tc.how, At: at}
			b := e.EndRisk(Risk{ID: "rsk_1", Title: "Printer", Owner: "maya", Status: RiskAcknowledged, UpdatedAt: at.Add(-time.Minute)}, tc.tasks)
			if len(b.Events) != 1 || b.Events[0].Message != tc.want {
				t.Fatalf("events %+v\nwant one saying %q", b.Events, tc.want)
			}
			if b.Risk == nil || b.Risk.Status != RiskClosed || b.Risk.EndedAt == nil || !b.Risk.EndedAt.Equal(at) {
				t.Errorf("record %+v: want closed, ended at the run's close", b.Risk)
			}
			for _, tk := range b.Tasks {
				if tk.Status != TaskCancelled || tk.ProcessID != "rsk_1" {
					t.Errorf("task %+v in the batch", tk)
				}
			}
			if len(b.Notifications) != 1 || b.Notifications[0].Recipient != "maya" || b.Notifications[0].Subject != `Risk "Printer": `+tc.want {
				t.Errorf("notifications %+v", b.Notifications)
			}
		})
	}
}

func TestEndedRunLeavesEndedRecordsAlone(t *testing.T) {
	e := EndedRun{Process: ProcessCampaign, ProcessID: "cmp_1", RunID: "run", How: RunTerminated, At: time.Now()}
	if b := e.EndCampaign(Campaign{ID: "cmp_1", Status: StatusCompleted}, nil); !b.Empty() {
		t.Errorf("a completed campaign: %+v, want nothing", b)
	}
	if b := e.EndHiring(HiringRequest{ID: "hir_1", Status: StatusFilled}, nil); !b.Empty() {
		t.Errorf("a filled request: %+v, want nothing", b)
	}
	if b := e.EndRisk(Risk{ID: "rsk_1", Status: RiskResolved}, nil); !b.Empty() {
		t.Errorf("a resolved risk: %+v, want nothing", b)
	}
}

func TestEndedRunNeverEndsBeforeTheRecordsLastChange(t *testing.T) {
	// The worker's clock may run ahead of Temporal's: the record's last change
	// (written by the run) can be later than the close time Temporal reports.
	closeAt := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	updated := closeAt.Add(2 * time.Second)
	e := EndedRun{Process: ProcessHiring, ProcessID: "hir_1", RunID: "run", How: RunTerminated, At: closeAt}
	b := e.EndHiring(HiringRequest{ID: "hir_1", Status: StatusActive, Step: "finance", UpdatedAt: updated}, nil)
	if b.Hiring == nil || !b.Hiring.UpdatedAt.Equal(updated) || !b.Events[0].At.Equal(updated) || b.Hiring.Step != "" {
		t.Errorf("record %+v, events %+v: want the end at %v, no step", b.Hiring, b.Events, updated)
	}
}
