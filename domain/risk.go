package domain

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// RiskCategory classifies a risk.
type RiskCategory string

// The risk categories of the contract.
const (
	CategorySchedule   RiskCategory = "schedule"
	CategoryBudget     RiskCategory = "budget"
	CategoryQuality    RiskCategory = "quality"
	CategoryCompliance RiskCategory = "compliance"
	CategoryResource   RiskCategory = "resource"
	CategoryMarket     RiskCategory = "market"
)

// RiskCategories lists every category, in the contract's order.
var RiskCategories = []RiskCategory{CategorySchedule, CategoryBudget, CategoryQuality, CategoryCompliance, CategoryResource, CategoryMarket}

// Severity is the band a risk's score falls in.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Rank orders severities: low 0 … critical 3; an unknown severity is -1.
func (s Severity) Rank() int { return slices.Index(Severities, s) }

// Score is probability × impact.
func Score(probability, impact int) int { return probability * impact }

// SeverityOf bands a score: 1–4 low, 5–9 medium, 10–16 high, 20–25 critical.
// (No product of two numbers from 1 to 5 lies between 16 and 20.)
func SeverityOf(score int) Severity {
	switch {
	case score >= 20:
		return SeverityCritical
	case score >= 10:
		return SeverityHigh
	case score >= 5:
		return SeverityMedium
	}
	return SeverityLow
}

// RiskStatus is where a risk is in its life.
type RiskStatus string

// Risk statuses. A risk is open until acknowledged; resolved, accepted and closed
// end it; a materialized risk became an issue and stays until it is closed.
const (
	RiskOpen         RiskStatus = "open"
	RiskAcknowledged RiskStatus = "acknowledged"
	RiskMaterialized RiskStatus = "materialized"
	RiskResolved     RiskStatus = "resolved"
	RiskAccepted     RiskStatus = "accepted"
	RiskClosed       RiskStatus = "closed"
)

// RiskStatuses lists every risk status.
var RiskStatuses = []RiskStatus{RiskOpen, RiskAcknowledged, RiskMaterialized, RiskResolved, RiskAccepted, RiskClosed}

// Terminal reports whether the risk has ended.
func (s RiskStatus) Terminal() bool {
	return s == RiskResolved || s == RiskAccepted || s == RiskClosed
}

// Response is how a risk's owner chooses to answer it.
type Response string

// The responses of the contract.
const (
	ResponseAvoid    Response = "avoid"
	ResponseMitigate Response = "mitigate"
	ResponseTransfer Response = "transfer"
	ResponseAccept   Response = "accept"
)

// Responses lists every response.
var Responses = []Response{ResponseAvoid, ResponseMitigate, ResponseTransfer, ResponseAccept}

// RiskDecision ends, or turns, a risk.
type RiskDecision string

// Decisions on a risk.
const (
	DecideResolve     RiskDecision = "resolve"
	DecideAccept      RiskDecision = "accept"
	DecideMaterialize RiskDecision = "materialize"
	DecideClose       RiskDecision = "close"
)

// RiskDecisions lists every decision on a risk.
var RiskDecisions = []RiskDecision{DecideResolve, DecideAccept, DecideMaterialize, DecideClose}

// Related names the process a risk belongs to.
type Related struct {
	Process Process `json:"process"`
	ID      string  `json:"id"`
}

// RiskRaise is what raising a risk takes, from a person or from another process.
type RiskRaise struct {
	Title       string       `json:"title"`
	Description string       `json:"description,omitempty"`
	Category    RiskCategory `json:"category"`
	Probability int          `json:"probability"`
	Impact      int          `json:"impact"`
	Owner       string       `json:"owner"`
	Related     *Related     `json:"related,omitempty"`
	// Cause is what raised it automatically ("overdue:tsk_…", "kpi:signups"); empty for people.
	Cause string `json:"cause,omitempty"`
}

// CheckLevels checks a probability and an impact: each 1 to 5.
func CheckLevels(p *Problems, probability, impact int) {
	if probability < 1 || probability > 5 {
		p.Add("probability", "must be a whole number from 1 to 5")
	}
	if impact < 1 || impact > 5 {
		p.Add("impact", "must be a whole number from 1 to 5")
	}
}

// Validate checks a raise. Knowing whether the owner and the related process exist
// is the caller's job.
func (r RiskRaise) Validate() error {
	var p Problems
	if RequireText(&p, "title", r.Title) {
		CheckText(&p, "title", r.Title, MaxNameChars)
	}
	CheckText(&p, "description", r.Description, MaxDescriptionChars)
	if !slices.Contains(RiskCategories, r.Category) {
		p.Add("category", "must be one of schedule, budget, quality, compliance, resource, market")
	}
	CheckLevels(&p, r.Probability, r.Impact)
	RequireText(&p, "owner", r.Owner)
	if r.Related != nil {
		switch {
		case r.Related.Process != ProcessCampaign && r.Related.Process != ProcessHiring:
			p.Add("related.process", "must be campaign or hiring")
		case r.Related.Process == ProcessCampaign && !HasPrefixID(r.Related.ID, PrefixCampaign):
			p.Add("related.id", "must be a campaign ID (cmp_…)")
		case r.Related.Process == ProcessHiring && !HasPrefixID(r.Related.ID, PrefixHiring):
			p.Add("related.id", "must be a hiring request ID (hir_…)")
		}
	}
	return p.Err()
}

// LinkedRiskID derives the ID of the risk a process raises for one cause, so a
// cause raises one risk however often it is reported.
func LinkedRiskID(processID, cause string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/risk/%s", processID, cause))
	return PrefixRisk + idEncoding.EncodeToString(sum[:])[:12]
}

// Assessment is one scoring of a risk: the first when raised, then each re-assessment.
type Assessment struct {
	Probability int       `json:"probability"`
	Impact      int       `json:"impact"`
	Score       int       `json:"score"`
	Severity    Severity  `json:"severity"`
	By          string    `json:"by"`
	Comment     string    `json:"comment,omitempty"`
	At          time.Time `json:"at"`
}

// RiskEscalation is one step of a risk's climb up the ladder.
type RiskEscalation struct {
	Level int       `json:"level"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Why   string    `json:"why"`
	At    time.Time `json:"at"`
}

// RiskPlan is the response chosen when a risk is acknowledged.
type RiskPlan struct {
	Response Response  `json:"response"`
	Plan     string    `json:"plan"`
	DueAt    time.Time `json:"due_at"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Risk is the record of a risk process: the projection of its workflow.
type Risk struct {
	ID          string       `json:"id"`
	WorkflowID  string       `json:"workflow_id"`
	Title       string       `json:"title"`
	Description string       `json:"description,omitempty"`
	Category    RiskCategory `json:"category"`
	Probability int          `json:"probability"`
	Impact      int          `json:"impact"`
	Score       int          `json:"score"`
	Severity    Severity     `json:"severity"`
	Owner       string       `json:"owner"`
	RaisedBy    string       `json:"raised_by"`
	Related     *Related     `json:"related,omitempty"`
	Cause       string       `json:"cause,omitempty"`
	Status      RiskStatus   `json:"status"`
	// Level is the rung of the ladder the acknowledgement has reached: 0 the owner.
	Level       int              `json:"level"`
	Response    *RiskPlan        `json:"response,omitempty"`
	Assessments []Assessment     `json:"score_history"`
	Escalations []RiskEscalation `json:"escalations"`
	Reason      string           `json:"reason,omitempty"` // the comment of the decision that ended or turned it
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	EndedAt     *time.Time       `json:"ended_at,omitempty"`
}

// LinkedRisk is a risk as the process it is linked to sees it.
type LinkedRisk struct {
	ID       string     `json:"id"`
	Cause    string     `json:"cause,omitempty"`
	Severity Severity   `json:"severity"`
	Status   RiskStatus `json:"status"`
	// Title and Owner say what the risk is and whose; news from before they were
	// sent leaves them empty.
	Title string `json:"title,omitempty"`
	Owner string `json:"owner,omitempty"`
	// Seq counts the news a risk's runs sent its process, so the process can
	// tell newer news from older. Zero: news from a run before it was counted,
	// or the reconciler's word that the risk's run ended.
	Seq int `json:"seq,omitempty"`
}

// Supersedes reports whether news l replaces old, what the process knew of the
// same risk. Newer news wins, by the risk's own count, and a risk that ended
// stays ended: an older signal replayed from a history (sealed, so it decodes)
// cannot take a risk back to an earlier state, nor hold a launch again.
// Uncounted news always wins, as before counting.
func (l LinkedRisk) Supersedes(old LinkedRisk) bool {
	switch {
	case l.Seq == 0:
		return true
	case old.Status.Terminal() && !l.Status.Terminal():
		return false
	}
	return l.Seq > old.Seq
}

// Holds reports whether the risk holds a launch: critical and not yet resolved,
// accepted or closed.
func (l LinkedRisk) Holds() bool { return l.Severity == SeverityCritical && !l.Status.Terminal() }

// Same reports whether l and old say the same about the risk's severity and
// status, whatever they say of its title and owner, which never change.
func (l LinkedRisk) Same(old LinkedRisk) bool {
	l.Title, l.Owner, old.Title, old.Owner = "", "", "", ""
	return l == old
}

// riskAuthority are the roles that may accept a high or critical risk (see
// HasRiskAuthority), in the order a page names them.
var riskAuthority = []Role{RoleMarketingOpsManager, RoleDirector}

// RiskFilter selects risks. Empty fields do not filter; Related is a process ID.
type RiskFilter struct {
	Severity Severity
	Status   RiskStatus
	Owner    string
	Related  string
	Name     string // the risks whose title holds it
	ListOptions
}

// BySeverity is a duration per severity.
type BySeverity struct {
	Low      Duration `json:"low" yaml:"low"`
	Medium   Duration `json:"medium" yaml:"medium"`
	High     Duration `json:"high" yaml:"high"`
	Critical Duration `json:"critical" yaml:"critical"`
}

// Of returns the duration for severity s.
func (b BySeverity) Of(s Severity) time.Duration {
	switch s {
	case SeverityCritical:
		return b.Critical.D()
	case SeverityHigh:
		return b.High.D()
	case SeverityMedium:
		return b.Medium.D()
	}
	return b.Low.D()
}

// Rungs of the escalation ladder besides roles.
const (
	RungOwner   = "owner"
	RungManager = "manager" // the owner's manager
)

// RiskPolicy is the policy of the risk process.
type RiskPolicy struct {
	// AcknowledgeSLA is how long each level of the ladder has to acknowledge a risk.
	AcknowledgeSLA BySeverity `json:"acknowledge_sla" yaml:"acknowledge_sla"`
	// ReviewEvery is the cadence of review tasks once a risk is acknowledged.
	ReviewEvery BySeverity `json:"review_every" yaml:"review_every"`
	// Ladder is whom an unacknowledged risk climbs to: "owner", "manager" (the
	// owner's manager), then roles, the first holder of each in handle order.
	Ladder []string `json:"ladder" yaml:"ladder"`
	// ContinueAsNewAfter bounds a risk's history: after this many steps the run
	// continues as new with its whole state.
	ContinueAsNewAfter int `json:"continue_as_new_after" yaml:"continue_as_new_after"`
}

func defaultRiskPolicy() RiskPolicy {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	return RiskPolicy{
		AcknowledgeSLA:     BySeverity{Low: h(72), Medium: h(24), High: h(4), Critical: h(1)},
		ReviewEvery:        BySeverity{Low: h(720), Medium: h(336), High: h(168), Critical: h(24)},
		Ladder:             []string{RungOwner, RungManager, string(RoleMarketingOpsManager), string(RoleDirector)},
		ContinueAsNewAfter: 500,
	}
}

// check adds the policy's problems to p.
func (r RiskPolicy) check(p *Problems) {
	for _, b := range []struct {
		name string
		v    BySeverity
	}{{"risk.acknowledge_sla", r.AcknowledgeSLA}, {"risk.review_every", r.ReviewEvery}} {
		for _, s := range Severities {
			if b.v.Of(s) <= 0 {
				p.Add(b.name+"."+string(s), "must be a positive duration")
			}
		}
	}
	if len(r.Ladder) == 0 || r.Ladder[0] != RungOwner {
		p.Add("risk.ladder", "must start with owner")
	}
	for i, rung := range r.Ladder {
		if i > 0 && rung != RungManager && !Role(rung).Valid() {
			p.Add(fmt.Sprintf("risk.ladder[%d]", i), "must be manager or a role, not %q", rung)
		}
	}
	if r.ContinueAsNewAfter < 1 {
		p.Add("risk.continue_as_new_after", "must be at least 1")
	}
}
