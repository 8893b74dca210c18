package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// What a run of a template needs of it: the check of an intake before the run
// starts (the API's), and what the generic workflow computes as it goes — a
// condition's answer, a due date, the run's title. All of it is pure: the same
// template and values give the same answer on every replay.

// IntakeForm is the template's intake as a form, named "intake".
func (t Template) IntakeForm() domain.Form { return domain.Form{Name: "intake", Fields: t.Intake} }

// CheckIntake checks values as the intake of a run starting at now: what the
// intake form says (types, required fields, bounds, choices, dates in the
// future), every problem named by its field ("intake.event_date"). The API
// calls it before starting a run, and nothing starts when it refuses.
func (t Template) CheckIntake(values map[string]any, now time.Time) error {
	problems := t.IntakeForm().Check(values, now)
	if len(problems) == 0 {
		if p := domain.DataProblem(values); p != "" {
			return domain.Invalid(domain.FieldProblem{Field: "intake", Problem: p})
		}
		return nil
	}
	for i := range problems {
		if rest, ok := strings.CutPrefix(problems[i].Field, "data"); ok {
			problems[i].Field = "intake" + rest
		}
	}
	return domain.Invalid(problems...)
}

// Title is the name of a run with intake values: the text field the board's
// title names.
func (t Template) Title(values map[string]any) string {
	s, _ := lookupPath(values, t.Board.Title).(string)
	return strings.TrimSpace(s)
}

// Decode reads a template from the JSON a run's input carries
// (contract.TemplateRunInput.Template) and checks it again, so a run never
// follows a template that validation would refuse.
func Decode(raw []byte) (Template, error) {
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return Template{}, fmt.Errorf("the template cannot be read: %w", err)
	}
	return t, t.Validate()
}

// Answer is what a condition reads of a task a run has answered: its outcome
// and its data. A task skipped, or not reached, has none.
type Answer struct {
	Outcome domain.Outcome
	Data    map[string]any
}

// Eval is the answer of the condition when (a stage's or a task's) for a run
// with intake values and answers by task key. It compiles when against the
// same typed environment validation checked it in; an answer missing reads as
// the outcome "" with every field of its form empty, as a skipped task does.
// An error means the condition failed on these values (an index past the end
// of a list, say); the caller decides what a failure does.
func (t Template) Eval(when string, intake map[string]any, answers map[string]Answer) (bool, error) {
	v := newValidator(&t)
	all := make([]string, 0, len(v.tasks))
	tasks := map[string]any{}
	for _, s := range t.Stages {
		for _, task := range s.Tasks {
			all = append(all, task.Key)
			a := answers[task.Key]
			tasks[task.Key] = map[string]any{"outcome": string(a.Outcome), "data": fieldsValue(task.Form, a.Data)}
		}
	}
	program, err := compile(when, v.envType(scope{tasks: all}))
	if err != nil {
		return false, fmt.Errorf("does not compile: %s", firstLine(err))
	}
	out, err := run(program, map[string]any{"intake": fieldsValue(t.Intake, intake), "tasks": tasks})
	if err != nil {
		return false, errors.New(firstLine(err))
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("gives %T, not true or false", out)
	}
	return b, nil
}

// fieldsValue is data as a condition reads it, typed by fields as the
// environment conditions compile against (fieldsType): dates as times, numbers
// as float64, lists as lists; a field the data leaves out, or gives in a shape
// its form would not take, reads as its zero value.
func fieldsValue(fields []domain.FormField, data map[string]any) map[string]any {
	m := map[string]any{}
	for _, f := range fields {
		parent, last := nest(f.Name)
		cur := m
		for _, part := range parent {
			next, ok := cur[part].(map[string]any)
			if !ok {
				if _, taken := cur[part]; taken {
					break
				}
				next = map[string]any{}
				cur[part] = next
			}
			cur = next
		}
		if _, taken := cur[last]; !taken {
			cur[last] = fieldValue(f, lookupPath(data, f.Name))
		}
	}
	return m
}

func fieldValue(f domain.FormField, v any) any {
	zero := fieldSample(f, false)
	switch f.Type {
	case domain.FieldNumber, domain.FieldMoney:
		switch n := v.(type) {
		case float64:
			return n
		case int:
			return float64(n)
		case int64:
			return float64(n)
		case json.Number:
			if x, err := n.Float64(); err == nil {
				return x
			}
		}
	case domain.FieldDate, domain.FieldDateTime:
		switch d := v.(type) {
		case time.Time:
			return d.UTC()
		case string:
			if at, err := time.Parse(time.RFC3339, d); err == nil {
				return at.UTC()
			}
		}
	case domain.FieldYesNo:
		if b, ok := v.(bool); ok {
			return b
		}
	case domain.FieldMultiChoice, domain.FieldTaskPicker:
		switch l := v.(type) {
		case []any:
			return l
		case []string:
			out := make([]any, len(l))
			for i, s := range l {
				out[i] = s
			}
			return out
		}
	case domain.FieldList:
		rows, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, 0, len(rows))
		for _, r := range rows {
			row, _ := r.(map[string]any)
			out = append(out, fieldsValue(f.Fields, row))
		}
		return out
	default:
		if s, ok := v.(string); ok {
			return s
		}
	}
	return zero
}

// lookupPath is the value at a dotted name in data, or nil.
func lookupPath(data map[string]any, name string) any {
	var cur any = data
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// DateOf is the date or time of the intake's field name in values, for a due
// date anchored on it; false when values has none that reads.
func DateOf(values map[string]any, name string) (time.Time, bool) {
	switch d := lookupPath(values, name).(type) {
	case time.Time:
		return d.UTC(), true
	case string:
		at, err := time.Parse(time.RFC3339, d)
		return at.UTC(), err == nil
	}
	return time.Time{}, false
}

// ReviseIntake is the intake old as a revision's data changes it: a field the
// revision gives takes its value, one it leaves out keeps its own (the
// revision's form starts from the intake as it is, so a required field left
// out stands unchanged).
func (t Template) ReviseIntake(old, data map[string]any) map[string]any {
	out := map[string]any{}
	for _, f := range t.Intake {
		v := lookupPath(data, f.Name)
		if v == nil {
			v = lookupPath(old, f.Name)
		}
		if v != nil {
			setPath(out, f.Name, v)
		}
	}
	return out
}

// setPath sets the value at a dotted name in data, making the objects on the way.
func setPath(data map[string]any, name string, v any) {
	parent, last := nest(name)
	cur := data
	for _, part := range parent {
		next, ok := cur[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[part] = next
		}
		cur = next
	}
	cur[last] = v
}
