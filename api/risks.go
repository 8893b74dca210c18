package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

// RiskRecords is the read side of risks.
type RiskRecords interface {
	Risk(ctx context.Context, id string) (domain.Risk, error)
	Risks(ctx context.Context, f domain.RiskFilter) (domain.Page[domain.Risk], error)
}

func (s *Server) riskRoutes(v1 *gin.RouterGroup) {
	v1.POST("/risks", s.createRisk)
	v1.GET("/risks", s.listRisks)
	v1.GET("/risks/:id", s.getRisk)
	v1.POST("/risks/:id/assessments", s.assessRisk)
	for _, d := range domain.RiskDecisions {
		v1.POST("/risks/:id/"+string(d), s.decideRisk(d))
	}
	v1.GET("/risks/:id/timeline", s.riskTimeline)
}

// createRiskRequest is the body of POST /risks.
type createRiskRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Probability int    `json:"probability"`
	Impact      int    `json:"impact"`
	Owner       string `json:"owner"`
	Related     *struct {
		Process string `json:"process"`
		ID      string `json:"id"`
	} `json:"related"`
}

func (r createRiskRequest) raise() domain.RiskRaise {
	rs := domain.RiskRaise{
		Title: strings.TrimSpace(r.Title), Description: strings.TrimSpace(r.Description),
		Category: domain.RiskCategory(r.Category), Probability: r.Probability, Impact: r.Impact, Owner: r.Owner,
	}
	if r.Related != nil {
		rs.Related = &domain.Related{Process: domain.Process(r.Related.Process), ID: r.Related.ID}
	}
	return rs
}

// assessRiskRequest is the body of POST /risks/{id}/assessments.
type assessRiskRequest struct {
	Probability int    `json:"probability"`
	Impact      int    `json:"impact"`
	Comment     string `json:"comment"`
}

// decideRiskRequest is the body of POST /risks/{id}/{resolve|accept|materialize|close}.
type decideRiskRequest struct {
	Comment string `json:"comment"`
}

// riskID reads the {id} path parameter of a risk route.
func riskID(c *gin.Context) (string, error) { return pathID(c, domain.PrefixRisk, "risk") }

// createRisk raises a risk. Anyone may raise one: seeing a risk is everybody's
// job. The owner and the related process must exist, or nothing is started.
func (s *Server) createRisk(c *gin.Context) {
	me := caller(c)
	key, err := idempotencyKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req createRiskRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()

	rs := req.raise()
	var problems domain.Problems
	var ve *domain.ValidationError
	if err := rs.Validate(); errors.As(err, &ve) {
		problems = append(problems, ve.Problems...)
	}
	if rs.Owner != "" {
		if err := s.checkPerson(ctx, &problems, "owner", rs.Owner); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.checkRelated(ctx, &problems, rs.Related); err != nil {
		s.fail(c, err)
		return
	}
	if err := problems.Err(); err != nil {
		s.fail(c, err)
		return
	}

	if s.undocumented(c) {
		return
	}
	id, replayed, err := s.claimCreate(ctx, me.Handle, key, raw, domain.NewID(domain.PrefixRisk))
	if err != nil {
		s.fail(c, err)
		return
	}
	rec := s.newRisk(id, rs, me.Handle)
	rec, ok := startCreated(ctx, s, c, me.Handle, key, replayed, "risk "+id, "/api/v1/risks/"+id, rec, s.riskStart(rec, rs),
		func(ctx context.Context) (domain.Risk, error) { return s.records.Risk(ctx, id) })
	if ok {
		d, live := createdDetail(s, c, rec.WorkflowID, contract.RiskDetail{Risk: rec}, func(d contract.RiskDetail) bool {
			return len(d.Tasks) > 0 || d.Status.Terminal()
		})
		c.JSON(http.StatusCreated, s.riskBody(d, live))
	}
}

// checkRelated adds a field problem unless the related process exists. The
// records are asked first; a process started a moment ago may not be projected
// yet, so a miss there is confirmed with its workflow before it is refused.
func (s *Server) checkRelated(ctx context.Context, p *domain.Problems, rel *domain.Related) error {
	shapeRefused := slices.ContainsFunc(*p, func(f domain.FieldProblem) bool { return strings.HasPrefix(f.Field, "related.") })
	if rel == nil || shapeRefused {
		return nil // absent, or already refused for its shape: no lookup would find it
	}
	var err error
	var wid string
	switch rel.Process {
	case domain.ProcessCampaign:
		_, err = s.records.Campaign(ctx, rel.ID)
		wid = contract.CampaignWorkflowID(rel.ID)
	case domain.ProcessHiring:
		_, err = s.records.HiringRequest(ctx, rel.ID)
		wid = contract.HiringWorkflowID(rel.ID)
	}
	if errors.Is(err, domain.ErrNotFound) {
		var live json.RawMessage
		err = s.temporal.Query(ctx, wid, contract.QueryDetail, &live)
	}
	if errors.Is(err, domain.ErrNotFound) {
		p.Add("related.id", "no %s with ID %q", rel.Process, rel.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up related %s %s: %w", rel.Process, rel.ID, err)
	}
	return nil
}

// newRisk is the risk as it stands when raised: what the answer to its creation
// shows before the workflow has recorded it.
func (s *Server) newRisk(id string, rs domain.RiskRaise, by string) domain.Risk {
	now := s.now().UTC()
	score := domain.Score(rs.Probability, rs.Impact)
	sev := domain.SeverityOf(score)
	return domain.Risk{
		ID: id, WorkflowID: contract.RiskWorkflowID(id), Title: rs.Title, Description: rs.Description,
		Category: rs.Category, Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: sev,
		Owner: rs.Owner, RaisedBy: by, Related: rs.Related, Status: domain.RiskOpen,
		Assessments: []domain.Assessment{{Probability: rs.Probability, Impact: rs.Impact, Score: score, Severity: sev, By: by, At: now}},
		CreatedAt:   now, UpdatedAt: now,
	}
}

// riskStart is the workflow start of a new risk, labelled for the Temporal UI.
func (s *Server) riskStart(r domain.Risk, rs domain.RiskRaise) StartRequest {
	return StartRequest{
		WorkflowID:   r.WorkflowID,
		WorkflowType: contract.RiskType,
		Input:        contract.RiskInput{ID: r.ID, Raise: rs, RaisedBy: r.RaisedBy, Policy: s.policy},
		Summary:      "Risk: " + r.Title,
		// No people and no free text, which may name them.
		Details: fmt.Sprintf("**Category:** %s · **Score:** %d (%s)", r.Category, r.Score, r.Severity),
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(string(domain.ProcessRisk)),
			workflows.AttrStatus.ValueSet(string(r.Status)),
			workflows.AttrSeverity.ValueSet(string(r.Severity)),
		),
	}
}

func (s *Server) listRisks(c *gin.Context) {
	var p domain.Problems
	f := domain.RiskFilter{
		Severity: enumParam(c, &p, "severity", domain.Severities),
		Status:   enumParam(c, &p, "status", domain.RiskStatuses),
		Owner:    c.Query("owner"),
		Related:  c.Query("related"),
		Name:     nameQuery(c, &p),
	}
	newest := newestFirst(c, &p)
	if f.Owner == "me" {
		f.Owner = caller(c).Handle
	}
	if f.Related != "" && !domain.HasPrefixID(f.Related, domain.PrefixCampaign) && !domain.HasPrefixID(f.Related, domain.PrefixHiring) {
		p.Add("related", "must be a campaign ID (cmp_…) or a hiring request ID (hir_…)")
	}
	page, ok := listPage(s, c, p, "risks", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Risk], error) {
		f.ListOptions, f.Newest = o, newest
		return s.records.Risks(ctx, f)
	})
	if !ok {
		return
	}
	c.JSON(http.StatusOK, domain.Page[riskItem]{Items: each(page.Items, riskItemOf), NextCursor: page.NextCursor})
}

// getRisk answers the live detail from the workflow, or from the record when
// Temporal no longer has the run or cannot be reached.
func (s *Server) getRisk(c *gin.Context) {
	id, err := riskID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if d, stale, ok := queryOrRecords(s, c, "risk", id, contract.RiskWorkflowID(id), func(ctx context.Context) (contract.RiskDetail, error) {
		return s.riskFromRecords(ctx, id)
	}); ok {
		b := s.riskBody(d, stale == "")
		b.LiveUnavailable = stale
		c.JSON(http.StatusOK, b)
	}
}

func (s *Server) riskFromRecords(ctx context.Context, id string) (contract.RiskDetail, error) {
	rec, err := s.records.Risk(ctx, id)
	if err != nil {
		return contract.RiskDetail{}, recordErr(err, "risk", id)
	}
	tasks, err := s.processTasks(ctx, domain.ProcessRisk, "risk", id)
	return contract.RiskDetail{Risk: rec, Tasks: tasks, WaitingOn: domain.WaitingOnOf(tasks)}, err
}

// assessRisk re-scores a risk. Levels out of range are refused here, before a
// round trip to the workflow; who may re-assess is the workflow's to say.
func (s *Server) assessRisk(c *gin.Context) {
	var req assessRiskRequest
	id, raw, ok := s.commandRequest(c, riskID, &req)
	if !ok {
		return
	}
	s.command(c, cmdAssessRisk, id, raw, func(context.Context) (string, commandInput, error) {
		var p domain.Problems
		domain.CheckLevels(&p, req.Probability, req.Impact)
		domain.CheckText(&p, "comment", req.Comment, domain.MaxCommentChars)
		return contract.RiskWorkflowID(id), &contract.AssessRiskInput{
			Actor: domain.ActorOf(caller(c)), Probability: req.Probability, Impact: req.Impact, Comment: req.Comment,
		}, p.Err()
	})
}

// decideRisk is the handler of one decision: resolve, accept, materialize or close.
func (s *Server) decideRisk(d domain.RiskDecision) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req decideRiskRequest
		id, raw, ok := s.commandRequest(c, riskID, &req)
		if !ok {
			return
		}
		s.command(c, cmdDecideRisk[d], id, raw, func(context.Context) (string, commandInput, error) {
			var p domain.Problems
			domain.CheckRequiredText(&p, "comment", req.Comment, domain.MaxCommentChars)
			return contract.RiskWorkflowID(id), &contract.DecideRiskInput{Actor: domain.ActorOf(caller(c)), Decision: d, Comment: req.Comment}, p.Err()
		})
	}
}

func (s *Server) riskTimeline(c *gin.Context) {
	s.timeline(c, domain.ProcessRisk, "risk", riskID, func(ctx context.Context, id string) error {
		_, err := s.records.Risk(ctx, id)
		return err
	})
}
