package api

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tandemhq/tandem/domain"
)

// The request gate: every JSON body the API accepts is one openapi.json accepts.
// The document says which fields a request must carry and what values they may
// hold; the handlers check what the document cannot say (whether a person
// exists, whether a change fits the brief). Checking the document at run time
// keeps the two from drifting: a field the document requires and a handler
// forgot is refused here, before anything is started or sent.

// undocumentedKey holds the problems a body has with the document, from decode
// until the handler answers: s.fail names them beside the handler's own, and
// undocumented refuses the request before its first write if the handler found
// none.
const undocumentedKey = "tandem.undocumented"

// undocumented answers 422 and reports true when the request's body breaks the
// document; every handler that decodes a body calls it before it changes
// anything (a workflow, a record, an idempotency key).
func (s *Server) undocumented(c *gin.Context) bool {
	v, ok := c.Get(undocumentedKey)
	if !ok {
		return false
	}
	s.fail(c, v.(error))
	return true
}

// withUndocumented adds the body's problems with the document to a refusal
// for an invalid request, for fields the handler did not name itself.
func withUndocumented(c *gin.Context, err error) error {
	v, ok := c.Get(undocumentedKey)
	var ve, gate *domain.ValidationError
	if !ok || !errors.As(err, &ve) || !errors.As(v.(error), &gate) || ve == gate {
		return err
	}
	merged := &domain.ValidationError{Problems: slices.Clone(ve.Problems)}
	for _, p := range gate.Problems {
		if !slices.ContainsFunc(merged.Problems, func(q domain.FieldProblem) bool { return q.Field == p.Field }) {
			merged.Problems = append(merged.Problems, p)
		}
	}
	return merged
}

// documentURL names the embedded document for the schema compiler.
const documentURL = "file:///openapi.json"

// requestSchemas maps "METHOD /api/v1/route/{param}" to the compiled schema of
// its JSON body. The document is embedded and checked by the tests, so a
// failure to compile it is a bug: it panics at the first request.
var requestSchemas = sync.OnceValue(func() map[string]*jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDoc))
	if err != nil {
		panic(fmt.Sprintf("openapi.json: %v", err))
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(documentURL, doc); err != nil {
		panic(fmt.Sprintf("openapi.json: %v", err))
	}
	out := map[string]*jsonschema.Schema{}
	paths, _ := doc.(map[string]any)["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			body, _ := op.(map[string]any)["requestBody"].(map[string]any)
			content, _ := body["content"].(map[string]any)
			if _, ok := content["application/json"]; !ok {
				continue
			}
			ptr := "#/paths/" + strings.ReplaceAll(strings.ReplaceAll(path, "~", "~0"), "/", "~1") + "/" + method +
				"/requestBody/content/application~1json/schema"
			s, err := c.Compile(documentURL + ptr)
			if err != nil {
				panic(fmt.Sprintf("openapi.json: %s %s: %v", method, path, err))
			}
			out[strings.ToUpper(method)+" "+path] = s
		}
	}
	return out
})

// documented checks a decoded body (generic JSON) against the document's schema
// for the route, given as gin writes it (/tasks/:id/complete): nil when the
// document accepts it or has no schema for the route.
func documented(method, route string, body any) error {
	s := requestSchemas()[method+" "+ginToDocument(route)]
	if s == nil {
		return nil
	}
	err := s.Validate(withoutNulls(body))
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("check the body against the document: %w", err)
	}
	var p domain.Problems
	for _, e := range explain(verr) {
		p.Add(e.Field, "%s", e.Problem)
	}
	return p.Err()
}

// withoutNulls drops the members of every object that are null: Go reads a null
// as the field not given (a nil map, a nil pointer, a zero value), so the
// document is asked about the body as the handler sees it. {"data": null} is a
// completion without data; {"value": null} is a value missing, and refused so.
func withoutNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, m := range v {
			if m != nil {
				out[k] = withoutNulls(m)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = withoutNulls(m)
		}
		return out
	}
	return v
}

// ginToDocument turns gin's :param into the document's {param}.
func ginToDocument(route string) string {
	parts := strings.Split(route, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// explain turns a validation error into field problems, in the API's own words.
// Of the alternatives of a oneOf or anyOf, the one that went furthest speaks
// (a budget given as an object is explained as an object, not as "not null").
func explain(e *jsonschema.ValidationError) []domain.FieldProblem {
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		if len(e.Causes) == 0 {
			return []domain.FieldProblem{{Field: fieldOf(e.InstanceLocation), Problem: "matches more than one of the allowed forms"}}
		}
		best := e.Causes[0]
		for _, c := range e.Causes[1:] {
			if depth(c) > depth(best) {
				best = c
			}
		}
		return explain(best)
	case *kind.Required:
		out := make([]domain.FieldProblem, len(k.Missing))
		for i, m := range k.Missing {
			out[i] = domain.FieldProblem{Field: fieldOf(append(slices.Clone(e.InstanceLocation), m)), Problem: "required"}
		}
		return out
	case *kind.Enum:
		vals := make([]string, len(k.Want))
		for i, w := range k.Want {
			vals[i] = fmt.Sprint(w)
		}
		return []domain.FieldProblem{{Field: fieldOf(e.InstanceLocation), Problem: "must be one of " + strings.Join(vals, ", ")}}
	}
	if len(e.Causes) == 0 {
		return []domain.FieldProblem{{Field: fieldOf(e.InstanceLocation), Problem: wording(e.ErrorKind)}}
	}
	var out []domain.FieldProblem
	for _, c := range e.Causes {
		out = append(out, explain(c)...)
	}
	return out
}

// wording says what one failed keyword asks for, as the API's own checks say it.
func wording(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Format:
		switch k.Want {
		case "email":
			return "must be an e-mail address like ana@example.com"
		case "date-time":
			return "must be an RFC 3339 time like 2030-03-01T09:00:00Z"
		case "date":
			return "must be a date like 2030-03-01"
		}
		return "must be a " + k.Want
	case *kind.MaxLength:
		return fmt.Sprintf("at most %d characters", k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "required"
		}
		return fmt.Sprintf("at least %d characters", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("at most %d items", k.Want)
	case *kind.MinItems:
		if k.Want == 1 {
			return "at least one is required"
		}
		return fmt.Sprintf("at least %d items", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("at most %d keys", k.Want)
	case *kind.Minimum:
		return "must be at least " + k.Want.FloatString(2)
	case *kind.Maximum:
		return "must be at most " + k.Want.FloatString(2)
	case *kind.ExclusiveMinimum:
		return "must be more than " + k.Want.FloatString(2)
	case *kind.ExclusiveMaximum:
		return "must be less than " + k.Want.FloatString(2)
	case *kind.Type:
		if k.Got == "null" {
			return "required, a " + strings.Join(k.Want, " or ")
		}
		return "must be a " + strings.Join(k.Want, " or ")
	case *kind.Pattern:
		return "must match " + k.Want
	}
	return k.LocalizedString(english)
}

// english prints the validator's own messages, for the checks explain does not word.
var english = message.NewPrinter(language.English)

// depth is how far into the value an error's deepest cause reaches.
func depth(e *jsonschema.ValidationError) int {
	d := len(e.InstanceLocation)
	for _, c := range e.Causes {
		d = max(d, depth(c))
	}
	return d
}

// fieldOf names a location in a body as the API's problems do: kpis[0].name.
func fieldOf(at []string) string {
	var b strings.Builder
	for _, seg := range at {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}
