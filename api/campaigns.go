package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows"
)

const (
	idempotencyKeyHeader = "Idempotency-Key"
	replayedHeader       = "Idempotent-Replayed"
	maxIdempotencyKey    = 255
)

// temporalURL links to a run in the Temporal Web UI, or is empty when the UI is unknown.
func (s *Server) temporalURL(workflowID string) string {
	if s.uiURL == "" || workflowID == "" {
		return ""
	}
	return s.uiURL + "/namespaces/" + url.PathEscape(s.namespace) + "/workflows/" + url.PathEscape(workflowID)
}

// campaignID reads the {id} path parameter of a campaign route.
func campaignID(c *gin.Context) (string, error) { return pathID(c, domain.PrefixCampaign, "campaign") }

func (s *Server) createCampaign(c *gin.Context) {
	me := caller(c)
	if err := domain.CheckStartCampaign(domain.ActorOf(me)); err != nil {
		s.fail(c, err)
		return
	}
	key, err := idempotencyKey(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req createCampaignRequest
	raw, err := decode(c, &req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()

	now := s.now().UTC()
	brief, problems := req.brief(s.policy.Campaign, now)
	if err := s.checkManager(ctx, &problems, "project_manager", brief.ProjectManager, domain.RoleProjectManager); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkManager(ctx, &problems, "marketing_ops_manager", brief.MarketingOpsManager, domain.RoleMarketingOpsManager); err != nil {
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
	id, replayed, err := s.claimCreate(ctx, me.Handle, key, raw, domain.NewID(domain.PrefixCampaign))
	if err != nil {
		s.fail(c, err)
		return
	}

	camp := domain.Campaign{
		ID:          id,
		WorkflowID:  contract.CampaignWorkflowID(id),
		Brief:       brief,
		Status:      domain.StatusActive,
		Stage:       domain.StageBriefReview,
		RequestedBy: me.Handle,
		KPIs:        domain.EvaluateKPIs(brief.KPIs, nil, s.policy.Campaign.KPIMissThreshold),
		Stages:      []domain.StageSpan{{Stage: domain.StageBriefReview, Entered: now}},
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	camp, ok := startCreated(ctx, s, c, me.Handle, key, replayed, "campaign "+id, "/api/v1/campaigns/"+id, camp, s.campaignStart(camp),
		func(ctx context.Context) (domain.Campaign, error) { return s.records.Campaign(ctx, id) })
	if ok {
		d, live := createdDetail(s, c, camp.WorkflowID, contract.CampaignDetail{Campaign: camp}, func(d contract.CampaignDetail) bool {
			return len(d.Tasks) > 0 || d.Status.Terminal()
		})
		c.JSON(http.StatusCreated, s.campaignBody(d, live))
	}
}

// campaignStart is the workflow start of a new campaign, labelled for the Temporal UI.
func (s *Server) campaignStart(camp domain.Campaign) StartRequest {
	return StartRequest{
		WorkflowID:   camp.WorkflowID,
		WorkflowType: contract.CampaignLaunchType,
		Input:        contract.CampaignInput{ID: camp.ID, Brief: camp.Brief, RequestedBy: camp.RequestedBy, Policy: s.policy},
		Summary:      "Campaign launch: " + camp.Brief.Name,
		// What was asked for, without money or people: the details are for
		// operators reading runs, not a copy of the brief.
		Details: fmt.Sprintf("**Objective:** %s\n\n**Audience:** %s\n\n**Channels:** %s\n\n**Launch:** %s · regulated: %t",
			camp.Brief.Objective, camp.Brief.Audience, joinStrings(camp.Brief.Channels), camp.Brief.LaunchAt.Format(time.RFC3339), camp.Brief.Regulated),
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(string(domain.ProcessCampaign)),
			workflows.AttrStage.ValueSet(string(camp.Stage)),
			workflows.AttrStatus.ValueSet(string(camp.Status)),
		),
	}
}

// releaseKeyAfter frees the Idempotency-Key of a create whose workflow start
// failed with err, so a retry can make the resource. When err leaves it unknown
// whether Temporal started the workflow (unavailable, timed out: the answer may be
// what was lost), the key stays claimed instead: a retry then replays the same ID
// and starts it again, which is idempotent, so it can never make a second one.
// It runs even when the client has gone, since the failed start is what matters.
func (s *Server) releaseKeyAfter(c *gin.Context, scope, key string, err error) {
	if errors.Is(err, domain.ErrUnavailable) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), downstreamTimeout)
	defer cancel()
	if err := s.records.ReleaseIdempotencyKey(ctx, scope, key); err != nil {
		// The request already fails; the key stays claimed and a retry replays it,
		// which starts the workflow again.
		_ = c.Error(fmt.Errorf("release idempotency key: %w", err))
	}
}

// checkManager adds a field problem unless handle names a person holding role.
func (s *Server) checkManager(ctx context.Context, p *domain.Problems, field, handle string, role domain.Role) error {
	if handle == "" {
		return nil // the brief's own check already says it is required
	}
	person, err := s.records.Person(ctx, handle)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		p.Add(field, "no person with handle %q", handle)
	case err != nil:
		return fmt.Errorf("load %s %s: %w", field, handle, err)
	case !person.HasRole(role):
		p.Add(field, "%s does not hold the %s role", handle, role)
	}
	return nil
}

func (s *Server) listCampaigns(c *gin.Context) {
	var p domain.Problems
	f := domain.CampaignFilter{
		Status: enumParam(c, &p, "status", campaignStatuses),
		Owner:  c.Query("owner"),
		Name:   nameQuery(c, &p),
	}
	newest := newestFirst(c, &p)
	if f.Owner == "me" {
		f.Owner = caller(c).Handle
	}
	page, ok := listPage(s, c, p, "campaigns", func(ctx context.Context, o domain.ListOptions) (domain.Page[domain.Campaign], error) {
		f.ListOptions, f.Newest = o, newest
		return s.records.Campaigns(ctx, f)
	})
	if !ok {
		return
	}
	c.JSON(http.StatusOK, domain.Page[campaignItem]{Items: each(page.Items, campaignItemOf), NextCursor: page.NextCursor})
}

// getCampaign answers the live detail from the workflow, or from the record,
// which activities keep up to date, when the workflow cannot answer.
func (s *Server) getCampaign(c *gin.Context) {
	id, err := campaignID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if d, stale, ok := queryOrRecords(s, c, "campaign", id, contract.CampaignWorkflowID(id), func(ctx context.Context) (contract.CampaignDetail, error) {
		rec, err := s.records.Campaign(ctx, id)
		if err != nil {
			return contract.CampaignDetail{}, recordErr(err, "campaign", id)
		}
		tasks, err := s.processTasks(ctx, domain.ProcessCampaign, "campaign", id)
		return contract.CampaignDetail{Campaign: rec, Tasks: tasks, WaitingOn: rec.WaitingOn(tasks)}, err
	}); ok {
		b := s.campaignBody(d, stale == "")
		b.LiveUnavailable = stale
		c.JSON(http.StatusOK, b)
	}
}

func (s *Server) changeCampaign(c *gin.Context) {
	var req changeCampaignRequest
	id, raw, ok := s.commandRequest(c, campaignID, &req)
	if !ok {
		return
	}
	s.command(c, cmdChangeCampaign, id, raw, func(context.Context) (string, commandInput, error) {
		ch, err := req.change()
		return contract.CampaignWorkflowID(id), &contract.ChangeCampaignInput{Actor: domain.ActorOf(caller(c)), Change: ch}, err
	})
}

func (s *Server) recordKPIs(c *gin.Context) {
	var req recordKPIsRequest
	id, raw, ok := s.commandRequest(c, campaignID, &req)
	if !ok {
		return
	}
	s.command(c, cmdRecordKPIs, id, raw, func(context.Context) (string, commandInput, error) {
		me := caller(c)
		actuals, err := req.actuals(me.Handle, s.now().UTC())
		return contract.CampaignWorkflowID(id), &contract.RecordKPIsInput{Actor: domain.ActorOf(me), Actuals: actuals}, err
	})
}

func (s *Server) cancelCampaign(c *gin.Context) {
	var req cancelRequest
	id, raw, ok := s.commandRequest(c, campaignID, &req)
	if !ok {
		return
	}
	s.command(c, cmdCancelCampaign, id, raw, func(context.Context) (string, commandInput, error) {
		var p domain.Problems
		domain.CheckRequiredText(&p, "reason", req.Reason, domain.MaxCommentChars)
		return contract.CampaignWorkflowID(id), &contract.CancelInput{Actor: domain.ActorOf(caller(c)), Reason: req.Reason}, p.Err()
	})
}

func (s *Server) addTask(c *gin.Context) {
	var req addTaskRequest
	id, raw, ok := s.commandRequest(c, campaignID, &req)
	if !ok {
		return
	}
	s.command(c, cmdAddTask, id, raw, func(ctx context.Context) (string, commandInput, error) {
		due, problems := req.check(s.now())
		if req.Assignee != "" {
			if err := s.checkPerson(ctx, &problems, "assignee", req.Assignee); err != nil {
				return "", nil, err
			}
		}
		return contract.CampaignWorkflowID(id), &contract.AddTaskInput{
			Actor: domain.ActorOf(caller(c)), Title: req.Title, Description: req.Description,
			Team: domain.Team(req.Team), Role: domain.Role(req.Role), Assignee: req.Assignee, DueAt: due,
		}, problems.Err()
	})
}

// checkPerson adds a field problem unless handle names an active person of the
// directory.
func (s *Server) checkPerson(ctx context.Context, p *domain.Problems, field, handle string) error {
	who, err := s.records.Person(ctx, handle)
	if errors.Is(err, domain.ErrNotFound) {
		p.Add(field, "no person with handle %q", handle)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load %s %s: %w", field, handle, err)
	}
	if !who.Active() {
		// Nothing new is given to someone who left.
		p.Add(field, "%s is disabled", handle)
	}
	return nil
}

// timeline answers the timeline of the process whose ID parseID reads from the
// path. Every process has at least its start event, so an empty timeline is
// checked against the record with exists: it may mean there is no such process.
func (s *Server) timeline(c *gin.Context, p domain.Process, what string,
	parseID func(*gin.Context) (string, error), exists func(ctx context.Context, id string) error) {
	id, err := parseID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	events, err := s.records.Timeline(ctx, p, id)
	if err != nil {
		s.fail(c, fmt.Errorf("timeline of %s %s: %w", what, id, err))
		return
	}
	if len(events) == 0 {
		if err := exists(ctx, id); err != nil {
			s.fail(c, recordErr(err, what, id))
			return
		}
	}
	if !domain.MayAudit(domain.ActorOf(caller(c))) {
		c.JSON(http.StatusOK, gin.H{"items": nonNil(events)})
		return
	}
	refused, err := s.refusedOn(ctx, p, id)
	if err != nil {
		s.fail(c, fmt.Errorf("refused commands on %s %s: %w", what, id, err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(mergeByTime(events, refused))})
}

// refusedOn turns the audit trail's refused and failed commands on a process and
// on its tasks into timeline events: who tried what, and why it was refused.
// Only those who may audit (domain.MayAudit) are shown them.
func (s *Server) refusedOn(ctx context.Context, p domain.Process, id string) ([]domain.Event, error) {
	objects := []string{id}
	f := domain.TaskFilter{Process: p, ProcessID: id, ListOptions: domain.ListOptions{Limit: domain.MaxLimit}}
	for {
		page, err := s.records.Tasks(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Items {
			objects = append(objects, t.ID)
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	entries, err := s.records.RefusedCommands(ctx, objects)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Event, 0, len(entries))
	for _, e := range entries {
		who := e.Actor
		if who == "" {
			who = "someone without a valid token"
		}
		ev := domain.Event{
			Key: fmt.Sprintf("audit/%d", e.Seq), Process: p, ProcessID: id, Kind: domain.EventRefused, Actor: e.Actor, At: e.At,
			Message: fmt.Sprintf("%s was refused (%d): %s on %s: %s", who, e.Status, e.Action, e.Object, e.Reason),
			Refused: &domain.Refusal{Action: e.Action, Object: e.Object, Status: e.Status, Reason: e.Reason},
		}
		if domain.HasPrefixID(e.Object, domain.PrefixTask) {
			ev.TaskID = e.Object
		}
		out = append(out, ev)
	}
	return out, nil
}

// mergeByTime merges two time-ordered lists of events into one, keeping the
// order of events at the same time.
func mergeByTime(a, b []domain.Event) []domain.Event {
	out := make([]domain.Event, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].At.Before(a[0].At) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

func (s *Server) campaignTimeline(c *gin.Context) {
	s.timeline(c, domain.ProcessCampaign, "campaign", campaignID, func(ctx context.Context, id string) error {
		_, err := s.records.Campaign(ctx, id)
		return err
	})
}

// joinStrings lists string-like values, comma separated.
func joinStrings[T ~string](vs []T) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}
