package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, caller(c))
}

// listPeople answers a page of the directory, with an ETag naming the
// directory as it is and the page asked for: a client that keeps the
// directory (the board, on every page) asks again with If-None-Match and is
// answered 304 without the people while nobody changed.
func (s *Server) listPeople(c *gin.Context) {
	var p domain.Problems
	f := domain.PeopleFilter{
		Team: enumParam(c, &p, "team", domain.Teams),
		Role: enumParam(c, &p, "role", domain.Roles),
	}
	if p.Err() == nil {
		ctx, cancel := s.ctx(c)
		version, err := s.records.DirectoryVersion(ctx)
		cancel()
		if err != nil {
			s.fail(c, fmt.Errorf("directory version: %w", err))
			return
		}
		sum := sha256.Sum256([]byte(version + "?" + c.Request.URL.Query().Encode()))
		etag := `"` + hex.EncodeToString(sum[:12]) + `"`
		c.Header("ETag", etag)
		if c.GetHeader("If-None-Match") == etag {
			c.Status(http.StatusNotModified)
			return
		}
	}
	page, ok := listPage(s, c, p, "people", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Person], error) {
		f.ListOptions = o
		return s.records.People(ctx, f)
	})
	if !ok {
		c.Header("ETag", "")
		return
	}
	c.JSON(http.StatusOK, page)
}

// setOutOfOffice sets or clears a person's out-of-office window. Only the person
// themself or an admin may, since the delegate gains the right to act for them.
func (s *Server) setOutOfOffice(c *gin.Context) {
	handle := c.Param("handle")
	me := caller(c)
	if me.Handle != handle && !me.HasRole(domain.RoleAdmin) {
		s.fail(c, domain.Forbiddenf("only %s or an admin may set their out-of-office", handle))
		return
	}
	var req *outOfOfficeRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	person, err := s.records.Person(ctx, handle)
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	var window *domain.OutOfOffice
	if !req.empty() {
		var problems domain.Problems
		window, problems = req.window(handle)
		if window.Delegate != "" && window.Delegate != handle {
			if err := s.checkPerson(ctx, &problems, "delegate", window.Delegate); err != nil {
				s.fail(c, err)
				return
			}
		}
		if err := problems.Err(); err != nil {
			s.fail(c, err)
			return
		}
	}
	if s.undocumented(c) {
		return
	}
	if err := s.records.SetOutOfOffice(ctx, handle, window); err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	person.OutOfOffice = window
	c.JSON(http.StatusOK, person)
}

// notificationsPage is a page of the caller's notifications, newest first,
// with how far they have read them: those with an ID above seen_through are
// unread, and unread counts them (at most domain.MaxUnread).
type notificationsPage struct {
	domain.Page[domain.Notification]
	domain.NotificationMark
}

func (s *Server) listNotifications(c *gin.Context) {
	me := caller(c).Handle
	page, ok := listPage(s, c, nil, "notifications", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Notification], error) {
		return s.records.Notifications(ctx, me, o)
	})
	if !ok {
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	mark, err := s.records.NotificationMark(ctx, me)
	if err != nil {
		s.fail(c, fmt.Errorf("notification mark: %w", err))
		return
	}
	c.JSON(http.StatusOK, notificationsPage{Page: page, NotificationMark: mark})
}

// seenRequest is the body of PUT /me/notifications/seen.
type seenRequest struct {
	// Through is the ID of the newest notification the person has seen.
	Through *int64 `json:"through"`
}

// markNotificationsSeen records that the caller has read their notifications
// up to an ID, the newest a page showed them: what arrived after stays unread.
// Marking is idempotent and only moves forward, so a retry or an older page
// changes nothing.
func (s *Server) markNotificationsSeen(c *gin.Context) {
	var req seenRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var p domain.Problems
	switch {
	case req.Through == nil:
		p.Add("through", "required")
	case *req.Through < 0:
		p.Add("through", "must be a notification ID: 0 or more")
	}
	if err := p.Err(); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if s.undocumented(c) {
		return
	}
	mark, err := s.records.MarkNotificationsSeen(ctx, caller(c).Handle, uint64(*req.Through), s.now())
	if err != nil {
		s.fail(c, fmt.Errorf("mark notifications seen: %w", err))
		return
	}
	c.JSON(http.StatusOK, mark)
}
