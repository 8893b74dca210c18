package api

import (
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

type openAPIDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDocument {
	t.Helper()
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRoutes keeps the document and the router in step: every route is
// documented with its method, and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	routed := map[string]bool{}
	for _, r := range newEnv(t).srv.engine.Routes() {
		path := ginParam.ReplaceAllString(r.Path, "{$1}")
		op := strings.ToLower(r.Method) + " " + path
		routed[op] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not documented", r.Method, path)
		}
	}
	methods := []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}
	for path, item := range doc.Paths {
		for method := range item {
			if !slices.Contains(methods, method) {
				continue // parameters or a summary shared by the path's operations
			}
			if !routed[method+" "+path] {
				t.Errorf("documented %s %s is not routed", strings.ToUpper(method), path)
			}
		}
	}
}

// TestOpenAPIIsWhole checks what the route test cannot: every reference resolves,
// bearer auth is declared, and every operation answers the error schema for its
// failures.
func TestOpenAPIIsWhole(t *testing.T) {
	doc := loadOpenAPI(t)
	var raw map[string]any
	if err := json.Unmarshal(openAPIDoc, &raw); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if !resolves(raw, ref) {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(raw)

	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearerAuth = %+v", s)
	}
	if _, ok := doc.Components.Schemas["Error"]; !ok {
		t.Error("no Error schema")
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				Responses map[string]json.RawMessage `json:"responses"`
				Security  *[]json.RawMessage         `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no responses", method, path)
			}
			if strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/openapi.json" {
				codes := []string{"401", "500", "503"}
				if op.Security != nil && len(*op.Security) == 0 {
					// Public, and calling nothing downstream: only a bug fails it.
					codes = []string{"500"}
				}
				for _, code := range codes {
					if _, ok := op.Responses[code]; !ok {
						t.Errorf("%s %s does not document %s", method, path, code)
					}
				}
			}
		}
	}
}

func resolves(doc map[string]any, ref string) bool {
	parts, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var v any = doc
	for _, p := range strings.Split(parts, "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

// openAPISchema is the part of a schema the form test reads.
type openAPISchema struct {
	Enum       []string                   `json:"enum"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// TestOpenAPIDocumentsTaskForms keeps the Form schema in step with domain.Form:
// every property the JSON carries, every field type and every form's name.
func TestOpenAPIDocumentsTaskForms(t *testing.T) {
	doc := loadOpenAPI(t)
	decode := func(what string, raw json.RawMessage) openAPISchema {
		var s openAPISchema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	schemaOf := func(name string) openAPISchema { return decode("schema "+name, doc.Components.Schemas[name]) }
	for name, v := range map[string]any{"Form": domain.Form{}, "FormField": domain.FormField{}, "FormChoice": domain.Choice{}, "FormCondition": domain.Condition{}} {
		documented := slices.Sorted(maps.Keys(schemaOf(name).Properties))
		if got := jsonNames(reflect.TypeOf(v)); !slices.Equal(got, documented) {
			t.Errorf("schema %s documents %v, the JSON has %v", name, documented, got)
		}
	}
	var types []string
	for _, ft := range domain.FieldTypes {
		types = append(types, string(ft))
	}
	if got := schemaOf("FieldType").Enum; !slices.Equal(got, types) {
		t.Errorf("FieldType enum = %v, want %v", got, types)
	}
	names := slices.Sorted(maps.Keys(domain.TaskForms()))
	formNames := decode("Form.name", schemaOf("Form").Properties["name"]).Enum
	if slices.Sort(formNames); !slices.Equal(formNames, names) {
		t.Errorf("Form.name enum = %v, want %v", formNames, names)
	}
	if _, ok := schemaOf("Task").Properties["form"]; !ok {
		t.Error("Task does not document form")
	}
}

// jsonNames lists the JSON names of a struct's fields, sorted.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// The template document in openapi.json is templates/template.schema.json, the
// schema `tandem templates schema` publishes, with each of its $defs a
// component named Template<Def>: the two cannot drift apart.
func TestOpenAPIDocumentsTheTemplateSchema(t *testing.T) {
	var published map[string]any
	if err := json.Unmarshal(templates.Schema(), &published); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	component := func(def string) string { return "Template" + strings.ToUpper(def[:1]) + def[1:] }
	var rewrite func(v any) any
	rewrite = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, x := range v {
				if ref, ok := x.(string); ok && k == "$ref" && strings.HasPrefix(ref, "#/$defs/") {
					out[k] = "#/components/schemas/" + component(strings.TrimPrefix(ref, "#/$defs/"))
					continue
				}
				out[k] = rewrite(x)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = rewrite(x)
			}
			return out
		}
		return v
	}
	defs, _ := published["$defs"].(map[string]any)
	root := map[string]any{}
	for k, v := range published {
		if k != "$schema" && k != "$id" && k != "$defs" {
			root[k] = v
		}
	}
	want := map[string]any{"TemplateDocument": rewrite(root)}
	for name, def := range defs {
		want[component(name)] = rewrite(def)
	}
	for name, schema := range want {
		if !reflect.DeepEqual(doc.Components.Schemas[name], schema) {
			t.Errorf("components/schemas/%s is not the template schema's; copy it again", name)
		}
	}
	for name := range doc.Components.Schemas {
		if _, ok := want[name]; strings.HasPrefix(name, "Template") && !ok && !slices.Contains([]string{"Template", "TemplateSummary", "TemplateList", "TemplateRun", "TemplateRunDetail", "TemplateRunList", "TemplateRunKPI", "TemplateRunKPIs"}, name) {
			t.Errorf("components/schemas/%s is no longer in the template schema", name)
		}
	}
}
