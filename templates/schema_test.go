package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tandemhq/tandem/domain"
)

// The published schema and the Go model agree: the examples pass both; every
// field of the Go model is in the schema and every property of the schema is a
// field of the model; the schema's lists of teams, roles, field types and task
// kinds are domain's; and what the schema refuses, Parse refuses too.

func compiledSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("template.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("template.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// plain reads a template document into the values a JSON decoder gives,
// which is what the schema is checked against.
func plain(t *testing.T, doc []byte) any {
	t.Helper()
	src, err := read(doc)
	if err != nil || len(src.problems) > 0 {
		t.Fatalf("read: %v %v", err, src.problems)
	}
	return jsonValue(t, src.value)
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheExamplesPassTheSchema(t *testing.T) {
	s := compiledSchema(t)
	docs := exampleFiles(t)
	docs["base"] = []byte(baseDoc)
	for name, doc := range docs {
		if err := s.Validate(plain(t, doc)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// The same document as JSON is a template too, and the same one.
		b, err := json.Marshal(plain(t, doc))
		if err != nil {
			t.Fatal(err)
		}
		fromYAML, err1 := Parse(doc)
		fromJSON, err2 := Parse(b)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(fromYAML, fromJSON) {
			t.Errorf("%s: as YAML (%v) and as JSON (%v), not the same template", name, err1, err2)
		}
	}
}

// schemaNode is a node of the schema document.
type schemaNode = map[string]any

func TestTheSchemaHasEveryFieldOfTheModel(t *testing.T) {
	var doc schemaNode
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	defs := doc["$defs"].(schemaNode)
	// resolve follows $ref to the node that says what a value is.
	resolve := func(n schemaNode) schemaNode {
		for n["$ref"] != nil {
			n = defs[strings.TrimPrefix(n["$ref"].(string), "#/$defs/")].(schemaNode)
		}
		return n
	}
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type, n schemaNode)
	walk = func(path string, typ reflect.Type, n schemaNode) {
		n = resolve(n)
		if reflect.PointerTo(typ).Implements(textUnmarshaler) {
			if n["type"] != "string" || n["pattern"] == nil {
				t.Errorf("%s: %s is text with a pattern in the model, %v in the schema", path, typ, n)
			}
			return
		}
		switch typ.Kind() {
		case reflect.Pointer:
			walk(path, typ.Elem(), n)
		case reflect.Slice:
			if n["type"] != "array" {
				t.Errorf("%s: a list in the model, %v in the schema", path, n["type"])
				return
			}
			walk(path+"[]", typ.Elem(), n["items"].(schemaNode))
		case reflect.Struct:
			if seen[typ] {
				return
			}
			seen[typ] = true
			props, _ := n["properties"].(schemaNode)
			documented := slices.Sorted(maps.Keys(props))
			fields := slices.Sorted(slices.Values(jsonNames(typ)))
			if !slices.Equal(documented, fields) {
				t.Errorf("%s (%s): the schema has %v, the model %v", path, typ, documented, fields)
			}
			if n["additionalProperties"] != false {
				t.Errorf("%s: the schema lets a mapping hold other fields; Parse refuses them", path)
			}
			for name := range props {
				if f, ok := fieldByJSONName(typ, name); ok {
					walk(join(path, name), f.Type, props[name].(schemaNode))
				}
			}
		case reflect.String:
			if n["type"] != "string" && n["enum"] == nil {
				t.Errorf("%s: text in the model, %v in the schema", path, n)
			}
		case reflect.Int:
			if n["type"] != "integer" {
				t.Errorf("%s: a whole number in the model, %v in the schema", path, n["type"])
			}
		case reflect.Float64:
			if n["type"] != "number" {
				t.Errorf("%s: a number in the model, %v in the schema", path, n["type"])
			}
		case reflect.Bool:
			if n["type"] != "boolean" {
				t.Errorf("%s: true or false in the model, %v in the schema", path, n["type"])
			}
		}
	}
	walk("", reflect.TypeFor[Template](), doc)
	for _, typ := range []reflect.Type{reflect.TypeFor[Template](), reflect.TypeFor[Stage](), reflect.TypeFor[Task](),
		reflect.TypeFor[domain.FormField](), reflect.TypeFor[domain.Choice](), reflect.TypeFor[KPI](), reflect.TypeFor[Board]()} {
		if !seen[typ] {
			t.Errorf("the walk never reached %s", typ)
		}
	}

	enum := func(def string) []string {
		var out []string
		for _, v := range defs[def].(schemaNode)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if got, want := enum("team"), strs(domain.Teams); !slices.Equal(got, want) {
		t.Errorf("teams: the schema has %v, domain %v", got, want)
	}
	if got, want := enum("role"), strs(domain.Roles); !slices.Equal(got, want) {
		t.Errorf("roles: the schema has %v, domain %v", got, want)
	}
	fieldTypes := slices.DeleteFunc(strs(domain.FieldTypes), func(s string) bool { return s == string(domain.FieldTaskPicker) })
	if got := defs["field"].(schemaNode)["properties"].(schemaNode)["type"].(schemaNode)["enum"]; fmt.Sprint(got) != fmt.Sprint(fieldTypes) {
		t.Errorf("field types: the schema has %v, a template takes %v", got, fieldTypes)
	}
	if got := defs["task"].(schemaNode)["properties"].(schemaNode)["kind"].(schemaNode)["enum"]; fmt.Sprint(got) != fmt.Sprint(strs(taskKinds)) {
		t.Errorf("task kinds: the schema has %v, a template takes %v", got, taskKinds)
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// What the schema refuses, Parse refuses: each sample changes the base
// template at one place, as an editor checking against the schema would see
// it. Some the schema cannot see (an unknown intake field, a cycle): Parse
// refuses those too, and they are here so that the test holds which is which.
func TestParseRefusesWhatTheSchemaRefuses(t *testing.T) {
	s := compiledSchema(t)
	const drop = "\x00drop"
	for _, tc := range []struct {
		path       string // slash-separated, list items by index
		value      any    // drop deletes the member
		schemaSays bool   // whether the schema refuses it
	}{
		{"colour", "blue", true},
		{"stages/0/colour", "blue", true},
		{"stages/0/tasks/1/colour", "blue", true},
		{"stages/0/tasks/1/assignee/colour", "blue", true},
		{"intake/0/colour", "blue", true},
		{"intake/6/choices/0/colour", "blue", true},
		{"kpis/0/target/colour", "blue", true},
		{"kpis/0/tracking/colour", "blue", true},
		{"board/colour", "blue", true},
		{"triage/colour", "blue", true},
		{"key", drop, true},
		{"key", "Launch", true},
		{"key", "", true},
		{"version", drop, true},
		{"version", 0, true},
		{"version", 1.5, true},
		{"version", "1", true},
		{"name", drop, true},
		{"name", nil, true},
		{"description", "", true},
		{"triage", map[string]any{}, true},
		{"triage", map[string]any{"team": "legal", "role": "legal"}, true},
		{"triage/team", "lgal", true},
		{"intake", []any{}, true},
		{"intake/0/type", "percent", true},
		{"intake/0/type", "task_picker", true},
		{"intake/0/label", drop, true},
		{"intake/0/name", "Title", true},
		{"intake/3/currency", "eur", true},
		{"intake/3/min", "0", true},
		{"intake/4/role", "boss", true},
		{"intake/6/choices/0/value", "", true},
		{"stages", []any{}, true},
		{"stages/0/tasks", []any{}, true},
		{"stages/0/key", "Plan", true},
		{"stages/0/tasks/0/kind", "chore", true},
		{"stages/0/tasks/0/due", drop, true},
		{"stages/0/tasks/0/due", "2 dayz after start", true},
		{"stages/0/tasks/0/due", "in 2 days", true},
		{"stages/0/tasks/0/assignee", map[string]any{}, true},
		{"stages/0/tasks/0/assignee/team", "web", true}, // a person and a team
		{"stages/0/tasks/2/assignee/team", "lgal", true},
		{"stages/0/tasks/1/depends_on", []any{"brief", "brief"}, true},
		{"stages/0/tasks/1/on_reject", "The End", true},
		{"stages/1/tasks/0/when", "", true},
		{"kpis/0/direction", "up", true},
		{"kpis/0/target", map[string]any{"field": "target", "value": 5}, true},
		{"kpis/0/tracking/for", "a month", true},
		{"retrospective", "yes", true},
		{"board/title", drop, true},
		{"board/card", []any{"owner", "owner"}, true},

		// Beyond what a schema can say.
		{"stages/0/tasks/0/assignee/person", "ownr", false},
		{"stages/0/tasks/0/depends_on", []any{"approve"}, false},
		{"stages/1/tasks/0/when", "now() < intake.event_date", false},
		{"stages/0/tasks/0/due", "2 days before start", false},
		{"stages/1/key", "plan", false},
		{"intake/3/max", -1, false},
	} {
		name := fmt.Sprintf("%s=%v", tc.path, tc.value)
		t.Run(name, func(t *testing.T) {
			doc := plain(t, []byte(baseDoc))
			set(t, doc, strings.Split(tc.path, "/"), tc.value, drop)
			doc = jsonValue(t, doc)
			schemaErr := s.Validate(doc)
			if (schemaErr != nil) != tc.schemaSays {
				t.Errorf("the schema says %v, want refused=%v", schemaErr, tc.schemaSays)
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(b); err == nil {
				t.Errorf("Parse accepts it; the schema says %v", schemaErr)
			}
		})
	}
}

// set puts value at path in doc, or deletes the member there when value is drop.
func set(t *testing.T, doc any, path []string, value any, drop string) {
	t.Helper()
	for i, part := range path {
		last := i == len(path)-1
		switch d := doc.(type) {
		case map[string]any:
			if last {
				if value == drop {
					delete(d, part)
				} else {
					d[part] = value
				}
				return
			}
			doc = d[part]
		case []any:
			n, err := strconv.Atoi(part)
			if err != nil || n >= len(d) {
				t.Fatalf("no item %s at %v", part, path[:i])
			}
			if last {
				d[n] = value
				return
			}
			doc = d[n]
		default:
			t.Fatalf("nothing at %v", path[:i+1])
		}
	}
}
