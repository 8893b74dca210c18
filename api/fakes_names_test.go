package api

import (
	"context"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// Names of fakeRecords: what the fake holds, by ID, as the store answers it.
func (r *fakeRecords) Names(_ context.Context, ids []string) ([]domain.NamedID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Names"); err != nil {
		return nil, err
	}
	var out []domain.NamedID
	for _, id := range ids {
		if c, ok := r.campaigns[id]; ok {
			out = append(out, domain.NamedID{ID: id, Kind: domain.NameCampaign, Name: c.Brief.Name})
		}
		if h, ok := r.hiring().requests[id]; ok {
			out = append(out, domain.NamedID{ID: id, Kind: domain.NameHiring, Name: h.Request.Title})
		}
		if k, ok := r.risk().risks[id]; ok {
			out = append(out, domain.NamedID{ID: id, Kind: domain.NameRisk, Name: k.Title})
		}
		if t, ok := r.tasks[id]; ok {
			out = append(out, domain.NamedID{ID: id, Kind: domain.NameTask, Name: t.Title})
		}
		if c, ok := r.hiring().candidates[id]; ok {
			out = append(out, domain.NamedID{ID: id, Kind: domain.NameCandidate, Name: c.Name, HiringID: c.HiringID})
		}
	}
	slices.SortFunc(out, func(a, b domain.NamedID) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
