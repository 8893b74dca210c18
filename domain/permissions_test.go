package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestPermissions(t *testing.T) {
	pm := Actor{Handle: "pat", Team: TeamPMO, Roles: []Role{RoleProjectManager}}
	otherPM := Actor{Handle: "paula", Team: TeamPMO, Roles: []Role{RoleProjectManager}}
	mops := Actor{Handle: "maya", Team: TeamMarketingOps, Roles: []Role{RoleMarketingOpsManager}}
	otherMops := Actor{Handle: "mo", Team: TeamMarketingOps, Roles: []Role{RoleMarketingOpsManager}}
	designer := Actor{Handle: "cleo", Team: TeamCreative, Roles: []Role{RoleCreative}}
	analyst := Actor{Handle: "ana", Team: TeamAnalytics, Roles: []Role{RoleAnalytics}}
	director := Actor{Handle: "dora", Team: TeamLeadership, Roles: []Role{RoleDirector}}
	hr := Actor{Handle: "hana", Team: TeamHR, Roles: []Role{RoleHR}}
	finance := Actor{Handle: "finn", Team: TeamFinance, Roles: []Role{RoleFinance}}
	admin := Actor{Handle: "ada", Roles: []Role{RoleAdmin}}
	nobody := Actor{}
	// cleo acting for wes, who is out of office and holds the risk's open task.
	delegate := Actor{Handle: "cleo", Team: TeamCreative, Roles: []Role{RoleCreative}, OnBehalfOf: "wes"}

	camp := Campaign{Brief: Brief{ProjectManager: "pat", MarketingOpsManager: "maya"}}
	hire := HiringRequest{RequestedBy: "pat", Request: Requisition{HiringManager: "hugo"}}
	risk := Risk{Owner: "pat", Severity: SeverityMedium}
	high := Risk{Owner: "pat", Severity: SeverityHigh}
	critical := Risk{Owner: "pat", Severity: SeverityCritical}
	unowned := Risk{Severity: SeverityLow} // no owner: an empty handle must not own it
	cleosTask := []Task{{ID: "tsk_1", Status: TaskOpen, Assignee: "cleo"}}
	cleosDoneTask := []Task{{ID: "tsk_1", Status: TaskDone, Assignee: "cleo"}}
	wesTask := []Task{{ID: "tsk_2", Status: TaskOpen, Assignee: "wes"}}
	teamTask := []Task{{ID: "tsk_3", Status: TaskOpen, Team: TeamCreative, Role: RoleCreative}}
	planning := Campaign{Brief: camp.Brief, Status: StatusActive, Stage: StagePlanning}
	inReview := Campaign{Brief: camp.Brief, Status: StatusActive, Stage: StageBriefReview}
	launched := Campaign{Brief: camp.Brief, Status: StatusActive, Stage: StageTracking}
	ended := Campaign{Brief: camp.Brief, Status: StatusCancelled, Stage: StageProduction}
	recruiting := HiringRequest{RequestedBy: "pat", Request: Requisition{HiringManager: "hugo"}, Status: StatusActive, Stage: StageRecruiting}
	offering := recruiting
	offering.Stage = StageOffer
	approving := recruiting
	approving.Stage = StageApproval
	filled := recruiting
	filled.Status, filled.Stage = StatusFilled, StageOnboarding
	hiringManager := Actor{Handle: "hugo", Team: TeamAnalytics, Roles: []Role{RoleAnalytics}}
	cleosOpen := cleosTask[0]
	unassigned := teamTask[0]

	for _, tc := range []struct {
		name  string
		check func() error
		want  error  // nil, ErrForbidden, ErrConflict or ErrInvalid
		words string // in the refusal, when there is one
	}{
		{"PM starts a campaign", func() error { return CheckStartCampaign(pm) }, nil, ""},
		{"MOps starts a campaign", func() error { return CheckStartCampaign(mops) }, nil, ""},
		{"admin starts a campaign", func() error { return CheckStartCampaign(admin) }, nil, ""},
		{"director may not start a campaign", func() error { return CheckStartCampaign(director) }, ErrForbidden, "project_manager, marketing_ops_manager or admin"},
		{"creative may not start a campaign", func() error { return CheckStartCampaign(designer) }, ErrForbidden, "starting a campaign"},

		{"PM requests a hire", func() error { return CheckRequestHire(pm) }, nil, ""},
		{"director requests a hire", func() error { return CheckRequestHire(director) }, nil, ""},
		{"HR requests a hire", func() error { return CheckRequestHire(hr) }, nil, ""},
		{"finance may not request a hire", func() error { return CheckRequestHire(finance) }, ErrForbidden, "director, hr or admin"},
		{"creative may not request a hire", func() error { return CheckRequestHire(designer) }, ErrForbidden, "requesting a hire"},

		{"the campaign's PM changes it", func() error { return CheckManageCampaign(camp, pm, "change it") }, nil, ""},
		{"the campaign's MOps cancels it", func() error { return CheckManageCampaign(camp, mops, "cancel it") }, nil, ""},
		{"admin manages any campaign", func() error { return CheckManageCampaign(camp, admin, "change it") }, nil, ""},
		{"another PM may not change it", func() error { return CheckManageCampaign(camp, otherPM, "change it") }, ErrForbidden, "project manager or marketing ops manager may change it"},
		{"another MOps may not cancel it", func() error { return CheckManageCampaign(camp, otherMops, "cancel it") }, ErrForbidden, "may cancel it"},
		{"nobody does not match an empty manager", func() error { return CheckManageCampaign(Campaign{}, nobody, "change it") }, ErrForbidden, ""},

		{"analytics records KPIs", func() error { return CheckRecordKPIs(camp, analyst) }, nil, ""},
		{"the campaign's PM records KPIs", func() error { return CheckRecordKPIs(camp, pm) }, nil, ""},
		{"a creative may not record KPIs", func() error { return CheckRecordKPIs(camp, designer) }, ErrForbidden, "record KPI actuals (or the analytics team)"},
		{"another MOps may not record KPIs", func() error { return CheckRecordKPIs(camp, otherMops) }, ErrForbidden, ""},

		{"the requester cancels a hire", func() error { return CheckCancelHiring(hire, pm) }, nil, ""},
		{"any MOps cancels a hire", func() error { return CheckCancelHiring(hire, otherMops) }, nil, ""},
		{"admin cancels a hire", func() error { return CheckCancelHiring(hire, admin) }, nil, ""},
		{"another PM may not cancel a hire", func() error { return CheckCancelHiring(hire, otherPM) }, ErrForbidden, "only the requester or marketing ops"},
		{"HR may not cancel a hire", func() error { return CheckCancelHiring(hire, hr) }, ErrForbidden, ""},
		{"the hiring manager may not cancel a hire", func() error {
			return CheckCancelHiring(hire, Actor{Handle: "hugo", Roles: []Role{RoleProjectManager}})
		}, ErrForbidden, ""},

		{"the owner re-assesses a risk", func() error { return CheckActOnRisk(risk, nil, pm, "re-assess") }, nil, ""},
		{"MOps acts on any risk", func() error { return CheckActOnRisk(risk, nil, otherMops, "resolve") }, nil, ""},
		{"a director acts on any risk", func() error { return CheckActOnRisk(risk, nil, director, "resolve") }, nil, ""},
		{"admin acts on any risk", func() error { return CheckActOnRisk(risk, nil, admin, "close") }, nil, ""},
		{"the holder of an open task acts", func() error { return CheckActOnRisk(risk, cleosTask, designer, "re-assess") }, nil, ""},
		{"the delegate of a task's holder acts", func() error { return CheckActOnRisk(risk, wesTask, delegate, "resolve") }, nil, ""},
		{"a done task gives no say", func() error { return CheckActOnRisk(risk, cleosDoneTask, designer, "re-assess") }, ErrForbidden, "may re-assess it"},
		{"a team's unassigned task gives no say", func() error { return CheckActOnRisk(risk, teamTask, designer, "resolve") }, ErrForbidden, "may resolve it"},
		{"another PM may not act", func() error { return CheckActOnRisk(risk, wesTask, otherPM, "materialize") }, ErrForbidden, "owner, whoever must act on it, marketing ops or a director may materialize it"},
		{"nobody does not own an unowned risk", func() error { return CheckActOnRisk(unowned, nil, nobody, "resolve") }, ErrForbidden, ""},

		{"the owner accepts a medium risk", func() error { return CheckAcceptRisk(risk, pm) }, nil, ""},
		{"the owner may not accept a high risk", func() error { return CheckAcceptRisk(high, pm) }, ErrForbidden, "accepting a high risk needs the authority"},
		{"MOps accepts a critical risk", func() error { return CheckAcceptRisk(critical, mops) }, nil, ""},
		{"a director accepts a critical risk", func() error { return CheckAcceptRisk(critical, director) }, nil, ""},
		{"admin has no authority to accept a critical risk", func() error { return CheckAcceptRisk(critical, admin) }, ErrForbidden, "critical"},

		{"the PM adds a task in planning", func() error { return CheckAddCampaignTask(planning, pm) }, nil, ""},
		{"admin adds a task", func() error { return CheckAddCampaignTask(planning, admin) }, nil, ""},
		{"another PM may not add a task", func() error { return CheckAddCampaignTask(planning, otherPM) }, ErrForbidden, "may add tasks"},
		{"no task is added in brief review", func() error { return CheckAddCampaignTask(inReview, mops) }, ErrConflict, "between planning and launch"},
		{"no task is added after launch", func() error { return CheckAddCampaignTask(launched, pm) }, ErrConflict, "in tracking"},
		{"no task is added to an ended campaign", func() error { return CheckAddCampaignTask(ended, pm) }, ErrConflict, "cancelled"},

		{"HR adds a candidate", func() error { return CheckAddCandidate(recruiting, hr) }, nil, ""},
		{"the hiring manager adds a candidate", func() error { return CheckAddCandidate(recruiting, hiringManager) }, nil, ""},
		{"the requester adds a candidate during an offer", func() error { return CheckAddCandidate(offering, pm) }, nil, ""},
		{"finance may not add a candidate", func() error { return CheckAddCandidate(recruiting, finance) }, ErrForbidden, "may add candidates"},
		{"a director may not add a candidate", func() error { return CheckAddCandidate(recruiting, director) }, ErrForbidden, ""},
		{"no candidate before recruiting", func() error { return CheckAddCandidate(approving, hr) }, ErrConflict, "in approval"},
		{"no candidate once filled", func() error { return CheckAddCandidate(filled, hr) }, ErrConflict, "filled"},

		{"the assignee reassigns", func() error { return CheckReassign(cleosOpen, camp.Managers(), designer) }, nil, ""},
		{"a campaign's manager reassigns", func() error { return CheckReassign(unassigned, camp.Managers(), mops) }, nil, ""},
		{"a hiring manager reassigns", func() error { return CheckReassign(unassigned, hire.Managers(), hiringManager) }, nil, ""},
		{"a risk's owner reassigns", func() error { return CheckReassign(unassigned, risk.Managers(), pm) }, nil, ""},
		{"admin reassigns", func() error { return CheckReassign(unassigned, nil, admin) }, nil, ""},
		{"a team member may not reassign", func() error { return CheckReassign(unassigned, camp.Managers(), designer) }, ErrForbidden, "only the assignee or the process's managers"},
		{"nobody does not match an empty manager", func() error { return CheckReassign(unassigned, []string{""}, nobody) }, ErrForbidden, ""},
		{"a done task is not reassigned", func() error { return CheckReassign(cleosDoneTask[0], nil, designer) }, ErrConflict, "is done"},

		{"one sets one's own notification preferences", func() error { return CheckNotificationPreferences(pm, "pat") }, nil, ""},
		{"an admin sets anyone's notification preferences", func() error { return CheckNotificationPreferences(admin, "pat") }, nil, ""},
		{"nobody else sets them", func() error { return CheckNotificationPreferences(director, "pat") }, ErrForbidden, "only pat or an admin"},
		{"a PM reads reports", func() error { return CheckReadReports(pm) }, nil, ""},
		{"a director reads reports", func() error { return CheckReadReports(director) }, nil, ""},
		{"HR may not read reports", func() error { return CheckReadReports(hr) }, ErrForbidden, "reports need"},
		{"MOps manages templates", func() error { return CheckManageTemplates(mops) }, nil, ""},
		{"an admin manages templates", func() error { return CheckManageTemplates(admin) }, nil, ""},
		{"a PM may not manage templates", func() error { return CheckManageTemplates(pm) }, ErrForbidden, "marketing_ops_manager or admin"},
		{"a director may not manage templates", func() error { return CheckManageTemplates(director) }, ErrForbidden, "process template"},

		{"resolve an open risk", func() error { return CheckRiskDecision(RiskOpen, DecideResolve) }, nil, ""},
		{"materialize an acknowledged risk", func() error { return CheckRiskDecision(RiskAcknowledged, DecideMaterialize) }, nil, ""},
		{"close a materialized risk", func() error { return CheckRiskDecision(RiskMaterialized, DecideClose) }, nil, ""},
		{"close an open risk", func() error { return CheckRiskDecision(RiskOpen, DecideClose) }, ErrConflict, "only a materialized risk is closed"},
		{"accept a materialized risk", func() error { return CheckRiskDecision(RiskMaterialized, DecideAccept) }, ErrConflict, "close it once the issue is handled"},
		{"resolve a resolved risk", func() error { return CheckRiskDecision(RiskResolved, DecideResolve) }, ErrConflict, "the risk is resolved"},
		{"an unknown decision", func() error { return CheckRiskDecision(RiskOpen, "ignore") }, ErrInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check()
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.words) {
				t.Errorf("refusal %q does not say %q", err, tc.words)
			}
		})
	}
}

func TestMayAudit(t *testing.T) {
	for _, tc := range []struct {
		roles []Role
		want  bool
	}{
		{[]Role{RoleProjectManager}, true}, {[]Role{RoleMarketingOpsManager}, true}, {[]Role{RoleAdmin}, true},
		{[]Role{RoleDirector}, false}, {[]Role{RoleCreative}, false}, {[]Role{RoleHR}, false}, {nil, false},
	} {
		if got := MayAudit(Actor{Handle: "x", Roles: tc.roles}); got != tc.want {
			t.Errorf("MayAudit(%v) = %v, want %v", tc.roles, got, tc.want)
		}
	}
}

func TestNameKindOf(t *testing.T) {
	for id, want := range map[string]NameKind{
		"cmp_5kq3h8d2xw9a": NameCampaign, "hir_aaaaaaaaaaaa": NameHiring, "rsk_1": NameRisk, "tsk_abc": NameTask, "cnd_z9": NameCandidate,
		"cmp_": "", "cmp_ABC": "", "xyz_abc": "", "pat": "", "cmp_a-b": "", "cmp_" + strings.Repeat("a", 61): "",
	} {
		got, ok := NameKindOf(id)
		if got != want || ok != (want != "") {
			t.Errorf("NameKindOf(%q) = %q, %v; want %q", id, got, ok, want)
		}
	}
}
