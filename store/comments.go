package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// Comments are conversation about the work, not its state (domain/comment.go
// says why): the API writes them here directly, with the notifications their
// mentions and replies send, in one transaction, so a comment is never stored
// without telling the people it names, nor they told of a comment that is not
// there.

// commentRow is one comment; ParentID and TaskID are 0 and "" when it is not a
// reply, or not on a task.
type commentRow struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	Process   string    `gorm:"not null"`
	ProcessID string    `gorm:"not null"`
	TaskID    string    `gorm:"not null"`
	ParentID  uint64    `gorm:"not null"`
	Author    string    `gorm:"not null"`
	Body      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	EditedAt  *time.Time
	DeletedAt *time.Time
}

func (commentRow) TableName() string { return "comments" }

// commentRevisionRow is a comment's text as it was before an edit or its
// deletion, and who replaced it when.
type commentRevisionRow struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	CommentID uint64    `gorm:"not null"`
	Body      string    `gorm:"not null"`
	Editor    string    `gorm:"not null"`
	At        time.Time `gorm:"not null"`
}

func (commentRevisionRow) TableName() string { return "comment_revisions" }

func (r commentRow) toDomain() domain.Comment {
	return domain.Comment{
		ID: r.ID, Process: domain.Process(r.Process), ProcessID: r.ProcessID, TaskID: r.TaskID, ParentID: r.ParentID,
		Author: r.Author, Body: r.Body, CreatedAt: fromDB(r.CreatedAt), EditedAt: fromDBPtr(r.EditedAt), DeletedAt: fromDBPtr(r.DeletedAt),
	}
}

// AddComment stores c (its ID is made here) with notify, the notifications it
// sends, each given the comment's ID and a key per comment and kind, and
// answers the stored comment.
func (st *Store) AddComment(ctx context.Context, c domain.Comment, notify []domain.Notification) (domain.Comment, error) {
	if c.Process == "" || c.ProcessID == "" || c.Author == "" {
		return domain.Comment{}, fmt.Errorf("add comment: process, process ID and author are required")
	}
	row := commentRow{
		Process: string(c.Process), ProcessID: c.ProcessID, TaskID: c.TaskID, ParentID: c.ParentID,
		Author: c.Author, Body: c.Body, CreatedAt: utc(c.CreatedAt),
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := writeOutbox(tx, []domain.Event{domain.CommentEvent(row.toDomain())}); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return notifyOfComment(tx, row.toDomain(), notify)
	})
	if err != nil {
		return domain.Comment{}, wrap(err, "add comment")
	}
	return row.toDomain(), nil
}

// notifyOfComment writes the notifications of comment c, and to the outbox
// the webhook event of each mention. Each is keyed by the comment and its
// kind, so a person mentioned again in an edit is not told a second time. The
// mention's event goes out whether or not the person turned mentions off:
// it is the comment's news for the team's tools, not a message to them.
func notifyOfComment(tx *gorm.DB, c domain.Comment, notify []domain.Notification) error {
	if len(notify) == 0 {
		return nil
	}
	rows := make([]notificationRow, len(notify))
	var events []domain.Event
	for i, n := range notify {
		n.CommentID, n.Key = c.ID, fmt.Sprintf("comment/%d/%s", c.ID, n.Kind)
		rows[i] = notificationFromDomain(n, n.Recipient)
		if n.Kind == domain.NotifyMention {
			events = append(events, domain.MentionEvent(c, n.Recipient, n.CreatedAt))
		}
	}
	if err := writeOutbox(tx, events); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	rows, err := dropMuted(tx, rows)
	if err != nil || len(rows) == 0 {
		return err
	}
	return insertNotification.exec(tx, rows)
}

// Comment reads one comment; a missing one is domain.ErrNotFound.
func (st *Store) Comment(ctx context.Context, id uint64) (domain.Comment, error) {
	var row commentRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Comment{}, wrap(err, fmt.Sprintf("comment %d", id))
	}
	return row.toDomain(), nil
}

// Comments lists the comments f selects, oldest first, tombstones included:
// a page is one range scan of idx_comments_process (or idx_comments_task).
func (st *Store) Comments(ctx context.Context, f domain.CommentFilter) (domain.Page[domain.Comment], error) {
	q := st.reads.WithContext(ctx)
	if f.TaskID != "" {
		q = q.Where("task_id = ?", f.TaskID)
	} else {
		q = q.Where("process = ? AND process_id = ?", string(f.Process), f.ProcessID)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, bySeq)
		if err != nil {
			return domain.Page[domain.Comment]{}, err
		}
		q = q.Where("id > ?", c.Seq)
	}
	var rows []commentRow
	if err := q.Order("id").Limit(limitOf(f.ListOptions) + 1).Find(&rows).Error; err != nil {
		return domain.Page[domain.Comment]{}, wrap(err, "list comments")
	}
	return pageOf(rows, f.ListOptions, commentRow.toDomain, func(r commentRow) cursor { return cursor{Seq: r.ID} }), nil
}

// EditComment replaces the text of comment id with body, by editor at at,
// keeping the text it had in its revisions, and writes notify (the people the
// new text mentions). A deleted comment is domain.ErrConflict.
func (st *Store) EditComment(ctx context.Context, id uint64, editor, body string, at time.Time, notify []domain.Notification) (domain.Comment, error) {
	return st.replaceComment(ctx, id, editor, at, func(row *commentRow) map[string]any {
		row.Body, row.EditedAt = body, new(utc(at))
		return map[string]any{"body": row.Body, "edited_at": row.EditedAt}
	}, notify)
}

// DeleteComment makes comment id a tombstone, by who at at: its text leaves
// the comment for its revisions, where the audit finds it.
func (st *Store) DeleteComment(ctx context.Context, id uint64, who string, at time.Time) (domain.Comment, error) {
	return st.replaceComment(ctx, id, who, at, func(row *commentRow) map[string]any {
		row.Body, row.DeletedAt = "", new(utc(at))
		return map[string]any{"body": "", "deleted_at": row.DeletedAt}
	}, nil)
}

// replaceComment keeps the text of comment id as a revision and applies change
// to it, in one transaction.
func (st *Store) replaceComment(ctx context.Context, id uint64, who string, at time.Time,
	change func(*commentRow) map[string]any, notify []domain.Notification) (domain.Comment, error) {
	var row commentRow
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		if row.DeletedAt != nil {
			return domain.Conflictf("comment %d is deleted", id)
		}
		rev := commentRevisionRow{CommentID: id, Body: row.Body, Editor: who, At: utc(at)}
		if err := tx.Create(&rev).Error; err != nil {
			return err
		}
		if err := tx.Model(&commentRow{}).Where("id = ?", id).Updates(change(&row)).Error; err != nil {
			return err
		}
		return notifyOfComment(tx, row.toDomain(), notify)
	})
	if errors.Is(err, domain.ErrConflict) {
		return domain.Comment{}, err
	}
	if err != nil {
		return domain.Comment{}, wrap(err, fmt.Sprintf("comment %d", id))
	}
	return row.toDomain(), nil
}
