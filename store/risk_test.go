package store

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func testRisk(id string, created time.Time, sev domain.Severity, owner, related string) domain.Risk {
	r := domain.Risk{
		ID: id, WorkflowID: "risk/" + id, Title: "Printer", Category: domain.CategorySchedule,
		Probability: 5, Impact: 4, Score: 20, Severity: sev, Owner: owner, RaisedBy: owner, Status: domain.RiskOpen,
		Assessments: []domain.Assessment{{Probability: 5, Impact: 4, Score: 20, Severity: sev, By: owner, At: created}},
		Escalations: []domain.RiskEscalation{{Level: 1, From: owner, To: "dana", Why: "not acknowledged", At: created.Add(time.Hour)}},
		CreatedAt:   created, UpdatedAt: created,
	}
	if related != "" {
		r.Related = &domain.Related{Process: domain.ProcessCampaign, ID: related}
	}
	return r
}

func TestRisksRoundTripFilterAndPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		for i := range 5 {
			sev, owner, related := domain.SeverityHigh, "pat", ""
			if i%2 == 0 {
				sev, owner, related = domain.SeverityCritical, "maya", "cmp_000000000001"
			}
			mustApply(t, st, domain.Batch{Risk: new(testRisk(fmt.Sprintf("rsk_%012d", i), at(time.Duration(i)*time.Minute), sev, owner, related))})
		}
		// Written twice, the record is as after once, and reads back whole.
		want := testRisk("rsk_000000000000", at(0), domain.SeverityCritical, "maya", "cmp_000000000001")
		want.Status, want.Level = domain.RiskAcknowledged, 1
		mustApply(t, st, domain.Batch{Risk: &want})
		mustApply(t, st, domain.Batch{Risk: &want})
		got, err := st.Risk(t.Context(), want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %+v, %v\nwant %+v", got, err, want)
		}
		for _, tc := range []struct {
			f    domain.RiskFilter
			want int
		}{
			{domain.RiskFilter{}, 5},
			{domain.RiskFilter{Severity: domain.SeverityCritical}, 3},
			{domain.RiskFilter{Owner: "pat"}, 2},
			{domain.RiskFilter{Related: "cmp_000000000001"}, 3},
			{domain.RiskFilter{Status: domain.RiskAcknowledged}, 1},
			{domain.RiskFilter{Related: "cmp_000000000001", Severity: domain.SeverityHigh}, 0},
		} {
			var ids []string
			f := tc.f
			f.Limit = 2
			for {
				page, err := st.Risks(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Items {
					ids = append(ids, r.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if len(ids) != tc.want {
				t.Errorf("%+v: %v, want %d", tc.f, ids, tc.want)
			}
		}
		if _, err := st.Risk(t.Context(), "rsk_nothere00000"); err == nil {
			t.Error("a missing risk was found")
		}
	})
}
