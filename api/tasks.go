package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// listTasks is the inbox: tasks by assignee (me or a handle), team, role, status and
// process, one indexed query on the records; oldest first, or soonest due first
// (?order=due). With ?counts=true the answer also says how many tasks the whole
// list holds and how many are overdue, so a client draws one page and says how
// long the list is without reading it all.
func (s *Server) listTasks(c *gin.Context) {
	var p domain.Problems
	f := domain.TaskFilter{
		Assignee:  c.Query("assignee"),
		Team:      enumParam(c, &p, "team", domain.Teams),
		Role:      enumParam(c, &p, "role", domain.Roles),
		Status:    enumParam(c, &p, "status", taskStatuses),
		Process:   enumParam(c, &p, "process", taskProcesses),
		ProcessID: c.Query("process_id"),
	}
	f.Unheld = boolParam(c, &p, "unheld")
	counts := boolParam(c, &p, "counts")
	switch c.Query("order") {
	case "", "created":
	case "due":
		f.ByDue = true
	default:
		p.Add("order", "must be created or due")
	}
	if f.Assignee == "me" {
		f.Assignee = caller(c).Handle
	}
	page, ok := listPage(s, c, p, "tasks", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Task], error) {
		f.ListOptions = o
		return s.records.Tasks(ctx, f)
	})
	if !ok {
		return
	}
	page.Items = fitRecords(page.Items)
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.hideHiringTasks(ctx, domain.ActorOf(caller(c)), page.Items); err != nil {
		s.fail(c, err)
		return
	}
	answer := taskList{Items: each(page.Items, taskOf), NextCursor: page.NextCursor}
	if counts {
		// The list itself leaves no task out (a hiring task the caller may not
		// read is listed with its description and data hidden), so neither do
		// its counts.
		f.ListOptions = domain.ListOptions{}
		n, err := s.records.TaskCounts(ctx, f, s.now())
		if err != nil {
			s.fail(c, fmt.Errorf("count tasks: %w", err))
			return
		}
		answer.Counts = &n
	}
	c.JSON(http.StatusOK, answer)
}

// taskList is GET /tasks's answer: a page, and with ?counts=true the counts of
// the whole list.
type taskList struct {
	Items      []taskBody         `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
	Counts     *domain.TaskCounts `json:"counts,omitempty"`
}

// boolParam reads a query parameter that is true or false, false when absent.
func boolParam(c *gin.Context, p *domain.Problems, name string) bool {
	switch c.Query(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	p.Add(name, "must be true or false")
	return false
}

// loadTask reads the {id} task; an ID that cannot be a task's is not found without
// asking the database.
func (s *Server) loadTask(ctx context.Context, c *gin.Context) (domain.Task, error) {
	id := c.Param("id")
	if !domain.HasPrefixID(id, domain.PrefixTask) {
		return domain.Task{}, domain.NotFoundf("task %s not found", id)
	}
	t, err := s.records.Task(ctx, id)
	if err != nil {
		return t, recordErr(err, "task", id)
	}
	return t, nil
}

func (s *Server) getTask(c *gin.Context) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.loadTask(ctx, c)
	if err != nil {
		s.fail(c, err)
		return
	}
	withForm(&t)
	t.OmitUnfitData()
	one := []domain.Task{t}
	if err := s.hideHiringTasks(ctx, domain.ActorOf(caller(c)), one); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, taskOf(one[0]))
}

// withForm gives an open task recorded before tasks had forms its kind's form,
// so it can be answered in the board like any other: the workflow checks the
// answer against the same form (it rebuilds its tasks, forms included, when it
// replays). What only the run fills in, such as the work a sign-off may send
// back, such a form lacks.
func withForm(t *domain.Task) {
	if t.Form == nil && t.IsOpen() {
		t.Form = domain.TaskForm(t.Process, t.Key)
	}
}

// completeTask answers a task. The caps on the comment and data, the outcome,
// then the data against the task's form are checked here, so bad input never
// reaches the workflow; who may complete it is the workflow validator's
// decision, made on the task as it is now rather than on a projection that may
// lag behind a reassignment. A task recorded without its form (from before
// forms) leaves the data to the validator, whose form has what the run filled in.
func (s *Server) completeTask(c *gin.Context) {
	var req completeTaskRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.command(c, cmdCompleteTask, c.Param("id"), raw, func(ctx context.Context) (string, commandInput, error) {
		completion := req.completion()
		var p domain.Problems
		completion.CheckLimits(&p)
		if err := p.Err(); err != nil {
			return "", nil, err
		}
		t, err := s.loadTask(ctx, c)
		if err != nil {
			return "", nil, err
		}
		if err := t.CheckOutcome(completion); err != nil {
			return "", nil, err
		}
		if t.Form != nil {
			if err := t.Form.Err(completion.Data, s.now()); err != nil {
				return "", nil, err
			}
		}
		actor, err := s.actorFor(ctx, caller(c), t)
		if err != nil {
			return "", nil, err
		}
		c.Set(auditOnBehalfKey, actor.OnBehalfOf)
		return t.WorkflowID, &contract.CompleteTaskInput{TaskID: t.ID, Actor: actor, Completion: completion}, nil
	})
}

// actorFor is the caller acting on task t: in their own name, or on behalf of the
// assignee whose out-of-office window covers now with the caller as delegate.
func (s *Server) actorFor(ctx context.Context, me domain.Person, t domain.Task) (domain.Actor, error) {
	actor := domain.ActorOf(me)
	if t.Assignee == "" || t.Assignee == me.Handle {
		return actor, nil
	}
	assignee, err := s.records.Person(ctx, t.Assignee)
	if errors.Is(err, domain.ErrNotFound) {
		return actor, nil // nobody to stand in for; the validator refuses a stranger
	}
	if err != nil {
		return actor, fmt.Errorf("load assignee %s: %w", t.Assignee, err)
	}
	if o := assignee.OutOfOffice; o.Covers(s.now()) && o.Delegate == me.Handle {
		actor.OnBehalfOf = assignee.Handle
	}
	return actor, nil
}

// reassignTask gives a task to another person, who must exist and be able to hold it.
func (s *Server) reassignTask(c *gin.Context) {
	var req reassignTaskRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.command(c, cmdReassignTask, c.Param("id"), raw, func(ctx context.Context) (string, commandInput, error) {
		var p domain.Problems
		domain.CheckText(&p, "reason", req.Reason, domain.MaxCommentChars)
		if err := p.Err(); err != nil {
			return "", nil, err
		}
		t, err := s.loadTask(ctx, c)
		if err != nil {
			return "", nil, err
		}
		if err := s.checkAssignee(ctx, t, req.Assignee); err != nil {
			return "", nil, err
		}
		return t.WorkflowID, &contract.ReassignTaskInput{TaskID: t.ID, Actor: domain.ActorOf(caller(c)), Assignee: req.Assignee, Reason: req.Reason}, nil
	})
}

// checkAssignee refuses a new assignee who does not exist, already holds the task,
// or could not complete it: without the task's role (in its team where the role is
// team-bound), or the person who raised what an approval decides.
func (s *Server) checkAssignee(ctx context.Context, t domain.Task, handle string) error {
	problem := func(format string, args ...any) error {
		return domain.Invalid(domain.FieldProblem{Field: "assignee", Problem: fmt.Sprintf(format, args...)})
	}
	if domain.Blank(handle) {
		return problem("required")
	}
	if handle == t.Assignee {
		return problem("the task is already assigned to %s", handle)
	}
	p, err := s.records.Person(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) {
		return problem("no person with handle %q", handle)
	}
	if err != nil {
		return fmt.Errorf("load assignee %s: %w", handle, err)
	}
	if !p.Active() {
		return problem("%s is disabled", handle)
	}
	unassigned := t
	unassigned.Assignee = ""
	err = unassigned.CheckEligible(domain.ActorOf(p))
	if errors.Is(err, domain.ErrForbidden) {
		return problem("%s", publicMessage(err, domain.ErrForbidden))
	}
	return err // nil, or a conflict: the task is no longer open
}
