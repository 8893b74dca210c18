package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

const completePath = "/api/v1/tasks/" + workTask + "/complete"

// oneAudit returns the one audit entry the request made.
func oneAudit(t *testing.T, e *env) domain.AuditEntry {
	t.Helper()
	got := e.records.auditEntries()
	if len(got) != 1 {
		t.Fatalf("audit entries = %+v, want one", got)
	}
	for _, s := range []string{got[0].Actor, got[0].Object, got[0].Reason, got[0].RequestID} {
		if strings.Contains(s, "tok-") {
			t.Errorf("a token is in the audit entry: %+v", got[0])
		}
	}
	return got[0]
}

func TestAuditDeniedCompletion(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	e.temporal.update = func(string, string, any) (any, error) {
		return nil, domain.Forbiddenf("task %s is assigned to cara", workTask)
	}
	rr := e.do("POST", completePath, "tok-cole", `{"outcome": "done"}`, "X-Request-ID", "req-denied")
	want(t, rr, sForbid, domain.CodeForbidden)
	got := oneAudit(t, e)
	wantEntry := domain.AuditEntry{
		At: testNow, Actor: "cole", Action: "POST /api/v1/tasks/:id/complete", Object: workTask,
		Outcome: domain.AuditDenied, Status: sForbid, Reason: "task " + workTask + " is assigned to cara",
		RequestID: "req-denied", ClientIP: "192.0.2.1",
	}
	if got != wantEntry {
		t.Errorf("entry\n%+v\nwant\n%+v", got, wantEntry)
	}
}

func TestAuditAllowedCompletionOnBehalf(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	completes(e)
	cara := e.records.people["cara"]
	cara.OutOfOffice = &domain.OutOfOffice{From: testNow.Add(-time.Hour), To: testNow.Add(time.Hour), Delegate: "cole"}
	e.records.people["cara"] = cara
	rr := e.do("POST", completePath, "tok-cole", `{"outcome": "done"}`)
	want(t, rr, sOK, "")
	got := oneAudit(t, e)
	wantEntry := domain.AuditEntry{
		At: testNow, Actor: "cole", OnBehalfOf: "cara", Action: "POST /api/v1/tasks/:id/complete", Object: workTask,
		Outcome: domain.AuditAllowed, Status: sOK, RequestID: rr.Header().Get(requestIDHeader), ClientIP: "192.0.2.1",
	}
	if got != wantEntry || got.RequestID == "" {
		t.Errorf("entry\n%+v\nwant\n%+v", got, wantEntry)
	}
}

func TestAuditSkipsReads(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	want(t, e.do("GET", "/api/v1/tasks", "tok-cara", ""), sOK, "")
	want(t, e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", ""), sOK, "")
	want(t, e.do("GET", "/api/v1/tasks/"+workTask, "", ""), sUnauth, "unauthorized")
	if got := e.records.auditEntries(); len(got) != 0 {
		t.Errorf("reads were audited: %+v", got)
	}
}

func TestAuditUnauthenticatedCommand(t *testing.T) {
	for name, token := range map[string]string{"no token": "", "unknown token": "tok-nobody"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			want(t, e.do("POST", completePath, token, `{"outcome": "done"}`), sUnauth, "unauthorized")
			got := oneAudit(t, e)
			if got.Actor != "" || got.Outcome != domain.AuditDenied || got.Status != sUnauth ||
				got.Action != "POST /api/v1/tasks/:id/complete" || got.Object != workTask || !strings.Contains(strings.ToLower(got.Reason), "bearer") {
				t.Errorf("entry = %+v", got)
			}
			if len(e.temporal.updates) != 0 {
				t.Error("an unauthenticated command reached Temporal")
			}
		})
	}
}

func TestAuditInvalidInputNamesTheFields(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(addTaskBody, `"cara"`, `"nobody"`, 1)
	want(t, e.do("POST", "/api/v1/campaigns/"+campaignID1+"/tasks", "tok-paula", body), sInvalid, domain.CodeInvalid)
	got := oneAudit(t, e)
	if got.Outcome != domain.AuditDenied || got.Object != campaignID1 || !strings.Contains(got.Reason, "assignee: ") {
		t.Errorf("entry = %+v", got)
	}
}

func TestAuditCreationNamesTheNewResource(t *testing.T) {
	e := newEnv(t)
	rr := e.do("POST", "/api/v1/campaigns", "tok-paula", validBrief)
	want(t, rr, sCreated, "")
	got := oneAudit(t, e)
	if loc := rr.Header().Get("Location"); got.Object == "" || loc != "/api/v1/campaigns/"+got.Object ||
		got.Action != "POST /api/v1/campaigns" || got.Outcome != domain.AuditAllowed || got.Status != sCreated {
		t.Errorf("entry = %+v, Location %q", got, loc)
	}
}

func TestAuditFailuresKeepInternalTextOut(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		e := newEnv(t)
		e.records.fail["Task"] = errors.New("dial tcp 10.0.0.7:5432: secret-host")
		want(t, e.do("POST", completePath, "tok-cara", `{"outcome": "done"}`), sInternal, codeInternal)
		if got := oneAudit(t, e); got.Outcome != domain.AuditFailed || got.Status != sInternal || got.Reason != "internal error" || got.Actor != "cara" {
			t.Errorf("entry = %+v", got)
		}
	})
	t.Run("panic", func(t *testing.T) {
		e := newEnv(t)
		e.records.panicOn = "Task"
		want(t, e.do("POST", completePath, "tok-cara", `{"outcome": "done"}`), sInternal, codeInternal)
		if got := oneAudit(t, e); got.Outcome != domain.AuditFailed || got.Status != sInternal || got.Reason != "internal error" {
			t.Errorf("entry = %+v", got)
		}
	})
}

// A lost audit write does not change the answer the command already got, and is
// logged at error level for an operator.
func TestAuditWriteFailureKeepsTheAnswer(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	completes(e)
	// The run wrote no entry (a worker from before entries rode with the
	// records), and the API's own write of it fails.
	e.records.fail["AppendCommandAudit"] = errors.New("disk full")
	rr := e.do("POST", completePath, "tok-cara", `{"outcome": "done"}`)
	want(t, rr, sOK, "")
	if got := decodeJSON[domain.Task](t, rr); got.Status != domain.TaskDone {
		t.Errorf("answer = %+v", got)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"ERROR","msg":"audit entry lost`) || !strings.Contains(logs, "disk full") || !strings.Contains(logs, workTask) {
		t.Errorf("no error log of the lost entry:\n%s", logs)
	}
}

func TestAuditTextIsStorable(t *testing.T) {
	long := strings.Repeat("é", maxAuditText)
	for in, want := range map[string]string{
		"tsk_1":       "tsk_1",
		"a\x00b":      "a\uFFFDb",
		"bad\xffutf8": "bad\uFFFDutf8",
		long:          long[:maxAuditText] + "…",
		"x" + long:    "x" + long[:510] + "…", // the character cut in half is dropped
	} {
		if got := auditText(in); got != want {
			t.Errorf("auditText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Commands refused for want of a valid token are sampled: one entry per client
// address per minute, saying how many were left out before it, and a metric
// counting each left out. Commands with an actor are all recorded.
func TestAuditSamplesUnauthenticatedRefusals(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	e.srv.addresses = nil // this test is about the audit, not the address limit
	clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	e.srv.sampler.now = func() time.Time { return clock }
	const a, b = "198.51.100.7:4000", "203.0.113.9:5000"
	for range 5 {
		want(t, e.doFrom(a, "POST", completePath, "tok-nobody", `{"outcome":"done"}`), sUnauth, "unauthorized")
	}
	want(t, e.doFrom(b, "POST", completePath, "", `{"outcome":"done"}`), sUnauth, "unauthorized")
	for range 3 {
		e.doFrom(a, "POST", completePath, "tok-cara", `{"outcome":"done"}`) // an actor: recorded each time
	}
	got := e.records.auditEntries()
	if len(got) != 5 || got[0].ClientIP != "198.51.100.7" || got[1].ClientIP != "203.0.113.9" || got[2].Actor != "cara" {
		t.Fatalf("entries %+v, want a's first refusal, b's, and cara's three commands", got)
	}
	if strings.Contains(got[0].Reason, "more") {
		t.Errorf("the first entry claims refusals before it: %q", got[0].Reason)
	}
	if m := e.do("GET", "/metrics", "", "").Body.String(); !strings.Contains(m, "tandem_audit_unrecorded_total 4") {
		t.Errorf("metrics do not count the 4 left out:\n%s", m)
	}
	if n := strings.Count(e.logs.String(), `"status":401,`); n != 6 || strings.Count(e.logs.String(), `"client_ip":"198.51.100.7"`) != 5 {
		t.Errorf("the request log lacks a line with the address for each refusal:\n%s", e.logs)
	}

	// A minute on, the next one from a is recorded, with the count of those left out.
	clock = clock.Add(time.Minute)
	want(t, e.doFrom(a, "POST", completePath, "tok-nobody", `{"outcome":"done"}`), sUnauth, "unauthorized")
	got = e.records.auditEntries()
	if len(got) != 6 || !strings.Contains(got[5].Reason, "(and 4 more from this address since its last entry, not recorded)") {
		t.Errorf("entry %+v, want it to count the 4 left out", got[len(got)-1])
	}
}

// However many addresses a flood comes from, failed sign-ins among it too, the
// unauthenticated entries it writes are bounded: a burst, then one a second.
func TestAuditSamplingIsBoundedAcrossAddresses(t *testing.T) {
	s := newAuditSampler()
	clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	recorded := 0
	for i := range 1000 {
		if ok, _ := s.admit(fmt.Sprintf("10.0.%d.%d", i/256, i%256), i%2 == 0); ok {
			recorded++
		}
	}
	if recorded != unauthenticatedBurst {
		t.Errorf("%d entries from 1000 addresses at once, want %d", recorded, unauthenticatedBurst)
	}
}

// An applied command's entry is the one its process wrote with the records it
// changed, from the entry the API put in its input: the API adds none, and a
// retry answered from the same command adds none either. Only when the run
// wrote none (a worker from before) does the API write it, once.
func TestAppliedCommandsAreAuditedByTheirProcess(t *testing.T) {
	t.Run("by the process", func(t *testing.T) {
		e := newEnv(t)
		withTasks(e)
		e.temporal.update = func(_, _ string, input any) (any, error) {
			in := input.(contract.CompleteTaskInput)
			stamped := *in.Audit
			stamped.At = testNow.Add(time.Second) // when the run applied it
			if err := e.records.AppendCommandAudit(context.Background(), stamped, in.UpdateID); err != nil {
				return nil, err
			}
			tk := e.records.tasks[in.TaskID]
			tk.Status = domain.TaskDone
			return tk, nil
		}
		for range 2 {
			want(t, e.do("POST", completePath, "tok-cara", `{"outcome": "done"}`, idem("k-1")...), sOK, "")
		}
		got := oneAudit(t, e)
		if got.Actor != "cara" || got.Object != workTask || got.Outcome != domain.AuditAllowed || got.Status != sOK || !got.At.Equal(testNow.Add(time.Second)) {
			t.Errorf("entry = %+v, want the one the process wrote", got)
		}
	})
	t.Run("by the API, when the run did not", func(t *testing.T) {
		e := newEnv(t)
		withTasks(e)
		completes(e)
		for range 2 {
			want(t, e.do("POST", completePath, "tok-cara", `{"outcome": "done"}`, idem("k-1")...), sOK, "")
		}
		if got := oneAudit(t, e); got.Actor != "cara" || got.Object != workTask || got.Outcome != domain.AuditAllowed || got.Status != sOK {
			t.Errorf("entry = %+v", got)
		}
	})
}
