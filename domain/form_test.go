package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testForm has a field of every type, with bounds, a condition, a nested group
// and a list.
func testForm() Form {
	return Form{Name: "test", Fields: []FormField{
		{Name: "title", Type: FieldText, Label: "Title", Required: true, MaxLength: 5},
		{Name: "notes", Type: FieldLongText, Label: "Notes"},
		{Name: "count", Type: FieldNumber, Label: "Count", Min: Bound(1), Max: Bound(10)},
		{Name: "hire", Type: FieldYesNo, Label: "Hire?"},
		{Name: "amount", Type: FieldMoney, Label: "Amount", Min: Bound(0.01), Currency: "EUR",
			RequiredWhen: &Condition{Field: "hire", Equals: true}},
		{Name: "budget.currency", Type: FieldCurrency, Label: "Currency"},
		{Name: "budget.when", Type: FieldDateTime, Label: "When", Future: true},
		{Name: "day", Type: FieldDate, Label: "Day"},
		{Name: "answer", Type: FieldChoice, Label: "Answer", Choices: []Choice{{"yes", "Yes"}, {"no", "No"}}},
		{Name: "channels", Type: FieldMultiChoice, Label: "Channels", MaxItems: 2, Choices: []Choice{{"email", "Email"}, {"web", "Web"}, {"pr", "PR"}}},
		{Name: "owner", Type: FieldPerson, Label: "Owner", Role: RoleProjectManager},
		{Name: "team", Type: FieldTeam, Label: "Team"},
		{Name: "rework", Type: FieldTaskPicker, Label: "Rework", Choices: []Choice{{"tsk_a", "Assets"}, {"tsk_b", "Copy"}}},
		{Name: "kpis", Type: FieldList, Label: "KPIs", MaxItems: 2, Fields: []FormField{
			{Name: "name", Type: FieldText, Label: "Name", Required: true},
			{Name: "target", Type: FieldNumber, Label: "Target", Required: true},
		}},
	}}
}

func TestFormCheck(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	ok := map[string]any{"title": "Hi"}
	with := func(kv ...any) map[string]any {
		d := map[string]any{"title": "Hi"}
		for i := 0; i < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return d
	}
	for _, tc := range []struct {
		name string
		data map[string]any
		want []FieldProblem // nil: accepted
	}{
		{"only the required field", ok, nil},
		{"everything, as JSON decodes it", with(
			"notes", "Long\ntext", "count", 10.0, "hire", true, "amount", 88000.5,
			"budget", map[string]any{"currency": "EUR", "when": "2027-03-02T09:00:00Z"}, "day", "2027-04-01T00:00:00Z",
			"answer", "no", "channels", []any{"email", "pr"}, "owner", "pat", "team", "legal", "rework", []any{"tsk_b"},
			"kpis", []any{map[string]any{"name": "signups", "target": 1000.0}}), nil},
		{"numbers as Go writes them", with("count", 3, "amount", int64(5), "hire", true), nil},
		{"a JSON number", with("count", json.Number("2")), nil},

		// required
		{"no data at all", nil, []FieldProblem{{"data.title", "required"}}},
		{"required but blank", map[string]any{"title": "  "}, []FieldProblem{{"data.title", "required"}}},
		{"required but null", map[string]any{"title": nil}, []FieldProblem{{"data.title", "required"}}},
		{"an optional field left blank", with("notes", ""), nil},

		// conditional
		{"amount required when hire is yes", with("hire", true), []FieldProblem{{"data.amount", "required"}}},
		{"amount not needed when hire is no", with("hire", false), nil},
		{"a condition on a list is false, not a panic", with("hire", []any{true}),
			[]FieldProblem{{"data.hire", "must be true (yes) or false (no)"}}},

		// text
		{"text too long", map[string]any{"title": "Hello!"}, []FieldProblem{{"data.title", "at most 5 characters"}}},
		{"text counted in characters", map[string]any{"title": "éééé"}, nil},
		{"text that is a number", map[string]any{"title": 5.0}, []FieldProblem{{"data.title", "must be text"}}},
		{"long text over the domain's cap", with("notes", strings.Repeat("x", MaxDescriptionChars+1)),
			[]FieldProblem{{"data.notes", "at most 5000 characters"}}},

		// numbers and money
		{"number below min", with("count", 0.0), []FieldProblem{{"data.count", "must be at least 1"}}},
		{"number above max", with("count", 11.0), []FieldProblem{{"data.count", "must be at most 10"}}},
		{"number as text", with("count", "3"), []FieldProblem{{"data.count", "must be a number"}}},
		{"money at zero", with("hire", true, "amount", 0.0), []FieldProblem{{"data.amount", "must be at least 0.01"}}},
		{"money negative", with("amount", -5.0), []FieldProblem{{"data.amount", "must be at least 0.01"}}},

		// currency, dates
		{"currency in lower case", with("budget", map[string]any{"currency": "eur"}),
			[]FieldProblem{{"data.budget.currency", "must be a three-letter ISO 4217 code like EUR"}}},
		{"time not RFC 3339", with("budget", map[string]any{"when": "2027-03-02 09:00"}),
			[]FieldProblem{{"data.budget.when", "must be a date and time in RFC 3339, like 2027-03-01T09:00:00Z"}}},
		{"time in the past", with("budget", map[string]any{"when": "2027-03-01T08:59:00Z"}),
			[]FieldProblem{{"data.budget.when", "must be in the future"}}},
		{"time now is not the future", with("budget", map[string]any{"when": "2027-03-01T09:00:00Z"}),
			[]FieldProblem{{"data.budget.when", "must be in the future"}}},
		{"a past day where the past is allowed", with("day", "2020-01-01T00:00:00Z"), nil},
		{"a day that is a number", with("day", 20270401.0),
			[]FieldProblem{{"data.day", "must be a date and time in RFC 3339, like 2027-03-01T09:00:00Z"}}},

		// yes/no and choices
		{"yes as text", with("hire", "true"), []FieldProblem{{"data.hire", "must be true (yes) or false (no)"}}},
		{"an unknown choice", with("answer", "maybe"), []FieldProblem{{"data.answer", "must be one of: yes, no"}}},
		{"choices: unknown", with("channels", []any{"email", "tv"}), []FieldProblem{{"data.channels[1]", `"tv" is not one of: email, web, pr`}}},
		{"choices: twice", with("channels", []any{"web", "web"}), []FieldProblem{{"data.channels[1]", `"web" is listed twice`}}},
		{"choices: too many", with("channels", []any{"web", "email", "pr"}), []FieldProblem{{"data.channels", "at most 2 items"}}},
		{"choices: not a list", with("channels", "web"), []FieldProblem{{"data.channels", "must be a list of values"}}},
		{"choices: as Go writes them", with("channels", []string{"web"}), nil},
		{"task picker: a task not offered", with("rework", []any{"tsk_zzz"}), []FieldProblem{{"data.rework[0]", `"tsk_zzz" is not one of the tasks offered`}}},
		{"task picker: not text", with("rework", []any{7.0}), []FieldProblem{{"data.rework[0]", "must be text"}}},
		{"task picker: none picked", with("rework", []any{}), nil},

		// person
		{"person: a handle", with("owner", "pat"), nil},
		{"person: not text", with("owner", true), []FieldProblem{{"data.owner", "must be text"}}},

		// team
		{"team: not one of the teams", with("team", "lgal"), []FieldProblem{{"data.team",
			"must be one of the teams: pmo, marketing-ops, creative, content, web, analytics, legal, finance, hr, leadership"}}},
		{"team: not text", with("team", 1.0), []FieldProblem{{"data.team",
			"must be one of the teams: pmo, marketing-ops, creative, content, web, analytics, legal, finance, hr, leadership"}}},

		// lists
		{"list: a row without its required field", with("kpis", []any{map[string]any{"name": "ctr"}}),
			[]FieldProblem{{"data.kpis[0].target", "required"}}},
		{"list: a row with an unknown key", with("kpis", []any{map[string]any{"name": "ctr", "target": 2.0, "colour": "red"}}),
			[]FieldProblem{{"data.kpis[0].colour", "not a field of this form"}}},
		{"list: a row that is not an object", with("kpis", []any{"ctr"}), []FieldProblem{{"data.kpis[0]", "must be an object"}}},
		{"list: too many rows", with("kpis", []any{map[string]any{}, map[string]any{}, map[string]any{}}),
			[]FieldProblem{{"data.kpis", "at most 2 items"}}},
		{"list: not a list", with("kpis", map[string]any{}), []FieldProblem{{"data.kpis", "must be a list"}}},

		// keys
		{"an unknown key", with("hire_me", true), []FieldProblem{{"data.hire_me", "not a field of this form"}}},
		{"an unknown nested key", with("budget", map[string]any{"amount": 5.0}), []FieldProblem{{"data.budget.amount", "not a field of this form"}}},
		{"a group that is not an object", with("budget", "EUR"), []FieldProblem{{"data.budget", "must be an object"}}},
		{"several problems, in field order", map[string]any{"count": 0.0, "answer": "maybe"}, []FieldProblem{
			{"data.answer", "must be one of: yes, no"}, {"data.count", "must be at least 1"}, {"data.title", "required"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := testForm().Check(tc.data, now)
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Check = %v\nwant    %v", got, tc.want)
			}
			if err := testForm().Err(tc.data, now); (err == nil) != (tc.want == nil) {
				t.Errorf("Err = %v", err)
			}
		})
	}
}

func TestFormDefaultsStandForLeftOutFields(t *testing.T) {
	f := Form{Name: "revise", Fields: []FormField{
		{Name: "brief.objective", Type: FieldLongText, Label: "Objective", Required: true},
		{Name: "brief.kpis", Type: FieldList, Label: "KPIs", Required: true, Fields: []FormField{{Name: "name", Type: FieldText, Label: "Name"}}},
		{Name: "brief.launch_at", Type: FieldDateTime, Label: "Launch", Required: true},
	}}
	now := time.Now()
	if got := f.Check(nil, now); len(got) != 3 {
		t.Fatalf("without defaults = %v, want all three required", got)
	}
	f.SetDefaults(map[string]any{"brief": map[string]any{"objective": "Grow trials", "kpis": []any{map[string]any{"name": "ctr"}}}})
	if f.Field("brief.objective").Default != "Grow trials" || f.Field("brief.kpis").Default == nil {
		t.Fatalf("defaults not set: %+v", f.Fields)
	}
	if f.Field("brief.launch_at").Default != nil {
		t.Fatal("a default was set for a field the values do not hold")
	}
	got := f.Check(map[string]any{"brief": map[string]any{"launch_at": "2030-01-01T00:00:00Z"}}, now)
	if len(got) != 0 {
		t.Errorf("fields with defaults left out: %v, want accepted", got)
	}
	got = f.Check(map[string]any{"brief": map[string]any{"objective": " ", "kpis": []any{}, "launch_at": "2030-01-01T00:00:00Z"}}, now)
	want := []FieldProblem{{"data.brief.kpis", "required: at least one"}, {"data.brief.objective", "required"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("blanked fields with defaults = %v, want %v", got, want)
	}
}

func TestFormSetters(t *testing.T) {
	f := testForm()
	f.SetChoices("rework", []Choice{{"tsk_c", "Landing page"}})
	f.SetCurrency("amount", "USD")
	f.SetChoices("nope", []Choice{{"x", "X"}}) // an unknown name changes nothing
	if got := f.Field("rework").Choices; len(got) != 1 || got[0].Value != "tsk_c" {
		t.Errorf("choices = %v", got)
	}
	if got := f.Field("amount").Currency; got != "USD" {
		t.Errorf("currency = %q", got)
	}
	if f.Field("nope") != nil {
		t.Error("Field found a field that is not there")
	}
	var none *Form
	if none.Field("x") != nil {
		t.Error("a nil form has no fields")
	}
}

func TestFormValidate(t *testing.T) {
	if err := testForm().Validate(); err != nil {
		t.Fatalf("the test form: %v", err)
	}
	for _, tc := range []struct {
		name  string
		form  Form
		field string
	}{
		{"no name", Form{Fields: []FormField{{Name: "a", Type: FieldText, Label: "A"}}}, "name"},
		{"a field twice", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldText, Label: "A"}, {Name: "a", Type: FieldText, Label: "A"}}}, "fields[1].name"},
		{"unknown type", Form{Name: "f", Fields: []FormField{{Name: "a", Type: "colour", Label: "A"}}}, "fields[0].type"},
		{"no label", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldText}}}, "fields[0].label"},
		{"a choice without choices", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldChoice, Label: "A"}}}, "fields[0].choices"},
		{"a list without fields", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldList, Label: "A"}}}, "fields[0].fields"},
		{"a dotted name in a list", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldList, Label: "A",
			Fields: []FormField{{Name: "b.c", Type: FieldText, Label: "C"}}}}}, "fields[0].fields[0].name"},
		{"a condition on a missing field", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldText, Label: "A",
			RequiredWhen: &Condition{Field: "b", Equals: true}}}}, "fields[0].required_when.field"},
		{"a condition on a list value", Form{Name: "f", Fields: []FormField{{Name: "b", Type: FieldYesNo, Label: "B"}, {Name: "a", Type: FieldText, Label: "A",
			RequiredWhen: &Condition{Field: "b", Equals: []any{true}}}}}, "fields[1].required_when.equals"},
		{"a field and a group", Form{Name: "f", Fields: []FormField{{Name: "a", Type: FieldText, Label: "A"}, {Name: "a.b", Type: FieldText, Label: "B"}}}, "fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.form.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field+":") {
				t.Errorf("Validate = %v, want a problem with %s", err, tc.field)
			}
		})
	}
	// What a template's author can get wrong in a field's declaration, word for word.
	for _, tc := range []struct {
		name string
		fld  FormField
		want FieldProblem
	}{
		{"bounds inverted", FormField{Name: "a", Type: FieldNumber, Label: "A", Min: Bound(10), Max: Bound(1)},
			FieldProblem{"fields[0].max", "below min (10): no value could be given"}},
		{"an unknown role", FormField{Name: "a", Type: FieldPerson, Label: "A", Role: "lawyer"},
			FieldProblem{"fields[0].role", `unknown role "lawyer"`}},
		{"a currency that is not one", FormField{Name: "a", Type: FieldMoney, Label: "A", Currency: "euro"},
			FieldProblem{"fields[0].currency", "must be a three-letter ISO 4217 code like EUR"}},
		{"a choice offered twice", FormField{Name: "a", Type: FieldChoice, Label: "A", Choices: []Choice{{"x", "X"}, {"x", "Y"}}},
			FieldProblem{"fields[0].choices[1].value", `"x" is offered twice`}},
		{"a choice without a value", FormField{Name: "a", Type: FieldChoice, Label: "A", Choices: []Choice{{"", "X"}}},
			FieldProblem{"fields[0].choices[0].value", "required"}},
		{"a choice without a label", FormField{Name: "a", Type: FieldChoice, Label: "A", Choices: []Choice{{"x", " "}}},
			FieldProblem{"fields[0].choices[0].label", "required"}},
	} {
		err := Form{Name: "f", Fields: []FormField{tc.fld}}.Validate()
		var verr *ValidationError
		if !errors.As(err, &verr) || !reflect.DeepEqual(verr.Problems, []FieldProblem{tc.want}) {
			t.Errorf("%s: Validate = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTaskForms(t *testing.T) {
	forms := TaskForms()
	if len(forms) != len(taskForms) {
		t.Fatalf("%d forms for %d kinds of task: two share a name", len(forms), len(taskForms))
	}
	for name, f := range forms {
		if err := f.Validate(); err != nil {
			t.Errorf("form %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		process Process
		key     string
		want    string // "" for no form
	}{
		{ProcessCampaign, "revise_brief", FormReviseBrief},
		{ProcessCampaign, "sign_off:pat", FormSignOff},
		{ProcessCampaign, "sign_off", ""}, // a prefix matches keys that continue it
		{ProcessCampaign, "deliverable:assets", ""},
		{ProcessCampaign, "revise_brief:x", ""}, // an exact key matches itself only
		{ProcessHiring, "interview:cnd_1", FormInterviewFeedback},
		{ProcessHiring, "revise_offer:cnd_1", FormReviseOffer},
		{ProcessHiring, "answer:cnd_1", FormOfferAnswer},
		{ProcessHiring, "revise_request", FormReviseRequest},
		{ProcessHiring, "revise_brief", ""}, // keys belong to their process
		{ProcessRisk, "acknowledge", FormRiskResponse},
		{ProcessRisk, "review", ""},
	} {
		f := TaskForm(tc.process, tc.key)
		switch {
		case tc.want == "" && f != nil:
			t.Errorf("%s %s has form %s, want none", tc.process, tc.key, f.Name)
		case tc.want != "" && (f == nil || f.Name != tc.want):
			t.Errorf("%s %s has form %v, want %s", tc.process, tc.key, f, tc.want)
		}
	}
	// Each call gives a copy: filling one run's form leaves the next one's alone.
	a := TaskForm(ProcessCampaign, "sign_off:pat")
	a.SetChoices(DataRework, []Choice{{"tsk_a", "Assets"}})
	if b := TaskForm(ProcessCampaign, "sign_off:maya"); len(b.Field(DataRework).Choices) != 0 {
		t.Error("TaskForm hands out a shared form")
	}
}

// The built-in forms accept the answers docs/walkthroughs.md and the workflows' tests give,
// and refuse the mistakes people made before the forms existed.
func TestTaskFormsAcceptTheDocumentedAnswers(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	feedback := TaskForm(ProcessHiring, "interview:cnd_1")
	feedback.SetCurrency(DataOfferAmount, "EUR")
	brief := TaskForm(ProcessCampaign, "revise_brief")
	brief.SetDefaults(map[string]any{"brief": map[string]any{"objective": "Grow", "audience": "SMB", "channels": []any{"email"},
		"budget": map[string]any{"amount": 5.0, "currency": "EUR"}, "launch_at": "2027-04-01T09:00:00Z",
		"kpis": []any{map[string]any{"name": "signups", "target": 1.0, "direction": "higher"}}}})
	request := TaskForm(ProcessHiring, "revise_request")
	request.SetDefaults(map[string]any{"request": map[string]any{"title": "Analyst", "level": "L3", "justification": "Reports",
		"budget": map[string]any{"min": 70000.0, "max": 90000.0, "currency": "EUR"}, "needed_by": "2027-06-01T00:00:00Z"}})
	for _, tc := range []struct {
		name  string
		form  *Form
		data  map[string]any
		field string // the first problem's field, "" when accepted
	}{
		{"hire with an offer", feedback, map[string]any{"hire": true, "offer_amount": 150000.0}, ""},
		{"pass", feedback, map[string]any{"hire": false}, ""},
		{"hire without an offer", feedback, map[string]any{"hire": true}, "data.offer_amount"},
		{"no answer", feedback, map[string]any{"offer_amount": 1.0}, "data.hire"},
		{"the answer", TaskForm(ProcessHiring, "answer:cnd_1"), map[string]any{"answer": "accepted"}, ""},
		{"a maybe", TaskForm(ProcessHiring, "answer:cnd_1"), map[string]any{"answer": "maybe"}, "data.answer"},
		{"a new offer", TaskForm(ProcessHiring, "revise_offer:cnd_1"), map[string]any{"offer_amount": 85000.0}, ""},
		{"a request's new budget", request,
			map[string]any{"request": map[string]any{"budget": map[string]any{"min": 80000.0, "max": 100000.0, "currency": "EUR"}}}, ""},
		{"a brief's new objective and KPIs", brief, map[string]any{"brief": map[string]any{"objective": "Grow trials",
			"kpis": []any{map[string]any{"name": "ctr", "target": 2.5, "unit": "%", "direction": "higher"}}}}, ""},
		{"a KPI going sideways", brief, map[string]any{"brief": map[string]any{
			"kpis": []any{map[string]any{"name": "ctr", "target": 2.0, "direction": "sideways"}}}}, "data.brief.kpis[0].direction"},
		{"a risk response", TaskForm(ProcessRisk, "acknowledge"),
			map[string]any{"response": "mitigate", "plan": "Book a second printer", "due_at": "2027-03-05T09:00:00Z"}, ""},
		{"a risk response without a plan", TaskForm(ProcessRisk, "acknowledge"),
			map[string]any{"response": "mitigate", "due_at": "2027-03-05T09:00:00Z"}, "data.plan"},
		{"a sign-off without rework", TaskForm(ProcessCampaign, "sign_off:pat"), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.form.Check(tc.data, now)
			switch {
			case tc.field == "" && len(got) > 0:
				t.Errorf("refused: %v", got)
			case tc.field != "" && (len(got) == 0 || got[0].Field != tc.field):
				t.Errorf("Check = %v, want a problem with %s", got, tc.field)
			}
		})
	}
}

func TestOmitDataDropsAClosedTasksForm(t *testing.T) {
	open := Task{Status: TaskOpen, Form: TaskForm(ProcessRisk, "acknowledge")}
	open.OmitData()
	if open.Form == nil || !open.DataOmitted {
		t.Errorf("an open task's form was left out: %+v", open)
	}
	done := Task{Status: TaskDone, Form: TaskForm(ProcessRisk, "acknowledge"), Data: map[string]any{"plan": "x"}}
	done.OmitData()
	if done.Form != nil || done.Data != nil || !done.DataOmitted {
		t.Errorf("a closed task kept its form or data: %+v", done)
	}
}
