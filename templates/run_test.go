package templates

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func example(t *testing.T, name string) Template {
	t.Helper()
	tpl, err := Parse(exampleFiles(t)[name])
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestOffsetFrom(t *testing.T) {
	fri := time.Date(2027, 3, 5, 17, 30, 0, 0, time.UTC) // a Friday
	sat := fri.AddDate(0, 0, 1)
	for _, tc := range []struct {
		name   string
		o      Offset
		from   time.Time
		before bool
		want   time.Time
	}{
		{"1 working day after a Friday is the Monday", Offset{1, WorkingDays}, fri, false, time.Date(2027, 3, 8, 17, 30, 0, 0, time.UTC)},
		{"and after a Saturday too", Offset{1, WorkingDays}, sat, false, time.Date(2027, 3, 8, 17, 30, 0, 0, time.UTC)},
		{"5 working days before a Friday is the Friday before", Offset{5, WorkingDays}, fri, true, time.Date(2027, 2, 26, 17, 30, 0, 0, time.UTC)},
		{"1 working day before a Saturday is the Friday", Offset{1, WorkingDays}, sat, true, fri},
		{"15 working days", Offset{15, WorkingDays}, time.Date(2027, 4, 10, 9, 0, 0, 0, time.UTC), true, time.Date(2027, 3, 22, 9, 0, 0, 0, time.UTC)},
		{"days count weekends", Offset{2, Days}, fri, false, fri.AddDate(0, 0, 2)},
		{"hours", Offset{48, Hours}, fri, true, fri.Add(-48 * time.Hour)},
		{"weeks", Offset{3, Weeks}, fri, false, fri.AddDate(0, 0, 21)},
		{"in UTC whatever the zone", Offset{1, WorkingDays}, fri.In(time.FixedZone("X", 10*3600)), false, time.Date(2027, 3, 8, 17, 30, 0, 0, time.UTC)},
	} {
		if got := tc.o.From(tc.from, tc.before); !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDueAt(t *testing.T) {
	start := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	stage := start.Add(50 * time.Hour)
	intake := map[string]any{"event_date": "2027-04-10T09:00:00Z"}
	for _, tc := range []struct {
		due  string
		want time.Time
	}{
		{"3 working days after start", time.Date(2027, 3, 4, 9, 0, 0, 0, time.UTC)},
		{"2 working days after stage_start", time.Date(2027, 3, 5, 11, 0, 0, 0, time.UTC)},
		{"1 day before event_date", time.Date(2027, 4, 9, 9, 0, 0, 0, time.UTC)},
	} {
		var d Due
		if err := d.UnmarshalText([]byte(tc.due)); err != nil {
			t.Fatal(err)
		}
		got, err := d.At(start, stage, intake)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: %s, %v; want %s", tc.due, got, err, tc.want)
		}
	}
	if _, err := (Due{Offset: Offset{1, Days}, Anchor: "opens_on"}).At(start, stage, intake); err == nil {
		t.Error("a missing anchor gave a date")
	}
}

// The conditions of the examples, on the values a run gives them: the intake
// as its form takes it (JSON: dates as text, numbers as float64), and the
// answers of tasks done, skipped or not reached.
func TestEval(t *testing.T) {
	webinar, content, show := example(t, "webinar.yaml"), example(t, "content-request.yaml"), example(t, "trade-show.yaml")
	when := func(tpl Template, key string) string {
		for _, s := range tpl.Stages {
			for _, task := range s.Tasks {
				if task.Key == key {
					return task.When
				}
			}
		}
		t.Fatalf("no task %s", key)
		return ""
	}
	for _, tc := range []struct {
		name    string
		tpl     Template
		when    string
		intake  map[string]any
		answers map[string]Answer
		want    bool
	}{
		{"partners in the audience", webinar, when(webinar, "partner_mailing"), map[string]any{"audience": []any{"customers", "partners"}}, nil, true},
		{"no partners", webinar, when(webinar, "partner_mailing"), map[string]any{"audience": []any{"customers"}}, nil, false},
		{"recorded", webinar, when(webinar, "recording"), map[string]any{"recorded": true}, nil, true},
		{"recorded left out reads false", webinar, when(webinar, "recording"), map[string]any{}, nil, false},
		{"a case study goes to legal", content, when(content, "legal_review"), map[string]any{"format": "case_study"}, nil, true},
		{"a paid post too", content, when(content, "legal_review"), map[string]any{"format": "blog_post", "paid": true}, nil, true},
		{"a plain post does not", content, when(content, "legal_review"), map[string]any{"format": "blog_post", "makes_claims": false}, nil, false},
		{"a budget above 20,000", show, when(show, "director_approval"), map[string]any{"budget": 20000.5}, nil, true},
		{"at 20,000", show, when(show, "director_approval"), map[string]any{"budget": 20000.0}, nil, false},
		{"an int budget reads as a number", show, when(show, "director_approval"), map[string]any{"budget": 30000}, nil, true},
		{"travel needed", show, when(show, "travel"), nil, map[string]Answer{"staffing": {Outcome: domain.OutcomeDone, Data: map[string]any{"people": 2.0, "travel_needed": true}}}, true},
		{"staffing skipped reads empty", show, when(show, "travel"), nil, nil, false},
		{"a date compares", webinar, `intake.event_date > intake.event_date - duration("1h")`, map[string]any{"event_date": "2030-01-07T09:00:00Z"}, nil, true},
		{"an outcome", show, `tasks.budget_approval.outcome == "approved"`, nil, map[string]Answer{"budget_approval": {Outcome: domain.OutcomeApproved}}, true},
	} {
		got, err := tc.tpl.Eval(tc.when, tc.intake, tc.answers)
		if err != nil || got != tc.want {
			t.Errorf("%s: %s = %v, %v; want %v", tc.name, tc.when, got, err, tc.want)
		}
	}
	if _, err := webinar.Eval(`len(intake.audience[3]) > 0`, map[string]any{"audience": []any{"customers"}}, nil); err == nil {
		t.Error("an index past the end did not fail")
	}
}

func TestCheckIntake(t *testing.T) {
	webinar := example(t, "webinar.yaml")
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	ok := map[string]any{
		"title": "Spring webinar", "event_date": "2027-04-10T09:00:00Z", "host": "sam",
		"audience": []any{"customers"}, "expected_registrations": 300.0,
	}
	if err := webinar.CheckIntake(ok, now); err != nil {
		t.Fatalf("a good intake: %v", err)
	}
	bad := map[string]any{"title": "", "event_date": "2027-02-10T09:00:00Z", "host": "sam", "audience": []any{"everyone"}, "expected_registrations": 0.0, "venue": "x"}
	err := webinar.CheckIntake(bad, now)
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("a bad intake: %v, want invalid", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	for _, want := range []string{"intake.title", "intake.event_date", "intake.audience[0]", "intake.expected_registrations", "intake.venue"} {
		if !slices.Contains(fields, want) {
			t.Errorf("no problem with %s in %v", want, ve.Problems)
		}
	}
	if got := webinar.Title(ok); got != "Spring webinar" {
		t.Errorf("title %q", got)
	}
}

func TestReviseIntake(t *testing.T) {
	webinar := example(t, "webinar.yaml")
	old := map[string]any{"title": "Spring webinar", "host": "sam", "audience": []any{"customers"}, "recorded": true}
	got := webinar.ReviseIntake(old, map[string]any{"title": "Partner webinar", "audience": []any{"partners"}, "recorded": false})
	want := map[string]any{"title": "Partner webinar", "host": "sam", "audience": []any{"partners"}, "recorded": false}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("revised %s, want %s", a, b)
	}
}

// What a run's input carries survives JSON whole, due dates included, and
// reads back as the template it was.
func TestDecodeRoundTrips(t *testing.T) {
	for name := range exampleFiles(t) {
		tpl := example(t, name)
		raw, err := json.Marshal(tpl)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a, _ := json.Marshal(back)
		if string(a) != string(raw) {
			t.Errorf("%s: decoded\n%s\nwant\n%s", name, a, raw)
		}
	}
	if _, err := Decode([]byte(`{"key":"x"}`)); err == nil {
		t.Error("an invalid template decoded")
	}
}
