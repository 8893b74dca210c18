package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// view is what every page template gets.
type view struct {
	Session *session
	Title   string
	Nav     string // the navigation entry this page belongs to
	Notice  string // what just succeeded, e.g. "Approved: Review brief"
	Problem string // why the last action was refused, in words
	// Fields maps a form field to what is wrong with it, shown next to the field.
	Fields map[string]string
	Poll   bool // the page refreshes itself while open
	// Version names what the main part shows, for the refresh (set by render).
	Version string
	// Main is the page's main part as drawn, for the layout (set by render).
	Main template.HTML
	Data any
	// W is how the page says names, times and amounts (set by render when the
	// handler made none).
	W *words
}

// Me is the signed-in person, or nil on the sign-in page.
func (v view) Me() *domain.Person {
	if v.Session == nil {
		return nil
	}
	return &v.Session.me
}

// MayReadReports says whether the signed-in person may open the report pages
// (the workload): the navigation offers only pages they may open.
func (v view) MayReadReports() bool {
	return v.Session != nil && domain.CheckReadReports(domain.ActorOf(v.Session.me)) == nil
}

// CSRF is the value each form of the page carries.
func (v view) CSRF() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.csrf
}

// Unread is the header's count of unread notifications, "" when there are none.
func (v view) Unread() string {
	if v.Session == nil || v.Session.unread == 0 {
		return ""
	}
	return unreadLabel(v.Session.unread)
}

// fragmentHeader marks a page's background refresh: only its main part is drawn.
const fragmentHeader = "X-Tandem-Fragment"

func isFragment(r *http.Request) bool { return r.Header.Get(fragmentHeader) != "" }

// parsePages parses each page template together with the layout and partials.
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/_*.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return pages
}

// render draws a page, or only its main part for a background refresh. It renders
// into a buffer first, so a template error becomes a clean 500, not half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := a.pages[name]
	if !ok {
		panic("web: no page template " + name)
	}
	// A page drawn in answer to a form (a refusal) is at the form's address, which
	// a refresh cannot fetch: it stays still until the person moves on.
	if r.Method != http.MethodGet {
		v.Poll = false
	}
	if v.W == nil {
		v.W = a.bareWords(v.Session)
	}
	if isFragment(r) && v.Session != nil {
		w.Header().Set(unreadHeader, strconv.Itoa(v.Session.unread))
	}
	// The main part is drawn once: a polling page's version is hashed from
	// it, and the layout takes it as drawn. (Drawing the page, then main again
	// for its version, then the page again with it was most of a board's
	// time in drawing.)
	var b bytes.Buffer
	err := t.ExecuteTemplate(&b, "main", v)
	if err == nil && v.Poll {
		v.Version, err = version(t, v, b.Bytes())
		if isFragment(r) {
			w.Header().Set("X-Tandem-Version", v.Version)
		}
	}
	if err == nil && !isFragment(r) {
		v.Main = template.HTML(b.String()) //nolint:gosec // drawn by the page's own template just above
		b = bytes.Buffer{}
		err = t.ExecuteTemplate(&b, "layout", v)
	}
	if err != nil {
		a.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}

// version names what a polling page's main part shows, from main as drawn:
// its forms' Idempotency-Keys (new in each drawing) are left out, so new
// keys alone never make an open page redraw, and so are its notices, for
// which main is drawn again without them (only just after an action).
func version(t *template.Template, v view, main []byte) (string, error) {
	if v.Notice != "" || v.Problem != "" {
		v.Notice, v.Problem = "", ""
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, "main", v); err != nil {
			return "", err
		}
		main = b.Bytes()
	}
	h := sha256.New()
	writeKeyless(h, main)
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// keyAttr is how every form writes its Idempotency-Key (words.Key).
var keyAttr = []byte(`name="idempotency_key" value="`)

// writeKeyless writes page to w without the values of its forms'
// Idempotency-Keys.
func writeKeyless(w io.Writer, page []byte) {
	for {
		i := bytes.Index(page, keyAttr)
		if i < 0 {
			_, _ = w.Write(page)
			return
		}
		i += len(keyAttr)
		_, _ = w.Write(page[:i])
		page = page[i:]
		if j := bytes.IndexByte(page, '"'); j >= 0 {
			page = page[j:]
		}
	}
}

// fail answers an error no page can recover from: the API's refusal in words, or
// "something went wrong" for anything else, which is logged and never shown.
func (a *App) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	v := view{Session: s, Title: "Something went wrong"}
	status := http.StatusInternalServerError
	if ae, ok := asAPIError(err); ok && ae.Status != http.StatusInternalServerError {
		status = ae.Status
		v.Title, v.Problem = http.StatusText(status), refusal(ae)
	} else {
		a.log.Error("web page", "path", r.URL.Path, "err", err)
		v.Problem = "Something went wrong on our side. Try again in a moment; if it keeps happening, tell your admin."
	}
	a.render(w, r, status, "error", v)
}

// refusal says in words why the API refused a command.
func refusal(e *apiError) string {
	switch e.Status {
	case http.StatusForbidden:
		return "You are not allowed to do this: " + e.Message
	case http.StatusNotFound:
		return "Not found: " + e.Message
	case http.StatusConflict:
		return "Already done or no longer possible: " + e.Message
	case http.StatusTooManyRequests:
		return "Too many requests just now. Wait a few seconds and try again."
	case http.StatusServiceUnavailable:
		return "Tandem cannot reach its database or Temporal right now. Nothing was changed; try again shortly."
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		if len(e.Details) > 0 {
			var parts []string
			for _, d := range e.Details {
				parts = append(parts, d.Problem)
			}
			return "Check the form: " + strings.Join(parts, "; ")
		}
		return "Check the form: " + e.Message
	}
	return e.Message
}

// fieldProblems maps the API's field details for a form.
func fieldProblems(e *apiError) map[string]string {
	m := map[string]string{}
	for _, d := range e.Details {
		if m[d.Field] != "" {
			m[d.Field] += "; "
		}
		m[d.Field] += d.Problem
	}
	return m
}

// assets serves the embedded static files. Their URLs carry a hash of the
// content, so a browser can keep them for a long time and still never run an old
// script after an upgrade.
type assets struct {
	files   http.Handler
	version map[string]string
}

func loadAssets() assets {
	a := assets{files: http.FileServerFS(staticFS), version: map[string]string{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		a.version[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return a
}

// ServeHTTP serves one embedded file. Anything else, a directory included, is not
// found: the file server would list a directory, and what the binary holds is not
// for browsing.
func (a assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if fi, err := fs.Stat(staticFS, strings.TrimPrefix(path.Clean(r.URL.Path), "/")); err != nil || fi.IsDir() || strings.HasSuffix(r.URL.Path, "/") {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") != "" {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	a.files.ServeHTTP(w, r)
}

// url is the versioned URL of an embedded asset.
func (a assets) url(name string) string {
	v, ok := a.version[name]
	if !ok {
		panic("web: no asset " + name)
	}
	return "/static/" + name + "?v=" + v
}

// funcs are the helpers every template may call.
func (a *App) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":        func(name string) string { return a.assets.url(name) },
		"label":        label,
		"since":        func(t time.Time) string { return ago(a.now().Sub(t)) },
		"money":        money,
		"moneyRange":   moneyRange,
		"num":          number,
		"span":         func(d domain.Duration) string { return span(d.D()) },
		"roles":        func(r ...domain.Role) []domain.Role { return r },
		"inc":          func(i int) int { return i + 1 },
		"pollMs":       func() int64 { return a.poll.Milliseconds() },
		"outcomeLabel": outcomeLabel,
		"anyOf":        anyOf,
		"bar":          barOf,
		"hours":        hours,
		"ratio":        ratio,
		"weekOf":       weekOf,
	}
}

// label turns an identifier such as "brief_review" into "Brief review", and
// writes the initialisms people know in capitals ("hr" is "HR").
func label(s any) string {
	words := strings.Fields(strings.NewReplacer("_", " ", "-", " ").Replace(fmt.Sprint(s)))
	for i, w := range words {
		switch {
		case initialisms[w] != "":
			words[i] = initialisms[w]
		case i == 0:
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// anyOf names, in a sentence, anyone holding one of roles: "a marketing ops
// manager or a director"; a role named for its field rather than a person
// reads "someone in analytics".
func anyOf(roles []domain.Role) string {
	words := make([]string, len(roles))
	for i, r := range roles {
		l := label(r)
		if fields[r] {
			words[i] = "someone in " + strings.ToLower(l[:1]) + l[1:]
			if initialisms[string(r)] != "" {
				words[i] = "someone in " + l
			}
			continue
		}
		if first, _, _ := strings.Cut(l, " "); initialisms[strings.ToLower(first)] == "" {
			l = strings.ToLower(l[:1]) + l[1:]
		}
		words[i] = article(l) + " " + l
	}
	return strings.Join(words, " or ")
}

// article is "a" or "an" before a word, by how it sounds: its first letter,
// or for an initialism said letter by letter ("an HR manager"), that letter's
// name.
func article(word string) string {
	first, _, _ := strings.Cut(word, " ")
	vowels := "aeiouAEIOU"
	if len(first) > 1 && strings.ToUpper(first[:2]) == first[:2] {
		vowels = "AEFHILMNORSX" // letters whose names start with a vowel sound
	}
	if word != "" && strings.ContainsRune(vowels, rune(word[0])) {
		return "an"
	}
	return "a"
}

// fields are the roles named for the work rather than the person who does it.
var fields = map[domain.Role]bool{domain.RoleContent: true, domain.RoleWeb: true, domain.RoleAnalytics: true,
	domain.RoleLegal: true, domain.RoleFinance: true, domain.RoleHR: true}

var initialisms = map[string]string{"hr": "HR", "pmo": "PMO", "kpi": "KPI", "kpis": "KPIs", "pr": "PR", "it": "IT", "seo": "SEO", "mops": "MOps"}

// outcomeLabel is the button that gives an outcome.
func outcomeLabel(o domain.Outcome) string {
	switch o {
	case domain.OutcomeApproved:
		return "Approve"
	case domain.OutcomeRejected:
		return "Reject"
	case domain.OutcomeChangesRequested:
		return "Request changes"
	case domain.OutcomeDone:
		return "Mark done"
	}
	return label(o)
}

// ago prints a duration the way people say it, to its largest unit.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// bar is a load bar's two lengths out of 100: open work, and the overdue part of it.
type bar struct{ Open, Overdue int }

func barOf(open, overdue, most int) bar {
	if most == 0 {
		return bar{}
	}
	return bar{Open: open * 100 / most, Overdue: overdue * 100 / most}
}
