package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

const validPerson = `{"name": "Nia Cole", "email": "nia@example.com", "team": "web", "roles": ["web"], "manager": "mo"}`

func TestPutPerson(t *testing.T) {
	e := newEnv(t)
	e.records.people["cole"] = domain.Person{Handle: "cole", Name: "Cole", Email: "cole@example.com", Team: domain.TeamCreative,
		OutOfOffice: &domain.OutOfOffice{From: testNow, To: testNow.Add(time.Hour), Delegate: "cara"}}

	rr := e.do("PUT", "/api/v1/people/nia", "tok-ada", validPerson)
	want(t, rr, sCreated, "")
	got := e.records.people["nia"]
	if got.Name != "Nia Cole" || got.Team != domain.TeamWeb || got.Manager != "mo" || len(got.Roles) != 1 || got.Roles[0] != domain.RoleWeb {
		t.Errorf("stored %+v", got)
	}

	// An update keeps the out-of-office window, which is the person's own route.
	rr = e.do("PUT", "/api/v1/people/cole", "tok-ada", `{"name": "Cole Brand", "email": "cole@example.com", "team": "content", "roles": ["content", "admin"]}`)
	want(t, rr, sOK, "")
	if p := decodeJSON[domain.Person](t, rr); p.Name != "Cole Brand" || p.OutOfOffice == nil || p.OutOfOffice.Delegate != "cara" {
		t.Errorf("answered %+v", p)
	}
	if p := e.records.people["cole"]; p.Team != domain.TeamContent || p.OutOfOffice == nil {
		t.Errorf("stored %+v", p)
	}
}

func TestPutPersonRefusals(t *testing.T) {
	e := newEnv(t)
	before := e.records.people["cara"]

	want(t, e.do("PUT", "/api/v1/people/cara", "", validPerson), sUnauth, "unauthorized")
	want(t, e.do("PUT", "/api/v1/people/cara", "tok-mo", validPerson), sForbid, domain.CodeForbidden)
	want(t, e.do("PUT", "/api/v1/people/cara", "tok-ada", `{"name": `), sBad, "bad_request")

	o := want(t, e.do("PUT", "/api/v1/people/cara", "tok-ada",
		`{"name": "", "email": "Cara <cara@example.com>", "team": "sales", "roles": ["web", "boss"], "manager": "zed"}`), sInvalid, domain.CodeInvalid)
	for _, p := range []struct{ field, text string }{
		{"name", "required"}, {"email", "e-mail"}, {"team", "must be one of"}, {"roles[1]", "must be one of"}, {"manager", `"zed"`},
	} {
		if !hasProblem(o, p.field, p.text) {
			t.Errorf("no problem %s %q in %+v", p.field, p.text, o.Details)
		}
	}
	if hasProblem(o, "roles[0]", "") {
		t.Errorf("a known role is refused: %+v", o.Details)
	}
	o = want(t, e.do("PUT", "/api/v1/people/cara", "tok-ada", `{"name": "Cara", "email": "cara@example.com", "team": "creative", "manager": "cara"}`), sInvalid, domain.CodeInvalid)
	if !hasProblem(o, "manager", "own manager") {
		t.Errorf("self-managed: %+v", o.Details)
	}
	o = want(t, e.do("PUT", "/api/v1/people/Bad%20Handle", "tok-ada", validPerson), sInvalid, domain.CodeInvalid)
	if !hasProblem(o, "handle", "lowercase") {
		t.Errorf("bad handle: %+v", o.Details)
	}
	if _, ok := e.records.people["Bad Handle"]; ok {
		t.Error("a person with a bad handle was stored")
	}
	if got := e.records.people["cara"]; got.Name != before.Name || got.Team != before.Team {
		t.Errorf("refused requests changed cara: %+v", got)
	}

	e.records.fail["UpsertPerson"] = errors.New("disk full")
	want(t, e.do("PUT", "/api/v1/people/cara", "tok-ada", validPerson), sInternal, "internal")
}

func TestCreatePersonToken(t *testing.T) {
	e := newEnv(t)
	rr := e.do("POST", "/api/v1/people/cara/tokens", "tok-ada", `{"label": "ci", "expires_in": "720h"}`)
	want(t, rr, sCreated, "")
	if cc := rr.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	res := decodeJSON[createTokenResponse](t, rr)
	wantAt := testNow.Add(720 * time.Hour)
	if res.ExpiresAt == nil || !res.ExpiresAt.Equal(wantAt) {
		t.Errorf("expires_at = %v, want %v", res.ExpiresAt, wantAt)
	}
	if e.records.tokens[res.Token] != "cara" || !strings.Contains(res.Token, "-ci-") {
		t.Errorf("token %q is not cara's labelled ci", res.Token)
	}
	// The new token authenticates as cara.
	want(t, e.do("GET", "/api/v1/me", res.Token, ""), sOK, "")

	rr = e.do("POST", "/api/v1/people/cara/tokens", "tok-ada", `{}`)
	want(t, rr, sCreated, "")
	if !strings.Contains(rr.Body.String(), `"expires_at":null`) {
		t.Errorf("a token without expiry answered %s", rr.Body)
	}

	n := len(e.records.tokens)
	want(t, e.do("POST", "/api/v1/people/cara/tokens", "", `{}`), sUnauth, "unauthorized")
	want(t, e.do("POST", "/api/v1/people/cara/tokens", "tok-cara", `{}`), sForbid, domain.CodeForbidden)
	want(t, e.do("POST", "/api/v1/people/zed/tokens", "tok-ada", `{}`), sNotFound, domain.CodeNotFound)
	for _, bad := range []string{"30d", "-1h", "0s"} {
		o := want(t, e.do("POST", "/api/v1/people/cara/tokens", "tok-ada", `{"expires_in": "`+bad+`"}`), sInvalid, domain.CodeInvalid)
		if !hasProblem(o, "expires_in", "positive Go duration") {
			t.Errorf("expires_in %s: %+v", bad, o.Details)
		}
	}
	if len(e.records.tokens) != n {
		t.Errorf("refused requests made tokens: %d, want %d", len(e.records.tokens), n)
	}
}

func TestRevokePersonTokens(t *testing.T) {
	e := newEnv(t)
	e.records.tokens["tok-cara-2"] = "cara"

	want(t, e.do("DELETE", "/api/v1/people/cara/tokens", "", ""), sUnauth, "unauthorized")
	want(t, e.do("DELETE", "/api/v1/people/cara/tokens", "tok-cara", ""), sForbid, domain.CodeForbidden)
	if e.records.tokens["tok-cara-2"] != "cara" {
		t.Fatal("a refused request revoked tokens")
	}
	want(t, e.do("DELETE", "/api/v1/people/zed/tokens", "tok-ada", ""), sNotFound, domain.CodeNotFound)

	rr := e.do("DELETE", "/api/v1/people/cara/tokens", "tok-ada", "")
	want(t, rr, sOK, "")
	if res := decodeJSON[struct{ Revoked int }](t, rr); res.Revoked != 2 {
		t.Errorf("revoked = %d, want 2", res.Revoked)
	}
	want(t, e.do("GET", "/api/v1/me", "tok-cara", ""), sUnauth, "unauthorized")
	rr = e.do("DELETE", "/api/v1/people/cara/tokens", "tok-ada", "")
	want(t, rr, sOK, "")
	if res := decodeJSON[struct{ Revoked int }](t, rr); res.Revoked != 0 {
		t.Errorf("second revoke = %d, want 0", res.Revoked)
	}
}
