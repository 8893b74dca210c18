package store

import (
	"context"
	"database/sql"
	"strings"
)

// The API's store calls on every decision (POST /tasks/{id}/complete: the
// token's person, the task, the command claimed and settled), without GORM.
// GORM cloned a statement, built its clauses and reflected over each row on
// every call: about half of a request's own garbage (docs/performance.md, "The
// API's reads on a decision"). Here each statement is fixed text, which is also
// what the read pool's prepared statements (GORM's PrepareStmt on a SQLite
// file), the SQLite writer's statement cache and pgx's key theirs on, and its
// row is scanned by hand as the task lists' are (scanTasks).

// fixedSQL is one statement in both databases' spelling: written with ?
// placeholders, SQLite's, and numbered ($1, $2, …) for pgx, which knows no
// other. The text has no ? in a literal.
type fixedSQL struct{ sqlite, postgres string }

func newFixedSQL(query string) fixedSQL {
	var b strings.Builder
	p := 0
	for _, r := range query {
		if r == '?' {
			p++
			b.WriteString(placeholder(true, p))
			continue
		}
		b.WriteRune(r)
	}
	return fixedSQL{sqlite: query, postgres: b.String()}
}

// text is q in the spelling of PostgreSQL or SQLite.
func (q fixedSQL) text(postgres bool) string {
	if postgres {
		return q.postgres
	}
	return q.sqlite
}

func (st *Store) sqlText(q fixedSQL) string { return q.text(st.postgres) }

// queryReads runs q on the read pool's connections directly (through GORM's
// kept prepared statements where it keeps them).
func (st *Store) queryReads(ctx context.Context, q fixedSQL, args ...any) (*sql.Rows, error) {
	rows, err := st.reads.ConnPool.QueryContext(ctx, st.sqlText(q), args...)
	return rows, translated(st.reads, err)
}

// execWrites runs q on the writer's connections directly.
func (st *Store) execWrites(ctx context.Context, q fixedSQL, args ...any) (sql.Result, error) {
	res, err := st.db.ConnPool.ExecContext(ctx, st.sqlText(q), args...)
	return res, translated(st.db, err)
}

// personColumns are what a person is read with (personRow.toDomain), then each
// role on a row of its own: a LEFT JOIN of person_roles in their order, so one
// statement reads a person where GORM's Preload took two.
const personColumns = `p.handle, p.name, p.email, p.team, p.manager, p.ooo_from, p.ooo_to, p.ooo_delegate,
p.disabled_at, p.weekly_hours, r.role`

const personRoles = `LEFT JOIN person_roles r ON r.handle = p.handle`

var (
	personByHandle = newFixedSQL(`SELECT ` + personColumns + ` FROM people p ` + personRoles + `
WHERE p.handle = ? ORDER BY r.position`)
	// personByTokenHash reads a live (unrevoked) token and its person at once.
	personByTokenHash = newFixedSQL(`SELECT t.hash, t.last_used_at, t.expires_at, ` + personColumns + `
FROM api_tokens t JOIN people p ON p.handle = t.handle ` + personRoles + `
WHERE t.hash = ? AND t.revoked_at IS NULL ORDER BY r.position`)
	// personBySessionHash reads an unrevoked board session, the token it was
	// signed in with if it was (t.hash NULL then, or when that token is gone),
	// and its person at once.
	personBySessionHash = newFixedSQL(`SELECT s.hash, s.method, s.token_hash, s.created_at, s.last_seen_at, s.idle_expires_at,
s.expires_at, s.recheck_at, t.hash, t.revoked_at, t.expires_at, ` + personColumns + `
FROM board_sessions s JOIN people p ON p.handle = s.handle LEFT JOIN api_tokens t ON t.hash = s.token_hash ` + personRoles + `
WHERE s.hash = ? AND s.revoked_at IS NULL ORDER BY r.position`)
)

// scanPerson reads the rows of personByHandle, or of personByTokenHash or
// personBySessionHash with the columns before the person's into lead; found is
// false when there are none.
func scanPerson(rows *sql.Rows, lead ...any) (r personRow, found bool, err error) {
	defer rows.Close()
	var role sql.NullString
	dest := append(lead, &r.Handle, &r.Name, &r.Email, &r.Team, &r.Manager, &r.OOOFrom, &r.OOOTo, &r.OOODelegate,
		&r.DisabledAt, &r.WeeklyHours, &role)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return personRow{}, false, err
		}
		found = true
		if role.Valid {
			r.Roles = append(r.Roles, personRoleRow{Handle: r.Handle, Role: role.String})
		}
	}
	return r, found, rows.Err()
}

var taskByID = newFixedSQL(`SELECT ` + strings.Join(taskColumns, ", ") + ` FROM tasks WHERE id = ?`)

var (
	commandByID = newFixedSQL(`SELECT id, caller, kind, target, workflow_id, update_name, body_hash, input, status, run_id,
refusal, created_at, updated_at FROM commands WHERE id = ?`)
	insertCommand = newFixedSQL(`INSERT INTO commands (id, caller, kind, target, workflow_id, update_name, body_hash, input,
status, run_id, refusal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	settleCommand = newFixedSQL(`UPDATE commands SET status = ?, run_id = ?, refusal = ?, updated_at = ?
WHERE id = ? AND status = ?`)
)
