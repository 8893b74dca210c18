package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// CalendarRecords is the calendar's part of the records (store/calendar.go).
type CalendarRecords interface {
	// Calendar answers the entries of f, in time order, in one query.
	Calendar(ctx context.Context, f domain.CalendarFilter) (domain.Calendar, error)
	// CreateFeed makes a new feed link for handle's scope, replacing the one it
	// had, and returns its secret, shown this once.
	CreateFeed(ctx context.Context, handle string, scope domain.FeedScope, now time.Time) (string, domain.Feed, error)
	// Feeds lists handle's feed links, without their secrets.
	Feeds(ctx context.Context, handle string) ([]domain.Feed, error)
	// FeedByToken finds the link a secret opens; anything else is
	// domain.ErrNotFound.
	FeedByToken(ctx context.Context, token string) (domain.Feed, error)
}

// feedPath is where a feed is fetched, its secret appended (and ".ics", which
// some calendar applications look for in an address).
const feedPath = "/api/v1/calendar/feeds/"

// Each feed's budget: calendar applications fetch a subscription every few
// minutes to every few hours, so a burst of 10, then one every 30 seconds,
// leaves room for a person trying the link while nothing can hammer the
// database through a leaked one.
const (
	feedPerSecond = 1.0 / 30
	feedBurst     = 10
)

// newFeedLimiter returns the feeds' limiter, or nil when cfg disables the
// API's limit (the tests, the bench).
func newFeedLimiter(cfg RateLimit) *rateLimiter {
	if newRateLimiter(cfg) == nil {
		return nil
	}
	return newLimiter(RateLimit{PerSecond: feedPerSecond, Burst: feedBurst}, 0, 0)
}

func (s *Server) calendarRoutes(v1 *gin.RouterGroup) {
	v1.GET("/calendar", s.calendar)
	v1.GET("/calendar/feeds", s.listFeeds)
	v1.POST("/calendar/feeds", s.createFeed)
	// The feed itself is outside the authenticated group: a calendar
	// application fetching it has only the secret in its address.
	s.engine.GET(feedPath+":token", s.calendarFeed)
}

// calendarEntry is one entry of the calendar as the API answers it.
type calendarEntry struct {
	Kind      domain.CalendarKind `json:"kind"`
	At        time.Time           `json:"at"`
	End       *time.Time          `json:"end,omitempty"`
	Title     string              `json:"title"`
	Process   domain.Process      `json:"process,omitempty"`
	ProcessID string              `json:"process_id,omitempty"`
	TaskID    string              `json:"task_id,omitempty"`
	TaskKind  domain.TaskKind     `json:"task_kind,omitempty"`
	Status    domain.TaskStatus   `json:"status,omitempty"`
	Team      domain.Team         `json:"team,omitempty"`
	Person    string              `json:"person,omitempty"`
	Audience  string              `json:"audience,omitempty"`
	Overlaps  bool                `json:"overlaps"`
}

func calendarEntryOf(e domain.CalendarEntry) calendarEntry {
	out := calendarEntry{
		Kind: e.Kind, At: e.At, Title: e.Title, Process: e.Process, ProcessID: e.ProcessID, TaskID: e.TaskID,
		TaskKind: e.TaskKind, Status: e.Status, Team: e.Team, Person: e.Person, Audience: e.Audience, Overlaps: e.Overlaps,
	}
	if !e.End.IsZero() {
		out.End = &e.End
	}
	return out
}

// calendarBody is the answer of GET /calendar.
type calendarBody struct {
	From    time.Time       `json:"from"`
	To      time.Time       `json:"to"`
	Entries []calendarEntry `json:"entries"`
	// Truncated says the range held more than domain.MaxCalendarEntries.
	Truncated bool `json:"truncated"`
	// OverlapWindow is how close launches to one audience are marked at.
	OverlapWindow domain.Duration `json:"overlap_window"`
}

// calendar answers the dated things of a range. Everyone signed in may read it:
// it holds only what the lists show everyone (titles, times, teams, who holds
// what), never a hiring request's confidential parts nor a task's description.
func (s *Server) calendar(c *gin.Context) {
	var p domain.Problems
	f := domain.CalendarFilter{
		Team:    enumParam(c, &p, "team", domain.Teams),
		Process: enumParam(c, &p, "process", processes),
		Person:  c.Query("person"),
	}
	if f.Person == "me" {
		f.Person = caller(c).Handle
	} else if f.Person != "" && !handlePattern.MatchString(f.Person) {
		p.Add("person", "must be a handle, or me")
	}
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v, ok := c.GetQuery(b.name); ok {
			*b.t = parseTime(&p, b.name, v)
		}
	}
	if err := p.Err(); err != nil {
		s.fail(c, err)
		return
	}
	if err := f.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cal, err := s.records.Calendar(ctx, f)
	if err != nil {
		s.fail(c, fmt.Errorf("calendar: %w", err))
		return
	}
	c.JSON(http.StatusOK, calendarBody{From: f.From, To: f.To, Entries: nonNil(each(cal.Entries, calendarEntryOf)), Truncated: cal.Truncated,
		OverlapWindow: domain.Duration(domain.OverlapWindow)})
}

// feedItem is one of the caller's feed links, without its secret.
type feedItem struct {
	Team      domain.Team `json:"team,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
}

// feedsBody is the answer of GET /calendar/feeds.
type feedsBody struct {
	Items []feedItem `json:"items"`
}

func (s *Server) listFeeds(c *gin.Context) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	feeds, err := s.records.Feeds(ctx, caller(c).Handle)
	if err != nil {
		s.fail(c, fmt.Errorf("feeds: %w", err))
		return
	}
	c.JSON(http.StatusOK, feedsBody{Items: nonNil(each(feeds, func(f domain.Feed) feedItem { return feedItem{Team: f.Scope.Team, CreatedAt: f.CreatedAt} }))})
}

// createFeedRequest asks for a new feed link: of the caller's own work, or of
// a team's.
type createFeedRequest struct {
	Team domain.Team `json:"team,omitempty"`
}

// createFeedResponse is a new feed link: its secret and path, shown this once.
type createFeedResponse struct {
	Team      domain.Team `json:"team,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	Token     string      `json:"token"`
	Path      string      `json:"path"`
}

// createFeed makes the caller a new feed link, replacing the one they had for
// the same scope, whose address then answers 404: the way to stop a link that
// leaked. Anyone may have a team's feed: a team's calendar is readable by all.
func (s *Server) createFeed(c *gin.Context) {
	var req createFeedRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Team != "" && !req.Team.Valid() {
		s.fail(c, domain.Invalid(domain.FieldProblem{Field: "team", Problem: "must be a team, or left out for your own work"}))
		return
	}
	if s.undocumented(c) {
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	me := caller(c)
	tok, feed, err := s.records.CreateFeed(ctx, me.Handle, domain.FeedScope{Team: req.Team}, s.now())
	if err != nil {
		s.fail(c, fmt.Errorf("create feed for %s: %w", me.Handle, err))
		return
	}
	// no-store: the link is a secret, not for a proxy's or browser's cache.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createFeedResponse{Team: feed.Scope.Team, CreatedAt: feed.CreatedAt, Token: tok, Path: feedPath + tok + ".ics"})
}

// maxFeedToken bounds a feed secret read from a path: the store's are 47
// characters.
const maxFeedToken = 128

// calendarFeed answers a feed link with an iCalendar document (RFC 5545) of
// its person's work, or of its team's, from FeedPast before now to FeedFuture
// after. The secret in the address is the only credential: an unknown one is
// 404 and spends the client address's budget of refused requests, as a bad
// token does; a known one has a budget of its own (feedBurst, feedPerSecond).
func (s *Server) calendarFeed(c *gin.Context) {
	addr := addressKey(c.ClientIP())
	if s.addresses != nil {
		if wait := s.addresses.wait(addr); wait > 0 {
			retryAfter(c, wait)
			s.fail(c, errAddressLimited())
			return
		}
	}
	token := strings.TrimSuffix(c.Param("token"), ".ics")
	ctx, cancel := s.ctx(c)
	defer cancel()
	var feed domain.Feed
	err := domain.NotFoundf("feed")
	if len(token) <= maxFeedToken && plainText(token) {
		feed, err = s.records.FeedByToken(ctx, token)
	}
	if errors.Is(err, domain.ErrNotFound) {
		if s.addresses != nil {
			s.addresses.spend(addr)
		}
		s.fail(c, domain.NotFoundf("no calendar feed at this address: its link was replaced by a new one, or never was"))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("calendar feed: %w", err))
		return
	}
	if s.feeds != nil {
		if wait := s.feeds.take(sha256.Sum256([]byte("feed " + token))); wait > 0 {
			retryAfter(c, wait)
			s.fail(c, errRateLimited())
			return
		}
	}
	doc, err := s.feedDocument(ctx, feed, s.now())
	if err != nil {
		s.fail(c, fmt.Errorf("calendar feed of %s: %w", feed.Handle, err))
		return
	}
	// private: the document is one person's; a shared cache must not keep it.
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(doc))
}

// feedDocument is feed's iCalendar document at now. People are named as the
// board names them: the person's own feed names them alone; a team's names
// its members, read in one page of the directory.
func (s *Server) feedDocument(ctx context.Context, feed domain.Feed, now time.Time) (string, error) {
	me, err := s.records.Person(ctx, feed.Handle)
	if err != nil {
		return "", err
	}
	f := domain.CalendarFilter{From: now.Add(-domain.FeedPast), To: now.Add(domain.FeedFuture), Person: me.Handle}
	names := map[string]string{me.Handle: me.Name}
	title := "Tandem: " + me.Name
	if t := feed.Scope.Team; t != "" {
		f.Person, f.Team, title = "", t, "Tandem: team "+string(t)
		members, err := s.records.People(ctx, domain.PeopleFilter{Team: t, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}})
		if err != nil {
			return "", err
		}
		for _, p := range members.Items {
			names[p.Handle] = p.Name
		}
	}
	cal, err := s.records.Calendar(ctx, f)
	if err != nil {
		return "", err
	}
	return feedCalendar(title, cal.Entries, names, now).Serialize(), nil
}

// feedCalendar writes entries as iCalendar events: instants in UTC, a hire's
// needed-by day as an all-day event (it is a date, kept as its UTC midnight),
// an out-of-office window from its start to its end. UIDs are stable per
// entry, so a calendar application updates an event when its time moves.
func feedCalendar(title string, entries []domain.CalendarEntry, names map[string]string, now time.Time) *ics.Calendar {
	cal := ics.NewCalendarFor("Tandem")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(title)
	cal.SetXWRCalName(title)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	name := func(handle string) string {
		if n := names[handle]; n != "" {
			return n
		}
		return handle
	}
	for _, e := range entries {
		var ev *ics.VEvent
		switch e.Kind {
		case domain.CalendarLaunch:
			ev = cal.AddEvent("launch-" + e.ProcessID + "@tandem")
			summary := "Launch: " + e.Title
			if e.Overlaps {
				summary += " (another launch to the same audience within a week)"
			}
			ev.SetSummary(summary)
			ev.SetStartAt(e.At)
		case domain.CalendarTaskDue:
			ev = cal.AddEvent("task-" + e.TaskID + "@tandem")
			summary := "Due: " + e.Title
			if e.Status == domain.TaskDone {
				summary = "Done: " + e.Title
			}
			if e.Person != "" {
				summary += " (" + name(e.Person) + ")"
			}
			ev.SetSummary(summary)
			ev.SetStartAt(e.At)
		case domain.CalendarHireNeeded:
			ev = cal.AddEvent("hire-" + e.ProcessID + "@tandem")
			ev.SetSummary("Hire needed by: " + e.Title)
			day := e.At.UTC()
			ev.SetAllDayStartAt(day)
			ev.SetAllDayEndAt(day.AddDate(0, 0, 1))
		case domain.CalendarRiskResponse:
			ev = cal.AddEvent("risk-response-" + e.ProcessID + "@tandem")
			ev.SetSummary("Risk response due: " + e.Title)
			ev.SetStartAt(e.At)
		case domain.CalendarOutOfOffice:
			ev = cal.AddEvent(fmt.Sprintf("ooo-%s-%d@tandem", e.Person, e.At.Unix()))
			ev.SetSummary(name(e.Person) + " out of office")
			ev.SetStartAt(e.At)
			ev.SetEndAt(e.End)
		default:
			continue
		}
		ev.SetDtStampTime(now)
		ev.AddCategory(string(e.Kind))
	}
	return cal
}
