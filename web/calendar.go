package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The calendar: a month or a week of everything dated, from the API's GET
// /calendar, laid out in the viewer's time zone (the one the page's script
// named, UTC until it has), with the subscription links of the iCalendar
// feeds. A hire's needed-by is a date, shown on the day it names whatever the
// zone (words.Day).

func (a *App) calendarRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /calendar", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		a.showCalendar(w, r, s, nil)
	}))
	m.HandleFunc("POST /calendar/feeds", a.authed(a.newFeedLink))
}

// calendarView is what the page's query asks for: a month or a week around
// Date, with the filters.
type calendarView struct {
	Week    bool
	Date    time.Time // a day of the month or week shown, midnight in the viewer's zone
	Team    domain.Team
	Person  string
	Process domain.Process
}

// query is v as the page's address, at another date when moved.
func (v calendarView) query(date time.Time) string {
	q := url.Values{"date": {date.Format(time.DateOnly)}}
	if v.Week {
		q.Set("view", "week")
	}
	for k, x := range map[string]string{"team": string(v.Team), "person": v.Person, "process": string(v.Process)} {
		if x != "" {
			q.Set(k, x)
		}
	}
	return "/calendar?" + q.Encode()
}

// calendarViewOf reads the page's query in loc: what it cannot read is left
// at its default (this month, no filter), as a link typed by hand may be.
func calendarViewOf(q url.Values, now time.Time, loc *time.Location) calendarView {
	y, m, d := now.In(loc).Date()
	v := calendarView{Week: q.Get("view") == "week", Date: time.Date(y, m, d, 0, 0, 0, 0, loc)}
	if t, err := time.ParseInLocation(time.DateOnly, q.Get("date"), loc); err == nil && t.Year() > 1970 && t.Year() < 3000 {
		v.Date = t
	}
	if t := domain.Team(q.Get("team")); t.Valid() {
		v.Team = t
	}
	if p := domain.Process(q.Get("process")); slices.Contains(calendarProcesses, p) {
		v.Process = p
	}
	if h := q.Get("person"); len(h) <= 64 {
		v.Person = h
	}
	return v
}

var calendarProcesses = []domain.Process{domain.ProcessCampaign, domain.ProcessHiring, domain.ProcessRisk}

// span is the days v shows: whole weeks from Monday, the month's or the one
// week.
func (v calendarView) span() (from, to time.Time) {
	monday := func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) }
	if v.Week {
		from = monday(v.Date)
		return from, from.AddDate(0, 0, 7)
	}
	first := time.Date(v.Date.Year(), v.Date.Month(), 1, 0, 0, 0, 0, v.Date.Location())
	from = monday(first)
	last := first.AddDate(0, 1, 0)
	to = monday(last.AddDate(0, 0, -1)).AddDate(0, 0, 7)
	return from, to
}

type calendarPage struct {
	View     calendarView
	Heading  string
	Zone     string // the zone times are in; "" while the page does not know it
	Prev     string // links: the month or week before, after, and today's
	Next     string
	Today    string
	Month    string // the same place as a month and as a week
	WeekLink string
	Days     []calDay
	Weekdays []string
	Count    int
	Overlaps int
	// Truncated says the range held more than the API answers.
	Truncated bool

	Teams []domain.Team
	// People are the person filter's options, everyone in the directory.
	People    template.HTML
	Processes []domain.Process

	Feeds []feedChoice
	// NewLink is the address of a feed link just made, shown this once.
	NewLink *feedChoice
	CSRF    string
}

type personChoice struct{ Handle, Name string }

// personOptions writes the person filter's <option>s, escaped here: with
// 2,000 people, the template's loop (three escapers and a comparison per
// option, called by reflection, for each of the page's three drawings) was
// the largest part of drawing the month (`tandem bench`, plan pages).
func personOptions(people []personChoice, selected string) template.HTML {
	var b strings.Builder
	for _, p := range people {
		b.WriteString(`<option value="`)
		b.WriteString(template.HTMLEscapeString(p.Handle))
		b.WriteString(`"`)
		if p.Handle == selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(template.HTMLEscapeString(p.Name))
		b.WriteString("</option>")
	}
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

// feedChoice is one of the two feeds the page offers: the person's own work,
// and their team's.
type feedChoice struct {
	Team  domain.Team
	Label string
	Made  *time.Time // when the link in use was made; nil when there is none
	URL   string     // the new link's address, on the page that made it
}

type calDay struct {
	Date    time.Time
	Key     string // YYYY-MM-DD, the day's ID
	Label   string // "Monday 2 March"
	Num     int
	Other   bool // outside the month shown
	Today   bool
	Entries []calItem
	// More is how many of the day's entries the month leaves out, drawn as
	// "+N more" linking to the day in the week view (Week), which shows them
	// all. Cut says the calendar's answer stopped before this day ended (it
	// answers at most domain.MaxCalendarEntries), so the day may hold more
	// than it shows.
	More int
	Cut  bool
	Week string
}

// monthPerDay is the most entries a day of the month view draws: one with
// more draws monthPerDay-1 and "+N more". A busy month at 1M tasks was 2,000
// entries, 759 kB of HTML and over 200 ms to draw (`tandem bench`, plan
// pages); a month is read for where the work lands, a day's list in the week.
const monthPerDay = 4

type calItem struct {
	Kind     domain.CalendarKind
	What     string // "Launch", "Sign-off due", …
	Time     string // "14:00", "all day", "from 09:00"
	Stamp    string // the instant, for <time datetime>
	Title    string
	Who      string
	Link     string
	Overlaps bool
	Audience string
	Done     bool
	// text says Title is a workflow's text, to be put in people's words
	// (words.Text) once the page knows which entries it draws.
	text bool
}

func (a *App) showCalendar(w http.ResponseWriter, r *http.Request, s *session, made *feedChoice) {
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := calendarViewOf(r.URL.Query(), a.now(), wd.loc)
	from, to := v.span()
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	if v.Team != "" {
		q.Set("team", string(v.Team))
	}
	if v.Person != "" {
		q.Set("person", v.Person)
	}
	if v.Process != "" {
		q.Set("process", string(v.Process))
	}
	var cal domain.Calendar
	if err := a.api.call(r, s.auth, http.MethodGet, "/calendar", q, nil, &cal); err != nil {
		a.fail(w, r, s, err)
		return
	}
	var feeds struct {
		Items []struct {
			Team      domain.Team `json:"team"`
			CreatedAt time.Time   `json:"created_at"`
		} `json:"items"`
	}
	if err := a.api.call(r, s.auth, http.MethodGet, "/calendar/feeds", nil, nil, &feeds); err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := calendarPage{View: v, Zone: wd.ZoneName(), Truncated: cal.Truncated, Teams: domain.Teams, Processes: calendarProcesses, CSRF: s.csrf, NewLink: made}
	p.Days = calendarDays(v, from, to, a.now().In(wd.loc), cal.Entries, wd)
	if !v.Week {
		foldMonth(v, p.Days, cal)
	}
	// Only the titles drawn are put in words: finding the IDs in 2,000 of
	// them took longer than drawing the folded month.
	var texts []string
	for _, d := range p.Days {
		for _, e := range d.Entries {
			if e.text {
				texts = append(texts, e.Title)
			}
		}
	}
	a.lookup(r, s, wd, texts...)
	for _, d := range p.Days {
		for i, e := range d.Entries {
			if e.text {
				d.Entries[i].Title = wd.Text(e.Title)
			}
		}
	}
	for _, d := range p.Days {
		for _, e := range d.Entries {
			if e.Kind == domain.CalendarLaunch && e.Overlaps {
				p.Overlaps++
			}
		}
	}
	p.Count = len(cal.Entries)
	step := func(n int) time.Time {
		if v.Week {
			return v.Date.AddDate(0, 0, 7*n)
		}
		return time.Date(v.Date.Year(), v.Date.Month()+time.Month(n), 1, 0, 0, 0, 0, v.Date.Location())
	}
	p.Prev, p.Next = v.query(step(-1)), v.query(step(1))
	today := a.now().In(wd.loc)
	p.Today = v.query(today)
	asMonth, asWeek := v, v
	asMonth.Week, asWeek.Week = false, true
	p.Month, p.WeekLink = asMonth.query(v.Date), asWeek.query(v.Date)
	if v.Week {
		p.Heading = "Week of " + from.Format("Monday 2 January 2006")
	} else {
		p.Heading = v.Date.Format("January 2006")
	}
	for i := range 7 {
		p.Weekdays = append(p.Weekdays, from.AddDate(0, 0, i).Format("Mon"))
	}
	var people []personChoice
	for h, n := range wd.people {
		if h != systemActor {
			people = append(people, personChoice{Handle: h, Name: n})
		}
	}
	slices.SortFunc(people, func(x, y personChoice) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Handle, y.Handle))
	})
	p.People = personOptions(people, v.Person)

	p.Feeds = []feedChoice{{Label: "My work"}}
	if s.me.Team != "" {
		p.Feeds = append(p.Feeds, feedChoice{Team: s.me.Team, Label: label(s.me.Team) + " team"})
	}
	for i := range p.Feeds {
		for _, f := range feeds.Items {
			if f.Team == p.Feeds[i].Team {
				p.Feeds[i].Made = &f.CreatedAt
			}
		}
	}
	title := "Calendar"
	status := http.StatusOK
	a.render(w, r, status, "calendar", view{Session: s, Title: title, Nav: "calendar", Poll: made == nil, Data: p, W: wd})
}

// calendarDays lays entries out on the days from from to to (midnights in the
// viewer's zone): an instant on the day it falls in there, a hire's needed-by
// on the day it names, an out-of-office window on every day it covers.
func calendarDays(v calendarView, from, to, now time.Time, entries []domain.CalendarEntry, wd *words) []calDay {
	loc := from.Location()
	var days []calDay
	index := map[string]int{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		index[key] = len(days)
		days = append(days, calDay{Date: d, Key: key, Label: d.Format("Monday 2 January"), Num: d.Day(),
			Other: !v.Week && d.Month() != v.Date.Month(), Today: key == now.Format(time.DateOnly)})
	}
	add := func(day time.Time, it calItem) {
		if i, ok := index[day.Format(time.DateOnly)]; ok {
			days[i].Entries = append(days[i].Entries, it)
		}
	}
	for _, e := range entries {
		it := calItem{Kind: e.Kind, Title: e.Title, text: true, Who: wd.Name(e.Person), Link: entryLink(e), Overlaps: e.Overlaps, Audience: e.Audience,
			Stamp: e.At.UTC().Format(time.RFC3339), Time: e.At.In(loc).Format("15:04")}
		if e.Person == "" {
			it.Who = ""
		}
		switch e.Kind {
		case domain.CalendarLaunch:
			it.What = "Launch"
		case domain.CalendarTaskDue:
			it.What, it.Done = taskDueWhat(e.TaskKind), e.Status == domain.TaskDone
			if it.Done {
				it.What = "Done"
			}
			if it.Who == "" && e.Team != "" {
				it.Who = label(e.Team) + " team"
			}
		case domain.CalendarRiskResponse:
			it.What = "Risk response due"
		case domain.CalendarHireNeeded:
			it.What, it.Time = "Hire needed by", "all day"
			add(dateOf(e.At, loc), it)
			continue
		case domain.CalendarOutOfOffice:
			it.What, it.Title, it.text = "Out of office", wd.Name(e.Person), false
			it.Who = ""
			start, end := e.At.In(loc), e.End.In(loc)
			for d := startOfDay(start); d.Before(end); d = d.AddDate(0, 0, 1) {
				x := it
				switch {
				case d.Equal(startOfDay(start)) && !start.Equal(d):
					x.Time = "from " + start.Format("15:04")
				case d.Equal(startOfDay(end)):
					x.Time = "until " + end.Format("15:04")
				default:
					x.Time = "all day"
				}
				add(d, x)
			}
			continue
		}
		add(e.At.In(loc), it)
	}
	return days
}

// foldMonth keeps at most monthPerDay entries on each day of a month view,
// launches first, counting the rest, with a link to the day in the week
// view; when the
// calendar's answer was cut, the days from its last entry's on say so.
func foldMonth(v calendarView, days []calDay, cal domain.Calendar) {
	var cutAt time.Time
	if cal.Truncated && len(cal.Entries) > 0 {
		cutAt = cal.Entries[len(cal.Entries)-1].At
	}
	for i := range days {
		d := &days[i]
		week := v
		week.Week = true
		d.Week = week.query(d.Date) + "#day-" + d.Key
		if !cutAt.IsZero() && !d.Date.AddDate(0, 0, 1).Before(cutAt) {
			d.Cut = true
		}
		if len(d.Entries) > monthPerDay {
			// The launches first: they are what a marketing calendar's month
			// is read for, and an overlap must not be folded out of sight.
			slices.SortStableFunc(d.Entries, func(x, y calItem) int {
				return cmp.Compare(rankInMonth(x), rankInMonth(y))
			})
			d.More = len(d.Entries) - (monthPerDay - 1)
			d.Entries = d.Entries[:monthPerDay-1]
		}
	}
}

// rankInMonth orders a folded day's entries: launches, then the rest in their
// order.
func rankInMonth(it calItem) int {
	if it.Kind == domain.CalendarLaunch {
		return 0
	}
	return 1
}

// dateOf is the day a date such as a hire's needed-by names, as a midnight in
// loc: its UTC day when it is a UTC midnight (as a date field sends it), else
// its day in loc, as words.Day reads it.
func dateOf(t time.Time, loc *time.Location) time.Time {
	u := t.UTC()
	if !u.Equal(u.Truncate(24 * time.Hour)) {
		return startOfDay(t.In(loc))
	}
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, loc)
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// taskDueWhat says what a task's due time is, by its kind.
func taskDueWhat(k domain.TaskKind) string {
	switch k {
	case domain.KindApproval:
		return "Sign-off due"
	case domain.KindAcknowledge:
		return "Acknowledge by"
	case domain.KindReview:
		return "Review due"
	}
	return "Due"
}

// entryLink is the page an entry leads to: its process's, at its task.
func entryLink(e domain.CalendarEntry) string {
	var base string
	switch e.Process {
	case domain.ProcessCampaign:
		base = "/campaigns/"
	case domain.ProcessHiring:
		base = "/hiring-requests/"
	case domain.ProcessRisk:
		base = "/risks/"
	default:
		return ""
	}
	link := base + url.PathEscape(e.ProcessID)
	if e.TaskID != "" {
		link += "#task-" + url.PathEscape(e.TaskID)
	}
	return link
}

// newFeedLink makes a new feed link of the person's own work or their team's
// (the form's team), replacing the one in use, and shows its address this
// once: only its hash is kept.
func (a *App) newFeedLink(w http.ResponseWriter, r *http.Request, s *session) {
	team := domain.Team(r.PostFormValue("team"))
	if team != "" && team != s.me.Team {
		a.render(w, r, http.StatusUnprocessableEntity, "error", view{Session: s, Title: "Not made", Problem: "The board offers the feed of your own team only."})
		return
	}
	body := map[string]string{}
	if team != "" {
		body["team"] = string(team)
	}
	var res struct {
		Path string `json:"path"`
	}
	if err := a.api.call(r, s.auth, http.MethodPost, "/calendar/feeds", nil, body, &res); err != nil {
		a.fail(w, r, s, err)
		return
	}
	scheme := "http"
	if a.overTLS(r) {
		scheme = "https"
	}
	made := &feedChoice{Team: team, Label: "My work", URL: fmt.Sprintf("%s://%s%s", scheme, r.Host, res.Path)}
	if team != "" {
		made.Label = label(team) + " team"
	}
	// The page is drawn here, not redirected to: the address is a secret a
	// cookie or a URL must not carry, and it is shown this once.
	w.Header().Set("Cache-Control", "no-store")
	a.showCalendar(w, r, s, made)
}
