package store

import (
	"context"

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

// Campaigns lists campaigns oldest first, filtered by status and by owner (the
// project manager or the marketing ops manager).
func (st *Store) Campaigns(ctx context.Context, f domain.CampaignFilter) (domain.Page[domain.Campaign], error) {
	q := st.reads.WithContext(ctx).Model(&campaignRow{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Owner != "" {
		q = q.Where("(project_manager = ? OR marketing_ops_manager = ?)", f.Owner, f.Owner)
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
	var row taskRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Task{}, wrap(err, "task "+id)
	}
	return row.toDomain(), nil
}

// Tasks lists tasks oldest first: the inbox, filtered by assignee, team, role,
// status, process and process ID.
func (st *Store) Tasks(ctx context.Context, f domain.TaskFilter) (domain.Page[domain.Task], error) {
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
	q, err := afterCreated(q, f.ListOptions)
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
