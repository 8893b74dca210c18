package store

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// The store's share of a task completion on SQLite: the token lookup and the audit
// append on the API's side, the records write in the workflow task. Each runs with
// the default settings (WAL, synchronous=NORMAL, a read pool) and with
// synchronous=FULL, SQLite's default, to show what a disk sync per commit costs:
//
//	go test ./store -run '^$' -bench . -benchtime 2s
func sqliteBenchDSNs(b *testing.B) map[string]string {
	return map[string]string{
		"normal": storetest.SQLiteDSN(b),
		"full":   storetest.SQLiteDSN(b) + "?_pragma=synchronous(FULL)",
	}
}

func BenchmarkApply(b *testing.B) {
	for name, dsn := range sqliteBenchDSNs(b) {
		b.Run(name, func(b *testing.B) {
			st := openStore(b, dsn)
			seedPeople(b, st)
			var n int
			for b.Loop() {
				n++
				batch := fullBatch()
				c := *batch.Campaign
				c.ID = fmt.Sprintf("cmp_%012d", n)
				batch.Campaign = &c
				for i := range batch.Tasks {
					batch.Tasks[i].ID = fmt.Sprintf("tsk_%010d%02d", n, i)
					batch.Tasks[i].ProcessID = c.ID
				}
				for i := range batch.Events {
					batch.Events[i].Key = fmt.Sprintf("e%d-%d", n, i)
					batch.Events[i].ProcessID = c.ID
					batch.Events[i].TaskID = ""
				}
				for i := range batch.Notifications {
					batch.Notifications[i].Key = fmt.Sprintf("n%d-%d", n, i)
					batch.Notifications[i].ProcessID = c.ID
					batch.Notifications[i].TaskID = ""
				}
				if err := st.Apply(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendAudit(b *testing.B) {
	for name, dsn := range sqliteBenchDSNs(b) {
		b.Run(name, func(b *testing.B) {
			st := openStore(b, dsn)
			for b.Loop() {
				e := domain.AuditEntry{Actor: "maya", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_1", Outcome: domain.AuditAllowed, Status: 200}
				if err := st.AppendAudit(b.Context(), e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPersonByTokenWhileWriting resolves tokens from several goroutines while
// another goroutine keeps the writer busy with audit appends, as the API's requests
// do while the worker writes records.
func BenchmarkPersonByTokenWhileWriting(b *testing.B) {
	for name, dsn := range sqliteBenchDSNs(b) {
		b.Run(name, func(b *testing.B) {
			st := openStore(b, dsn)
			mustUpsert(b, st, person("maya", domain.TeamMarketingOps, domain.RoleMarketingOpsManager))
			tok, err := st.CreateToken(b.Context(), "maya", "bench")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.PersonByToken(b.Context(), tok); err != nil {
				b.Fatal(err)
			}
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				for !stop.Load() {
					e := domain.AuditEntry{Actor: "maya", Action: "POST /api/v1/tasks/:id/complete", Object: "tsk_1", Outcome: domain.AuditAllowed, Status: 200}
					if err := st.AppendAudit(b.Context(), e); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := st.PersonByToken(b.Context(), tok); err != nil {
						b.Error(err)
						return
					}
				}
			})
			stop.Store(true)
			<-done
		})
	}
}
