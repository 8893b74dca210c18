package templates

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"

	"github.com/tandemhq/tandem/domain"
)

// A condition (`when:`) is an expr expression that says yes or no, over
//
//	intake.NAME              the intake's fields (dots nest, as in the form)
//	tasks.KEY.outcome        an earlier task's outcome: "done", or an approval's
//	                         "approved", "rejected", "changes_requested"; "" when skipped
//	tasks.KEY.data.NAME      an earlier task's answer, by its form's fields
//
// typed from the forms: text, choices, people and teams are strings, numbers
// and money float64, dates and times time.Time, yes/no bool, multiple choices a
// list of strings, a list a list of objects. An optional field left empty reads
// as its type's zero value ("", 0, false, an empty list, the zero time).
//
// The run evaluates conditions in its workflow, on replay too, so a condition
// must give the same answer every time: functions that read the clock (now,
// date), the machine's time zone (timezone) or list a map in an order that
// changes from one call to the next (keys, values, toPairs) are refused, and
// so is every builtin not listed in allowedBuiltins. Nothing in expr does I/O
// once those are gone; its memory budget and node cap bound the rest.

// allowedBuiltins are the functions a condition may call: pure and
// deterministic. The rest of expr's builtins are disabled; deniedBuiltins
// says why for those that would make a run non-deterministic.
var allowedBuiltins = []string{
	// predicates over lists
	"all", "any", "none", "one", "filter", "map", "find", "count", "sum",
	// numbers
	"abs", "ceil", "floor", "round", "int", "float", "max", "min",
	// text
	"len", "string", "trim", "upper", "lower", "split", "hasPrefix", "hasSuffix", "indexOf",
	// lists
	"first", "last", "join", "uniq", "sort",
	// a duration such as duration("48h"), to compare two dates of the intake
	"duration",
}

var deniedBuiltins = map[string]string{
	"now":      "reads the clock",
	"date":     "reads the clock, or parses in the machine's time zone",
	"timezone": "reads the machine's time zone database",
	"keys":     "lists a map in an order that changes from one call to the next",
	"values":   "lists a map in an order that changes from one call to the next",
	"toPairs":  "lists a map in an order that changes from one call to the next",
}

// scope is what a condition at one place of the template may read: the intake,
// and the tasks whose answers exist by then, in template order.
type scope struct {
	tasks []string
}

// checkCondition adds the problems of the condition src at path, read in sc.
func (v *validator) checkCondition(path, src string, sc scope) {
	if strings.TrimSpace(src) == "" {
		v.p.Add(path, "empty: leave when out for what always runs")
		return
	}
	if n := utf8.RuneCountInString(src); n > MaxWhenChars {
		v.p.Add(path, "at most %d characters", MaxWhenChars)
		return
	}
	// A run checks its template again when it starts (Decode), in its
	// workflow: workflowcheck flags the parser for a map it ranges over to
	// cache the fields of embedded structs, which a condition's environment (a
	// map) has none of, and whose order cannot change the field found.
	//workflowcheck:ignore
	tree, err := parser.Parse(src)
	if err != nil {
		v.p.Add(path, "does not compile: %s", firstLine(err))
		return
	}
	before := len(v.p)
	ast.Walk(&tree.Node, &reader{v: v, path: path, sc: sc, said: map[string]bool{}})
	if len(v.p) > before {
		return // the reader said precisely what is wrong; expr would only repeat it less clearly
	}
	program, err := compile(src, v.envType(sc))
	if err != nil {
		msg := firstLine(err)
		if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
			v.p.Add(path, "must be true or false, like intake.budget > 5000; this gives %s", typeWord(got))
			return
		}
		v.p.Add(path, "does not compile: %s", msg)
		return
	}
	if _, err := run(program, v.envSample(sc)); err != nil {
		v.p.Add(path, "fails on the smallest intake the form accepts (optional fields empty, tasks that may be skipped unanswered): %s", firstLine(err))
	}
}

// compile compiles the condition src against the typed environment env, as a
// yes or no, with every builtin but the allowed ones disabled: a second wall
// behind the reader's check of the functions called.
//
// The generic workflow compiles conditions, on replay too. Temporal's
// workflowcheck flags expr's compiler for the maps it ranges over; each of
// those loops is one whose order cannot change what it makes (marking every
// builtin disabled, deleting the disabled ones, copying the environment's
// fields into a map), so the program is the same on every replay: hence the
// two ignores.
func compile(src string, env types.Map) (*vm.Program, error) {
	//workflowcheck:ignore
	opts := []expr.Option{expr.Env(env), expr.AsBool(), expr.DisableAllBuiltins()}
	for _, b := range allowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	//workflowcheck:ignore
	return expr.Compile(src, opts...)
}

// run runs a compiled condition on env. workflowcheck flags expr's VM for a
// clock and channels it touches only for programs compiled with expr.Profile
// (its profile spans) or under the expr_debug build tag (its debugger), which
// compile never asks for; what a condition may call is the pure builtins
// above. So a condition gives the same answer on every replay: hence the
// ignore.
func run(program *vm.Program, env map[string]any) (any, error) {
	//workflowcheck:ignore
	return vm.Run(program, env)
}

// firstLine is an expr error's message without the snippet under it.
func firstLine(err error) string {
	var ferr *file.Error
	if errors.As(err, &ferr) {
		if ferr.Line > 0 {
			return fmt.Sprintf("%s (at %d:%d)", ferr.Message, ferr.Line, ferr.Column+1)
		}
		return ferr.Message
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// typeWord names a Go type as a template's author knows it.
func typeWord(goType string) string {
	switch goType {
	case "float64", "int":
		return "a number"
	case "string":
		return "text"
	case "time.Time":
		return "a date"
	case "time.Duration":
		return "a duration"
	case "[]interface {}", "[]string":
		return "a list"
	case "map[string]interface {}":
		return "an object"
	}
	return "a " + goType
}

// reader walks a condition's syntax tree before expr compiles it, for what it
// can say better than expr: a function that is not allowed and why, a field
// the intake or a task's form does not have, a task not yet answered where
// the condition is read, a value a choice does not offer.
type reader struct {
	v    *validator
	path string
	sc   scope
	// said holds what was reported: the walk visits a chain's every access
	// (intake.budget, then intake.budget.amount), each checked from the root.
	said map[string]bool
}

func (r *reader) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !r.said[msg] {
		r.said[msg] = true
		r.v.p.Add(r.path, "%s", msg)
	}
}

func (r *reader) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		if why, denied := deniedBuiltins[n.Name]; denied {
			r.add("%s() %s: a condition must give the same answer every time the run is replayed", n.Name, why)
		} else if !slices.Contains(allowedBuiltins, n.Name) {
			r.add("%s() is not one of the functions a condition may call: %s", n.Name, strings.Join(allowedBuiltins, ", "))
		}
	case *ast.MemberNode:
		r.member(memberPath(n))
	case *ast.BinaryNode:
		r.compare(n)
	}
}

// memberPath is the names of a chain of member accesses, from the root:
// intake.budget.amount is [intake budget amount]. It stops at the first part
// that is not a name (an index, a computed key).
func memberPath(n ast.Node) []string {
	if c, ok := n.(*ast.ChainNode); ok { // intake?.budget
		n = c.Node
	}
	m, ok := n.(*ast.MemberNode)
	if !ok {
		if id, ok := n.(*ast.IdentifierNode); ok {
			return []string{id.Value}
		}
		return nil
	}
	prefix := memberPath(m.Node)
	prop, ok := m.Property.(*ast.StringNode)
	if prefix == nil || !ok {
		return prefix
	}
	return append(prefix, prop.Value)
}

// member checks a chain of accesses from its root.
func (r *reader) member(parts []string) {
	if len(parts) < 2 {
		return
	}
	switch parts[0] {
	case "intake":
		r.fields("the intake", r.v.intakeType(), parts[1:])
	case "tasks":
		key := parts[1]
		t := r.v.tasks[key]
		switch {
		case t == nil:
			r.add("no task %s in this template", key)
		case !slices.Contains(r.sc.tasks, key):
			r.add("tasks.%s cannot be read here: a condition reads the tasks of earlier stages, and of its own stage those it depends on", key)
		case len(parts) < 3:
		case parts[2] == "data":
			r.fields(fmt.Sprintf("task %s's form", key), fieldsType(t.Form), parts[3:])
		case parts[2] != "outcome":
			r.add("a task's answer has outcome and data, not %s", parts[2])
		}
	}
}

// fields checks that the names of parts lead through m.
func (r *reader) fields(what string, m types.Map, parts []string) {
	for i, part := range parts {
		next, ok := m[part]
		if !ok {
			r.add("%s has no field %s", what, strings.Join(parts[:i+1], "."))
			return
		}
		if m, ok = next.(types.Map); !ok {
			return // a value: what is read from it is expr's to check
		}
	}
}

// compare checks a literal compared with a choice, a team or a task's
// outcome: == and != with a string, in with a list of strings, or a string in
// a multiple choice.
func (r *reader) compare(n *ast.BinaryNode) {
	check := func(field ast.Node, lits ...ast.Node) {
		allowed, what := r.v.literals(memberPath(field), r.sc)
		if allowed == nil {
			return
		}
		for _, lit := range lits {
			if s, ok := lit.(*ast.StringNode); ok && !slices.Contains(allowed, s.Value) {
				r.add("%s is not %s", strconv.Quote(s.Value), what)
			}
		}
	}
	switch n.Operator {
	case "==", "!=":
		check(n.Left, n.Right)
		check(n.Right, n.Left)
	case "in":
		if arr, ok := n.Right.(*ast.ArrayNode); ok {
			check(n.Left, arr.Nodes...)
		} else {
			check(n.Right, n.Left)
		}
	}
}

// literals is what the value at parts may equal, with how to say it, or nil
// when it may be anything (or is not a value the template knows).
func (v *validator) literals(parts []string, sc scope) ([]string, string) {
	var fld *domain.FormField
	switch {
	case len(parts) >= 2 && parts[0] == "intake":
		fld = fieldNamed(v.t.Intake, strings.Join(parts[1:], "."))
	case len(parts) == 3 && parts[0] == "tasks" && parts[2] == "outcome" && slices.Contains(sc.tasks, parts[1]):
		outcomes := []string{"", string(domain.OutcomeDone)}
		if v.tasks[parts[1]].Kind == domain.KindApproval {
			outcomes = []string{"", string(domain.OutcomeApproved), string(domain.OutcomeRejected), string(domain.OutcomeChangesRequested)}
		}
		return outcomes, fmt.Sprintf("an outcome of task %s (%s, or \"\" when it was skipped)", parts[1], strings.Join(outcomes[1:], ", "))
	case len(parts) >= 4 && parts[0] == "tasks" && parts[2] == "data" && v.tasks[parts[1]] != nil:
		fld = fieldNamed(v.tasks[parts[1]].Form, strings.Join(parts[3:], "."))
	}
	if fld == nil {
		return nil, ""
	}
	name := strings.Join(parts, ".")
	switch fld.Type {
	case domain.FieldChoice, domain.FieldMultiChoice:
		vals := make([]string, len(fld.Choices))
		for i, c := range fld.Choices {
			vals[i] = c.Value
		}
		return vals, fmt.Sprintf("a choice of %s (%s)", name, strings.Join(vals, ", "))
	case domain.FieldTeam:
		vals := make([]string, len(domain.Teams))
		for i, t := range domain.Teams {
			vals[i] = string(t)
		}
		return vals, fmt.Sprintf("a team (%s)", strings.Join(vals, ", "))
	}
	return nil, ""
}

func fieldNamed(fields []domain.FormField, name string) *domain.FormField {
	for i := range fields {
		if fields[i].Name == name {
			return &fields[i]
		}
	}
	return nil
}

// The environment a condition is compiled against, and the one it is tried on.

var timeType = types.TypeOf(time.Time{})

// sampleDate is the date and time every required date field holds in the
// sample a condition is tried on: any fixed instant would do.
var sampleDate = time.Date(2030, time.January, 7, 9, 0, 0, 0, time.UTC)

func (v *validator) intakeType() types.Map { return fieldsType(v.t.Intake) }

// envType is the typed environment of a condition read in sc.
func (v *validator) envType(sc scope) types.Map {
	tasks := types.Map{}
	for _, key := range sc.tasks {
		tasks[key] = types.Map{"outcome": types.String, "data": fieldsType(v.tasks[key].Form)}
	}
	return types.Map{"intake": v.intakeType(), "tasks": tasks}
}

// envSample is the smallest environment a run could give a condition in sc:
// the intake with its required fields filled with the least they accept and
// the others empty; each task answered with the least its form accepts when it
// always runs, and unanswered when a condition may skip it.
func (v *validator) envSample(sc scope) map[string]any {
	tasks := map[string]any{}
	for _, key := range sc.tasks {
		t := v.tasks[key]
		answer := map[string]any{"outcome": "", "data": fieldsSample(t.Form, false)}
		if v.alwaysRuns[key] {
			outcome := domain.OutcomeDone
			if t.Kind == domain.KindApproval {
				outcome = domain.OutcomeApproved
			}
			answer = map[string]any{"outcome": string(outcome), "data": fieldsSample(t.Form, true)}
		}
		tasks[key] = answer
	}
	return map[string]any{"intake": fieldsSample(v.t.Intake, true), "tasks": tasks}
}

// fieldsType is the type of a form's data: an object with a member per field,
// dotted names nested.
func fieldsType(fields []domain.FormField) types.Map {
	m := types.Map{}
	for _, f := range fields {
		parent, last := nest(f.Name)
		cur := m
		for _, part := range parent {
			next, ok := cur[part].(types.Map)
			if !ok {
				if _, taken := cur[part]; taken {
					break // a field and a group of the same name: the form's validation says so
				}
				next = types.Map{}
				cur[part] = next
			}
			cur = next
		}
		if _, taken := cur[last]; !taken {
			cur[last] = fieldType(f)
		}
	}
	return m
}

func fieldType(f domain.FormField) types.Type {
	switch f.Type {
	case domain.FieldNumber, domain.FieldMoney:
		return types.Float64
	case domain.FieldDate, domain.FieldDateTime:
		return timeType
	case domain.FieldYesNo:
		return types.Bool
	case domain.FieldMultiChoice, domain.FieldTaskPicker:
		return types.Array(types.String)
	case domain.FieldList:
		return types.Array(fieldsType(f.Fields))
	}
	return types.String
}

// fieldsSample is a form's data as a condition reads it: each required field
// with the least it accepts when filled is set, every other field at its zero
// value.
func fieldsSample(fields []domain.FormField, filled bool) map[string]any {
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
			cur[last] = fieldSample(f, filled && f.Required)
		}
	}
	return m
}

func fieldSample(f domain.FormField, filled bool) any {
	switch f.Type {
	case domain.FieldNumber, domain.FieldMoney:
		switch {
		case !filled:
			return 0.0
		case f.Min != nil:
			return *f.Min
		case f.Max != nil && *f.Max < 0:
			return *f.Max
		}
		return 0.0
	case domain.FieldDate, domain.FieldDateTime:
		if filled {
			return sampleDate
		}
		return time.Time{}
	case domain.FieldYesNo:
		return false
	case domain.FieldMultiChoice, domain.FieldTaskPicker:
		if filled && len(f.Choices) > 0 {
			return []any{f.Choices[0].Value}
		}
		return []any{}
	case domain.FieldList:
		if filled {
			return []any{fieldsSample(f.Fields, true)}
		}
		return []any{}
	}
	if !filled {
		return ""
	}
	switch f.Type {
	case domain.FieldChoice:
		if len(f.Choices) > 0 {
			return f.Choices[0].Value
		}
	case domain.FieldTeam:
		return string(domain.Teams[0])
	case domain.FieldCurrency:
		return "EUR"
	}
	return "x"
}

// nest splits a dotted field name into its groups and its last part.
func nest(name string) ([]string, string) {
	parts := strings.Split(name, ".")
	return parts[:len(parts)-1], parts[len(parts)-1]
}
