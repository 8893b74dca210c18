package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// Campaign returns one campaign record.
func (st *Store) Campaign(ctx context.Context, id string) (domain.Campaign, error) {
	var row campaignRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Campaign{}, wrap(err, "campaign "+id)
	}
	return row.toDomain(), nil
}

// Campaigns lists campaigns oldest first, filtered by status, by owner (the
// project manager or the marketing ops manager) and by name (searchByName).
func (st *Store) Campaigns(ctx context.Context, f domain.CampaignFilter) (domain.Page[domain.Campaign], error) {
	q := st.reads.WithContext(ctx).Model(&campaignRow{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Owner != "" {
		q = q.Where("(project_manager = ? OR marketing_ops_manager = ?)", f.Owner, f.Owner)
	}
	if f.Name != "" {
		ids, next, err := searchByName(q, f.ListOptions, f.Name)
		if err != nil {
			return domain.Page[domain.Campaign]{}, wrap(err, "search campaigns")
		}
		p, err := searchPage(st.reads.WithContext(ctx), f.ListOptions, ids, next, campaignRow.toDomain)
		return p, wrap(err, "search campaigns")
	}
	q, err := afterCreated(q, f.ListOptions)
	if err != nil {
		return domain.Page[domain.Campaign]{}, err
	}
	var rows []campaignRow
	if err := q.Find(&rows).Error; err != nil {
		return domain.Page[domain.Campaign]{}, wrap(err, "list campaigns")
	}
	return pageOf(rows, f.ListOptions, campaignRow.toDomain, func(r campaignRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	}), nil
}

// Task returns one task.
func (st *Store) Task(ctx context.Context, id string) (domain.Task, error) {
	rows, err := st.queryReads(ctx, taskByID, id)
	if err != nil {
		return domain.Task{}, wrap(err, "task "+id)
	}
	defer rows.Close()
	tasks, err := readTaskRows(rows)
	switch {
	case err != nil:
		return domain.Task{}, wrap(err, "task "+id)
	case len(tasks) == 0:
		return domain.Task{}, domain.NotFoundf("task %s", id)
	}
	return tasks[0].toDomain(), nil
}

// Tasks lists tasks oldest first, or soonest due first (f.ByDue): the inbox,
// filtered by assignee, team, role, status, process and process ID.
func (st *Store) Tasks(ctx context.Context, f domain.TaskFilter) (domain.Page[domain.Task], error) {
	if f.ByDue {
		return st.tasksByDue(ctx, f)
	}
	q, err := afterCreated(st.taskQuery(ctx, f), f.ListOptions)
	if err != nil {
		return domain.Page[domain.Task]{}, err
	}
	rows, err := scanTasks(q.Select(taskColumns))
	if err != nil {
		return domain.Page[domain.Task]{}, wrap(err, "list tasks")
	}
	return pageOf(rows, f.ListOptions, taskRow.toDomain, func(r taskRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	}), nil
}

// taskQuery is the tasks f's filters select, in no order.
func (st *Store) taskQuery(ctx context.Context, f domain.TaskFilter) *gorm.DB {
	q := st.reads.WithContext(ctx).Model(&taskRow{})
	// A fixed order of conditions gives one SQL text per combination of filters,
	// which the PostgreSQL driver's statement cache reuses.
	for _, c := range []struct{ col, v string }{
		{"assignee", f.Assignee}, {"team", string(f.Team)}, {"role", string(f.Role)},
		{"status", string(f.Status)}, {"process", string(f.Process)}, {"process_id", f.ProcessID},
	} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if f.Unheld {
		q = q.Where("team = '' AND assignee = ''")
	}
	return q
}

// noDue is the due time of a task without one, as stored: the zero time.
var noDue = time.Time{}

// tasksByDue pages f's list soonest due first, by keyset on (due_at, id): the tasks
// with a due time, then those without one (stored as the zero time, which
// would sort first), each part one range of idx_tasks_assignee_due or
// idx_tasks_team_due (migration 00016) when the list is an assignee's or a
// team's. A cursor without a time is in the second part.
func (st *Store) tasksByDue(ctx context.Context, f domain.TaskFilter) (domain.Page[domain.Task], error) {
	var c cursor
	if f.Cursor != "" {
		var err error
		if c, err = decodeCursor(f.Cursor, byDue); err != nil {
			return domain.Page[domain.Task]{}, err
		}
	}
	limit := limitOf(f.ListOptions)
	var rows []taskRow
	if f.Cursor == "" || !c.At.IsZero() {
		dated := st.taskQuery(ctx, f).Where("due_at > ?", noDue)
		if f.Cursor != "" {
			// A row-value comparison, an index condition on PostgreSQL.
			dated = dated.Where("(due_at, id) > (?, ?)", utc(c.At), c.ID)
		}
		var err error
		if rows, err = scanTasks(dated.Select(taskColumns).Order("due_at, id").Limit(limit + 1)); err != nil {
			return domain.Page[domain.Task]{}, wrap(err, "list tasks by due time")
		}
	}
	if len(rows) <= limit {
		undated := st.taskQuery(ctx, f).Where("due_at = ?", noDue)
		if f.Cursor != "" && c.At.IsZero() {
			undated = undated.Where("id > ?", c.ID)
		}
		more, err := scanTasks(undated.Select(taskColumns).Order("due_at, id").Limit(limit + 1 - len(rows)))
		if err != nil {
			return domain.Page[domain.Task]{}, wrap(err, "list tasks without a due time")
		}
		rows = append(rows, more...)
	}
	return pageOf(rows, f.ListOptions, taskRow.toDomain, func(r taskRow) cursor {
		return cursor{At: fromDB(r.DueAt), ID: r.ID}
	}), nil
}

// TaskCounts counts the tasks of f's list (its filters; its order and page do
// not matter) and those of them overdue at now, each up to
// domain.MaxTaskCount: two short range scans of the index that serves the
// list, however long it is.
func (st *Store) TaskCounts(ctx context.Context, f domain.TaskFilter, now time.Time) (domain.TaskCounts, error) {
	var out domain.TaskCounts
	for _, c := range []struct {
		n    *int
		cond string
		args []any
	}{{&out.Total, "", nil}, {&out.Overdue, "due_at > ? AND due_at < ?", []any{noDue, utc(now)}}} {
		sub := st.taskQuery(ctx, f).Select("1").Limit(domain.MaxTaskCount + 1)
		if c.cond != "" {
			sub = sub.Where(c.cond, c.args...)
		}
		var n int64
		if err := st.reads.WithContext(ctx).Table("(?) AS listed", sub).Count(&n).Error; err != nil {
			return out, wrap(err, "count tasks")
		}
		*c.n = min(int(n), domain.MaxTaskCount)
		out.More = out.More || n > domain.MaxTaskCount
	}
	return out, nil
}

// Timeline returns a process's events in time order, events of the same time in the
// order they were written.
func (st *Store) Timeline(ctx context.Context, p domain.Process, processID string) ([]domain.Event, error) {
	var rows []eventRow
	err := st.reads.WithContext(ctx).Where("process_id = ? AND process = ?", processID, p).Order("at, id").Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "timeline of "+processID)
	}
	events := make([]domain.Event, len(rows))
	for i, r := range rows {
		events[i] = r.toDomain()
	}
	return events, nil
}

// Notifications lists a person's notifications, newest first.
func (st *Store) Notifications(ctx context.Context, recipient string, o domain.ListOptions) (domain.Page[domain.Notification], error) {
	q := st.reads.WithContext(ctx).Where("recipient = ?", recipient)
	if o.Cursor != "" {
		c, err := decodeCursor(o.Cursor, bySeq)
		if err != nil {
			return domain.Page[domain.Notification]{}, err
		}
		q = q.Where("id < ?", c.Seq)
	}
	var rows []notificationRow
	if err := q.Order("id DESC").Limit(limitOf(o) + 1).Find(&rows).Error; err != nil {
		return domain.Page[domain.Notification]{}, wrap(err, "list notifications of "+recipient)
	}
	return pageOf(rows, o, notificationRow.toDomain, func(r notificationRow) cursor { return cursor{Seq: r.ID} }), nil
}

// NotificationMark answers how far recipient has read their notifications, and
// how many came after and were not read one by one (at most
// domain.MaxUnread): a key lookup and one short range scan of
// idx_notifications_unread.
func (st *Store) NotificationMark(ctx context.Context, recipient string) (domain.NotificationMark, error) {
	m, err := notificationMark(st.reads.WithContext(ctx), recipient)
	return m, wrap(err, "notification mark of "+recipient)
}

func notificationMark(db *gorm.DB, recipient string) (domain.NotificationMark, error) {
	var m domain.NotificationMark
	var seen []uint64
	if err := db.Model(&notificationMarkRow{}).Where("recipient = ?", recipient).Limit(1).Pluck("seen_through", &seen).Error; err != nil {
		return m, fmt.Errorf("mark: %w", err)
	}
	if len(seen) > 0 {
		m.SeenThrough = seen[0]
	}
	var n int64
	unread := db.Model(&notificationRow{}).Select("1").Where("recipient = ? AND id > ? AND read_at IS NULL", recipient, m.SeenThrough).Limit(domain.MaxUnread)
	if err := db.Table("(?) AS unread", unread).Count(&n).Error; err != nil {
		return m, fmt.Errorf("unread: %w", err)
	}
	m.Unread = int(n)
	return m, nil
}

// MarkNotificationsSeen records that recipient has read their notifications up
// to through. The mark only moves forward, so an older page marking late never
// makes newer notifications unread again, and never past their newest
// notification, so one that arrives later is unread whatever through said.
func (st *Store) MarkNotificationsSeen(ctx context.Context, recipient string, through uint64, at time.Time) (domain.NotificationMark, error) {
	var m domain.NotificationMark
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var newest []uint64
		if err := tx.Model(&notificationRow{}).Where("recipient = ?", recipient).Order("id DESC").Limit(1).Pluck("id", &newest).Error; err != nil {
			return fmt.Errorf("newest notification: %w", err)
		}
		if len(newest) == 0 {
			through = 0
		} else {
			through = min(through, newest[0])
		}
		row := notificationMarkRow{Recipient: recipient, SeenThrough: through, UpdatedAt: utc(at)}
		if err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "recipient"}},
			DoUpdates: clause.Assignments(map[string]any{
				"seen_through": gorm.Expr("CASE WHEN excluded.seen_through > notification_marks.seen_through THEN excluded.seen_through ELSE notification_marks.seen_through END"),
				"updated_at":   gorm.Expr("excluded.updated_at"),
			}),
		}).Create(&row).Error; err != nil {
			return fmt.Errorf("mark: %w", err)
		}
		var err error
		m, err = notificationMark(tx, recipient)
		return err
	})
	return m, wrap(err, "mark notifications of "+recipient+" seen")
}
