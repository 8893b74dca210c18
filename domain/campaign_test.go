package domain

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

func validBrief() Brief {
	return Brief{
		Name: "Spring", Objective: "Trials", Audience: "SMB", Channels: []Channel{ChannelEmail},
		Budget: Money{Amount: 1000, Currency: "EUR"}, LaunchAt: now.Add(30 * 24 * time.Hour),
		TrackingWindow: Duration(time.Hour), KPIs: []KPI{{Name: "signups", Target: 10, Direction: Higher}},
		ProjectManager: "pat", MarketingOpsManager: "maya",
	}
}

func problemFields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Field)
	}
	return out
}

func TestBriefValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Brief)
		fields []string
	}{
		{"valid", func(*Brief) {}, nil},
		{"no name", func(b *Brief) { b.Name = " " }, []string{"name"}},
		{"unknown channel", func(b *Brief) { b.Channels = []Channel{"tv"} }, []string{"channels"}},
		{"no channels", func(b *Brief) { b.Channels = nil }, []string{"channels"}},
		{"past launch", func(b *Brief) { b.LaunchAt = now.Add(-time.Hour) }, []string{"launch_at"}},
		{"bad currency", func(b *Brief) { b.Budget.Currency = "euro" }, []string{"budget.currency"}},
		{"negative budget", func(b *Brief) { b.Budget.Amount = -1 }, []string{"budget.amount"}},
		{"bad KPI", func(b *Brief) { b.KPIs = []KPI{{Name: "a", Direction: "up"}, {Name: "a", Direction: Lower}} }, []string{"kpis[0].direction", "kpis[1].name"}},
		{"no managers", func(b *Brief) { b.ProjectManager, b.MarketingOpsManager = "", "" }, []string{"project_manager", "marketing_ops_manager"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := validBrief()
			tc.change(&b)
			if got := problemFields(b.Validate(now)); !slices.Equal(got, tc.fields) {
				t.Errorf("problems with %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestPlanDerivesTasksFromChannels(t *testing.T) {
	pol := DefaultPolicy().Campaign
	keys := func(p []PlannedTask) []string {
		var out []string
		for _, t := range p {
			out = append(out, t.Key)
		}
		return out
	}
	b := validBrief()
	b.Channels = []Channel{ChannelPR}
	if got := keys(Plan(b, pol, now)); !slices.Equal(got, []string{"deliverable:copy", "deliverable:tracking"}) {
		t.Errorf("PR only: %v", got)
	}
	b.Regulated = true
	if got := keys(Plan(b, pol, now)); !slices.Contains(got, "deliverable:legal_review") {
		t.Errorf("regulated campaign without legal review: %v", got)
	}
	b.Regulated, b.Channels = false, []Channel{ChannelPaidSocial}
	plan := Plan(b, pol, now)
	if got := keys(plan); !slices.Equal(got, []string{"deliverable:assets", "deliverable:copy", "deliverable:landing_page", "deliverable:tracking", "deliverable:legal_review"}) {
		t.Errorf("paid social: %v", got)
	}
	if want := b.LaunchAt.Add(-168 * time.Hour); !plan[0].DueAt.Equal(want) {
		t.Errorf("assets due %s, want a week before launch %s", plan[0].DueAt, want)
	}
	b.LaunchAt = now.Add(time.Hour)
	for _, p := range Plan(b, pol, now) {
		if !p.DueAt.Equal(now) {
			t.Errorf("%s due %s: work for a launch too close is due now, not in the past", p.Key, p.DueAt)
		}
	}
}

func TestChangeApply(t *testing.T) {
	b := validBrief()
	later := now.Add(60 * 24 * time.Hour)
	got, err := Change{LaunchAt: &later, AddChannels: []Channel{ChannelWeb}, RemoveChannels: []Channel{ChannelEmail}, Reason: "moved"}.Apply(b, now)
	if err != nil || !got.LaunchAt.Equal(later) || !slices.Equal(got.Channels, []Channel{ChannelWeb}) {
		t.Fatalf("Apply = %+v, %v", got, err)
	}
	if !slices.Equal(b.Channels, []Channel{ChannelEmail}) {
		t.Error("Apply changed the original brief")
	}
	for _, tc := range []struct {
		name   string
		c      Change
		fields []string
	}{
		{"nothing", Change{Reason: "x"}, []string{"change"}},
		{"no reason", Change{AddChannels: []Channel{ChannelWeb}}, []string{"reason"}},
		{"add present channel", Change{AddChannels: []Channel{ChannelEmail}, Reason: "x"}, []string{"add_channels"}},
		{"remove absent channel", Change{RemoveChannels: []Channel{ChannelWeb}, Reason: "x"}, []string{"remove_channels"}},
		{"remove the last channel", Change{RemoveChannels: []Channel{ChannelEmail}, Reason: "x"}, []string{"remove_channels"}},
		{"other currency", Change{Budget: &Money{Amount: 5, Currency: "USD"}, Reason: "x"}, []string{"budget.currency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problemFields(func() error { _, err := tc.c.Apply(b, now); return err }()); !slices.Equal(got, tc.fields) {
				t.Errorf("problems with %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestNeedsBudgetApproval(t *testing.T) {
	old := Money{Amount: 100, Currency: "EUR"}
	for amount, want := range map[float64]bool{90: false, 110: false, 110.5: true, 200: true} {
		if got := NeedsBudgetApproval(old, Money{Amount: amount, Currency: "EUR"}, 0.1); got != want {
			t.Errorf("100 → %g: %v, want %v", amount, got, want)
		}
	}
}

func TestEvaluateKPIs(t *testing.T) {
	kpis := []KPI{{Name: "signups", Target: 100, Direction: Higher}, {Name: "cpa", Target: 40, Direction: Lower}, {Name: "nps", Target: 50, Direction: Higher}}
	actuals := []KPIActual{{Name: "signups", Value: 50}, {Name: "signups", Value: 85}, {Name: "cpa", Value: 52}}
	got := EvaluateKPIs(kpis, actuals, 0.2)
	if *got[0].Actual != 85 || *got[0].Attained || got[0].OffMark || got[0].Miss < 0.149 || got[0].Miss > 0.151 {
		t.Errorf("signups (latest 85 of 100, 15%% short) = %+v", got[0])
	}
	if *got[1].Attained || !got[1].OffMark {
		t.Errorf("cpa 52 against a ceiling of 40 (30%% over) = %+v, want off mark", got[1])
	}
	if got[2].Actual != nil || got[2].Attained != nil || got[2].OffMark {
		t.Errorf("nps with no actual = %+v", got[2])
	}
	zero := EvaluateKPIs([]KPI{{Name: "complaints", Target: 0, Direction: Lower}}, []KPIActual{{Name: "complaints", Value: 3}}, 0.2)
	if zero[0].Miss != 1 || !zero[0].OffMark {
		t.Errorf("a missed zero target = %+v, want fully missed", zero[0])
	}
	if _, err := json.Marshal(zero); err != nil {
		t.Errorf("report must encode as JSON: %v", err)
	}
	if err := CheckActuals(kpis, []KPIActual{{Name: "ctr", Value: 1}}); !slices.Equal(problemFields(err), []string{"actuals[0].name"}) {
		t.Errorf("unknown KPI: %v", err)
	}
}

func TestTimeInStage(t *testing.T) {
	left := now.Add(2 * time.Hour)
	spans := []StageSpan{{Stage: StageBriefReview, Entered: now, Left: &left}, {Stage: StagePlanning, Entered: left}}
	got := TimeInStage(spans, now.Add(5*time.Hour))
	if got[StageBriefReview].D() != 2*time.Hour || got[StagePlanning].D() != 3*time.Hour {
		t.Errorf("TimeInStage = %v", got)
	}
}

func TestStageBeforeLaunch(t *testing.T) {
	for s, want := range map[Stage]bool{StageBriefReview: true, StageScheduled: true, StageTracking: false, StageRetrospective: false, "nope": false} {
		if s.BeforeLaunch() != want {
			t.Errorf("%s.BeforeLaunch() = %v", s, !want)
		}
	}
}

func TestDefaultPolicyIsValidAndDurationsReadable(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	for d, want := range map[time.Duration]string{48 * time.Hour: `"48h"`, 90 * time.Minute: `"1h30m"`, 30 * time.Second: `"30s"`, 61 * time.Second: `"1m1s"`, 0: `"0s"`} {
		if b, _ := json.Marshal(Duration(d)); string(b) != want {
			t.Errorf("%s encodes as %s, want %s", time.Duration(d), b, want)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"90m"`), &d); err != nil || d.D() != 90*time.Minute {
		t.Errorf("decode 90m = %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); err == nil || !strings.Contains(err.Error(), "duration") {
		t.Errorf("decode soon: %v", err)
	}
	p.Campaign.SignOffSLA = 0
	p.Campaign.Deliverables = append(p.Campaign.Deliverables, Deliverable{Key: "assets", Team: "marketing", Role: RoleWeb})
	if got := problemFields(p.Validate()); !slices.Equal(got, []string{"campaign.deliverables[5].key", "campaign.deliverables[5].team", "campaign.sign_off_sla"}) {
		t.Errorf("bad policy problems: %v", got)
	}
}

func TestLaunchLateAgainstThePlannedTime(t *testing.T) {
	planned := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		launched time.Time
		want     bool
	}{
		{planned, false},
		{planned.Add(300 * time.Millisecond), false}, // the timer's own latency
		{planned.Add(LaunchTolerance), false},
		{planned.Add(LaunchTolerance + time.Second), true},
		{planned.Add(72 * time.Hour), true},
		{planned.Add(-time.Hour), false},
	} {
		if got := LaunchLate(planned, tc.launched); got != tc.want {
			t.Errorf("launched %s after the plan: late %t, want %t", tc.launched.Sub(planned), got, tc.want)
		}
	}
}
