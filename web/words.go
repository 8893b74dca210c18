package web

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/tandemhq/tandem/domain"
)

// words is how one page speaks to the person reading it: people by name,
// processes, tasks and candidates by what they are called rather than by ID,
// times in the reader's own time zone (relative where that helps), amounts
// with separators and their currency, durations in words.
//
// Workflow texts (task titles and descriptions, timeline entries,
// notifications) carry handles, IDs, RFC 3339 times and Go durations on
// purpose: they are written once into Temporal's history, which must replay
// the same, and a candidate's name never enters it. The page puts them in
// people's words when it draws them (Text), from the directory and one lookup
// of the IDs it shows (GET /names): never one call per ID.
type words struct {
	loc   *time.Location // the reader's time zone; UTC until the page's script named one
	zoned bool           // loc is the reader's, not UTC for want of knowing
	now   time.Time
	// people are the directory's names by handle.
	people map[string]string
	// named is what each ID the page knows stands for; an ID asked for and not
	// found is there with no name.
	named map[string]domain.NamedID
}

// systemActor is the handle the processes act under themselves (a risk
// raised for an overdue task).
const systemActor = "tandem"

// zoneCookie holds the browser's time zone (an IANA name such as
// Europe/Paris), set by the page's script, so the server writes times in it.
const zoneCookie = "tandem_tz"

// zones caches the time zones read by name: loading one parses its rules.
var zones sync.Map // name → *time.Location

// readerZone is the time zone the browser named in its cookie, or nil.
func readerZone(r *http.Request) *time.Location {
	c, err := r.Cookie(zoneCookie)
	if err != nil {
		return nil
	}
	name, err := url.QueryUnescape(c.Value)
	if err != nil || name == "Local" { // Local is the server's zone, never a browser's
		return nil
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc := zoneOf(name)
	if loc != nil {
		zones.Store(name, loc) // bounded: only real zone names load
	}
	return loc
}

// words is the page's words for s, made once per request: its directory is
// read the first time, with the people pickers' list of everyone.
func (a *App) words(r *http.Request, s *session) (*words, error) {
	if s.words != nil {
		return s.words, nil
	}
	people, err := a.everyone(r, s)
	if err != nil {
		return nil, err
	}
	w := &words{loc: time.UTC, now: a.now(), people: make(map[string]string, len(people)), named: map[string]domain.NamedID{}}
	if s.zone != nil {
		w.loc, w.zoned = s.zone, true
	}
	w.people[systemActor] = "Tandem"
	for _, p := range people {
		if p.Name != "" {
			w.people[p.Handle] = p.Name
		}
	}
	s.words = w
	return w, nil
}

// bareWords are the words of a page that shows no names: times in the
// reader's zone, nothing looked up.
func (a *App) bareWords(s *session) *words {
	if s != nil && s.words != nil {
		return s.words
	}
	w := &words{loc: time.UTC, now: a.now(), people: map[string]string{}, named: map[string]domain.NamedID{}}
	if s != nil && s.zone != nil {
		w.loc, w.zoned = s.zone, true
	}
	return w
}

// everyone is the directory (up to maxPeople), read once per request.
func (a *App) everyone(r *http.Request, s *session) ([]domain.Person, error) {
	if !s.dirRead {
		l, err := a.peopleOf(r, s, "")
		if err != nil {
			return nil, err
		}
		s.dir, s.dirByName, s.dirMore, s.dirRead = l.people, l.byName, l.more, true
	}
	return s.dir, nil
}

// dirCache keeps the directory's lists (everyone, or the holders of a role)
// between requests, each with the ETag of its first page: reading 1,000
// people through the API on every page was about a quarter of a board's
// time. The lists are the same for every viewer (GET /api/v1/people answers
// everyone the same), and each is still asked for on every use, as the
// viewer, with If-None-Match: the API answers 304 only while nobody in the
// directory changed (its ETag digests everyone's last change), so a rename
// or a disabled person is never drawn stale, and a viewer the API would
// refuse is refused.
type dirCache struct {
	mu    sync.Mutex
	lists map[domain.Role]dirList
}

type dirList struct {
	etag   string
	people []domain.Person // in the API's order, by handle
	byName []domain.Person // the same sorted by name, as the pickers list them
	more   bool
}

// peopleOf is the directory's people holding role (everyone for ""), up
// to maxPeople, and whether there are more: from the cache while the API
// answers that nobody changed, else read again and kept. Callers must not
// change its slices.
func (a *App) peopleOf(r *http.Request, s *session, role domain.Role) (dirList, error) {
	a.dir.mu.Lock()
	kept := a.dir.lists[role]
	a.dir.mu.Unlock()
	q := url.Values{"limit": {"200"}}
	if role != "" {
		q.Set("role", string(role))
	}
	var header http.Header
	if kept.etag != "" {
		header = http.Header{"If-None-Match": {kept.etag}}
	}
	w, err := a.api.send(r, s.auth, http.MethodGet, "/people", q, header, nil)
	if err != nil {
		return dirList{}, err
	}
	if w.status == http.StatusNotModified && kept.etag != "" {
		return kept, nil
	}
	var first domain.Page[domain.Person]
	if err := w.answer(http.MethodGet, "/people", &first); err != nil {
		return dirList{}, err
	}
	l := dirList{etag: w.Header().Get("ETag"), people: first.Items}
	if first.NextCursor != "" && len(l.people) < maxPeople {
		q.Set("cursor", first.NextCursor)
		var rest []domain.Person
		if rest, l.more, err = list[domain.Person](a.api, r, s.auth, "/people", q, maxPeople-len(l.people)); err != nil {
			return dirList{}, err
		}
		l.people = append(l.people, rest...)
	} else if first.NextCursor != "" {
		l.people, l.more = l.people[:maxPeople], true
	}
	l.byName = slices.Clone(l.people)
	slices.SortFunc(l.byName, func(x, y domain.Person) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.Handle, y.Handle))
	})
	// The first page's ETag names the directory as it was when it was read:
	// a change while the rest was read makes the next ask miss, and read it
	// all again.
	if l.etag != "" {
		a.dir.mu.Lock()
		a.dir.lists[role] = l
		a.dir.mu.Unlock()
	}
	return l, nil
}

// know records what the page knows already an ID stands for, so lookup does
// not ask for it.
func (w *words) know(n ...domain.NamedID) {
	for _, x := range n {
		if x.ID != "" {
			w.named[x.ID] = x
		}
	}
}

// idPattern finds the IDs in a text, with the word before one that says what
// it is ("risk rsk_…", "candidate cnd_…"), which the name replaces.
var idPattern = regexp.MustCompile(`(?:\b((?i:campaign|hiring request|risk|task|candidate)) )?\b((?:cmp|hir|rsk|tsk|cnd)_[0-9a-z]+)\b`)

// lookup learns what the IDs in texts stand for, those the page does not know
// yet, in one call to the API (a second when the names found hold IDs
// themselves, as an interview task's title holds its candidate's). Names are
// for reading: a lookup that fails leaves the IDs in general words ("a
// risk"), logged, rather than failing the page.
func (a *App) lookup(r *http.Request, s *session, w *words, texts ...string) {
	for range 2 {
		var ids []string
		for _, t := range texts {
			for _, m := range idPattern.FindAllStringSubmatch(t, -1) {
				if _, known := w.named[m[2]]; !known && !slices.Contains(ids, m[2]) {
					if _, ok := domain.NameKindOf(m[2]); ok {
						ids = append(ids, m[2])
					}
				}
			}
		}
		if len(ids) == 0 {
			return
		}
		texts = nil
		for batch := range slices.Chunk(ids, domain.MaxNamedIDs) {
			var got struct {
				Items []domain.NamedID `json:"items"`
			}
			if err := a.api.call(r, s.auth, http.MethodGet, "/names", url.Values{"id": batch}, nil, &got); err != nil {
				a.log.Warn("names of a page's IDs", "err", err)
				got.Items = nil
			}
			for _, id := range batch {
				k, _ := domain.NameKindOf(id)
				w.named[id] = domain.NamedID{ID: id, Kind: k}
			}
			for _, n := range got.Items {
				w.named[n.ID] = n
				texts = append(texts, n.Name)
			}
		}
	}
}

// say puts a text of the API (a refusal's message) in the reader's words.
func (a *App) say(r *http.Request, s *session, text string) string {
	wd, err := a.words(r, s)
	if err != nil {
		return text
	}
	a.lookup(r, s, wd, text)
	return wd.Text(text)
}

// Name is a person's name from the directory, or the handle of someone it does
// not hold.
func (w *words) Name(handle string) string {
	if n := w.people[handle]; n != "" {
		return n
	}
	return handle
}

// Names is several people by name: "Pat Morgan and Maya Ortiz".
func (w *words) Names(handles ...string) string {
	var out []string
	for _, h := range handles {
		if h != "" && !slices.Contains(out, w.Name(h)) {
			out = append(out, w.Name(h))
		}
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// Title is what id stands for: a process's name, a task's title, a candidate's
// name, or in general words when the page may not know it ("a candidate").
func (w *words) Title(id string) string {
	return w.named1(id, "", false)
}

// named1 says id in words; kindWord is the word the text put before it ("risk"),
// which the result replaces; quote puts a title in quotes.
func (w *words) named1(id, kindWord string, quote bool) string {
	return w.named2(id, kindWord, quote, false)
}

// named2 is named1 for an ID in a name (nested) or not.
func (w *words) named2(id, kindWord string, quote, nested bool) string {
	n, ok := w.named[id]
	if !ok {
		n.Kind, _ = domain.NameKindOf(id)
	}
	// A name may hold IDs itself (an interview task's title holds its
	// candidate's): those are named in turn, one level deep, so no name is
	// ever named from itself.
	if n.Name != "" && idPattern.MatchString(n.Name) {
		if nested {
			n.Name = ""
		} else {
			n.Name = idPattern.ReplaceAllStringFunc(n.Name, func(m string) string {
				sub := idPattern.FindStringSubmatch(m)
				return w.named2(sub[2], sub[1], true, true)
			})
		}
	}
	capital := kindWord != "" && unicode.IsUpper([]rune(kindWord)[0])
	var out string
	switch {
	case n.Kind == domain.NameCandidate && n.Name != "":
		return n.Name
	case n.Kind == domain.NameCandidate:
		out = "a candidate"
	case n.Name != "" && !quote:
		return n.Name
	case n.Name != "" && kindWord != "":
		out = "the " + strings.ToLower(kindWord) + " " + quoted(n.Name)
	case n.Name != "":
		return quoted(n.Name)
	default:
		out = map[domain.NameKind]string{domain.NameCampaign: "a campaign", domain.NameHiring: "a hiring request",
			domain.NameRisk: "a risk", domain.NameTask: "a task"}[n.Kind]
		if out == "" {
			out = "something"
		}
	}
	if capital {
		out = strings.ToUpper(out[:1]) + out[1:]
	}
	return out
}

// Cause says why a risk was raised, from its cause ("overdue:tsk_…", "kpi:…").
func (w *words) Cause(cause string) string {
	kind, what, _ := strings.Cut(cause, ":")
	switch kind {
	case "overdue":
		return w.named1(what, "", true) + " was overdue"
	case "kpi":
		return "the KPI " + quoted(what) + " missed its target"
	case "":
		return ""
	}
	return w.Text(cause)
}

// Patterns of what Text puts in words.
var (
	timePattern     = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})`)
	moneyPattern    = regexp.MustCompile(`\b(\d+(?:\.\d+)?(?:e\+\d+)?)(?:–(\d+(?:\.\d+)?(?:e\+\d+)?))? ([A-Z]{3})\b`)
	numberPattern   = regexp.MustCompile(`\b\d+(?:\.\d+)?(?:e\+\d+)?\b`)
	slaPattern      = regexp.MustCompile(`\bthe (\d+(?:\.\d+)?[hms](?:\d+(?:\.\d+)?[ms])*) SLA\b`)
	durationPattern = regexp.MustCompile(`\b\d+(?:\.\d+)?[hms](?:\d+(?:\.\d+)?[ms])*\b`)
	teamRolePattern = regexp.MustCompile(`\bthe (?:([a-z]+(?:-[a-z]+)*) )? ?team(?: \(([a-z_]*)(?:, assigned)?\))?`)
	neededPattern   = regexp.MustCompile(`\bneeded[ _]by (\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))`)
	tokenPattern    = regexp.MustCompile(`\b[a-z0-9][a-z0-9._-]*`)
)

// notCurrencies are three capitals that are not a currency after a number.
var notCurrencies = map[string]bool{"KPI": true, "SLA": true, "UTC": true}

// Text puts a workflow text in the reader's words: IDs by what they stand for,
// people by name, times in the reader's zone, amounts with separators and
// currency, Go durations in words, team and role keys as labels. What the text
// quotes (“…”: a name someone typed, or a task's title) is left as it is but
// for its IDs: a quoted title may be a workflow's, with its candidate's ID; and
// for the quotes inside it, which read ‘so’. A task's title often quotes its
// process's name, and a text quoting the title would otherwise close two
// quotes at once (“Triage the request “Launch week””).
func (w *words) Text(s string) string {
	var b strings.Builder
	depth, start := 0, 0
	flush := func(end int) {
		if start < end {
			b.WriteString(w.plain(s[start:end]))
		}
	}
	for i, r := range s {
		switch r {
		case '“':
			if depth == 0 {
				flush(i)
				start = i
			}
			depth++
		case '”':
			if depth > 0 {
				depth--
				if depth == 0 {
					b.WriteString(nestQuotes(w.ids(s[start : i+len("”")])))
					start = i + len("”")
				}
			}
		}
	}
	if depth > 0 { // an unclosed quote: the rest is as typed
		b.WriteString(nestQuotes(w.ids(s[start:])))
	} else {
		flush(len(s))
	}
	return b.String()
}

// nestQuotes writes the quotes inside a quote as single ones, and those inside
// those as double again, as quotes nest in print.
func nestQuotes(s string) string {
	if strings.Count(s, "“") < 2 {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '“':
			depth++
			if depth%2 == 0 {
				r = '‘'
			}
		case r == '”' && depth > 0:
			if depth%2 == 0 {
				r = '’'
			}
			depth--
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ids puts the IDs of a text in words, and nothing else of it.
func (w *words) ids(s string) string {
	return idPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := idPattern.FindStringSubmatch(m)
		return w.named1(sub[2], sub[1], true)
	})
}

// plain puts a stretch of a workflow text that quotes nothing in words. Each
// part put in words is held aside (a placeholder of capitals and NULs) until
// the end, so a later pass never reads a name or a time as a number or a handle.
func (w *words) plain(s string) string {
	var held []string
	hold := func(text string) string {
		held = append(held, text)
		return "\x00" + strings.Map(func(r rune) rune { return 'A' + r - '0' }, strconv.Itoa(len(held)-1)) + "\x00"
	}
	s = neededPattern.ReplaceAllStringFunc(s, func(m string) string { // a hire's date: a day, not a time
		t, err := time.Parse(time.RFC3339Nano, neededPattern.FindStringSubmatch(m)[1])
		if err != nil {
			return m
		}
		return hold("needed by " + w.Day(t).Text)
	})
	s = timePattern.ReplaceAllStringFunc(s, func(m string) string {
		t, err := time.Parse(time.RFC3339Nano, m)
		if err != nil {
			return m
		}
		return hold(w.When(t).Text)
	})
	s = teamRolePattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := teamRolePattern.FindStringSubmatch(m)
		switch {
		case sub[1] != "" && domain.Team(sub[1]).Valid():
			return hold("the " + label(sub[1]) + " team")
		case sub[1] == "" && sub[2] != "": // a task of no team: whoever holds the role
			return hold(anyOf([]domain.Role{domain.Role(sub[2])}))
		}
		return m
	})
	s = idPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := idPattern.FindStringSubmatch(m)
		return hold(w.named1(sub[2], sub[1], true))
	})
	s = moneyPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := moneyPattern.FindStringSubmatch(m)
		from, err := strconv.ParseFloat(sub[1], 64)
		if notCurrencies[sub[3]] || err != nil {
			return m
		}
		if sub[2] == "" {
			return hold(money(from, sub[3]))
		}
		to, err := strconv.ParseFloat(sub[2], 64)
		if err != nil {
			return m
		}
		return hold(moneyRange(from, to, sub[3]))
	})
	s = slaPattern.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(slaPattern.FindStringSubmatch(m)[1])
		if err != nil {
			return m
		}
		words := span(d)
		if n, unit, ok := strings.Cut(words, " "); ok && !strings.Contains(unit, " ") { // one unit: "the 2-day SLA"
			return hold("the " + n + "-" + strings.TrimSuffix(unit, "s") + " SLA")
		}
		return hold("the SLA of " + words)
	})
	s = durationPattern.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		return hold(span(d))
	})
	s = numberPattern.ReplaceAllStringFunc(s, func(m string) string {
		v, err := strconv.ParseFloat(m, 64)
		if err != nil || (len(m) == 4 && v >= 1900 && v < 2100) { // a year stays as it is
			return m
		}
		return number(v)
	})
	s = tokenPattern.ReplaceAllStringFunc(s, func(m string) string {
		tok := strings.TrimRight(m, "._-")
		rest := m[len(tok):]
		switch {
		case w.people[tok] != "" && !isKey(tok):
			return w.people[tok] + rest
		case strings.Contains(tok, "_") && !strings.ContainsAny(tok, ".0123456789"):
			return strings.ReplaceAll(tok, "_", " ") + rest
		case strings.Contains(tok, "-") && domain.Team(tok).Valid():
			return label(tok) + rest
		case tok == "hr" || tok == "pmo" || tok == "mops" || tok == "kpi" || tok == "kpis":
			return initialisms[tok] + rest
		}
		return m
	})
	for i, text := range held {
		s = strings.Replace(s, "\x00"+strings.Map(func(r rune) rune { return 'A' + r - '0' }, strconv.Itoa(i))+"\x00", text, 1)
	}
	return s
}

// isKey reports whether a word is one of Tandem's own keys (a team, a role),
// which a handle that happens to spell it does not replace.
func isKey(tok string) bool {
	return domain.Team(tok).Valid() || slices.Contains(domain.Roles, domain.Role(tok))
}

// moment is a time as a page shows it: in words, with the instant for the
// <time> element ("at" template).
type moment struct {
	At    time.Time
	Text  string // in the reader's words: "due in 2 days, Tue 14:00"
	Lead  string // the relative part of Text, before the time itself
	Title string // the full date and time, with its zone
	// Local says Text is in UTC for want of the reader's zone: the page's
	// script rewrites the time part in it.
	Local bool
	Class string // "overdue", "soon" (within a day) or ""
}

// ZoneName is the reader's time zone, or "" while the page does not know it.
func (w *words) ZoneName() string {
	if !w.zoned {
		return ""
	}
	return w.loc.String()
}

// Stamp is the instant for a <time> element's datetime attribute.
func (m moment) Stamp() string { return m.At.UTC().Format(time.RFC3339) }

// When is a time in the reader's zone: "today 14:00", "Tue 14:00" within a
// week, "Tue 3 Mar 14:00" this year, with the year otherwise; "UTC" is said
// when the reader's zone is not known yet.
func (w *words) When(t time.Time) moment {
	if t.IsZero() {
		return moment{}
	}
	lt, ln := t.In(w.loc), w.now.In(w.loc)
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	days := int(math.Round(day(lt).Sub(day(ln)).Hours() / 24))
	var text string
	switch {
	case days == 0:
		text = "today " + lt.Format("15:04")
	case days == -1:
		text = "yesterday " + lt.Format("15:04")
	case days == 1:
		text = "tomorrow " + lt.Format("15:04")
	case days > -7 && days < 7:
		text = lt.Format("Mon 15:04")
	case lt.Year() == ln.Year():
		text = lt.Format("Mon 2 Jan 15:04")
	default:
		text = lt.Format("Mon 2 Jan 2006 15:04")
	}
	m := moment{At: t, Text: text, Title: lt.Format("Monday 2 January 2006, 15:04 MST"), Local: !w.zoned}
	if !w.zoned {
		m.Text += " UTC"
	}
	return m
}

// Day is a date, such as a hire's needed-by: the day it names in UTC when it
// is the start of a day there (as a date field sends it), else the day in the
// reader's zone; with the weekday, and the year when it is not this one.
func (w *words) Day(t time.Time) moment {
	if t.IsZero() {
		return moment{}
	}
	d := t.In(w.loc)
	if t.UTC().Equal(t.UTC().Truncate(24 * time.Hour)) {
		d = t.UTC()
	}
	layout := "Mon 2 Jan"
	if d.Year() != w.now.In(w.loc).Year() {
		layout = "Mon 2 Jan 2006"
	}
	return moment{At: t, Text: d.Format(layout), Title: d.Format("Monday 2 January 2006")}
}

// Due is when something is due, relative and then when: "due in 2 days, Tue
// 14:00", "overdue by 5 hours, due today 04:00".
func (w *words) Due(t time.Time) moment {
	if t.IsZero() {
		return moment{Text: "no due date"}
	}
	m := w.When(t)
	d := t.Sub(w.now)
	switch {
	case d < 0:
		m.Lead, m.Class = "overdue by "+ago(-d)+", due ", "overdue"
	case d < 24*time.Hour:
		m.Lead, m.Class = "due in "+ago(d)+", ", "soon"
	default:
		m.Lead = "due in " + ago(d) + ", "
	}
	m.Text = m.Lead + m.Text
	return m
}

// Key is a new Idempotency-Key for a form that sends a command: one per
// drawing of the form, so sending it twice (a double click, a retry) is one
// command.
func (w *words) Key() string {
	return newIdempotencyKey()
}

// span says an exact duration in words: "2 weeks", "3 days", "1 day 2 hours",
// "90 minutes" as "1 hour 30 minutes"; at most its two largest units.
func span(d time.Duration) string {
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	if d <= 0 {
		return "no time"
	}
	if d%week == 0 {
		return plural(int(d/week), "week")
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{day, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if n := int(d / u.d); n > 0 {
			parts = append(parts, plural(n, u.name))
			d -= time.Duration(n) * u.d
		} else if len(parts) > 0 {
			break
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return "under a second"
	}
	return strings.Join(parts, " ")
}

// number writes a number as people do: thousands grouped, never in
// exponent form ("1,250", "3.5", "1,200,000").
func number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// currencySigns are the currencies written with a sign before the amount.
var currencySigns = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}

// money writes an amount with its currency: "€25,000", "€1,250.50", "25,000 CHF".
func money(v float64, currency string) string {
	n := number(math.Round(v*100) / 100)
	if whole, frac, ok := strings.Cut(n, "."); ok && len(frac) == 1 {
		n = whole + "." + frac + "0" // cents have two digits
	}
	if sign := currencySigns[strings.ToUpper(currency)]; sign != "" {
		if strings.HasPrefix(n, "-") {
			return "-" + sign + n[1:]
		}
		return sign + n
	}
	if currency == "" {
		return n
	}
	return n + " " + strings.ToUpper(currency)
}

// moneyRange writes a salary range: "€70,000–€90,000".
func moneyRange(lo, hi float64, currency string) string {
	return money(lo, currency) + "–" + money(hi, currency)
}

// sentenceOf starts a text with a capital.
func sentenceOf(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
