package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func auditEntry(i int) domain.AuditEntry {
	return domain.AuditEntry{
		At:      at(time.Duration(i) * time.Second),
		Actor:   "cara",
		Action:  "POST /api/v1/tasks/:id/complete",
		Object:  "tsk_000000000001",
		Outcome: domain.AuditAllowed, Status: 200,
		RequestID: fmt.Sprintf("req-%d", i), ClientIP: "192.0.2.1",
	}
}

func mustAppendAudit(t testing.TB, st *Store, n int) {
	t.Helper()
	for i := range n {
		if err := st.AppendAudit(t.Context(), auditEntry(i)); err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
	}
}

func mustVerify(t testing.TB, st *Store) (int, *domain.AuditBreak) {
	t.Helper()
	n, bad, err := st.VerifyAudit(t.Context())
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return n, bad
}

func TestAuditAppendStoresEveryField(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		if n, bad := mustVerify(t, st); n != 0 || bad != nil {
			t.Fatalf("empty trail: %d checked, break %+v", n, bad)
		}
		e := domain.AuditEntry{
			At: t0, Actor: "cole", OnBehalfOf: "cara", Action: "POST /api/v1/tasks/:id/complete",
			Object: "tsk_000000000001", Outcome: domain.AuditDenied, Status: 403,
			Reason: "cole may not complete this task", RequestID: "req-1", ClientIP: "2001:db8::1",
			// Ignored: the store numbers and links.
			Seq: 99, PrevHash: "forged", Hash: "forged",
		}
		if err := st.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		mustAppendAudit(t, st, 1)
		var rows []auditRow
		if err := st.db.WithContext(t.Context()).Order("seq").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("rows = %d, want 2", len(rows))
		}
		got := rows[0].entry()
		want := e.Chained(nil)
		if got != want {
			t.Errorf("stored\n%+v\nwant\n%+v", got, want)
		}
		if rows[1].Seq != 2 || rows[1].PrevHash != rows[0].Hash {
			t.Errorf("second entry seq %d prev %q, want 2 linked to %q", rows[1].Seq, rows[1].PrevHash, rows[0].Hash)
		}
		if n, bad := mustVerify(t, st); n != 2 || bad != nil {
			t.Errorf("verify: %d checked, break %+v; want 2, none", n, bad)
		}
	})
}

// Appends from several stores (as several API processes) and several goroutines
// each end as one chain: no fork, no gap, nothing lost. More entries than a page,
// so verification pages too.
func TestAuditConcurrentAppendsStayOneChain(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		const stores, goroutines, each = 3, 3, 60
		var sts []*Store
		for range stores {
			sts = append(sts, openStore(t, dsn))
		}
		var wg sync.WaitGroup
		errs := make(chan error, stores*goroutines*each)
		for s, st := range sts {
			for g := range goroutines {
				wg.Go(func() {
					for i := range each {
						e := auditEntry(i)
						e.RequestID = fmt.Sprintf("s%d-g%d-%d", s, g, i)
						errs <- st.AppendAudit(t.Context(), e)
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent AppendAudit: %v", err)
			}
		}
		const total = stores * goroutines * each
		if total <= auditPage {
			t.Fatalf("the test needs more than a page (%d) of entries", auditPage)
		}
		n, bad := mustVerify(t, sts[0])
		if bad != nil || n != total {
			t.Fatalf("verify: %d checked, break %+v; want %d, none", n, bad, total)
		}
		var distinct int64
		if err := sts[0].db.WithContext(t.Context()).Model(&auditRow{}).Distinct("request_id").Count(&distinct).Error; err != nil {
			t.Fatal(err)
		}
		if distinct != total {
			t.Errorf("distinct request IDs = %d, want %d", distinct, total)
		}
	})
}

// Tampering with the table in SQL, past the store, is found and the first bad
// entry named.
func TestAuditVerifyNamesTheFirstBadEntry(t *testing.T) {
	cases := []struct {
		name    string
		sql     string
		args    []any
		bad     int64
		checked int
		problem string
	}{
		{"field edited", "UPDATE audit_log SET actor = ? WHERE seq = 5", []any{"mallory"}, 5, 4, "does not match its hash"},
		{"status edited", "UPDATE audit_log SET outcome = 'denied', status = 403 WHERE seq = 3", nil, 3, 2, "does not match its hash"},
		{"time edited", "UPDATE audit_log SET at = ? WHERE seq = 8", []any{t0.Add(time.Hour)}, 8, 7, "does not match its hash"},
		{"middle deleted", "DELETE FROM audit_log WHERE seq = 6", nil, 7, 5, "entry 7 stands where entry 6 belongs"},
		{"first deleted", "DELETE FROM audit_log WHERE seq = 1", nil, 2, 0, "entry 2 stands where entry 1 belongs"},
		{"hash edited", "UPDATE audit_log SET hash = ? WHERE seq = 4", []any{strings.Repeat("a", 64)}, 4, 3, "does not match its hash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, st *Store) {
				mustAppendAudit(t, st, 10)
				if n, bad := mustVerify(t, st); n != 10 || bad != nil {
					t.Fatalf("untouched: %d checked, break %+v", n, bad)
				}
				if err := st.db.WithContext(t.Context()).Exec(tc.sql, tc.args...).Error; err != nil {
					t.Fatalf("tamper: %v", err)
				}
				n, bad := mustVerify(t, st)
				if bad == nil {
					t.Fatalf("tampering not found (%d checked)", n)
				}
				if bad.Entry.Seq != tc.bad || n != tc.checked || !strings.Contains(bad.Problem, tc.problem) {
					t.Errorf("break at %d (%q) after %d sound; want %d (%q) after %d", bad.Entry.Seq, bad.Problem, n, tc.bad, tc.problem, tc.checked)
				}
			})
		})
	}
}

// An edit that also recomputes the row's own hash still breaks the next link: the
// tamperer would have to rewrite every later entry.
func TestAuditVerifyFindsAResealedEdit(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustAppendAudit(t, st, 6)
		var r auditRow
		if err := st.db.WithContext(t.Context()).Take(&r, "seq = ?", 3).Error; err != nil {
			t.Fatal(err)
		}
		e := r.entry()
		e.Outcome, e.Status = domain.AuditDenied, 403
		if err := st.db.WithContext(t.Context()).Exec("UPDATE audit_log SET outcome = ?, status = ?, hash = ? WHERE seq = 3",
			e.Outcome, e.Status, e.ComputeHash()).Error; err != nil {
			t.Fatal(err)
		}
		n, bad := mustVerify(t, st)
		if bad == nil || bad.Entry.Seq != 4 || n != 3 || !strings.Contains(bad.Problem, "does not link") {
			t.Errorf("verify: %d checked, break %+v; want entry 4 not linking", n, bad)
		}
	})
}

func TestRefusedCommandsOfObjects(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		for i, e := range []domain.AuditEntry{
			{Actor: "paula", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_a", Outcome: domain.AuditDenied, Status: 403},
			{Actor: "mo", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_a", Outcome: domain.AuditAllowed, Status: 200},
			{Actor: "", Action: "POST /api/v1/campaigns/:id/cancel", Object: "cmp_1", Outcome: domain.AuditDenied, Status: 401},
			{Actor: "cara", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_other", Outcome: domain.AuditDenied, Status: 403},
			{Actor: "ada", Action: "POST /api/v1/campaigns/:id/changes", Object: "cmp_1", Outcome: domain.AuditFailed, Status: 500},
		} {
			e.At, e.RequestID = at.Add(time.Duration(i)*time.Minute), fmt.Sprintf("r%d", i)
			if err := st.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.RefusedCommands(ctx, []string{"cmp_1", "tsk_a"})
		if err != nil {
			t.Fatal(err)
		}
		var who []string
		for _, e := range got {
			who = append(who, e.Actor+"/"+string(e.Outcome))
		}
		if !slices.Equal(who, []string{"paula/denied", "/denied", "ada/failed"}) {
			t.Errorf("refused commands = %v, want paula's, the anonymous one and ada's, in order", who)
		}
		if none, err := st.RefusedCommands(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no objects: %v, %v", none, err)
		}
	})
}

// A command's entry written with the records it changed: in the chain after
// the API's own entries, once however often its batch is written again.
func TestAuditEntryOfABatchIsWrittenOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustAppendAudit(t, st, 2)
		done := newTask("tsk_000000000001", t0)
		done.Status = domain.TaskDone
		e := auditEntry(5)
		e.Object, e.RequestID = done.ID, "req-complete"
		b := domain.Batch{Tasks: []domain.Task{done}, Audit: []domain.CommandAudit{{CommandID: "cmd_0123", Entry: e}}}
		for range 3 { // a retried write
			if err := st.Apply(t.Context(), b); err != nil {
				t.Fatal(err)
			}
		}
		var rows []auditRow
		if err := st.db.Order("seq").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[2].RequestID != "req-complete" || rows[2].Seq != 3 || rows[2].CommandID == nil || *rows[2].CommandID != "cmd_0123" || rows[0].CommandID != nil {
			t.Fatalf("entries after the batch: %+v", rows)
		}
		if n, bad := mustVerify(t, st); n != 3 || bad != nil {
			t.Errorf("chain: %d checked, break %+v", n, bad)
		}
		if err := st.Apply(t.Context(), domain.Batch{Audit: []domain.CommandAudit{{Entry: e}}}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("an entry without its command's ID: %v, want it refused", err)
		}
	})
}
