package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// textCase is one command with one bad text in its body, and the field the
// answer must name.
type textCase struct {
	method, path, token, body, field string
}

// textCases put bad (a JSON string fragment) in one free-text field of every
// kind of command body.
func textCases(bad string) []textCase {
	campaign := "/api/v1/campaigns/" + campaignID1
	return []textCase{
		{"POST", "/api/v1/campaigns", "tok-paula", `{"name":"Spring` + bad + `","objective":"o","audience":"a","channels":["email"],"budget":{"amount":1,"currency":"EUR"},"launch_at":"2030-03-01T00:00:00Z","kpis":[{"name":"k","target":1,"unit":"u","direction":"higher"}],"project_manager":"paula","marketing_ops_manager":"mo"}`, "name"},
		{"POST", "/api/v1/campaigns", "tok-paula", `{"name":"Spring","objective":"o","audience":"a","channels":["email"],"budget":{"amount":1,"currency":"EUR"},"launch_at":"2030-03-01T00:00:00Z","kpis":[{"name":"k","target":1,"unit":"u` + bad + `","direction":"higher"}],"project_manager":"paula","marketing_ops_manager":"mo"}`, "kpis[0].unit"},
		{"POST", campaign + "/changes", "tok-paula", `{"add_channels":["web"],"reason":"moved` + bad + `"}`, "reason"},
		{"POST", campaign + "/cancel", "tok-paula", `{"reason":"off` + bad + `"}`, "reason"},
		{"POST", campaign + "/tasks", "tok-paula", `{"title":"Video","description":"d` + bad + `","team":"creative","role":"creative","due_at":"2030-02-01T00:00:00Z"}`, "description"},
		{"POST", "/api/v1/tasks/" + fuzzTaskID + "/complete", "tok-mo", `{"outcome":"approved","comment":"ok` + bad + `"}`, "comment"},
		{"POST", "/api/v1/tasks/" + fuzzTaskID + "/complete", "tok-mo", `{"outcome":"approved","data":{"plan":{"steps":["a","b` + bad + `"]}}}`, "data.plan.steps[1]"},
		{"POST", "/api/v1/tasks/" + fuzzTaskID + "/complete", "tok-mo", `{"outcome":"approved","data":{"k` + bad + `":1}}`, "data"},
		{"POST", "/api/v1/tasks/" + fuzzTaskID + "/reassign", "tok-paula", `{"assignee":"cara","reason":"away` + bad + `"}`, "reason"},
		{"POST", "/api/v1/hiring-requests", "tok-paula", `{"title":"Analyst","team":"analytics","level":"L3","kind":"new","justification":"j` + bad + `","budget":{"min":1,"max":2,"currency":"EUR"},"needed_by":"2030-03-01T00:00:00Z","hiring_manager":"paula"}`, "justification"},
		{"POST", "/api/v1/hiring-requests/" + fuzzHiringID + "/candidates", "tok-paula", `{"name":"Jane` + bad + `","email":"jane@example.com"}`, "name"},
		{"POST", "/api/v1/risks", "tok-paula", `{"title":"Venue` + bad + `","description":"d","category":"schedule","probability":5,"impact":4,"owner":"paula"}`, "title"},
		{"PUT", "/api/v1/people/paula/out-of-office", "tok-paula", `{"from":"2030-01-08T00:00:00Z","to":"2030-01-15T00:00:00Z","delegate":"mo` + bad + `"}`, "delegate"},
		{"PUT", "/api/v1/people/cara", "tok-ada", `{"name":"Cara` + bad + `","email":"cara@example.com","team":"creative","roles":["creative"]}`, "name"},
		{"POST", "/api/v1/people/cara/tokens", "tok-ada", `{"label":"laptop` + bad + `"}`, "label"},
		{"POST", "/api/v1/webhooks", "tok-paula", `{"url":"https://example.com/hook` + bad + `","secret":"0123456789abcdef0123456789abcdef","events":["task.opened"],"format":"json"}`, "url"},
	}
}

// Control characters but tab and line breaks are refused in every free-text field
// of every body, 422 naming the field, before anything is started, updated or
// stored.
func TestControlCharactersAreRefusedInEveryBody(t *testing.T) {
	for _, bad := range []string{`\u0000`, `\u001b[2J`, `\u0008`, `\u007f`, `\u009b`} {
		for _, tc := range textCases(bad) {
			e := fuzzEnv(t)
			before := e.records.people["cara"]
			rr := e.do(tc.method, tc.path, tc.token, tc.body)
			if rr.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s %s with %s in %s: status %d, want 422: %s", tc.method, tc.path, bad, tc.field, rr.Code, rr.Body)
				continue
			}
			var b errorBody
			if err := json.Unmarshal(rr.Body.Bytes(), &b); err != nil || len(b.Error.Details) == 0 || b.Error.Details[0].Field != tc.field ||
				!strings.Contains(b.Error.Details[0].Problem, "control characters") {
				t.Errorf("%s %s with %s: body %s, want the field %s named", tc.method, tc.path, bad, rr.Body, tc.field)
			}
			if len(e.temporal.starts) != 0 || len(e.temporal.updates) != 0 {
				t.Errorf("%s %s with %s: Temporal was called: %+v %+v", tc.method, tc.path, bad, e.temporal.starts, e.temporal.updates)
			}
			if e.records.people["paula"].OutOfOffice != nil || e.records.people["cara"].Name != before.Name || len(e.records.keys) != 0 {
				t.Errorf("%s %s with %s: something was stored", tc.method, tc.path, bad)
			}
		}
	}
}

// Tab and line breaks are text: the CR LF a browser sends for each line of a
// text area is kept as it is.
func TestLineBreaksAndTabsAreText(t *testing.T) {
	e := fuzzEnv(t)
	rr := e.do("POST", "/api/v1/tasks/"+fuzzTaskID+"/complete", "tok-mo", `{"outcome":"approved","comment":"first line\r\nsecond\tline\n"}`)
	if rr.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rr.Code, rr.Body)
	}
	if len(e.temporal.updates) != 1 {
		t.Fatalf("updates %+v", e.temporal.updates)
	}
}

// A required text made only of spaces, zero-width and other invisible characters
// is missing.
func TestInvisibleTextIsMissing(t *testing.T) {
	for _, blank := range []string{` `, `\u200b`, `\u200b\u200c\u200d\u2060\ufeff`, `\u3000\u00a0`, `\u3164`, `\u2800`, `\t\n`} {
		e := fuzzEnv(t)
		for _, tc := range []textCase{
			{"POST", "/api/v1/campaigns", "tok-paula", `{"name":"` + blank + `","objective":"o","audience":"a","channels":["email"],"budget":{"amount":1,"currency":"EUR"},"launch_at":"2030-03-01T00:00:00Z","kpis":[{"name":"k","target":1,"unit":"u","direction":"higher"}],"project_manager":"paula","marketing_ops_manager":"mo"}`, "name"},
			{"POST", "/api/v1/campaigns", "tok-paula", `{"name":"n","objective":"o","audience":"a","channels":["email"],"budget":{"amount":1,"currency":"EUR"},"launch_at":"2030-03-01T00:00:00Z","kpis":[{"name":"` + blank + `","target":1,"unit":"u","direction":"higher"}],"project_manager":"paula","marketing_ops_manager":"mo"}`, "kpis[0].name"},
			{"POST", "/api/v1/campaigns/" + campaignID1 + "/cancel", "tok-paula", `{"reason":"` + blank + `"}`, "reason"},
			{"POST", "/api/v1/campaigns/" + campaignID1 + "/tasks", "tok-paula", `{"title":"` + blank + `","team":"creative","role":"creative","due_at":"2030-02-01T00:00:00Z"}`, "title"},
			{"POST", "/api/v1/tasks/" + fuzzTaskID + "/complete", "tok-mo", `{"outcome":"rejected","comment":"` + blank + `"}`, "comment"},
			{"POST", "/api/v1/hiring-requests", "tok-paula", `{"title":"` + blank + `","team":"analytics","level":"L3","kind":"new","justification":"j","budget":{"min":1,"max":2,"currency":"EUR"},"needed_by":"2030-03-01T00:00:00Z","hiring_manager":"paula"}`, "title"},
			{"POST", "/api/v1/hiring-requests/" + fuzzHiringID + "/candidates", "tok-paula", `{"name":"` + blank + `","email":"jane@example.com"}`, "name"},
			{"POST", "/api/v1/hiring-requests/" + fuzzHiringID + "/cancel", "tok-paula", `{"reason":"` + blank + `"}`, "reason"},
			{"POST", "/api/v1/risks", "tok-paula", `{"title":"` + blank + `","description":"d","category":"schedule","probability":5,"impact":4,"owner":"paula"}`, "title"},
			{"PUT", "/api/v1/people/cara", "tok-ada", `{"name":"` + blank + `","email":"cara@example.com","team":"creative","roles":["creative"]}`, "name"},
		} {
			rr := e.do(tc.method, tc.path, tc.token, tc.body)
			if rr.Code != http.StatusUnprocessableEntity || !strings.Contains(rr.Body.String(), `"field":"`+tc.field+`"`) {
				t.Errorf("%s %s with %s as %s: %d %s, want 422 naming %s", tc.method, tc.path, blank, tc.field, rr.Code, rr.Body, tc.field)
			}
		}
		if len(e.temporal.starts) != 0 || len(e.temporal.updates) != 0 {
			t.Errorf("%s: Temporal was called: %+v %+v", blank, e.temporal.starts, e.temporal.updates)
		}
	}
}

// The path and the query reach the database too: a control character or bytes
// that are not UTF-8 there are refused before any lookup.
func TestControlCharactersInTheURLAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/tasks?assignee=%00", http.StatusUnprocessableEntity},
		{"GET", "/api/v1/campaigns?owner=%ff", http.StatusUnprocessableEntity},
		{"GET", "/api/v1/tasks?process_id=a%1bb", http.StatusUnprocessableEntity},
		{"GET", "/api/v1/people?%00=1", http.StatusUnprocessableEntity},
		{"PUT", "/api/v1/people/pa%00ula/out-of-office", http.StatusNotFound},
		{"PUT", "/api/v1/people/pa%ffula/out-of-office", http.StatusNotFound},
	} {
		rr := e.do(tc.method, tc.path, "tok-ada", `{}`)
		if rr.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, rr.Code, tc.status, rr.Body)
		}
	}
	rr := e.do("POST", "/api/v1/risks", "tok-paula", `{"title":"Venue","description":"d","category":"schedule","probability":5,"impact":4,"owner":"paula"}`, "Idempotency-Key", "key\xff")
	if rr.Code != http.StatusBadRequest || len(e.records.keys) != 0 || len(e.temporal.starts) != 0 {
		t.Errorf("an Idempotency-Key that is not UTF-8: status %d (%s), keys %v, starts %d", rr.Code, rr.Body, e.records.keys, len(e.temporal.starts))
	}
}
