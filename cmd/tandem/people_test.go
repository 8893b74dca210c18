package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
)

// peopleFile writes an import file and returns its path.
func peopleFile(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The reports are listed before their manager, who is in the file, and the
// manager's own manager (pat) is already in the directory.
const goodPeople = `- handle: nia
  name: Nia Cole
  email: nia@example.com
  team: web
  roles: [web]
  manager: lou
- handle: lou
  name: Lou Park
  email: lou@example.com
  team: marketing-ops
  roles: [marketing_ops_manager, admin]
  manager: pat
- handle: sam
  name: Sam Reed
  email: sam@example.com
  team: pmo
  roles: [project_manager]
`

func directory(t *testing.T, st *store.Store) map[string]domain.Person {
	t.Helper()
	page, err := st.People(context.Background(), domain.PeopleFilter{ListOptions: domain.ListOptions{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]domain.Person{}
	for _, p := range page.Items {
		out[p.Handle] = p
	}
	return out
}

func TestPeopleImport(t *testing.T) {
	ctx := context.Background()
	db, st := tokenDB(t)
	ooo := &domain.OutOfOffice{From: time.Now().UTC().Truncate(time.Second), To: time.Now().Add(time.Hour).UTC().Truncate(time.Second), Delegate: "pat"}
	if err := st.SetOutOfOffice(ctx, "sam", ooo); err != nil {
		t.Fatal(err)
	}
	file := peopleFile(t, goodPeople)

	out, err := tandem("people", "import", file, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if want := "imported 3 people (2 created, 1 updated, 0 unchanged)\n"; out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	dir := directory(t, st)
	if nia := dir["nia"]; nia.Manager != "lou" || nia.Team != domain.TeamWeb || nia.Email != "nia@example.com" {
		t.Errorf("nia = %+v", nia)
	}
	if lou := dir["lou"]; !lou.HasRole(domain.RoleAdmin) || !lou.HasRole(domain.RoleMarketingOpsManager) || lou.Manager != "pat" {
		t.Errorf("lou = %+v", lou)
	}
	if sam := dir["sam"]; sam.Name != "Sam Reed" || !sam.HasRole(domain.RoleProjectManager) || sam.OutOfOffice == nil || sam.OutOfOffice.Delegate != "pat" {
		t.Errorf("sam = %+v; want the file's fields and the out-of-office kept", sam)
	}

	// Again: nothing to write.
	out, err = tandem("people", "import", file, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if want := "imported 3 people (0 created, 0 updated, 3 unchanged)\n"; out != want {
		t.Errorf("re-import printed %q, want %q", out, want)
	}
	if again := directory(t, st); len(again) != len(dir) || again["sam"].OutOfOffice == nil {
		t.Errorf("re-import changed the directory: %+v", again)
	}
}

// disabled: true in the file disables a person: their tokens stop at once,
// and the output says how their tasks go back. false enables them; no field
// leaves them as they are.
func TestPeopleImportDisablesAndEnables(t *testing.T) {
	ctx := context.Background()
	db, st := tokenDB(t)
	tok, err := st.CreateToken(ctx, "sam", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	disable := peopleFile(t, "- handle: sam\n  name: sam\n  email: sam@example.com\n  team: pmo\n  disabled: true\n")
	out, err := tandem("people", "import", disable, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "disabled sam: 0 sessions and 1 tokens revoked") || !strings.Contains(out, "POST /api/v1/people/sam/disable") {
		t.Errorf("printed %q", out)
	}
	if _, err := st.PersonByToken(ctx, tok); err == nil {
		t.Error("sam's token still resolves after the import disabled sam")
	}
	if _, err := tandem("token", "create", "--handle", "sam", "--db", db); err == nil || !strings.Contains(err.Error(), "sam is disabled") {
		t.Errorf("token for a disabled person: %v", err)
	}
	// Without the field, an import leaves sam disabled.
	keep := peopleFile(t, "- handle: sam\n  name: Sam\n  email: sam@example.com\n  team: pmo\n")
	if _, err := tandem("people", "import", keep, "--db", db); err != nil {
		t.Fatal(err)
	}
	if sam := directory(t, st)["sam"]; sam.Active() || sam.Name != "Sam" {
		t.Errorf("sam after an import without the field: %+v", sam)
	}
	enable := peopleFile(t, "- handle: sam\n  name: Sam\n  email: sam@example.com\n  team: pmo\n  disabled: false\n")
	out, err = tandem("people", "import", enable, "--db", db)
	if err != nil || !strings.Contains(out, "enabled sam") {
		t.Fatalf("enable: %q, %v", out, err)
	}
	if sam := directory(t, st)["sam"]; !sam.Active() {
		t.Errorf("sam after disabled: false: %+v", sam)
	}
}

func TestPeopleImportRefusesAndWritesNothing(t *testing.T) {
	db, st := tokenDB(t)
	before := directory(t, st)
	bad := peopleFile(t, `- handle: nia
  name: Nia Cole
  email: nia@example.com
  team: sales
  roles: [web]
- handle: lou
  name: Lou Park
  email: lou-at-example.com
  team: web
  manager: ghost
- handle: ok
  name: Fine
  email: ok@example.com
  team: web
  manger: nia
- handle: a
  name: A
  email: a@example.com
  team: web
  manager: b
- handle: b
  name: B
  email: b@example.com
  team: web
  manager: a
`)
	_, err := tandem("people", "import", bad, "--db", db)
	if err == nil {
		t.Fatal("a bad file was imported")
	}
	// The shape is checked first: a misspelt field stops the import by itself.
	if !strings.Contains(err.Error(), `line 15: unknown field "manger"`) {
		t.Errorf("error %v does not name the misspelt field", err)
	}

	bad = peopleFile(t, strings.Replace(mustRead(t, bad), "  manger: nia\n", "", 1))
	_, err = tandem("people", "import", bad, "--db", db)
	if err == nil {
		t.Fatal("a bad file was imported")
	}
	for _, want := range []string{
		"line 1 (nia): team: must be one of",
		"line 6 (lou): email: must be an e-mail address",
		`line 6 (lou): manager: no person with handle "ghost"`,
		`line 15 (a): manager: "b" is in a management loop`,
		`line 20 (b): manager: "a" is in a management loop`,
		"nothing imported",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if after := directory(t, st); len(after) != len(before) {
		t.Errorf("a refused import wrote people: %v", after)
	}

	wantRefused(t, "no file", "one FILE to import is required", "people", "import", "--db", db)
	wantRefused(t, "not a list", "want a YAML list", "people", "import", peopleFile(t, "handle: nia\n"), "--db", db)
	wantRefused(t, "duplicate", "already listed at line 1", "people", "import", peopleFile(t, goodPeople+"- {handle: nia, name: N, email: n@example.com, team: web}\n"), "--db", db)
	wantRefused(t, "an invisible name", "(nul): name: required", "people", "import", peopleFile(t, "- {handle: nul, name: \"\\u200b \", email: n@example.com, team: web}\n"), "--db", db)
	wantRefused(t, "a NUL in a name", "(nul): name: must not contain control characters", "people", "import", peopleFile(t, "- {handle: nul, name: \"N\\0\", email: n@example.com, team: web}\n"), "--db", db)
	wantRefused(t, "a manager that is no handle", "(nul): manager: must be a handle", "people", "import", peopleFile(t, "- {handle: nul, name: N, email: n@example.com, team: web, manager: \"a\\0\"}\n"), "--db", db)
	wantRefused(t, "missing database", "no database at", "people", "import", peopleFile(t, goodPeople), "--db", filepath.Join(t.TempDir(), "typo.db"))
	if after := directory(t, st); len(after) != len(before) {
		t.Errorf("refused imports wrote people: %v", after)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
