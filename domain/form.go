package domain

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A form is the shape of the structured answer (the data) a task takes: typed
// fields with labels, help, bounds and choices. It is declared once per kind of
// task (taskforms.go); the workflow's update validator checks an answer against
// it, the API answers it with the task and checks it before calling Temporal, and
// the board draws its inputs from it. Nobody types JSON.

// FieldType says what a field holds, and so how it is checked and drawn.
type FieldType string

// The field types. The value each takes in a task's data is in brackets.
const (
	FieldText     FieldType = "text"      // one line of text [string]
	FieldLongText FieldType = "long_text" // paragraphs [string]
	FieldNumber   FieldType = "number"    // [number]
	// FieldMoney is an amount [number], in Currency when the field names one,
	// else in the currency field beside it.
	FieldMoney    FieldType = "money"
	FieldCurrency FieldType = "currency"  // an ISO 4217 code such as EUR [string]
	FieldDateTime FieldType = "date_time" // [string, RFC 3339]
	// FieldDate is a day [string, RFC 3339]: the board asks for a date and sends
	// the start of that day in UTC, as the start forms do.
	FieldDate        FieldType = "date"
	FieldYesNo       FieldType = "yes_no"       // [true or false]
	FieldChoice      FieldType = "choice"       // one of Choices [string]
	FieldMultiChoice FieldType = "multi_choice" // some of Choices, each once [list of strings]
	// FieldPerson is a person's handle [string], of someone holding Role when the
	// field names one. The directory changes, so the form names the role and the
	// board lists the people; whether the person exists is the process's check.
	FieldPerson FieldType = "person"
	// FieldTeam is one of the teams [string, a team's key such as "legal"]:
	// who should do the work, in a template's intake.
	FieldTeam FieldType = "team"
	// FieldTaskPicker is some of the process's tasks [list of task IDs], offered
	// as Choices with their titles.
	FieldTaskPicker FieldType = "task_picker"
	// FieldList is rows of Fields [list of objects], such as a brief's KPIs.
	FieldList FieldType = "list"
)

// FieldTypes lists every field type.
var FieldTypes = []FieldType{FieldText, FieldLongText, FieldNumber, FieldMoney, FieldCurrency, FieldDateTime,
	FieldDate, FieldYesNo, FieldChoice, FieldMultiChoice, FieldPerson, FieldTeam, FieldTaskPicker, FieldList}

// Choice is one value a choice field may take, with the words people read.
type Choice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Condition holds when the field Field of the same data equals Equals.
type Condition struct {
	Field  string `json:"field"`
	Equals any    `json:"equals"`
}

// FormField is one field of a form.
type FormField struct {
	// Name is the field's key in the data. Dots nest: "brief.objective" is
	// data.brief.objective. Inside a list, names are the rows' own keys.
	Name  string    `json:"name"`
	Type  FieldType `json:"type"`
	Label string    `json:"label"`
	Help  string    `json:"help,omitempty"`
	// Required fields must be given and not blank (an empty text or list). A
	// required field with a Default may be left out of the data: the default
	// stands, which is how a revision says "unchanged".
	Required bool `json:"required,omitempty"`
	// RequiredWhen makes the field required while a condition holds: an offer's
	// amount when the answer is to hire.
	RequiredWhen *Condition `json:"required_when,omitempty"`
	// Min and Max bound a number or money field.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// MaxLength caps a text field, in characters.
	MaxLength int `json:"max_length,omitempty"`
	// MaxItems caps a list, multiple choice or task picker.
	MaxItems int `json:"max_items,omitempty"`
	// Future asks a date or time after the moment the answer is given.
	Future bool `json:"future,omitempty"`
	// Currency is a money field's currency, when the form fixes it.
	Currency string `json:"currency,omitempty"`
	// Role narrows a person field to the people holding it.
	Role Role `json:"role,omitempty"`
	// Choices are what a choice, multiple choice or task picker offers.
	Choices []Choice `json:"choices,omitempty"`
	// Fields are the fields of each row of a list, and ItemLabel what one row
	// is called ("KPI").
	Fields    []FormField `json:"fields,omitempty"`
	ItemLabel string      `json:"item_label,omitempty"`
	// Default is the value the board starts from, in the data's own shape: the
	// brief as it is, for a revision.
	Default any `json:"default,omitempty"`
}

// Form is the answer a kind of task takes.
type Form struct {
	// Name names the kind of answer, e.g. "interview_feedback".
	Name   string      `json:"name"`
	Fields []FormField `json:"fields"`
}

// Bound is a number as a Min or Max.
func Bound(v float64) *float64 { return &v }

// Field returns the field called name (a top-level or dotted name), or nil.
func (f *Form) Field(name string) *FormField {
	if f == nil {
		return nil
	}
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return &f.Fields[i]
		}
	}
	return nil
}

// SetChoices gives the field called name its choices; the run knows them, the
// declaration does not (the work a sign-off may send back).
func (f *Form) SetChoices(name string, choices []Choice) {
	if fld := f.Field(name); fld != nil {
		fld.Choices = choices
	}
}

// SetCurrency fixes the currency of the money field called name.
func (f *Form) SetCurrency(name, currency string) {
	if fld := f.Field(name); fld != nil {
		fld.Currency = currency
	}
}

// SetDefaults gives each field the value at its name in values, which has the
// shape of the data: a revision's form starts from what it revises.
func (f *Form) SetDefaults(values map[string]any) {
	if f == nil {
		return
	}
	for i := range f.Fields {
		if v, ok := lookup(values, f.Fields[i].Name); ok && v != nil {
			f.Fields[i].Default = v
		}
	}
}

// Check says what is wrong with data as an answer to the form, each problem
// naming its field as the API's request does ("data.offer_amount",
// "data.brief.kpis[1].target"); none means the data fits. Keys the form does not
// declare are refused, so a mistyped name is not silently ignored. now is when
// the answer is given, for the fields that must lie in the future. Check goes no
// deeper into data than the form declares: the caps on data (DataProblem) bound
// the rest.
func (f Form) Check(data map[string]any, now time.Time) []FieldProblem {
	var p Problems
	checkKeys(&p, "data", data, f.Fields, "")
	for _, fld := range f.Fields {
		v, ok := lookup(data, fld.Name)
		fld.check(&p, "data."+fld.Name, v, ok, data, now)
	}
	sortProblems(p)
	return p
}

// Err is Check's answer as a *ValidationError (a 422), or nil.
func (f Form) Err(data map[string]any, now time.Time) error {
	return Invalid(f.Check(data, now)...)
}

// checkKeys refuses the keys of obj, the object at path, that no field declares:
// fields' names are matched with prefix, the path of obj inside the data.
func checkKeys(p *Problems, path string, obj map[string]any, fields []FormField, prefix string) {
	keys := make([]string, 0, len(obj))
	// Workflows call this (a task's completion): the keys are sorted
	// before use, so the order the map yields them in cannot matter.
	//workflowcheck:ignore
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := prefix + k
		switch {
		case slices.ContainsFunc(fields, func(f FormField) bool { return f.Name == name }):
		case slices.ContainsFunc(fields, func(f FormField) bool { return strings.HasPrefix(f.Name, name+".") }):
			sub, ok := obj[k].(map[string]any)
			if !ok {
				if obj[k] != nil {
					p.Add(path+"."+k, "must be an object")
				}
				continue
			}
			checkKeys(p, path+"."+k, sub, fields, name+".")
		default:
			p.Add(path+"."+k, "not a field of this form")
		}
	}
}

// lookup finds the value at a dotted name in data.
func lookup(data map[string]any, name string) (any, bool) {
	var cur any = data
	for part := range strings.SplitSeq(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// required reports whether the field must have a value in data.
func (fld FormField) required(data map[string]any) bool {
	if fld.Required {
		return true
	}
	if c := fld.RequiredWhen; c != nil {
		// Equals is a bool or a string: comparing it with a value of another
		// type, even a list, is false, never a panic.
		v, ok := lookup(data, c.Field)
		return ok && v == c.Equals
	}
	return false
}

// check adds what is wrong with v, the field's value at path (ok says it is
// there at all); data is the object the field's conditions read.
func (fld FormField) check(p *Problems, path string, v any, ok bool, data map[string]any, now time.Time) {
	if !ok || v == nil {
		if fld.required(data) && fld.Default == nil {
			p.Add(path, "required")
		}
		return
	}
	switch fld.Type {
	case FieldText, FieldLongText, FieldPerson:
		s, isText := v.(string)
		if !isText {
			p.Add(path, "must be text")
			return
		}
		if strings.TrimSpace(s) == "" {
			if fld.required(data) {
				p.Add(path, "required")
			}
			return
		}
		CheckText(p, path, s, fld.MaxChars())
	case FieldNumber, FieldMoney:
		n, isNumber := number(v)
		switch {
		case !isNumber:
			p.Add(path, "must be a number")
		case fld.Min != nil && n < *fld.Min:
			p.Add(path, "must be at least %s", formatNumber(*fld.Min))
		case fld.Max != nil && n > *fld.Max:
			p.Add(path, "must be at most %s", formatNumber(*fld.Max))
		}
	case FieldCurrency:
		if s, isText := v.(string); !isText || !validCurrency(s) {
			p.Add(path, "must be a three-letter ISO 4217 code like EUR")
		}
	case FieldDateTime, FieldDate:
		s, isText := v.(string)
		t, err := time.Parse(time.RFC3339, s)
		switch {
		case !isText || err != nil:
			p.Add(path, "must be a date and time in RFC 3339, like 2027-03-01T09:00:00Z")
		case fld.Future && !t.After(now):
			p.Add(path, "must be in the future")
		}
	case FieldYesNo:
		if _, isBool := v.(bool); !isBool {
			p.Add(path, "must be true (yes) or false (no)")
		}
	case FieldTeam:
		if s, isText := v.(string); !isText || !Team(s).Valid() {
			p.Add(path, "must be one of the teams: %s", teamKeys())
		}
	case FieldChoice:
		if s, isText := v.(string); !isText || !fld.offers(s) {
			p.Add(path, "must be one of: %s", fld.choiceValues())
		}
	case FieldMultiChoice, FieldTaskPicker:
		fld.checkPicks(p, path, v, data)
	case FieldList:
		fld.checkRows(p, path, v, data, now)
	default:
		p.Add(path, "has a type this form cannot check: %s", fld.Type)
	}
}

// MaxChars is a text field's cap: its own MaxLength, else the domain's for its
// kind.
func (fld FormField) MaxChars() int {
	switch {
	case fld.MaxLength > 0:
		return fld.MaxLength
	case fld.Type == FieldLongText:
		return MaxDescriptionChars
	}
	return MaxNameChars
}

func (fld FormField) offers(v string) bool {
	return slices.ContainsFunc(fld.Choices, func(c Choice) bool { return c.Value == v })
}

func (fld FormField) choiceValues() string {
	if len(fld.Choices) == 0 {
		return "nothing (there is nothing to choose from)"
	}
	vals := make([]string, len(fld.Choices))
	for i, c := range fld.Choices {
		vals[i] = c.Value
	}
	return strings.Join(vals, ", ")
}

// checkPicks checks a multiple choice or task picker: a list of strings, each one
// of the choices, none twice.
func (fld FormField) checkPicks(p *Problems, path string, v any, data map[string]any) {
	items, isList := asList(v)
	if !isList {
		p.Add(path, "must be a list of values")
		return
	}
	if len(items) == 0 {
		if fld.required(data) {
			p.Add(path, "required: choose at least one")
		}
		return
	}
	if fld.MaxItems > 0 && len(items) > fld.MaxItems {
		p.Add(path, "at most %d items", fld.MaxItems)
		return
	}
	seen := map[string]bool{}
	for i, item := range items {
		s, isText := item.(string)
		switch {
		case !isText:
			p.Add(path+"["+itoa(i)+"]", "must be text")
		case !fld.offers(s):
			what := "one of: " + fld.choiceValues()
			if fld.Type == FieldTaskPicker {
				what = "one of the tasks offered"
			}
			p.Add(path+"["+itoa(i)+"]", "%s is not %s", strconv.Quote(s), what)
		case seen[s]:
			p.Add(path+"["+itoa(i)+"]", "%s is listed twice", strconv.Quote(s))
		}
		if isText {
			seen[s] = true
		}
	}
}

// checkRows checks a list: objects, each holding the list's fields only.
func (fld FormField) checkRows(p *Problems, path string, v any, data map[string]any, now time.Time) {
	rows, isList := asList(v)
	if !isList {
		p.Add(path, "must be a list")
		return
	}
	if len(rows) == 0 {
		if fld.required(data) {
			p.Add(path, "required: at least one")
		}
		return
	}
	if fld.MaxItems > 0 && len(rows) > fld.MaxItems {
		p.Add(path, "at most %d items", fld.MaxItems)
		return
	}
	for i, r := range rows {
		at := path + "[" + itoa(i) + "]"
		row, isObject := r.(map[string]any)
		if !isObject {
			p.Add(at, "must be an object")
			continue
		}
		checkKeys(p, at, row, fld.Fields, "")
		for _, sub := range fld.Fields {
			sv, ok := row[sub.Name]
			sub.check(p, at+"."+sub.Name, sv, ok, row, now)
		}
	}
}

// asList reads a list as JSON decodes it ([]any), or as Go code builds one.
func asList(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// number reads a finite number, as JSON decodes one (float64 or json.Number) or
// as Go code writes one.
func number(v any) (float64, bool) {
	var n float64
	switch v := v.(type) {
	case float64:
		n = v
	case float32:
		n = float64(v)
	case int:
		n = float64(v)
	case int64:
		n = float64(v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, false
		}
		n = f
	default:
		return 0, false
	}
	return n, !math.IsNaN(n) && !math.IsInf(n, 0)
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func teamKeys() string {
	keys := make([]string, len(Teams))
	for i, t := range Teams {
		keys[i] = string(t)
	}
	return strings.Join(keys, ", ")
}

// Validate checks the form itself: what a declaration or a run filled in must
// hold for Check and the board to make sense of it. Tests call it on every task
// form; it is not a check of anyone's input.
func (f Form) Validate() error {
	var p Problems
	if f.Name == "" {
		p.Add("name", "required")
	}
	validateFields(&p, "fields", f.Fields, true)
	sortProblems(p)
	return p.Err()
}

func validateFields(p *Problems, path string, fields []FormField, dotted bool) {
	names := map[string]bool{}
	for i, fld := range fields {
		at := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case fld.Name == "":
			p.Add(at+".name", "required")
		case names[fld.Name]:
			p.Add(at+".name", "%s is declared twice", fld.Name)
		case !dotted && strings.Contains(fld.Name, "."):
			p.Add(at+".name", "a list's fields do not nest")
		}
		names[fld.Name] = true
		if !slices.Contains(FieldTypes, fld.Type) {
			p.Add(at+".type", "unknown type %q", fld.Type)
		}
		if strings.TrimSpace(fld.Label) == "" {
			p.Add(at+".label", "required")
		}
		if fld.Type == FieldChoice && len(fld.Choices) == 0 {
			p.Add(at+".choices", "a choice needs choices")
		}
		validateChoices(p, at+".choices", fld.Choices)
		if fld.Min != nil && fld.Max != nil && *fld.Min > *fld.Max {
			p.Add(at+".max", "below min (%s): no value could be given", formatNumber(*fld.Min))
		}
		if fld.Role != "" && !fld.Role.Valid() {
			p.Add(at+".role", "unknown role %q", fld.Role)
		}
		if fld.Currency != "" && !validCurrency(fld.Currency) {
			p.Add(at+".currency", "must be a three-letter ISO 4217 code like EUR")
		}
		if fld.Type == FieldList {
			if len(fld.Fields) == 0 {
				p.Add(at+".fields", "a list needs fields")
			}
			validateFields(p, at+".fields", fld.Fields, false)
		}
		if c := fld.RequiredWhen; c != nil {
			if !slices.ContainsFunc(fields, func(o FormField) bool { return o.Name == c.Field }) {
				p.Add(at+".required_when.field", "no field %s in this form", c.Field)
			}
			switch c.Equals.(type) {
			case bool, string:
			default:
				p.Add(at+".required_when.equals", "must be a bool or a string")
			}
		}
	}
	// Workflows reach this (a template's forms, checked again when a run
	// starts): Validate sorts the problems, so the order the map yields the
	// names in cannot matter.
	//workflowcheck:ignore
	for name := range names {
		if names[name] && hasFieldPrefix(names, name+".") {
			p.Add(path, "%s is both a field and a group of fields", name)
		}
	}
}

// validateChoices refuses a choice without a value, and a value offered twice:
// an answer names a choice by its value, so each must be there and stand alone.
func validateChoices(p *Problems, path string, choices []Choice) {
	seen := map[string]bool{}
	for i, c := range choices {
		at := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case c.Value == "":
			p.Add(at+".value", "required")
		case seen[c.Value]:
			p.Add(at+".value", "%s is offered twice", strconv.Quote(c.Value))
		}
		seen[c.Value] = true
		if strings.TrimSpace(c.Label) == "" {
			p.Add(at+".label", "required")
		}
	}
}

func hasFieldPrefix(names map[string]bool, prefix string) bool {
	// Whether any name has the prefix: the order names are seen in cannot matter.
	//workflowcheck:ignore
	for n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
