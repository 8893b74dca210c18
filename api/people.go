package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, caller(c))
}

func (s *Server) listPeople(c *gin.Context) {
	var p domain.Problems
	f := domain.PeopleFilter{
		Team: enumParam(c, &p, "team", domain.Teams),
		Role: enumParam(c, &p, "role", domain.Roles),
	}
	page, ok := listPage(s, c, p, "people", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Person], error) {
		f.ListOptions = o
		return s.records.People(ctx, f)
	})
	if !ok {
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
	if err := s.records.SetOutOfOffice(ctx, handle, window); err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	person.OutOfOffice = window
	c.JSON(http.StatusOK, person)
}

func (s *Server) listNotifications(c *gin.Context) {
	me := caller(c).Handle
	page, ok := listPage(s, c, nil, "notifications", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Notification], error) {
		return s.records.Notifications(ctx, me, o)
	})
	if ok {
		c.JSON(http.StatusOK, page)
	}
}
