package api

import (
	"context"
	"sync"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The capacity part of fakeRecords, kept beside it so the shared fake needs
// no field of ours: the reports answer what a test put in, and keep the
// default weekly hours they were asked with; weekly hours are set on the
// fake's people, as in the store.
type capacityFake struct {
	estimates     domain.EstimateReport
	capacity      domain.Capacity
	defaultWeekly []float64
}

var capacityFakes sync.Map // *fakeRecords → *capacityFake

// capacityOf returns the capacity part of r; the caller holds r.mu.
func (r *fakeRecords) capacityOf() *capacityFake {
	v, _ := capacityFakes.LoadOrStore(r, &capacityFake{})
	return v.(*capacityFake)
}

func (r *fakeRecords) EstimateReport(_ context.Context, _ time.Time) (domain.EstimateReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("EstimateReport"); err != nil {
		return domain.EstimateReport{}, err
	}
	return r.capacityOf().estimates, nil
}

func (r *fakeRecords) Capacity(_ context.Context, _ time.Time, defaultWeekly float64) (domain.Capacity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.capacityOf()
	f.defaultWeekly = append(f.defaultWeekly, defaultWeekly)
	if err := r.enter("Capacity"); err != nil {
		return domain.Capacity{}, err
	}
	return f.capacity, nil
}

func (r *fakeRecords) SetWeeklyHours(_ context.Context, handle string, hours *float64) (domain.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("SetWeeklyHours"); err != nil {
		return domain.Person{}, err
	}
	p, ok := r.people[handle]
	if !ok {
		return domain.Person{}, domain.NotFoundf("person %s", handle)
	}
	p.WeeklyHours = hours
	r.people[handle] = p
	return p, nil
}
