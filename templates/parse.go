package templates

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/domain"
)

// Parse reads a template document — JSON when its first character is "{",
// else YAML — and validates it. It returns the template, or a
// *domain.ValidationError with every problem found, each named by its path in
// the document: what the document's shape gets wrong (a field that is not one,
// a list where a mapping belongs, a due date that does not read) and what the
// template's validation refuses, together.
func Parse(doc []byte) (Template, error) {
	src, err := read(doc)
	if err != nil {
		return Template{}, domain.Invalid(domain.FieldProblem{Field: "", Problem: err.Error()})
	}
	var p domain.Problems
	p = append(p, src.problems...)
	s := shaper{p: &p}
	clean := s.shape("", src.value, reflect.TypeFor[Template]())
	var t Template
	if b, err := json.Marshal(clean); err != nil {
		p.Add("", "cannot be read: %v", err)
	} else if err := json.Unmarshal(b, &t); err != nil {
		p.Add("", "cannot be read: %v", err)
	}
	var verr *domain.ValidationError
	if errors.As(t.Validate(), &verr) {
		for _, fp := range verr.Problems {
			// A value the shape refused was left out, and its validation would
			// only say again that it is missing.
			if !slices.ContainsFunc(s.bad, func(bad string) bool { return within(fp.Field, bad) }) {
				p = append(p, fp)
			}
		}
	}
	if err := p.Err(); err != nil {
		return Template{}, err
	}
	return t, nil
}

// Lines returns where each path of a problem Parse reports is in doc: the line
// of the value at the path, or of the nearest value around it that the
// document has (a required field's mapping), or 0 when doc cannot be read.
func Lines(doc []byte) func(path string) int {
	src, err := read(doc)
	if err != nil {
		return func(string) int { return 0 }
	}
	return func(path string) int {
		for {
			if line, ok := src.lines[path]; ok {
				return line
			}
			i := strings.LastIndexAny(path, ".[")
			if i < 0 {
				return src.lines[""]
			}
			path = path[:i]
		}
	}
}

// within reports whether path is at or under the value at outer.
func within(path, outer string) bool {
	if outer == "" || path == outer {
		return true
	}
	return strings.HasPrefix(path, outer+".") || strings.HasPrefix(path, outer+"[")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// source is a document read into plain values (maps, lists, strings, numbers,
// booleans), with the line each path starts on and what could not be read.
type source struct {
	value    any
	lines    map[string]int
	problems domain.Problems
}

// read reads doc as JSON or YAML; an error means it is not a document at all.
func read(doc []byte) (*source, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, fmt.Errorf("the document is larger than %d bytes", MaxDocumentBytes)
	}
	src := &source{lines: map[string]int{}}
	if trimmed := bytes.TrimLeft(doc, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(doc))
		v, err := src.fromJSON(dec, doc, "")
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("not JSON: more after the document's end")
		}
		src.value = v
		return src, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("not YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil, errors.New("empty: a template is a mapping of key, version, name, intake, stages…")
	}
	src.value = src.fromYAML(root.Content[0], "")
	return src, nil
}

// fromYAML turns a YAML node into plain values. Scalars keep the type YAML
// gives them, but a timestamp stays the text it was written as (a form's
// default date, read as the form reads it). Anchors and aliases are refused:
// a template has no use for them, and aliases can make a small document huge.
func (src *source) fromYAML(n *yaml.Node, path string) any {
	src.lines[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				src.problems.Add(path, "line %d: a key must be a name, not %q", k.Line, k.Value)
				continue
			}
			at := join(path, k.Value)
			if line, dup := first[k.Value]; dup {
				src.problems.Add(at, "given twice (lines %d and %d)", line, k.Line)
				continue
			}
			first[k.Value] = k.Line
			m[k.Value] = src.fromYAML(val, at)
			src.lines[at] = k.Line
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, item := range n.Content {
			l[i] = src.fromYAML(item, index(path, i))
		}
		return l
	case yaml.AliasNode:
		src.problems.Add(path, "line %d: aliases (*%s) are not allowed in a template", n.Line, n.Value)
		return nil
	}
	if n.Anchor != "" {
		src.problems.Add(path, "line %d: anchors (&%s) are not allowed in a template", n.Line, n.Anchor)
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err == nil {
			return v
		}
	}
	return n.Value
}

// fromJSON reads one JSON value from dec, refusing a key given twice, which
// encoding/json would let the last one win.
func (src *source) fromJSON(dec *json.Decoder, doc []byte, path string) (any, error) {
	src.lines[path] = lineAt(doc, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string) // a key is a string, or Token has failed
			at := join(path, k)
			line := lineAt(doc, dec.InputOffset())
			v, err := src.fromJSON(dec, doc, at)
			if err != nil {
				return nil, err
			}
			if _, dup := m[k]; dup {
				src.problems.Add(at, "given twice (line %d)", line)
				continue
			}
			m[k] = v
			src.lines[at] = line
		}
		_, err := dec.Token()
		return m, err
	case json.Delim('['):
		l := []any{}
		for dec.More() {
			v, err := src.fromJSON(dec, doc, index(path, len(l)))
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := dec.Token()
		return l, err
	}
	return tok, nil
}

// lineAt is the line of doc at byte offset, counting from 1.
func lineAt(doc []byte, offset int64) int {
	return bytes.Count(doc[:min(int(offset), len(doc))], []byte("\n")) + 1
}

// shaper checks plain values against the Go type they are to be decoded
// into, and leaves out what does not fit, so the rest decodes and is validated.
type shaper struct {
	p *domain.Problems
	// bad are the paths whose values were left out.
	bad []string
}

func (s *shaper) refuse(path, format string, args ...any) any {
	s.p.Add(path, format, args...)
	s.bad = append(s.bad, path)
	return nil
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// shape returns v as it fits t, with what does not fit left out and refused.
// A null or an empty text is refused: a value not given is left out, so that
// a stray "due:" is not read as "no due date", and the schema and Parse agree
// on what a document may leave out.
func (s *shaper) shape(path string, v any, t reflect.Type) any {
	if v == nil || v == "" && t.Kind() != reflect.Interface {
		return s.refuse(path, "empty: give a value, or leave it out")
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		text, ok := v.(string)
		if !ok {
			return s.refuse(path, "must be text")
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return s.refuse(path, "%v", err)
		}
		return text
	}
	switch t.Kind() {
	case reflect.Pointer:
		return s.shape(path, v, t.Elem())
	case reflect.Interface:
		return v
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return s.refuse(path, "must be a mapping of %s", strings.Join(jsonNames(t), ", "))
		}
		out := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			f, ok := fieldByJSONName(t, k)
			if !ok {
				s.refuse(join(path, k), "not a field here: %s", strings.Join(jsonNames(t), ", "))
				continue
			}
			if fv := s.shape(join(path, k), m[k], f.Type); fv != nil {
				out[k] = fv
			}
		}
		return out
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return s.refuse(path, "must be a list")
		}
		out := make([]any, len(l))
		for i, item := range l {
			if out[i] = s.shape(index(path, i), item, t.Elem()); out[i] == nil {
				// An item stays where it was, so the items after it keep
				// their paths; what validation says of it is left out.
				out[i] = placeholder(t.Elem())
			}
		}
		return out
	case reflect.String:
		if _, ok := v.(string); !ok {
			return s.refuse(path, "must be text")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return s.refuse(path, "must be true or false")
		}
	case reflect.Int:
		if n, ok := number(v); !ok || n != float64(int(n)) {
			return s.refuse(path, "must be a whole number")
		}
	case reflect.Float64:
		if _, ok := number(v); !ok {
			return s.refuse(path, "must be a number")
		}
	}
	return v
}

// placeholder is an empty value of type t, as JSON: what stands for an item of
// a list that was refused.
func placeholder(t reflect.Type) any {
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshaler), t.Kind() == reflect.Pointer, t.Kind() == reflect.Interface:
		return nil
	case t.Kind() == reflect.Struct:
		return map[string]any{}
	}
	return reflect.Zero(t).Interface()
}

// number reads a number as YAML or JSON gives it.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// jsonNames lists the JSON names of a struct's fields, in their order.
func jsonNames(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if name := jsonName(f); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
