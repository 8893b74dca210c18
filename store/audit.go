package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// auditRow is one entry of the audit trail. Seq is set by AppendAudit, never by the
// database: the chain needs the number before the row is written, to hash it.
//
// The table is append-only by construction: the store has no method that updates
// or deletes it. In production the database role Tandem runs as should also lack
// UPDATE and DELETE on audit_log, so that only someone with other credentials can
// tamper with it, and `tandem audit verify` shows where they did.
type auditRow struct {
	Seq        int64     `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time `gorm:"not null;autoCreateTime:false"`
	Actor      string    `gorm:"not null"`
	OnBehalfOf string    `gorm:"not null"`
	Action     string    `gorm:"not null"`
	Object     string    `gorm:"not null"`
	Outcome    string    `gorm:"not null"`
	Status     int       `gorm:"not null"`
	Reason     string    `gorm:"not null"`
	RequestID  string    `gorm:"not null"`
	ClientIP   string    `gorm:"not null"`
	PrevHash   string    `gorm:"not null"`
	Hash       string    `gorm:"not null"`
	// CommandID is the command an entry written with a process's records is
	// of (domain.CommandAudit), at most once; NULL for the API's own entries.
	// It is not hashed: it keeps a retried write from adding the entry twice,
	// and says nothing the entry's fields do not.
	CommandID *string
}

func (auditRow) TableName() string { return "audit_log" }

func auditRowOf(e domain.AuditEntry) auditRow {
	return auditRow{
		Seq: e.Seq, At: e.At, Actor: e.Actor, OnBehalfOf: e.OnBehalfOf, Action: e.Action,
		Object: e.Object, Outcome: string(e.Outcome), Status: e.Status, Reason: e.Reason,
		RequestID: e.RequestID, ClientIP: e.ClientIP, PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

func (r auditRow) entry() domain.AuditEntry {
	return domain.AuditEntry{
		Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, OnBehalfOf: r.OnBehalfOf, Action: r.Action,
		Object: r.Object, Outcome: domain.AuditOutcome(r.Outcome), Status: r.Status, Reason: r.Reason,
		RequestID: r.RequestID, ClientIP: r.ClientIP, PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// auditLock is the PostgreSQL advisory lock key that serialises appends to the
// audit chain across every API process: "audit" in ASCII.
const auditLock = 0x6175646974

// AppendAudit adds e to the end of the audit chain; the store numbers, links and
// hashes it (e's Seq, PrevHash and Hash are ignored). Reading the last entry and
// writing the next is one transaction that holds the chain for its duration, so
// concurrent appends, from this process or others, never fork the chain:
//   - PostgreSQL: a transaction-scoped advisory lock, released at commit;
//   - SQLite: the store's transactions are immediate, so the write lock is taken at
//     BEGIN, before the last entry is read.
//
// Seq being the primary key is the backstop: a fork would be a duplicate key.
func (st *Store) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return st.appendAudit(tx, e, "") })
	if err != nil {
		// Not wrap: a duplicate seq is a lost race, not a resource that "already exists".
		return fmt.Errorf("append audit entry: %w", classify(err))
	}
	return nil
}

// AppendCommandAudit is AppendAudit for the entry of command id, which a
// process writes with its records: unless the trail has it already.
func (st *Store) AppendCommandAudit(ctx context.Context, e domain.AuditEntry, id string) error {
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return st.appendAudit(tx, e, id) })
	if err != nil {
		return fmt.Errorf("append the audit entry of command %s: %w", id, classify(err))
	}
	return nil
}

// CommandAudited reports whether the entry of command id is in the trail.
func (st *Store) CommandAudited(ctx context.Context, id string) (bool, error) {
	var n int64
	// On the writer's connections, as before: the API asks right after a write.
	rows, err := st.db.ConnPool.QueryContext(ctx, st.sqlText(auditOfCommand), id)
	if err = scanOne(rows, translated(st.db, err), &n); err != nil {
		return false, wrap(err, "audit entry of command "+id)
	}
	return n > 0, nil
}

// appendAudit chains e after the last entry inside transaction tx, which holds
// the chain until it ends: call it last in a transaction, so the chain is held
// for as short a time as can be. A commandID already in the trail (a batch
// written again) adds nothing.
func (st *Store) appendAudit(tx *gorm.DB, e domain.AuditEntry, commandID string) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if st.postgres {
		if err := execTx(tx, "SELECT pg_advisory_xact_lock($1)", []any{auditLock}); err != nil {
			return fmt.Errorf("lock the audit chain: %w", err)
		}
	}
	if commandID != "" {
		var n int64
		if err := queryRowTx(tx, auditOfCommand.text(st.postgres), []any{commandID}, &n); err != nil {
			return fmt.Errorf("look for the audit entry of command %s: %w", commandID, err)
		}
		if n > 0 {
			return nil
		}
	}
	var last auditRow
	var prev *domain.AuditEntry
	err := queryRowTx(tx, lastAudit, nil, &last.Seq, &last.At, &last.Actor, &last.OnBehalfOf, &last.Action, &last.Object,
		&last.Outcome, &last.Status, &last.Reason, &last.RequestID, &last.ClientIP, &last.PrevHash, &last.Hash)
	switch {
	case err == nil:
		p := last.entry()
		prev = &p
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("read the last audit entry: %w", err)
	}
	row := auditRowOf(e.Chained(prev))
	if commandID != "" {
		row.CommandID = &commandID
	}
	if err := insertAudit.exec(tx, []auditRow{row}); err != nil {
		return fmt.Errorf("insert audit entry %d: %w", row.Seq, err)
	}
	return nil
}

// appendAudit's reads, by hand as its insert (rawwrite.go): it runs in every
// decision's records write.
var (
	auditOfCommand = newFixedSQL("SELECT count(*) FROM audit_log WHERE command_id = ?")
	lastAudit      = `SELECT seq, at, actor, on_behalf_of, action, object, outcome, status, reason, request_id, client_ip, prev_hash, hash
FROM audit_log ORDER BY seq DESC LIMIT 1`
)

// auditPage is how many entries VerifyAudit reads at a time, so its memory does not
// grow with the trail.
const auditPage = 500

// VerifyAudit walks the audit chain in order and checks every link. It returns how
// many entries it checked and, when the chain does not hold, the first entry that
// breaks it; checked then counts the sound entries before that one.
//
// The chain proves that no entry was changed, removed or inserted before its last
// entry. Removing the newest entries leaves a shorter chain that still holds; only
// a copy of the last hash kept elsewhere shows that.
func (st *Store) VerifyAudit(ctx context.Context) (int, *domain.AuditBreak, error) {
	db := st.reads.WithContext(ctx)
	var prev *domain.AuditEntry
	checked := 0
	after := int64(-1) << 62 // below any seq, so an edited seq of 0 or less is read too
	for {
		var rows []auditRow
		if err := db.Where("seq > ?", after).Order("seq").Limit(auditPage).Find(&rows).Error; err != nil {
			return checked, nil, wrap(err, "read audit entries")
		}
		for _, r := range rows {
			e := r.entry()
			if err := domain.CheckAuditLink(prev, e); err != nil {
				return checked, &domain.AuditBreak{Entry: e, Problem: err.Error()}, nil
			}
			checked++
			prev = &e
			after = e.Seq
		}
		if len(rows) < auditPage {
			return checked, nil, nil
		}
	}
}

// RefusedCommands returns the commands on any of objects (process and task IDs)
// that were denied or failed, oldest first: the attempts a process's timeline
// shows beside what happened. Allowed commands are left out, since each already
// has its event on the timeline.
func (st *Store) RefusedCommands(ctx context.Context, objects []string) ([]domain.AuditEntry, error) {
	if len(objects) == 0 {
		return nil, nil
	}
	var rows []auditRow
	err := st.reads.WithContext(ctx).Where("object IN ? AND outcome <> ?", objects, domain.AuditAllowed).
		Order("seq").Limit(refusedCommandsLimit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("refused commands: %w", classify(err))
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// refusedCommandsLimit bounds what one timeline shows of refused attempts: a
// client hammering a task must not make its process's timeline unbounded.
const refusedCommandsLimit = 500
