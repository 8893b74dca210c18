package templates

import (
	"os"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

// The examples' conditions, compiled as validation compiles them, answer as
// the template means on the values a run gives them: numbers as float64,
// yes/no as bool, dates as time.Time, multiple choices as lists, an optional
// field left empty as its zero value.
func TestConditionsAnswerOnARunsValues(t *testing.T) {
	load := func(name string) (Template, *validator) {
		doc, err := os.ReadFile("../examples/templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		return tpl, newValidator(&tpl)
	}
	program := func(v *validator, key string, sc scope) *vm.Program {
		p, err := compile(v.tasks[key].When, v.envType(sc))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return p
	}
	answer := func(p *vm.Program, env map[string]any) bool {
		out, err := vm.Run(p, env)
		if err != nil {
			t.Fatal(err)
		}
		return out.(bool)
	}

	_, show := load("trade-show.yaml")
	director := program(show, "director_approval", scope{tasks: []string{"budget_approval"}})
	for budget, want := range map[float64]bool{25000: true, 20000.01: true, 20000: false, 5000: false} {
		env := map[string]any{"intake": map[string]any{"budget": budget}, "tasks": map[string]any{
			"budget_approval": map[string]any{"outcome": "approved", "data": map[string]any{}}}}
		if got := answer(director, env); got != want {
			t.Errorf("director approval for a budget of %v: %v, want %v", budget, got, want)
		}
	}
	travel := program(show, "travel", scope{tasks: []string{"budget_approval", "director_approval", "staffing"}})
	for travelling, want := range map[bool]bool{true: true, false: false} {
		env := map[string]any{"intake": map[string]any{}, "tasks": map[string]any{
			"staffing": map[string]any{"outcome": "done", "data": map[string]any{"people": 3.0, "travel_needed": travelling}}}}
		if got := answer(travel, env); got != want {
			t.Errorf("travel when travel_needed is %v: %v", travelling, got)
		}
	}

	_, content := load("content-request.yaml")
	legal := program(content, "legal_review", scope{tasks: []string{"outline", "draft"}})
	for _, tc := range []struct {
		format       string
		claims, paid bool
		legalReviews bool
	}{
		{"blog_post", false, false, false},
		{"blog_post", true, false, true},
		{"ad_copy", false, true, true},
		{"case_study", false, false, true},
	} {
		env := map[string]any{"intake": map[string]any{"format": tc.format, "makes_claims": tc.claims, "paid": tc.paid}, "tasks": map[string]any{}}
		if got := answer(legal, env); got != tc.legalReviews {
			t.Errorf("legal review of a %s (claims %v, paid %v): %v", tc.format, tc.claims, tc.paid, got)
		}
	}

	_, webinar := load("webinar.yaml")
	partners := program(webinar, "partner_mailing", scope{})
	for _, tc := range []struct {
		audience []any
		want     bool
	}{{[]any{"customers", "partners"}, true}, {[]any{"customers"}, false}, {[]any{}, false}} {
		if got := answer(partners, map[string]any{"intake": map[string]any{"audience": tc.audience}, "tasks": map[string]any{}}); got != tc.want {
			t.Errorf("partner mailing for %v: %v", tc.audience, got)
		}
	}

	// Dates compare, and subtract to durations, without reading the clock.
	tpl, v := load("webinar.yaml")
	p, err := compile(`intake.event_date - tasks.agenda_review.data.decided_at > duration("72h")`, v.envType(scope{}))
	if err == nil {
		t.Fatalf("a task outside the scope compiled: %v", p)
	}
	tpl.Intake = append(tpl.Intake, tpl.Intake[1])
	tpl.Intake[len(tpl.Intake)-1].Name, tpl.Intake[len(tpl.Intake)-1].Required = "dry_run", false
	v = newValidator(&tpl)
	soon, err := compile(`intake.event_date - intake.dry_run > duration("72h")`, v.envType(scope{}))
	if err != nil {
		t.Fatal(err)
	}
	event := time.Date(2030, 3, 10, 15, 0, 0, 0, time.UTC)
	for dry, want := range map[time.Time]bool{event.Add(-96 * time.Hour): true, event.Add(-24 * time.Hour): false} {
		if got := answer(soon, map[string]any{"intake": map[string]any{"event_date": event, "dry_run": dry}, "tasks": map[string]any{}}); got != want {
			t.Errorf("dry run at %v: %v", dry, got)
		}
	}
}
