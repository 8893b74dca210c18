package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// deepJSON is an object nested levels deep, {"a":{"a":…{}}}, as JSON text.
func deepJSON(levels int) string {
	return strings.Repeat(`{"a":`, levels-1) + "{}" + strings.Repeat("}", levels-1)
}

// manyKeys is an object with n keys, as JSON text.
func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d": %d`, i, i)
	}
	return "{" + strings.Join(keys, ", ") + "}"
}

// TestCompleteTask422OverTheCaps is the case: data nested ten thousand
// deep, or too large, once answered 200 and broke the process's detail for good.
// Now each is refused before Temporal is called, naming the field, and nothing
// changes.
func TestCompleteTask422OverTheCaps(t *testing.T) {
	for name, tc := range map[string]struct{ body, field, problem string }{
		"nested ten thousand deep": {`{"outcome": "done", "data": ` + deepJSON(9_990) + `}`, "data", "nested deeper than 8 levels"},
		"one level too deep":       {`{"outcome": "done", "data": ` + deepJSON(9) + `}`, "data", "nested deeper than 8 levels"},
		"over 16 KiB":              {`{"outcome": "done", "data": {"blob": "` + strings.Repeat("x", 20_000) + `"}}`, "data", "larger than 16384 bytes as JSON"},
		"close to a megabyte":      {`{"outcome": "done", "data": {"blob": "` + strings.Repeat("x", maxBody-100) + `"}}`, "data", "larger than 16384 bytes as JSON"},
		"too many keys":            {`{"outcome": "done", "data": ` + manyKeys(65) + `}`, "data", "more than 64 keys"},
		"too many values":          {`{"outcome": "done", "data": {"l": [` + strings.Repeat("1,", 256) + `1]}}`, "data", "more than 256 values"},
		"comment too long":         {`{"outcome": "done", "comment": "` + strings.Repeat("x", 2001) + `"}`, "comment", "at most 2000 characters"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			completes(e)
			before := e.records.tasks[workTask]
			got := want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, tc.problem) {
				t.Errorf("details = %v, want %s: %s", got.Details, tc.field, tc.problem)
			}
			if len(e.temporal.updates) != 0 {
				t.Error("a completion over the caps reached Temporal")
			}
			if after := e.records.tasks[workTask]; after.Status != before.Status || after.Data != nil {
				t.Errorf("the task changed: %+v", after)
			}
		})
	}
}

// TestCompleteTaskAtTheCaps: data right at every cap is taken.
func TestCompleteTaskAtTheCaps(t *testing.T) {
	e := newEnv(t)
	withTasks(e)
	completes(e)
	body := `{"outcome": "done", "comment": "` + strings.Repeat("é", 2000) + `", "data": {"deep": ` + deepJSON(7) +
		`, "keys": ` + manyKeys(60) + `, "text": "` + strings.Repeat("x", 15_000) + `"}}`
	want(t, e.do("POST", "/api/v1/tasks/"+workTask+"/complete", "tok-cara", body), sOK, "")
	if len(e.temporal.updates) != 1 {
		t.Errorf("updates = %d, want 1", len(e.temporal.updates))
	}
}

// TestCommandsOverTheCaps: every other request whose content reaches a workflow
// is refused over its caps, naming the field, before Temporal is called.
func TestCommandsOverTheCaps(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	kpis := make([]string, 21)
	for i := range kpis {
		kpis[i] = fmt.Sprintf(`{"name": "k%d", "target": 1, "direction": "higher"}`, i)
	}
	actuals := strings.Repeat(`{"name": "signups", "value": 1},`, 21)
	for name, tc := range map[string]struct{ path, token, body, field, problem string }{
		"campaign objective": {"/campaigns", "tok-paula", brief(t, "objective", `"`+long(5001)+`"`), "objective", "at most 5000 characters"},
		"campaign audience":  {"/campaigns", "tok-paula", brief(t, "audience", `"`+long(5001)+`"`), "audience", "at most 5000 characters"},
		"campaign KPIs":      {"/campaigns", "tok-paula", brief(t, "kpis", "["+strings.Join(kpis, ",")+"]"), "kpis", "at most 20 items"},
		"KPI name":           {"/campaigns", "tok-paula", brief(t, "kpis", `[{"name": "`+long(101)+`", "target": 1, "direction": "higher"}]`), "kpis[0].name", "at most 100 characters"},
		"KPI unit":           {"/campaigns", "tok-paula", brief(t, "kpis", `[{"name": "n", "unit": "`+long(31)+`", "target": 1, "direction": "higher"}]`), "kpis[0].unit", "at most 30 characters"},
		"change reason":      {"/campaigns/" + campaignID1 + "/changes", "tok-paula", `{"launch_at": "2030-04-01T09:00:00Z", "reason": "` + long(2001) + `"}`, "reason", "at most 2000 characters"},
		"change channels":    {"/campaigns/" + campaignID1 + "/changes", "tok-paula", `{"add_channels": ["email","email","email","email","email","email","email","email"], "reason": "r"}`, "add_channels", "at most 7 items"},
		"KPI actuals":        {"/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{"actuals": [` + strings.TrimSuffix(actuals, ",") + `]}`, "actuals", "at most 20 items"},
		"KPI actual name":    {"/campaigns/" + campaignID1 + "/kpis", "tok-paula", `{"actuals": [{"name": "` + long(101) + `", "value": 1}]}`, "actuals[0].name", "at most 100 characters"},
		"campaign cancel":    {"/campaigns/" + campaignID1 + "/cancel", "tok-paula", `{"reason": "` + long(2001) + `"}`, "reason", "at most 2000 characters"},
		"blank cancel":       {"/campaigns/" + campaignID1 + "/cancel", "tok-paula", `{"reason": "  "}`, "reason", "required"},
		"task title":         {"/campaigns/" + campaignID1 + "/tasks", "tok-paula", strings.Replace(addTaskBody, `"Press kit"`, `"`+long(201)+`"`, 1), "title", "at most 200 characters"},
		"task description":   {"/campaigns/" + campaignID1 + "/tasks", "tok-paula", strings.Replace(addTaskBody, `"for PR"`, `"`+long(5001)+`"`, 1), "description", "at most 5000 characters"},
		"reassign reason":    {"/tasks/" + workTask + "/reassign", "tok-paula", `{"assignee": "cole", "reason": "` + long(2001) + `"}`, "reason", "at most 2000 characters"},
		"hiring cancel":      {"/hiring-requests/hir_aaaaaaaaaaaa/cancel", "tok-paula", `{"reason": "` + long(2001) + `"}`, "reason", "at most 2000 characters"},
		"risk description":   {"/risks", "tok-paula", `{"title": "t", "description": "` + long(5001) + `", "category": "schedule", "probability": 2, "impact": 2, "owner": "paula"}`, "description", "at most 5000 characters"},
		"risk assessment":    {"/risks/rsk_aaaaaaaaaaaa/assessments", "tok-paula", `{"probability": 2, "impact": 2, "comment": "` + long(2001) + `"}`, "comment", "at most 2000 characters"},
		"risk decision":      {"/risks/rsk_aaaaaaaaaaaa/resolve", "tok-paula", `{"comment": "` + long(2001) + `"}`, "comment", "at most 2000 characters"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			withTasks(e)
			got := want(t, e.do("POST", "/api/v1"+tc.path, tc.token, tc.body), sInvalid, domain.CodeInvalid)
			if !hasProblem(got, tc.field, tc.problem) {
				t.Errorf("details = %v, want %s: %s", got.Details, tc.field, tc.problem)
			}
			if len(e.temporal.updates) != 0 || len(e.temporal.starts) != 0 {
				t.Error("a command over the caps reached Temporal")
			}
		})
	}
}
