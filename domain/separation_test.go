package domain

import (
	"slices"
	"testing"
)

func TestAboveClimbsTheHiringRungsThenTheRiskLadder(t *testing.T) {
	p := DefaultPolicy()
	for _, tc := range []struct {
		role Role
		want Role
		ok   bool
	}{
		{RoleMarketingOpsManager, RoleDirector, true}, // the hiring rung
		{RoleFinance, RoleDirector, true},
		{RoleHR, RoleDirector, true},
		{RoleDirector, "", false}, // the top
		{RoleCreative, "", false}, // on neither ladder
	} {
		rung, ok := p.Above(tc.role)
		if ok != tc.ok || rung.To != tc.want {
			t.Errorf("above %s: %s, %t; want %s, %t", tc.role, rung.To, ok, tc.want, tc.ok)
		}
	}
	// Without the hiring rungs, the risk ladder (owner, manager, MOps, director) says it.
	p.Hiring.Escalation = nil
	if rung, ok := p.Above(RoleMarketingOpsManager); !ok || rung.To != RoleDirector {
		t.Errorf("above MOps on the risk ladder: %+v, %t", rung, ok)
	}
}

func TestSoleHoldersAreTheRolesNobodyElseHolds(t *testing.T) {
	maya := Person{Handle: "maya", Roles: []Role{RoleMarketingOpsManager, RoleDirector}}
	people := []Person{maya, {Handle: "dana", Roles: []Role{RoleDirector}}, {Handle: "finn", Roles: []Role{RoleFinance}}}
	got := SoleHolders(maya, people, []Role{RoleMarketingOpsManager, RoleFinance, RoleDirector})
	if !slices.Equal(got, []Role{RoleMarketingOpsManager}) {
		t.Errorf("sole holders = %v, want only marketing ops: finance is not hers, dana is a director too", got)
	}
	if got := SoleHolders(Person{Handle: "pat", Roles: []Role{RoleProjectManager}}, people, []Role{RoleMarketingOpsManager}); got != nil {
		t.Errorf("a requester without the role: %v, want none", got)
	}
}
