package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// board is one process's board: a column per stage, a card per running process.
type board struct {
	Slug    string // the path segment: /board/<slug>
	Title   string
	Process domain.Process
	Columns []string // stage (or, for risks, status) values in their order
	// cards lists the running processes of this kind for the owner filter, each
	// with its column set.
	cards func(a *App, r *http.Request, s *session, owner string) ([]card, bool, error)
}

// card is one process on a board.
type card struct {
	ID, Name, Link string
	Owner          string
	Column         string
	Badge          string // something to notice: a held launch, a risk's severity
	Waiting        []string
	NextDue        moment
	teams          []domain.Team // the teams it waits on, for the team filter
	// decisions are what it waits on besides its tasks: a risk holding its launch.
	decisions []domain.WaitingOn
	// Fields are what a template's card shows of its intake (board.card).
	Fields []fact
}

type column struct {
	Key, Label string
	Cards      []card
}

type boardData struct {
	Board   board
	Boards  []board
	Columns []column
	Team    string
	Owner   string
	Teams   []domain.Team
	People  []domain.Person
	Total   int
	More    bool // more processes than the board shows
	// Templates are the tabs of the templates' boards.
	Templates []startTab
	// OwnerLabel names whom the owner filter picks; "" is "Owner".
	OwnerLabel string
}

// maxCards bounds what one board draws; past it the page says so.
const maxCards = 600

var boards = []board{
	{Slug: "campaigns", Title: "Campaigns", Process: domain.ProcessCampaign,
		Columns: strs(domain.StageBriefReview, domain.StagePlanning, domain.StageProduction, domain.StageReadiness,
			domain.StageScheduled, domain.StageTracking, domain.StageRetrospective),
		cards: campaignCards},
	{Slug: "hiring-requests", Title: "Hiring", Process: domain.ProcessHiring,
		Columns: strs(domain.StageApproval, domain.StageRecruiting, domain.StageOffer, domain.StageOnboarding),
		cards:   hiringCards},
	{Slug: "risks", Title: "Risks", Process: domain.ProcessRisk,
		Columns: strs(domain.RiskOpen, domain.RiskAcknowledged, domain.RiskMaterialized),
		cards:   riskCards},
}

func strs[T ~string](v ...T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

func (a *App) boardRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /board", a.page(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/board/campaigns", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /board/{process}", a.authed(a.board))
}

func (a *App) board(w http.ResponseWriter, r *http.Request, s *session) {
	i := slices.IndexFunc(boards, func(b board) bool { return b.Slug == r.PathValue("process") })
	if i < 0 {
		a.render(w, r, http.StatusNotFound, "error", view{Session: s, Title: "Not found", Problem: "There is no board called " + r.PathValue("process") + "."})
		return
	}
	b := boards[i]
	q := r.URL.Query()
	d := boardData{Board: b, Boards: boards, Team: q.Get("team"), Owner: q.Get("owner"), Teams: domain.Teams}
	if d.Team != "" && !domain.Team(d.Team).Valid() {
		d.Team = ""
	}
	tabs, err := a.templateTabs(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.Templates = tabs

	cards, more, err := b.cards(a, r, s, d.Owner)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	open, _, err := list[domain.Task](a.api, r, s.auth, "/tasks", url.Values{"process": {string(b.Process)}, "status": {"open"}}, maxCards*4)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.People, d.More = s.dir, more
	d.Columns = a.columns(b, cards, open, domain.Team(d.Team), wd)
	for _, c := range d.Columns {
		d.Total += len(c.Cards)
	}
	a.render(w, r, http.StatusOK, "board", view{Session: s, Title: b.Title + " board", Nav: "board", Poll: true, Data: d})
}

// columns sorts cards into the board's columns, after adding to each what it
// waits on and its next due time from the open tasks. A team filter keeps the
// cards waiting on that team. Cards come soonest due first.
func (a *App) columns(b board, cards []card, open []domain.Task, team domain.Team, wd *words) []column {
	byProcess := map[string][]domain.Task{}
	for _, t := range open {
		byProcess[t.ProcessID] = append(byProcess[t.ProcessID], t)
	}
	cols := make([]column, len(b.Columns))
	for i, k := range b.Columns {
		cols[i] = column{Key: k, Label: label(k)}
	}
	for _, c := range cards {
		var next time.Time
		for _, t := range byProcess[c.ID] {
			who := wd.Name(t.Assignee)
			if who == "" {
				who = label(t.Team) + " team"
			}
			if !slices.Contains(c.Waiting, who) {
				c.Waiting = append(c.Waiting, who)
			}
			c.teams = append(c.teams, t.Team)
			if !t.DueAt.IsZero() && (next.IsZero() || t.DueAt.Before(next)) {
				next = t.DueAt
			}
		}
		for _, w := range c.decisions {
			who := anyOf(w.Roles)
			switch {
			case w.Assignee != "":
				who = wd.Name(w.Assignee) + " (risk owner)"
			case who == "":
				who = "the risk's owner"
			}
			if !slices.Contains(c.Waiting, who) {
				c.Waiting = append(c.Waiting, who)
			}
		}
		if team != "" && !slices.Contains(c.teams, team) {
			continue
		}
		c.NextDue = wd.Due(next)
		c.Owner = wd.Name(c.Owner)
		i := slices.IndexFunc(cols, func(col column) bool { return col.Key == c.Column })
		if i < 0 { // a stage this page does not know yet: still shown, never lost
			cols = append(cols, column{Key: c.Column, Label: label(c.Column)})
			i = len(cols) - 1
		}
		cols[i].Cards = append(cols[i].Cards, c)
	}
	for _, col := range cols {
		slices.SortStableFunc(col.Cards, func(x, y card) int {
			switch {
			case x.NextDue.At.IsZero() != y.NextDue.At.IsZero():
				if x.NextDue.At.IsZero() {
					return 1
				}
				return -1
			}
			return x.NextDue.At.Compare(y.NextDue.At)
		})
	}
	return cols
}

func campaignCards(a *App, r *http.Request, s *session, owner string) ([]card, bool, error) {
	q := url.Values{"status": {string(domain.StatusActive)}}
	if owner != "" {
		q.Set("owner", owner)
	}
	items, more, err := list[domain.Campaign](a.api, r, s.auth, "/campaigns", q, maxCards)
	cards := make([]card, 0, len(items))
	for _, c := range items {
		k := card{ID: c.ID, Name: c.Brief.Name, Link: processLink(domain.ProcessCampaign, c.ID), Owner: c.Brief.ProjectManager, Column: string(c.Stage)}
		if c.HeldBy != "" {
			k.Badge = "Launch held by a risk"
			k.decisions = c.WaitingOn(nil)
		}
		cards = append(cards, k)
	}
	return cards, more, err
}

func hiringCards(a *App, r *http.Request, s *session, owner string) ([]card, bool, error) {
	q := url.Values{"status": {string(domain.StatusActive)}}
	if owner != "" {
		q.Set("requested_by", owner)
	}
	items, more, err := list[domain.HiringRequest](a.api, r, s.auth, "/hiring-requests", q, maxCards)
	cards := make([]card, 0, len(items))
	for _, h := range items {
		k := card{ID: h.ID, Name: h.Request.Title, Link: processLink(domain.ProcessHiring, h.ID), Owner: h.RequestedBy, Column: string(h.Stage)}
		if h.Step != "" {
			k.Badge = "Step: " + label(h.Step)
		}
		cards = append(cards, k)
	}
	return cards, more, err
}

func riskCards(a *App, r *http.Request, s *session, owner string) ([]card, bool, error) {
	q := url.Values{}
	if owner != "" {
		q.Set("owner", owner)
	}
	// Ended risks are most of the register over time; the board shows the live ones.
	items, more, err := list[domain.Risk](a.api, r, s.auth, "/risks", q, maxCards*4)
	cards := make([]card, 0, len(items))
	for _, k := range items {
		if k.Status.Terminal() {
			continue
		}
		cards = append(cards, card{ID: k.ID, Name: k.Title, Link: processLink(domain.ProcessRisk, k.ID), Owner: k.Owner,
			Column: string(k.Status), Badge: label(k.Severity)})
	}
	return cards, more, err
}
