package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// A template in people's words: its stages and tasks as an outline (who does
// each, when it is due, when it happens at all), and a run's intake values as
// the board shows them (names, not handles; times in the reader's zone; the
// labels of choices, not their values). A template is written by marketing ops
// in keys and expressions; the people who start and work on its runs read it
// here.

// outlineStage is one stage of a template as its start page lists it.
type outlineStage struct {
	Name  string
	When  string // when the stage runs at all, or "" for always
	Tasks []outlineTask
}

// outlineTask is one task of a stage, in words.
type outlineTask struct {
	Title string
	Kind  string // "Approval", "Work", "Review"
	Who   string
	Due   string
	When  string // when the task happens at all, or ""
	After string // the tasks of its stage it waits for
}

// outline is template t as a list of stages, with the triage that comes first.
func outline(t templates.Template) []outlineStage {
	titles := map[string]string{}
	for _, st := range t.Stages {
		for _, tk := range st.Tasks {
			titles[tk.Key] = tk.Title
		}
	}
	triage := outlineStage{Name: "Triage", Tasks: []outlineTask{{
		Title: "Look at the request", Kind: "Approval", Who: triageWho(t.Triage),
		Due: "Soon after it is sent; it may be sent back for changes or declined",
	}}}
	out := []outlineStage{triage}
	for _, st := range t.Stages {
		os := outlineStage{Name: st.Name, When: conditionWords(st.When, t, titles)}
		for _, tk := range st.Tasks {
			ot := outlineTask{Title: tk.Title, Kind: label(tk.Kind), Who: assigneeWords(tk.Assignee, t),
				Due: dueWords(tk.Due, t), When: conditionWords(tk.When, t, titles)}
			var after []string
			for _, k := range tk.DependsOn {
				after = append(after, quoted(titles[k]))
			}
			ot.After = strings.Join(after, " and ")
			os.Tasks = append(os.Tasks, ot)
		}
		out = append(out, os)
	}
	return out
}

// triageWho says whose queue a new request reaches first.
func triageWho(tr templates.Triage) string {
	switch {
	case tr.Team != "" && tr.Role != "":
		return sentenceOf(anyOf([]domain.Role{tr.Role})) + " of the " + label(tr.Team) + " team"
	case tr.Role != "":
		return sentenceOf(anyOf([]domain.Role{tr.Role}))
	}
	return "The " + label(tr.Team) + " team"
}

// assigneeWords says who does a task: a team, the holders of a role, or the
// person an intake field names.
func assigneeWords(as templates.Assignee, t templates.Template) string {
	switch {
	case as.Person != "":
		return "The person in " + quoted(intakeLabel(t, as.Person))
	case as.Team != "" && as.Role != "":
		return sentenceOf(anyOf([]domain.Role{as.Role})) + " of the " + label(as.Team) + " team"
	case as.Role != "":
		return sentenceOf(anyOf([]domain.Role{as.Role}))
	}
	return "The " + label(as.Team) + " team"
}

// dueWords says when a task is due: "15 working days before “Starts at”".
func dueWords(d templates.Due, t templates.Template) string {
	if d.IsZero() {
		return "No due date"
	}
	dir := "after"
	if d.Before {
		dir = "before"
	}
	var anchor string
	switch d.Anchor {
	case templates.AnchorStart:
		anchor = "the run starts"
	case templates.AnchorStageStart:
		anchor = "its stage starts"
	default:
		anchor = quoted(intakeLabel(t, d.Anchor))
	}
	return "Due " + d.Offset.String() + " " + dir + " " + anchor
}

// intakeField is the intake's field called name, or nil.
func intakeField(t templates.Template, name string) *domain.FormField {
	for i := range t.Intake {
		if t.Intake[i].Name == name {
			return &t.Intake[i]
		}
	}
	return nil
}

// intakeLabel is the label of the intake's field called name, or the name
// itself when the template has no such field (a run of an older version).
func intakeLabel(t templates.Template, name string) string {
	if f := intakeField(t, name); f != nil && f.Label != "" {
		return f.Label
	}
	return label(name)
}

// The conditions the outline says in words; any other is shown as written.
var (
	condYes     = regexp.MustCompile(`^intake\.(\w+)$`)
	condNo      = regexp.MustCompile(`^(?:!|not\s+)\s*intake\.(\w+)$`)
	condHas     = regexp.MustCompile(`^"([^"]*)"\s+in\s+intake\.(\w+)$`)
	condCompare = regexp.MustCompile(`^intake\.(\w+)\s*(==|!=|>=|<=|>|<)\s*(?:"([^"]*)"|(-?[0-9]+(?:\.[0-9]+)?))$`)
	condOutcome = regexp.MustCompile(`^tasks\.(\w+)\.outcome\s*(==|!=)\s*"(\w+)"$`)
)

// conditionWords says when something of a template happens, for the simple
// conditions people write most ("partners" in intake.audience: "Only if
// “Audience” includes Partners"); another is shown as its author wrote it.
// titles are the template's tasks' titles by key.
func conditionWords(expr string, t templates.Template, titles map[string]string) string {
	e := strings.TrimSpace(expr)
	if e == "" {
		return ""
	}
	if m := condYes.FindStringSubmatch(e); m != nil {
		return "Only if " + quoted(intakeLabel(t, m[1])) + " is yes"
	}
	if m := condNo.FindStringSubmatch(e); m != nil {
		return "Only if " + quoted(intakeLabel(t, m[1])) + " is no"
	}
	if m := condHas.FindStringSubmatch(e); m != nil {
		return "Only if " + quoted(intakeLabel(t, m[2])) + " includes " + choiceLabel(intakeField(t, m[2]), m[1])
	}
	if m := condCompare.FindStringSubmatch(e); m != nil {
		f := intakeField(t, m[1])
		v := m[4]
		if m[4] != "" && f != nil && f.Type == domain.FieldMoney {
			n, _ := strconv.ParseFloat(m[4], 64)
			v = money(n, f.Currency)
		} else if m[4] == "" {
			v = choiceLabel(f, m[3])
		}
		op := map[string]string{"==": "is", "!=": "is not", ">=": "is at least", "<=": "is at most", ">": "is more than", "<": "is less than"}[m[2]]
		return "Only if " + quoted(intakeLabel(t, m[1])) + " " + op + " " + v
	}
	if m := condOutcome.FindStringSubmatch(e); m != nil {
		title, ok := titles[m[1]]
		if ok {
			verb := "was"
			if m[2] == "!=" {
				verb = "was not"
			}
			return "Only if " + quoted(title) + " " + verb + " " + strings.ToLower(label(m[3]))
		}
	}
	return "Only when this holds: " + e
}

// choiceLabel is the label of a choice's value, quoted when the field does
// not have it.
func choiceLabel(f *domain.FormField, v string) string {
	if f != nil {
		for _, c := range f.Choices {
			if c.Value == v {
				return c.Label
			}
		}
	}
	return quoted(v)
}

// valueWords is a value of an intake field as the board shows it, "" when
// there is none.
func valueWords(f domain.FormField, v any, wd *words) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case domain.FieldNumber:
		if n, ok := v.(float64); ok {
			return number(n)
		}
	case domain.FieldMoney:
		if n, ok := v.(float64); ok {
			return money(n, f.Currency)
		}
	case domain.FieldDateTime, domain.FieldDate:
		s, _ := v.(string)
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
		if f.Type == domain.FieldDate {
			return wd.Day(at).Text
		}
		return wd.When(at).Text
	case domain.FieldYesNo:
		if b, ok := v.(bool); ok {
			if b {
				return "Yes"
			}
			return "No"
		}
	case domain.FieldChoice:
		s, _ := v.(string)
		return choiceLabel(&f, s)
	case domain.FieldMultiChoice:
		items, _ := v.([]any)
		var out []string
		for _, it := range items {
			s, _ := it.(string)
			out = append(out, choiceLabel(&f, s))
		}
		return strings.Join(out, ", ")
	case domain.FieldPerson:
		s, _ := v.(string)
		return wd.Name(s)
	case domain.FieldTeam:
		s, _ := v.(string)
		return label(s)
	case domain.FieldList:
		items, _ := v.([]any)
		return plural(len(items), "row")
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// fact is one labelled value of a run's intake.
type fact struct{ Label, Value string }

// intakeFacts are the intake's values of a run in the order of the template's
// form, those not given left out.
func intakeFacts(t templates.Template, intake map[string]any, wd *words) []fact {
	var out []fact
	for _, f := range t.Intake {
		if v := valueWords(f, intake[f.Name], wd); v != "" {
			out = append(out, fact{Label: f.Label, Value: v})
		}
	}
	return out
}
