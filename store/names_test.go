package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestNamesAnswersEachKindByIDInOneLookup(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		c := newCampaign("cmp_000000000001", "pat", "maya", domain.StatusActive, at(0))
		h := testHiring("hir_aaaaaaaaaaaa", domain.TeamAnalytics, "pat", domain.StatusActive, at(0))
		h.Request.Title = "Marketing analyst"
		k := testRisk("rsk_000000000001", at(0), domain.SeverityHigh, "maya", "")
		task := newTask("tsk_000000000001", at(0))
		mustApply(t, st, domain.Batch{Campaign: &c, Hiring: &h, Risk: &k, Tasks: []domain.Task{task}})
		if err := st.AddCandidate(ctx, domain.Candidate{ID: "cnd_aaaaaaaaaaaa", HiringID: h.ID, Name: "Jane Roe", Email: "jane@example.com", AddedBy: "hana", CreatedAt: at(time.Minute)}); err != nil {
			t.Fatal(err)
		}

		got, err := st.Names(ctx, []string{"tsk_000000000001", "cnd_aaaaaaaaaaaa", "rsk_000000000001", "hir_aaaaaaaaaaaa",
			"cmp_000000000001", "cmp_nosuchone000", "xyz_000000000001", "rsk_"})
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.NamedID{
			{ID: "cmp_000000000001", Kind: domain.NameCampaign, Name: c.Brief.Name},
			{ID: "hir_aaaaaaaaaaaa", Kind: domain.NameHiring, Name: "Marketing analyst"},
			{ID: "rsk_000000000001", Kind: domain.NameRisk, Name: "Printer"},
			{ID: "tsk_000000000001", Kind: domain.NameTask, Name: task.Title},
			{ID: "cnd_aaaaaaaaaaaa", Kind: domain.NameCandidate, Name: "Jane Roe", HiringID: h.ID},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Names:\n got %+v\nwant %+v", got, want)
		}
		if got, err := st.Names(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Names of nothing: %v, %v; want none", got, err)
		}
	})
}
