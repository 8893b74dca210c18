package api

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/tandemhq/tandem/domain"
)

// riskFake is the risk part of a fakeRecords, kept beside it so the shared fake
// needs no field of ours.
type riskFake struct {
	risks    map[string]domain.Risk
	lastRisk domain.RiskFilter
}

var riskFakes sync.Map // *fakeRecords → *riskFake

// risk returns the risk part of r; the caller holds r.mu.
func (r *fakeRecords) risk() *riskFake {
	v, _ := riskFakes.LoadOrStore(r, &riskFake{risks: map[string]domain.Risk{}})
	return v.(*riskFake)
}

func (r *fakeRecords) Risk(_ context.Context, id string) (domain.Risk, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Risk"); err != nil {
		return domain.Risk{}, err
	}
	k, ok := r.risk().risks[id]
	if !ok {
		return k, domain.ErrNotFound
	}
	return k, nil
}

func (r *fakeRecords) Risks(_ context.Context, f domain.RiskFilter) (domain.Page[domain.Risk], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.risk().lastRisk = f
	if err := r.enter("Risks"); err != nil {
		return domain.Page[domain.Risk]{}, err
	}
	var out []domain.Risk
	for _, k := range r.risk().risks {
		related := ""
		if k.Related != nil {
			related = k.Related.ID
		}
		if (f.Severity == "" || k.Severity == f.Severity) && (f.Status == "" || k.Status == f.Status) &&
			(f.Owner == "" || k.Owner == f.Owner) && (f.Related == "" || related == f.Related) && named(k.Title, f.Name) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b domain.Risk) int { return strings.Compare(a.ID, b.ID) })
	if f.Newest {
		slices.Reverse(out)
	}
	return page(out, f.ListOptions)
}
