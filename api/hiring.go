package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

// HiringRecords is the read side of hiring requests, plus the candidates' personal
// data, which the API alone writes: it never enters Temporal.
type HiringRecords interface {
	HiringRequest(ctx context.Context, id string) (domain.HiringRequest, error)
	HiringRequests(ctx context.Context, f domain.HiringFilter) (domain.Page[domain.HiringRequest], error)
	AddCandidate(ctx context.Context, c domain.Candidate) error
	RemoveCandidate(ctx context.Context, id string) error
	Candidates(ctx context.Context, hiringID string) ([]domain.Candidate, error)
}

func (s *Server) hiringRoutes(v1 *gin.RouterGroup) {
	v1.POST("/hiring-requests", s.createHiring)
	v1.GET("/hiring-requests", s.listHiring)
	v1.GET("/hiring-requests/:id", s.getHiring)
	v1.POST("/hiring-requests/:id/candidates", s.addCandidate)
	v1.POST("/hiring-requests/:id/cancel", s.cancelHiring)
	v1.GET("/hiring-requests/:id/timeline", s.hiringTimeline)
}

// createHiringRequest is the body of POST /hiring-requests.
type createHiringRequest struct {
	Title         string `json:"title"`
	Team          string `json:"team"`
	Level         string `json:"level"`
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
	Budget        struct {
		Min      float64 `json:"min"`
		Max      float64 `json:"max"`
		Currency string  `json:"currency"`
	} `json:"budget"`
	NeededBy      string `json:"needed_by"`
	HiringManager string `json:"hiring_manager"`
}

// addCandidateRequest is the body of POST /hiring-requests/{id}/candidates.
type addCandidateRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// hideHiringTasks leaves out the descriptions and data of the hiring tasks among
// tasks whose request reader is not involved in (hideHiring says why). Whoever
// holds or completed a task reads it; the roles that read every request need no
// lookup; for anyone else each request is read once.
func (s *Server) hideHiringTasks(ctx context.Context, reader domain.Actor, tasks []domain.Task) error {
	if (domain.HiringRequest{}).MayReadConfidential(reader) {
		return nil // by role: every request
	}
	may := map[string]bool{}
	for i, t := range tasks {
		if t.Process != domain.ProcessHiring || (reader.Handle != "" && (t.Assignee == reader.Handle || t.CompletedBy == reader.Handle)) {
			continue
		}
		ok, known := may[t.ProcessID]
		if !known {
			r, err := s.records.HiringRequest(ctx, t.ProcessID)
			switch {
			case errors.Is(err, domain.ErrNotFound):
			case err != nil:
				return fmt.Errorf("hiring request of task %s: %w", t.ID, err)
			default:
				ok = r.MayReadConfidential(reader)
			}
			may[t.ProcessID] = ok
		}
		if !ok {
			tasks[i].Description, tasks[i].Data = "", nil
		}
	}
	return nil
}

// hideHiring leaves out of a detail what reader may not read: budget,
// justification and offer, and its tasks' descriptions and data, which say them
// (an approval's description quotes the budget, interview feedback holds the
// offer). The people involved read it all.
func hideHiring(b *hiringBody, d contract.HiringDetail, reader domain.Actor) {
	if d.MayReadConfidentialWith(reader, d.Tasks) {
		return
	}
	b.hideConfidential()
	for i := range b.Tasks {
		b.Tasks[i].Description, b.Tasks[i].Data = "", nil
	}
}

// hiringID reads the {id} path parameter of a hiring request route.
func hiringID(c *gin.Context) (string, error) {
	return pathID(c, domain.PrefixHiring, "hiring request")
}

func (s *Server) createHiring(c *gin.Context) {
	me := caller(c)
	if err := domain.CheckRequestHire(domain.ActorOf(me)); err != nil {
		s.fail(c, err)
		return
	}
	key, err := idempotencyKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req createHiringRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()

	now := s.now().UTC()
	var problems domain.Problems
	r := domain.Requisition{
		Title: strings.TrimSpace(req.Title), Team: domain.Team(req.Team), Level: strings.TrimSpace(req.Level),
		Kind: domain.HireKind(req.Kind), Justification: strings.TrimSpace(req.Justification),
		Budget:        domain.SalaryRange{Min: req.Budget.Min, Max: req.Budget.Max, Currency: req.Budget.Currency},
		NeededBy:      parseTime(&problems, "needed_by", req.NeededBy),
		HiringManager: req.HiringManager,
	}
	badTime := len(problems) > 0 // needed_by is missing or malformed: said once, not twice
	var ve *domain.ValidationError
	if err := r.Validate(now); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			if !badTime || p.Field != "needed_by" {
				problems = append(problems, p)
			}
		}
	}
	if r.HiringManager != "" {
		if err := s.checkPerson(ctx, &problems, "hiring_manager", r.HiringManager); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := problems.Err(); err != nil {
		s.fail(c, err)
		return
	}

	if s.undocumented(c) {
		return
	}
	id, replayed, err := s.claimCreate(ctx, me.Handle, key, raw, domain.NewID(domain.PrefixHiring))
	if err != nil {
		s.fail(c, err)
		return
	}
	rec := domain.HiringRequest{
		ID: id, WorkflowID: contract.HiringWorkflowID(id), Request: r, Status: domain.StatusActive,
		Stage: domain.StageApproval, RequestedBy: me.Handle, CreatedAt: now, UpdatedAt: now,
	}
	rec, ok := startCreated(ctx, s, c, me.Handle, key, replayed, "hiring request "+id, "/api/v1/hiring-requests/"+id, rec, s.hiringStart(rec),
		func(ctx context.Context) (domain.HiringRequest, error) { return s.records.HiringRequest(ctx, id) })
	if ok {
		d, live := createdDetail(s, c, rec.WorkflowID, contract.HiringDetail{HiringRequest: rec}, func(d contract.HiringDetail) bool {
			return len(d.Tasks) > 0 || d.Status.Terminal()
		})
		c.JSON(http.StatusCreated, s.hiringBody(d, live))
	}
}

// hiringStart is the workflow start of a new hiring request, labelled for the
// Temporal UI. It carries no candidate: candidates arrive later, by ID.
func (s *Server) hiringStart(r domain.HiringRequest) StartRequest {
	return StartRequest{
		WorkflowID:   r.WorkflowID,
		WorkflowType: contract.HiringRequestType,
		Input:        contract.HiringInput{ID: r.ID, Request: r.Request, RequestedBy: r.RequestedBy, Policy: s.policy},
		Summary:      fmt.Sprintf("Hiring request: %s (%s, %s team)", r.Request.Title, r.Request.Level, r.Request.Team),
		// No budget, justification or people: the request's kind and date only.
		// Static details never change, and a revision may move the date: they
		// say they are as first requested; the run's current details follow.
		Details: fmt.Sprintf("As first requested: **Kind:** %s · **Needed by:** %s. The current details follow any revision.",
			r.Request.Kind, r.Request.NeededBy.Format(time.RFC3339)),
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(string(domain.ProcessHiring)),
			workflows.AttrStage.ValueSet(string(r.Stage)),
			workflows.AttrStatus.ValueSet(string(r.Status)),
		),
	}
}

func (s *Server) listHiring(c *gin.Context) {
	var p domain.Problems
	f := domain.HiringFilter{
		Status:      enumParam(c, &p, "status", domain.HiringStatuses),
		RequestedBy: c.Query("requested_by"),
		Team:        enumParam(c, &p, "team", domain.Teams),
		Name:        nameQuery(c, &p),
	}
	newest := newestFirst(c, &p)
	if f.RequestedBy == "me" {
		f.RequestedBy = caller(c).Handle
	}
	page, ok := listPage(s, c, p, "hiring requests", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.HiringRequest], error) {
		f.ListOptions, f.Newest = o, newest
		return s.records.HiringRequests(ctx, f)
	})
	if !ok {
		return
	}
	reader := domain.ActorOf(caller(c))
	out := domain.Page[hiringItem]{Items: make([]hiringItem, len(page.Items)), NextCursor: page.NextCursor}
	for i, r := range page.Items {
		out.Items[i] = hiringItemOf(r)
		if !r.MayReadConfidential(reader) {
			out.Items[i].hideConfidential()
		}
	}
	c.JSON(http.StatusOK, out)
}

// getHiring answers the live detail from the workflow, or from the record when
// Temporal no longer has the run or cannot be reached. Candidates' names and
// e-mails are joined from the database for those who may read them.
func (s *Server) getHiring(c *gin.Context) {
	id, err := hiringID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, stale, ok := queryOrRecords(s, c, "hiring request", id, contract.HiringWorkflowID(id), func(ctx context.Context) (contract.HiringDetail, error) {
		return s.hiringFromRecords(ctx, id)
	})
	if !ok {
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	reader := domain.ActorOf(caller(c))
	if err := s.joinCandidates(ctx, &d.HiringRequest, reader); err != nil {
		s.fail(c, err)
		return
	}
	b := s.hiringBody(d, stale == "")
	b.LiveUnavailable = stale
	hideHiring(&b, d, reader)
	c.JSON(http.StatusOK, b)
}

func (s *Server) hiringFromRecords(ctx context.Context, id string) (contract.HiringDetail, error) {
	rec, err := s.records.HiringRequest(ctx, id)
	if err != nil {
		return contract.HiringDetail{}, recordErr(err, "hiring request", id)
	}
	tasks, err := s.processTasks(ctx, domain.ProcessHiring, "hiring request", id)
	return contract.HiringDetail{HiringRequest: rec, Tasks: tasks, WaitingOn: domain.WaitingOnOf(tasks)}, err
}

// joinCandidates fills candidates' names and e-mails for a reader allowed to see
// them; others see candidate IDs only.
func (s *Server) joinCandidates(ctx context.Context, r *domain.HiringRequest, reader domain.Actor) error {
	if len(r.Candidates) == 0 || !r.MayReadCandidates(reader) {
		return nil
	}
	people, err := s.records.Candidates(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("candidates of %s: %w", r.ID, err)
	}
	for i, ref := range r.Candidates {
		if j := slices.IndexFunc(people, func(p domain.Candidate) bool { return p.ID == ref.ID }); j >= 0 {
			r.Candidates[i].Name, r.Candidates[i].Email = people[j].Name, people[j].Email
		}
	}
	return nil
}

// addCandidate stores the candidate's personal data, then tells the workflow the
// candidate's ID, which opens the interview feedback task. When the workflow
// refuses, the row is removed again, so nothing half-made remains.
func (s *Server) addCandidate(c *gin.Context) {
	var req addCandidateRequest
	id, raw, ok := s.commandRequest(c, hiringID, &req)
	if !ok {
		return
	}
	s.command(c, cmdAddCandidate, id, raw, func(ctx context.Context) (string, commandInput, error) {
		me := caller(c)
		cand := domain.Candidate{
			ID: domain.NewID(domain.PrefixCandidate), HiringID: id, Name: strings.TrimSpace(req.Name),
			Email: req.Email, AddedBy: me.Handle, CreatedAt: s.now().UTC(),
		}
		if err := cand.Validate(); err != nil {
			return "", nil, err
		}
		if err := s.records.AddCandidate(ctx, cand); err != nil {
			return "", nil, fmt.Errorf("store candidate: %w", err)
		}
		return contract.HiringWorkflowID(id), &contract.AddCandidateInput{Actor: domain.ActorOf(me), CandidateID: cand.ID}, nil
	})
}

func (s *Server) cancelHiring(c *gin.Context) {
	var req cancelRequest
	id, raw, ok := s.commandRequest(c, hiringID, &req)
	if !ok {
		return
	}
	s.command(c, cmdCancelHiring, id, raw, func(context.Context) (string, commandInput, error) {
		var p domain.Problems
		domain.CheckRequiredText(&p, "reason", req.Reason, domain.MaxCommentChars)
		return contract.HiringWorkflowID(id), &contract.CancelInput{Actor: domain.ActorOf(caller(c)), Reason: req.Reason}, p.Err()
	})
}

func (s *Server) hiringTimeline(c *gin.Context) {
	s.timeline(c, domain.ProcessHiring, "hiring request", hiringID, func(ctx context.Context, id string) error {
		_, err := s.records.HiringRequest(ctx, id)
		return err
	})
}
