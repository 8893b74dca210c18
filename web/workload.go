package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tandemhq/tandem/domain"
)

type workloadData struct {
	domain.Workload
	MaxPerson, MaxTeam int // the largest open count, the full length of a bar
	// Capacity is the planned hours against people's hours over the next
	// four weeks (GET /reports/capacity).
	Capacity domain.Capacity
	// WeeklyHours sets a person's weekly hours, for a viewer who may set
	// someone's (admins, managers of their reports); nil for others.
	WeeklyHours *weeklyHoursForm
}

// weeklyHoursForm is the workload page's form that sets a person's weekly
// hours (PUT /people/{handle}/weekly-hours), drawn again as it was sent after
// a refusal.
type weeklyHoursForm struct {
	Inputs  []input // the person (those the viewer may set), the hours
	Problem string
	Open    bool
	CSRF    string
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
	var d workloadData
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/workload", nil, nil, &d.Workload); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/capacity", nil, nil, &d.Capacity); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, p := range d.People {
		d.MaxPerson = max(d.MaxPerson, p.Open)
	}
	for _, t := range d.Teams {
		d.MaxTeam = max(d.MaxTeam, t.Open)
	}
	people, err := a.everyone(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	d.WeeklyHours = weeklyHoursFor(people, s, d.Capacity.DefaultWeeklyHours, at)
	v := view{Session: s, Title: "Workload", Nav: "workload", Poll: true, Data: d}
	if at != nil {
		v.Fields = at.Fields // the problem is said in the form, opened
	} else {
		v.Notice, v.Problem = a.takeFlash(w, r)
	}
	a.render(w, r, status, "workload", v)
}

// weeklyHoursFor is the weekly-hours form offered to s: a picker of the
// active people whose hours they may set (domain.CheckSetWeeklyHours, the
// API's rule), or nil when there is nobody.
func weeklyHoursFor(people []domain.Person, s *session, policy float64, at *detailAttempt) *weeklyHoursForm {
	me := domain.ActorOf(s.me)
	vals := url.Values{}
	if at != nil {
		vals = at.Values
	}
	who := input{Name: "person", Label: "Person", Kind: "select", Value: vals.Get("person"), Required: true,
		Options: []option{{"", "Choose a person…"}}}
	for _, p := range people {
		if p.Active() && domain.CheckSetWeeklyHours(p, me) == nil {
			opt := personLabel(p)
			if p.WeeklyHours != nil {
				opt += " — " + hours(p.WeeklyHours) + " a week"
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
		http.Redirect(w, r, "/workload#capacity", http.StatusSeeOther)
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
