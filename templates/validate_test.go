package templates

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// baseDoc is a valid template with something of everything the table below
// breaks: each case changes one thing and names every problem it causes.
const baseDoc = `
key: launch
version: 1
name: Launch
triage: {team: marketing-ops}
intake:
  - {name: title, type: text, label: Title, required: true}
  - {name: event_date, type: date, label: Event date, required: true}
  - {name: kickoff, type: date_time, label: Kick-off}
  - {name: budget, type: money, label: Budget, required: true, min: 0, currency: EUR}
  - {name: owner, type: person, label: Owner, required: true}
  - {name: backup, type: person, label: Backup}
  - name: format
    type: choice
    label: Format
    required: true
    choices: [{value: online, label: Online}, {value: in_person, label: In person}]
  - {name: channels, type: multi_choice, label: Channels, choices: [{value: web, label: Web}, {value: email, label: Email}]}
  - {name: team, type: team, label: Team}
  - {name: target, type: number, label: Target, required: true}
  - {name: sessions, type: list, label: Sessions, fields: [{name: topic, type: text, label: Topic, required: true}]}
stages:
  - key: plan
    name: Plan
    tasks:
      - key: brief
        title: Brief
        kind: work
        assignee: {person: owner}
        due: 2 days after start
        form: [{name: ready, type: yes_no, label: "Ready?"}]
      - key: approve
        title: Approve
        kind: approval
        assignee: {role: marketing_ops_manager}
        due: 1 day after stage_start
        depends_on: [brief]
        on_reject: end
        on_changes_requested: plan
      - {key: side, title: Side work, kind: work, assignee: {team: web}, due: 3 days after start}
  - key: make
    name: Make
    tasks:
      - key: legal
        title: Legal review
        kind: review
        assignee: {team: legal, role: legal}
        due: 5 working days before event_date
        when: intake.budget > 5000 && tasks.brief.data.ready
kpis:
  - {key: signups, name: Signups, direction: higher, target: {field: target}, tracking: {from: event_date, for: 4 weeks}}
retrospective: true
board: {title: title, card: [event_date, owner]}
`

func baseTemplate(t *testing.T) Template {
	t.Helper()
	tpl, err := Parse([]byte(baseDoc))
	if err != nil {
		t.Fatalf("the base template: %v", err)
	}
	return tpl
}

// fp is a problem as the tables write it.
type fp struct{ Field, Problem string }

// problemsOf returns the problems of err, a *domain.ValidationError, or nil.
func problemsOf(t *testing.T, err error) []fp {
	t.Helper()
	if err == nil {
		return nil
	}
	var verr *domain.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error %v (%T), want a *domain.ValidationError", err, err)
	}
	out := make([]fp, len(verr.Problems))
	for i, p := range verr.Problems {
		out[i] = fp(p)
	}
	return out
}

func due(s string) Due {
	var d Due
	if err := d.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return d
}

func task(tpl *Template, stage, i int) *Task { return &tpl.Stages[stage].Tasks[i] }

// Every refusal of a template's validation, with its exact words: what the
// issue's "done when" asks (a non-deterministic or failing expression, a cycle
// of dependencies, an unknown team, role or field, a due date before the
// start) and the rest.
func TestValidateRefusesWithPreciseProblems(t *testing.T) {
	type problems = []fp
	for _, tc := range []struct {
		name   string
		change func(*Template)
		want   problems
	}{
		// --- unknown teams, roles and fields ---------------------------------
		{"an unknown team", func(t *Template) { task(t, 1, 0).Assignee.Team = "lgal" },
			problems{{"stages[1].tasks[0].assignee.team", `unknown team "lgal"`}}},
		{"an unknown role", func(t *Template) { task(t, 0, 1).Assignee.Role = "boss" },
			problems{{"stages[0].tasks[1].assignee.role", `unknown role "boss"`}}},
		{"an unknown triage team", func(t *Template) { t.Triage.Team = "ops" },
			problems{{"triage.team", `unknown team "ops"`}}},
		{"an unknown triage role", func(t *Template) { t.Triage = Triage{Role: "ceo"} },
			problems{{"triage.role", `unknown role "ceo"`}}},
		{"triage by a team and a role", func(t *Template) { t.Triage.Role = domain.RoleDirector },
			problems{{"triage", "a team or a role, not both"}}},
		{"no triage", func(t *Template) { t.Triage = Triage{} },
			problems{{"triage", "required: the team or the role whose queue gets the intake"}}},
		{"a person field the intake does not have", func(t *Template) { task(t, 0, 0).Assignee.Person = "ownr" },
			problems{{"stages[0].tasks[0].assignee.person", "no intake field ownr"}}},
		{"a person field that is optional", func(t *Template) { task(t, 0, 0).Assignee.Person = "backup" },
			problems{{"stages[0].tasks[0].assignee.person", "intake field backup is optional: a run must always have it (make it required)"}}},
		{"a person field that is not a person", func(t *Template) { task(t, 0, 0).Assignee.Person = "title" },
			problems{{"stages[0].tasks[0].assignee.person", "intake field title is a text field, not a person"}}},
		{"a person and a team", func(t *Template) { task(t, 0, 0).Assignee.Team = domain.TeamWeb },
			problems{{"stages[0].tasks[0].assignee", "a person field, or a team and a role: not both"}}},
		{"nobody", func(t *Template) { task(t, 0, 0).Assignee = Assignee{} },
			problems{{"stages[0].tasks[0].assignee", "required: a team, a role, or a person field of the intake"}}},
		{"a role on a person field that is not one", func(t *Template) { t.Intake[4].Role = "boss" },
			problems{{"intake[4].role", `unknown role "boss"`}}},

		// --- due dates -----------------------------------------------------------
		{"due before the start", func(t *Template) { task(t, 0, 0).Due = due("2 days before start") },
			problems{{"stages[0].tasks[0].due", `"2 days before start" falls before the run starts: a task cannot be due before it opens`}}},
		{"due a negative time after the start", func(t *Template) { task(t, 0, 0).Due = due("-2 days after start") },
			problems{{"stages[0].tasks[0].due", `"-2 days after start" falls before the run starts: a task cannot be due before it opens`}}},
		{"due at the start", func(t *Template) { task(t, 0, 0).Due = due("0 hours after start") },
			problems{{"stages[0].tasks[0].due", `"0 hours after start" is the moment the run starts: give the task some time, like "2 days after start"`}}},
		{"due before its stage starts", func(t *Template) { task(t, 0, 1).Due = due("1 working day before stage_start") },
			problems{{"stages[0].tasks[1].due", `"1 working day before stage_start" falls before its stage starts: a task cannot be due before it opens`}}},
		{"due relative to a field the intake does not have", func(t *Template) { task(t, 1, 0).Due = due("5 working days before event_day") },
			problems{{"stages[1].tasks[0].due", "no intake field event_day"}}},
		{"due relative to a field that is not a date", func(t *Template) { task(t, 1, 0).Due = due("5 days before budget") },
			problems{{"stages[1].tasks[0].due", "intake field budget is a money field, not a date (due dates are relative to start, stage_start or a date of the intake)"}}},
		{"due relative to an optional date", func(t *Template) { task(t, 1, 0).Due = due("1 day after kickoff") },
			problems{{"stages[1].tasks[0].due", "intake field kickoff is optional: a run must always have it (make it required)"}}},
		{"a negative amount before a date", func(t *Template) { task(t, 1, 0).Due = due("-5 days before event_date") },
			problems{{"stages[1].tasks[0].due", `"-5 days before event_date" has a negative amount: say before or after instead`}}},
		{"no due date", func(t *Template) { task(t, 0, 2).Due = Due{} },
			problems{{"stages[0].tasks[2].due", `required, like "2 days after start", "3 working days after stage_start" or "5 working days before event_date"`}}},

		// --- depends_on ------------------------------------------------------------
		{"a cycle of two", func(t *Template) { task(t, 0, 0).DependsOn = []string{"approve"} },
			problems{{"stages[0].tasks[0].depends_on", "a cycle: brief → approve → brief (each depends on the next, so none can start)"}}},
		{"a cycle of three", func(t *Template) {
			task(t, 0, 0).DependsOn = []string{"side"}
			task(t, 0, 2).DependsOn = []string{"approve"}
		}, problems{{"stages[0].tasks[0].depends_on", "a cycle: brief → side → approve → brief (each depends on the next, so none can start)"}}},
		{"a task that depends on itself", func(t *Template) { task(t, 0, 2).DependsOn = []string{"side"} },
			problems{{"stages[0].tasks[2].depends_on[0]", "a task cannot depend on itself"}}},
		{"a task of another stage", func(t *Template) { task(t, 1, 0).DependsOn = []string{"brief"} },
			problems{{"stages[1].tasks[0].depends_on[0]", "brief is in stage plan: depends_on names tasks of the same stage (a stage starts once the one before it ends)"}}},
		{"a task that is not there", func(t *Template) { task(t, 0, 1).DependsOn = []string{"brief", "breif"} },
			problems{{"stages[0].tasks[1].depends_on[1]", "no task breif in this stage"}}},
		{"a dependency twice", func(t *Template) { task(t, 0, 1).DependsOn = []string{"brief", "brief"} },
			problems{{"stages[0].tasks[1].depends_on[1]", "brief is listed twice"}}},

		// --- conditions ------------------------------------------------------------
		{"a condition that does not compile", func(t *Template) { task(t, 1, 0).When = "intake.budget >" },
			problems{{"stages[1].tasks[0].when", "does not compile: unexpected token EOF (at 1:15)"}}},
		{"a condition on a field the intake does not have", func(t *Template) { task(t, 1, 0).When = "intake.budgt > 5000" },
			problems{{"stages[1].tasks[0].when", "the intake has no field budgt"}}},
		{"a condition that is not true or false", func(t *Template) { task(t, 1, 0).When = "intake.budget * 2" },
			problems{{"stages[1].tasks[0].when", "must be true or false, like intake.budget > 5000; this gives a number"}}},
		{"a condition of the wrong types", func(t *Template) { task(t, 1, 0).When = `intake.budget > "5000"` },
			problems{{"stages[1].tasks[0].when", "does not compile: invalid operation: > (mismatched types float64 and string) (at 1:15)"}}},
		{"a condition that reads the clock", func(t *Template) { task(t, 1, 0).When = "now() < intake.event_date" },
			problems{{"stages[1].tasks[0].when", "now() reads the clock: a condition must give the same answer every time the run is replayed"}}},
		{"a condition that parses a date", func(t *Template) { task(t, 1, 0).When = `intake.event_date > date("2030-01-01")` },
			problems{{"stages[1].tasks[0].when", "date() reads the clock, or parses in the machine's time zone: a condition must give the same answer every time the run is replayed"}}},
		{"a condition that lists a map", func(t *Template) { task(t, 1, 0).When = `"web" in keys(intake)` },
			problems{{"stages[1].tasks[0].when", "keys() lists a map in an order that changes from one call to the next: a condition must give the same answer every time the run is replayed"}}},
		{"a function not allowed", func(t *Template) { task(t, 1, 0).When = `repeat("a", 3) == "aaa"` },
			problems{{"stages[1].tasks[0].when", "repeat() is not one of the functions a condition may call: " + strings.Join(allowedBuiltins, ", ")}}},
		{"a function that is not one", func(t *Template) { task(t, 1, 0).When = `launch(intake.title)` },
			problems{{"stages[1].tasks[0].when", "does not compile: unknown name launch (at 1:1)"}}},
		{"a condition that fails on a valid intake", func(t *Template) { task(t, 1, 0).When = `intake.sessions[0].topic == "AI"` },
			problems{{"stages[1].tasks[0].when", "fails on the smallest intake the form accepts (optional fields empty, tasks that may be skipped unanswered): index out of range: 0 (array length is 0) (at 1:16)"}}},
		{"a choice the field does not offer", func(t *Template) { task(t, 1, 0).When = `intake.format == "virtual"` },
			problems{{"stages[1].tasks[0].when", `"virtual" is not a choice of intake.format (online, in_person)`}}},
		{"a choice among several, one not offered", func(t *Template) { task(t, 1, 0).When = `intake.format in ["online", "hybrid"]` },
			problems{{"stages[1].tasks[0].when", `"hybrid" is not a choice of intake.format (online, in_person)`}}},
		{"a multiple choice that does not offer it", func(t *Template) { task(t, 1, 0).When = `"print" in intake.channels` },
			problems{{"stages[1].tasks[0].when", `"print" is not a choice of intake.channels (web, email)`}}},
		{"a team that is not one", func(t *Template) { task(t, 1, 0).When = `intake.team == "lgal"` },
			problems{{"stages[1].tasks[0].when", `"lgal" is not a team (pmo, marketing-ops, creative, content, web, analytics, legal, finance, hr, leadership)`}}},
		{"an outcome a work task cannot have", func(t *Template) { task(t, 1, 0).When = `tasks.brief.outcome == "approved"` },
			problems{{"stages[1].tasks[0].when", `"approved" is not an outcome of task brief (done, or "" when it was skipped)`}}},
		{"an answer the task's form does not have", func(t *Template) { task(t, 1, 0).When = `tasks.brief.data.redy` },
			problems{{"stages[1].tasks[0].when", "task brief's form has no field redy"}}},
		{"a task that is not there", func(t *Template) { task(t, 1, 0).When = `tasks.breif.outcome == "done"` },
			problems{{"stages[1].tasks[0].when", "no task breif in this template"}}},
		{"a task of the same stage it does not wait for", func(t *Template) { task(t, 0, 2).When = `tasks.brief.data.ready` },
			problems{{"stages[0].tasks[2].when", "tasks.brief cannot be read here: a condition reads the tasks of earlier stages, and of its own stage those it depends on"}}},
		{"a task of a later stage", func(t *Template) { task(t, 0, 2).When = `tasks.legal.outcome == "done"` },
			problems{{"stages[0].tasks[2].when", "tasks.legal cannot be read here: a condition reads the tasks of earlier stages, and of its own stage those it depends on"}}},
		{"a stage's condition on its own task", func(t *Template) { t.Stages[1].When = `tasks.legal.outcome == "done"` },
			problems{{"stages[1].when", "tasks.legal cannot be read here: a condition reads the tasks of earlier stages, and of its own stage those it depends on"}}},
		{"an empty condition", func(t *Template) { task(t, 1, 0).When = "  " },
			problems{{"stages[1].tasks[0].when", "empty: leave when out for what always runs"}}},
		{"a condition too long", func(t *Template) { task(t, 1, 0).When = "true" + strings.Repeat(" ", MaxWhenChars) },
			problems{{"stages[1].tasks[0].when", "at most 1000 characters"}}},

		// --- keys ------------------------------------------------------------------
		{"a stage key twice", func(t *Template) { t.Stages[1].Key = "plan" },
			problems{{"stages[1].key", `stage "plan" is also stages[0]'s: stage keys are unique in a template`}}},
		{"a task key twice, in two stages", func(t *Template) { task(t, 1, 0).Key = "brief" },
			problems{{"stages[1].tasks[0].key", `task "brief" is also stages[0].tasks[0]'s: task keys are unique in a template`}}},
		{"an intake field twice", func(t *Template) { t.Intake[2].Name = "event_date" },
			problems{{"intake[2].name", "event_date is declared twice"}}},
		{"a stage a run has of its own", func(t *Template) { t.Stages[1].Key = "tracking" },
			problems{{"stages[1].key", "tracking is reserved: it is the stage a run is in before or after the template's own (triage, tracking, retrospective)"}}},
		{"a KPI key twice", func(t *Template) { t.KPIs = append(t.KPIs, t.KPIs[0]) },
			problems{{"kpis[1].key", `KPI "signups" is also kpis[0]'s: KPI keys are unique in a template`}}},
		{"a key a condition cannot read", func(t *Template) { task(t, 0, 2).Key = "side-work" },
			problems{{"stages[0].tasks[2].key", "must be lower-case letters, digits and _, starting with a letter"}}},
		{"a key that is a word of the language", func(t *Template) { task(t, 0, 2).Key = "in" },
			problems{{"stages[0].tasks[2].key", "in is a word of the condition language: choose another key"}}},
		{"a template key that is not one", func(t *Template) { t.Key = "Launch Plan" },
			problems{{"key", "must be lower-case letters, digits, - and _, starting with a letter, like webinar"}}},
		{"a stage called end", func(t *Template) { t.Stages[1].Key = "end" },
			problems{{"stages[1].key", "end is reserved: on_reject: end ends the run"}}},

		// --- the intake's fields -------------------------------------------------------
		{"bounds inverted", func(t *Template) { t.Intake[3].Max = domain.Bound(-1) },
			problems{{"intake[3].max", "below min (0): no value could be given"}}},
		{"a field name a condition cannot read", func(t *Template) { t.Intake[2].Name = "kick-off" },
			problems{{"intake[2].name", "must be lower-case letters, digits and _, starting with a letter (a condition reads it as intake.kick-off)"}}},
		{"a field named as an anchor", func(t *Template) { t.Intake[2].Name = "start" },
			problems{{"intake[2].name", "start is reserved: due dates are relative to start, stage_start or a date of the intake"}}},
		{"a task picker", func(t *Template) { t.Intake[7].Type = domain.FieldTaskPicker },
			problems{{"intake[7].type", "a task_picker picks among a run's tasks, which a template's forms cannot name: use a multi_choice"}}},
		{"an unknown field type", func(t *Template) { t.Intake[8].Type = "percent" },
			problems{{"intake[8].type", `unknown type "percent"`}}},
		{"a task form's field without a label", func(t *Template) { task(t, 0, 0).Form[0].Label = "" },
			problems{{"stages[0].tasks[0].form[0].label", "required"}}},
		{"no intake", func(t *Template) { t.Intake = nil },
			// Everything that read a field of the intake says it is not there.
			problems{
				{"intake", "required: at least one field"},
				{"stages[0].tasks[0].assignee.person", "no intake field owner"},
				{"stages[1].tasks[0].due", "no intake field event_date"},
				{"stages[1].tasks[0].when", "the intake has no field budget"},
				{"kpis[0].target.field", "no intake field target"},
				{"kpis[0].tracking.from", "no intake field event_date"},
				{"board.title", "no intake field title"},
				{"board.card[0]", "no intake field event_date"},
				{"board.card[1]", "no intake field owner"},
			}},

		// --- approvals -------------------------------------------------------------------
		{"a work task rejected", func(t *Template) { task(t, 0, 2).OnReject = RouteEnd },
			problems{{"stages[0].tasks[2].on_reject", "only an approval is rejected or sent back: this task is work"}}},
		{"a rejection to a later stage", func(t *Template) { task(t, 0, 1).OnReject = "make" },
			problems{{"stages[0].tasks[1].on_reject", "make is a later stage: a rejection goes back to this stage or an earlier one, or ends the run"}}},
		{"changes sent to a stage that is not there", func(t *Template) { task(t, 0, 1).OnChangesRequested = "draft" },
			problems{{"stages[0].tasks[1].on_changes_requested", "no stage draft: end, or the key of this stage or an earlier one"}}},
		{"an unknown kind", func(t *Template) { task(t, 0, 2).Kind = "chore" },
			problems{{"stages[0].tasks[2].kind", `unknown kind "chore": work, approval or review`}}},

		// --- KPIs, the board, the rest ---------------------------------------------------
		{"a KPI target that is not a number", func(t *Template) { t.KPIs[0].Target.Field = "title" },
			problems{{"kpis[0].target.field", "intake field title is a text field, not a number"}}},
		{"a KPI target twice", func(t *Template) { t.KPIs[0].Target.Value = domain.Bound(5) },
			problems{{"kpis[0].target", "a field or a value, not both"}}},
		{"a KPI tracked from a stage", func(t *Template) { t.KPIs[0].Tracking.From = AnchorStageStart },
			problems{{"kpis[0].tracking.from", "a KPI is tracked from start or a date of the intake, not a stage's start"}}},
		{"a KPI tracked for no time", func(t *Template) { t.KPIs[0].Tracking.For = Offset{Amount: 0, Unit: Weeks} },
			problems{{"kpis[0].tracking.for", "must be more than zero"}}},
		{"a KPI with no direction", func(t *Template) { t.KPIs[0].Direction = "up" },
			problems{{"kpis[0].direction", "must be higher or lower (which is better)"}}},
		{"a card field the intake does not have", func(t *Template) { t.Board.Card = append(t.Board.Card, "venue") },
			problems{{"board.card[2]", "no intake field venue"}}},
		{"a card field twice", func(t *Template) { t.Board.Card = append(t.Board.Card, "owner") },
			problems{{"board.card[2]", "owner is listed twice"}}},
		{"a title that is not text", func(t *Template) { t.Board.Title = "budget" },
			problems{{"board.title", "intake field budget is a money field, not a text"}}},
		{"version 0", func(t *Template) { t.Version = 0 }, problems{{"version", "must be 1 or more"}}},
		{"a blank name", func(t *Template) { t.Name = "\u200b" }, problems{{"name", "required"}}},
		{"a stage without tasks", func(t *Template) { t.Stages[1].Tasks = nil },
			problems{{"stages[1].tasks", "required: at least one task"}}},
		{"no stages", func(t *Template) { t.Stages = nil }, problems{{"stages", "required: at least one stage"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := baseTemplate(t)
			tc.change(&tpl)
			got := problemsOf(t, tpl.Validate())
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", lines(got), lines(tc.want))
			}
		})
	}
}

func lines(ps []fp) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Field + ": " + p.Problem + "\n")
	}
	return b.String()
}

// Nothing partial: a template with several problems is refused with all of
// them at once.
func TestValidateReportsEveryProblem(t *testing.T) {
	tpl := baseTemplate(t)
	task(&tpl, 1, 0).Assignee.Team = "lgal"
	task(&tpl, 0, 0).DependsOn = []string{"approve"}
	task(&tpl, 0, 2).When = "now() > intake.event_date"
	tpl.Board.Title = "titel"
	got := problemsOf(t, tpl.Validate())
	want := []fp{
		{"stages[0].tasks[2].when", "now() reads the clock: a condition must give the same answer every time the run is replayed"},
		{"stages[0].tasks[0].depends_on", "a cycle: brief → approve → brief (each depends on the next, so none can start)"},
		{"stages[1].tasks[0].assignee.team", `unknown team "lgal"`},
		{"board.title", "no intake field titel"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", lines(got), lines(want))
	}
}

// What a document gets wrong before the template's rules: its shape. Every
// problem has its path, the rest of the document is still validated, and an
// item refused keeps the items after it at their paths.
func TestParseRefusesTheDocumentsShape(t *testing.T) {
	// edit replaces, in the base document, each old with its new: old, new, old, new…
	edit := func(pairs ...string) string {
		doc := baseDoc
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(doc, pairs[i]) {
				t.Fatalf("the base document has no %q", pairs[i])
			}
			doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
		}
		return doc
	}
	type problems = []fp
	for _, tc := range []struct {
		name string
		doc  string
		want problems
	}{
		{"a field that is not one", edit("assignee: {team: web}", "asignee: {team: web}"), problems{
			{"stages[0].tasks[2].asignee", "not a field here: key, title, description, kind, assignee, due, when, depends_on, form, on_reject, on_changes_requested"},
			{"stages[0].tasks[2].assignee", "required: a team, a role, or a person field of the intake"},
		}},
		{"a number that is text", edit("version: 1", "version: one"), problems{{"version", "must be a whole number"}}},
		{"a due date that does not read", edit("due: 2 days after start", "due: 2 dayz after start"), problems{
			{"stages[0].tasks[0].due", `"2 dayz after start" is not a due date like "2 days after start", "3 working days after stage_start" or "5 working days before event_date"`},
		}},
		{"a due date with a plus", edit("due: 2 days after start", "due: +2 days after start"), problems{
			{"stages[0].tasks[0].due", `"+2 days after start" is not a due date like "2 days after start", "3 working days after stage_start" or "5 working days before event_date"`},
		}},
		{"a window that does not read", edit("for: 4 weeks", "for: a month"), problems{
			{"kpis[0].tracking.for", `"a month" is not an amount of time like "2 weeks", "10 days" or "48 hours"`},
		}},
		{"a key given twice", edit("version: 1\n", "version: 1\nversion: 2\n"), problems{
			{"version", "given twice (lines 3 and 4)"},
		}},
		{"a value left empty", edit("due: 3 days after start}", "due: }"), problems{
			{"stages[0].tasks[2].due", "empty: give a value, or leave it out"},
		}},
		{"a list where a mapping belongs", edit("triage: {team: marketing-ops}", "triage: [marketing-ops]"), problems{
			{"triage", "must be a mapping of team, role"},
		}},
		{"an item refused keeps the next at its path",
			edit("  - key: make\n", "  - make\n  - key: make\n", "{team: legal, role: legal}", "{team: lgal, role: legal}"), problems{
				{"stages[1]", "must be a mapping of key, name, when, tasks"},
				{"stages[2].tasks[0].assignee.team", `unknown team "lgal"`},
			}},
		{"an alias", edit("name: Launch", "name: &n Launch\ndescription: *n"), problems{
			{"name", "line 4: anchors (&n) are not allowed in a template"},
			{"description", "line 5: aliases (*n) are not allowed in a template"},
			{"description", "empty: give a value, or leave it out"},
		}},
		{"not YAML", "key: [", problems{{"", "not YAML: line 1: did not find expected node content"}}},
		{"not a mapping", "- key: launch", problems{{"", "must be a mapping of key, version, name, description, triage, intake, stages, kpis, retrospective, board"}}},
		{"JSON with a key twice", `{"key": "a", "key": "b"}`, problems{{"key", "given twice (line 1)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			got := problemsOf(t, err)
			// Only the problems the change caused: those of an empty document
			// (the JSON case) are not the point here.
			if tc.doc[0] == '{' {
				got = slices.DeleteFunc(got, func(p fp) bool { return p.Field != "key" })
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", lines(got), lines(tc.want))
			}
		})
	}
}

// A problem's path leads to its line: that of the value, or of the mapping a
// missing field belongs in; in YAML and in JSON.
func TestLinesPointAtTheProblem(t *testing.T) {
	yamlDoc := strings.Replace(baseDoc, "{team: legal, role: legal}", "{team: lgal, role: legal}", 1)
	jsonDoc := "{\n  \"key\": \"x\",\n  \"stages\": [\n    {\"key\": \"a\",\n     \"tasks\": []}\n  ]\n}\n"
	for _, tc := range []struct {
		doc, path string
		want      int
	}{
		{yamlDoc, "stages[1].tasks[0].assignee.team", 47},
		{yamlDoc, "stages[1].tasks[0].assignee", 47},
		{yamlDoc, "stages[0].tasks[2].colour", 40}, // not there: the task's line
		{yamlDoc, "board.card[7]", 53},             // not there: the list's line
		{yamlDoc, "", 2},
		{jsonDoc, "stages[0].tasks", 5},
		{jsonDoc, "stages[0].name", 4},
		{jsonDoc, "version", 1},
	} {
		if got := Lines([]byte(tc.doc))(tc.path); got != tc.want {
			t.Errorf("%s: line %d, want %d", tc.path, got, tc.want)
		}
	}
	if _, err := Parse([]byte(yamlDoc)); err == nil || !strings.Contains(err.Error(), `stages[1].tasks[0].assignee.team: unknown team "lgal"`) {
		t.Errorf("Parse = %v", err)
	}
	if got := Lines([]byte("key: ["))("key"); got != 0 {
		t.Errorf("a document that does not read: line %d, want 0", got)
	}
}
