package domain

import (
	"slices"
	"time"
)

// BoardFilter selects one column of a board: the running processes of a kind
// in one stage (a risk's column is its status), oldest first. Owner matches
// who the board names as the card's owner (a campaign's project manager or
// marketing ops manager, a hiring request's requester, a risk's owner); Team
// keeps the processes with an open task held by that team.
type BoardFilter struct {
	Process Process
	Stage   string
	Owner   string
	Team    Team
	ListOptions
}

// BoardStages are the columns of each board, in order: the stages a running
// process of the kind is in (for risks, the live statuses).
var BoardStages = map[Process][]string{
	ProcessCampaign: stageStrings(CampaignStages),
	ProcessHiring:   stageStrings(HiringStages),
	ProcessRisk:     {string(RiskOpen), string(RiskAcknowledged), string(RiskMaterialized)},
}

func stageStrings(v []Stage) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// ValidBoardStage reports whether stage is a column of p's board.
func ValidBoardStage(p Process, stage string) bool { return slices.Contains(BoardStages[p], stage) }

// BoardCard is a running process as its board draws it: what the card says
// and whom it waits on (its open tasks, and for a campaign held by a risk,
// the risk's decision), with the soonest due time among them.
type BoardCard struct {
	ID      string  `json:"id"`
	Process Process `json:"process"`
	Name    string  `json:"name"`
	// Stage is the column: the stage, or a risk's status.
	Stage string `json:"stage"`
	Owner string `json:"owner"`
	// HeldBy is the risk holding a campaign's launch; Step a hiring request's
	// step within its stage; Severity a risk's.
	HeldBy    string      `json:"held_by,omitempty"`
	Step      string      `json:"step,omitempty"`
	Severity  Severity    `json:"severity,omitempty"`
	WaitingOn []WaitingOn `json:"waiting_on"`
	// NextDue is the soonest due time of its open tasks; zero when none has one.
	NextDue   time.Time `json:"next_due,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

// SetWaiting fills WaitingOn and NextDue from the process's open tasks and
// the decisions it waits on besides them.
func (c *BoardCard) SetWaiting(open []Task, decisions []WaitingOn) {
	c.WaitingOn = append(WaitingOnOf(open), decisions...)
	for _, t := range open {
		if !t.DueAt.IsZero() && (c.NextDue.IsZero() || t.DueAt.Before(c.NextDue)) {
			c.NextDue = t.DueAt
		}
	}
}
