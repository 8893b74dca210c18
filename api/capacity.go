package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// Estimates, actuals and capacity (issue 20): a task's estimate is changed by
// a command (the estimate-task update), a person's weekly hours are the
// API's own write, and the estimate and capacity reports are SQL over the
// records, one query each.

// CapacityRecords is the records' side of estimates and capacity.
type CapacityRecords interface {
	// EstimateReport answers estimated against actual hours of the tasks done
	// over the last quarters, as of now.
	EstimateReport(ctx context.Context, now time.Time) (domain.EstimateReport, error)
	// Capacity answers the planned hours of open tasks against people's
	// hours, per week, as of now; defaultWeekly is the policy's weekly hours.
	Capacity(ctx context.Context, now time.Time, defaultWeekly float64) (domain.Capacity, error)
	// SetWeeklyHours sets a person's own weekly hours; nil goes back to the
	// policy's. An unknown person is domain.ErrNotFound.
	SetWeeklyHours(ctx context.Context, handle string, hours *float64) (domain.Person, error)
}

var cmdEstimateTask = newKind[contract.EstimateTaskInput, *contract.EstimateTaskInput, domain.Task]("estimate-task", "task", contract.UpdateEstimateTask, answerTask)

// estimateTaskRequest is the body of POST /tasks/{id}/estimate.
type estimateTaskRequest struct {
	Hours  *float64 `json:"hours"`
	Reason string   `json:"reason"`
}

// estimateTask changes an open task's estimate. Who may (the process's
// managers, admins) is the workflow's to decide: only it knows the managers.
func (s *Server) estimateTask(c *gin.Context) {
	var req estimateTaskRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.command(c, cmdEstimateTask, c.Param("id"), raw, func(ctx context.Context) (string, commandInput, error) {
		var p domain.Problems
		if req.Hours == nil {
			p.Add("hours", "required")
		} else {
			domain.CheckTaskHours(&p, "hours", *req.Hours)
		}
		domain.CheckText(&p, "reason", req.Reason, domain.MaxCommentChars)
		if err := p.Err(); err != nil {
			return "", nil, err
		}
		t, err := s.loadTask(ctx, c)
		if err != nil {
			return "", nil, err
		}
		if !t.IsOpen() {
			return "", nil, domain.Conflictf("task %s is %s", t.ID, t.Status)
		}
		return t.WorkflowID, &contract.EstimateTaskInput{TaskID: t.ID, Actor: domain.ActorOf(caller(c)), Hours: *req.Hours, Reason: req.Reason}, nil
	})
}

// weeklyHoursRequest is the body of PUT /people/{handle}/weekly-hours: null
// goes back to the policy's.
type weeklyHoursRequest struct {
	WeeklyHours *float64 `json:"weekly_hours"`
}

// setWeeklyHours sets a person's weekly hours: admins, and the person's manager.
func (s *Server) setWeeklyHours(c *gin.Context) {
	handle := c.Param("handle")
	var req weeklyHoursRequest
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
	if err := domain.CheckSetWeeklyHours(person, domain.ActorOf(caller(c))); err != nil {
		s.fail(c, err)
		return
	}
	if req.WeeklyHours != nil {
		var p domain.Problems
		domain.CheckWeeklyHours(&p, "weekly_hours", *req.WeeklyHours)
		if err := p.Err(); err != nil {
			s.fail(c, err)
			return
		}
	}
	if s.undocumented(c) {
		return
	}
	person, err = s.records.SetWeeklyHours(ctx, handle, req.WeeklyHours)
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	c.JSON(http.StatusOK, person)
}

// reportEstimates answers estimated against actual hours, per team and kind
// of task, over the last four quarters.
func (s *Server) reportEstimates(c *gin.Context) {
	if !s.readsReports(c) {
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	r, err := s.records.EstimateReport(ctx, s.now().UTC())
	if err != nil {
		s.fail(c, fmt.Errorf("estimate report: %w", err))
		return
	}
	// Lists are always arrays in answers, never null.
	r.Quarters, r.Teams, r.Kinds = nonNil(r.Quarters), nonNil(r.Teams), nonNil(r.Kinds)
	r.Overall.ByQuarter = nonNil(r.Overall.ByQuarter)
	c.JSON(http.StatusOK, r)
}

// reportCapacity answers planned hours against capacity, per person, team
// and week, for the next four weeks.
func (s *Server) reportCapacity(c *gin.Context) {
	if !s.readsReports(c) {
		return
	}
	win, err := readPeopleWindow(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	r, err := s.records.Capacity(ctx, s.now().UTC(), s.policy.Capacity.WeeklyHours)
	if err != nil {
		s.fail(c, fmt.Errorf("capacity report: %w", err))
		return
	}
	r.People, r.PeopleTotal = windowOf(r.People, win, func(p domain.PersonCapacity) domain.Team { return p.Team })
	r.Weeks, r.Teams = nonNil(r.Weeks), nonNil(r.Teams)
	c.JSON(http.StatusOK, r)
}

// reassignBody is a reassigned or added task with what the command should
// make its sender think twice about: not a refusal, the task has moved (or is
// there).
type reassignBody struct {
	taskBody
	Warnings []warningBody `json:"warnings,omitempty"`
}

// warningBody is one warning of a command that succeeded.
type warningBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Over capacity: whose week, from when, planned against capacity, and
	// the people of the task's team with room that week, most room first.
	Person        string     `json:"person,omitempty"`
	WeekStart     *time.Time `json:"week_start,omitempty"`
	PlannedHours  float64    `json:"planned_hours,omitempty"`
	CapacityHours float64    `json:"capacity_hours,omitempty"`
	WithRoom      []roomBody `json:"with_room,omitempty"`
}

// roomBody is a person with room in a week.
type roomBody struct {
	Handle    string  `json:"handle"`
	Name      string  `json:"name"`
	FreeHours float64 `json:"free_hours"`
}

// warnOverCapacity is the warning when the task's new assignee is over
// capacity in the week it is due (the capacity report's figures, this task
// counted), or nil. A task due after the report's weeks, or a report that
// cannot be read, warns of nothing: the reassignment (or the task added) is
// done either way.
func (s *Server) warnOverCapacity(ctx context.Context, t domain.Task) *warningBody {
	if t.Assignee == "" {
		return nil
	}
	cp, err := s.records.Capacity(ctx, s.now().UTC(), s.policy.Capacity.WeeklyHours)
	if err != nil {
		slog.WarnContext(ctx, "capacity for an assignment's warning", "task", t.ID, "err", err)
		return nil
	}
	w := cp.WeekOf(t.DueAt)
	if w < 0 {
		return nil
	}
	for _, p := range cp.People {
		if p.Handle != t.Assignee || !p.Weeks[w].Over {
			continue
		}
		start := cp.Weeks[w]
		warn := &warningBody{
			Code: "over_capacity", Person: p.Handle, WeekStart: &start,
			PlannedHours: p.Weeks[w].PlannedHours, CapacityHours: p.Weeks[w].CapacityHours, WithRoom: []roomBody{},
			Message: fmt.Sprintf("%s has %gh planned against %gh of capacity in the week of %s", p.Handle,
				p.Weeks[w].PlannedHours, p.Weeks[w].CapacityHours, start.Format("2 January 2006")),
		}
		for _, r := range cp.Room(t.Team, w, t.Assignee) {
			warn.WithRoom = append(warn.WithRoom, roomBody{Handle: r.Handle, Name: r.Name, FreeHours: r.Weeks[w].CapacityHours - r.Weeks[w].PlannedHours})
		}
		return warn
	}
	return nil
}

// answerReassign answers the reassigned task, with a warning when its new
// assignee is over capacity.
func answerReassign(s *Server, c *gin.Context, _ domain.SentCommand, _ *contract.ReassignTaskInput, t *domain.Task) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	out := reassignBody{taskBody: taskOf(*t)}
	if w := s.warnOverCapacity(ctx, *t); w != nil {
		out.Warnings = []warningBody{*w}
	}
	c.JSON(http.StatusOK, out)
}

// answerAddTask answers the task added to a campaign (201, with where it is),
// with a warning when it was given to someone over capacity, as a
// reassignment to them would be.
func answerAddTask(s *Server, c *gin.Context, _ domain.SentCommand, _ *contract.AddTaskInput, t *domain.Task) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	out := reassignBody{taskBody: taskOf(*t)}
	if w := s.warnOverCapacity(ctx, *t); w != nil {
		out.Warnings = []warningBody{*w}
	}
	c.Header("Location", "/api/v1/tasks/"+t.ID)
	c.JSON(http.StatusCreated, out)
}
