package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/domain"
)

// The finished view: the processes of a kind that have ended, by how they
// ended, with a search by name (the API's ?status= and ?q=). The boards show
// the running ones; this is where the rest are found again.

// finishedKind is what the finished view knows of one kind of process: how
// its processes may end, and how to list them.
type finishedKind struct {
	Board    board
	Title    string   // of the page: "Finished hiring requests"
	Statuses []string // the statuses it ends in, in the order the filter offers them
	rows     func(a *App, r *http.Request, s *session, q url.Values) ([]finishedRow, bool, error)
}

// finishedRow is one ended process.
type finishedRow struct {
	ID, Name, Link string
	Status         string
	Owner          string // a handle, named by the page
	Reason         string
	Ended          time.Time
}

type finishedData struct {
	Kind   finishedKind
	Kinds  []finishedKind
	Status string
	Query  string
	Rows   []finishedRow
	More   bool // more match than the page shows
	W      *words
	// Templates are the tabs of the templates' finished runs.
	Templates []startTab
}

// maxFinished bounds what the finished view lists per status; maxSearchPages
// bounds how many of a search's pages it reads per status (each reads at most a
// thousand records, store.MaxSearchScan, and is one call against the person's
// API rate budget).
const (
	maxFinished    = 200
	maxSearchPages = 8
)

var finishedKinds = []finishedKind{
	{Board: boards[0], Title: "Finished campaigns", Statuses: strs(domain.StatusCompleted, domain.StatusRejected, domain.StatusCancelled),
		rows: func(a *App, r *http.Request, s *session, q url.Values) ([]finishedRow, bool, error) {
			items, more, err := searchList[domain.Campaign](a.api, r, s.auth, "/campaigns", q)
			out := make([]finishedRow, len(items))
			for i, c := range items {
				out[i] = finishedRow{ID: c.ID, Name: c.Brief.Name, Link: processLink(domain.ProcessCampaign, c.ID),
					Status: string(c.Status), Owner: c.Brief.ProjectManager, Reason: c.Reason, Ended: c.UpdatedAt}
			}
			return out, more, err
		}},
	{Board: boards[1], Title: "Finished hiring requests", Statuses: strs(domain.StatusFilled, domain.StatusRejected, domain.StatusCancelled, domain.StatusExpired),
		rows: func(a *App, r *http.Request, s *session, q url.Values) ([]finishedRow, bool, error) {
			items, more, err := searchList[domain.HiringRequest](a.api, r, s.auth, "/hiring-requests", q)
			out := make([]finishedRow, len(items))
			for i, h := range items {
				out[i] = finishedRow{ID: h.ID, Name: h.Request.Title, Link: processLink(domain.ProcessHiring, h.ID),
					Status: string(h.Status), Owner: h.RequestedBy, Reason: h.Reason, Ended: h.UpdatedAt}
			}
			return out, more, err
		}},
	{Board: boards[2], Title: "Ended risks", Statuses: strs(domain.RiskResolved, domain.RiskAccepted, domain.RiskClosed),
		rows: func(a *App, r *http.Request, s *session, q url.Values) ([]finishedRow, bool, error) {
			items, more, err := searchList[domain.Risk](a.api, r, s.auth, "/risks", q)
			out := make([]finishedRow, len(items))
			for i, k := range items {
				ended := k.UpdatedAt
				if k.EndedAt != nil {
					ended = *k.EndedAt
				}
				out[i] = finishedRow{ID: k.ID, Name: k.Title, Link: processLink(domain.ProcessRisk, k.ID),
					Status: string(k.Status), Owner: k.Owner, Reason: k.Reason, Ended: ended}
			}
			return out, more, err
		}},
}

// Slug is the kind's path segment, as its board's.
func (k finishedKind) Slug() string { return k.Board.Slug }

// OwnerLabel heads the column of whom a process belonged to.
func (k finishedKind) OwnerLabel() string {
	switch k.Board.Process {
	case domain.ProcessCampaign:
		return "Project manager"
	case domain.ProcessHiring, domain.ProcessTemplate:
		return "Requested by"
	}
	return "Owner"
}

func (a *App) finished(w http.ResponseWriter, r *http.Request, s *session) {
	i := slices.IndexFunc(finishedKinds, func(k finishedKind) bool { return k.Board.Slug == r.PathValue("process") })
	if i < 0 {
		a.render(w, r, http.StatusNotFound, "error", view{Session: s, Title: "Not found", Problem: "There is nothing called " + r.PathValue("process") + " to look back on."})
		return
	}
	a.showFinished(w, r, s, finishedKinds[i])
}

// showFinished draws the finished view of kind k.
func (a *App) showFinished(w http.ResponseWriter, r *http.Request, s *session, k finishedKind) {
	d := finishedData{Kind: k, Kinds: finishedKinds, Status: r.URL.Query().Get("status"), Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if !slices.Contains(k.Statuses, d.Status) {
		d.Status = ""
	}
	if utf8.RuneCountInString(d.Query) > domain.MaxNameQuery { // the API's bound: a longer text is cut, not refused
		d.Query = string([]rune(d.Query)[:domain.MaxNameQuery])
	}
	statuses := k.Statuses
	if d.Status != "" {
		statuses = []string{d.Status}
	}
	for _, st := range statuses {
		// Newest first: past the bound, the page shows the recent ones.
		q := url.Values{"status": {st}, "order": {"newest"}}
		if d.Query != "" {
			q.Set("q", d.Query)
		}
		rows, more, err := k.rows(a, r, s, q)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		d.Rows, d.More = append(d.Rows, rows...), d.More || more
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	if d.Templates, err = a.templateTabs(r, s); err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.W = wd
	for i := range d.Rows {
		d.Rows[i].Owner = wd.Name(d.Rows[i].Owner)
	}
	// The latest ended first.
	slices.SortStableFunc(d.Rows, func(x, y finishedRow) int { return cmp.Or(y.Ended.Compare(x.Ended), strings.Compare(x.ID, y.ID)) })
	a.render(w, r, http.StatusOK, "finished", view{Session: s, Title: k.Title, Nav: "board", Data: d})
}

// searchList reads an API list as list does, but stops after maxSearchPages
// pages too: a search's pages may hold few matches each.
func searchList[T any](c client, r *http.Request, token, path string, query url.Values) ([]T, bool, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", "200")
	var items []T
	for range maxSearchPages {
		var p struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := c.call(r, token, http.MethodGet, path, q, nil, &p); err != nil {
			return nil, false, err
		}
		items = append(items, p.Items...)
		if p.NextCursor == "" {
			return items, false, nil
		}
		if len(items) >= maxFinished {
			return items[:maxFinished], true, nil
		}
		q.Set("cursor", p.NextCursor)
	}
	return items, true, nil
}
