package web

import (
	"cmp"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// board is one process's board: a column per stage, a card per running process.
type board struct {
	Slug    string // the path segment: /board/<slug>
	Title   string
	Process domain.Process
	Columns []string // stage (or, for risks, status) values in their order
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
	// Fields are what a template's card shows of its intake (board.card).
	Fields []fact
}

type column struct {
	Key, Label string
	Cards      []card
	// More is the link to the column's next cards, First back to its first
	// ones once paged on; "" when there is nothing that way.
	More, First string
}

type boardData struct {
	Board   board
	Boards  []board
	Columns []column
	Team    string
	Owner   string
	Teams   []domain.Team
	// OwnerOptions are the owner filter's options, one per person.
	OwnerOptions template.HTML
	Total        int
	More         bool // more processes than the board shows (a template's board)
	// Paged says a column shows only some of its cards, PerColumn at a
	// time: Total counts those shown, not all that run.
	Paged     bool
	PerColumn int
	// Templates are the tabs of the templates' boards.
	Templates []startTab
	// OwnerLabel names whom the owner filter picks; "" is "Owner".
	OwnerLabel string
}

// maxCards bounds what a template's board draws; past it the page says so.
const maxCards = 600

// columnCards is how many cards a column of a process's board shows at a
// time; its "More" link shows the next ones. 25 is more than a person scans
// in a column at once, and a board of four or seven columns stays one page:
// drawing a card is most of what a board costs (docs/performance.md).
const columnCards = 25

var boards = []board{
	{Slug: "campaigns", Title: "Campaigns", Process: domain.ProcessCampaign, Columns: domain.BoardStages[domain.ProcessCampaign]},
	{Slug: "hiring-requests", Title: "Hiring", Process: domain.ProcessHiring, Columns: domain.BoardStages[domain.ProcessHiring]},
	{Slug: "risks", Title: "Risks", Process: domain.ProcessRisk, Columns: domain.BoardStages[domain.ProcessRisk]},
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

// board draws a process's board a column at a time: each column is one
// call to the API's board route (GET /api/v1/boards/{process}), which
// answers the stage's cards with whom they wait on, a page at a time. The
// column named by ?column= starts at ?cursor=, so its "More" link pages it on
// while the others stay at their first cards.
func (a *App) board(w http.ResponseWriter, r *http.Request, s *session) {
	i := slices.IndexFunc(boards, func(b board) bool { return b.Slug == r.PathValue("process") })
	if i < 0 {
		a.render(w, r, http.StatusNotFound, "error", view{Session: s, Title: "Not found", Problem: "There is no board called " + r.PathValue("process") + "."})
		return
	}
	b := boards[i]
	q := r.URL.Query()
	d := boardData{Board: b, Boards: boards, Team: q.Get("team"), Owner: q.Get("owner"), Teams: domain.Teams, PerColumn: columnCards}
	if d.Team != "" && !domain.Team(d.Team).Valid() {
		d.Team = ""
	}
	tabs, err := a.templateTabs(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.Templates = tabs
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	filter := url.Values{}
	for k, v := range map[string]string{"team": d.Team, "owner": d.Owner} {
		if v != "" {
			filter.Set(k, v)
		}
	}
	for _, key := range b.Columns {
		ask := url.Values{"stage": {key}, "limit": {strconv.Itoa(columnCards)}}
		for k, v := range filter {
			ask[k] = v
		}
		col := column{Key: key, Label: label(key)}
		if q.Get("column") == key && q.Get("cursor") != "" {
			ask.Set("cursor", q.Get("cursor"))
			col.First = columnLink(b, filter, key, "")
		}
		var page domain.Page[domain.BoardCard]
		if err := a.api.call(r, s.auth, http.MethodGet, "/boards/"+b.Slug, ask, nil, &page); err != nil {
			a.fail(w, r, s, err)
			return
		}
		for _, c := range page.Items {
			col.Cards = append(col.Cards, boardCard(c, wd))
		}
		if page.NextCursor != "" {
			col.More = columnLink(b, filter, key, page.NextCursor)
		}
		d.Paged = d.Paged || col.More != "" || col.First != ""
		d.Total += len(col.Cards)
		d.Columns = append(d.Columns, col)
	}
	sortByDue(d.Columns)
	d.OwnerOptions = ownerOptions(s.dir, d.Owner)
	a.render(w, r, http.StatusOK, "board", view{Session: s, Title: b.Title + " board", Nav: "board", Poll: true, Data: d})
}

// ownerOptions writes the owner filter's options, owner's selected. It is
// written here rather than by a range in the template: with a directory of
// 2,000 people that loop, run twice for a polling page (the page and its
// version), was most of a board's server time. Every value is escaped.
func ownerOptions(people []domain.Person, owner string) template.HTML {
	var b strings.Builder
	for _, p := range people {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(p.Handle))
		b.WriteByte('"')
		if p.Handle == owner {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(html.EscapeString(p.Name + " (" + p.Handle + ")"))
		b.WriteString("</option>")
	}
	return template.HTML(b.String()) //nolint:gosec // built from escaped values above
}

// columnLink is the board with its filters and key's column starting at
// cursor, scrolled to that column.
func columnLink(b board, filter url.Values, key, cursor string) string {
	q := url.Values{}
	for k, v := range filter {
		q[k] = v
	}
	if cursor != "" {
		q.Set("column", key)
		q.Set("cursor", cursor)
	}
	link := "/board/" + b.Slug
	if len(q) > 0 {
		link += "?" + q.Encode()
	}
	return link + "#stage-" + key
}

// boardCard is the API's card in the reader's words: whom it waits on by name
// (a team when a task has no assignee), a held launch's decision by who may
// make it.
func boardCard(c domain.BoardCard, wd *words) card {
	k := card{ID: c.ID, Name: c.Name, Link: processLink(c.Process, c.ID), Owner: wd.Name(c.Owner), Column: c.Stage, NextDue: wd.Due(c.NextDue)}
	switch {
	case c.HeldBy != "":
		k.Badge = "Launch held by a risk"
	case c.Step != "":
		k.Badge = "Step: " + label(c.Step)
	case c.Severity != "":
		k.Badge = label(c.Severity)
	}
	for _, w := range c.WaitingOn {
		var who string
		switch {
		case w.TaskID != "":
			who = wd.Name(w.Assignee)
			if who == "" {
				who = label(w.Team) + " team"
			}
		case w.Assignee != "":
			who = wd.Name(w.Assignee) + " (risk owner)"
		default:
			who = cmp.Or(anyOf(w.Roles), "the risk's owner")
		}
		if !slices.Contains(k.Waiting, who) {
			k.Waiting = append(k.Waiting, who)
		}
	}
	return k
}

// columns sorts a template's cards into the board's columns, after adding to
// each what it waits on and its next due time from the open tasks. A team
// filter keeps the cards waiting on that team. Cards come soonest due first.
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
	sortByDue(cols)
	return cols
}

// sortByDue puts each column's cards soonest due first, those without a due
// time last. A process's board pages a column oldest first, so the order
// holds within the page shown.
func sortByDue(cols []column) {
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
}
