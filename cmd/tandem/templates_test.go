package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/templates"
)

// `tandem templates validate`, in the default and the services build alike
// (this file has no build constraint).

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

func TestTemplatesValidatePrintsEveryProblemWithItsPathAndFails(t *testing.T) {
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
	path := filepath.Join(t.TempDir(), "content-request.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := tandem("templates", "validate", path)
	if err == nil || err.Error() != path+": 4 problems: the template is refused" {
		t.Errorf("error %v, want one saying 4 problems (exit 1)", err)
	}
	want := []string{
		path + ":55: stages[0].tasks[0].due: \"3 working days before start\" falls before the run starts: a task cannot be due before it opens",
		path + ":62: stages[0].tasks[1].asignee: not a field here: key, title, description, kind, assignee, due, when, depends_on, form, on_reject, on_changes_requested",
		path + ":72: stages[1].tasks[0].assignee.team: unknown team \"lgal\"",
		path + ":92: stages[2].tasks[0].when: now() reads the clock: a condition must give the same answer every time the run is replayed",
	}
	if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("printed:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

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
