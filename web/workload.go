package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/tandemhq/tandem/domain"
)

type workloadData struct {
	domain.Workload
	MaxPerson, MaxTeam int // the largest open count of the rows shown, the full length of a bar
	// Capacity is the planned hours against people's hours over the next
	// four weeks (GET /reports/capacity).
	Capacity domain.Capacity
	// WeeklyHours sets a person's weekly hours, for a viewer who may set
	// someone's (admins, managers of their reports); nil for others.
	WeeklyHours *weeklyHoursForm
	// Window is which people the page shows: a page of them, of one team
	// when the viewer chose one. The team rows are always whole.
	Window peoplePage
}

// workloadPageSize is how many people the workload page draws in each of its
// two per-person tables: with 2,000 people in the directory the whole list
// was 1.6 MB of HTML and half a second to draw (`tandem bench`, plan pages).
// The over-capacity and most overdue come first, so the first page is the one
// to read; the team tables say where to look next.
const workloadPageSize = 25

// peoplePage is the window of people a workload page shows, with its links.
type peoplePage struct {
	Team        domain.Team
	Teams       []domain.Team // the team filter's choices
	Page        int           // from 1
	First, Last int           // the rows shown of either table, from 1; Last < First when none
	Total       int           // the most people either table has
	Prev, Next  string        // links to the pages before and after; "" at the ends
}

// peoplePageOf reads the page's ?team= and ?page=: what it cannot read is
// left at its default (every team, the first page), as a link typed by hand
// may be.
func peoplePageOf(q url.Values) peoplePage {
	p := peoplePage{Page: 1, Teams: domain.Teams}
	if t := domain.Team(q.Get("team")); t.Valid() {
		p.Team = t
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 1_000_000 {
		p.Page = n
	}
	return p
}

// query is the window's query to the API's reports.
func (p peoplePage) query() url.Values {
	q := url.Values{"limit": {strconv.Itoa(workloadPageSize)}, "offset": {strconv.Itoa((p.Page - 1) * workloadPageSize)}}
	if p.Team != "" {
		q.Set("team", string(p.Team))
	}
	return q
}

// link is the workload page at page n of the same team, at its people.
func (p peoplePage) link(n int) string { return p.at(n, "people") }

// at is the workload page at page n of the same team, at the part whose ID
// is anchor.
func (p peoplePage) at(n int, anchor string) string {
	q := url.Values{}
	if p.Team != "" {
		q.Set("team", string(p.Team))
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return "/workload#" + anchor
	}
	return "/workload?" + q.Encode() + "#" + anchor
}

// TeamLink is the workload page showing team's people.
func (p peoplePage) TeamLink(team domain.Team) string {
	return peoplePage{Team: team}.link(1)
}

// shown sets what the page shows of total people, and its links.
func (p *peoplePage) shown(total int) {
	p.Total = total
	p.First = (p.Page-1)*workloadPageSize + 1
	p.Last = min(p.Page*workloadPageSize, total)
	if p.Page > 1 {
		p.Prev = p.link(min(p.Page-1, max(1, (total+workloadPageSize-1)/workloadPageSize)))
	}
	if p.Last < total {
		p.Next = p.link(p.Page + 1)
	}
}

// weeklyHoursForm is the workload page's form that sets a person's weekly
// hours (PUT /people/{handle}/weekly-hours), drawn again as it was sent after
// a refusal.
type weeklyHoursForm struct {
	Inputs  []input // the person (those the viewer may set), the hours
	Problem string
	Open    bool
	CSRF    string
	// Window is the people the page shows, whom the picker offers: the form
	// sends it, so that the page drawn after it shows them again.
	Window peoplePage
}

func (a *App) workloadRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /workload", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showWorkload(w, r, s, http.StatusOK, nil)
	}))
	m.HandleFunc("POST /workload/weekly-hours", a.authed(a.setWeeklyHours))
}

// showWorkload shows open and overdue tasks per person and per team, from the
// API's workload report, so whoever assigns work sees who is overloaded and
// who is free; and capacity, with the form that sets weekly hours. at, when
// set, is a refused weekly-hours form, drawn again next to its inputs.
func (a *App) showWorkload(w http.ResponseWriter, r *http.Request, s *session, status int, at *detailAttempt) {
	window := r.URL.Query()
	if at != nil {
		window = at.Values // the form carries the window it was sent from
	}
	d := workloadData{Window: peoplePageOf(window)}
	q := d.Window.query()
	// The two reports are independent queries of about the same cost: read
	// together, the page waits for the slower one, not for their sum (the
	// board's workload was 53 ms at the median at 1M tasks when read in turn).
	var capacityErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		capacityErr = a.api.call(r, s.auth, http.MethodGet, "/reports/capacity", q, nil, &d.Capacity)
	})
	workloadErr := a.api.call(r, s.auth, http.MethodGet, "/reports/workload", q, nil, &d.Workload)
	wg.Wait()
	if err := cmp.Or(workloadErr, capacityErr); err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.Window.shown(max(d.Workload.PeopleTotal, d.Capacity.PeopleTotal))
	for _, p := range d.People {
		d.MaxPerson = max(d.MaxPerson, p.Open)
	}
	for _, t := range d.Teams {
		d.MaxTeam = max(d.MaxTeam, t.Open)
	}
	d.WeeklyHours = weeklyHoursFor(d.Capacity.People, s, d.Capacity.DefaultWeeklyHours, at)
	if d.WeeklyHours != nil {
		d.WeeklyHours.Window = d.Window
	}
	v := view{Session: s, Title: "Workload", Nav: "workload", Poll: true, Data: d}
	if at != nil {
		v.Fields = at.Fields // the problem is said in the form, opened
	} else {
		v.Notice, v.Problem = a.takeFlash(w, r)
	}
	a.render(w, r, status, "workload", v)
}

// weeklyHoursFor is the weekly-hours form offered to s: a picker of the
// people the page shows (the capacity report's window of active people)
// whose hours they may set (domain.CheckSetWeeklyHours, the API's rule), or
// nil when there is nobody. The people shown, not the whole directory: an
// admin's picker of 2,000 people was as long to read as to draw, and the
// person to set is the one just seen over or under capacity.
func weeklyHoursFor(people []domain.PersonCapacity, s *session, policy float64, at *detailAttempt) *weeklyHoursForm {
	me := domain.ActorOf(s.me)
	vals := url.Values{}
	if at != nil {
		vals = at.Values
	}
	who := input{Name: "person", Label: "Person", Kind: "select", Value: vals.Get("person"), Required: true,
		Options: []option{{"", "Choose a person…"}}}
	for _, c := range people {
		p := domain.Person{Handle: c.Handle, Name: c.Name, Team: c.Team, Manager: c.Manager}
		if domain.CheckSetWeeklyHours(p, me) == nil {
			opt := personLabel(p)
			if c.OwnWeeklyHours {
				opt += " — " + hours(c.WeeklyHours) + " a week"
			}
			who.Options = append(who.Options, option{Value: p.Handle, Label: opt})
		}
	}
	if len(who.Options) == 1 {
		return nil
	}
	h := input{Name: "weekly_hours", Label: "Weekly hours", Kind: "number", Value: vals.Get("weekly_hours"),
		Min: "0", Max: strconv.FormatFloat(domain.MaxWeeklyHours, 'f', -1, 64), Step: "0.5",
		Hint: fmt.Sprintf("0 to %g; leave empty to go back to the policy's %s.", domain.MaxWeeklyHours, hours(policy))}
	f := &weeklyHoursForm{Inputs: []input{who, h}, CSRF: s.csrf}
	if at != nil {
		f.Open, f.Problem = true, at.Problem
	}
	for i := range f.Inputs {
		f.Inputs[i].Scope = "weekly"
		if at != nil {
			f.Inputs[i].Problem = at.Fields[f.Inputs[i].Name]
		}
	}
	focusFirstProblem([]section{{Inputs: f.Inputs}})
	return f
}

// setWeeklyHours sets a person's weekly hours from the workload page: a
// number of hours, or none to go back to the policy's. A number that cannot
// be one is refused here; the API checks who may, and the bounds again.
func (a *App) setWeeklyHours(w http.ResponseWriter, r *http.Request, s *session) {
	v := r.PostForm
	handle, raw := text(v, "person"), text(v, "weekly_hours")
	refuse := func(status int, problem string, fields map[string]string) {
		a.showWorkload(w, r, s, status, &detailAttempt{Form: "weekly", Problem: problem, Fields: fields, Values: v})
	}
	if handle == "" {
		refuse(http.StatusUnprocessableEntity, "Check the form: choose a person.", map[string]string{"person": "choose a person"})
		return
	}
	body := struct {
		WeeklyHours *float64 `json:"weekly_hours"`
	}{}
	if raw != "" {
		h, err := strconv.ParseFloat(raw, 64)
		if err != nil || h < 0 || h > domain.MaxWeeklyHours {
			problem := fmt.Sprintf("must be a number of hours, 0 to %g", domain.MaxWeeklyHours)
			refuse(http.StatusUnprocessableEntity, "Check the form: weekly hours "+problem+".", map[string]string{"weekly_hours": problem})
			return
		}
		body.WeeklyHours = &h
	}
	var p domain.Person
	err := a.api.call(r, s.auth, http.MethodPut, "/people/"+url.PathEscape(handle)+"/weekly-hours", nil, body, &p)
	if err == nil {
		wd, err := a.words(r, s)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		notice := "Weekly hours of " + wd.Name(handle) + ": "
		if p.WeeklyHours != nil {
			notice += hours(p.WeeklyHours)
		} else {
			notice += "the policy's"
		}
		a.setNotice(w, notice)
		// Back to the people the form was sent from, at the capacity.
		back := peoplePageOf(v)
		http.Redirect(w, r, back.at(back.Page, "capacity"), http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	fields := fieldProblems(ae)
	problem := a.say(r, s, refusal(ae))
	switch ae.Status {
	case http.StatusForbidden:
		problem = a.say(r, s, "You may not set these weekly hours: "+ae.Message+".")
	case http.StatusNotFound:
		fields["person"] = cmp.Or(fields["person"], "no such person")
	}
	refuse(ae.Status, problem, fields)
}
