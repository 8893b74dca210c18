package api

import (
	"time"

	"github.com/tandemhq/tandem/contract"
	"github.com/tandemhq/tandem/domain"
)

// The answers: campaigns, hiring requests, risks and tasks as the API answers
// them, in types of its own. The workflows' inputs, carried state, update
// results and the records' batches are kept as JSON in Temporal's histories
// with the domain's and the contract's field names; answering those types as
// they are tied the public JSON to them, so a field renamed for the API
// silently emptied it in running workflows, and a field renamed in a workflow
// renamed it in the API. These types are built from them by the functions
// below, field by field: either side may now change its JSON alone, and the
// function between them says what the answer makes of the change.
//
// They are structs of the API's own down to the values: strings, numbers,
// times, and the domain's enums and durations, whose JSON is their value
// (answers_test.go holds this, and that every field of a record is answered).
// Lists the answers promise as arrays are [] when empty; the others keep what
// the record holds.

// campaignItem is a campaign in a list: the record as the API answers it.
type campaignItem struct {
	ID          string          `json:"id"`
	WorkflowID  string          `json:"workflow_id"`
	Brief       briefBody       `json:"brief"`
	Status      domain.Status   `json:"status"`
	Stage       domain.Stage    `json:"stage"`
	RequestedBy string          `json:"requested_by"`
	Actuals     []kpiActualBody `json:"kpi_actuals"`
	KPIs        []kpiResultBody `json:"kpi_report"`
	Stages      []stageSpanBody `json:"stages"`
	Report      *reportBody     `json:"report,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Risks       []linkedRisk    `json:"risks,omitempty"`
	HeldBy      string          `json:"held_by,omitempty"`
	HeldSince   *time.Time      `json:"held_since,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// campaignBody is a campaign's detail: the record, its tasks and whom it waits
// on, plus, when the server knows the Temporal Web UI, a link to the run.
type campaignBody struct {
	campaignItem
	detailPart
}

// detailPart is what every process's detail answers beside its record.
type detailPart struct {
	Tasks     []taskBody      `json:"tasks"`
	WaitingOn []waitingOnBody `json:"waiting_on"`
	// TasksOmitted counts the oldest closed tasks the detail left out for size.
	TasksOmitted  int    `json:"tasks_omitted,omitempty"`
	TemporalUIURL string `json:"temporal_ui_url,omitempty"`
	// Live says the answer is the workflow's own view; false when it is built
	// from the records (the query failed, or a create answers before the
	// workflow has run), which may lag a moment behind.
	Live bool `json:"live"`
	// LiveUnavailable says, on a detail answered from the records, why the
	// workflow's own view could not be given.
	LiveUnavailable string `json:"live_unavailable,omitempty"`
}

type briefBody struct {
	Name                string           `json:"name"`
	Objective           string           `json:"objective"`
	Audience            string           `json:"audience"`
	Channels            []domain.Channel `json:"channels"`
	Budget              moneyBody        `json:"budget"`
	LaunchAt            time.Time        `json:"launch_at"`
	TrackingWindow      domain.Duration  `json:"tracking_window"`
	KPIs                []kpiBody        `json:"kpis"`
	ProjectManager      string           `json:"project_manager"`
	MarketingOpsManager string           `json:"marketing_ops_manager"`
	Regulated           bool             `json:"regulated"`
}

type moneyBody struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

type kpiBody struct {
	Name      string           `json:"name"`
	Target    float64          `json:"target"`
	Unit      string           `json:"unit"`
	Direction domain.Direction `json:"direction"`
}

type kpiActualBody struct {
	Name       string    `json:"name"`
	Value      float64   `json:"value"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

type kpiResultBody struct {
	kpiBody
	Actual   *float64 `json:"actual"`
	Attained *bool    `json:"attained"`
	Miss     float64  `json:"miss"`
	OffMark  bool     `json:"off_mark"`
}

type stageSpanBody struct {
	Stage   domain.Stage `json:"stage"`
	Entered time.Time    `json:"entered"`
	Left    *time.Time   `json:"left,omitempty"`
}

type reportBody struct {
	KPIs            []kpiResultBody                  `json:"kpis"`
	TimeInStage     map[domain.Stage]domain.Duration `json:"time_in_stage"`
	OverdueTasks    int                              `json:"overdue_tasks"`
	ReworkTasks     int                              `json:"rework_tasks"`
	PlannedLaunchAt *time.Time                       `json:"planned_launch_at,omitempty"`
	LaunchedAt      *time.Time                       `json:"launched_at,omitempty"`
	LaunchSlipped   bool                             `json:"launch_slipped"`
	Estimates       *estimateStatsBody               `json:"estimates,omitempty"`
}

// estimateStatsBody is how a campaign's estimates held (domain.EstimateStats).
type estimateStatsBody struct {
	Tasks          int     `json:"tasks"`
	EstimatedHours float64 `json:"estimated_hours"`
	ActualHours    float64 `json:"actual_hours"`
	MedianRatio    float64 `json:"median_ratio"`
	P25Ratio       float64 `json:"p25_ratio"`
	P75Ratio       float64 `json:"p75_ratio"`
}

// linkedRisk is a risk as a campaign's answer shows it. The count of news its
// runs sent (domain.LinkedRisk.Seq) is the workflow's bookkeeping, not answered.
type linkedRisk struct {
	ID       string            `json:"id"`
	Cause    string            `json:"cause,omitempty"`
	Severity domain.Severity   `json:"severity"`
	Status   domain.RiskStatus `json:"status"`
	Title    string            `json:"title,omitempty"`
	Owner    string            `json:"owner,omitempty"`
}

// campaignItemOf answers the campaign record c.
func campaignItemOf(c domain.Campaign) campaignItem {
	b := c.Brief
	return campaignItem{
		ID: c.ID, WorkflowID: c.WorkflowID,
		Brief: briefBody{
			Name: b.Name, Objective: b.Objective, Audience: b.Audience, Channels: nonNil(b.Channels),
			Budget: moneyBody(b.Budget), LaunchAt: b.LaunchAt, TrackingWindow: b.TrackingWindow,
			KPIs: nonNil(each(b.KPIs, kpiOf)), ProjectManager: b.ProjectManager,
			MarketingOpsManager: b.MarketingOpsManager, Regulated: b.Regulated,
		},
		Status: c.Status, Stage: c.Stage, RequestedBy: c.RequestedBy,
		Actuals: nonNil(each(c.Actuals, func(a domain.KPIActual) kpiActualBody { return kpiActualBody(a) })),
		KPIs:    nonNil(each(c.KPIs, kpiResultOf)),
		Stages:  nonNil(each(c.Stages, func(s domain.StageSpan) stageSpanBody { return stageSpanBody(s) })),
		Report:  reportOf(c.Report), Reason: c.Reason,
		Risks: each(c.Risks, func(l domain.LinkedRisk) linkedRisk {
			return linkedRisk{ID: l.ID, Cause: l.Cause, Severity: l.Severity, Status: l.Status, Title: l.Title, Owner: l.Owner}
		}),
		HeldBy: c.HeldBy, HeldSince: c.HeldSince, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

func kpiOf(k domain.KPI) kpiBody { return kpiBody(k) }

func kpiResultOf(r domain.KPIResult) kpiResultBody {
	return kpiResultBody{kpiBody: kpiOf(r.KPI), Actual: r.Actual, Attained: r.Attained, Miss: r.Miss, OffMark: r.OffMark}
}

func reportOf(r *domain.Report) *reportBody {
	if r == nil {
		return nil
	}
	return &reportBody{
		KPIs: each(r.KPIs, kpiResultOf), TimeInStage: r.TimeInStage, OverdueTasks: r.OverdueTasks,
		ReworkTasks: r.ReworkTasks, PlannedLaunchAt: r.PlannedLaunchAt, LaunchedAt: r.LaunchedAt,
		LaunchSlipped: r.LaunchSlipped,
		Estimates:     ptrOf(r.Estimates, func(e domain.EstimateStats) estimateStatsBody { return estimateStatsBody(e) }),
	}
}

func (s *Server) campaignBody(d contract.CampaignDetail, live bool) campaignBody {
	return campaignBody{campaignItem: campaignItemOf(d.Campaign), detailPart: s.detailPart(d.WorkflowID, d.Tasks, d.WaitingOn, d.TasksOmitted, live)}
}

func (s *Server) detailPart(workflowID string, tasks []domain.Task, waiting []domain.WaitingOn, omitted int, live bool) detailPart {
	return detailPart{
		Tasks: nonNil(each(tasks, taskOf)), WaitingOn: nonNil(each(waiting, waitingOnOf)), TasksOmitted: omitted,
		TemporalUIURL: s.temporalURL(workflowID), Live: live,
	}
}

// hiringItem is a hiring request in a list: the record as the API answers it.
type hiringItem struct {
	ID          string          `json:"id"`
	WorkflowID  string          `json:"workflow_id"`
	Request     requisitionBody `json:"request"`
	Status      domain.Status   `json:"status"`
	Stage       domain.Stage    `json:"stage"`
	Step        string          `json:"step,omitempty"`
	RequestedBy string          `json:"requested_by"`
	Round       int             `json:"round"`
	Chain       []chainStepBody `json:"chain"`
	Candidates  []candidateRef  `json:"candidates"`
	Offer       *offerBody      `json:"offer,omitempty"`
	Hired       string          `json:"hired,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// hiringBody is a hiring request's detail, as campaignBody is a campaign's.
type hiringBody struct {
	hiringItem
	detailPart
}

// requisitionBody is what a hiring request asks for: budget and justification
// are null for a reader not involved in the request (hideConfidential).
type requisitionBody struct {
	Title         string          `json:"title"`
	Team          domain.Team     `json:"team"`
	Level         string          `json:"level"`
	Kind          domain.HireKind `json:"kind"`
	Justification *string         `json:"justification"`
	Budget        *salaryBody     `json:"budget"`
	NeededBy      time.Time       `json:"needed_by"`
	HiringManager string          `json:"hiring_manager"`
}

type salaryBody struct {
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Currency string  `json:"currency"`
}

type chainStepBody struct {
	Key         string           `json:"key"`
	Title       string           `json:"title"`
	Role        domain.Role      `json:"role"`
	Team        domain.Team      `json:"team"`
	Approver    string           `json:"approver,omitempty"`
	Decision    domain.Decision  `json:"decision"`
	DecidedBy   string           `json:"decided_by,omitempty"`
	OnBehalfOf  string           `json:"on_behalf_of,omitempty"`
	Comment     string           `json:"comment,omitempty"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
	TaskID      string           `json:"task_id,omitempty"`
	Escalations []escalationBody `json:"escalations"`
}

type escalationBody struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// candidateRef is a candidate of a hiring request: name and e-mail only for
// those who may read them (joinCandidates).
type candidateRef struct {
	ID     string                 `json:"id"`
	Status domain.CandidateStatus `json:"status"`
	Name   string                 `json:"name,omitempty"`
	Email  string                 `json:"email,omitempty"`
}

type offerBody struct {
	CandidateID string  `json:"candidate_id"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency"`
}

// hiringItemOf answers the hiring request record h whole: for those who may
// read it all (hideConfidential leaves out the rest).
func hiringItemOf(h domain.HiringRequest) hiringItem {
	r := h.Request
	budget := salaryBody(r.Budget)
	return hiringItem{
		ID: h.ID, WorkflowID: h.WorkflowID,
		Request: requisitionBody{
			Title: r.Title, Team: r.Team, Level: r.Level, Kind: r.Kind, Justification: &r.Justification,
			Budget: &budget, NeededBy: r.NeededBy, HiringManager: r.HiringManager,
		},
		Status: h.Status, Stage: h.Stage, Step: h.Step, RequestedBy: h.RequestedBy, Round: h.Round,
		Chain: nonNil(each(h.Chain, func(c domain.ChainStep) chainStepBody {
			return chainStepBody{
				Key: c.Key, Title: c.Title, Role: c.Role, Team: c.Team, Approver: c.Approver, Decision: c.Decision,
				DecidedBy: c.DecidedBy, OnBehalfOf: c.OnBehalfOf, Comment: c.Comment, DecidedAt: c.DecidedAt, TaskID: c.TaskID,
				Escalations: nonNil(each(c.Escalations, func(e domain.Escalation) escalationBody { return escalationBody(e) })),
			}
		})),
		Candidates: nonNil(each(h.Candidates, func(c domain.CandidateRef) candidateRef { return candidateRef(c) })),
		Offer:      ptrOf(h.Offer, func(o domain.Offer) offerBody { return offerBody(o) }),
		Hired:      h.Hired, Reason: h.Reason, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
	}
}

// hideConfidential leaves out what only those involved in the request may read
// (domain.HiringRequest.MayReadConfidential): the budget, the justification
// and the offer.
func (h *hiringItem) hideConfidential() {
	h.Request.Justification, h.Request.Budget, h.Offer = nil, nil, nil
}

// hiringBody answers the detail d whole: for those who made or may decide it (a
// create, a cancel). A read by anyone else goes through hideHiring.
func (s *Server) hiringBody(d contract.HiringDetail, live bool) hiringBody {
	return hiringBody{hiringItem: hiringItemOf(d.HiringRequest), detailPart: s.detailPart(d.WorkflowID, d.Tasks, d.WaitingOn, d.TasksOmitted, live)}
}

// riskItem is a risk in a list: the record as the API answers it.
type riskItem struct {
	ID          string              `json:"id"`
	WorkflowID  string              `json:"workflow_id"`
	Title       string              `json:"title"`
	Description string              `json:"description,omitempty"`
	Category    domain.RiskCategory `json:"category"`
	Probability int                 `json:"probability"`
	Impact      int                 `json:"impact"`
	Score       int                 `json:"score"`
	Severity    domain.Severity     `json:"severity"`
	Owner       string              `json:"owner"`
	RaisedBy    string              `json:"raised_by"`
	Related     *relatedBody        `json:"related,omitempty"`
	Cause       string              `json:"cause,omitempty"`
	Status      domain.RiskStatus   `json:"status"`
	Level       int                 `json:"level"`
	Response    *riskPlanBody       `json:"response,omitempty"`
	Assessments []assessmentBody    `json:"score_history"`
	Escalations []riskEscalation    `json:"escalations"`
	Reason      string              `json:"reason,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	EndedAt     *time.Time          `json:"ended_at,omitempty"`
}

// riskBody is a risk's detail, as campaignBody is a campaign's.
type riskBody struct {
	riskItem
	detailPart
}

type relatedBody struct {
	Process domain.Process `json:"process"`
	ID      string         `json:"id"`
}

type riskPlanBody struct {
	Response domain.Response `json:"response"`
	Plan     string          `json:"plan"`
	DueAt    time.Time       `json:"due_at"`
	By       string          `json:"by"`
	At       time.Time       `json:"at"`
}

type assessmentBody struct {
	Probability int             `json:"probability"`
	Impact      int             `json:"impact"`
	Score       int             `json:"score"`
	Severity    domain.Severity `json:"severity"`
	By          string          `json:"by"`
	Comment     string          `json:"comment,omitempty"`
	At          time.Time       `json:"at"`
}

type riskEscalation struct {
	Level int       `json:"level"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Why   string    `json:"why"`
	At    time.Time `json:"at"`
}

// riskItemOf answers the risk record r.
func riskItemOf(r domain.Risk) riskItem {
	return riskItem{
		ID: r.ID, WorkflowID: r.WorkflowID, Title: r.Title, Description: r.Description, Category: r.Category,
		Probability: r.Probability, Impact: r.Impact, Score: r.Score, Severity: r.Severity, Owner: r.Owner,
		RaisedBy: r.RaisedBy, Related: ptrOf(r.Related, func(l domain.Related) relatedBody { return relatedBody(l) }),
		Cause: r.Cause, Status: r.Status, Level: r.Level,
		Response:    ptrOf(r.Response, func(p domain.RiskPlan) riskPlanBody { return riskPlanBody(p) }),
		Assessments: nonNil(each(r.Assessments, func(a domain.Assessment) assessmentBody { return assessmentBody(a) })),
		Escalations: nonNil(each(r.Escalations, func(e domain.RiskEscalation) riskEscalation { return riskEscalation(e) })),
		Reason:      r.Reason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, EndedAt: r.EndedAt,
	}
}

func (s *Server) riskBody(d contract.RiskDetail, live bool) riskBody {
	return riskBody{riskItem: riskItemOf(d.Risk), detailPart: s.detailPart(d.WorkflowID, d.Tasks, d.WaitingOn, d.TasksOmitted, live)}
}

// taskBody is a task as the API answers it, alone, in a list or in a detail.
type taskBody struct {
	ID              string            `json:"id"`
	Process         domain.Process    `json:"process"`
	ProcessID       string            `json:"process_id"`
	WorkflowID      string            `json:"workflow_id"`
	Kind            domain.TaskKind   `json:"kind"`
	Key             string            `json:"key,omitempty"`
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	Team            domain.Team       `json:"team,omitempty"`
	Role            domain.Role       `json:"role,omitempty"`
	Assignee        string            `json:"assignee,omitempty"`
	RequestedBy     string            `json:"requested_by,omitempty"`
	Status          domain.TaskStatus `json:"status"`
	DueAt           time.Time         `json:"due_at"`
	EscalationLevel int               `json:"escalation_level"`
	Outcome         domain.Outcome    `json:"outcome,omitempty"`
	Comment         string            `json:"comment,omitempty"`
	CompletedBy     string            `json:"completed_by,omitempty"`
	OnBehalfOf      string            `json:"on_behalf_of,omitempty"`
	CompletedAt     *time.Time        `json:"completed_at,omitempty"`
	Data            map[string]any    `json:"data,omitempty"`
	Form            *formBody         `json:"form,omitempty"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	DataOmitted     bool              `json:"data_omitted,omitempty"`
	EstimateHours   *float64          `json:"estimate_hours,omitempty"`
	ActualHours     *float64          `json:"actual_hours,omitempty"`
}

type formBody struct {
	Name   string          `json:"name"`
	Fields []formFieldBody `json:"fields"`
}

type formFieldBody struct {
	Name         string           `json:"name"`
	Type         domain.FieldType `json:"type"`
	Label        string           `json:"label"`
	Help         string           `json:"help,omitempty"`
	Required     bool             `json:"required,omitempty"`
	RequiredWhen *conditionBody   `json:"required_when,omitempty"`
	Min          *float64         `json:"min,omitempty"`
	Max          *float64         `json:"max,omitempty"`
	MaxLength    int              `json:"max_length,omitempty"`
	MaxItems     int              `json:"max_items,omitempty"`
	Future       bool             `json:"future,omitempty"`
	Currency     string           `json:"currency,omitempty"`
	Role         domain.Role      `json:"role,omitempty"`
	Choices      []choiceBody     `json:"choices,omitempty"`
	Fields       []formFieldBody  `json:"fields,omitempty"`
	ItemLabel    string           `json:"item_label,omitempty"`
	Default      any              `json:"default,omitempty"`
}

type choiceBody struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type conditionBody struct {
	Field  string `json:"field"`
	Equals any    `json:"equals"`
}

// taskOf answers the task t.
func taskOf(t domain.Task) taskBody {
	return taskBody{
		ID: t.ID, Process: t.Process, ProcessID: t.ProcessID, WorkflowID: t.WorkflowID, Kind: t.Kind, Key: t.Key,
		Title: t.Title, Description: t.Description, Team: t.Team, Role: t.Role, Assignee: t.Assignee,
		RequestedBy: t.RequestedBy, Status: t.Status, DueAt: t.DueAt, EscalationLevel: t.EscalationLevel,
		Outcome: t.Outcome, Comment: t.Comment, CompletedBy: t.CompletedBy, OnBehalfOf: t.OnBehalfOf,
		CompletedAt: t.CompletedAt, Data: t.Data,
		Form:      ptrOf(t.Form, func(f domain.Form) formBody { return formBody{Name: f.Name, Fields: each(f.Fields, formFieldOf)} }),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DataOmitted: t.DataOmitted,
		EstimateHours: t.EstimateHours, ActualHours: t.ActualHours,
	}
}

func formFieldOf(f domain.FormField) formFieldBody {
	return formFieldBody{
		Name: f.Name, Type: f.Type, Label: f.Label, Help: f.Help, Required: f.Required,
		RequiredWhen: ptrOf(f.RequiredWhen, func(c domain.Condition) conditionBody { return conditionBody(c) }),
		Min:          f.Min, Max: f.Max, MaxLength: f.MaxLength, MaxItems: f.MaxItems, Future: f.Future,
		Currency: f.Currency, Role: f.Role,
		Choices: each(f.Choices, func(c domain.Choice) choiceBody { return choiceBody(c) }),
		Fields:  each(f.Fields, formFieldOf), ItemLabel: f.ItemLabel, Default: f.Default,
	}
}

// waitingOnBody is one of whom a process waits on.
type waitingOnBody struct {
	TaskID   string        `json:"task_id,omitempty"`
	RiskID   string        `json:"risk_id,omitempty"`
	Title    string        `json:"title"`
	Team     domain.Team   `json:"team,omitempty"`
	Assignee string        `json:"assignee,omitempty"`
	Roles    []domain.Role `json:"roles,omitempty"`
	Since    time.Time     `json:"since"`
	DueAt    time.Time     `json:"due_at,omitzero"`
}

func waitingOnOf(w domain.WaitingOn) waitingOnBody { return waitingOnBody(w) }

// each answers every element of in with f: nil for nil, as the record has it.
func each[A, B any](in []A, f func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(a)
	}
	return out
}

// ptrOf answers what p points to with f, or nil.
func ptrOf[A, B any](p *A, f func(A) B) *B {
	if p == nil {
		return nil
	}
	b := f(*p)
	return &b
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
