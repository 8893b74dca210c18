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
	"github.com/tandemhq/tandem/templates"
	"github.com/tandemhq/tandem/workflows"
)

// TemplateRunRecords is the read side of the runs of process templates.
type TemplateRunRecords interface {
	TemplateRun(ctx context.Context, id string) (domain.TemplateRun, error)
	TemplateRuns(ctx context.Context, f domain.TemplateRunFilter) (domain.Page[domain.TemplateRun], error)
}

func (s *Server) templateRunRoutes(v1 *gin.RouterGroup) {
	v1.POST("/template-runs", s.startTemplateRun)
	v1.GET("/template-runs", s.listTemplateRuns)
	v1.GET("/template-runs/:id", s.getTemplateRun)
	v1.POST("/template-runs/:id/kpis", s.recordTemplateKPIs)
	v1.POST("/template-runs/:id/cancel", s.cancelTemplateRun)
	v1.GET("/template-runs/:id/timeline", s.templateRunTimeline)
}

// startTemplateRunRequest is the body of POST /template-runs: which template,
// by key, and the values of its intake form.
type startTemplateRunRequest struct {
	Template string         `json:"template"`
	Intake   map[string]any `json:"intake"`
}

// templateRunBody is a run's detail: its record, its tasks, and the version of
// the template it follows, whole, so a client draws its stage columns and
// labels its intake without a second request.
type templateRunBody struct {
	domain.TemplateRun
	detailPart
	Template templates.Template `json:"template"`
}

// templateRunID reads the {id} path parameter of a template run route.
func templateRunID(c *gin.Context) (string, error) {
	return pathID(c, domain.PrefixTemplateRun, "template run")
}

// startTemplateRun starts a run of the latest version of a template. Anyone
// signed in may, as anyone may raise a request in a team's queue: who then
// does the work is the template's to say, and its triage decides whether the
// request goes on. The intake is checked against the template's form, and the
// people it names against the directory, before anything starts.
func (s *Server) startTemplateRun(c *gin.Context) {
	me := caller(c)
	key, err := idempotencyKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req startTemplateRunRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()

	if !templates.ValidKey(req.Template) {
		// Not a key any template may have: no lookup would find it.
		s.fail(c, domain.Invalid(domain.FieldProblem{Field: "template", Problem: "must be the key of a template"}))
		return
	}
	stored, err := s.records.Template(ctx, req.Template, 0)
	if errors.Is(err, domain.ErrNotFound) {
		s.fail(c, domain.NotFoundf("template %s not found", req.Template))
		return
	}
	if err != nil {
		s.fail(c, fmt.Errorf("load template %s: %w", req.Template, err))
		return
	}
	if stored.Retired() {
		s.fail(c, domain.Conflictf("template %s is retired: no new run may start from it", stored.Key))
		return
	}
	tmpl, err := readTemplate(stored)
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.now().UTC()
	intake := req.Intake
	if intake == nil {
		intake = map[string]any{}
	}
	var problems domain.Problems
	var ve *domain.ValidationError
	if err := tmpl.CheckIntake(intake, now); errors.As(err, &ve) {
		problems = append(problems, ve.Problems...)
	} else if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkIntakePeople(ctx, &problems, tmpl.Intake, intake); err != nil {
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
	id, replayed, err := s.claimCreate(ctx, me.Handle, key, raw, domain.NewID(domain.PrefixTemplateRun))
	if err != nil {
		s.fail(c, err)
		return
	}
	run := domain.TemplateRun{
		ID: id, WorkflowID: contract.TemplateRunWorkflowID(id), TemplateKey: tmpl.Key, TemplateVersion: tmpl.Version,
		TemplateName: tmpl.Name, Title: tmpl.Title(intake), Status: domain.StatusActive, Stage: domain.StageTriage,
		Intake: intake, RequestedBy: me.Handle, CreatedAt: now, UpdatedAt: now,
	}
	// The document as stored is the template the run captures: the JSON of a
	// validated templates.Template, which the workflow decodes and checks again.
	start := s.templateRunStart(run, tmpl, stored.Document)
	run, ok := startCreated(ctx, s, c, me.Handle, key, replayed, "template run "+id, "/api/v1/template-runs/"+id, run, start,
		func(ctx context.Context) (domain.TemplateRun, error) { return s.records.TemplateRun(ctx, id) })
	if !ok {
		return
	}
	d, live := createdDetail(s, c, run.WorkflowID, contract.TemplateRunDetail{TemplateRun: run}, func(d contract.TemplateRunDetail) bool {
		return len(d.Tasks) > 0 || d.Status.Terminal()
	})
	if run.TemplateVersion != tmpl.Version {
		// A replay of a run started from an earlier version answers that version.
		if tmpl, err = s.templateOf(ctx, run); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusCreated, s.templateRunBody(d, live, tmpl))
}

// checkIntakePeople adds a problem for each person an intake names who is not
// an active person of the directory holding the field's role: a task the
// template gives to that person would otherwise wait on nobody. Person fields
// in the rows of a list are checked too.
func (s *Server) checkIntakePeople(ctx context.Context, p *domain.Problems, fields []domain.FormField, values map[string]any) error {
	return s.checkPeopleIn(ctx, p, "intake.", fields, values)
}

func (s *Server) checkPeopleIn(ctx context.Context, p *domain.Problems, prefix string, fields []domain.FormField, values map[string]any) error {
	for _, f := range fields {
		path := prefix + f.Name
		if refused(*p, path) {
			continue // already refused for its shape
		}
		switch f.Type {
		case domain.FieldPerson:
			handle, _ := values[f.Name].(string)
			if handle == "" {
				continue
			}
			if err := s.checkPerson(ctx, p, path, handle); err != nil {
				return err
			}
			if f.Role != "" && !refused(*p, path) {
				who, err := s.records.Person(ctx, handle)
				if err != nil {
					return fmt.Errorf("load %s %s: %w", path, handle, err)
				}
				if !who.HasRole(f.Role) {
					p.Add(path, "%s does not hold the %s role", handle, f.Role)
				}
			}
		case domain.FieldList:
			rows, _ := values[f.Name].([]any)
			for i, row := range rows {
				m, _ := row.(map[string]any)
				if err := s.checkPeopleIn(ctx, p, fmt.Sprintf("%s[%d].", path, i), f.Fields, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// templateRunStart is the workflow start of a new run, labelled for the
// Temporal UI with what the workflow keeps there as it goes (TandemProcess,
// TandemTemplate, stage and status): the template and its stages, never a
// person or an intake's values beyond the run's title, which names it as a
// campaign's name does.
func (s *Server) templateRunStart(run domain.TemplateRun, tmpl templates.Template, doc json.RawMessage) StartRequest {
	stages := make([]string, len(tmpl.Stages))
	for i, st := range tmpl.Stages {
		stages[i] = st.Name
	}
	return StartRequest{
		WorkflowID:   run.WorkflowID,
		WorkflowType: contract.TemplateRunType,
		Input: contract.TemplateRunInput{ID: run.ID, Template: doc, Intake: run.Intake, RequestedBy: run.RequestedBy,
			Policy: s.policy},
		Summary: tmpl.Name + ": " + run.Title,
		Details: fmt.Sprintf("**Template:** %s (%s, version %d)\n\n**Stages:** %s",
			tmpl.Name, tmpl.Key, tmpl.Version, strings.Join(stages, " → ")),
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(string(domain.ProcessTemplate)),
			workflows.AttrTemplate.ValueSet(tmpl.Key),
			workflows.AttrStage.ValueSet(string(run.Stage)),
			workflows.AttrStatus.ValueSet(string(run.Status)),
		),
	}
}

// templateOf reads the version of the template run r follows.
func (s *Server) templateOf(ctx context.Context, r domain.TemplateRun) (templates.Template, error) {
	stored, err := s.records.Template(ctx, r.TemplateKey, r.TemplateVersion)
	if errors.Is(err, domain.ErrNotFound) {
		// Versions are never deleted: a run's version missing is a fault, not
		// a run that is not found.
		return templates.Template{}, fmt.Errorf("template %s version %d of run %s is not stored", r.TemplateKey, r.TemplateVersion, r.ID)
	}
	if err != nil {
		return templates.Template{}, fmt.Errorf("load template %s version %d of run %s: %w", r.TemplateKey, r.TemplateVersion, r.ID, err)
	}
	return readTemplate(stored)
}

// readTemplate reads a stored version's document. It was validated before it
// was stored, so it is not validated again on every start and read: one that
// no longer reads is a fault.
func readTemplate(stored domain.StoredTemplate) (templates.Template, error) {
	var t templates.Template
	if err := json.Unmarshal(stored.Document, &t); err != nil {
		return t, fmt.Errorf("read template %s version %d: %w", stored.Key, stored.Version, err)
	}
	return t, nil
}

// refused reports whether p already has a problem with field.
func refused(p domain.Problems, field string) bool {
	return slices.ContainsFunc(p, func(f domain.FieldProblem) bool { return f.Field == field })
}

func (s *Server) templateRunBody(d contract.TemplateRunDetail, live bool, t templates.Template) templateRunBody {
	return templateRunBody{TemplateRun: templateRunItemOf(d.TemplateRun), Template: t,
		detailPart: s.detailPart(d.WorkflowID, d.Tasks, d.WaitingOn, d.TasksOmitted, live)}
}

// templateRunItemOf answers a run's record, its intake an object even when
// empty.
func templateRunItemOf(r domain.TemplateRun) domain.TemplateRun {
	if r.Intake == nil {
		r.Intake = map[string]any{}
	}
	return r
}

// listTemplateRuns lists runs from the records, newest first unless
// ?order=oldest. Everyone signed in may, as for campaigns.
func (s *Server) listTemplateRuns(c *gin.Context) {
	var p domain.Problems
	f := domain.TemplateRunFilter{
		Status:      enumParam(c, &p, "status", domain.TemplateRunStatuses),
		TemplateKey: c.Query("template"),
		RequestedBy: c.Query("requested_by"),
		Name:        nameQuery(c, &p),
	}
	if f.TemplateKey != "" && !templates.ValidKey(f.TemplateKey) {
		p.Add("template", "must be the key of a template")
	}
	if f.RequestedBy == "me" {
		f.RequestedBy = caller(c).Handle
	}
	newest := true
	switch c.Query("order") {
	case "", "newest":
	case "oldest":
		newest = false
	default:
		p.Add("order", "must be newest or oldest")
	}
	page, ok := listPage(s, c, p, "template runs", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.TemplateRun], error) {
		f.ListOptions, f.Newest = o, newest
		return s.records.TemplateRuns(ctx, f)
	})
	if !ok {
		return
	}
	c.JSON(http.StatusOK, domain.Page[domain.TemplateRun]{Items: each(page.Items, templateRunItemOf), NextCursor: page.NextCursor})
}

// getTemplateRun answers the live detail from the workflow, or from the
// records when the workflow cannot answer, with the template version it
// follows.
func (s *Server) getTemplateRun(c *gin.Context) {
	id, err := templateRunID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, stale, ok := queryOrRecords(s, c, "template run", id, contract.TemplateRunWorkflowID(id), func(ctx context.Context) (contract.TemplateRunDetail, error) {
		rec, err := s.records.TemplateRun(ctx, id)
		if err != nil {
			return contract.TemplateRunDetail{}, recordErr(err, "template run", id)
		}
		tasks, err := s.processTasks(ctx, domain.ProcessTemplate, "template run", id)
		return contract.TemplateRunDetail{TemplateRun: rec, Tasks: tasks, WaitingOn: domain.WaitingOnOf(tasks)}, err
	})
	if !ok {
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.templateOf(ctx, d.TemplateRun)
	if err != nil {
		s.fail(c, err)
		return
	}
	b := s.templateRunBody(d, stale == "", t)
	b.LiveUnavailable = stale
	c.JSON(http.StatusOK, b)
}

// cancelTemplateRun cancels a run with a reason. Who may (who asked for it,
// marketing ops, admins: domain.CheckCancelTemplateRun) is the workflow
// validator's decision, made on the run as it is.
func (s *Server) cancelTemplateRun(c *gin.Context) {
	var req cancelRequest
	id, raw, ok := s.commandRequest(c, templateRunID, &req)
	if !ok {
		return
	}
	s.command(c, cmdCancelTemplateRun, id, raw, func(context.Context) (string, commandInput, error) {
		var p domain.Problems
		domain.CheckRequiredText(&p, "reason", req.Reason, domain.MaxCommentChars)
		return contract.TemplateRunWorkflowID(id), &contract.CancelInput{Actor: domain.ActorOf(caller(c)), Reason: req.Reason}, p.Err()
	})
}

// recordTemplateKPIs records actuals of a run's KPIs, each named by its key
// in the template, with the body of a campaign's. Who may (who asked for the
// run, marketing ops, admins: domain.CheckRecordTemplateKPIs), when (while
// the run tracks its KPIs) and which keys are the workflow validator's
// decisions, made on the run as it is.
func (s *Server) recordTemplateKPIs(c *gin.Context) {
	var req recordKPIsRequest
	id, raw, ok := s.commandRequest(c, templateRunID, &req)
	if !ok {
		return
	}
	s.command(c, cmdRecordTemplateKPIs, id, raw, func(context.Context) (string, commandInput, error) {
		me := caller(c)
		actuals, err := req.actuals(me.Handle, s.now().UTC())
		return contract.TemplateRunWorkflowID(id), &contract.RecordKPIsInput{Actor: domain.ActorOf(me), Actuals: actuals}, err
	})
}

// answerTemplateRun answers a command on a run with its detail, as the
// workflow answered it, and the template version it follows.
func answerTemplateRun[In any](s *Server, c *gin.Context, _ domain.SentCommand, _ In, d *contract.TemplateRunDetail) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.templateOf(ctx, d.TemplateRun)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.templateRunBody(*d, true, t))
}

func (s *Server) templateRunTimeline(c *gin.Context) {
	s.timeline(c, domain.ProcessTemplate, "template run", templateRunID, func(ctx context.Context, id string) error {
		_, err := s.records.TemplateRun(ctx, id)
		return err
	})
}
