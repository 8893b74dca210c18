package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tandemhq/tandem/domain"
)

// Comments: the conversation on a process and on its tasks (domain/comment.go).
// They are not commands: nothing a workflow decides reads them, so the API
// writes them to the records itself, with the notifications their mentions and
// replies send, and no workflow is asked. Whoever may see a process may read
// and write its comments; a hiring request's are for the people involved in it
// alone, as its confidential details are. A mention of someone who may not see
// the process is refused, naming them, and nothing is stored: a comment must not
// tell anyone that a process they may not read exists, nor what it says.

// CommentRecords is the comments' part of the records.
type CommentRecords interface {
	AddComment(ctx context.Context, c domain.Comment, notify []domain.Notification) (domain.Comment, error)
	Comment(ctx context.Context, id uint64) (domain.Comment, error)
	Comments(ctx context.Context, f domain.CommentFilter) (domain.Page[domain.Comment], error)
	EditComment(ctx context.Context, id uint64, editor, body string, at time.Time, notify []domain.Notification) (domain.Comment, error)
	DeleteComment(ctx context.Context, id uint64, who string, at time.Time) (domain.Comment, error)
}

// Each person may write commentBurst comments at once, then one every
// commentEvery: a busy discussion, never a flood of notifications.
const (
	commentBurst = 10
	commentEvery = 6 * time.Second
)

// newCommentLimiter is the per-person budget of comment writes, or nil when
// the API's rate limit is disabled (cfg).
func newCommentLimiter(cfg RateLimit) *rateLimiter {
	if newRateLimiter(cfg) == nil {
		return nil
	}
	return newLimiter(RateLimit{PerSecond: 1 / commentEvery.Seconds(), Burst: commentBurst}, 0, 0)
}

func (s *Server) commentRoutes(v1 *gin.RouterGroup) {
	for _, p := range []struct {
		path string
		kind domain.Process
	}{{"/campaigns", domain.ProcessCampaign}, {"/hiring-requests", domain.ProcessHiring}, {"/risks", domain.ProcessRisk}} {
		v1.GET(p.path+"/:id/comments", func(c *gin.Context) { s.listComments(c, p.kind) })
		v1.POST(p.path+"/:id/comments", func(c *gin.Context) { s.addComment(c, p.kind) })
	}
	v1.GET("/tasks/:id/comments", func(c *gin.Context) { s.listComments(c, "") })
	v1.POST("/tasks/:id/comments", func(c *gin.Context) { s.addComment(c, "") })
	v1.PATCH("/comments/:id", s.editComment)
	v1.DELETE("/comments/:id", s.deleteComment)
}

// commentBody is a comment as the API answers it.
type commentBody struct {
	ID        uint64     `json:"id"`
	Process   string     `json:"process"`
	ProcessID string     `json:"process_id"`
	TaskID    string     `json:"task_id,omitempty"`
	ParentID  uint64     `json:"parent_id,omitempty"`
	Author    string     `json:"author"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

func commentOf(c domain.Comment) commentBody {
	return commentBody{
		ID: c.ID, Process: string(c.Process), ProcessID: c.ProcessID, TaskID: c.TaskID, ParentID: c.ParentID,
		Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt, EditedAt: c.EditedAt, DeletedAt: c.DeletedAt,
	}
}

// commentRequest is the body of POST …/comments and PATCH /comments/{id}.
type commentRequest struct {
	Body string `json:"body"`
	// ParentID makes a new comment a reply (POST only).
	ParentID uint64 `json:"parent_id,omitempty"`
}

// conversation is the process a comment belongs to, as far as comments need
// it: what it is called in a notification, and who may read it.
type conversation struct {
	process   domain.Process
	processID string
	taskID    string
	name      string // the process's (or task's) name, for notifications
	// mayRead reports whether a person may see the process; nil means everyone
	// who may use the API.
	mayRead func(domain.Actor) bool
}

// conversationOf finds the process (or task, when kind is "") the path names
// and checks the caller may see it.
func (s *Server) conversationOf(ctx context.Context, c *gin.Context, kind domain.Process) (conversation, error) {
	if kind == "" {
		id := c.Param("id")
		t, err := s.records.Task(ctx, id)
		if err != nil {
			return conversation{}, recordErr(err, "task", id)
		}
		conv, err := s.processConversation(ctx, t.Process, t.ProcessID)
		if err != nil {
			return conversation{}, err
		}
		conv.taskID, conv.name = t.ID, fmt.Sprintf("task “%s”", t.Title)
		return conv, conv.check(domain.ActorOf(caller(c)))
	}
	prefix := map[domain.Process]string{
		domain.ProcessCampaign: domain.PrefixCampaign, domain.ProcessHiring: domain.PrefixHiring, domain.ProcessRisk: domain.PrefixRisk,
	}[kind]
	id, err := pathID(c, prefix, processWhat(kind))
	if err != nil {
		return conversation{}, err
	}
	conv, err := s.processConversation(ctx, kind, id)
	if err != nil {
		return conversation{}, err
	}
	return conv, conv.check(domain.ActorOf(caller(c)))
}

func processWhat(p domain.Process) string {
	if p == domain.ProcessHiring {
		return "hiring request"
	}
	return string(p)
}

// processConversation reads the record of process p id.
func (s *Server) processConversation(ctx context.Context, p domain.Process, id string) (conversation, error) {
	conv := conversation{process: p, processID: id}
	switch p {
	case domain.ProcessCampaign:
		rec, err := s.records.Campaign(ctx, id)
		if err != nil {
			return conv, recordErr(err, "campaign", id)
		}
		conv.name = fmt.Sprintf("campaign “%s”", rec.Brief.Name)
	case domain.ProcessRisk:
		rec, err := s.records.Risk(ctx, id)
		if err != nil {
			return conv, recordErr(err, "risk", id)
		}
		conv.name = fmt.Sprintf("risk “%s”", rec.Title)
	case domain.ProcessHiring:
		rec, err := s.records.HiringRequest(ctx, id)
		if err != nil {
			return conv, recordErr(err, "hiring request", id)
		}
		tasks, err := s.processTasks(ctx, domain.ProcessHiring, "hiring request", id)
		if err != nil {
			return conv, err
		}
		conv.name = fmt.Sprintf("hiring request “%s”", rec.Request.Title)
		conv.mayRead = func(a domain.Actor) bool { return rec.MayReadConfidentialWith(a, tasks) }
	default:
		return conv, fmt.Errorf("comments on a %q process", p)
	}
	return conv, nil
}

// check refuses a reader who may not see the conversation's process.
func (v conversation) check(a domain.Actor) error {
	if v.mayRead == nil || v.mayRead(a) {
		return nil
	}
	return domain.Forbiddenf("only the people involved in a hiring request may read or write its comments")
}

func (s *Server) listComments(c *gin.Context, kind domain.Process) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	conv, err := s.conversationOf(ctx, c, kind)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, ok := listPage(s, c, nil, "comments", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Comment], error) {
		return s.records.Comments(ctx, domain.CommentFilter{Process: conv.process, ProcessID: conv.processID, TaskID: conv.taskID, ListOptions: o})
	})
	if ok {
		c.JSON(http.StatusOK, domain.Page[commentBody]{Items: each(page.Items, commentOf), NextCursor: page.NextCursor})
	}
}

// spendComment takes one comment write from the caller's budget, answering
// 429 with Retry-After when it is spent.
func (s *Server) spendComment(c *gin.Context, who string) bool {
	if s.comments == nil {
		return true
	}
	if wait := s.comments.take(sha256.Sum256([]byte("comment\x00" + who))); wait > 0 {
		retryAfter(c, wait)
		s.fail(c, &requestError{status: http.StatusTooManyRequests, code: "rate_limited",
			message: "too many comments at once; retry after the number of seconds in Retry-After"})
		return false
	}
	return true
}

func (s *Server) addComment(c *gin.Context, kind domain.Process) {
	me := caller(c)
	var req commentRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	conv, err := s.conversationOf(ctx, c, kind)
	if err != nil {
		s.fail(c, err)
		return
	}
	var p domain.Problems
	domain.CheckCommentBody(&p, "body", req.Body)
	var parent domain.Comment
	if req.ParentID != 0 {
		parent, err = s.records.Comment(ctx, req.ParentID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			p.Add("parent_id", "no comment %d", req.ParentID)
		case err != nil:
			s.fail(c, fmt.Errorf("parent comment: %w", err))
			return
		case parent.Process != conv.process || parent.ProcessID != conv.processID || conv.taskID != "" && parent.TaskID != conv.taskID:
			p.Add("parent_id", "comment %d is not in this conversation", req.ParentID)
		case parent.ParentID != 0:
			p.Add("parent_id", "comment %d is a reply: replies are one level deep, reply to comment %d", req.ParentID, parent.ParentID)
		case parent.Deleted():
			p.Add("parent_id", "comment %d is deleted", req.ParentID)
		}
	}
	if err := p.Err(); err != nil {
		s.fail(c, err)
		return
	}
	if parent.TaskID != "" && conv.taskID == "" {
		// A reply sent to the process joins its parent on the task.
		t, err := s.records.Task(ctx, parent.TaskID)
		if err != nil {
			s.fail(c, recordErr(err, "task", parent.TaskID))
			return
		}
		conv.taskID, conv.name = t.ID, fmt.Sprintf("task “%s”", t.Title)
	}
	mentioned, err := s.mentioned(ctx, conv, req.Body, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) || !s.spendComment(c, me.Handle) {
		return
	}
	now := s.now().UTC()
	notify := s.commentNotifications(conv, me, mentioned, now)
	if req.ParentID != 0 && parent.Author != me.Handle && !slices.Contains(mentioned, parent.Author) {
		notify = append(notify, domain.Notification{
			Recipient: parent.Author, Kind: domain.NotifyReply, Subject: fmt.Sprintf("%s replied to your comment on %s", me.Name, conv.name),
			Process: conv.process, ProcessID: conv.processID, TaskID: conv.taskID, CreatedAt: now,
		})
	}
	stored, err := s.records.AddComment(ctx, domain.Comment{
		Process: conv.process, ProcessID: conv.processID, TaskID: conv.taskID, ParentID: req.ParentID,
		Author: me.Handle, Body: req.Body, CreatedAt: now,
	}, notify)
	if err != nil {
		s.fail(c, fmt.Errorf("add comment: %w", err))
		return
	}
	c.JSON(http.StatusCreated, commentOf(stored))
}

// commentNotifications tells each of mentioned but me that me mentioned them
// (mentioning one's own team tells oneself nothing).
func (s *Server) commentNotifications(conv conversation, me domain.Person, mentioned []string, now time.Time) []domain.Notification {
	out := make([]domain.Notification, 0, len(mentioned))
	for _, h := range mentioned {
		if h == me.Handle {
			continue
		}
		out = append(out, domain.Notification{
			Recipient: h, Kind: domain.NotifyMention, Subject: fmt.Sprintf("%s mentioned you on %s", me.Name, conv.name),
			Process: conv.process, ProcessID: conv.processID, TaskID: conv.taskID, CreatedAt: now,
		})
	}
	return out
}

// mentioned resolves the mentions of body against the directory: a person by
// handle, else a team, whose active members are each mentioned. It answers the people
// mentioned (but those in before, whom an earlier text mentioned already), or a refusal naming what cannot be mentioned: a handle
// that names no one, or people who may not see the process.
func (s *Server) mentioned(ctx context.Context, conv conversation, body string, before []string) ([]string, error) {
	handles := domain.Mentions(body)
	var p domain.Problems
	if len(handles) > domain.MaxMentions {
		p.Add("body", "mentions %d people and teams; at most %d", len(handles), domain.MaxMentions)
		return nil, p.Err()
	}
	var people []domain.Person
	for _, h := range handles {
		person, err := s.records.Person(ctx, h)
		switch {
		case err == nil && !person.Active():
			p.Add("body", "@%s is disabled: %s no longer uses Tandem", h, person.Name)
			continue
		case err == nil:
			people = append(people, person)
			continue
		case !errors.Is(err, domain.ErrNotFound):
			return nil, fmt.Errorf("mention @%s: %w", h, err)
		}
		team := domain.Team(h)
		if !team.Valid() {
			p.Add("body", "@%s names no person or team", h)
			continue
		}
		members, err := s.records.People(ctx, domain.PeopleFilter{Team: team, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}})
		if err != nil {
			return nil, fmt.Errorf("mention @%s: %w", h, err)
		}
		// A team's members who left are not told: they no longer read
		// anything here.
		for _, m := range members.Items {
			if m.Active() {
				people = append(people, m)
			}
		}
	}
	var hidden []string
	for _, person := range people {
		if conv.mayRead != nil && !conv.mayRead(domain.ActorOf(person)) && !slices.Contains(hidden, person.Name) {
			hidden = append(hidden, person.Name)
		}
	}
	if len(hidden) > 0 {
		p.Add("body", "%s may not see this %s: mention only people involved in it", strings.Join(hidden, ", "), processWhat(conv.process))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, person := range people {
		if !slices.Contains(out, person.Handle) && !slices.Contains(before, person.Handle) {
			out = append(out, person.Handle)
		}
	}
	return out, nil
}

// commentID reads the {id} of a /comments/{id} route; anything but a comment
// ID names no comment.
func commentID(c *gin.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil || id == 0 {
		return 0, domain.NotFoundf("comment %s not found", c.Param("id"))
	}
	return id, nil
}

// ownComment loads the comment the path names, checks the caller may see its
// process, and that they may change it (deleting or editing).
func (s *Server) ownComment(ctx context.Context, c *gin.Context, deleting bool) (domain.Comment, conversation, error) {
	id, err := commentID(c)
	if err != nil {
		return domain.Comment{}, conversation{}, err
	}
	cm, err := s.records.Comment(ctx, id)
	if err != nil {
		return cm, conversation{}, recordErr(err, "comment", c.Param("id"))
	}
	conv, err := s.processConversation(ctx, cm.Process, cm.ProcessID)
	if err != nil {
		return cm, conv, err
	}
	a := domain.ActorOf(caller(c))
	if err := conv.check(a); err != nil {
		return cm, conv, err
	}
	if cm.TaskID != "" {
		if t, err := s.records.Task(ctx, cm.TaskID); err == nil {
			conv.taskID, conv.name = t.ID, fmt.Sprintf("task “%s”", t.Title)
		}
	}
	return cm, conv, domain.CheckCommentAuthor(cm, a, deleting)
}

// editComment replaces the text of the caller's own comment; the text it had
// is kept for the audit. People the new text mentions for the first time are
// told.
func (s *Server) editComment(c *gin.Context) {
	me := caller(c)
	var req commentRequest
	if _, err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cm, conv, err := s.ownComment(ctx, c, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	var p domain.Problems
	domain.CheckCommentBody(&p, "body", req.Body)
	if req.ParentID != 0 && req.ParentID != cm.ParentID {
		p.Add("parent_id", "a comment cannot move to another thread")
	}
	if err := p.Err(); err != nil {
		s.fail(c, err)
		return
	}
	before, err := s.mentioned(ctx, conv, cm.Body, nil)
	if err != nil {
		// The old text's mentions were checked when it was written; someone
		// since gone from the directory or the process is no reason to refuse
		// the edit, only to tell no one they were mentioned before.
		before = nil
	}
	mentioned, err := s.mentioned(ctx, conv, req.Body, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) || !s.spendComment(c, me.Handle) {
		return
	}
	now := s.now().UTC()
	edited, err := s.records.EditComment(ctx, cm.ID, me.Handle, req.Body, now, s.commentNotifications(conv, me, mentioned, now))
	if err != nil {
		s.fail(c, fmt.Errorf("edit comment: %w", err))
		return
	}
	c.JSON(http.StatusOK, commentOf(edited))
}

// deleteComment leaves a tombstone of the comment: its author, times and
// place in the thread, no text (the revisions keep it for the audit). Its
// author may delete it, and admins, who remove what should not be there.
func (s *Server) deleteComment(c *gin.Context) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	cm, _, err := s.ownComment(ctx, c, true)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.undocumented(c) {
		return
	}
	gone, err := s.records.DeleteComment(ctx, cm.ID, caller(c).Handle, s.now().UTC())
	if err != nil {
		s.fail(c, fmt.Errorf("delete comment: %w", err))
		return
	}
	c.JSON(http.StatusOK, commentOf(gone))
}
