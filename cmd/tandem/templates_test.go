package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/templates"
)

// `tandem templates validate` and `apply`, in the default and the services
// build alike (this file has no build constraint).

func TestTemplatesValidateAcceptsTheExamples(t *testing.T) {
	for _, name := range []string{"webinar.yaml", "content-request.yaml", "trade-show.yaml"} {
		path := filepath.Join("..", "..", "examples", "templates", name)
		out, err := tandem("templates", "validate", path)
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
		if !strings.HasPrefix(out, path+": template ") || !strings.Contains(out, " is valid: ") {
			t.Errorf("%s: printed %q", name, out)
		}
	}
	out, _ := tandem("templates", "validate", filepath.Join("..", "..", "examples", "templates", "trade-show.yaml"))
	if !strings.HasSuffix(out, "template trade-show version 1 is valid: 3 stages, 9 tasks\n") {
		t.Errorf("printed %q", out)
	}
}

// badContentRequest is the content request example with four problems, and
// the lines validate prints for them, after the file's path.
func badContentRequest(t *testing.T) (string, []string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "examples", "templates", "content-request.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := string(doc)
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
	return bad, []string{
		":55: stages[0].tasks[0].due: \"3 working days before start\" falls before the run starts: a task cannot be due before it opens",
		":62: stages[0].tasks[1].asignee: not a field here: key, title, description, kind, assignee, due, when, depends_on, form, on_reject, on_changes_requested",
		":72: stages[1].tasks[0].assignee.team: unknown team \"lgal\"",
		":92: stages[2].tasks[0].when: now() reads the clock: a condition must give the same answer every time the run is replayed",
	}
}

// wantProblems checks the command printed exactly the lines, each after path.
func wantProblems(t *testing.T, out, path string, lines []string) {
	t.Helper()
	want := make([]string, len(lines))
	for i, l := range lines {
		want[i] = path + l
	}
	if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("printed:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

func TestTemplatesValidatePrintsEveryProblemWithItsPathAndFails(t *testing.T) {
	bad, lines := badContentRequest(t)
	path := filepath.Join(t.TempDir(), "content-request.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := tandem("templates", "validate", path)
	if err == nil || err.Error() != path+": 4 problems: the template is refused" {
		t.Errorf("error %v, want one saying 4 problems (exit 1)", err)
	}
	wantProblems(t, out, path, lines)

	// JSON too, where the lines are those of the JSON.
	jsonPath := filepath.Join(t.TempDir(), "t.json")
	if err := os.WriteFile(jsonPath, []byte("{\n  \"key\": \"x\",\n  \"version\": 0\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = tandem("templates", "validate", jsonPath)
	if err == nil || !strings.Contains(out, jsonPath+":3: version: must be 1 or more\n") || !strings.Contains(out, jsonPath+":1: stages: required: at least one stage\n") {
		t.Errorf("JSON: %v\n%s", err, out)
	}

	// A file that is not a template at all.
	if err := os.WriteFile(path, []byte("key: ["), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = tandem("templates", "validate", path)
	if err == nil || out != path+": not YAML: line 1: did not find expected node content\n" {
		t.Errorf("not YAML: %v, printed %q", err, out)
	}
}

func TestTemplatesRefusesBadInvocations(t *testing.T) {
	wantRefused(t, "no subcommand", "tandem templates validate FILE", "templates")
	wantRefused(t, "an unknown subcommand", "tandem templates validate FILE", "templates", "check", "x.yaml")
	wantRefused(t, "no file", "one FILE to validate is required", "templates", "validate")
	wantRefused(t, "two files", "one FILE to validate is required", "templates", "validate", "a.yaml", "b.yaml")
	wantRefused(t, "a file that is not there", "no such file", "templates", "validate", filepath.Join(t.TempDir(), "gone.yaml"))
	wantRefused(t, "schema with an argument", "unexpected argument", "templates", "schema", "x")
	wantRefused(t, "apply without a file", "one FILE to apply is required", "templates", "apply", "--by", "mo")
	wantRefused(t, "apply without --by", "--by HANDLE is required", "templates", "apply", "x.yaml")
	if _, err := tandem("templates", "validate", "-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestTemplatesSchemaPrintsThePublishedSchema(t *testing.T) {
	out, err := tandem("templates", "schema")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal([]byte(out), &schema); err != nil || schema["$id"] == nil {
		t.Fatalf("printed no JSON Schema (%v):\n%s", err, out)
	}
	if !bytes.Equal([]byte(out), templates.Schema()) {
		t.Error("printed something else than the embedded schema")
	}
}

// templatesDB is a migrated records database with a marketing ops manager,
// mo, besides tokenDB's pat and sam, who hold no role.
func templatesDB(t *testing.T) (string, *store.Store) {
	t.Helper()
	db, st := tokenDB(t)
	mo := domain.Person{Handle: "mo", Name: "Mo", Email: "mo@example.com", Team: domain.TeamMarketingOps, Roles: []domain.Role{domain.RoleMarketingOpsManager}}
	if err := st.UpsertPerson(context.Background(), mo); err != nil {
		t.Fatal(err)
	}
	return db, st
}

func writeTemplate(t *testing.T, name, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTemplatesApplyPublishesVersions(t *testing.T) {
	ctx := context.Background()
	db, st := templatesDB(t)
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "templates", "webinar.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v1 := writeTemplate(t, "webinar.yaml", string(example))

	out, err := tandem("templates", "apply", v1, "--by", "mo", "--db", db)
	if err != nil || out != v1+": template webinar version 1 published\n" {
		t.Fatalf("apply: %v, printed %q", err, out)
	}
	got, err := st.Template(ctx, "webinar", 0)
	if err != nil || got.Version != 1 || got.CreatedBy != "mo" || got.Source != string(example) || got.Stages != 4 {
		t.Fatalf("stored = %+v, %v", got, err)
	}
	var doc templates.Template
	if err := json.Unmarshal(got.Document, &doc); err != nil || doc.Key != "webinar" || len(doc.Stages) != 4 {
		t.Errorf("stored document = %+v, %v", doc, err)
	}

	// Again: nothing to write.
	out, err = tandem("templates", "apply", v1, "--by", "mo", "--db", db)
	if err != nil || out != v1+": template webinar version 1 unchanged: it is the latest version already\n" {
		t.Errorf("apply again: %v, printed %q", err, out)
	}

	v2 := writeTemplate(t, "webinar.yaml", strings.Replace(strings.Replace(string(example), "version: 1", "version: 2", 1), "name: Webinar", "name: Webinar with Q&A", 1))
	if out, err := tandem("templates", "apply", v2, "--by", "mo", "--db", db); err != nil || !strings.HasSuffix(out, "template webinar version 2 published\n") {
		t.Fatalf("apply version 2: %v, printed %q", err, out)
	}
	// A file still at version 1, edited, is refused: version 2 is taken.
	stale := writeTemplate(t, "webinar.yaml", strings.Replace(string(example), "name: Webinar", "name: Webinar, edited", 1))
	_, err = tandem("templates", "apply", stale, "--by", "mo", "--db", db)
	if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "the next version is 3, not 1") {
		t.Errorf("a stale version: %v", err)
	}
	if got, err := st.Template(ctx, "webinar", 0); err != nil || got.Version != 2 || got.Name != "Webinar with Q&A" {
		t.Errorf("latest = %+v, %v", got, err)
	}
}

func TestTemplatesApplyRefusesAndStoresNothing(t *testing.T) {
	db, st := templatesDB(t)
	bad, lines := badContentRequest(t)
	path := writeTemplate(t, "content-request.yaml", bad)

	// The problems are validate's, and the API's (both store through
	// api.ApplyTemplate).
	out, err := tandem("templates", "apply", path, "--by", "mo", "--db", db)
	if err == nil || err.Error() != path+": 4 problems: the template is refused" {
		t.Errorf("error %v, want one saying 4 problems (exit 1)", err)
	}
	wantProblems(t, out, path, lines)

	good := filepath.Join("..", "..", "examples", "templates", "webinar.yaml")
	wantRefused(t, "someone who may not publish", "sam may not publish templates: forbidden: publishing or retiring a process template needs the marketing_ops_manager or admin role",
		"templates", "apply", good, "--by", "sam", "--db", db)
	wantRefused(t, "someone not in the directory", `no person with handle "ghost"`, "templates", "apply", good, "--by", "ghost", "--db", db)
	wantRefused(t, "no database", "no database at", "templates", "apply", good, "--by", "mo", "--db", filepath.Join(t.TempDir(), "none.db"))

	list, err := st.Templates(context.Background(), true)
	if err != nil || len(list) != 0 {
		t.Errorf("stored: %+v, %v", list, err)
	}
}
