package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/templates"
)

// exampleTemplate is a template of examples/templates, as its author wrote it.
func exampleTemplate(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "templates", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// templateJSON is a YAML template as JSON.
func templateJSON(t testing.TB, doc string) string {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postYAML publishes a YAML template as the holder of token.
func (e *env) postYAML(token, doc string, contentType ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	ct := "application/yaml"
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	return e.do(http.MethodPost, "/api/v1/templates", token, doc, "Content-Type", ct)
}

func decodeTemplate(t *testing.T, rr *httptest.ResponseRecorder) templateBody {
	t.Helper()
	var b templateBody
	if err := json.Unmarshal(rr.Body.Bytes(), &b); err != nil {
		t.Fatalf("%v: %s", err, rr.Body)
	}
	return b
}

func listTemplateKeys(t *testing.T, e *env, query string) []string {
	t.Helper()
	rr := e.do(http.MethodGet, "/api/v1/templates"+query, "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	var list struct{ Items []templateSummary }
	if err := json.Unmarshal(rr.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for _, it := range list.Items {
		keys = append(keys, it.Key)
	}
	return keys
}

func TestPublishingATemplateStoresItsVersions(t *testing.T) {
	e := newEnv(t)
	doc := exampleTemplate(t, "webinar.yaml")

	rr := e.postYAML("tok-mo", doc)
	want(t, rr, http.StatusCreated, "")
	if loc := rr.Header().Get("Location"); loc != "/api/v1/templates/webinar?version=1" {
		t.Errorf("Location = %q", loc)
	}
	got := decodeTemplate(t, rr)
	if got.Key != "webinar" || got.Version != 1 || got.Name != "Webinar" || got.Stages != 4 || got.Retired || got.CreatedBy != "mo" || !got.CreatedAt.Equal(testNow) {
		t.Errorf("published = %+v", got.templateSummary)
	}
	// The author gets their YAML back, comments and all, and the document as
	// validated.
	if got.Source != doc || got.Document.Key != "webinar" || len(got.Document.Stages) != 4 {
		t.Errorf("source or document differ: %+v", got.Document)
	}
	entries := e.records.auditEntries()
	if n := len(entries); n == 0 || entries[n-1].Object != "template webinar" || entries[n-1].Reason != "version 1 published" || entries[n-1].Actor != "mo" {
		t.Errorf("audit = %+v", entries)
	}

	// The same document again is that version, not a new one.
	rr = e.postYAML("tok-mo", doc)
	want(t, rr, http.StatusOK, "")
	if got := decodeTemplate(t, rr); got.Version != 1 {
		t.Errorf("unchanged = version %d", got.Version)
	}
	if entries := e.records.auditEntries(); entries[len(entries)-1].Reason != "version 1 unchanged" {
		t.Errorf("audit of the unchanged = %+v", entries[len(entries)-1])
	}

	// The next version, by an admin, as JSON.
	v2 := strings.Replace(strings.Replace(doc, "version: 1", "version: 2", 1), "name: Webinar", "name: Webinar with Q&A", 1)
	rr = e.do(http.MethodPost, "/api/v1/templates", "tok-ada", templateJSON(t, v2))
	want(t, rr, http.StatusCreated, "")
	if got := decodeTemplate(t, rr); got.Version != 2 || got.Name != "Webinar with Q&A" || got.CreatedBy != "ada" {
		t.Errorf("version 2 = %+v", got.templateSummary)
	}

	// Someone still editing version 2 is told it is taken, and what is next.
	stale := strings.Replace(v2, "name: Webinar with Q&A", "name: Webinar, edited meanwhile", 1)
	o := want(t, e.postYAML("tok-mo", stale), http.StatusConflict, domain.CodeConflict)
	if !strings.Contains(o.Message, "the next version is 3, not 2") {
		t.Errorf("conflict = %q", o.Message)
	}

	// Everyone reads the latest, or a version.
	rr = e.do(http.MethodGet, "/api/v1/templates/webinar", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	if got := decodeTemplate(t, rr); got.Version != 2 || got.Name != "Webinar with Q&A" || got.Document.Version != 2 {
		t.Errorf("latest = %+v", got.templateSummary)
	}
	rr = e.do(http.MethodGet, "/api/v1/templates/webinar?version=1", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	if got := decodeTemplate(t, rr); got.Version != 1 || got.Source != doc {
		t.Errorf("version 1 = %+v", got.templateSummary)
	}
	want(t, e.do(http.MethodGet, "/api/v1/templates/webinar?version=3", "tok-cara", ""), http.StatusNotFound, domain.CodeNotFound)
	want(t, e.do(http.MethodGet, "/api/v1/templates/webinar?version=0", "tok-cara", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	want(t, e.do(http.MethodGet, "/api/v1/templates/webinar?version=x", "tok-cara", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	want(t, e.do(http.MethodGet, "/api/v1/templates/nope", "tok-cara", ""), http.StatusNotFound, domain.CodeNotFound)
	// A key no template may have is not looked up.
	e.records.fail["Template"] = errBoom
	want(t, e.do(http.MethodGet, "/api/v1/templates/Not%20a%20key", "tok-cara", ""), http.StatusNotFound, domain.CodeNotFound)
	delete(e.records.fail, "Template")

	// The list has the latest version of each, without documents.
	e.postYAML("tok-mo", exampleTemplate(t, "trade-show.yaml"))
	rr = e.do(http.MethodGet, "/api/v1/templates", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	var list struct{ Items []map[string]any }
	if err := json.Unmarshal(rr.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 || list.Items[0]["key"] != "trade-show" || list.Items[1]["key"] != "webinar" || list.Items[1]["version"] != 2.0 {
		t.Fatalf("list = %s", rr.Body)
	}
	if _, has := list.Items[1]["document"]; has || list.Items[1]["stages"] != 4.0 || list.Items[1]["retired"] != false {
		t.Errorf("listed = %v", list.Items[1])
	}
}

var errBoom = domain.ErrUnavailable

// An invalid template answers every problem with its path, and nothing is
// stored: the same problems `tandem templates validate` prints.
func TestAnInvalidTemplateIsRefusedWithEveryProblem(t *testing.T) {
	e := newEnv(t)
	bad := exampleTemplate(t, "content-request.yaml")
	for _, r := range [][2]string{
		{"assignee: {team: legal, role: legal}", "assignee: {team: lgal, role: legal}"},
		{"due: 3 working days after start", "due: 3 working days before start"},
		{`when: intake.format != "ad_copy"`, `when: intake.format != "ad_copy" && now().Year() > 2020`},
		{"depends_on: [outline]", "depends_on: [outline]\n        asignee: {team: web}"},
	} {
		if !strings.Contains(bad, r[0]) {
			t.Fatalf("the example has no %q", r[0])
		}
		bad = strings.Replace(bad, r[0], r[1], 1)
	}
	_, perr := templates.Parse([]byte(bad))
	var verr *domain.ValidationError
	if !asValidation(perr, &verr) || len(verr.Problems) != 4 {
		t.Fatalf("Parse = %v, want 4 problems", perr)
	}
	for _, send := range []func() *httptest.ResponseRecorder{
		func() *httptest.ResponseRecorder { return e.postYAML("tok-mo", bad) },
		func() *httptest.ResponseRecorder {
			return e.do(http.MethodPost, "/api/v1/templates", "tok-mo", templateJSON(t, bad))
		},
	} {
		o := want(t, send(), http.StatusUnprocessableEntity, domain.CodeInvalid)
		if !slices.Equal(o.Details, verr.Problems) {
			t.Errorf("details = %+v\nwant %+v", o.Details, verr.Problems)
		}
	}
	for _, field := range []string{"stages[0].tasks[0].due", "stages[0].tasks[1].asignee", "stages[1].tasks[0].assignee.team", "stages[2].tasks[0].when"} {
		if !slices.ContainsFunc(verr.Problems, func(p domain.FieldProblem) bool { return p.Field == field }) {
			t.Errorf("no problem at %s: %+v", field, verr.Problems)
		}
	}
	want(t, e.do(http.MethodGet, "/api/v1/templates/content-request", "tok-mo", ""), http.StatusNotFound, domain.CodeNotFound)
	if keys := listTemplateKeys(t, e, "?retired=true"); len(keys) != 0 {
		t.Errorf("stored: %v", keys)
	}
}

func asValidation(err error, target **domain.ValidationError) bool {
	ve, ok := err.(*domain.ValidationError)
	*target = ve
	return ok
}

func TestATemplateBodyIsBoundedAndTyped(t *testing.T) {
	e := newEnv(t)
	doc := exampleTemplate(t, "webinar.yaml")

	big := doc + "\n#" + strings.Repeat("x", templates.MaxDocumentBytes)
	o := want(t, e.postYAML("tok-mo", big), http.StatusRequestEntityTooLarge, "payload_too_large")
	if !strings.Contains(o.Message, "at most 1048576 bytes") {
		t.Errorf("413 says %q", o.Message)
	}
	want(t, e.postYAML("tok-mo", doc, "text/plain"), http.StatusUnsupportedMediaType, "unsupported_media_type")
	want(t, e.postYAML("tok-mo", doc, "application/json"), http.StatusBadRequest, codeBadRequest)
	want(t, e.postYAML("tok-mo", "  \n", "application/yaml"), http.StatusBadRequest, codeBadRequest)
	want(t, e.postYAML("tok-mo", doc, "application/yaml; charset=utf-8; x=\""), http.StatusBadRequest, codeBadRequest)
	// Not UTF-8: refused, as the source is kept as text.
	o = want(t, e.postYAML("tok-mo", strings.Replace(doc, "Webinar", "Webinar \xff", 1)), http.StatusUnprocessableEntity, domain.CodeInvalid)
	if len(o.Details) != 1 || o.Details[0].Problem != "not UTF-8 text" {
		t.Errorf("not UTF-8: %+v", o)
	}
	// text/yaml and a charset are YAML too.
	want(t, e.postYAML("tok-mo", doc, "text/yaml; charset=utf-8"), http.StatusCreated, "")
	if keys := listTemplateKeys(t, e, ""); !slices.Equal(keys, []string{"webinar"}) {
		t.Errorf("stored: %v", keys)
	}
}

func TestRetiringATemplate(t *testing.T) {
	e := newEnv(t)
	want(t, e.postYAML("tok-mo", exampleTemplate(t, "webinar.yaml")), http.StatusCreated, "")
	want(t, e.postYAML("tok-mo", exampleTemplate(t, "trade-show.yaml")), http.StatusCreated, "")

	want(t, e.do(http.MethodPost, "/api/v1/templates/webinar/retire", "tok-paula", ""), http.StatusForbidden, domain.CodeForbidden)
	if entries := e.records.auditEntries(); entries[len(entries)-1].Object != "template webinar" || entries[len(entries)-1].Outcome != domain.AuditDenied {
		t.Errorf("audit of the refusal = %+v", entries[len(entries)-1])
	}
	rr := e.do(http.MethodPost, "/api/v1/templates/webinar/retire", "tok-ada", "")
	want(t, rr, http.StatusOK, "")
	var got templateSummary
	if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Retired || got.RetiredBy != "ada" || got.RetiredAt == nil || !got.RetiredAt.Equal(testNow) || got.Version != 1 {
		t.Errorf("retired = %+v", got)
	}
	entries := e.records.auditEntries()
	if last := entries[len(entries)-1]; last.Object != "template webinar" || last.Outcome != domain.AuditAllowed || last.Action != "POST /api/v1/templates/:key/retire" {
		t.Errorf("audit = %+v", last)
	}

	if keys := listTemplateKeys(t, e, ""); !slices.Equal(keys, []string{"trade-show"}) {
		t.Errorf("list = %v", keys)
	}
	if keys := listTemplateKeys(t, e, "?retired=true"); !slices.Equal(keys, []string{"trade-show", "webinar"}) {
		t.Errorf("list with the retired = %v", keys)
	}
	want(t, e.do(http.MethodGet, "/api/v1/templates?retired=maybe", "tok-cara", ""), http.StatusUnprocessableEntity, domain.CodeInvalid)
	// A retired template is still read, marked retired: runs started from it
	// show what they run.
	rr = e.do(http.MethodGet, "/api/v1/templates/webinar", "tok-cara", "")
	want(t, rr, http.StatusOK, "")
	if b := decodeTemplate(t, rr); !b.Retired {
		t.Errorf("read after retiring = %+v", b.templateSummary)
	}
	want(t, e.do(http.MethodPost, "/api/v1/templates/nope/retire", "tok-mo", ""), http.StatusNotFound, domain.CodeNotFound)
	want(t, e.do(http.MethodPost, "/api/v1/templates/NOPE/retire", "tok-mo", ""), http.StatusNotFound, domain.CodeNotFound)
}
