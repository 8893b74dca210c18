package web

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The start forms: a campaign brief, a hiring request and a risk. Each is drawn
// from a table of inputs whose names are the API's own field paths ("budget.amount",
// "kpis[0].target"), so the API's field problems land next to the input they are
// about with no mapping to keep in step. The browser checks what HTML can say
// (required, number ranges, patterns); this page checks what it must before it can
// build a JSON body (numbers that are numbers, dates that are dates); the API checks
// everything else, and its answer is the one that counts.

// startForm is one of the start forms.
type startForm struct {
	slug   string // the form is at /new/<slug>
	tab    string // its name in the forms' sub-navigation
	title  string
	intro  string
	submit string
	create string // the API route that starts the process
	page   string // the new process's page is page + "/" + its ID
	// roles are the people pickers' filters; domain.Role("") lists everyone.
	roles []domain.Role
	// related says the form offers the running processes a risk can belong to.
	related bool
	// may is who may start the process, the rule the API applies; nil is anyone.
	may func(domain.Actor) error
	// approvers are the roles that approve what the form starts, which the
	// requester may not approve (separation of duties); sole says what of theirs
	// goes elsewhere when they alone hold one (domain.SoleHolders), which the form
	// warns of.
	approvers []domain.Role
	sole      string
	// alias maps an API field path to the input that stands for it, where the
	// two differ.
	alias map[string]string

	defaults func(s *session, d directory, r *http.Request, now time.Time) url.Values
	draw     func(vals url.Values, d directory, now time.Time) []section
	// body builds the API's request from the form, or says which inputs cannot be
	// sent as they are. It may tidy vals (the KPI rows), so a redraw matches what
	// was sent and the API's problems with it.
	body func(vals url.Values) (any, map[string]string)
	// started is the notice shown on the new process's page.
	started func(vals url.Values) string
}

// startForms are the forms in the order of the sub-navigation.
var startForms = []*startForm{campaignForm, hiringForm, riskForm}

// idempotencyField is the hidden input that carries the form's Idempotency-Key.
const idempotencyField = "idempotency_key"

// maxPeople bounds a people picker; a directory larger than this gets a text
// input for the handle instead.
const maxPeople = 1000

// maxRelated bounds each list of running processes a risk may be related to.
const maxRelated = 200

func (a *App) formRoutes(m *http.ServeMux) {
	// Start opens the first form the person may use: a creative raises risks.
	m.HandleFunc("GET /new", a.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		i := slices.IndexFunc(startForms, func(f *startForm) bool { return f.may == nil || f.may(domain.ActorOf(s.me)) == nil })
		http.Redirect(w, r, "/new/"+startForms[max(i, 0)].slug, http.StatusSeeOther)
	}))
	for _, f := range startForms {
		m.HandleFunc("GET /new/"+f.slug, a.authed(func(w http.ResponseWriter, r *http.Request, s *session) { a.startFormPage(w, r, s, f) }))
		m.HandleFunc("POST /new/"+f.slug, a.authed(func(w http.ResponseWriter, r *http.Request, s *session) { a.submitStart(w, r, s, f) }))
	}
}

// startFormPage draws a form with its defaults and a fresh Idempotency-Key: each
// drawing of the form starts at most one process, however often it is sent.
func (a *App) startFormPage(w http.ResponseWriter, r *http.Request, s *session, f *startForm) {
	if f.may != nil {
		if err := f.may(domain.ActorOf(s.me)); err != nil {
			p := startPage{Slug: f.slug, Intro: f.intro, Tabs: startTabs(), Refused: true}
			a.render(w, r, http.StatusForbidden, "new_process", view{Session: s, Title: f.title, Nav: "new",
				Problem: "You cannot start this: " + domain.Message(err) + ".", Data: p})
			return
		}
	}
	d, err := a.directory(r, s, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderStart(w, r, s, f, http.StatusOK, d, f.defaults(s, d, r, a.now()), newIdempotencyKey(), nil, "")
}

// submitStart sends the form to the API. Success goes to the new process's page;
// a refusal draws the form again with what the person typed and each problem next
// to its input.
func (a *App) submitStart(w http.ResponseWriter, r *http.Request, s *session, f *startForm) {
	if err := r.ParseForm(); err != nil {
		a.render(w, r, http.StatusBadRequest, "error", view{Session: s, Title: "Bad request", Problem: "The form could not be read. Reload the page and try again."})
		return
	}
	vals := url.Values{}
	for k, v := range r.PostForm {
		if k != "csrf" && k != idempotencyField {
			vals[k] = slices.Clone(v)
		}
	}
	key := r.PostFormValue(idempotencyField)
	if !validIdempotencyKey(key) {
		key = newIdempotencyKey()
	}
	redraw := func(status int, fields map[string]string, problem string) {
		d, err := a.directory(r, s, f)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		a.renderStart(w, r, s, f, status, d, vals, key, fields, problem)
	}

	body, problems := f.body(vals)
	if len(problems) > 0 {
		redraw(http.StatusUnprocessableEntity, problems, "Nothing was sent: check the fields marked below.")
		return
	}
	var out struct {
		ID string `json:"id"`
	}
	err := a.api.callWith(r, s.auth, http.MethodPost, f.create, nil, http.Header{"Idempotency-Key": {key}}, body, &out)
	if err == nil && out.ID != "" {
		a.setNotice(w, f.started(vals))
		http.Redirect(w, r, f.page+"/"+url.PathEscape(out.ID), http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	switch {
	case err == nil:
		a.fail(w, r, s, errNoID(f.create))
	case !ok, ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable:
		a.fail(w, r, s, err)
	case ae.Status == http.StatusUnauthorized:
		a.clearSession(w, r)
		a.toSignIn(w, r, whyEnded)
	case ae.Status == http.StatusConflict:
		// The key already went with other values (the form was sent, then changed
		// and sent again), or a failed start was releasing it. Either way nothing
		// new was started; a new key lets the person start one on purpose.
		key = newIdempotencyKey()
		redraw(ae.Status, nil, "This form was already sent once with other values, so nothing new was started. "+
			"Check the values and send the form again to start another.")
	case len(ae.Details) > 0:
		redraw(ae.Status, fieldProblems(ae), "Nothing was started: check the fields marked below.")
	default:
		redraw(ae.Status, nil, "Nothing was started. "+refusal(ae))
	}
}

type errNoID string

func (e errNoID) Error() string { return "POST " + string(e) + ": the answer has no id" }

// startPage is what the form template draws.
type startPage struct {
	Tabs   []startTab
	Slug   string
	Intro  string
	Submit string
	Key    string // the Idempotency-Key of this drawing of the form
	// Zone is the time zone the form's times are typed in: the viewer's once
	// the page knows it, else "" until the page's script names it.
	Zone     string
	Sections []section
	// Summary links each problem to its input, for the box at the top.
	Summary []problemLink
	// Refused says the viewer may not start this process: the page explains
	// instead of offering a form the API would refuse.
	Refused bool
	// Warning says what of this start will not go where it usually goes: the
	// viewer alone holds a role that must approve it.
	Warning string
	// Templates are the tabs of the processes teams defined in templates.
	Templates []startTab
	// Outline is a template's stages and tasks, shown before its intake form;
	// Board is the template's board.
	Outline []outlineStage
	Board   string
}

type startTab struct{ Slug, Label string }

type problemLink struct{ ID, Label, Problem string }

// renderStart draws form f holding vals, with fields' problems next to their
// inputs. A problem the form has no input for joins problem, so nothing the API
// said is lost.
func (a *App) renderStart(w http.ResponseWriter, r *http.Request, s *session, f *startForm, status int, d directory, vals url.Values, key string, fields map[string]string, problem string) {
	mapped := map[string]string{}
	for k, v := range fields {
		name := cmp.Or(f.alias[k], k)
		if mapped[name] != "" {
			mapped[name] += "; "
		}
		mapped[name] += v
	}
	tabs, err := a.templateTabs(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	p := startPage{Slug: f.slug, Intro: f.intro, Submit: f.submit, Key: key, Zone: vals.Get(tzField), Sections: f.draw(vals, d, a.now()), Tabs: startTabs(),
		Templates: tabs, Warning: soleWarning(s.me, d, f)}
	problem = p.summarize(mapped, problem)
	a.render(w, r, status, "new_process", view{Session: s, Title: f.title, Nav: "new", Problem: problem, Fields: mapped, Data: p})
}

// summarize puts each problem in mapped (by input name) next to its input and
// in the summary at the top, and gives the first such input the focus. A
// problem the form has no input for joins problem, which it answers, so
// nothing the API said is lost.
func (p *startPage) summarize(mapped map[string]string, problem string) string {
	used := map[string]bool{}
	focused := false
	for i := range p.Sections {
		sec := &p.Sections[i]
		if sec.Name != "" && mapped[sec.Name] != "" {
			sec.Problem, used[sec.Name] = mapped[sec.Name], true
			p.Summary = append(p.Summary, problemLink{ID: sec.ID(), Label: sec.Legend, Problem: sec.Problem})
		}
		for j := range sec.Inputs {
			in := &sec.Inputs[j]
			if msg := mapped[in.Name]; msg != "" {
				in.Problem, used[in.Name] = msg, true
				label := in.Label
				if sec.Legend != "" {
					label = sec.Legend + ": " + label // "KPI 2: Target"
				}
				p.Summary = append(p.Summary, problemLink{ID: in.ID(), Label: label, Problem: msg})
				if !focused {
					in.Autofocus, focused = true, true
				}
			}
		}
	}
	var rest []string
	for k, v := range mapped {
		if !used[k] {
			rest = append(rest, k+": "+v)
		}
	}
	slices.Sort(rest)
	if len(rest) > 0 {
		problem = strings.TrimSuffix(problem, ".") + ". " + strings.Join(rest, "; ") + "."
	}
	return problem
}

// directory is what the pickers of a form offer.
type directory struct {
	people     map[domain.Role][]domain.Person // by the role they were listed for; "" is everyone
	morePeople map[domain.Role]bool            // the directory is larger than maxPeople
	campaigns  []domain.Campaign               // running, for a risk's related process
	hiring     []domain.HiringRequest
}

// directory reads the lists form f's pickers need, through the API.
func (a *App) directory(r *http.Request, s *session, f *startForm) (directory, error) {
	d, err := a.people(r, s, f.roles)
	if err != nil {
		return d, err
	}
	if f.related {
		active := url.Values{"status": {string(domain.StatusActive)}}
		if d.campaigns, _, err = list[domain.Campaign](a.api, r, s.auth, "/campaigns", active, maxRelated); err != nil {
			return d, err
		}
		if d.hiring, _, err = list[domain.HiringRequest](a.api, r, s.auth, "/hiring-requests", active, maxRelated); err != nil {
			return d, err
		}
	}
	return d, nil
}

// people reads the people the pickers of roles list (domain.Role("") is
// everyone), through the API.
func (a *App) people(r *http.Request, s *session, roles []domain.Role) (directory, error) {
	d := directory{people: map[domain.Role][]domain.Person{}, morePeople: map[domain.Role]bool{}}
	for _, role := range roles {
		// Sorted by name once, when the directory was read: shared, and
		// kept by its cache, so never changed here.
		if role == "" {
			if _, err := a.everyone(r, s); err != nil {
				return d, err
			}
			d.people[role], d.morePeople[role] = s.dirByName, s.dirMore
			continue
		}
		l, err := a.peopleOf(r, s, role)
		if err != nil {
			return d, err
		}
		d.people[role], d.morePeople[role] = l.byName, l.more
	}
	return d, nil
}

// holders lists everyone holding role, from the list the form read for the
// role or else the one of everyone; ok is false when the form read neither whole.
func (d directory) holders(role domain.Role) ([]domain.Person, bool) {
	for _, key := range []domain.Role{role, ""} {
		if people, read := d.people[key]; read && !d.morePeople[key] {
			return slices.DeleteFunc(slices.Clone(people), func(p domain.Person) bool { return !p.HasRole(role) }), true
		}
	}
	return nil, false
}

// soleWarning warns me, when they alone hold a role that must approve what form
// f starts, that it goes to their manager or the next authority up instead: the
// domain's rule (domain.SoleHolders), applied to the directory the form read.
func soleWarning(me domain.Person, d directory, f *startForm) string {
	var sole []string
	for _, r := range f.approvers {
		people, ok := d.holders(r)
		if ok && len(domain.SoleHolders(me, append(people, me), []domain.Role{r})) > 0 {
			sole = append(sole, "the only "+strings.ToLower(label(r)))
		}
	}
	if len(sole) == 0 {
		return ""
	}
	return "You are " + strings.Join(sole, " and ") + ", and nobody approves what they raised: " + f.sole +
		" will go to your manager instead, or to the next authority up if you have none."
}

// section is a part of a form: a fieldset with a legend, or loose inputs.
type section struct {
	// Scope tells apart the ids of forms that share a page: a task's ID.
	Scope  string
	Legend string
	Hint   string
	// Name is the API field that stands for the whole group ("kpis", "budget"),
	// whose problems show under the legend.
	Name    string
	Problem string
	Row     bool // the inputs sit side by side where there is room
	Inputs  []input
}

func (s section) ID() string        { return "g-" + fieldID(scoped(s.Scope, cmp.Or(s.Name, s.Legend))) }
func (s section) HintID() string    { return s.ID() + "-hint" }
func (s section) ProblemID() string { return s.ID() + "-problem" }

// DescribedBy names the hint and the problem that describe the group.
func (s section) DescribedBy() string {
	var ids []string
	if s.Hint != "" {
		ids = append(ids, s.HintID())
	}
	if s.Problem != "" {
		ids = append(ids, s.ProblemID())
	}
	return strings.Join(ids, " ")
}

// input is one control of a form.
type input struct {
	Scope string // tells apart the ids of forms that share a page: a task's ID
	Name  string // the form field, which is the API's field path
	Label string
	Hint  string
	// Kind is an <input> type (text, number, date, datetime-local), or textarea,
	// select, checkbox (one yes/no box), checkboxes or radios (one of Options each).
	Kind      string
	Value     string
	Values    []string // what is checked, for checkboxes
	Options   []option
	Groups    []optionGroup // a select's options in groups, after Options
	Optional  bool          // not required: the label says so
	Required  bool          // the browser insists on a value
	Min, Max  string
	Step      string
	Pattern   string
	MaxLength int
	Class     string // a width: "short", "tiny"
	Problem   string
	Autofocus bool // the first input with a problem takes the focus
	// Zone names the time zone of a datetime-local input, shown with its label.
	Zone string
	// Convert says the input's value and min are in UTC, and the page's script
	// may show them in the viewer's time zone (taskforms.go).
	Convert bool
}

type option struct{ Value, Label string }

type optionGroup struct {
	Label   string
	Options []option
}

func (in input) ID() string        { return "f-" + fieldID(scoped(in.Scope, in.Name)) }
func (in input) HintID() string    { return in.ID() + "-hint" }
func (in input) ProblemID() string { return in.ID() + "-problem" }

// DescribedBy names the hint and the problem that describe the input.
func (in input) DescribedBy() string {
	var ids []string
	if in.Hint != "" {
		ids = append(ids, in.HintID())
	}
	if in.Problem != "" {
		ids = append(ids, in.ProblemID())
	}
	return strings.Join(ids, " ")
}

// Checked reports whether a choice of checkboxes or radios is checked.
func (in input) Checked(v string) bool {
	if in.Kind == "radios" {
		return in.Value == v
	}
	return slices.Contains(in.Values, v)
}

// Choice is the id of one box of checkboxes or radios.
func (in input) Choice(v string) string { return in.ID() + "-" + fieldID(v) }

// scoped is name inside scope, for an id.
func scoped(scope, name string) string {
	if scope == "" {
		return name
	}
	return scope + "-" + name
}

// fieldID turns a field path such as "kpis[0].target" into an HTML id part.
func fieldID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// personPicker is a select of people, or a text input for a handle when the
// directory is too large to list.
func personPicker(name, label, hint string, d directory, role domain.Role, value string) input {
	if d.morePeople[role] {
		return input{Name: name, Label: label, Kind: "text", Value: value, Required: true, MaxLength: 100, Class: "short",
			Hint: strings.TrimSpace(hint + " Type the person's handle, e.g. maya.")}
	}
	in := input{Name: name, Label: label, Hint: hint, Kind: "select", Value: value, Required: true,
		Options: []option{{Value: "", Label: "Choose a person…"}}}
	found := value == ""
	for _, p := range d.people[role] {
		in.Options = append(in.Options, option{Value: p.Handle, Label: personLabel(p)})
		found = found || p.Handle == value
	}
	if !found { // typed or sent by an older page: keep it, so its problem shows against it
		in.Options = append(in.Options, option{Value: value, Label: value})
	}
	return in
}

func personLabel(p domain.Person) string {
	l := cmp.Or(p.Name, p.Handle) + " (" + p.Handle
	if p.Team != "" {
		l += ", " + label(p.Team)
	}
	return l + ")"
}

// defaultPerson is who a picker for role starts at: the viewer when they hold
// it, or the only person who does.
func defaultPerson(s *session, d directory, role domain.Role) string {
	if s.me.HasRole(role) {
		return s.me.Handle
	}
	if people := d.people[role]; len(people) == 1 && !d.morePeople[role] {
		return people[0].Handle
	}
	return ""
}

// Values as inputs show and send them.
const (
	dateLayout      = "2006-01-02"
	localTimeLayout = "2006-01-02T15:04"
)

// formProblems collects what is wrong with a form's input before it is sent.
type formProblems map[string]string

func (p formProblems) add(field, problem string) {
	if p[field] == "" {
		p[field] = problem
	}
}

// text reads a single-line or long text input, without surrounding spaces.
func text(vals url.Values, name string) string { return strings.TrimSpace(vals.Get(name)) }

// number reads a number input. Empty is a problem when required, and is 0
// otherwise.
func (p formProblems) number(vals url.Values, name string, required bool) float64 {
	v := text(vals, name)
	if v == "" {
		if required {
			p.add(name, "required")
		}
		return 0
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		p.add(name, "must be a number, like 1500 or 12.5")
		return 0
	}
	return n
}

// whole reads an input that takes a whole number; empty is 0.
func (p formProblems) whole(vals url.Values, name string) int {
	v := text(vals, name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.add(name, "must be a whole number")
		return 0
	}
	return n
}

// zonedTime reads a datetime-local input typed in loc and answers it in RFC
// 3339; empty stays empty, for the API to say it is required.
func (p formProblems) zonedTime(vals url.Values, name string, loc *time.Location) string {
	v := text(vals, name)
	if v == "" {
		return ""
	}
	for _, layout := range []string{localTimeLayout, localTimeLayout + ":05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	p.add(name, "must be a date and time like 2027-03-01T09:00")
	return ""
}

// utcDate reads a date input as the start of that day in UTC, in RFC 3339.
func (p formProblems) utcDate(vals url.Values, name string) string {
	v := text(vals, name)
	if v == "" {
		return ""
	}
	t, err := time.ParseInLocation(dateLayout, v, time.UTC)
	if err != nil {
		p.add(name, "must be a date like 2027-03-01")
		return ""
	}
	return t.Format(time.RFC3339)
}

// currency reads a currency code; people may type it in lower case.
func currency(vals url.Values, name string) string { return strings.ToUpper(text(vals, name)) }

const currencyPattern = "[A-Za-z]{3}"

func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// validIdempotencyKey accepts the keys this page makes, and nothing that could
// trouble a header.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// quoted is a name in a notice or a text, the quotes it holds nested.
func quoted(s string) string { return nestQuotes("“" + s + "”") }

// startTabs is the sub-navigation between the forms.
func startTabs() []startTab {
	tabs := make([]startTab, len(startForms))
	for i, g := range startForms {
		tabs[i] = startTab{Slug: g.slug, Label: g.tab}
	}
	return tabs
}
