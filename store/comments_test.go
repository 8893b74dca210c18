package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func addComment(t *testing.T, st *Store, c domain.Comment, notify ...domain.Notification) domain.Comment {
	t.Helper()
	got, err := st.AddComment(t.Context(), c, notify)
	if err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	return got
}

func TestCommentsOfAProcessAndATask(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		first := addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", Author: "pat", Body: "Kick-off **today**", CreatedAt: at(0)})
		addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_2", Author: "pat", Body: "elsewhere", CreatedAt: at(time.Minute)})
		onTask := addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", TaskID: "tsk_1", Author: "maya", Body: "on the task", CreatedAt: at(2 * time.Minute)})
		reply := addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", ParentID: first.ID, Author: "maya", Body: "yes", CreatedAt: at(3 * time.Minute)})

		got, err := st.Comment(t.Context(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the first comment read back", got, domain.Comment{ID: first.ID, Process: domain.ProcessCampaign, ProcessID: "cmp_1",
			Author: "pat", Body: "Kick-off **today**", CreatedAt: at(0)})
		all := collect(t, 2, func(o domain.ListOptions) (domain.Page[domain.Comment], error) {
			return st.Comments(t.Context(), domain.CommentFilter{Process: domain.ProcessCampaign, ProcessID: "cmp_1", ListOptions: o})
		})
		equal(t, "cmp_1's comments, oldest first, over pages", ids(all, commentKey), []string{key(first), key(onTask), key(reply)})
		task, err := st.Comments(t.Context(), domain.CommentFilter{TaskID: "tsk_1"})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "tsk_1's comments", ids(task.Items, commentKey), []string{key(onTask)})
		if _, err := st.Comment(t.Context(), 999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a missing comment: %v, want not found", err)
		}
		if _, err := st.Comments(t.Context(), domain.CommentFilter{TaskID: "tsk_1", ListOptions: domain.ListOptions{Cursor: "nonsense"}}); !errors.Is(err, domain.ErrBadCursor) {
			t.Errorf("a made-up cursor: %v, want ErrBadCursor", err)
		}
	})
}

func commentKey(c domain.Comment) string { return key(c) }
func key(c domain.Comment) string        { return fmt.Sprintf("%d:%s", c.ID, c.Body) }

// An edit keeps the text it replaced, a deletion leaves a tombstone and its
// text in the revisions, and a tombstone can be neither edited nor deleted.
func TestCommentEditsKeepTheirRevisions(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		c := addComment(t, st, domain.Comment{Process: domain.ProcessRisk, ProcessID: "rsk_1", Author: "pat", Body: "one", CreatedAt: at(0)})
		edited, err := st.EditComment(ctx, c.ID, "pat", "two", at(time.Minute), nil)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "edited", edited, domain.Comment{ID: c.ID, Process: domain.ProcessRisk, ProcessID: "rsk_1", Author: "pat", Body: "two",
			CreatedAt: at(0), EditedAt: ptr(at(time.Minute))})
		gone, err := st.DeleteComment(ctx, c.ID, "ada", at(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if gone.Body != "" || gone.DeletedAt == nil || !gone.DeletedAt.Equal(at(2*time.Minute)) || gone.Author != "pat" {
			t.Errorf("tombstone = %+v", gone)
		}
		if back, _ := st.Comment(ctx, c.ID); back.Body != "" || !back.Deleted() {
			t.Errorf("read back = %+v, want a tombstone", back)
		}
		var revs []commentRevisionRow
		if err := st.db.Where("comment_id = ?", c.ID).Order("id").Find(&revs).Error; err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range revs {
			got = append(got, r.Editor+":"+r.Body+"@"+r.At.UTC().Format(time.TimeOnly))
		}
		equal(t, "revisions", got, []string{"pat:one@09:01:00", "ada:two@09:02:00"})
		if _, err := st.EditComment(ctx, c.ID, "pat", "three", at(3*time.Minute), nil); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("editing a tombstone: %v, want conflict", err)
		}
		if _, err := st.DeleteComment(ctx, c.ID, "pat", at(3*time.Minute)); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("deleting a tombstone: %v, want conflict", err)
		}
		if _, err := st.EditComment(ctx, 999, "pat", "x", at(0), nil); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("editing a missing comment: %v, want not found", err)
		}
	})
}

// A comment's notifications are written with it, linked to it, once per
// person and kind: an edit that mentions someone again tells them nothing new.
func TestCommentNotifications(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		mention := func(who string) domain.Notification {
			return domain.Notification{Recipient: who, Kind: domain.NotifyMention, Subject: "Pat mentioned you", Process: domain.ProcessCampaign,
				ProcessID: "cmp_1", CreatedAt: at(0)}
		}
		c := addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: "cmp_1", Author: "pat", Body: "@maya", CreatedAt: at(0)}, mention("maya"))
		if _, err := st.EditComment(ctx, c.ID, "pat", "@maya @cleo", at(time.Minute), []domain.Notification{mention("maya"), mention("cleo")}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"maya", "cleo"} {
			p, err := st.Notifications(ctx, who, domain.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := mention(who)
			want.Key, want.CommentID = fmt.Sprintf("comment/%d/mention", c.ID), c.ID
			if len(p.Items) != 1 {
				t.Fatalf("%s's notifications: %+v, want one", who, p.Items)
			}
			want.ID = p.Items[0].ID
			equal(t, who+"'s notification", p.Items[0], want)
		}
	})
}

// A process's comments and a task's are each one index range scan a page,
// first page and later ones alike.
func TestCommentsAreIndexRangeScans(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		for i := range 30 {
			addComment(t, st, domain.Comment{Process: domain.ProcessCampaign, ProcessID: fmt.Sprintf("cmp_%d", i%3), TaskID: fmt.Sprintf("tsk_%d", i%4),
				Author: "pat", Body: "b", CreatedAt: at(time.Duration(i) * time.Minute)})
		}
		reads := captureReads(t, st, "query")
		sqlDB := reads.pool
		all := secondaryIndexes(t, st, "comments")
		for _, c := range []struct {
			name   string
			filter domain.CommentFilter
			index  string
		}{
			{"process", domain.CommentFilter{Process: domain.ProcessCampaign, ProcessID: "cmp_1"}, "idx_comments_process"},
			{"task", domain.CommentFilter{TaskID: "tsk_1"}, "idx_comments_task"},
		} {
			for _, page := range []string{"first", "next"} {
				f := c.filter
				f.Limit = 3
				if page == "next" {
					f.Cursor = cursor{Seq: 4}.encode()
				}
				if _, err := st.Comments(t.Context(), f); err != nil {
					t.Fatal(err)
				}
				stmt := reads.last()
				var problem string
				if st.postgres {
					problem = postgresRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, c.index, all)
				} else {
					problem = sqliteRangeScan(t.Context(), t, sqlDB, stmt.sql, stmt.vars, "comments", c.index)
				}
				if problem != "" {
					t.Errorf("%s, %s page: %s\n%s", c.name, page, problem, stmt.sql)
				}
			}
		}
	})
}
