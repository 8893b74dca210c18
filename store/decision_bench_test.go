package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// BenchmarkDecisionStoreCalls is the API's store calls on each task decision
// (POST /tasks/{id}/complete): the token's person (or the board session's),
// the task, the command claimed and settled (read first when the client sent
// an Idempotency-Key), each alone, on each database.
//
//	go test ./store -run '^$' -bench DecisionStoreCalls -benchmem
func BenchmarkDecisionStoreCalls(b *testing.B) {
	for _, be := range backends {
		st := openStore(b, be.dsn(b))
		seedPeople(b, st)
		tok, err := st.CreateToken(b.Context(), "maya", "bench")
		if err != nil {
			b.Fatal(err)
		}
		task := newTask("tsk_000000000001", t0)
		task.Assignee = "maya"
		mustApply(b, st, domain.Batch{Tasks: []domain.Task{task}})
		b.Run(be.name+"/person-by-token", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.PersonByToken(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		// A board session signed in with the token, as the board's decisions are.
		session, _, err := st.CreateSession(b.Context(), domain.SessionStart{Handle: "maya", Method: domain.SignInToken, Token: tok,
			Idle: time.Hour, Lifetime: 2 * time.Hour}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(be.name+"/person-by-session", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.PersonBySession(b.Context(), session, time.Now(), time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(be.name+"/person", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Person(b.Context(), "walt"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(be.name+"/task", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Task(b.Context(), task.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		command := func(n int) domain.SentCommand {
			return domain.SentCommand{
				ID: fmt.Sprintf("cmd_%028d", n), Caller: "maya", Kind: "complete-task", Target: task.ID,
				WorkflowID: task.WorkflowID, Update: "complete-task", BodyHash: "h",
				Input: []byte(`{"update_id":"x","task_id":"tsk_000000000001","completion":{"outcome":"approved"}}`),
			}
		}
		sent := command(0)
		if _, _, err := st.ClaimCommand(b.Context(), sent); err != nil {
			b.Fatal(err)
		}
		var n int
		b.Run(be.name+"/claim-and-settle", func(b *testing.B) {
			for b.Loop() {
				n++
				cmd := command(n)
				if _, created, err := st.ClaimCommand(b.Context(), cmd); err != nil || !created {
					b.Fatal(created, err)
				}
				if err := st.SettleCommand(b.Context(), cmd.ID, domain.CommandDone, "run", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		// A command sent again with its Idempotency-Key is read first.
		b.Run(be.name+"/command", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Command(b.Context(), sent.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
