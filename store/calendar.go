package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// feedRow is one iCalendar feed link of a person, kept only as the SHA-256 of
// its secret; a person has at most one per scope (domain.FeedScope.Key).
type feedRow struct {
	Hash      string    `gorm:"primaryKey"`
	Handle    string    `gorm:"not null"`
	Scope     string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (feedRow) TableName() string { return "calendar_feeds" }

// feedPrefix marks feed secrets, as tokenPrefix marks API tokens and
// sessionPrefix board sessions: a leaked one is recognisable, and never taken
// for either.
const feedPrefix = "tdf_"

// Calendar answers the entries of f in one query over the records: a UNION of
// the launches, the tasks' due times, the hiring requests' needed-by days, the
// risks' response due times and the out-of-office windows in the range, each
// a range scan of its own index, in time order, at most
// domain.MaxCalendarEntries of them. Launches to the same audience within
// domain.OverlapWindow are marked in the same query, whatever the filter
// leaves out: another manager's launch to one's audience is the overlap to
// know of.
//
// What it lists: launches of campaigns not rejected or cancelled; open and
// done tasks (a cancelled or expired one is no longer due); hiring requests
// still active; risks not ended whose response is planned; out-of-office
// windows that meet the range.
func (st *Store) Calendar(ctx context.Context, f domain.CalendarFilter) (domain.Calendar, error) {
	q, args := calendarQuery(st.reads.Dialector.Name() == "postgres", f)
	rows, err := st.reads.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return domain.Calendar{}, wrap(err, "calendar")
	}
	defer rows.Close()
	out := domain.Calendar{Entries: []domain.CalendarEntry{}}
	for rows.Next() {
		var e domain.CalendarEntry
		var at, end anyTime
		var kind, process, taskKind, status, team string
		var overlaps int
		if err := rows.Scan(&kind, &at, &end, &e.Title, &process, &e.ProcessID, &e.TaskID, &taskKind, &status, &team, &e.Person, &e.Audience, &overlaps); err != nil {
			return domain.Calendar{}, wrap(err, "calendar")
		}
		if len(out.Entries) == domain.MaxCalendarEntries {
			out.Truncated = true
			break
		}
		e.Kind, e.At, e.End = domain.CalendarKind(kind), at.t, end.t
		e.Process, e.TaskKind, e.Status, e.Team = domain.Process(process), domain.TaskKind(taskKind), domain.TaskStatus(status), domain.Team(team)
		e.Overlaps = overlaps != 0
		out.Entries = append(out.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return domain.Calendar{}, wrap(err, "calendar")
	}
	return out, nil
}

// calendarQuery builds Calendar's query for f. Each part has its own
// conditions, so each is a range scan of its own index; a part the process
// filter rules out is left out of the text. Every part selects the same
// columns, named in each as whichever comes first names them: kind, at,
// end_at, title, process, process_id, task_id, task_kind, status, team,
// person, audience, overlaps.
func calendarQuery(postgres bool, f domain.CalendarFilter) (string, []any) {
	args := []any{
		sql.Named("from", utc(f.From)), sql.Named("to", utc(f.To)),
		sql.Named("team", string(f.Team)), sql.Named("person", f.Person),
		sql.Named("process", string(f.Process)), sql.Named("window", domain.OverlapWindow.Seconds()),
	}
	// Two launches overlap when less than the window apart: the same
	// comparison in each database's own time arithmetic. PostgreSQL's is a
	// range on o.launch_at, which idx_campaigns_audience (audience,
	// launch_at) answers for each launch: the difference's absolute value
	// reaches no index, and with 10,000 active campaigns the month's
	// launches each scanned the table (`tandem bench`, plan pages).
	apart := "o.launch_at > c.launch_at - @window * interval '1 second' AND o.launch_at < c.launch_at + @window * interval '1 second'"
	// The first part's NULL end must be a time for PostgreSQL to match it
	// with the out-of-office windows' ends.
	noEnd := "CAST(NULL AS timestamp with time zone)"
	if !postgres {
		apart = "abs(julianday(o.launch_at) - julianday(c.launch_at)) * 86400 < @window"
		noEnd = "NULL"
	}
	var parts []string
	want := func(p domain.Process) bool { return f.Process == "" || f.Process == p }
	if want(domain.ProcessCampaign) {
		parts = append(parts, `
SELECT 'launch' AS kind, c.launch_at AS at, `+noEnd+` AS end_at, c.name AS title, 'campaign' AS process, c.id AS process_id,
	'' AS task_id, '' AS task_kind, '' AS status, COALESCE(p.team, '') AS team, c.project_manager AS person, c.audience AS audience,
	CASE WHEN c.audience <> '' AND EXISTS (
		SELECT 1 FROM campaigns AS o
		WHERE o.audience = c.audience AND o.id <> c.id AND o.status NOT IN ('rejected', 'cancelled') AND `+apart+`
	) THEN 1 ELSE 0 END AS overlaps
FROM campaigns AS c LEFT JOIN people AS p ON p.handle = c.project_manager
WHERE c.launch_at >= @from AND c.launch_at < @to AND c.status NOT IN ('rejected', 'cancelled')`+
			cond(f.Team != "", " AND p.team = @team")+
			cond(f.Person != "", " AND (c.project_manager = @person OR c.marketing_ops_manager = @person)"))
	}
	parts = append(parts, `
SELECT 'task_due' AS kind, t.due_at AS at, `+noEnd+` AS end_at, t.title AS title, t.process AS process, t.process_id AS process_id,
	t.id AS task_id, t.kind AS task_kind, t.status AS status, t.team AS team, t.assignee AS person, '' AS audience, 0 AS overlaps
FROM tasks AS t
WHERE t.due_at >= @from AND t.due_at < @to AND t.status IN ('open', 'done')`+
		cond(f.Team != "", " AND t.team = @team")+
		cond(f.Person != "", " AND (t.assignee = @person OR (t.assignee = '' AND t.team <> '' AND t.team = (SELECT m.team FROM people AS m WHERE m.handle = @person)))")+
		cond(f.Process != "", " AND t.process = @process"))
	if want(domain.ProcessHiring) {
		parts = append(parts, `
SELECT 'hire_needed_by' AS kind, h.needed_by AS at, `+noEnd+` AS end_at, h.name AS title, 'hiring' AS process, h.id AS process_id,
	'' AS task_id, '' AS task_kind, '' AS status, h.team AS team, h.hiring_manager AS person, '' AS audience, 0 AS overlaps
FROM hiring_requests AS h
WHERE h.needed_by >= @from AND h.needed_by < @to AND h.status = 'active'`+
			cond(f.Team != "", " AND h.team = @team")+
			cond(f.Person != "", " AND (h.hiring_manager = @person OR h.requested_by = @person)"))
	}
	if want(domain.ProcessRisk) {
		parts = append(parts, `
SELECT 'risk_response_due' AS kind, r.response_due_at AS at, `+noEnd+` AS end_at, r.name AS title, 'risk' AS process, r.id AS process_id,
	'' AS task_id, '' AS task_kind, '' AS status, COALESCE(p.team, '') AS team, r.owner AS person, '' AS audience, 0 AS overlaps
FROM risks AS r LEFT JOIN people AS p ON p.handle = r.owner
WHERE r.response_due_at >= @from AND r.response_due_at < @to AND r.status IN ('open', 'acknowledged', 'materialized')`+
			cond(f.Team != "", " AND p.team = @team")+
			cond(f.Person != "", " AND r.owner = @person"))
	}
	if f.Process == "" {
		parts = append(parts, `
SELECT 'out_of_office' AS kind, p.ooo_from AS at, p.ooo_to AS end_at, '' AS title, '' AS process, '' AS process_id,
	'' AS task_id, '' AS task_kind, '' AS status, p.team AS team, p.handle AS person, '' AS audience, 0 AS overlaps
FROM people AS p
WHERE p.ooo_from < @to AND p.ooo_to > @from`+
			cond(f.Team != "", " AND p.team = @team")+
			cond(f.Person != "", " AND p.handle = @person"))
	}
	// One more than the most kept, to tell a full answer from a cut one.
	// Each part is cut to that many in the answer's order as well: the
	// answer's first rows are among each part's first, and a part so cut
	// reads its index in due order and stops, where the parts whole read
	// every task due in the range (at 1M tasks, 12,000 rows fetched to keep
	// 2,000: most of the month's 46 ms; `tandem bench`, plan pages).
	order, limit := " ORDER BY at, kind, title, process_id, task_id, person", fmt.Sprintf(" LIMIT %d", domain.MaxCalendarEntries+1)
	for i, p := range parts {
		parts[i] = fmt.Sprintf("\nSELECT * FROM (%s%s%s) AS part%d", p, order, limit, i)
	}
	q := "SELECT * FROM (" + strings.Join(parts, "\nUNION ALL") + "\n) AS entries" + order + limit
	return q, args
}

func cond(on bool, s string) string {
	if on {
		return s
	}
	return ""
}

// anyTime reads a time column of a UNION: SQLite gives the parts' times back
// as the text they were written as (a UNION's columns have no declared type
// for the driver to convert by), PostgreSQL as times.
type anyTime struct{ t time.Time }

// sqliteLayouts are the texts SQLite keeps times as: the driver's
// (_time_format=sqlite), and what a migration filled in from RFC 3339.
var sqliteLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano}

func (a *anyTime) Scan(src any) error {
	a.t = time.Time{}
	var s string
	switch v := src.(type) {
	case nil:
		return nil
	case time.Time:
		a.t = v.UTC()
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("read a time: unexpected %T", src)
	}
	for _, l := range sqliteLayouts {
		if t, err := time.Parse(l, s); err == nil {
			a.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("read a time: %q is in no known layout", s)
}

// CreateFeed makes a new iCalendar feed link for handle's scope, replacing the
// one it had (whose secret then finds nothing), and returns its secret: the
// only time it is seen, as only its hash is kept. An unknown person is
// domain.ErrNotFound.
func (st *Store) CreateFeed(ctx context.Context, handle string, scope domain.FeedScope, now time.Time) (string, domain.Feed, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", domain.Feed{}, fmt.Errorf("create feed: %w", err)
	}
	token := feedPrefix + base64.RawURLEncoding.EncodeToString(secret)
	row := feedRow{Hash: hashToken(token), Handle: handle, Scope: scope.Key(), CreatedAt: utc(now)}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("handle = ? AND scope = ?", row.Handle, row.Scope).Delete(&feedRow{}).Error; err != nil {
			return fmt.Errorf("delete the old link: %w", err)
		}
		return tx.Create(&row).Error
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return "", domain.Feed{}, domain.NotFoundf("person %s", handle)
	}
	if err != nil {
		return "", domain.Feed{}, wrap(err, "create feed for "+handle)
	}
	return token, row.toDomain(), nil
}

// Feeds lists handle's feed links, without their secrets, oldest first.
func (st *Store) Feeds(ctx context.Context, handle string) ([]domain.Feed, error) {
	var rows []feedRow
	if err := st.reads.WithContext(ctx).Where("handle = ?", handle).Order("created_at, scope").Find(&rows).Error; err != nil {
		return nil, wrap(err, "feeds of "+handle)
	}
	out := make([]domain.Feed, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// FeedByToken finds the feed link a secret opens; anything else is
// domain.ErrNotFound.
func (st *Store) FeedByToken(ctx context.Context, token string) (domain.Feed, error) {
	if !strings.HasPrefix(token, feedPrefix) {
		return domain.Feed{}, domain.NotFoundf("feed")
	}
	var row feedRow
	err := st.reads.WithContext(ctx).Where("hash = ?", hashToken(token)).Take(&row).Error
	if err != nil {
		return domain.Feed{}, wrap(err, "feed")
	}
	return row.toDomain(), nil
}

func (r feedRow) toDomain() domain.Feed {
	scope, _ := domain.FeedScopeOf(r.Scope) // written by CreateFeed from a valid scope
	return domain.Feed{Handle: r.Handle, Scope: scope, CreatedAt: r.CreatedAt.UTC()}
}
