package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// The notification center's own routes: one notification marked read (all of
// them is PUT /me/notifications/seen), and each person's preferences: their
// time zone and a channel per kind of notification (domain/notify.go says what
// each does). The preferences are the person's own, or an admin's to set for
// them, as their out-of-office is.

// NotifyRecords is the notification center's part of the records.
type NotifyRecords interface {
	// NotificationSettings is handle's time zone and the channels they chose.
	NotificationSettings(ctx context.Context, handle string) (domain.NotificationSettings, error)
	// SetNotificationSettings replaces them at once.
	SetNotificationSettings(ctx context.Context, handle string, s domain.NotificationSettings, at time.Time) error
	// MarkNotificationRead marks one of recipient's notifications read;
	// another's is domain.ErrNotFound.
	MarkNotificationRead(ctx context.Context, recipient string, id uint64, at time.Time) (domain.NotificationMark, error)
}

// markNotificationRead marks one of the caller's notifications read and
// answers their mark. Marking one read twice changes nothing.
func (s *Server) markNotificationRead(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		s.fail(c, domain.Invalid(domain.FieldProblem{Field: "id", Problem: "must be a notification ID: a positive whole number"}))
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	mark, err := s.records.MarkNotificationRead(ctx, caller(c).Handle, id, s.now())
	if err != nil {
		s.fail(c, recordErr(err, "notification", c.Param("id")))
		return
	}
	c.JSON(http.StatusOK, mark)
}

func (s *Server) notificationPreferences(c *gin.Context) {
	handle := c.Param("handle")
	if err := domain.CheckNotificationPreferences(domain.ActorOf(caller(c)), handle); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	settings, err := s.records.NotificationSettings(ctx, handle)
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	c.JSON(http.StatusOK, settings.Complete())
}

// preferencesRequest is the body of PUT .../notification-preferences: the
// whole of the preferences. A kind it does not name goes back to its default;
// without a time zone the person keeps theirs.
type preferencesRequest struct {
	TimeZone *string                                          `json:"time_zone"`
	Channels map[domain.NotificationKind]domain.NotifyChannel `json:"channels"`
}

func (s *Server) setNotificationPreferences(c *gin.Context) {
	handle := c.Param("handle")
	if err := domain.CheckNotificationPreferences(domain.ActorOf(caller(c)), handle); err != nil {
		s.fail(c, err)
		return
	}
	var req preferencesRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	current, err := s.records.NotificationSettings(ctx, handle)
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	next := domain.NotificationSettings{TimeZone: current.Complete().TimeZone, Channels: req.Channels}
	if req.TimeZone != nil {
		next.TimeZone = *req.TimeZone
	}
	if err := next.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) {
		return
	}
	if err := s.records.SetNotificationSettings(ctx, handle, next, s.now()); err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	c.JSON(http.StatusOK, next.Complete())
}
