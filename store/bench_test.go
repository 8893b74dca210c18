package store

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/cputime"
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

// BenchmarkApplyDecision is the records write of approving a brief, the
// bench's task completion: the campaign, the review closed and a task opened
// for each of five teams, their events, and a notification to each team's
// role and one to the requester. On each database three ways: "new" writes the
// campaign and the review for the first time; "existing" finds them written
// by the step before (untimed), as approving a brief does, so both are updates;
// "audited" is "existing" with the completion command's audit entry, which a
// decision through the API writes with its records.
// cpu-ns/op is the process's CPU time over the timed writes, which other load
// on the machine moves less than ns/op (on PostgreSQL, the server's is not in it).
//
//	go test ./store -run '^$' -bench ApplyDecision -benchmem
func BenchmarkApplyDecision(b *testing.B) {
	for _, be := range backends {
		for _, way := range []struct {
			name              string
			existing, audited bool
		}{{"new", false, false}, {"existing", true, false}, {"audited", true, true}} {
			b.Run(be.name+"/"+way.name, func(b *testing.B) {
				benchmarkApplyDecision(b, openStore(b, be.dsn(b)), way.existing, way.audited)
			})
		}
	}
}

func benchmarkApplyDecision(b *testing.B, st *Store, existing, audited bool) {
	seedPeople(b, st)
	mustUpsert(b, st,
		person("cole", domain.TeamContent, domain.RoleContent), person("cody", domain.TeamContent, domain.RoleContent),
		person("ana", domain.TeamAnalytics, domain.RoleAnalytics), person("lee", domain.TeamLegal, domain.RoleLegal))
	groups := []struct {
		team domain.Team
		role domain.Role
	}{
		{domain.TeamCreative, domain.RoleCreative}, {domain.TeamContent, domain.RoleContent}, {domain.TeamWeb, domain.RoleWeb},
		{domain.TeamAnalytics, domain.RoleAnalytics}, {domain.TeamLegal, domain.RoleLegal},
	}
	var n int
	var cpu time.Duration // the process's, over the timed writes
	var measured bool
	for b.Loop() {
		n++
		c := newCampaign(fmt.Sprintf("cmp_%012d", n), "pat", "maya", domain.StatusActive, t0)
		review := newTask(fmt.Sprintf("tsk_%010d00", n), t0)
		review.ProcessID = c.ID
		if existing {
			// The step that opened the review wrote both; not timed.
			b.StopTimer()
			opened := c
			opened.Stage = domain.StageBriefReview
			if err := st.Apply(b.Context(), domain.Batch{Campaign: &opened, Tasks: []domain.Task{review}}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		review.Status, review.CompletedAt, review.UpdatedAt = domain.TaskDone, ptr(at(time.Hour)), at(time.Hour)
		batch := domain.Batch{Campaign: &c, Tasks: []domain.Task{review}}
		batch.Notifications = append(batch.Notifications, domain.Notification{Key: fmt.Sprintf("n%d-0", n), Recipient: "pat",
			Kind: domain.NotifyUpdate, Subject: "Brief approved", Process: domain.ProcessCampaign, ProcessID: c.ID, CreatedAt: at(time.Hour)})
		for i, g := range groups {
			t := newTask(fmt.Sprintf("tsk_%010d%02d", n, i+1), at(time.Hour))
			t.ProcessID, t.Team, t.Role = c.ID, g.team, g.role
			batch.Tasks = append(batch.Tasks, t)
			batch.Events = append(batch.Events, domain.Event{Key: fmt.Sprintf("e%d-%d", n, i), Process: domain.ProcessCampaign, ProcessID: c.ID,
				Kind: domain.EventTaskOpened, TaskID: t.ID, Message: "opened", At: at(time.Hour)})
			batch.Notifications = append(batch.Notifications, domain.Notification{Key: fmt.Sprintf("n%d-%d", n, i+1), Team: g.team, Role: g.role,
				Kind: domain.NotifyAssigned, Subject: "New task", Process: domain.ProcessCampaign, ProcessID: c.ID, TaskID: t.ID, CreatedAt: at(time.Hour)})
		}
		if audited {
			batch.Audit = []domain.CommandAudit{{CommandID: fmt.Sprintf("cmd_%d", n), Entry: domain.AuditEntry{Actor: "maya",
				Action: "POST /api/v1/tasks/:id/complete", Object: review.ID, Outcome: domain.AuditAllowed, Status: 200, At: at(time.Hour)}}}
		}
		before, ok := cputime.Self()
		if err := st.Apply(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		after, _ := cputime.Self()
		cpu, measured = cpu+after-before, ok
	}
	if measured {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
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
