package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func validRequisition(now time.Time) Requisition {
	return Requisition{
		Title: "Analyst", Team: TeamAnalytics, Level: "L3", Kind: HireNew, Justification: "Reports",
		Budget: SalaryRange{Min: 70000, Max: 90000, Currency: "EUR"}, NeededBy: now.Add(24 * time.Hour), HiringManager: "sam",
	}
}

func TestRequisitionValidate(t *testing.T) {
	now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		change func(*Requisition)
		field  string
	}{
		"valid":            {func(*Requisition) {}, ""},
		"no title":         {func(r *Requisition) { r.Title = " " }, "title"},
		"unknown team":     {func(r *Requisition) { r.Team = "it" }, "team"},
		"bad kind":         {func(r *Requisition) { r.Kind = "temp" }, "kind"},
		"min above max":    {func(r *Requisition) { r.Budget.Min = 100000 }, "budget.min"},
		"zero max":         {func(r *Requisition) { r.Budget.Max = 0 }, "budget"},
		"bad currency":     {func(r *Requisition) { r.Budget.Currency = "eur" }, "budget.currency"},
		"needed in past":   {func(r *Requisition) { r.NeededBy = now }, "needed_by"},
		"no manager":       {func(r *Requisition) { r.HiringManager = "" }, "hiring_manager"},
		"no level":         {func(r *Requisition) { r.Level = "" }, "level"},
		"no explanation":   {func(r *Requisition) { r.Justification = "" }, "justification"},
		"long title":       {func(r *Requisition) { r.Title = strings.Repeat("x", 201) }, "title"},
		"backfill is fine": {func(r *Requisition) { r.Kind = HireBackfill }, ""},
	} {
		r := validRequisition(now)
		tc.change(&r)
		err := r.Validate(now)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%s: %v, want a problem with %s", name, err, tc.field)
		}
	}
}

func TestRevisionApply(t *testing.T) {
	now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	r := validRequisition(now)
	level := "L4"
	min, max, eur := 80000.0, 120000.0, "EUR"
	got, err := Revision{Level: &level, Budget: &BudgetRevision{Min: &min, Max: &max, Currency: &eur}}.Apply(r, now)
	if err != nil || got.Level != "L4" || got.Budget.Max != 120000 || got.Title != r.Title {
		t.Errorf("Apply = %+v, %v", got, err)
	}
	// A budget's part left out stays as it was.
	got, err = Revision{Budget: &BudgetRevision{Max: &max}}.Apply(r, now)
	if err != nil || got.Budget != (SalaryRange{Min: r.Budget.Min, Max: 120000, Currency: r.Budget.Currency}) {
		t.Errorf("Apply of the max alone = %+v, %v", got.Budget, err)
	}
	past := now.Add(-time.Hour)
	if _, err := (Revision{NeededBy: &past}).Apply(r, now); err == nil {
		t.Error("a revision into the past was accepted")
	}
}

func TestChainForAddsTheDirectorAboveTheThreshold(t *testing.T) {
	p := DefaultPolicy().Hiring
	keys := func(max float64) []string {
		var out []string
		for _, s := range p.ChainFor(SalaryRange{Max: max}) {
			out = append(out, s.Key)
		}
		return out
	}
	if got := keys(150000); !slices.Equal(got, []string{"mops", "finance", "hr"}) {
		t.Errorf("at the threshold: %v", got)
	}
	if got := keys(150001); !slices.Equal(got, []string{"mops", "finance", "director", "hr"}) {
		t.Errorf("above the threshold: %v", got)
	}
	if rung, ok := p.Up(RoleFinance); !ok || rung.To != RoleDirector {
		t.Errorf("finance escalates to %+v", rung)
	}
	if _, ok := p.Up(RoleDirector); ok {
		t.Error("the director has a rung above")
	}
}

func TestHiringPolicyCheck(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Hiring.Chain = append(p.Hiring.Chain, ApprovalStep{Key: "mops", Role: "boss", Team: TeamHR})
	p.Hiring.AnswerSLA = 0
	err := p.Validate()
	for _, want := range []string{"hiring.chain[4].key", "hiring.chain[4].role", "hiring.chain[4].sla", "hiring.answer_sla"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not name %s", err, want)
		}
	}
}

func TestCandidateValidate(t *testing.T) {
	if err := (Candidate{Name: "Jane Roe", Email: "jane@example.com"}).Validate(); err != nil {
		t.Error(err)
	}
	for _, c := range []Candidate{{Name: "", Email: "jane@example.com"}, {Name: "Jane", Email: "Jane <jane@example.com>"}, {Name: "Jane", Email: "nope"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestMayReadCandidates(t *testing.T) {
	r := HiringRequest{RequestedBy: "pat", Request: Requisition{HiringManager: "sam"}}
	for a, want := range map[string]bool{"pat": true, "sam": true, "maya": true, "hana": true, "finn": false} {
		roles := map[string][]Role{"maya": {RoleMarketingOpsManager}, "hana": {RoleHR}, "finn": {RoleFinance}}[a]
		if got := r.MayReadCandidates(Actor{Handle: a, Roles: roles}); got != want {
			t.Errorf("%s may read candidates: %v, want %v", a, got, want)
		}
	}
}

func TestMayReadConfidentialIsForThePeopleInvolved(t *testing.T) {
	r := HiringRequest{ID: "hir_1", RequestedBy: "pat", Request: Requisition{HiringManager: "sam"},
		Chain: []ChainStep{{Key: "mops", Approver: "dana", Role: RoleMarketingOpsManager}, {Key: "finance", DecidedBy: "ivy"}}}
	for a, want := range map[string]bool{
		"pat": true, "sam": true, // requester, hiring manager
		"maya": true, "finn": true, "hana": true, "dora": true, "ada": true, // the roles that approve or run hiring, admins
		"dana": true, "ivy": true, // a step's approver, now or when it was decided
		"cleo": false, "ria": false, // a creative, another project manager
	} {
		roles := map[string][]Role{"maya": {RoleMarketingOpsManager}, "finn": {RoleFinance}, "hana": {RoleHR}, "dora": {RoleDirector},
			"ada": {RoleAdmin}, "cleo": {RoleCreative}, "ria": {RoleProjectManager}}[a]
		if got := r.MayReadConfidential(Actor{Handle: a, Roles: roles}); got != want {
			t.Errorf("%s may read the budget: %v, want %v", a, got, want)
		}
	}
	ria := Actor{Handle: "ria", Roles: []Role{RoleProjectManager}}
	offer := Task{ProcessID: "hir_1", Assignee: "ria"}
	if !r.MayReadConfidentialWith(ria, []Task{offer}) || r.MayReadConfidentialWith(ria, []Task{{ProcessID: "hir_2", Assignee: "ria"}}) {
		t.Error("the holder of one of the request's tasks, and only of its own, is involved")
	}
	r.Request.Budget, r.Request.Justification, r.Offer = SalaryRange{Min: 1, Max: 2, Currency: "EUR"}, "why", &Offer{Amount: 3}
	r.HideConfidential()
	if r.Request.Budget != (SalaryRange{}) || r.Request.Justification != "" || r.Offer != nil {
		t.Errorf("hidden: %+v, offer %+v", r.Request, r.Offer)
	}
}
