package store

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

func TestCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		cmd := domain.SentCommand{
			ID: "cmd_aaaaaaaaaaaaaaaaaaaaaaaaaa", Caller: "maya", Kind: "complete-task", Target: "tsk_aaaaaaaaaaaa",
			WorkflowID: "campaign/cmp_aaaaaaaaaaaa", Update: "complete-task", BodyHash: "h1",
			Input: []byte(`{"update_id":"cmd_aaaaaaaaaaaaaaaaaaaaaaaaaa","task_id":"tsk_aaaaaaaaaaaa"}`),
		}
		got, created, err := st.ClaimCommand(t.Context(), cmd)
		if err != nil || !created || got.Status != domain.CommandPending || !bytes.Equal(got.Input, cmd.Input) {
			t.Fatalf("first claim = %+v, %t, %v", got, created, err)
		}
		// The same key again (a retry, whose input was made anew): the stored
		// command, input and all, to be sent again as it was.
		retry := cmd
		retry.Input = []byte(`{"update_id":"cmd_aaaaaaaaaaaaaaaaaaaaaaaaaa","task_id":"tsk_aaaaaaaaaaaa","issued_at":"later"}`)
		got, created, err = st.ClaimCommand(t.Context(), retry)
		if err != nil || created || !bytes.Equal(got.Input, cmd.Input) || got.Caller != "maya" {
			t.Fatalf("retry claim = %+v, %t, %v", got, created, err)
		}
		other := cmd
		other.BodyHash = "h2"
		_, _, err = st.ClaimCommand(t.Context(), other)
		wantErr(t, err, domain.ErrConflict, "same ID, another body")

		read, err := st.Command(t.Context(), cmd.ID)
		if err != nil || read.ID != cmd.ID || read.WorkflowID != cmd.WorkflowID || read.Update != "complete-task" || read.Target != cmd.Target || read.Status != domain.CommandPending || read.Refusal != nil {
			t.Fatalf("Command = %+v, %v", read, err)
		}
		_, err = st.Command(t.Context(), "cmd_nothing")
		wantErr(t, err, domain.ErrNotFound, "an unknown command")

		// Settled once: a later outcome does not overwrite it.
		if err := st.SettleCommand(t.Context(), cmd.ID, domain.CommandDone, "run-1", nil); err != nil {
			t.Fatal(err)
		}
		if err := st.SettleCommand(t.Context(), cmd.ID, domain.CommandRefused, "", []byte(`{"status":409}`)); err != nil {
			t.Fatal(err)
		}
		if read, _ := st.Command(t.Context(), cmd.ID); read.Status != domain.CommandDone || read.RunID != "run-1" || read.Refusal != nil {
			t.Errorf("settled = %+v", read)
		}

		refused := cmd
		refused.ID = "cmd_bbbbbbbbbbbbbbbbbbbbbbbbbb"
		if _, _, err := st.ClaimCommand(t.Context(), refused); err != nil {
			t.Fatal(err)
		}
		answer := []byte(`{"status":403,"error":{"code":"forbidden","message":"task tsk_aaaaaaaaaaaa is assigned to cara"}}`)
		if err := st.SettleCommand(t.Context(), refused.ID, domain.CommandRefused, "", answer); err != nil {
			t.Fatal(err)
		}
		if read, _ := st.Command(t.Context(), refused.ID); read.Status != domain.CommandRefused || !bytes.Equal(read.Refusal, answer) {
			t.Errorf("refused = %+v", read)
		}
		wantErr(t, st.SettleCommand(t.Context(), refused.ID, domain.CommandPending, "", nil), domain.ErrInvalid, "settle as pending")
		_, _, err = st.ClaimCommand(t.Context(), domain.SentCommand{ID: "cmd_c"})
		wantErr(t, err, domain.ErrInvalid, "claim without what to send")
	})
}

// TestReadsOfOneRowAnswerACancelledRequest checks that the hand-written reads of
// one row say a cancelled request's error: the SQLite read pool's prepared
// statements answer a statement they could not prepare with an empty sql.Row,
// whose Scan panics, so these reads must not go through QueryRowContext.
func TestReadsOfOneRowAnswerACancelledRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := st.Command(ctx, "cmd_never_prepared"); err == nil || errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Command with a cancelled context: %v, want the cancellation's error", err)
		}
		if _, err := st.CommandAudited(ctx, "cmd_never_prepared"); err == nil {
			t.Error("CommandAudited with a cancelled context answered no error")
		}
	})
}
