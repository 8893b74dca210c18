package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// commentFake is the comments part of a fakeRecords: the comments, and the
// texts edits and deletions replaced. A comment's notifications go to the
// fake's notifications, once per key and recipient, as in the store.
type commentFake struct {
	comments  []domain.Comment // by ID - 1
	revisions map[uint64][]string
}

var commentFakes sync.Map // *fakeRecords → *commentFake

// comments returns the comments part of r; the caller holds r.mu.
func (r *fakeRecords) comments() *commentFake {
	v, _ := commentFakes.LoadOrStore(r, &commentFake{revisions: map[uint64][]string{}})
	return v.(*commentFake)
}

func (r *fakeRecords) notifyOfComment(id uint64, notify []domain.Notification) {
	for _, n := range notify {
		n.CommentID, n.Key = id, fmt.Sprintf("comment/%d/%s", id, n.Kind)
		dup := false
		for _, had := range r.notifications[n.Recipient] {
			dup = dup || had.Key == n.Key
		}
		if !dup {
			n.ID = uint64(len(r.notifications[n.Recipient]) + 1)
			r.notifications[n.Recipient] = append(r.notifications[n.Recipient], n)
		}
	}
}

func (r *fakeRecords) AddComment(_ context.Context, c domain.Comment, notify []domain.Notification) (domain.Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("AddComment"); err != nil {
		return domain.Comment{}, err
	}
	f := r.comments()
	c.ID = uint64(len(f.comments) + 1)
	f.comments = append(f.comments, c)
	r.notifyOfComment(c.ID, notify)
	return c, nil
}

func (r *fakeRecords) Comment(_ context.Context, id uint64) (domain.Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Comment"); err != nil {
		return domain.Comment{}, err
	}
	f := r.comments()
	if id == 0 || id > uint64(len(f.comments)) {
		return domain.Comment{}, domain.NotFoundf("comment %d", id)
	}
	return f.comments[id-1], nil
}

func (r *fakeRecords) Comments(_ context.Context, cf domain.CommentFilter) (domain.Page[domain.Comment], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Comments"); err != nil {
		return domain.Page[domain.Comment]{}, err
	}
	var out []domain.Comment
	for _, c := range r.comments().comments {
		if cf.TaskID != "" && c.TaskID == cf.TaskID || cf.TaskID == "" && c.Process == cf.Process && c.ProcessID == cf.ProcessID {
			out = append(out, c)
		}
	}
	return page(out, cf.ListOptions)
}

func (r *fakeRecords) replaceComment(id uint64, change func(*domain.Comment)) (domain.Comment, error) {
	f := r.comments()
	if id == 0 || id > uint64(len(f.comments)) {
		return domain.Comment{}, domain.NotFoundf("comment %d", id)
	}
	c := &f.comments[id-1]
	if c.Deleted() {
		return domain.Comment{}, domain.Conflictf("comment %d is deleted", id)
	}
	f.revisions[id] = append(f.revisions[id], c.Body)
	change(c)
	return *c, nil
}

func (r *fakeRecords) EditComment(_ context.Context, id uint64, _, body string, at time.Time, notify []domain.Notification) (domain.Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("EditComment"); err != nil {
		return domain.Comment{}, err
	}
	c, err := r.replaceComment(id, func(c *domain.Comment) { c.Body, c.EditedAt = body, &at })
	if err == nil {
		r.notifyOfComment(id, notify)
	}
	return c, err
}

func (r *fakeRecords) DeleteComment(_ context.Context, id uint64, _ string, at time.Time) (domain.Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("DeleteComment"); err != nil {
		return domain.Comment{}, err
	}
	return r.replaceComment(id, func(c *domain.Comment) { c.Body, c.DeletedAt = "", &at })
}
