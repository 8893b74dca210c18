package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// commandRow is a command sent to a process through the API (domain.SentCommand).
type commandRow struct {
	ID         string    `gorm:"primaryKey"`
	Caller     string    `gorm:"not null"`
	Kind       string    `gorm:"not null"`
	Target     string    `gorm:"not null"`
	WorkflowID string    `gorm:"not null"`
	UpdateName string    `gorm:"not null"`
	BodyHash   string    `gorm:"not null"`
	Input      string    `gorm:"not null"`
	Status     string    `gorm:"not null"`
	RunID      string    `gorm:"not null;default:''"`
	Refusal    string    `gorm:"not null;default:''"`
	CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (commandRow) TableName() string { return "commands" }

func (r commandRow) command() domain.SentCommand {
	c := domain.SentCommand{
		ID: r.ID, Caller: r.Caller, Kind: r.Kind, Target: r.Target, WorkflowID: r.WorkflowID, Update: r.UpdateName,
		BodyHash: r.BodyHash, Input: []byte(r.Input), Status: domain.CommandStatus(r.Status), RunID: r.RunID,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
	}
	if r.Refusal != "" {
		c.Refusal = []byte(r.Refusal)
	}
	return c
}

// ClaimCommand stores c, a command about to be sent, unless one with its ID
// is stored already: the same Idempotency-Key came before. It returns the
// stored command and whether this call stored it. The same ID with another
// body is domain.ErrConflict. Insert-or-nothing, then read: of two requests
// racing with one key, one stores and both send the same command.
func (st *Store) ClaimCommand(ctx context.Context, c domain.SentCommand) (domain.SentCommand, bool, error) {
	var p domain.Problems
	for field, v := range map[string]string{"id": c.ID, "caller": c.Caller, "kind": c.Kind, "workflow_id": c.WorkflowID, "update": c.Update} {
		if v == "" {
			p.Add(field, "required")
		}
	}
	if len(c.Input) == 0 {
		p.Add("input", "required")
	}
	if err := p.Err(); err != nil {
		return c, false, err
	}
	now := utc(time.Now())
	row := commandRow{
		ID: c.ID, Caller: c.Caller, Kind: c.Kind, Target: c.Target, WorkflowID: c.WorkflowID, UpdateName: c.Update,
		BodyHash: c.BodyHash, Input: string(c.Input), Status: string(domain.CommandPending), CreatedAt: now, UpdatedAt: now,
	}
	res, err := st.execWrites(ctx, insertCommand, row.ID, row.Caller, row.Kind, row.Target, row.WorkflowID, row.UpdateName,
		row.BodyHash, row.Input, row.Status, row.RunID, row.Refusal, row.CreatedAt, row.UpdatedAt)
	if err != nil {
		return c, false, wrap(err, "claim command "+c.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return c, false, wrap(err, "claim command "+c.ID)
	}
	if n == 1 {
		return row.command(), true, nil
	}
	var prev commandRow
	if err := st.db.WithContext(ctx).Where("id = ?", c.ID).Take(&prev).Error; err != nil {
		return c, false, wrap(err, "command "+c.ID)
	}
	if prev.BodyHash != c.BodyHash || prev.Caller != c.Caller || prev.Kind != c.Kind || prev.Target != c.Target {
		return prev.command(), false, domain.Conflictf("the Idempotency-Key was already used with a different request body")
	}
	return prev.command(), false, nil
}

// Command reads a sent command; domain.ErrNotFound when there is none.
func (st *Store) Command(ctx context.Context, id string) (domain.SentCommand, error) {
	var r commandRow
	rows, err := st.queryReads(ctx, commandByID, id)
	err = scanOne(rows, err, &r.ID, &r.Caller, &r.Kind, &r.Target,
		&r.WorkflowID, &r.UpdateName, &r.BodyHash, &r.Input, &r.Status, &r.RunID, &r.Refusal, &r.CreatedAt, &r.UpdatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return domain.SentCommand{}, domain.NotFoundf("command %s not found", id)
	case err != nil:
		return domain.SentCommand{}, wrap(err, "command "+id)
	}
	return r.command(), nil
}

// SettleCommand records a pending command's outcome: done in run runID, or
// refused with the answer given. Only a pending command changes: an outcome is
// final, and two API processes that both learned it write it once.
func (st *Store) SettleCommand(ctx context.Context, id string, status domain.CommandStatus, runID string, refusal []byte) error {
	if status != domain.CommandDone && status != domain.CommandRefused {
		return domain.Invalid(domain.FieldProblem{Field: "status", Problem: "must be done or refused"})
	}
	_, err := st.execWrites(ctx, settleCommand, string(status), runID, string(refusal), utc(time.Now()), id, string(domain.CommandPending))
	return wrap(err, "settle command "+id)
}
