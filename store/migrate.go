package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// index is one explicit index. Every list and inbox query has one whose leading
// columns are its filters and whose trailing columns are its keyset order, so a page
// is one index range scan.
type index struct {
	name, table string
	columns     []string
	unique      bool
}

var indexes = []index{
	// Directory: people by team, and the holders of a role (notification expansion,
	// people filtered by role).
	{name: "idx_people_team", table: "people", columns: []string{"team", "handle"}},
	{name: "idx_person_roles_role", table: "person_roles", columns: []string{"role", "handle"}},
	{name: "idx_api_tokens_handle", table: "api_tokens", columns: []string{"handle"}},

	// Campaign lists: all, by status, by owner (either manager).
	{name: "idx_campaigns_created", table: "campaigns", columns: []string{"created_at", "id"}},
	{name: "idx_campaigns_status", table: "campaigns", columns: []string{"status", "created_at", "id"}},
	{name: "idx_campaigns_pm", table: "campaigns", columns: []string{"project_manager", "created_at", "id"}},
	{name: "idx_campaigns_mops", table: "campaigns", columns: []string{"marketing_ops_manager", "created_at", "id"}},

	// The inbox: by assignee, team or role, each usually with a status, and a process's tasks.
	// An assignee's or a team's tasks of every status have indexes of their own: with
	// only the status ones, a person's first page meant sorting all their tasks, or
	// walking idx_tasks_created past everyone else's (tandem bench, inbox part).
	{name: "idx_tasks_created", table: "tasks", columns: []string{"created_at", "id"}},
	{name: "idx_tasks_assignee", table: "tasks", columns: []string{"assignee", "created_at", "id"}},
	{name: "idx_tasks_assignee_status", table: "tasks", columns: []string{"assignee", "status", "created_at", "id"}},
	{name: "idx_tasks_team", table: "tasks", columns: []string{"team", "created_at", "id"}},
	{name: "idx_tasks_team_status", table: "tasks", columns: []string{"team", "status", "created_at", "id"}},
	{name: "idx_tasks_role_status", table: "tasks", columns: []string{"role", "status", "created_at", "id"}},
	{name: "idx_tasks_status", table: "tasks", columns: []string{"status", "created_at", "id"}},
	{name: "idx_tasks_process_status", table: "tasks", columns: []string{"process", "status", "created_at", "id"}},
	{name: "idx_tasks_process_id", table: "tasks", columns: []string{"process_id", "created_at", "id"}},

	// Timeline of a process, and the idempotency of event writes.
	{name: "idx_events_process_id", table: "events", columns: []string{"process_id", "at", "id"}},
	{name: "uq_events_key", table: "events", columns: []string{"event_key"}, unique: true},

	// The refused commands a process's timeline shows, by object.
	{name: "idx_audit_object", table: "audit_log", columns: []string{"object", "seq"}},

	// A person's notifications, newest first, and the idempotency of notification writes.
	{name: "idx_notifications_recipient", table: "notifications", columns: []string{"recipient", "id"}},
	{name: "uq_notifications_key_recipient", table: "notifications", columns: []string{"notification_key", "recipient"}, unique: true},

	// Risk lists: all, by severity, status, owner, and the risks of a linked process.
	{name: "idx_risks_created", table: "risks", columns: []string{"created_at", "id"}},
	{name: "idx_risks_severity", table: "risks", columns: []string{"severity", "created_at", "id"}},
	{name: "idx_risks_status", table: "risks", columns: []string{"status", "created_at", "id"}},
	{name: "idx_risks_owner", table: "risks", columns: []string{"owner", "created_at", "id"}},
	{name: "idx_risks_related", table: "risks", columns: []string{"related_id", "created_at", "id"}},

	// Hiring request lists: all, by status, by requester, by team; a request's candidates.
	{name: "idx_hiring_created", table: "hiring_requests", columns: []string{"created_at", "id"}},
	{name: "idx_hiring_status", table: "hiring_requests", columns: []string{"status", "created_at", "id"}},
	{name: "idx_hiring_requested_by", table: "hiring_requests", columns: []string{"requested_by", "created_at", "id"}},
	{name: "idx_hiring_team", table: "hiring_requests", columns: []string{"team", "created_at", "id"}},
	{name: "idx_candidates_hiring", table: "candidates", columns: []string{"hiring_id", "created_at", "id"}},

	// Reports (store/reports.go): open tasks by due time, tasks done by completion
	// time (all, and approvals alone), campaigns by status and completion time.
	{name: "idx_tasks_status_due", table: "tasks", columns: []string{"status", "due_at"}},
	{name: "idx_tasks_status_completed", table: "tasks", columns: []string{"status", "completed_at"}},
	{name: "idx_tasks_kind_status_completed", table: "tasks", columns: []string{"kind", "status", "completed_at"}},
	{name: "idx_campaigns_status_updated", table: "campaigns", columns: []string{"status", "updated_at"}},

	// Webhooks: a caller's subscriptions; a subscription's delivery log, newest
	// first, and the idempotency of logging an attempt.
	{name: "idx_webhooks_owner", table: "webhooks", columns: []string{"owner", "created_at", "id"}},
	{name: "uq_webhook_deliveries_attempt", table: "webhook_deliveries", columns: []string{"subscription_id", "event_key", "attempt"}, unique: true},
}

// migrationLock is the PostgreSQL advisory lock key that serialises Migrate across
// processes (an API and a worker starting together): "tandem" in ASCII.
const migrationLock = 0x74616e64656d

// Migrate creates or updates the schema: the tables from the models, then the
// explicit indexes. It is idempotent, and safe to run from several processes at once.
func (st *Store) Migrate(ctx context.Context) error {
	db := st.db.WithContext(ctx)
	var err error
	if st.postgres {
		// DDL is transactional, and the advisory lock is held until commit.
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLock).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			return migrate(tx)
		})
	} else {
		err = db.Connection(migrateSQLite)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", classify(err))
	}
	return nil
}

// migrateSQLite migrates with foreign keys off, as SQLite prescribes for schema
// changes: GORM changes a column by rebuilding the table, and dropping the old
// people table with foreign keys on would cascade to every role and token. The
// keys are checked before commit instead. The pragma only works outside a
// transaction and per connection, hence the one pinned connection.
func migrateSQLite(conn *gorm.DB) (err error) {
	if err := conn.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
		return fmt.Errorf("foreign keys off: %w", err)
	}
	defer func() {
		if onErr := conn.Exec("PRAGMA foreign_keys = ON").Error; onErr != nil && err == nil {
			err = fmt.Errorf("foreign keys on: %w", onErr)
		}
	}()
	// The immediate transaction takes the write lock, serialising concurrent migrators.
	return conn.Transaction(func(tx *gorm.DB) error {
		if err := migrate(tx); err != nil {
			return err
		}
		rows, err := tx.Raw("PRAGMA foreign_key_check").Rows()
		if err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		defer rows.Close()
		if rows.Next() {
			return errors.New("foreign key check: the migrated schema has rows that break a foreign key")
		}
		return rows.Err()
	})
}

// migrate creates or updates the tables and indexes within tx.
func migrate(tx *gorm.DB) error {
	// Records kept from before their name had a column of its own get it once.
	var unnamed []any
	for _, m := range []any{&campaignRow{}, &hiringRow{}, &riskRow{}} {
		if tx.Migrator().HasTable(m) && !tx.Migrator().HasColumn(m, "name") {
			unnamed = append(unnamed, m)
		}
	}
	if err := tx.AutoMigrate(models...); err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	for _, m := range unnamed {
		var err error
		switch m.(type) {
		case *campaignRow:
			err = nameRecords(tx, func(r campaignRow) (string, string) { return r.ID, r.Brief.V.Name })
		case *hiringRow:
			err = nameRecords(tx, func(r hiringRow) (string, string) { return r.ID, r.Request.V.Title })
		case *riskRow:
			err = nameRecords(tx, func(r riskRow) (string, string) { return r.ID, r.Record.V.Title })
		}
		if err != nil {
			return err
		}
	}
	if err := classifyLegacyDeliveries(tx); err != nil {
		return err
	}
	for _, ix := range indexes {
		unique := ""
		if ix.unique {
			unique = "UNIQUE "
		}
		// Names are constants of this file, so building the statement is safe;
		// IF NOT EXISTS makes a second run a no-op on both databases.
		ddl := fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s (%s)",
			unique, ix.name, ix.table, strings.Join(ix.columns, ", "))
		if err := tx.Exec(ddl).Error; err != nil {
			return fmt.Errorf("index %s: %w", ix.name, err)
		}
	}
	return nil
}

// nameRecords fills the name column of the records of a table that had none,
// from the part of each record that holds it, a batch at a time.
func nameRecords[R any](tx *gorm.DB, name func(R) (id, name string)) error {
	for after := ""; ; {
		var rows []R
		if err := tx.Where("id > ?", after).Order("id").Limit(500).Find(&rows).Error; err != nil {
			return fmt.Errorf("name records: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			id, n := name(r)
			if err := tx.Model(new(R)).Where("id = ?", id).Update("name", n).Error; err != nil {
				return fmt.Errorf("name record %s: %w", id, err)
			}
			after = id
		}
	}
}
