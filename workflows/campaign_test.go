package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/workflows/campaign"
)

func TestCampaignRunsFromBriefToCompleted(t *testing.T) {
	h := newHarness(t)
	in := contract.CampaignInput{Brief: testBrief()}
	launch := in.Brief.LaunchAt.Sub(t0)

	h.approveBrief(time.Hour)
	h.at(2*time.Hour, func() {
		d := h.detail()
		if d.Stage != domain.StageProduction {
			t.Errorf("stage after approval = %s, want production", d.Stage)
		}
		var keys []string
		for _, w := range d.WaitingOn {
			keys = append(keys, w.Title)
		}
		// email + paid_search: assets, copy, landing page, tracking, and legal for the paid channel.
		if len(d.WaitingOn) != 5 {
			t.Errorf("waiting on %d tasks, want 5: %v", len(d.WaitingOn), keys)
		}
	})
	h.doWork(3 * time.Hour)
	h.signOff(4*time.Hour, pat, maya)
	h.at(5*time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageScheduled {
			t.Errorf("stage after sign-off = %s, want scheduled", s)
		}
	})
	h.at(launch+time.Hour, func() {
		if s := h.detail().Stage; s != domain.StageTracking {
			t.Errorf("stage after launch_at = %s, want tracking", s)
		}
		h.ok("record KPIs", contract.UpdateRecordKPIs, contract.RecordKPIsInput{Actor: ana, Actuals: []domain.KPIActual{
			{Name: "signups", Value: 1200}, {Name: "cpa", Value: 38},
		}})
	})
	h.at(launch+15*day, func() {
		d := h.detail()
		if d.Stage != domain.StageRetrospective || d.Report == nil {
			t.Fatalf("stage at the end of tracking = %s (report %v), want retrospective with a report", d.Stage, d.Report)
		}
		h.complete(h.openTask(campaign.KeyRetrospective+"pat"), pat, domain.OutcomeDone, "Start legal earlier", nil)
		h.complete(h.openTask(campaign.KeyRetrospective+"maya"), maya, domain.OutcomeDone, "Good KPIs", nil)
	})

	res := h.run(in)

	if res.Status != domain.StatusCompleted {
		t.Fatalf("status = %s, want completed", res.Status)
	}
	r := res.Report
	if r == nil || len(r.KPIs) != 2 || r.KPIs[0].Attained == nil || !*r.KPIs[0].Attained || !*r.KPIs[1].Attained {
		t.Fatalf("report KPIs = %+v, want both attained", r)
	}
	if r.LaunchedAt == nil || !r.LaunchedAt.Equal(in.Brief.LaunchAt) {
		t.Errorf("launched at %v, want %v", r.LaunchedAt, in.Brief.LaunchAt)
	}
	if got := r.TimeInStage[domain.StageScheduled].D(); got < 29*day {
		t.Errorf("time in scheduled = %s, want about 30 days", got)
	}
	if r.OverdueTasks != 0 || r.ReworkTasks != 0 || r.LaunchSlipped {
		t.Errorf("report = %+v, want no overdue, rework or slip", r)
	}
	var stages []domain.Stage
	for _, s := range h.recs.campaign.Stages {
		stages = append(stages, s.Stage)
	}
	if !slices.Equal(stages, domain.CampaignStages) {
		t.Errorf("stages = %v, want %v", stages, domain.CampaignStages)
	}
	if h.recs.campaign.Status != domain.StatusCompleted {
		t.Errorf("projected status = %s", h.recs.campaign.Status)
	}
	for id, task := range h.recs.tasks {
		if task.IsOpen() {
			t.Errorf("task %s %q still open in the records", id, task.Title)
		}
	}
	if n := len(h.recs.notificationsOf(domain.NotifyAssigned)); n < 10 {
		t.Errorf("%d assignment notifications, want one per task (at least 10)", n)
	}
}
