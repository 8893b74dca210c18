package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// The answer check. Every request a test sends goes through env.serve, which
// holds the answer to openapi.json and fails the test with each difference:
//
//   - the status must be documented for the operation; an unrouted request must
//     get 404 and a wrong method 405, in the error format;
//   - the body must be of a documented media type and match its schema, checked
//     by a JSON Schema 2020-12 validator (OpenAPI 3.1's schemas are JSON Schema
//     2020-12) with formats asserted;
//   - every answer carries X-Request-ID, as the document's description says; a
//     header the response documents as required must be there, and one it
//     documents must match its schema; a Location must name a documented GET;
//     and a header the document names for some responses must not appear on
//     others;
//   - when the server accepted the request (2xx), the request must be one the
//     document accepts: its parameters and its body.
//
// Stricter than the published document: an object the document lists
// properties for may carry no other property (see shapeOnly). The document
// leaves answers open so clients tolerate fields added later; the check closes
// them so that the document names every field the server sends today. Laxer: a
// zero value failing a value constraint in an answer (see valueProblems).
//
// TestMain fails the run when a documented success was never answered, and
// TestTestsAskThroughServe when a test asks the server other than through
// env.serve, so a new route or test cannot go unchecked.

// contractURL names the document for the schema compiler.
const contractURL = "file:///openapi.json"

// document is openapi.json, compiled for checking answers.
type document struct {
	ops []*contractOp
	// named are the response headers the document names anywhere: an answer may
	// carry one only where its response documents it.
	named map[string]bool

	mu       sync.Mutex
	answered map[string]map[string]int // "METHOD /path" → status → answers
	unrouted int
}

type contractOp struct {
	method, path string
	segments     []string // the path's segments, each parameter as "{}"
	responses    map[string]*contractResponse
	params       []contractParam
	request      map[string]contractBody // media type → what a request's body must be
}

// contractParam is a documented parameter; typ is its schema's type, which says
// how to read the text it arrives as.
type contractParam struct {
	name, in, typ string
	required      bool
	schema        *jsonschema.Schema
}

type contractResponse struct {
	content map[string]contractBody   // media type → what its body must be
	headers map[string]contractHeader // canonical name → header
}

// contractBody is a body's schema twice: as published (values, types, required
// properties) and as a shape that refuses undocumented properties. A nil body
// takes anything.
type contractBody struct {
	values, shape *jsonschema.Schema
}

type contractHeader struct {
	name     string // as the document spells it
	required bool
	integer  bool
	schema   *jsonschema.Schema
}

var (
	contractOnce sync.Once
	contractVal  *document
	contractErr  error
)

// apiContract is the compiled document, built once for the package's tests.
func apiContract(t testing.TB) *document {
	t.Helper()
	contractOnce.Do(func() { contractVal, contractErr = compileContract(openAPIDoc) })
	if contractErr != nil {
		t.Fatalf("openapi.json: %v", contractErr)
	}
	return contractVal
}

func compileContract(raw []byte) (*document, error) {
	compile := func(transform func(map[string]any)) (*jsonschema.Compiler, map[string]any, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, err
		}
		root, _ := doc.(map[string]any)
		transform(root)
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		return c, root, c.AddResource(contractURL, doc)
	}
	values, root, err := compile(func(map[string]any) {})
	if err != nil {
		return nil, err
	}
	shapes, _, err := compile(shapeOnly)
	if err != nil {
		return nil, err
	}
	k := &document{named: map[string]bool{}, answered: map[string]map[string]int{}}
	paths, _ := root["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[path].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(item)) {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			op := &contractOp{method: strings.ToUpper(method), path: path, responses: map[string]*contractResponse{}}
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") {
					seg = "{}"
				}
				op.segments = append(op.segments, seg)
			}
			ptr := "#/paths/" + escapePointer(path) + "/" + method
			operation, _ := item[method].(map[string]any)
			responses, _ := operation["responses"].(map[string]any)
			for status, r := range responses {
				resp, err := k.compileResponse(values, shapes, root, ptr+"/responses/"+status, r)
				if err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", op.method, path, status, err)
				}
				op.responses[status] = resp
			}
			if err := op.compileRequest(values, shapes, root, ptr, item); err != nil {
				return nil, fmt.Errorf("%s %s: %w", op.method, path, err)
			}
			k.ops = append(k.ops, op)
		}
	}
	return k, nil
}

// compileRequest compiles what the operation at ptr, of the path item item,
// documents of requests: its parameters (the path item's too) and its body.
func (op *contractOp) compileRequest(values, shapes *jsonschema.Compiler, root map[string]any, ptr string, item map[string]any) error {
	operation, _ := item[strings.ToLower(op.method)].(map[string]any)
	type located struct {
		loc   string
		param any
	}
	var params []located
	for _, at := range []struct {
		ptr  string
		list any
	}{{ptr[:strings.LastIndex(ptr, "/")], item["parameters"]}, {ptr, operation["parameters"]}} {
		list, _ := at.list.([]any)
		for i, p := range list {
			params = append(params, located{at.ptr + "/parameters/" + strconv.Itoa(i), p})
		}
	}
	for _, lp := range params {
		loc := lp.loc
		m, _ := lp.param.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			loc = ref
			if m, _ = lookupPointer(root, ref).(map[string]any); m == nil {
				return fmt.Errorf("$ref %s does not resolve", ref)
			}
		}
		param := contractParam{required: m["required"] == true}
		param.name, _ = m["name"].(string)
		param.in, _ = m["in"].(string)
		if s, ok := m["schema"].(map[string]any); ok {
			param.typ, _ = s["type"].(string)
			var err error
			if param.schema, err = values.Compile(contractURL + loc + "/schema"); err != nil {
				return err
			}
		}
		op.params = append(op.params, param)
	}
	body, _ := operation["requestBody"].(map[string]any)
	content, _ := body["content"].(map[string]any)
	if len(content) > 0 {
		op.request = map[string]contractBody{}
	}
	for media := range content {
		loc := contractURL + ptr + "/requestBody/content/" + escapePointer(media) + "/schema"
		var b contractBody
		var err error
		if b.values, err = values.Compile(loc); err != nil {
			return err
		}
		if b.shape, err = shapes.Compile(loc); err != nil {
			return err
		}
		op.request[media] = b
	}
	return nil
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// compileResponse compiles the response r at ptr, following a $ref to
// components/responses.
func (k *document) compileResponse(values, shapes *jsonschema.Compiler, root map[string]any, ptr string, r any) (*contractResponse, error) {
	m, _ := r.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		ptr = ref
		if m, _ = lookupPointer(root, ref).(map[string]any); m == nil {
			return nil, fmt.Errorf("$ref %s does not resolve", ref)
		}
	}
	resp := &contractResponse{content: map[string]contractBody{}, headers: map[string]contractHeader{}}
	content, _ := m["content"].(map[string]any)
	for media, mt := range content {
		var body contractBody
		if _, ok := mt.(map[string]any)["schema"]; ok {
			loc := contractURL + ptr + "/content/" + escapePointer(media) + "/schema"
			var err error
			if body.values, err = values.Compile(loc); err != nil {
				return nil, err
			}
			if body.shape, err = shapes.Compile(loc); err != nil {
				return nil, err
			}
		}
		resp.content[media] = body
	}
	headers, _ := m["headers"].(map[string]any)
	for name, h := range headers {
		hm, _ := h.(map[string]any)
		hdr := contractHeader{name: name, required: hm["required"] == true}
		if s, ok := hm["schema"].(map[string]any); ok {
			hdr.integer = s["type"] == "integer"
			var err error
			if hdr.schema, err = values.Compile(contractURL + ptr + "/headers/" + escapePointer(name) + "/schema"); err != nil {
				return nil, err
			}
		}
		canonical := http.CanonicalHeaderKey(name)
		resp.headers[canonical] = hdr
		k.named[canonical] = true
	}
	return resp, nil
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func lookupPointer(root map[string]any, ref string) any {
	var v any = root
	for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(p)]
	}
	return v
}

// shapeOnly turns every schema of the document into its shape: which properties
// an object may have, and nothing about their values, so that the one thing it
// can refuse is a property the document does not list.
//
// Each schema keeps only the keywords that say where properties are
// (properties, items, additionalProperties when it is a schema, allOf, anyOf,
// oneOf as anyOf, $ref), and every schema that lists properties (or refuses
// additional ones) is closed with unevaluatedProperties: false where it is
// used, not where it is defined: a component named in an allOf (CampaignDetail
// is Campaign and its tasks) must stay open there, so the mark goes on the
// allOf, and on each $ref, where unevaluatedProperties sees the properties the
// referenced schema evaluated.
func shapeOnly(root map[string]any) {
	keep := []string{"properties", "items", "prefixItems", "additionalProperties", "allOf", "anyOf", "$ref"}
	var schema func(s any, use bool)
	schema = func(s any, use bool) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		if one, ok := m["oneOf"]; ok {
			m["anyOf"] = one
		}
		closed := m["additionalProperties"] == false // the closing mark says it the same way
		if closed {
			delete(m, "additionalProperties")
		}
		for key := range m {
			if !slices.Contains(keep, key) {
				delete(m, key)
			}
		}
		_, props := m["properties"]
		_, ref := m["$ref"]
		_, all := m["allOf"]
		_, open := m["additionalProperties"]
		if use && (props || ref || all || closed) && !open {
			m["unevaluatedProperties"] = false
		}
		if p, ok := m["properties"].(map[string]any); ok {
			for _, sub := range p {
				schema(sub, true)
			}
		}
		schema(m["items"], true)
		schema(m["additionalProperties"], true)
		for _, kw := range []string{"anyOf", "prefixItems"} {
			list, _ := m[kw].([]any)
			for _, sub := range list {
				schema(sub, true)
			}
		}
		list, _ := m["allOf"].([]any)
		for _, sub := range list {
			schema(sub, false)
		}
	}
	components, _ := root["components"].(map[string]any)
	defs, _ := components["schemas"].(map[string]any)
	for _, def := range defs {
		schema(def, false)
	}
	// Every other schema sits under a "schema" key: of a media type, a
	// parameter or a header.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for key, child := range v {
				switch key {
				case "schema":
					schema(child, true)
				case "schemas":
				default:
					walk(child)
				}
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(root)
}

// route finds the documented operation req asks for: nil with pathKnown when the
// path is documented with other methods, nil alone when it is not documented.
func (k *document) route(method, path string) (op *contractOp, pathKnown bool) {
	segments := strings.Split(path, "/")
	best := -1
	for _, o := range k.ops {
		literal, ok := matchSegments(o.segments, segments)
		if !ok {
			continue
		}
		pathKnown = true
		if o.method == method && literal > best {
			op, best = o, literal
		}
	}
	return op, pathKnown
}

// matchSegments reports whether the template matches and how many of its
// segments are literal, so /people/{handle}/tokens wins over a parameter.
func matchSegments(template, segments []string) (int, bool) {
	if len(template) != len(segments) {
		return 0, false
	}
	literal := 0
	for i, t := range template {
		switch {
		case t == "{}":
			if segments[i] == "" {
				return 0, false
			}
		case t != segments[i]:
			return 0, false
		default:
			literal++
		}
	}
	return literal, true
}

// check lists how the answer to req differs from the document, and records the
// answer for the coverage TestMain reports.
func (k *document) check(req *http.Request, body []byte, rr *httptest.ResponseRecorder) []string {
	what := fmt.Sprintf("%s %s answered %d", req.Method, req.URL.Path, rr.Code)
	var out []string
	if rr.Header().Get(requestIDHeader) == "" {
		out = append(out, fmt.Sprintf("%s without %s, which the document says every answer carries", what, requestIDHeader))
	}
	op, pathKnown := k.route(req.Method, req.URL.Path)
	status := strconv.Itoa(rr.Code)
	if op == nil {
		k.mu.Lock()
		k.unrouted++
		k.mu.Unlock()
		// The document's description: unknown routes answer 404, wrong methods
		// 405, in the error format.
		wantStatus := http.StatusNotFound
		if pathKnown {
			wantStatus = http.StatusMethodNotAllowed
		}
		if rr.Code != wantStatus {
			out = append(out, fmt.Sprintf("%s: an undocumented operation must answer %d", what, wantStatus))
		}
		errResp := k.errorResponse()
		return append(out, k.checkBody(what, errResp, rr)...)
	}

	k.mu.Lock()
	key := op.method + " " + op.path
	if k.answered[key] == nil {
		k.answered[key] = map[string]int{}
	}
	k.answered[key][status]++
	k.mu.Unlock()

	resp := op.responses[status]
	if resp == nil {
		resp = op.responses[status[:1]+"XX"]
	}
	if resp == nil {
		resp = op.responses["default"]
	}
	if resp == nil {
		documented := slices.Sorted(maps.Keys(op.responses))
		return append(out, fmt.Sprintf("%s: %d is not documented for %s %s (documented: %s)", what, rr.Code, op.method, op.path, strings.Join(documented, ", ")))
	}
	out = append(out, k.checkBody(what, resp, rr)...)
	out = append(out, k.checkHeaders(what, resp, rr)...)
	if rr.Code >= 200 && rr.Code < 300 {
		out = append(out, op.checkRequest(what+" to a request the document refuses:", req, body)...)
	}
	return out
}

// checkRequest lists how a request the server accepted differs from what the
// document accepts: its parameters and its body. A document stricter than the
// server misleads its readers as much as a laxer one.
func (op *contractOp) checkRequest(what string, req *http.Request, body []byte) []string {
	var out []string
	segments := strings.Split(req.URL.Path, "/")
	query := req.URL.Query()
	for _, p := range op.params {
		var raw string
		var present bool
		switch p.in {
		case "path":
			if i := slices.Index(strings.Split(op.path, "/"), "{"+p.name+"}"); i >= 0 {
				raw, present = segments[i], true
			}
		case "query":
			// An empty value is one not given, as the document's description says
			// and the handlers read it (?process= lists every process).
			raw = query.Get(p.name)
			present = raw != ""
		case "header":
			raw = req.Header.Get(p.name)
			present = raw != ""
		}
		if !present {
			if p.required {
				out = append(out, fmt.Sprintf("%s %s parameter %s is missing", what, p.in, p.name))
			}
			continue
		}
		var v any = raw
		switch p.typ {
		case "array": // form style, exploded: the parameter repeated, each a string
			var items []any
			for _, item := range query[p.name] {
				items = append(items, item)
			}
			v = items
		case "integer", "number":
			if _, err := strconv.ParseFloat(raw, 64); err != nil {
				out = append(out, fmt.Sprintf("%s %s parameter %s: %q is not a number", what, p.in, p.name, raw))
				continue
			}
			v = json.Number(raw)
		case "boolean":
			b, err := strconv.ParseBool(raw)
			if err != nil {
				out = append(out, fmt.Sprintf("%s %s parameter %s: %q is not a boolean", what, p.in, p.name, raw))
				continue
			}
			v = b
		}
		if p.schema != nil {
			out = append(out, valueProblems(fmt.Sprintf("%s %s parameter %s", what, p.in, p.name), v, p.schema.Validate(v), false)...)
		}
	}
	if len(body) == 0 {
		return out
	}
	ct := req.Header.Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return append(out, fmt.Sprintf("%s Content-Type %q: %v", what, ct, err))
	}
	schemas, ok := op.request[media]
	if !ok {
		return append(out, fmt.Sprintf("%s a body of %s; documented: %s", what, media, strings.Join(slices.Sorted(maps.Keys(op.request)), ", ")))
	}
	v, err := requestValue(media, body)
	if err != nil {
		return append(out, fmt.Sprintf("%s its body does not read as %s: %v", what, media, err))
	}
	// A null member is one not given, as the document's description says and
	// the handlers read it (see withoutNulls).
	v = withoutNulls(v)
	out = append(out, valueProblems(what+" body", v, schemas.values.Validate(v), false)...)
	return append(out, shapeProblems(what+" body", schemas.shape.Validate(v))...)
}

// requestValue reads a request body as generic JSON: a YAML body (a template
// sent as YAML) as the JSON it stands for, which its schema judges.
func requestValue(media string, body []byte) (any, error) {
	if !strings.HasSuffix(media, "yaml") {
		return jsonschema.UnmarshalJSON(bytes.NewReader(body))
	}
	var v any
	if err := yaml.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(js))
}

// errorResponse is the Internal response: the error format, as every refusal.
func (k *document) errorResponse() *contractResponse {
	for _, op := range k.ops {
		if r := op.responses["500"]; r != nil {
			return r
		}
	}
	panic("openapi.json documents no 500")
}

func (k *document) checkBody(what string, resp *contractResponse, rr *httptest.ResponseRecorder) []string {
	body := rr.Body.Bytes()
	if len(resp.content) == 0 {
		if len(body) > 0 {
			return []string{fmt.Sprintf("%s with a body where the document has none: %.200s", what, body)}
		}
		return nil
	}
	ct := rr.Header().Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return []string{fmt.Sprintf("%s with Content-Type %q: %v", what, ct, err)}
	}
	schemas, ok := resp.content[media]
	if !ok {
		return []string{fmt.Sprintf("%s with Content-Type %s; documented: %s", what, media, strings.Join(slices.Sorted(maps.Keys(resp.content)), ", "))}
	}
	if schemas.values == nil {
		return nil
	}
	var v any
	if media == "application/json" {
		if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
			return []string{fmt.Sprintf("%s with invalid JSON: %v", what, err)}
		}
	} else {
		v = string(body)
	}
	out := valueProblems(what+", body", v, schemas.values.Validate(v), true)
	return append(out, shapeProblems(what+", body", schemas.shape.Validate(v))...)
}

func (k *document) checkHeaders(what string, resp *contractResponse, rr *httptest.ResponseRecorder) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(resp.headers)) {
		h := resp.headers[name]
		value := rr.Header().Get(name)
		if value == "" {
			if h.required {
				out = append(out, fmt.Sprintf("%s without its required header %s", what, h.name))
			}
			continue
		}
		var v any = value
		if h.integer {
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				out = append(out, fmt.Sprintf("%s with header %s: %q is not an integer", what, name, value))
				continue
			}
			v = json.Number(strconv.FormatInt(n, 10))
		}
		if h.schema != nil {
			out = append(out, valueProblems(fmt.Sprintf("%s, header %s", what, name), v, h.schema.Validate(v), false)...)
		}
		if name == "Location" {
			// A fake's zero answer leaves the ID out (/api/v1/tasks/): the
			// route it names is what is checked.
			path, _, _ := strings.Cut(value, "?")
			if strings.HasSuffix(path, "/") {
				path += "id"
			}
			if op, _ := k.route(http.MethodGet, path); op == nil {
				out = append(out, fmt.Sprintf("%s with Location %s, which no documented GET answers", what, value))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rr.Header())) {
		if _, documented := resp.headers[name]; k.named[name] && !documented {
			out = append(out, fmt.Sprintf("%s with header %s, which the document does not give this response", what, name))
		}
	}
	return out
}

var contractPrinter = message.NewPrinter(language.English)

// leafErrors lists the failures at the bottom of a validation error, the ones
// that name a keyword.
func leafErrors(err error) ([]*jsonschema.ValidationError, error) {
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	return leaves, nil
}

func schemaName(e *jsonschema.ValidationError) string {
	return strings.TrimPrefix(e.SchemaURL, contractURL+"#")
}

// valueProblems lists how v fails the published schema, one line per failing
// keyword, with where in v it failed and the schema that refused it.
//
// A property the document does not list is the shape check's to report. And a
// zero value ("" or 0) failing a value constraint (enum, pattern, minimum,
// format...) is left out: the fakes' records are built field by field and the
// answers made of them leave the rest zero, which says the fixture is short, not
// that the server is wrong. Every other value is judged, and a zero value's type
// too (an absent list that comes out as null is a failure).
func valueProblems(what string, v any, err error, excuseZeros bool) []string {
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []string{fmt.Sprintf("%s: %v", what, err)}
	}
	excused := func(e *jsonschema.ValidationError) bool {
		switch e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			return true
		case *kind.Enum, *kind.Const, *kind.Pattern, *kind.MinLength, *kind.Minimum, *kind.ExclusiveMinimum, *kind.Format:
			return excuseZeros && zeroValue(valueAt(v, e.InstanceLocation))
		}
		return false
	}
	var onlyExcused func(e *jsonschema.ValidationError) bool
	onlyExcused = func(e *jsonschema.ValidationError) bool {
		switch e.ErrorKind.(type) {
		case *kind.OneOf, *kind.AnyOf:
			return slices.ContainsFunc(e.Causes, onlyExcused)
		}
		if len(e.Causes) == 0 {
			return excused(e)
		}
		for _, c := range e.Causes {
			if !onlyExcused(c) {
				return false
			}
		}
		return true
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.OneOf, *kind.AnyOf:
			// An alternative that fails only for excused zeros is the one the
			// value is: the others' failures are no news.
			if slices.ContainsFunc(e.Causes, onlyExcused) {
				return
			}
		}
		if len(e.Causes) == 0 {
			if !excused(e) {
				out = append(out, fmt.Sprintf("%s at /%s: %s (schema %s)", what, strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(contractPrinter), schemaName(e)))
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	slices.Sort(out)
	return slices.Compact(out)
}

// shapeProblems lists the properties the document does not list.
//
// A property a failing schema would have accepted goes unevaluated, and so is
// refused by the closing mark of the object it is in, and the failure climbs:
// an undocumented property deep in a campaign's brief makes every property of
// the campaign unevaluated. So a refusal is news only when no deeper refusal
// sits under the same object.
func shapeProblems(what string, err error) []string {
	if err == nil {
		return nil
	}
	leaves, err := leafErrors(err)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", what, err)}
	}
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return len(b.InstanceLocation) - len(a.InstanceLocation)
	})
	var news [][]string
	var out []string
	for _, e := range leaves {
		at := e.InstanceLocation
		if len(at) == 0 {
			out = append(out, fmt.Sprintf("%s: %s (schema %s)", what, e.ErrorKind.LocalizedString(contractPrinter), schemaName(e)))
			continue
		}
		parent := at[:len(at)-1]
		if slices.ContainsFunc(news, func(n []string) bool {
			return len(n) > len(at) && slices.Equal(n[:len(parent)], parent)
		}) {
			continue
		}
		news = append(news, at)
		out = append(out, fmt.Sprintf("%s at /%s: not a documented property (schema %s)", what, strings.Join(at, "/"), schemaName(e)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func valueAt(v any, location []string) any {
	for _, tok := range location {
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func zeroValue(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	}
	return false
}

// uncovered lists the documented operations with a success the tests never got.
func (k *document) uncovered() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, op := range k.ops {
		for status := range op.responses {
			if status[0] == '2' && k.answered[op.method+" "+op.path][status] == 0 {
				out = append(out, fmt.Sprintf("%s %s %s", op.method, op.path, status))
			}
		}
	}
	slices.Sort(out)
	return out
}

// coverage summarises which documented answers the tests produced.
func (k *document) coverage() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var sb strings.Builder
	documented, seen, answers := 0, 0, k.unrouted
	for _, op := range k.ops {
		var got, missing []string
		for _, n := range k.answered[op.method+" "+op.path] {
			answers += n
		}
		for _, status := range slices.Sorted(maps.Keys(op.responses)) {
			documented++
			if k.answered[op.method+" "+op.path][status] > 0 {
				seen++
				got = append(got, status)
			} else {
				missing = append(missing, status)
			}
		}
		fmt.Fprintf(&sb, "  %-7s %-45s answered %s; never %s\n", op.method, op.path, strings.Join(got, " "), strings.Join(missing, " "))
	}
	return fmt.Sprintf("openapi: %d answers checked (%d unrouted); %d of %d documented (operation, status) pairs answered\n%s",
		answers, k.unrouted, seen, documented, sb.String())
}

// TestMain runs the tests, then fails the run if a documented success was never
// answered; a run narrowed by -run or -skip, or a fuzzing run, proves nothing
// about coverage and is not judged.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	narrowed := false
	for _, name := range []string{"test.run", "test.skip", "test.fuzz", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			narrowed = true
		}
	}
	if code != 0 || narrowed || contractVal == nil {
		os.Exit(code)
	}
	if testing.Verbose() {
		fmt.Print(contractVal.coverage())
	}
	if missing := contractVal.uncovered(); len(missing) > 0 {
		fmt.Printf("FAIL: openapi: no test got these documented answers, so they are unchecked:\n  %s\n", strings.Join(missing, "\n  "))
		code = 1
	}
	os.Exit(code)
}

// TestOpenAPICheckFindsDifferences gives the check answers that differ from the
// document in each way it judges, and answers that do not differ.
func TestOpenAPICheckFindsDifferences(t *testing.T) {
	k, err := compileContract(openAPIDoc) // its own, so these answers count for no coverage
	if err != nil {
		t.Fatal(err)
	}
	const person = `{"handle":"paula","name":"Paula","email":"paula@example.com","team":"pmo","roles":["project_manager"],` +
		`"out_of_office":{"from":"2030-01-07T09:00:00Z","to":"2030-01-08T09:00:00Z","delegate":"mo"}}`
	edit := func(old, new string) string { return strings.Replace(person, old, new, 1) }
	type answer struct {
		method, path string
		reqBody      string
		status       int
		contentType  string
		body         string
		headers      []string
	}
	check := func(a answer) []string {
		req := httptest.NewRequest(a.method, a.path, nil)
		if a.reqBody != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rr := httptest.NewRecorder()
		rr.Header().Set(requestIDHeader, "r1")
		for i := 0; i+1 < len(a.headers); i += 2 {
			rr.Header().Set(a.headers[i], a.headers[i+1])
		}
		if rr.Header().Get(requestIDHeader) == "" {
			rr.Header().Del(requestIDHeader)
		}
		if a.contentType == "" && a.body != "" {
			a.contentType = "application/json; charset=utf-8"
		}
		if a.contentType != "" {
			rr.Header().Set("Content-Type", a.contentType)
		}
		rr.WriteHeader(a.status)
		// The recorder keeps a body even where the status allows none (a 204
		// with a body, an answer the check must catch) and then also returns
		// http.ErrBodyNotAllowed, which is that same answer, not a failure.
		_, _ = rr.WriteString(a.body)
		return k.check(req, []byte(a.reqBody), rr)
	}
	me := func(status int, body string, headers ...string) answer {
		return answer{method: "GET", path: "/api/v1/me", status: status, body: body, headers: headers}
	}
	const problem = `{"error":{"code":"not_found","message":"no such route"}}`

	for name, a := range map[string]answer{
		"a documented answer":                 me(200, person),
		"a zero value a short fixture leaves": me(200, edit(`"team":"pmo"`, `"team":""`)),
		"a refusal in the error format":       me(401, `{"error":{"code":"unauthorized","message":"m"}}`, "WWW-Authenticate", `Bearer realm="tandem"`),
		"an unrouted path answering 404":      {method: "GET", path: "/nope", status: 404, body: problem},
		"a wrong method answering 405":        {method: "PATCH", path: "/api/v1/me", status: 405, body: `{"error":{"code":"method_not_allowed","message":"m"}}`},
		"a 204 without a body":                {method: "DELETE", path: "/api/v1/webhooks/whk_aaaaaaaaaaaa", status: 204},
	} {
		if got := check(a); len(got) > 0 {
			t.Errorf("%s: the check found %q", name, got)
		}
	}

	for name, c := range map[string]struct {
		a    answer
		want string
	}{
		"an undocumented status":      {me(404, problem), "404 is not documented for GET /api/v1/me"},
		"no request ID":               {me(200, person, requestIDHeader, ""), "without X-Request-ID"},
		"an undocumented property":    {me(200, edit(`"handle"`, `"nickname":"P","handle"`)), "at /nickname: not a documented property"},
		"one deep in an object":       {me(200, edit(`"delegate":"mo"`, `"delegate":"mo","why":"holiday"`)), "at /out_of_office/why: not a documented property"},
		"a required property missing": {me(200, edit(`"handle":"paula",`, ``)), "missing property 'handle'"},
		"a value outside its enum":    {me(200, edit(`"team":"pmo"`, `"team":"sales"`)), "at /team: value must be one of"},
		"a value outside its format":  {me(200, edit(`"from":"2030-01-07T09:00:00Z"`, `"from":"Monday"`)), "at /out_of_office/from: 'Monday' is not valid date-time"},
		"a list that is null":         {me(200, edit(`["project_manager"]`, `null`)), "at /roles: got null, want array"},
		"another media type":          {answer{method: "GET", path: "/api/v1/me", status: 200, contentType: "text/html", body: "<p>"}, "with Content-Type text/html"},
		"a body where none is":        {answer{method: "DELETE", path: "/api/v1/webhooks/whk_aaaaaaaaaaaa", status: 204, body: "{}"}, "with a body where the document has none"},
		"a required header missing":   {me(401, `{"error":{"code":"unauthorized","message":"m"}}`), "without its required header WWW-Authenticate"},
		"a header in the wrong place": {me(200, person, "Location", "/api/v1/me"), "with header Location, which the document does not give this response"},
		"a header of the wrong type":  {me(429, `{"error":{"code":"rate_limited","message":"m"}}`, "Retry-After", "soon"), `header Retry-After: "soon" is not an integer`},
		"a Location to nowhere": {answer{method: "POST", path: "/api/v1/risks", status: 201, body: "{}", headers: []string{"Location", "/api/v1/hazards/rsk_aaaaaaaaaaaa"}},
			"which no documented GET answers"},
		"an unrouted path answering 200":  {answer{method: "GET", path: "/nope", status: 200, body: problem}, "an undocumented operation must answer 404"},
		"a wrong method answering 404":    {answer{method: "PATCH", path: "/api/v1/me", status: 404, body: problem}, "an undocumented operation must answer 405"},
		"an unrouted answer not an error": {answer{method: "GET", path: "/nope", status: 404, body: `{}`}, "missing property 'error'"},
		"an accepted body the document refuses": {answer{method: "POST", path: "/api/v1/webhooks", status: 201, body: "{}",
			reqBody: `{"url":"https://hooks.example.com/t","events":["task_opened"],"colour":"red"}`}, "to a request the document refuses: body at /colour: not a documented property"},
		"an accepted parameter the document refuses": {answer{method: "GET", path: "/api/v1/people?limit=500", status: 200, body: `{"items":[]}`},
			"query parameter limit at /: maximum: got 500, want 200"},
		"an accepted repeated parameter the document refuses": {answer{method: "GET", path: "/api/v1/names?id=cmp_aaaaaaaaaaaa&id=paula", status: 200, body: `{"items":[]}`},
			"query parameter id at /1: 'paula' does not match pattern"},
	} {
		got := check(c.a)
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, c.want) }) {
			t.Errorf("%s: the check found %q, want a problem with %q", name, got, c.want)
		}
	}

	// An undocumented property deep in a list item makes every property above it
	// unevaluated; the check names the one that is.
	page := `{"items":[` + edit(`"delegate":"mo"`, `"delegate":"mo","why":"holiday"`) + `]}`
	got := check(answer{method: "GET", path: "/api/v1/people", status: 200, body: page})
	if len(got) != 1 || !strings.Contains(got[0], "at /items/0/out_of_office/why: not a documented property") {
		t.Errorf("the check found %q, want the one undocumented property", got)
	}
}

// TestTestsAskThroughServe keeps the check whole: a test that asked the server
// for an answer other than through env.serve would get one nobody checks.
func TestTestsAskThroughServe(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name == "serve" && fn.Recv != nil {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				// srv.Handler() and srv.engine are the server's ways in.
				inner, ok := sel.X.(*ast.SelectorExpr)
				if ok && (sel.Sel.Name == "Handler" && inner.Sel.Name == "srv" || sel.Sel.Name == "ServeHTTP" && inner.Sel.Name == "engine") {
					t.Errorf("%s: %s asks the server directly; send the request through env.serve, which checks the answer against openapi.json",
						fset.Position(sel.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
}
