package domain

import "slices"

// Who may do what to a process. Each rule is one function, so the API (which
// enforces it), the workflows' update validators (which enforce it again) and the
// web pages (which offer only the actions a person may take) read the same rule.
// Each answers nil, or a refusal for ErrForbidden whose message says who may.

// campaignStarters are the roles that may start a campaign launch.
var campaignStarters = []Role{RoleProjectManager, RoleMarketingOpsManager, RoleAdmin}

// hireRequesters are the roles that may request a hire.
var hireRequesters = []Role{RoleProjectManager, RoleMarketingOpsManager, RoleDirector, RoleHR, RoleAdmin}

// CheckStartCampaign says whether a may start a campaign launch: project
// managers, marketing ops managers and admins.
func CheckStartCampaign(a Actor) error {
	if slices.ContainsFunc(campaignStarters, a.HasRole) {
		return nil
	}
	return Forbiddenf("starting a campaign needs the project_manager, marketing_ops_manager or admin role")
}

// CheckRequestHire says whether a may request a hire: project managers,
// marketing ops managers, directors, HR and admins.
func CheckRequestHire(a Actor) error {
	if slices.ContainsFunc(hireRequesters, a.HasRole) {
		return nil
	}
	return Forbiddenf("requesting a hire needs the project_manager, marketing_ops_manager, director, hr or admin role")
}

// reportReaders may read the reports (the overview, the workload): they are
// team performance data, for the people who run the processes and lead the
// teams, not for every member.
var reportReaders = []Role{RoleProjectManager, RoleMarketingOpsManager, RoleDirector, RoleAdmin}

// CheckReadReports says whether a may read the reports: project managers,
// marketing ops managers, directors and admins.
func CheckReadReports(a Actor) error {
	if slices.ContainsFunc(reportReaders, a.HasRole) {
		return nil
	}
	return Forbiddenf("reports need the project_manager, marketing_ops_manager, director or admin role")
}

// templateManagers may publish and retire process templates: marketing ops
// runs the organisation's processes, and admins run Tandem. Everyone may
// read templates, as they start runs from them.
var templateManagers = []Role{RoleMarketingOpsManager, RoleAdmin}

// CheckManageTemplates says whether a may publish a version of a process
// template or retire one: marketing ops managers and admins.
func CheckManageTemplates(a Actor) error {
	if slices.ContainsFunc(templateManagers, a.HasRole) {
		return nil
	}
	return Forbiddenf("publishing or retiring a process template needs the marketing_ops_manager or admin role")
}

// auditors may read the commands refused on a process, in its timeline: who
// tried what and was refused is for the people who run the processes
// (project managers and marketing ops) and admins, not for every reader.
var auditors = []Role{RoleProjectManager, RoleMarketingOpsManager, RoleAdmin}

// MayAudit reports whether a may read the refused commands of a process's
// timeline: project managers, marketing ops managers and admins.
func MayAudit(a Actor) bool { return slices.ContainsFunc(auditors, a.HasRole) }

// CheckNotificationPreferences says whether a may read and set the
// notification preferences of handle: the person themself, or an admin.
func CheckNotificationPreferences(a Actor, handle string) error {
	if a.Handle == handle || a.HasRole(RoleAdmin) {
		return nil
	}
	return Forbiddenf("only %s or an admin may read or set their notification preferences", handle)
}

// CheckManageCampaign says whether a may change the campaign c, add tasks to it
// or cancel it: its project manager, its marketing ops manager and admins. what
// completes the refusal: "only … may <what>".
func CheckManageCampaign(c Campaign, a Actor, what string) error {
	if (a.Handle != "" && (a.Handle == c.Brief.ProjectManager || a.Handle == c.Brief.MarketingOpsManager)) || a.HasRole(RoleAdmin) {
		return nil
	}
	return Forbiddenf("only the campaign's project manager or marketing ops manager may %s", what)
}

// CheckAddCampaignTask says whether a may add a task to the campaign c now: those
// who manage it, between planning and launch (the plan is made in planning; once
// launched, there is no work left to add).
func CheckAddCampaignTask(c Campaign, a Actor) error {
	if err := CheckManageCampaign(c, a, "add tasks"); err != nil {
		return err
	}
	switch {
	case c.Status.Terminal():
		return Conflictf("the campaign is %s", c.Status)
	case !c.Stage.BeforeLaunch() || c.Stage == StageBriefReview:
		return Conflictf("tasks are added between planning and launch; the campaign is in %s", c.Stage)
	}
	return nil
}

// CheckRecordKPIs says whether a may record KPI actuals of the campaign c: the
// analytics team besides those who manage it.
func CheckRecordKPIs(c Campaign, a Actor) error {
	if a.HasRole(RoleAnalytics) {
		return nil
	}
	return CheckManageCampaign(c, a, "record KPI actuals (or the analytics team)")
}

// CheckCancelHiring says whether a may cancel the hiring request r: its
// requester, marketing ops and admins.
func CheckCancelHiring(r HiringRequest, a Actor) error {
	if (a.Handle != "" && a.Handle == r.RequestedBy) || a.HasRole(RoleMarketingOpsManager) || a.HasRole(RoleAdmin) {
		return nil
	}
	return Forbiddenf("only the requester or marketing ops may cancel a hiring request")
}

// CheckAddCandidate says whether a may add a candidate to the hiring request r
// now: those who may read candidates (the requester, the hiring manager,
// marketing ops, HR and admins), while it is recruiting or making an offer.
func CheckAddCandidate(r HiringRequest, a Actor) error {
	switch {
	case !r.MayReadCandidates(a):
		return Forbiddenf("only the requester, the hiring manager, marketing ops or HR may add candidates")
	case r.Status.Terminal():
		return Conflictf("the hiring request is %s", r.Status)
	case r.Stage != StageRecruiting && r.Stage != StageOffer:
		return Conflictf("candidates are added in recruiting; the request is in %s", r.Stage)
	}
	return nil
}

// CheckReassign says whether a may give the task t to someone else: its
// assignee, the managers of its process (managers: Campaign.Managers and its
// siblings) and admins, while it is open. Who may receive it is the API's check:
// someone who could complete it.
func CheckReassign(t Task, managers []string, a Actor) error {
	switch {
	case !t.IsOpen():
		return Conflictf("task %s is %s", t.ID, t.Status)
	case a.Handle != "" && (a.Handle == t.Assignee || slices.Contains(managers, a.Handle)), a.HasRole(RoleAdmin):
		return nil
	}
	return Forbiddenf("only the assignee or the process's managers may reassign task %s", t.ID)
}

// Managers are the people who run the campaign: its project manager and its
// marketing ops manager. They may reassign its tasks and are told of its turns.
func (c Campaign) Managers() []string {
	return []string{c.Brief.ProjectManager, c.Brief.MarketingOpsManager}
}

// Managers are the people who run the hiring request: its requester and its
// hiring manager.
func (r HiringRequest) Managers() []string {
	return []string{r.RequestedBy, r.Request.HiringManager}
}

// Managers are the people who run the risk: its owner.
func (r Risk) Managers() []string { return []string{r.Owner} }

// HasRiskAuthority reports whether a may accept a high or critical risk:
// marketing ops managers and directors.
func HasRiskAuthority(a Actor) bool {
	return slices.ContainsFunc(riskAuthority, a.HasRole)
}

// CheckActOnRisk says whether a may re-assess or decide the risk r, whose tasks
// are tasks: its owner, whoever holds one of its open tasks (in person or as the
// holder's delegate), marketing ops, directors and admins. what completes the
// refusal: "re-assess", "resolve", ….
func CheckActOnRisk(r Risk, tasks []Task, a Actor, what string) error {
	if (a.Handle != "" && a.Handle == r.Owner) || HasRiskAuthority(a) || a.HasRole(RoleAdmin) {
		return nil
	}
	holds := func(t Task) bool {
		return t.IsOpen() && t.Assignee != "" && (t.Assignee == a.Handle || (a.OnBehalfOf != "" && t.Assignee == a.OnBehalfOf))
	}
	if slices.ContainsFunc(tasks, holds) {
		return nil
	}
	return Forbiddenf("only the risk's owner, whoever must act on it, marketing ops or a director may %s it", what)
}

// CheckAcceptRisk says whether a may accept the risk r as it is scored now: a
// high or critical risk needs the authority of marketing ops or a director.
func CheckAcceptRisk(r Risk, a Actor) error {
	if r.Severity.Rank() >= SeverityHigh.Rank() && !HasRiskAuthority(a) {
		return Forbiddenf("accepting a %s risk needs the authority of marketing ops or a director", r.Severity)
	}
	return nil
}

// CheckRiskDecision says whether decision d can be taken on a risk in status s,
// whoever asks: an ended risk takes none, only a materialized risk is closed, and
// a materialized risk takes nothing else.
func CheckRiskDecision(s RiskStatus, d RiskDecision) error {
	switch {
	case !slices.Contains(RiskDecisions, d):
		return Invalid(FieldProblem{Field: "decision", Problem: "must be resolve, accept, materialize or close"})
	case s.Terminal():
		return Conflictf("the risk is %s", s)
	case d == DecideClose && s != RiskMaterialized:
		return Conflictf("only a materialized risk is closed; resolve or accept this one")
	case d != DecideClose && s == RiskMaterialized:
		return Conflictf("the risk has materialized: close it once the issue is handled")
	}
	return nil
}
