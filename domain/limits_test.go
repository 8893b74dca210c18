package domain

import (
	"strings"
	"testing"
)

// nested is data holding objects levels deep: {"a": {"a": … {}}}, the data
// object itself being level 1.
func nested(levels int) map[string]any {
	inner := map[string]any{}
	for range levels - 1 {
		inner = map[string]any{"a": inner}
	}
	return inner
}

func TestDataProblem(t *testing.T) {
	many := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m["k"+itoa(i)] = i
		}
		return m
	}
	list := func(n int) []any { return make([]any, n) }
	for _, tc := range []struct {
		name string
		data map[string]any
		want string // part of the problem; "" when the data fits
	}{
		{"none", nil, ""},
		{"empty", map[string]any{}, ""},
		{"a revised brief", map[string]any{"brief": map[string]any{"objective": "Grow trials", "kpis": []any{
			map[string]any{"name": "signups", "target": 1000.0, "unit": "signups", "direction": "higher"}}}}, ""},
		{"at the depth cap", nested(MaxDataDepth), ""},
		{"one level too deep", nested(MaxDataDepth + 1), "nested deeper than 8 levels"},
		{"ten thousand levels", nested(10_000), "nested deeper than 8 levels"},
		{"an array counts as a level", map[string]any{"a": []any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{}}}}}}}}}, "nested deeper than 8 levels"},
		{"keys at the cap", many(MaxDataKeys), ""},
		{"too many keys", many(MaxDataKeys + 1), "more than 64 keys"},
		{"too many keys deeper in", map[string]any{"inner": many(MaxDataKeys + 1)}, "more than 64 keys"},
		{"values at the cap", map[string]any{"l": list(MaxDataValues - 1)}, ""},
		{"too many values", map[string]any{"l": list(MaxDataValues)}, "more than 256 values"},
		{"values count at every level", map[string]any{"a": list(200), "b": map[string]any{"c": list(60)}}, "more than 256 values"},
		{"at the size cap", map[string]any{"s": strings.Repeat("x", MaxDataBytes-len(`{"s":""}`))}, ""},
		{"one byte over", map[string]any{"s": strings.Repeat("x", MaxDataBytes-len(`{"s":""}`)+1)}, "larger than 16384 bytes as JSON (16385)"},
		{"size as JSON escapes it", map[string]any{"s": strings.Repeat("<", MaxDataBytes/6+1)}, "larger than 16384 bytes"},
		{"a megabyte", map[string]any{"s": strings.Repeat("x", 1<<20)}, "larger than 16384 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DataProblem(tc.data)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("DataProblem = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDataProblemDoesNotDependOnMapOrder: data that breaks several caps is
// always refused for the same one, whatever order the walk meets them in.
func TestDataProblemDoesNotDependOnMapOrder(t *testing.T) {
	data := map[string]any{"deep": nested(MaxDataDepth)}
	for i := range 300 {
		data["k"+itoa(i)] = i
	}
	for range 50 {
		if got := DataProblem(data); !strings.Contains(got, "nested deeper") {
			t.Fatalf("DataProblem = %q, want the depth named first", got)
		}
	}
}

func TestCompletionCheckLimits(t *testing.T) {
	var p Problems
	Completion{Outcome: OutcomeDone, Comment: strings.Repeat("é", MaxCommentChars), Data: nested(3)}.CheckLimits(&p)
	if len(p) != 0 {
		t.Errorf("at the caps: %v", p)
	}
	Completion{Outcome: OutcomeDone, Comment: strings.Repeat("x", MaxCommentChars+1), Data: nested(9)}.CheckLimits(&p)
	if len(p) != 2 || p[0].Field != "comment" || p[0].Problem != "at most 2000 characters" ||
		p[1].Field != "data" || p[1].Problem != "nested deeper than 8 levels" {
		t.Errorf("over the caps: %v", p)
	}
}

func TestBriefAndChangeCheckLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	b := Brief{Objective: long(MaxDescriptionChars + 1), Audience: long(MaxDescriptionChars + 1),
		Channels: make([]Channel, len(Channels)+1), KPIs: make([]KPI, MaxKPIs+1)}
	b.KPIs[3] = KPI{Name: long(MaxKPINameChars + 1), Unit: long(MaxKPIUnitChars + 1)}
	var p Problems
	b.CheckLimits(&p)
	var fields []string
	for _, fp := range p {
		fields = append(fields, fp.Field)
	}
	if got := strings.Join(fields, " "); got != "objective audience channels kpis kpis[3].name kpis[3].unit" {
		t.Errorf("brief problems on %s", got)
	}

	p = nil
	Change{Reason: long(MaxCommentChars + 1), AddChannels: make([]Channel, 8), RemoveChannels: make([]Channel, 8)}.CheckLimits(&p)
	if len(p) != 3 || p[0].Field != "reason" || p[1].Field != "add_channels" || p[2].Field != "remove_channels" {
		t.Errorf("change problems = %v", p)
	}

	p = nil
	CheckActualsLimits(&p, append(make([]KPIActual, MaxKPIs), KPIActual{Name: long(MaxKPINameChars + 1)}))
	if len(p) != 2 || p[0].Field != "actuals" || p[1].Field != "actuals[20].name" {
		t.Errorf("actuals problems = %v", p)
	}
}

// TestTextIsCountedInCharacters: a name of 200 accented letters (400 bytes) is
// within the 200-character cap it was always documented as.
func TestTextIsCountedInCharacters(t *testing.T) {
	var p Problems
	CheckText(&p, "name", strings.Repeat("é", MaxNameChars), MaxNameChars)
	if len(p) != 0 {
		t.Errorf("200 characters refused: %v", p)
	}
	CheckText(&p, "name", strings.Repeat("é", MaxNameChars+1), MaxNameChars)
	if len(p) != 1 || p[0].Problem != "at most 200 characters" {
		t.Errorf("201 characters: %v", p)
	}
}
