package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The signed-in person's own page: who they are in the directory, and their
// out-of-office window with the delegate who acts for them meanwhile, which
// they set and clear here (PUT /people/{handle}/out-of-office; {} clears it).
// Only the person themself (or an admin, through the API) may set it, since the
// delegate gains the right to decide their tasks.

type mePage struct {
	Manager string // the manager's name
	// Away is the window set now or ahead, nil when none is.
	Away *awayView
	Form []section
	Zone string // the time zone the form's times were typed in, after a refusal
	// Notify is the notification preferences' form (notifyprefs.go).
	Notify *prefsForm
	CSRF   string
	W      *words
}

// awayView is an out-of-office window in words.
type awayView struct {
	From, To time.Time
	Delegate string // by name
	Now      bool   // it covers now
}

func (a *App) meRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /me", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showMe(w, r, s, http.StatusOK, nil, nil, "")
	}))
	m.HandleFunc("POST /me/out-of-office", a.authed(a.setAway))
	m.HandleFunc("POST /me/out-of-office/clear", a.authed(a.clearAway))
	m.HandleFunc("POST /me/signout-everywhere", a.authed(a.signOutEverywhere))
	m.HandleFunc("POST /me/notification-preferences", a.authed(a.setNotifyPrefs))
}

// showMe draws the page; after a refused form, vals and problems hold what was
// typed and what is wrong with it.
func (a *App) showMe(w http.ResponseWriter, r *http.Request, s *session, status int, vals url.Values, problems map[string]string, problem string) {
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	people, name := s.dir, wd.Name
	now := a.now()
	p := mePage{CSRF: s.csrf, W: wd}
	if s.me.Manager != "" {
		p.Manager = name(s.me.Manager)
	}
	if o := s.me.OutOfOffice; o != nil && o.To.After(now) {
		p.Away = &awayView{From: o.From, To: o.To, Delegate: name(o.Delegate), Now: o.Covers(now)}
	}
	// Anyone but the person may stand in; sorted by name, as pickers are.
	others := slices.DeleteFunc(slices.Clone(people), func(x domain.Person) bool { return x.Handle == s.me.Handle })
	slices.SortFunc(others, func(x, y domain.Person) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.Handle, y.Handle))
	})
	d := directory{people: map[domain.Role][]domain.Person{"": others}, morePeople: map[domain.Role]bool{}}
	if vals == nil { // the form starts from the window set, to change it, in the zone the browser named
		vals = url.Values{}
		loc := cmp.Or(s.zone, time.UTC)
		if s.zone != nil {
			vals.Set(tzField, s.zone.String())
		}
		if a := p.Away; a != nil {
			vals.Set("from", a.From.In(loc).Format(localTimeLayout))
			vals.Set("to", a.To.In(loc).Format(localTimeLayout))
			vals.Set("delegate", s.me.OutOfOffice.Delegate)
		}
	}
	zone := zoneOf(vals.Get(tzField))
	if zone != nil {
		p.Zone = zone.String()
	}
	minTime := now.In(cmp.Or(zone, time.UTC)).Format(localTimeLayout)
	when := func(n, l, hint string) input {
		return input{Scope: "away", Name: n, Label: l, Hint: hint, Kind: "datetime-local", Value: vals.Get(n), Required: true,
			Zone: zoneName(zone), Convert: zone == nil, Min: minTime, Problem: problems[n]}
	}
	delegate := personPicker("delegate", "Delegate", "Who decides your tasks while you are away.", d, "", vals.Get("delegate"))
	delegate.Scope, delegate.Problem = "away", problems["delegate"]
	p.Form = []section{
		{Row: true, Inputs: []input{when("from", "Away from", ""), when("to", "Back on", "")}},
		{Inputs: []input{delegate}},
	}
	focusFirstProblem(p.Form)
	if p.Notify, err = a.notifyPrefsForm(r, s); err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := view{Session: s, Title: cmp.Or(s.me.Name, s.me.Handle), Nav: "me", Data: p, Problem: problem}
	if problem == "" {
		v.Notice, v.Problem = a.takeFlash(w, r)
	}
	a.render(w, r, status, "me", v)
}

// setAway sets the person's window from the form, its times typed in their own
// time zone.
func (a *App) setAway(w http.ResponseWriter, r *http.Request, s *session) {
	v := r.PostForm
	p := formProblems{}
	loc := cmp.Or(zoneOf(v.Get(tzField)), time.UTC)
	body := map[string]string{"from": p.zonedTime(v, "from", loc), "to": p.zonedTime(v, "to", loc), "delegate": text(v, "delegate")}
	for _, f := range []string{"from", "to", "delegate"} {
		if text(v, f) == "" {
			p.add(f, "required")
		}
	}
	if len(p) > 0 {
		a.showMe(w, r, s, http.StatusUnprocessableEntity, v, p, "Nothing was set: check the fields marked below.")
		return
	}
	err := a.api.call(r, s.auth, http.MethodPut, "/people/"+url.PathEscape(s.me.Handle)+"/out-of-office", nil, body, nil)
	if err == nil {
		a.setNotice(w, "Out of office set. Your delegate may decide your tasks while you are away.")
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	a.showMe(w, r, s, ae.Status, v, fieldProblems(ae), refusal(ae))
}

// clearAway ends the person's window now: their tasks are theirs alone again.
func (a *App) clearAway(w http.ResponseWriter, r *http.Request, s *session) {
	err := a.api.call(r, s.auth, http.MethodPut, "/people/"+url.PathEscape(s.me.Handle)+"/out-of-office", nil, struct{}{}, nil)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.setNotice(w, "Out of office cleared: your tasks are yours alone again.")
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}
