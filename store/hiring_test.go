package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func testHiring(id string, team domain.Team, by string, status domain.Status, created time.Time) domain.HiringRequest {
	decided := created.Add(time.Hour).In(time.FixedZone("CET", 3600))
	return domain.HiringRequest{
		ID: id, WorkflowID: "hiring/" + id, Status: status, Stage: domain.StageApproval, Step: "finance", RequestedBy: by, Round: 1,
		Request: domain.Requisition{
			Title: "Analyst", Team: team, Level: "L3", Kind: domain.HireNew, Justification: "Reports",
			Budget: domain.SalaryRange{Min: 1, Max: 2, Currency: "EUR"}, NeededBy: created.Add(90 * 24 * time.Hour), HiringManager: "sam",
		},
		Chain: []domain.ChainStep{
			{Key: "mops", Role: domain.RoleMarketingOpsManager, Team: domain.TeamMarketingOps, Approver: "dana", Decision: domain.DecisionApproved,
				DecidedBy: "dana", DecidedAt: &decided, Escalations: []domain.Escalation{{From: "maya", To: "dana", At: decided}}},
			{Key: "finance", Role: domain.RoleFinance, Team: domain.TeamFinance, Decision: domain.DecisionPending, Escalations: []domain.Escalation{}},
		},
		Candidates: []domain.CandidateRef{{ID: "cnd_aaaaaaaaaaaa", Status: domain.CandidateInterviewing}},
		CreatedAt:  created, UpdatedAt: created,
	}
}

func TestHiringRecordRoundTripsAndLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		base := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		a := testHiring("hir_aaaaaaaaaaaa", domain.TeamAnalytics, "pat", domain.StatusActive, base)
		b := testHiring("hir_bbbbbbbbbbbb", domain.TeamWeb, "sam", domain.StatusActive, base.Add(time.Minute))
		c := testHiring("hir_cccccccccccc", domain.TeamAnalytics, "pat", domain.StatusRejected, base.Add(2*time.Minute))
		for _, h := range []domain.HiringRequest{a, b, c, a} { // a twice: idempotent
			if err := st.Apply(ctx, domain.Batch{Hiring: &h}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.HiringRequest(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := hiringUTC(a); !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, want)
		}
		if _, err := st.HiringRequest(ctx, "hir_zzzzzzzzzzzz"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing request: %v, want not found", err)
		}
		for name, tc := range map[string]struct {
			f    domain.HiringFilter
			want []string
		}{
			"all":          {domain.HiringFilter{}, []string{a.ID, b.ID, c.ID}},
			"status":       {domain.HiringFilter{Status: domain.StatusActive}, []string{a.ID, b.ID}},
			"requested_by": {domain.HiringFilter{RequestedBy: "pat"}, []string{a.ID, c.ID}},
			"team":         {domain.HiringFilter{Team: domain.TeamWeb}, []string{b.ID}},
			"combined":     {domain.HiringFilter{Team: domain.TeamAnalytics, Status: domain.StatusRejected}, []string{c.ID}},
		} {
			var ids []string
			f := tc.f
			f.Limit = 2
			for {
				page, err := st.HiringRequests(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range page.Items {
					ids = append(ids, h.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("%s: %v, want %v", name, ids, tc.want)
			}
		}
	})
}

func TestHiringCandidatesAddAndRemove(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		c1 := domain.Candidate{ID: "cnd_aaaaaaaaaaaa", HiringID: "hir_aaaaaaaaaaaa", Name: "Jane Roe", Email: "jane@example.com", AddedBy: "hana", CreatedAt: at}
		c2 := domain.Candidate{ID: "cnd_bbbbbbbbbbbb", HiringID: "hir_aaaaaaaaaaaa", Name: "John Poe", Email: "john@example.com", AddedBy: "hana", CreatedAt: at.Add(time.Second)}
		for _, c := range []domain.Candidate{c1, c2} {
			if err := st.AddCandidate(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddCandidate(ctx, c1); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("duplicate candidate: %v, want conflict", err)
		}
		if err := st.RemoveCandidate(ctx, c1.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveCandidate(ctx, c1.ID); err != nil {
			t.Errorf("removing twice: %v", err)
		}
		got, err := st.Candidates(ctx, "hir_aaaaaaaaaaaa")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []domain.Candidate{c2}) {
			t.Errorf("candidates = %+v, want only %+v", got, c2)
		}
	})
}
