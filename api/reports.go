package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// ReportRecords is the read side of the reports: aggregates the database computes.
type ReportRecords interface {
	Overview(ctx context.Context, w domain.ReportWindow, now time.Time) (domain.Overview, error)
	// Workload counts the open tasks per person and per team as of now, with those
	// due in [now, now+dueSoon) due soon.
	Workload(ctx context.Context, now time.Time, dueSoon time.Duration) (domain.Workload, error)
}

// defaultReportWindow is the window when the request names none: the last 30 days.
const defaultReportWindow = 30 * 24 * time.Hour

// readsReports answers 403 and reports false unless the caller is a report reader.
func (s *Server) readsReports(c *gin.Context) bool {
	if err := domain.CheckReadReports(domain.ActorOf(caller(c))); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}

// reportOverview answers the overview report over ?from= and ?to= (RFC 3339).
func (s *Server) reportOverview(c *gin.Context) {
	if !s.readsReports(c) {
		return
	}
	now := s.now().UTC()
	w, err := reportWindow(c, now)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	o, err := s.records.Overview(ctx, w, now)
	if err != nil {
		s.fail(c, fmt.Errorf("overview report: %w", err))
		return
	}
	// Lists are always arrays in answers, never null, so clients need no nil checks.
	o.OpenProcesses = nonNil(o.OpenProcesses)
	o.OverdueTasks = nonNil(o.OverdueTasks)
	o.ApprovalCycleTimes = nonNil(o.ApprovalCycleTimes)
	o.EscalatedTasks = nonNil(o.EscalatedTasks)
	o.RisksRaised = nonNil(o.RisksRaised)
	o.KPIAttainment.Campaigns = nonNil(o.KPIAttainment.Campaigns)
	o.KPIAttainment.TemplateRuns = nonNil(o.KPIAttainment.TemplateRuns)
	c.JSON(http.StatusOK, o)
}

// reportWindow reads ?from= and ?to=. A missing to is now; a missing from is
// defaultReportWindow before to.
func reportWindow(c *gin.Context, now time.Time) (domain.ReportWindow, error) {
	var p domain.Problems
	w := domain.ReportWindow{To: now}
	if v, ok := c.GetQuery("to"); ok {
		w.To = parseTime(&p, "to", v)
	}
	w.From = w.To.Add(-defaultReportWindow)
	if v, ok := c.GetQuery("from"); ok {
		w.From = parseTime(&p, "from", v)
	}
	if err := p.Err(); err != nil {
		return w, err
	}
	return w, w.Check()
}

// reportWorkload answers the workload report as of now: open tasks per person and
// per team, with ?due_soon_within= (a Go duration, default 48h) the horizon of due soon.
func (s *Server) reportWorkload(c *gin.Context) {
	if !s.readsReports(c) {
		return
	}
	dueSoon := domain.DefaultDueSoon
	if v, ok := c.GetQuery("due_soon_within"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			s.fail(c, domain.Invalid(domain.FieldProblem{Field: "due_soon_within", Problem: "must be a duration like 48h or 168h"}))
			return
		}
		dueSoon = d
	}
	if err := domain.CheckDueSoon(dueSoon); err != nil {
		s.fail(c, err)
		return
	}
	win, err := readPeopleWindow(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	w, err := s.records.Workload(ctx, s.now().UTC(), dueSoon)
	if err != nil {
		s.fail(c, fmt.Errorf("workload report: %w", err))
		return
	}
	w.People, w.PeopleTotal = windowOf(w.People, win, func(p domain.PersonLoad) domain.Team { return p.Team })
	w.Teams = nonNil(w.Teams)
	c.JSON(http.StatusOK, w)
}

// peopleWindow is which people a report that lists them answers: those of
// ?team= (every team without it), from the ?offset=-th in the report's order
// on, at most ?limit= of them (all without it). The report is computed whole,
// as its team rows sum every person; only the answer is cut, so a board page
// draws a page of people rather than 2,000 (`tandem bench`, plan pages).
type peopleWindow struct {
	team          domain.Team
	limit, offset int
}

func readPeopleWindow(c *gin.Context) (peopleWindow, error) {
	var p domain.Problems
	w := peopleWindow{team: enumParam(c, &p, "team", domain.Teams)}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > domain.MaxLimit {
			p.Add("limit", "must be a whole number from 1 to %d", domain.MaxLimit)
		}
		w.limit = n
	}
	if v, ok := c.GetQuery("offset"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			p.Add("offset", "must be a whole number, 0 or more")
		}
		w.offset = n
	}
	return w, p.Err()
}

// windowOf cuts people to w, keeping their order, and answers how many there
// are of w's team; never nil.
func windowOf[T any](people []T, w peopleWindow, team func(T) domain.Team) ([]T, int) {
	if w.team != "" {
		var mine []T
		for _, x := range people {
			if team(x) == w.team {
				mine = append(mine, x)
			}
		}
		people = mine
	}
	total := len(people)
	people = people[min(w.offset, total):]
	if w.limit > 0 && len(people) > w.limit {
		people = people[:w.limit]
	}
	return nonNil(people), total
}
