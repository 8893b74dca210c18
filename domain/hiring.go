package domain

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// PrefixCandidate is the ID prefix of candidates: cnd_…. Candidates' names and
// e-mails live only in the database; processes carry these IDs alone.
const PrefixCandidate = "cnd_"

// Stages of a hiring request.
const (
	StageApproval   Stage = "approval"
	StageRecruiting Stage = "recruiting"
	StageOffer      Stage = "offer"
	StageOnboarding Stage = "onboarding"
)

// HiringStages lists the stages of a hiring request in order.
var HiringStages = []Stage{StageApproval, StageRecruiting, StageOffer, StageOnboarding}

// Terminal statuses only a hiring request reaches.
const (
	StatusFilled  Status = "filled"
	StatusExpired Status = "expired"
)

// HiringStatuses lists the statuses of a hiring request.
var HiringStatuses = []Status{StatusActive, StatusFilled, StatusRejected, StatusCancelled, StatusExpired}

// HireKind says whether a role is new headcount or replaces someone.
type HireKind string

// Kinds of hire.
const (
	HireNew      HireKind = "new"
	HireBackfill HireKind = "backfill"
)

// SalaryRange is the budget of a role: a yearly salary from Min to Max.
type SalaryRange struct {
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Currency string  `json:"currency"`
}

// Requisition is what a requester asks for in a hiring request.
type Requisition struct {
	Title         string      `json:"title"`
	Team          Team        `json:"team"`
	Level         string      `json:"level"`
	Kind          HireKind    `json:"kind"`
	Justification string      `json:"justification"`
	Budget        SalaryRange `json:"budget"`
	NeededBy      time.Time   `json:"needed_by"`
	HiringManager string      `json:"hiring_manager"`
}

// Validate checks a requisition at now. Whether the hiring manager exists is the
// caller's check: the domain has no directory.
func (r Requisition) Validate(now time.Time) error {
	var p Problems
	text := func(field, v string, max int) {
		if v = strings.TrimSpace(v); RequireText(&p, field, v) {
			CheckText(&p, field, v, max)
		}
	}
	text("title", r.Title, MaxNameChars)
	text("level", r.Level, MaxLevelChars)
	text("justification", r.Justification, MaxJustificationChars)
	if !r.Team.Valid() {
		p.Add("team", "unknown team %q", r.Team)
	}
	if r.Kind != HireNew && r.Kind != HireBackfill {
		p.Add("kind", "must be new or backfill")
	}
	switch b := r.Budget; {
	case b.Min < 0 || b.Max <= 0:
		p.Add("budget", "min must not be negative and max must be positive")
	case b.Min > b.Max:
		p.Add("budget.min", "must not exceed budget.max")
	}
	if !validCurrency(r.Budget.Currency) {
		p.Add("budget.currency", "must be an ISO 4217 code like EUR")
	}
	if !r.NeededBy.After(now) {
		p.Add("needed_by", "must be in the future")
	}
	RequireText(&p, "hiring_manager", r.HiringManager)
	return p.Err()
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Revision is what a requester changes when resubmitting after changes were
// requested; nil fields stay as they were.
type Revision struct {
	Title         *string         `json:"title,omitempty"`
	Level         *string         `json:"level,omitempty"`
	Justification *string         `json:"justification,omitempty"`
	Budget        *BudgetRevision `json:"budget,omitempty"`
	NeededBy      *time.Time      `json:"needed_by,omitempty"`
}

// BudgetRevision is what a revision changes of the budget; nil parts stay as
// they were, as the revision form's defaults say. (A budget given whole, as
// every revision before the forms gave it, changes all three.)
type BudgetRevision struct {
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Currency *string  `json:"currency,omitempty"`
}

// Apply returns r with the revision's fields, validated at now.
func (v Revision) Apply(r Requisition, now time.Time) (Requisition, error) {
	if v.Title != nil {
		r.Title = *v.Title
	}
	if v.Level != nil {
		r.Level = *v.Level
	}
	if v.Justification != nil {
		r.Justification = *v.Justification
	}
	if b := v.Budget; b != nil {
		if b.Min != nil {
			r.Budget.Min = *b.Min
		}
		if b.Max != nil {
			r.Budget.Max = *b.Max
		}
		if b.Currency != nil {
			r.Budget.Currency = *b.Currency
		}
	}
	if v.NeededBy != nil {
		r.NeededBy = v.NeededBy.UTC()
	}
	return r, r.Validate(now)
}

// HiringPolicy is the policy of the hiring process.
type HiringPolicy struct {
	// Chain is the approval chain, in order.
	Chain []ApprovalStep `json:"chain" yaml:"chain"`
	// Escalation says where a step goes at its SLA when its approver has no manager
	// (or nobody was assigned): the next role up.
	Escalation []EscalationRung `json:"escalation" yaml:"escalation"`
	// ReviseSLA is how long the requester has to revise after changes were requested.
	ReviseSLA Duration `json:"revise_sla" yaml:"revise_sla"`
	// PostingSLA is how long HR has to post the role.
	PostingSLA Duration `json:"posting_sla" yaml:"posting_sla"`
	// InterviewSLA is how long the hiring manager has to give feedback on a candidate.
	InterviewSLA Duration `json:"interview_sla" yaml:"interview_sla"`
	// OfferApprovalSLA is how long each offer approval may take before it escalates.
	OfferApprovalSLA Duration `json:"offer_approval_sla" yaml:"offer_approval_sla"`
	// AnswerSLA is how long HR has to record the candidate's answer to an offer.
	AnswerSLA Duration `json:"answer_sla" yaml:"answer_sla"`
	// OnboardingSLA is how long each onboarding task may take.
	OnboardingSLA Duration `json:"onboarding_sla" yaml:"onboarding_sla"`
	// Onboarding are the tasks opened once an offer is accepted.
	Onboarding []OnboardingTask `json:"onboarding" yaml:"onboarding"`
}

// ApprovalStep is one step of the approval chain.
type ApprovalStep struct {
	Key   string   `json:"key" yaml:"key"`
	Title string   `json:"title" yaml:"title"`
	Role  Role     `json:"role" yaml:"role"`
	Team  Team     `json:"team" yaml:"team"`
	SLA   Duration `json:"sla" yaml:"sla"`
	// WhenBudgetAbove, when positive, makes the step apply only to requests whose
	// budget.max exceeds it.
	WhenBudgetAbove float64 `json:"when_budget_above,omitempty" yaml:"when_budget_above,omitempty"`
}

// Applies reports whether the step is part of the chain for budget b.
func (s ApprovalStep) Applies(b SalaryRange) bool {
	return s.WhenBudgetAbove <= 0 || b.Max > s.WhenBudgetAbove
}

// EscalationRung sends work of role From one level up: to the holders of To in Team.
type EscalationRung struct {
	From Role `json:"from" yaml:"from"`
	To   Role `json:"to" yaml:"to"`
	Team Team `json:"team" yaml:"team"`
}

// OnboardingTask is one task of the onboarding stage.
type OnboardingTask struct {
	Key   string `json:"key" yaml:"key"`
	Title string `json:"title" yaml:"title"`
	Team  Team   `json:"team,omitempty" yaml:"team,omitempty"`
	Role  Role   `json:"role" yaml:"role"`
	// ForHiringManager assigns the task to the request's hiring manager.
	ForHiringManager bool `json:"for_hiring_manager,omitempty" yaml:"for_hiring_manager,omitempty"`
}

// ChainFor returns the steps of the chain that apply to budget b.
func (h HiringPolicy) ChainFor(b SalaryRange) []ApprovalStep {
	var out []ApprovalStep
	for _, s := range h.Chain {
		if s.Applies(b) {
			out = append(out, s)
		}
	}
	return out
}

// Up returns the rung that escalates role r, if the policy has one.
func (h HiringPolicy) Up(r Role) (EscalationRung, bool) {
	for _, rung := range h.Escalation {
		if rung.From == r {
			return rung, true
		}
	}
	return EscalationRung{}, false
}

func defaultHiringPolicy() HiringPolicy {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	return HiringPolicy{
		Chain: []ApprovalStep{
			{Key: "mops", Title: "Headcount approval", Role: RoleMarketingOpsManager, Team: TeamMarketingOps, SLA: h(48)},
			{Key: "finance", Title: "Budget approval", Role: RoleFinance, Team: TeamFinance, SLA: h(48)},
			{Key: "director", Title: "Director approval", Role: RoleDirector, Team: TeamLeadership, SLA: h(72), WhenBudgetAbove: 150000},
			{Key: "hr", Title: "Open the requisition", Role: RoleHR, Team: TeamHR, SLA: h(48)},
		},
		Escalation: []EscalationRung{
			{From: RoleMarketingOpsManager, To: RoleDirector, Team: TeamLeadership},
			{From: RoleFinance, To: RoleDirector, Team: TeamLeadership},
			{From: RoleHR, To: RoleDirector, Team: TeamLeadership},
		},
		ReviseSLA:        h(72),
		PostingSLA:       h(72),
		InterviewSLA:     h(168),
		OfferApprovalSLA: h(48),
		AnswerSLA:        h(168),
		OnboardingSLA:    h(336),
		Onboarding: []OnboardingTask{
			{Key: "it_setup", Title: "IT setup: accounts and equipment", Role: RoleAdmin},
			{Key: "onboarding_plan", Title: "Onboarding plan", Team: TeamPMO, Role: RoleProjectManager, ForHiringManager: true},
			{Key: "hr_paperwork", Title: "HR paperwork", Team: TeamHR, Role: RoleHR},
		},
	}
}

// check adds the policy's problems to p.
func (h HiringPolicy) check(p *Problems) {
	if len(h.Chain) == 0 {
		p.Add("hiring.chain", "needs at least one step")
	}
	seen := map[string]bool{}
	for i, s := range h.Chain {
		f := fmt.Sprintf("hiring.chain[%d]", i)
		if s.Key == "" || seen[s.Key] {
			p.Add(f+".key", "must be set and unique")
		}
		seen[s.Key] = true
		if !s.Role.Valid() {
			p.Add(f+".role", "unknown role %q", s.Role)
		}
		if !s.Team.Valid() {
			p.Add(f+".team", "unknown team %q", s.Team)
		}
		if s.SLA <= 0 {
			p.Add(f+".sla", "must be a positive duration")
		}
		if s.WhenBudgetAbove < 0 {
			p.Add(f+".when_budget_above", "must not be negative")
		}
	}
	for i, r := range h.Escalation {
		f := fmt.Sprintf("hiring.escalation[%d]", i)
		if !r.From.Valid() || !r.To.Valid() || r.From == r.To {
			p.Add(f, "from and to must be two known roles")
		}
		if !r.Team.Valid() {
			p.Add(f+".team", "unknown team %q", r.Team)
		}
	}
	for name, d := range map[string]Duration{
		"hiring.revise_sla": h.ReviseSLA, "hiring.posting_sla": h.PostingSLA, "hiring.interview_sla": h.InterviewSLA,
		"hiring.offer_approval_sla": h.OfferApprovalSLA, "hiring.answer_sla": h.AnswerSLA, "hiring.onboarding_sla": h.OnboardingSLA,
	} {
		if d <= 0 {
			p.Add(name, "must be a positive duration")
		}
	}
	seen = map[string]bool{}
	for i, t := range h.Onboarding {
		f := fmt.Sprintf("hiring.onboarding[%d]", i)
		if t.Key == "" || seen[t.Key] {
			p.Add(f+".key", "must be set and unique")
		}
		seen[t.Key] = true
		if !t.Role.Valid() {
			p.Add(f+".role", "unknown role %q", t.Role)
		}
		if t.Team != "" && !t.Team.Valid() {
			p.Add(f+".team", "unknown team %q", t.Team)
		}
	}
}

// Decision is what an approver decided on a step.
type Decision string

// Decisions on a chain step; pending until someone decides.
const (
	DecisionPending          Decision = "pending"
	DecisionApproved         Decision = "approved"
	DecisionRejected         Decision = "rejected"
	DecisionChangesRequested Decision = "changes_requested"
)

// ChainStep is one step of a request's approval chain as it stands.
type ChainStep struct {
	Key         string       `json:"key"`
	Title       string       `json:"title"`
	Role        Role         `json:"role"`
	Team        Team         `json:"team"`
	Approver    string       `json:"approver,omitempty"` // whom it waits for now; empty: anyone holding the role
	Decision    Decision     `json:"decision"`
	DecidedBy   string       `json:"decided_by,omitempty"`
	OnBehalfOf  string       `json:"on_behalf_of,omitempty"`
	Comment     string       `json:"comment,omitempty"`
	DecidedAt   *time.Time   `json:"decided_at,omitempty"`
	TaskID      string       `json:"task_id,omitempty"`
	Escalations []Escalation `json:"escalations"`
}

// Escalation is one move of a step up the ladder at its SLA.
type Escalation struct {
	From string    `json:"from"` // a handle, or "role:team" for a group
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// CandidateStatus is where a candidate is in recruiting.
type CandidateStatus string

// Candidate statuses.
const (
	CandidateInterviewing CandidateStatus = "interviewing"
	CandidateNotHired     CandidateStatus = "not_hired"
	CandidateOffered      CandidateStatus = "offered"
	CandidateDeclined     CandidateStatus = "declined"
	CandidateHired        CandidateStatus = "hired"
)

// CandidateRef is a candidate as a process knows them: an ID, never a name.
type CandidateRef struct {
	ID     string          `json:"id"`
	Status CandidateStatus `json:"status"`
	// Name and Email are filled by the API from the database, only for those who
	// may read candidate data; processes never carry them.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Offer is an offer to a candidate.
type Offer struct {
	CandidateID string  `json:"candidate_id"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency"`
}

// HiringRequest is the record of a hiring process: the projection of its workflow.
type HiringRequest struct {
	ID          string         `json:"id"`
	WorkflowID  string         `json:"workflow_id"`
	Request     Requisition    `json:"request"`
	Status      Status         `json:"status"`
	Stage       Stage          `json:"stage"`
	Step        string         `json:"step,omitempty"` // the chain step in approval
	RequestedBy string         `json:"requested_by"`
	Round       int            `json:"round"` // approval rounds: a resubmission starts the next
	Chain       []ChainStep    `json:"chain"`
	Candidates  []CandidateRef `json:"candidates"`
	Offer       *Offer         `json:"offer,omitempty"`
	Hired       string         `json:"hired,omitempty"` // the candidate ID who accepted
	Reason      string         `json:"reason,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// MayReadCandidates reports whether a person may see candidates' names and
// e-mails: the requester, the hiring manager, marketing ops, HR and admins. Others
// see candidate IDs only.
func (r HiringRequest) MayReadCandidates(a Actor) bool {
	return a.Handle == r.RequestedBy || a.Handle == r.Request.HiringManager ||
		a.HasRole(RoleMarketingOpsManager) || a.HasRole(RoleHR) || a.HasRole(RoleAdmin)
}

// MayReadConfidential reports whether a may read what a hiring request keeps
// from everyone else (its budget, justification, interview feedback and offer):
// the requester, the hiring manager, the roles that approve or run hiring
// (marketing ops, finance, HR, directors), admins, and whoever decides or
// decided a step of its approval chain (a step may go to a manager).
func (r HiringRequest) MayReadConfidential(a Actor) bool {
	if r.MayReadCandidates(a) || a.HasRole(RoleFinance) || a.HasRole(RoleDirector) {
		return true
	}
	return a.Handle != "" && slices.ContainsFunc(r.Chain, func(s ChainStep) bool { return s.Approver == a.Handle || s.DecidedBy == a.Handle })
}

// MayReadConfidentialWith is MayReadConfidential, knowing tasks, the request's
// own: whoever holds or completed one of them is involved too (an offer's
// approval may go to a manager, and its task says what it decides).
func (r HiringRequest) MayReadConfidentialWith(a Actor, tasks []Task) bool {
	return r.MayReadConfidential(a) || (a.Handle != "" && slices.ContainsFunc(tasks, func(t Task) bool {
		return t.ProcessID == r.ID && (t.Assignee == a.Handle || t.CompletedBy == a.Handle)
	}))
}

// HideConfidential leaves out of r what only those involved may read: the
// budget, the justification and the offer.
func (r *HiringRequest) HideConfidential() {
	r.Request.Budget, r.Request.Justification, r.Offer = SalaryRange{}, "", nil
}

// HiringFilter selects hiring requests. Empty fields do not filter; Name keeps
// the requests whose role's title holds it.
type HiringFilter struct {
	Status      Status
	RequestedBy string
	Team        Team
	Name        string
	ListOptions
}

// Candidate is a person applying for a role: personal data, kept in the database only.
type Candidate struct {
	ID        string    `json:"id"`
	HiringID  string    `json:"hiring_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	AddedBy   string    `json:"added_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a candidate's name and e-mail.
func (c Candidate) Validate() error {
	var p Problems
	if n := strings.TrimSpace(c.Name); RequireText(&p, "name", n) {
		CheckText(&p, "name", n, MaxNameChars)
	}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 254 {
		p.Add("email", "must be an e-mail address like ana@example.com")
	}
	return p.Err()
}
