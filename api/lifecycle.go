package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// A person's lifecycle (issue 16). An admin disables someone who left:
//
//   - at once, in one transaction, their sessions and API tokens are revoked,
//     and from then on nothing of theirs resolves (the store refuses a
//     disabled person's token or session even if one escaped the revoking),
//     so their next request answers 401;
//   - their open assigned tasks go back, each through its workflow (the
//     release-task update, sent as the system actor, domain.SystemActor): to
//     the task's queue, its team and role, when someone active other than
//     them may take it from there; else to their manager, when the manager is
//     active and may take it (not the one who raised what an approval
//     decides: separation of duties holds); else the task stays and the
//     answer says so, for an admin to reassign it by hand;
//   - their history stays: the person's row, their tasks done, timelines and
//     the audit trail keep their handle.
//
// The disabling stands whatever Temporal does. Each move's update ID derives
// from the person, when they were disabled and the task, so disabling again
// (the route is idempotent) retries the moves that failed and never moves a
// task twice: Temporal answers an update it has seen by its ID, the workflow
// refuses one it applied, and a task that someone else holds by then stays
// where it is. The answer lists every open task found and what became of it.

// maxReleaseWait bounds how long one move may wait for its workflow, so a few
// slow ones leave time for the rest within the request's deadline.
const maxReleaseWait = 4 * time.Second

// The outcomes of a move, in the disable answer.
const (
	releaseMoved   = "moved"   // the workflow gave the task back
	releasePending = "pending" // Temporal has the move; no worker has applied it yet
	releaseFailed  = "failed"  // Temporal was not reached in time: disable again to retry
	releaseStays   = "stays"   // nobody active may take it, or it is no longer theirs: see message
)

// taskRelease is what became of one open task of a disabled person.
type taskRelease struct {
	TaskID    string `json:"task_id"`
	ProcessID string `json:"process_id"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	Assignee  string `json:"assignee,omitempty"` // who holds it now, when a person
	Team      string `json:"team,omitempty"`     // the queue it is back in, when a queue
	Role      string `json:"role,omitempty"`
	Message   string `json:"message,omitempty"`
}

// disabledAnswer is the answer of POST /people/{handle}/disable.
type disabledAnswer struct {
	Person  domain.Person  `json:"person"`
	Revoked domain.Revoked `json:"revoked"`
	Tasks   []taskRelease  `json:"tasks"`
}

// disablePerson disables a person and gives their open tasks back.
func (s *Server) disablePerson(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	handle := c.Param("handle")
	if handle == caller(c).Handle {
		s.fail(c, domain.Conflictf("you cannot disable yourself: another admin must"))
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if s.undocumented(c) {
		return
	}
	p, revoked, err := s.records.DisablePerson(ctx, handle, s.now())
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	moves, err := s.releaseTasks(ctx, p, s.auditEntry(c))
	if err != nil {
		// The disabling stands; what could not be read is retried by disabling again.
		_ = c.Error(err)
		moves = append(moves, taskRelease{Status: releaseFailed, Message: "the open tasks could not all be read: disable again to give them back"})
	}
	moved := 0
	for _, m := range moves {
		if m.Status == releaseMoved || m.Status == releasePending {
			moved++
		}
	}
	c.Set(auditNoteKey, fmt.Sprintf("disabled; %d sessions and %d tokens revoked; %d of %d open tasks given back", revoked.Sessions, revoked.Tokens, moved, len(moves)))
	c.JSON(http.StatusOK, disabledAnswer{Person: p, Revoked: revoked, Tasks: moves})
}

// enablePerson makes a disabled person active again. Nothing of what the
// disabling ended comes back: they sign in afresh, and get new tokens.
func (s *Server) enablePerson(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	handle := c.Param("handle")
	ctx, cancel := s.ctx(c)
	defer cancel()
	if s.undocumented(c) {
		return
	}
	p, err := s.records.EnablePerson(ctx, handle)
	if err != nil {
		s.fail(c, recordErr(err, "person", handle))
		return
	}
	c.JSON(http.StatusOK, p)
}

// releaseTasks gives back every open task assigned to p, who is disabled.
func (s *Server) releaseTasks(ctx context.Context, p domain.Person, audit domain.AuditEntry) ([]taskRelease, error) {
	var tasks []domain.Task
	f := domain.TaskFilter{Assignee: p.Handle, Status: domain.TaskOpen, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}}
	for {
		page, err := s.records.Tasks(ctx, f)
		if err != nil {
			return s.releaseEach(ctx, p, tasks, audit), fmt.Errorf("open tasks of %s: %w", p.Handle, err)
		}
		tasks = append(tasks, page.Items...)
		if page.NextCursor == "" {
			return s.releaseEach(ctx, p, tasks, audit), nil
		}
		f.Cursor = page.NextCursor
	}
}

func (s *Server) releaseEach(ctx context.Context, p domain.Person, tasks []domain.Task, audit domain.AuditEntry) []taskRelease {
	out := make([]taskRelease, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, s.releaseTask(ctx, p, t, audit))
	}
	return out
}

// releaseTask gives back one task of p, who is disabled. audit is the disable
// request's audit entry: each move is a command of its own to the task's
// process, which writes its entry (object the task) with the move.
func (s *Server) releaseTask(ctx context.Context, p domain.Person, t domain.Task, audit domain.AuditEntry) taskRelease {
	r := taskRelease{TaskID: t.ID, ProcessID: t.ProcessID, Title: t.Title}
	if ctx.Err() != nil {
		r.Status, r.Message = releaseFailed, "not tried within the request's time: disable again to give it back"
		return r
	}
	to, why, err := s.releaseTarget(ctx, p, t)
	if err != nil {
		r.Status, r.Message = releaseFailed, "the directory could not be read: disable again to give it back"
		return r
	}
	if why != "" {
		r.Status, r.Message = releaseStays, why+": an admin reassigns it (POST /api/v1/tasks/"+t.ID+"/reassign)"
		return r
	}
	in := &contract.ReleaseTaskInput{TaskID: t.ID, Actor: domain.SystemActor(), From: p.Handle, Assignee: to,
		Reason: fmt.Sprintf("%s was disabled", p.Handle)}
	id := releaseID(p, t.ID)
	audit.Object, audit.Outcome, audit.Status = t.ID, domain.AuditAllowed, http.StatusOK
	audit.Reason = auditText(fmt.Sprintf("given back: %s was disabled", p.Handle))
	in.Bind(id, s.now(), audit)
	uctx, cancel := context.WithTimeout(ctx, maxReleaseWait)
	defer cancel()
	var moved domain.Task
	_, err = s.temporal.Update(uctx, UpdateRequest{WorkflowID: t.WorkflowID, Name: contract.UpdateReleaseTask, ID: id, Input: in}, &moved)
	if to == "" {
		r.Team, r.Role = string(t.Team), string(t.Role)
	} else {
		r.Assignee = to
	}
	switch {
	case err == nil:
		r.Status = releaseMoved
	case errors.Is(err, errAdmitted):
		r.Status, r.Message = releasePending, "Temporal has the move; it is applied when a worker runs"
	case domain.Code(err) == domain.CodeConflict || domain.Code(err) == domain.CodeNotFound:
		// Moved already (a retry), closed, or taken by someone since: it stays
		// where it is, which is not with the person disabled.
		r.Team, r.Role, r.Assignee = "", "", ""
		r.Status, r.Message = releaseStays, publicMessage(err, domain.ErrConflict)
	default:
		r.Status, r.Message = releaseFailed, "Temporal was not reached in time: disable again to give it back"
	}
	return r
}

// releaseTarget picks where p's task t goes: "" for its queue, else a
// handle. A non-empty why says it stays, and why.
func (s *Server) releaseTarget(ctx context.Context, p domain.Person, t domain.Task) (to, why string, err error) {
	queue := t
	queue.Assignee = ""
	if t.Role != "" {
		team := domain.Team("")
		if domain.TeamBound(t.Role) {
			team = t.Team
		}
		f := domain.PeopleFilter{Role: t.Role, Team: team, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}}
		for {
			page, err := s.records.People(ctx, f)
			if err != nil {
				return "", "", err
			}
			for _, q := range page.Items {
				if q.Active() && q.Handle != p.Handle && queue.CheckEligible(domain.ActorOf(q)) == nil {
					return "", "", nil
				}
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
	}
	if p.Manager == "" {
		return "", "nobody else active may take it, and " + p.Handle + " has no manager", nil
	}
	mgr, err := s.records.Person(ctx, p.Manager)
	if errors.Is(err, domain.ErrNotFound) {
		return "", "nobody else active may take it, and " + p.Handle + "'s manager is not in the directory", nil
	}
	if err != nil {
		return "", "", err
	}
	if !mgr.Active() {
		return "", "nobody else active may take it, and " + p.Handle + "'s manager, " + mgr.Handle + ", is disabled too", nil
	}
	held := t
	held.Assignee = mgr.Handle
	if err := held.CheckEligible(domain.ActorOf(mgr)); err != nil {
		return "", "nobody else active may take it, nor " + p.Handle + "'s manager: " + publicMessage(err, domain.ErrForbidden), nil
	}
	return mgr.Handle, "", nil
}

// releaseID is the update ID of giving back task of p: the same for every
// retry of one disabling, another for a later disabling of the same person.
func releaseID(p domain.Person, taskID string) string {
	var at string
	if p.DisabledAt != nil {
		at = p.DisabledAt.UTC().Format(time.RFC3339Nano)
	}
	sum := sha256.Sum256([]byte("release-task\x00" + p.Handle + "\x00" + at + "\x00" + taskID))
	return commandPrefix + hex.EncodeToString(sum[:16])
}
