package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// In the demo directory Maya is the only marketing ops manager and Dana the
// only director, with no manager. Maya's own brief goes to her manager, Dana;
// Dana's own hire over the threshold gets its director step from an admin,
// Ada; both timelines say why.
func TestSoleApproverOverHTTP(t *testing.T) {
	s := start(t, domain.DefaultPolicy())
	var c campaign
	s.must(http.StatusCreated, "maya", http.MethodPost, "/api/v1/campaigns", campaignBrief("Maya's own launch", 30*24*time.Hour), &c)
	if len(c.Tasks) != 1 || c.Tasks[0].Assignee != "dana" {
		t.Fatalf("the create answered tasks %+v, want the brief review for dana", c.Tasks)
	}
	review := c.Tasks[0]
	s.inRecords(review)
	if got := s.call("maya", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", approve(), nil); got != http.StatusForbidden {
		t.Errorf("maya approving her own brief: %d, want 403", got)
	}
	s.must(http.StatusOK, "dana", http.MethodPost, "/api/v1/tasks/"+review.ID+"/complete", approve(), nil)
	s.waitFor(c.ID, "production", func(c campaign) bool { return c.Stage == domain.StageProduction })
	var timeline struct{ Items []domain.Event }
	s.must(http.StatusOK, "maya", http.MethodGet, "/api/v1/campaigns/"+c.ID+"/timeline", nil, &timeline)
	if !hasEvent(timeline.Items, domain.EventTaskEscalated, "it goes to maya's manager, dana") {
		t.Errorf("the campaign's timeline does not say why the review went to dana: %+v", timeline.Items)
	}

	var h hiringReq
	s.must(http.StatusCreated, "dana", http.MethodPost, "/api/v1/hiring-requests", hiringBody(200000, time.Now().Add(60*24*time.Hour)), &h)
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(h.ID, "step:mops").ID+"/complete", approve(), nil)
	s.must(http.StatusOK, "finn", http.MethodPost, "/api/v1/tasks/"+s.hiringTask(h.ID, "step:finance").ID+"/complete", approve(), nil)
	director := s.hiringTask(h.ID, "step:director")
	if director.Assignee != "ada" {
		t.Fatalf("the director step of dana's request is for %q, want the admin ada", director.Assignee)
	}
	s.must(http.StatusOK, "ada", http.MethodPost, "/api/v1/tasks/"+director.ID+"/complete", approve(), nil)
	s.hiringTask(h.ID, "step:hr")
	s.must(http.StatusOK, "dana", http.MethodGet, "/api/v1/hiring-requests/"+h.ID+"/timeline", nil, &timeline)
	if !hasEvent(timeline.Items, domain.EventTaskEscalated, "nobody but dana holds the director role") {
		t.Errorf("the hiring timeline does not say why the step went to ada: %+v", timeline.Items)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.saveHistory(ctx, contract.CampaignWorkflowID(c.ID), "campaign-sole-approver")
	s.saveHistory(ctx, contract.HiringWorkflowID(h.ID), "hiring-sole-approver")
}

// A KPI misses and raises its risk; recorded back on target, the risk resolves
// itself and the campaign's timeline says so.
func TestKPIRiskResolvesItselfOverHTTP(t *testing.T) {
	pol := seconds()
	pol.Campaign.TrackingWindow = dur(time.Minute)
	s := start(t, pol)
	brief := campaignBrief("Signups drive", 12*time.Second)
	brief["tracking_window"] = "1m"
	var c campaign
	s.must(http.StatusCreated, "pat", http.MethodPost, "/api/v1/campaigns", brief, &c)
	c = s.projected(s.waitFor(c.ID, "brief review", func(c campaign) bool { return len(c.open("brief_review")) == 1 }))
	s.must(http.StatusOK, "maya", http.MethodPost, "/api/v1/tasks/"+c.open("brief_review")[0].ID+"/complete", approve(), nil)
	c = s.projected(s.waitFor(c.ID, "production", func(c campaign) bool { return len(c.open("deliverable:")) > 0 }))
	for _, task := range c.open("deliverable:") {
		s.must(http.StatusOK, teamMember[task.Team], http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", done(nil), nil)
	}
	c = s.projected(s.waitFor(c.ID, "readiness", func(c campaign) bool { return len(c.open("sign_off:")) > 0 }))
	for _, task := range c.open("sign_off:") {
		s.must(http.StatusOK, task.Assignee, http.MethodPost, "/api/v1/tasks/"+task.ID+"/complete", approve(), nil)
	}
	s.waitFor(c.ID, "tracking", func(c campaign) bool { return c.Stage == domain.StageTracking })
	kpi := func(v float64) map[string]any {
		return map[string]any{"actuals": []map[string]any{{"name": "signups", "value": v}}}
	}
	s.must(http.StatusOK, "ana", http.MethodPost, "/api/v1/campaigns/"+c.ID+"/kpis", kpi(400), nil)
	risk := domain.LinkedRiskID(c.ID, "kpi:signups")
	waitRisk := func(what string, cond func(domain.Risk) bool) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			var r domain.Risk
			if s.call("pat", http.MethodGet, "/api/v1/risks/"+risk, nil, &r) == http.StatusOK && cond(r) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the KPI's risk never %s", what)
			}
		}
	}
	waitRisk("was raised", func(r domain.Risk) bool { return r.Status == domain.RiskOpen })
	s.must(http.StatusOK, "ana", http.MethodPost, "/api/v1/campaigns/"+c.ID+"/kpis", kpi(1200), nil)
	waitRisk("resolved itself", func(r domain.Risk) bool {
		return r.Status == domain.RiskResolved && strings.Contains(r.Reason, "cause cleared")
	})
	var timeline struct{ Items []domain.Event }
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		s.must(http.StatusOK, "pat", http.MethodGet, "/api/v1/campaigns/"+c.ID+"/timeline", nil, &timeline)
		if hasEvent(timeline.Items, domain.EventKPIOnTarget, risk+" it raised resolves itself") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the campaign's timeline does not say the KPI is back: %+v", timeline.Items)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.saveHistory(ctx, contract.CampaignWorkflowID(c.ID), "campaign-kpi-clears")
	s.saveHistory(ctx, contract.RiskWorkflowID(risk), "risk-kpi-cleared")
}

// hasEvent reports whether events holds one of kind whose message contains text.
func hasEvent(events []domain.Event, kind domain.EventKind, text string) bool {
	for _, e := range events {
		if e.Kind == kind && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}
