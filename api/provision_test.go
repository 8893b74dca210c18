package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// An OpenID Connect sign-in with the provider's profile: someone new is added
// only when the board lets it and their groups give them a team; a known
// person takes the team and roles their groups map to; each change is in the
// sign-in's audit entry.
func TestSignInTakesTheProvidersProfile(t *testing.T) {
	e := newEnv(t)
	e.srv.addresses = nil
	signIn := func(email string, prof *vouch.Profile) *httptest.ResponseRecorder {
		ctx := vouch.ForEmailWith(context.Background(), email, domain.SignInOIDC, prof)
		return e.serve(httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/sessions", nil))
	}
	contentWriter := &vouch.Profile{Name: "Nia Okafor", Mapped: true, Team: domain.TeamContent, Roles: []domain.Role{domain.RoleContent}, Create: true}

	// Not in the directory, and the board may not add people: refused, no one added.
	noCreate := *contentWriter
	noCreate.Create = false
	want(t, signIn("Nia.Okafor@example.com", &noCreate), http.StatusUnauthorized, "unauthorized")
	// May add, but no group gives a team: refused, saying so.
	o := want(t, signIn("nia.okafor@example.com", &vouch.Profile{Name: "Nia", Create: true}), http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(o.Message, "none of their groups gives a team") {
		t.Errorf("refusal %q does not say why", o.Message)
	}
	if _, ok := e.records.people["nia.okafor"]; ok {
		t.Fatal("a refused sign-in added someone")
	}

	// Added, under a handle from the address, with the provider's name.
	rr := signIn("Nia.Okafor@example.com", contentWriter)
	want(t, rr, http.StatusCreated, "")
	if got := decodeJSON[SessionStarted](t, rr); got.Handle != "nia.okafor" {
		t.Errorf("session of %q, want nia.okafor's", got.Handle)
	}
	nia := e.records.people["nia.okafor"]
	if nia.Name != "Nia Okafor" || nia.Email != "Nia.Okafor@example.com" || nia.Team != domain.TeamContent || !slices.Equal(nia.Roles, []domain.Role{domain.RoleContent}) {
		t.Errorf("added %+v", nia)
	}
	if a := lastAudit(t, e); a.Actor != "nia.okafor" || a.Reason != "oidc sign-in; added to the directory from the provider as nia.okafor (content [content])" {
		t.Errorf("entry %+v", a)
	}

	// Someone else with the same local part gets the next free handle; a name
	// unfit for the directory gives way to the address's.
	other := &vouch.Profile{Name: "Nia\x1b[31m", Mapped: true, Team: domain.TeamLegal, Create: true}
	want(t, signIn("nia.okafor@legal.example.com", other), http.StatusCreated, "")
	if p := e.records.people["nia.okafor-2"]; p.Email != "nia.okafor@legal.example.com" || p.Name != "nia.okafor" || p.Team != domain.TeamLegal {
		t.Errorf("second added %+v", p)
	}

	// Known: their groups now map to web; the manager an admin set stays.
	nia.Manager = "mo"
	e.records.people["nia.okafor"] = nia
	moved := &vouch.Profile{Name: "Nia O.", Mapped: true, Team: domain.TeamWeb, Roles: []domain.Role{domain.RoleWeb, domain.RoleAnalytics}}
	want(t, signIn("nia.okafor@example.com", moved), http.StatusCreated, "")
	nia = e.records.people["nia.okafor"]
	if nia.Team != domain.TeamWeb || !slices.Equal(nia.Roles, moved.Roles) || nia.Manager != "mo" || nia.Name != "Nia Okafor" {
		t.Errorf("after a sign-in with new groups: %+v", nia)
	}
	if a := lastAudit(t, e); !strings.Contains(a.Reason, "team and roles from the provider's groups: web [web, analytics] (were content [content])") {
		t.Errorf("entry %+v", a)
	}
	// Groups that map to nothing leave the person as the directory has them.
	want(t, signIn("nia.okafor@example.com", &vouch.Profile{}), http.StatusCreated, "")
	if got := e.records.people["nia.okafor"]; got.Team != domain.TeamWeb || !slices.Equal(got.Roles, moved.Roles) {
		t.Errorf("unmapped groups changed %+v", got)
	}
	if a := lastAudit(t, e); a.Reason != "oidc sign-in" {
		t.Errorf("nothing changed, yet entry %+v", a)
	}
}

func TestHandleFrom(t *testing.T) {
	for in, want := range map[string]string{
		"Maya.Ortiz": "maya.ortiz", "o'brien": "o-brien", "_x": "x", "...": "person", "ünal": "nal",
		strings.Repeat("a", 80): strings.Repeat("a", 56),
	} {
		if got := handleFrom(in); got != want {
			t.Errorf("handleFrom(%q) = %q, want %q", in, got, want)
		}
		if got := handleFrom(in); !handlePattern.MatchString(got) {
			t.Errorf("handleFrom(%q) = %q, not a handle", in, got)
		}
	}
}
