package web

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the viewer's time zone is read by name, whatever the host has installed

	"github.com/tandemhq/tandem/domain"
)

// The tasks' forms. A task whose process reads its data carries its form
// (domain.Form, in the API's answer), and its card draws an input for each
// field from the form alone: no task kind has code of its own here. Inputs are
// named by the API's path of their field ("data.offer_amount",
// "data.brief.kpis[1].target"), so the API's field problems land next to them.
// The browser checks what HTML can say (required, min, max, maxlength); before
// sending, this page reads the inputs back into data and checks it against the
// form with the validator's own function (domain.Form.Check), so a bad answer is
// refused here with nothing sent; the API and the workflow check again.
//
// Times are typed in the viewer's time zone: the page's script names it in a
// hidden input (tzField) and shows the times drawn in UTC in it; without the
// script, times are UTC and the label says so.

// tzField is the hidden input carrying the time zone the times were typed in.
const tzField = "tz"

// dataPrefix starts every input of a task's form: the API's path of its field.
const dataPrefix = "data."

// taskAttempt is a refused answer to a task, or a refused reassignment: why,
// and what the person sent, so the card is drawn again with each problem next
// to its input.
type taskAttempt struct {
	ID      string
	Problem string
	Comment string
	Values  url.Values        // the data inputs as sent
	Fields  map[string]string // input name → problem
	Zone    string            // the time zone the times were typed in
	Hours   string            // the time it took, as typed
	// Reassign says the attempt was to reassign the task, to Assignee, with
	// Comment as the reason.
	Reassign bool
	Assignee string
	// Estimate says the attempt was to change the task's estimate to Hours,
	// with Comment as the reason.
	Estimate bool
}

// zoneOf reads the time zone the page's script named; nil when it named none
// (no script) or one this server does not know, which leaves times in UTC.
func zoneOf(name string) *time.Location {
	if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r))
	}) {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// zoneName is what a time input's label says of its zone.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// formDefaults are the inputs' values a task's form starts from: its fields'
// defaults (a revision starts from what it revises), times in zone (UTC when
// nil).
func formDefaults(f *domain.Form, zone *time.Location) url.Values {
	loc := cmp.Or(zone, time.UTC)
	vals := url.Values{}
	for _, fld := range f.Fields {
		if fld.Type == domain.FieldList {
			rows, _ := fld.Default.([]any)
			for i, r := range rows {
				row, _ := r.(map[string]any)
				for _, sub := range fld.Fields {
					addDefault(vals, rowInput(fld.Name, i, sub.Name), sub.Type, row[sub.Name], loc)
				}
			}
			continue
		}
		addDefault(vals, dataPrefix+fld.Name, fld.Type, fld.Default, loc)
	}
	return vals
}

func addDefault(vals url.Values, name string, typ domain.FieldType, v any, loc *time.Location) {
	switch v := v.(type) {
	case nil:
	case string:
		if t, err := time.Parse(time.RFC3339, v); err == nil && typ == domain.FieldDateTime {
			vals.Set(name, t.In(loc).Format(localTimeLayout))
		} else if err == nil && typ == domain.FieldDate {
			vals.Set(name, t.UTC().Format(dateLayout))
		} else {
			vals.Set(name, v)
		}
	case float64:
		vals.Set(name, strconv.FormatFloat(v, 'f', -1, 64))
	case bool:
		vals.Set(name, strconv.FormatBool(v))
	case []any:
		for _, item := range v {
			if s, ok := item.(string); ok {
				vals.Add(name, s)
			}
		}
	}
}

// rowInput is the input name of a list's field in row i.
func rowInput(list string, i int, field string) string {
	return fmt.Sprintf("%s%s[%d].%s", dataPrefix, list, i, field)
}

// drawAnswer draws task t's form as sections holding vals, each problem in
// fields next to its input. zone is the time zone times are shown in; nil draws
// them in UTC, for the page's script to show in the viewer's.
func drawAnswer(t domain.Task, vals url.Values, fields map[string]string, zone *time.Location, d directory, now time.Time) []section {
	var out []section
	// group is the group of the last section when it is a row of short fields,
	// such as a budget's amount and currency, which the next one may join.
	group := ""
	for _, fld := range t.Form.Fields {
		if fld.Type == domain.FieldList {
			group = ""
			out = append(out, drawRows(t.ID, fld, vals, fields, zone, now)...)
			continue
		}
		if fld.Type == domain.FieldTaskPicker && len(fld.Choices) == 0 {
			continue // nothing to pick
		}
		name := dataPrefix + fld.Name
		in := drawInput(t.ID, name, fld, fld.Required, vals, zone, d, now)
		in.Problem = fields[name]
		parent, _, _ := cutLast(fld.Name)
		switch {
		case short(fld.Type) && parent != "" && parent == group:
			out[len(out)-1].Inputs = append(out[len(out)-1].Inputs, in)
		case short(fld.Type) && parent != "":
			out = append(out, section{Scope: t.ID, Row: true, Inputs: []input{in}})
			group = parent
		default:
			out = append(out, section{Scope: t.ID, Inputs: []input{in}})
			group = ""
		}
	}
	return out
}

// short types sit side by side with their group's other short fields.
func short(t domain.FieldType) bool {
	return t == domain.FieldNumber || t == domain.FieldMoney || t == domain.FieldCurrency
}

// cutLast splits a dotted name at its last dot: "brief.budget.amount" is in
// "brief.budget".
func cutLast(name string) (string, string, bool) {
	i := strings.LastIndex(name, ".")
	if i < 0 {
		return "", name, false
	}
	return name[:i], name[i+1:], true
}

// listRows is how many rows of a list vals holds: one past the highest row
// index any of its inputs carries.
func listRows(vals url.Values, list string) int {
	n := 0
	prefix := dataPrefix + list + "["
	for k := range vals {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		if i, _, ok := strings.Cut(rest, "]"); ok {
			if j, err := strconv.Atoi(i); err == nil && j+1 > n {
				n = j + 1
			}
		}
	}
	return n
}

// drawRows draws a list: the rows vals holds and one empty row to add another,
// within the list's cap. The first row's section stands for the whole list, so
// problems with the list show under it.
func drawRows(scope string, fld domain.FormField, vals url.Values, fields map[string]string, zone *time.Location, now time.Time) []section {
	n := listRows(vals, fld.Name) + 1
	if fld.MaxItems > 0 {
		n = min(n, fld.MaxItems)
	}
	var out []section
	for i := range n {
		sec := section{Scope: scope, Legend: fmt.Sprintf("%s %d", cmp.Or(fld.ItemLabel, fld.Label), i+1), Row: true}
		if i == 0 {
			sec.Name, sec.Hint, sec.Problem = dataPrefix+fld.Name, fld.Help, fields[dataPrefix+fld.Name]
		}
		for _, sub := range fld.Fields {
			name := rowInput(fld.Name, i, sub.Name)
			// Only the first row insists: the others may stay empty, or be emptied to drop a row.
			in := drawInput(scope, name, sub, fld.Required && i == 0 && sub.Required, vals, zone, directory{}, now)
			in.Optional = !sub.Required
			if in.Kind == "radios" { // a row's choice is a select: radios stacked in a row take its height
				in.Kind, in.Options = "select", append([]option{{"", "Choose…"}}, in.Options...)
			}
			in.Problem = fields[name]
			if in.Kind != "textarea" {
				in.Class = cmp.Or(in.Class, "short")
			}
			sec.Inputs = append(sec.Inputs, in)
		}
		out = append(out, sec)
	}
	return out
}

// drawInput draws one field as the input for its type.
func drawInput(scope, name string, fld domain.FormField, required bool, vals url.Values, zone *time.Location, d directory, now time.Time) input {
	in := input{Scope: scope, Name: name, Label: fld.Label, Hint: fld.Help, Value: vals.Get(name), Required: required,
		Optional: !fld.Required && fld.RequiredWhen == nil}
	bound := func(b *float64) string {
		if b == nil {
			return ""
		}
		return strconv.FormatFloat(*b, 'f', -1, 64)
	}
	switch fld.Type {
	case domain.FieldText:
		in.Kind, in.MaxLength = "text", fld.MaxChars()
	case domain.FieldLongText:
		in.Kind, in.MaxLength = "textarea", fld.MaxChars()
	case domain.FieldNumber:
		in.Kind, in.Step, in.Min, in.Max = "number", "any", bound(fld.Min), bound(fld.Max)
	case domain.FieldMoney:
		in.Kind, in.Step, in.Min, in.Max, in.Class = "number", "0.01", bound(fld.Min), bound(fld.Max), "short"
		if fld.Currency != "" {
			in.Label += " (" + fld.Currency + ")"
		}
	case domain.FieldCurrency:
		in.Kind, in.Pattern, in.MaxLength, in.Class = "text", currencyPattern, 3, "tiny"
	case domain.FieldDateTime:
		in.Kind, in.Zone, in.Convert = "datetime-local", zoneName(zone), zone == nil
		if fld.Future {
			in.Min = now.In(cmp.Or(zone, time.UTC)).Format(localTimeLayout)
		}
	case domain.FieldDate:
		in.Kind = "date"
		if fld.Future { // a day is its start in UTC, which must be after now: tomorrow at the soonest
			in.Min = now.UTC().AddDate(0, 0, 1).Format(dateLayout)
		}
	case domain.FieldYesNo:
		in.Kind, in.Options = "radios", []option{{"true", "Yes"}, {"false", "No"}}
	case domain.FieldChoice:
		in.Kind = "radios"
		if len(fld.Choices) > 4 {
			in.Kind, in.Options = "select", []option{{"", "Choose…"}}
		}
		for _, c := range fld.Choices {
			in.Options = append(in.Options, option{c.Value, c.Label})
		}
	case domain.FieldMultiChoice, domain.FieldTaskPicker:
		in.Kind, in.Values = "checkboxes", vals[name]
		for _, c := range fld.Choices {
			in.Options = append(in.Options, option{c.Value, c.Label})
		}
	case domain.FieldTeam:
		in.Kind, in.Options = "select", []option{{"", "Choose a team…"}}
		for _, t := range domain.Teams {
			in.Options = append(in.Options, option{Value: string(t), Label: label(t)})
		}
	case domain.FieldPerson:
		p := personPicker(name, fld.Label, fld.Help, d, fld.Role, in.Value)
		p.Scope, p.Required, p.Optional = scope, required, in.Optional
		return p
	}
	return in
}

// answerData reads a task's form back from what the person sent: the data to
// send; for each list, the form's row of each row sent (data's row j was drawn
// as row rows[list][j], empty rows being left out); and what cannot be sent as
// typed, by input name. A required field that starts from a value and was
// emptied is a problem here: left out of the data, it would keep its value.
func answerData(f *domain.Form, vals url.Values, zone *time.Location) (map[string]any, map[string][]int, formProblems) {
	data := map[string]any{}
	rows := map[string][]int{}
	p := formProblems{}
	for _, fld := range f.Fields {
		name := dataPrefix + fld.Name
		switch fld.Type {
		case domain.FieldList:
			var items []any
			for i := range listRows(vals, fld.Name) {
				row := map[string]any{}
				blank := true
				for _, sub := range fld.Fields {
					in := rowInput(fld.Name, i, sub.Name)
					if v, ok := readInput(p, in, sub, vals, zone); ok {
						row[sub.Name] = v
						blank = blank && !typed(sub.Type, vals.Get(in))
					}
				}
				if !blank {
					items = append(items, row)
					rows[fld.Name] = append(rows[fld.Name], i)
				}
			}
			if items != nil || fld.Required || fld.Default != nil {
				setPath(data, fld.Name, append([]any{}, items...))
			}
		case domain.FieldMultiChoice, domain.FieldTaskPicker:
			var picked []any
			for _, v := range vals[name] {
				if v = strings.TrimSpace(v); v != "" {
					picked = append(picked, v)
				}
			}
			if picked != nil || fld.Required {
				setPath(data, fld.Name, append([]any{}, picked...))
			}
		default:
			if fld.Required && fld.Default != nil && strings.TrimSpace(vals.Get(name)) == "" {
				p.add(name, "required")
				continue
			}
			if v, ok := readInput(p, name, fld, vals, zone); ok {
				setPath(data, fld.Name, v)
			}
		}
	}
	return data, rows, p
}

// typed reports whether an input of a list's row holds something a person
// typed; a choice always holds a value, so it does not count.
func typed(t domain.FieldType, v string) bool {
	switch t {
	case domain.FieldChoice, domain.FieldYesNo, domain.FieldMultiChoice, domain.FieldTaskPicker:
		return false
	}
	return strings.TrimSpace(v) != ""
}

// readInput reads one input as its field's type; ok is false when it is to be
// left out of the data (empty, or not readable, which p then says).
func readInput(p formProblems, name string, fld domain.FormField, vals url.Values, zone *time.Location) (any, bool) {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		// An emptied text with a value to start from is sent empty: the person
		// cleared it, and the form says whether it may be.
		textual := fld.Type == domain.FieldText || fld.Type == domain.FieldLongText
		return "", textual && (fld.Required || fld.Default != nil)
	}
	switch fld.Type {
	case domain.FieldNumber, domain.FieldMoney:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			p.add(name, "must be a number, like 1500 or 12.5")
			return nil, false
		}
		return n, true
	case domain.FieldCurrency:
		return strings.ToUpper(v), true
	case domain.FieldDateTime:
		loc := cmp.Or(zone, time.UTC)
		for _, layout := range []string{localTimeLayout, localTimeLayout + ":05"} {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t.UTC().Format(time.RFC3339), true
			}
		}
		p.add(name, "must be a date and time like 2027-03-01T09:00")
		return nil, false
	case domain.FieldDate:
		t, err := time.ParseInLocation(dateLayout, v, time.UTC)
		if err != nil {
			p.add(name, "must be a date like 2027-03-01")
			return nil, false
		}
		return t.Format(time.RFC3339), true
	case domain.FieldYesNo:
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.add(name, "choose yes or no")
			return nil, false
		}
		return b, true
	}
	return v, true
}

// setPath puts v at a dotted name in data, making the objects on the way.
func setPath(data map[string]any, name string, v any) {
	parent, last, nested := cutLast(name)
	if !nested {
		data[name] = v
		return
	}
	obj := data
	for part := range strings.SplitSeq(parent, ".") {
		next, ok := obj[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[part] = next
		}
		obj = next
	}
	obj[last] = v
}

// inputOf is the input a problem with field (a path the API or Check names,
// "data.brief.kpis[1].target") is about: a list's row as drawn, a choice's
// boxes as a whole.
func inputOf(field string, f *domain.Form, rows map[string][]int) string {
	for _, fld := range f.Fields {
		prefix := dataPrefix + fld.Name + "["
		rest, ok := strings.CutPrefix(field, prefix)
		if !ok {
			continue
		}
		if fld.Type != domain.FieldList {
			return dataPrefix + fld.Name
		}
		i, tail, _ := strings.Cut(rest, "]")
		j, err := strconv.Atoi(i)
		if err != nil || j < 0 || j >= len(rows[fld.Name]) {
			return dataPrefix + fld.Name
		}
		return rowInput(fld.Name, rows[fld.Name][j], strings.TrimPrefix(tail, "."))
	}
	return field
}

// checkAnswer reads a task's answer from the inputs and checks it against the
// form as the validator will, at now. It returns the data, the problems by
// input name, and the rows of each list as drawn.
func checkAnswer(f *domain.Form, vals url.Values, zone *time.Location, now time.Time) (map[string]any, map[string][]int, map[string]string) {
	data, rows, p := answerData(f, vals, zone)
	for _, fp := range f.Check(data, now) {
		p.add(inputOf(fp.Field, f, rows), fp.Problem)
	}
	return data, rows, p
}

// answerValues are the data inputs of a posted form: what the card draws again
// after a refusal.
func answerValues(form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		if strings.HasPrefix(k, dataPrefix) {
			out[k] = slices.Clone(v)
		}
	}
	return out
}
