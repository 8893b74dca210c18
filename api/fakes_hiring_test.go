package api

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/tandemhq/tandem/domain"
)

// hiringFake is the hiring part of a fakeRecords, kept beside it so the shared
// fake needs no field of ours.
type hiringFake struct {
	requests   map[string]domain.HiringRequest
	candidates map[string]domain.Candidate
	lastHiring domain.HiringFilter
	removed    []string
}

var hiringFakes sync.Map // *fakeRecords → *hiringFake

// hiring returns the hiring part of r; the caller holds r.mu.
func (r *fakeRecords) hiring() *hiringFake {
	v, _ := hiringFakes.LoadOrStore(r, &hiringFake{requests: map[string]domain.HiringRequest{}, candidates: map[string]domain.Candidate{}})
	return v.(*hiringFake)
}

func (r *fakeRecords) HiringRequest(_ context.Context, id string) (domain.HiringRequest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("HiringRequest"); err != nil {
		return domain.HiringRequest{}, err
	}
	h, ok := r.hiring().requests[id]
	if !ok {
		return h, domain.ErrNotFound
	}
	return h, nil
}

func (r *fakeRecords) HiringRequests(_ context.Context, f domain.HiringFilter) (domain.Page[domain.HiringRequest], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hiring().lastHiring = f
	if err := r.enter("HiringRequests"); err != nil {
		return domain.Page[domain.HiringRequest]{}, err
	}
	var out []domain.HiringRequest
	for _, h := range r.hiring().requests {
		if (f.Status == "" || h.Status == f.Status) && (f.RequestedBy == "" || h.RequestedBy == f.RequestedBy) &&
			(f.Team == "" || h.Request.Team == f.Team) && named(h.Request.Title, f.Name) {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b domain.HiringRequest) int { return strings.Compare(a.ID, b.ID) })
	if f.Newest {
		slices.Reverse(out)
	}
	return page(out, f.ListOptions)
}

func (r *fakeRecords) AddCandidate(_ context.Context, c domain.Candidate) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("AddCandidate"); err != nil {
		return err
	}
	r.hiring().candidates[c.ID] = c
	return nil
}

func (r *fakeRecords) RemoveCandidate(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("RemoveCandidate"); err != nil {
		return err
	}
	delete(r.hiring().candidates, id)
	r.hiring().removed = append(r.hiring().removed, id)
	return nil
}

func (r *fakeRecords) Candidates(_ context.Context, hiringID string) ([]domain.Candidate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Candidates"); err != nil {
		return nil, err
	}
	var out []domain.Candidate
	for _, c := range r.hiring().candidates {
		if c.HiringID == hiringID {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b domain.Candidate) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
