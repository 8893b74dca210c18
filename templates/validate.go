package templates

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// Validate checks the template and returns every problem it finds as a
// *domain.ValidationError, each named by its path in the document
// ("stages[1].tasks[0].assignee.team"), or nil when there is none. A template
// with a problem is refused whole: nothing of it may run.
func (t Template) Validate() error {
	v := newValidator(&t)
	v.validate()
	return v.p.Err()
}

// validator holds what the checks of one template share.
type validator struct {
	t *Template
	p domain.Problems
	// tasks are the template's tasks by key (the first of a key given twice),
	// stageOf the index of each one's stage.
	tasks   map[string]*Task
	stageOf map[string]int
	// alwaysRuns holds the tasks that no condition may skip: every run that
	// gets past them has their answers.
	alwaysRuns map[string]bool
}

func newValidator(t *Template) *validator {
	v := &validator{t: t, tasks: map[string]*Task{}, stageOf: map[string]int{}, alwaysRuns: map[string]bool{}}
	for i := range t.Stages {
		s := &t.Stages[i]
		for j := range s.Tasks {
			task := &s.Tasks[j]
			if _, dup := v.tasks[task.Key]; dup || task.Key == "" {
				continue
			}
			v.tasks[task.Key], v.stageOf[task.Key] = task, i
			v.alwaysRuns[task.Key] = s.When == "" && task.When == ""
		}
	}
	return v
}

var (
	// A template's key appears in URLs; the keys of stages, tasks and KPIs and
	// the names of fields are read by conditions (tasks.KEY, intake.NAME), so
	// they are identifiers.
	templateKey = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	identifier  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// exprWords are the words of the expression language, which cannot be
	// read as a name: intake.in does not parse.
	exprWords = []string{"in", "not", "and", "or", "matches", "contains", "startsWith", "endsWith",
		"let", "if", "else", "nil", "true", "false"}
)

// ValidKey reports whether key may name a template: what validation accepts
// as a template's key, so a URL naming anything else names no template.
func ValidKey(key string) bool { return len(key) <= MaxKeyChars && templateKey.MatchString(key) }

const identifierRule = "must be lower-case letters, digits and _, starting with a letter"

func (v *validator) validate() {
	t := v.t
	switch {
	case t.Key == "":
		v.p.Add("key", "required")
	case len(t.Key) > MaxKeyChars:
		v.p.Add("key", "at most %d characters", MaxKeyChars)
	case !templateKey.MatchString(t.Key):
		v.p.Add("key", "must be lower-case letters, digits, - and _, starting with a letter, like webinar")
	}
	if t.Version < 1 {
		v.p.Add("version", "must be 1 or more")
	}
	v.text("name", t.Name, true, domain.MaxNameChars)
	v.text("description", t.Description, false, domain.MaxDescriptionChars)
	v.triage()
	v.intake()
	v.stages()
	v.kpis()
	v.board()
}

// text checks a text the board shows.
func (v *validator) text(path, s string, required bool, max int) {
	if required && !domain.RequireText(&v.p, path, s) {
		return
	}
	domain.CheckText(&v.p, path, s, max)
	domain.CheckCharacters(&v.p, path, s)
}

// key checks the key of a stage, task or KPI, and that it is not one of seen,
// the keys before it with their paths.
func (v *validator) key(path, key string, seen map[string]string, what string) {
	switch {
	case key == "":
		v.p.Add(path, "required")
		return
	case len(key) > MaxKeyChars:
		v.p.Add(path, "at most %d characters", MaxKeyChars)
	case !identifier.MatchString(key):
		v.p.Add(path, "%s", identifierRule)
	case slices.Contains(exprWords, key):
		v.p.Add(path, "%s is a word of the condition language: choose another key", key)
	}
	if first, dup := seen[key]; dup {
		v.p.Add(path, "%s %q is also %s's: %s keys are unique in a template", what, key, first, what)
		return
	}
	seen[key] = strings.TrimSuffix(path, ".key")
}

func (v *validator) triage() {
	tr := v.t.Triage
	switch {
	case tr.Team == "" && tr.Role == "":
		v.p.Add("triage", "required: the team or the role whose queue gets the intake")
	case tr.Team != "" && tr.Role != "":
		v.p.Add("triage", "a team or a role, not both")
	case tr.Team != "" && !tr.Team.Valid():
		v.p.Add("triage.team", "unknown team %q", tr.Team)
	case tr.Role != "" && !tr.Role.Valid():
		v.p.Add("triage.role", "unknown role %q", tr.Role)
	}
}

func (v *validator) intake() {
	if len(v.t.Intake) == 0 {
		v.p.Add("intake", "required: at least one field")
		return
	}
	domain.CheckCount(&v.p, "intake", len(v.t.Intake), MaxIntakeFields)
	v.form("intake", v.t.Intake)
	for i, f := range v.t.Intake {
		if f.Name == AnchorStart || f.Name == AnchorStageStart {
			v.p.Add(fmt.Sprintf("intake[%d].name", i), "%s is reserved: due dates are relative to start, stage_start or a date of the intake", f.Name)
		}
	}
}

// form checks the fields of the intake or a task's form at path: domain's
// checks of a form's declaration, and what a template adds — names a
// condition can read, no task picker (it picks the tasks of a run, which
// neither an intake nor a template's task has to offer).
func (v *validator) form(path string, fields []domain.FormField) {
	var verr *domain.ValidationError
	if errors.As(domain.Form{Name: path, Fields: fields}.Validate(), &verr) {
		for _, fp := range verr.Problems {
			v.p.Add(path+strings.TrimPrefix(fp.Field, "fields"), "%s", fp.Problem)
		}
	}
	var names func(at string, fields []domain.FormField)
	names = func(at string, fields []domain.FormField) {
		for i, f := range fields {
			fat := fmt.Sprintf("%s[%d]", at, i)
			for part := range strings.SplitSeq(f.Name, ".") {
				if f.Name == "" {
					break // domain said "required"
				}
				if !identifier.MatchString(part) {
					v.p.Add(fat+".name", "%s (a condition reads it as %s)", identifierRule, "intake."+f.Name)
					break
				}
				if slices.Contains(exprWords, part) {
					v.p.Add(fat+".name", "%s is a word of the condition language: choose another name", part)
					break
				}
			}
			if f.Type == domain.FieldTaskPicker {
				v.p.Add(fat+".type", "a task_picker picks among a run's tasks, which a template's forms cannot name: use a multi_choice")
			}
			names(fat+".fields", f.Fields)
		}
	}
	names(path, fields)
}

func (v *validator) stages() {
	t := v.t
	if len(t.Stages) == 0 {
		v.p.Add("stages", "required: at least one stage")
		return
	}
	domain.CheckCount(&v.p, "stages", len(t.Stages), MaxStages)
	stageKeys, taskKeys := map[string]string{}, map[string]string{}
	count := 0
	var earlier []string // the keys of the tasks of the stages before, in order
	for i, s := range t.Stages {
		at := fmt.Sprintf("stages[%d]", i)
		v.key(at+".key", s.Key, stageKeys, "stage")
		if s.Key == RouteEnd {
			v.p.Add(at+".key", "end is reserved: on_reject: end ends the run")
		}
		if slices.Contains(runStages, s.Key) {
			v.p.Add(at+".key", "%s is reserved: it is the stage a run is in before or after the template's own (triage, tracking, retrospective)", s.Key)
		}
		v.text(at+".name", s.Name, true, domain.MaxNameChars)
		if s.When != "" {
			v.checkCondition(at+".when", s.When, scope{tasks: earlier})
		}
		if len(s.Tasks) == 0 {
			v.p.Add(at+".tasks", "required: at least one task")
		}
		for j, task := range s.Tasks {
			v.task(fmt.Sprintf("%s.tasks[%d]", at, j), i, task, taskKeys, earlier)
		}
		v.cycles(at, s)
		count += len(s.Tasks)
		for _, task := range s.Tasks {
			if v.ownStage(task.Key, i) && !slices.Contains(earlier, task.Key) {
				earlier = append(earlier, task.Key)
			}
		}
	}
	if count > MaxTasks {
		v.p.Add("stages", "at most %d tasks in all, not %d", MaxTasks, count)
	}
}

func (v *validator) task(at string, stage int, t Task, seen map[string]string, earlier []string) {
	v.key(at+".key", t.Key, seen, "task")
	v.text(at+".title", t.Title, true, domain.MaxNameChars)
	v.text(at+".description", t.Description, false, domain.MaxDescriptionChars)
	if !slices.Contains(taskKinds, t.Kind) {
		if t.Kind == "" {
			v.p.Add(at+".kind", "required: work, approval or review")
		} else {
			v.p.Add(at+".kind", "unknown kind %q: work, approval or review", t.Kind)
		}
	}
	v.assignee(at+".assignee", t.Assignee)
	v.due(at+".due", t.Due)
	v.dependsOn(at+".depends_on", stage, t)
	if len(t.Form) > 0 {
		v.form(at+".form", t.Form)
	}
	if t.When != "" {
		v.checkCondition(at+".when", t.When, scope{tasks: append(slices.Clone(earlier), v.before(stage, t)...)})
	}
	v.route(at+".on_reject", stage, t, t.OnReject)
	v.route(at+".on_changes_requested", stage, t, t.OnChangesRequested)
}

func (v *validator) assignee(at string, a Assignee) {
	switch {
	case a.Team == "" && a.Role == "" && a.Person == "":
		v.p.Add(at, "required: a team, a role, or a person field of the intake")
		return
	case a.Person != "" && (a.Team != "" || a.Role != ""):
		v.p.Add(at, "a person field, or a team and a role: not both")
		return
	}
	if a.Team != "" && !a.Team.Valid() {
		v.p.Add(at+".team", "unknown team %q", a.Team)
	}
	if a.Role != "" && !a.Role.Valid() {
		v.p.Add(at+".role", "unknown role %q", a.Role)
	}
	if a.Person != "" {
		v.intakeField(at+".person", a.Person, "a person", domain.FieldPerson)
	}
}

// intakeField checks that name is a required field of the intake of one of
// the types want, which what names: a template reads it to do its work, so a
// run must always have it.
func (v *validator) intakeField(at, name, what string, want ...domain.FieldType) *domain.FormField {
	f := fieldNamed(v.t.Intake, name)
	switch {
	case f == nil:
		v.p.Add(at, "no intake field %s", name)
		return nil
	case !slices.Contains(want, f.Type):
		v.p.Add(at, "intake field %s is a %s field, not %s", name, f.Type, what)
		return nil
	case !f.Required:
		v.p.Add(at, "intake field %s is optional: a run must always have it (make it required)", name)
		return nil
	}
	return f
}

func (v *validator) due(at string, d Due) {
	if d.IsZero() {
		v.p.Add(at, "required, %s", dueExample)
		return
	}
	switch d.Anchor {
	case AnchorStart, AnchorStageStart:
		what := "the run starts"
		if d.Anchor == AnchorStageStart {
			what = "its stage starts"
		}
		switch {
		case d.Amount == 0:
			v.p.Add(at, "%q is the moment %s: give the task some time, like \"2 days after %s\"", d, what, d.Anchor)
		case d.Before != (d.Amount < 0):
			v.p.Add(at, "%q falls before %s: a task cannot be due before it opens", d, what)
		}
	default:
		if d.Amount < 0 {
			v.p.Add(at, "%q has a negative amount: say before or after instead", d)
		}
		v.intakeField(at, d.Anchor, "a date (due dates are relative to start, stage_start or a date of the intake)",
			domain.FieldDate, domain.FieldDateTime)
	}
}

// ownStage reports whether key is a task of stage i: the task the template's
// conditions know by that key is there.
func (v *validator) ownStage(key string, i int) bool {
	s, ok := v.stageOf[key]
	return ok && s == i
}

// dependsOn checks that t depends on other tasks of its stage, each once.
func (v *validator) dependsOn(at string, stage int, t Task) {
	for i, dep := range t.DependsOn {
		dat := fmt.Sprintf("%s[%d]", at, i)
		other, known := v.stageOf[dep]
		switch {
		case dep == t.Key:
			v.p.Add(dat, "a task cannot depend on itself")
		case slices.Contains(t.DependsOn[:i], dep):
			v.p.Add(dat, "%s is listed twice", dep)
		case known && other == stage:
		case known:
			v.p.Add(dat, "%s is in stage %s: depends_on names tasks of the same stage (a stage starts once the one before it ends)",
				dep, v.t.Stages[other].Key)
		default:
			v.p.Add(dat, "no task %s in this stage", dep)
		}
	}
}

// before lists the tasks of t's stage that t waits for, directly or not, in
// the stage's order.
func (v *validator) before(stage int, t Task) []string {
	s := v.t.Stages[stage]
	deps := map[string][]string{}
	for _, o := range s.Tasks {
		deps[o.Key] = o.DependsOn
	}
	reached := map[string]bool{}
	var visit func(key string)
	visit = func(key string) {
		for _, d := range deps[key] {
			if !reached[d] {
				reached[d] = true
				visit(d)
			}
		}
	}
	visit(t.Key)
	var out []string
	for _, o := range s.Tasks {
		if reached[o.Key] && o.Key != t.Key && v.ownStage(o.Key, stage) && !slices.Contains(out, o.Key) {
			out = append(out, o.Key)
		}
	}
	return out
}

// cycles reports each cycle of depends_on in stage s once, at the first of
// its tasks: nothing in it could ever start.
func (v *validator) cycles(at string, s Stage) {
	index := map[string]int{}
	for i, t := range s.Tasks {
		if _, dup := index[t.Key]; !dup {
			index[t.Key] = i
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	reported := map[string]bool{}
	var path []string
	var visit func(key string)
	visit = func(key string) {
		state[key] = onPath
		path = append(path, key)
		for _, dep := range s.Tasks[index[key]].DependsOn {
			if _, inStage := index[dep]; !inStage || dep == key {
				continue // not a task of the stage, or itself: dependsOn says so
			}
			switch state[dep] {
			case unseen:
				visit(dep)
			case onPath:
				cycle := slices.Clone(path[slices.Index(path, dep):])
				members := slices.Sorted(slices.Values(cycle))
				if id := strings.Join(members, " "); !reported[id] {
					reported[id] = true
					first := slices.MinFunc(cycle, func(a, b string) int { return index[a] - index[b] })
					// Each depends on the next; the words start at the
					// cycle's first task in the stage: a → b → a.
					k := slices.Index(cycle, first)
					words := append(append(slices.Clone(cycle[k:]), cycle[:k]...), first)
					v.p.Add(fmt.Sprintf("%s.tasks[%d].depends_on", at, index[first]),
						"a cycle: %s (each depends on the next, so none can start)", strings.Join(words, " → "))
				}
			}
		}
		path = path[:len(path)-1]
		state[key] = done
	}
	for _, t := range s.Tasks {
		if state[t.Key] == unseen && t.Key != "" {
			visit(t.Key)
		}
	}
}

// route checks where an approval's rejection or request for changes leads.
func (v *validator) route(at string, stage int, t Task, to string) {
	if to == "" {
		return
	}
	if t.Kind != domain.KindApproval {
		v.p.Add(at, "only an approval is rejected or sent back: this task is %s", t.Kind)
		return
	}
	if to == RouteEnd {
		return
	}
	i := slices.IndexFunc(v.t.Stages, func(s Stage) bool { return s.Key == to })
	switch {
	case i < 0:
		v.p.Add(at, "no stage %s: end, or the key of this stage or an earlier one", to)
	case i > stage:
		v.p.Add(at, "%s is a later stage: a rejection goes back to this stage or an earlier one, or ends the run", to)
	}
}

func (v *validator) kpis() {
	domain.CheckCount(&v.p, "kpis", len(v.t.KPIs), domain.MaxKPIs)
	seen := map[string]string{}
	for i, k := range v.t.KPIs {
		at := fmt.Sprintf("kpis[%d]", i)
		v.key(at+".key", k.Key, seen, "KPI")
		v.text(at+".name", k.Name, true, domain.MaxKPINameChars)
		v.text(at+".unit", k.Unit, false, domain.MaxKPIUnitChars)
		if k.Direction != domain.Higher && k.Direction != domain.Lower {
			v.p.Add(at+".direction", "must be higher or lower (which is better)")
		}
		switch tg := k.Target; {
		case tg.Field == "" && tg.Value == nil:
			v.p.Add(at+".target", "required: a number field of the intake, or a value")
		case tg.Field != "" && tg.Value != nil:
			v.p.Add(at+".target", "a field or a value, not both")
		case tg.Field != "":
			v.intakeField(at+".target.field", tg.Field, "a number", domain.FieldNumber, domain.FieldMoney)
		}
		switch from := k.Tracking.From; from {
		case "":
			v.p.Add(at+".tracking.from", "required: start, or a date field of the intake")
		case AnchorStart:
		case AnchorStageStart:
			v.p.Add(at+".tracking.from", "a KPI is tracked from start or a date of the intake, not a stage's start")
		default:
			v.intakeField(at+".tracking.from", from, "a date", domain.FieldDate, domain.FieldDateTime)
		}
		switch {
		case k.Tracking.For == Offset{}:
			v.p.Add(at+".tracking.for", "required, like \"4 weeks\"")
		case k.Tracking.For.Amount <= 0:
			v.p.Add(at+".tracking.for", "must be more than zero")
		}
	}
}

func (v *validator) board() {
	b := v.t.Board
	if b.Title == "" {
		v.p.Add("board.title", "required: the text field of the intake that names a run")
	} else {
		v.intakeField("board.title", b.Title, "a text", domain.FieldText)
	}
	domain.CheckCount(&v.p, "board.card", len(b.Card), MaxCardFields)
	for i, name := range b.Card {
		at := fmt.Sprintf("board.card[%d]", i)
		switch {
		case fieldNamed(v.t.Intake, name) == nil:
			v.p.Add(at, "no intake field %s", name)
		case slices.Contains(b.Card[:i], name):
			v.p.Add(at, "%s is listed twice", name)
		}
	}
}
