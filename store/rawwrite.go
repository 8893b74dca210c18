package store

import (
	"cmp"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"
)

// The records write's INSERTs, without GORM. A decision's write runs them for
// every step; GORM's Create cloned a statement, reflected over every row and
// built the clauses anew each time, about two thirds of the write's garbage. Here
// the SQL text of each (table, row count) is built once and kept, and a row's
// values are appended by a plain function of the row type. The text being the
// same each time is also what lets the SQLite writer's connection keep the
// statement prepared (stmtcache.go), and pgx its own.
// TestRawInsertsFollowTheModels keeps the columns and values in step with the
// models: a column added to a model without its writer fails it.

// insert writes rows of type R into table: columns in the order values appends
// them, then conflict (an ON CONFLICT clause, or "").
type insert[R any] struct {
	table    string
	columns  []string
	conflict string
	values   func(args []any, r *R) []any
	// texts keeps the statement of each row count, per database (0 SQLite with ?
	// placeholders, 1 PostgreSQL with $n).
	texts [2][batchSize + 1]atomic.Pointer[string]
}

// exec writes rows inside transaction tx, at most batchSize to a statement, in
// their order.
func (in *insert[R]) exec(tx *gorm.DB, rows []R) error {
	postgres := onPostgres(tx)
	for len(rows) > 0 {
		part := rows[:min(batchSize, len(rows))]
		rows = rows[len(part):]
		args := make([]any, 0, len(part)*len(in.columns))
		for i := range part {
			args = in.values(args, &part[i])
		}
		if err := execTx(tx, in.text(postgres, len(part)), args); err != nil {
			return err
		}
	}
	return nil
}

// text is the statement for n rows (1 ≤ n ≤ batchSize), built on first use.
func (in *insert[R]) text(postgres bool, n int) string {
	d := 0
	if postgres {
		d = 1
	}
	if s := in.texts[d][n].Load(); s != nil {
		return *s
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO "` + in.table + `" (`)
	for i, c := range in.columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + c + `"`)
	}
	b.WriteString(") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for i := range in.columns {
			if i > 0 {
				b.WriteByte(',')
			}
			p++
			b.WriteString(placeholder(postgres, p))
		}
		b.WriteByte(')')
	}
	if in.conflict != "" {
		b.WriteString(" " + in.conflict)
	}
	s := b.String()
	in.texts[d][n].Store(&s)
	return s
}

func onPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

// placeholder is the pth parameter (from 1): ? on SQLite, $p on PostgreSQL, whose
// driver (pgx) knows no other.
func placeholder(postgres bool, p int) string {
	if postgres {
		return "$" + strconv.Itoa(p)
	}
	return "?"
}

// execTx runs query inside transaction tx as GORM's Exec would, without building
// a statement: on the transaction's connection, its error translated by the
// dialector (TranslateError) as GORM translates its own.
func execTx(tx *gorm.DB, query string, args []any) error {
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, query, args...)
	return translated(tx, err)
}

// queryRowTx reads the one row of query into dest inside transaction tx, as
// execTx runs a statement; no row is sql.ErrNoRows.
func queryRowTx(tx *gorm.DB, query string, args []any, dest ...any) error {
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, query, args...)
	return translated(tx, scanOne(rows, err, dest...))
}

// scanOne reads the first row of rows, the answer of a query that failed with
// err or not, into dest; no row is sql.ErrNoRows. Reads of one row go through
// it, not QueryRowContext: GORM's pool of prepared statements (the SQLite read
// pool's) answers a statement it could not prepare, a cancelled request's say,
// with an empty sql.Row, whose Scan panics.
func scanOne(rows *sql.Rows, err error, dest ...any) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return cmp.Or(rows.Err(), sql.ErrNoRows)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

func translated(tx *gorm.DB, err error) error {
	if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		return t.Translate(err)
	}
	return err
}

// inList appends values to args and returns the parenthesised list of their
// placeholders, numbered after the args before them on PostgreSQL.
func inList(postgres bool, args *[]any, values []string) string {
	ps := make([]string, len(values))
	for i, v := range values {
		*args = append(*args, v)
		ps[i] = placeholder(postgres, len(*args))
	}
	return "(" + strings.Join(ps, ", ") + ")"
}

// upsertSet is ON CONFLICT (key) DO UPDATE SET each of columns but keep to the
// value the statement brought.
func upsertSet(key string, columns, keep []string) string {
	var set []string
	for _, c := range columns {
		if c != key && !slices.Contains(keep, c) {
			set = append(set, `"`+c+`"="excluded"."`+c+`"`)
		}
	}
	return `ON CONFLICT ("` + key + `") DO UPDATE SET ` + strings.Join(set, ",")
}

// insertCampaign upserts campaigns by ID, every column overwritten.
var insertCampaign = &insert[campaignRow]{
	table:    "campaigns",
	columns:  campaignColumns,
	conflict: upsertSet("id", campaignColumns, nil),
	values: func(a []any, r *campaignRow) []any {
		return append(a, r.ID, r.WorkflowID, r.Status, r.Stage, r.ProjectManager, r.MarketingOpsManager, r.RequestedBy, r.Reason,
			r.Name, r.Brief, r.Actuals, r.KPIReport, r.Stages, r.Report, r.Risks, r.HeldBy, r.HeldSince, r.LaunchAt,
			r.Audience, r.CreatedAt, r.UpdatedAt)
	},
}

var campaignColumns = []string{
	"id", "workflow_id", "status", "stage", "project_manager", "marketing_ops_manager", "requested_by", "reason",
	"name", "brief", "actuals", "kpi_report", "stages", "report", "risks", "held_by", "held_since", "launch_at",
	"audience", "created_at", "updated_at",
}

// insertTask upserts tasks by ID, setting what a step can change (every column
// but taskIdentity, written once). SQLite writes again every index on a column an
// UPDATE sets, whether or not its value changed.
var insertTask = &insert[taskRow]{
	table:    "tasks",
	columns:  taskColumns,
	conflict: upsertSet("id", taskColumns, taskIdentity),
	values: func(a []any, r *taskRow) []any {
		return append(a, r.ID, r.Process, r.ProcessID, r.WorkflowID, r.Kind, r.TaskKey, r.Title, r.Description,
			r.Team, r.Role, r.Assignee, r.RequestedBy, r.Status, r.DueAt, r.EscalationLevel,
			r.Outcome, r.Comment, r.CompletedBy, r.OnBehalfOf, r.CompletedAt, r.Data, r.Form,
			r.CreatedAt, r.UpdatedAt, r.EstimateHours, r.ActualHours)
	},
}

// taskIdentity is the columns of a task that never change: a task ID is its
// process's and a number the process never gives twice (continue-as-new carries it).
var taskIdentity = []string{"id", "process", "process_id", "workflow_id", "kind", "task_key", "requested_by", "created_at"}

// insertEvent adds timeline events, once per key; the database numbers them (id).
var insertEvent = &insert[eventRow]{
	table:    "events",
	columns:  []string{"event_key", "process", "process_id", "kind", "actor", "task_id", "message", "at"},
	conflict: `ON CONFLICT ("event_key") DO NOTHING`,
	values: func(a []any, r *eventRow) []any {
		return append(a, r.EventKey, r.Process, r.ProcessID, r.Kind, r.Actor, r.TaskID, r.Message, r.At)
	},
}

// insertNotification adds notifications, once per key and recipient; the
// database numbers them (id).
var insertNotification = &insert[notificationRow]{
	table: "notifications",
	columns: []string{
		"notification_key", "recipient", "team", "role", "kind", "subject", "process", "process_id", "task_id",
		"created_at", "read_at", "comment_id",
	},
	conflict: `ON CONFLICT ("notification_key","recipient") DO NOTHING`,
	values: func(a []any, r *notificationRow) []any {
		return append(a, r.NotificationKey, r.Recipient, r.Team, r.Role, r.Kind, r.Subject, r.Process, r.ProcessID, r.TaskID,
			r.CreatedAt, r.ReadAt, r.CommentID)
	},
}

// insertAudit appends an audit entry (appendAudit numbers it).
var insertAudit = &insert[auditRow]{
	table: "audit_log",
	columns: []string{
		"seq", "at", "actor", "on_behalf_of", "action", "object", "outcome", "status", "reason", "request_id",
		"client_ip", "prev_hash", "hash", "command_id",
	},
	values: func(a []any, r *auditRow) []any {
		return append(a, r.Seq, r.At, r.Actor, r.OnBehalfOf, r.Action, r.Object, r.Outcome, r.Status, r.Reason, r.RequestID,
			r.ClientIP, r.PrevHash, r.Hash, r.CommandID)
	},
}
