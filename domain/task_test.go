package domain

import (
	"errors"
	"testing"
)

func TestCheckEligible(t *testing.T) {
	pm := Actor{Handle: "pat", Team: TeamPMO, Roles: []Role{RoleProjectManager}}
	mops := Actor{Handle: "maya", Team: TeamMarketingOps, Roles: []Role{RoleMarketingOpsManager}}
	designer := Actor{Handle: "cleo", Team: TeamCreative, Roles: []Role{RoleCreative}}
	webDesigner := Actor{Handle: "wes", Team: TeamWeb, Roles: []Role{RoleCreative}}
	delegate := Actor{Handle: "omar", Team: TeamMarketingOps, Roles: []Role{RoleMarketingOpsManager}, OnBehalfOf: "maya"}
	approval := Task{ID: "tsk_1", Kind: KindApproval, Status: TaskOpen, Assignee: "maya", RequestedBy: "pat", Role: RoleMarketingOpsManager, Team: TeamMarketingOps}
	teamWork := Task{ID: "tsk_2", Kind: KindWork, Status: TaskOpen, Role: RoleCreative, Team: TeamCreative}
	done := teamWork
	done.Status = TaskDone
	selfRaised := approval
	selfRaised.RequestedBy = "maya"

	for _, tc := range []struct {
		name string
		task Task
		who  Actor
		want error
	}{
		{"assignee", approval, mops, nil},
		{"delegate of the assignee", approval, delegate, nil},
		{"someone else", approval, pm, ErrForbidden},
		{"requester approving their own request", selfRaised, mops, ErrForbidden},
		{"delegate approving for the requester", selfRaised, delegate, ErrForbidden},
		{"role holder in the team", teamWork, designer, nil},
		{"role holder outside the team", teamWork, webDesigner, ErrForbidden},
		{"without the role", teamWork, pm, ErrForbidden},
		{"task no longer open", done, designer, ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.task.CheckEligible(tc.who)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("CheckEligible = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckOutcome(t *testing.T) {
	approval := Task{Kind: KindApproval}
	work := Task{Kind: KindWork}
	for _, tc := range []struct {
		name  string
		task  Task
		c     Completion
		field string // the field a refusal names, "" when accepted
	}{
		{"approve", approval, Completion{Outcome: OutcomeApproved}, ""},
		{"reject with comment", approval, Completion{Outcome: OutcomeRejected, Comment: "no"}, ""},
		{"reject without comment", approval, Completion{Outcome: OutcomeRejected}, "comment"},
		{"changes without comment", approval, Completion{Outcome: OutcomeChangesRequested, Comment: "  "}, "comment"},
		{"approval done", approval, Completion{Outcome: OutcomeDone}, "outcome"},
		{"work done", work, Completion{Outcome: OutcomeDone}, ""},
		{"work approved", work, Completion{Outcome: OutcomeApproved}, "outcome"},
		{"empty", work, Completion{}, "outcome"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.task.CheckOutcome(tc.c)
			var ve *ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Problems[0].Field != tc.field):
				t.Errorf("got %v, want a problem with %s", err, tc.field)
			}
		})
	}
}

func TestCodeAndMessage(t *testing.T) {
	for _, tc := range []struct {
		err        error
		code, text string
	}{
		{Forbiddenf("only %s", "maya"), CodeForbidden, "only maya"},
		{Conflictf("task is done"), CodeConflict, "task is done"},
		{NotFoundf("no task"), CodeNotFound, "no task"},
		{Invalid(FieldProblem{"name", "required"}), CodeInvalid, "invalid: name: required"},
		{errors.New("disk on fire"), "", "disk on fire"},
	} {
		if got := Code(tc.err); got != tc.code {
			t.Errorf("Code(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := Message(tc.err); got != tc.text {
			t.Errorf("Message(%v) = %q, want %q", tc.err, got, tc.text)
		}
	}
	if Invalid() != nil {
		t.Error("Invalid() with no problems must be nil")
	}
}

func TestIDs(t *testing.T) {
	id := NewID(PrefixCampaign)
	if !HasPrefixID(id, PrefixCampaign) || id == NewID(PrefixCampaign) {
		t.Errorf("NewID = %q: want a fresh cmp_ ID each time", id)
	}
	a, b := TaskID("cmp_1", 1), TaskID("cmp_1", 2)
	if a != TaskID("cmp_1", 1) || a == b || a == TaskID("cmp_2", 1) || !HasPrefixID(a, PrefixTask) {
		t.Errorf("TaskID must be stable per (process, seq) and distinct: %q %q", a, b)
	}
	for _, bad := range []string{"cmp_", "tsk_abcdefghjkmn", "cmp_ABCDEFGHJKMN", "cmp_abcdefghjkm", "cmp_abcdefghjkmi"} {
		if HasPrefixID(bad, PrefixCampaign) {
			t.Errorf("HasPrefixID(%q) = true", bad)
		}
	}
}
