package api

import (
	"context"
	"sync"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// reportFake is the report part of a fakeRecords, kept beside it so the shared fake
// needs no field of ours: it answers overview and workload and keeps what it was asked.
type reportFake struct {
	overview domain.Overview
	asked    []domain.ReportWindow
	askedAt  []time.Time

	workload domain.Workload
	// workloadAsked holds the now and due-soon horizon of each Workload call.
	workloadAsked []workloadAsk
}

type workloadAsk struct {
	now     time.Time
	dueSoon time.Duration
}

var reportFakes sync.Map // *fakeRecords → *reportFake

// report returns the report part of r; the caller holds r.mu.
func (r *fakeRecords) report() *reportFake {
	v, _ := reportFakes.LoadOrStore(r, &reportFake{})
	return v.(*reportFake)
}

func (r *fakeRecords) Overview(_ context.Context, w domain.ReportWindow, now time.Time) (domain.Overview, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.report()
	f.asked, f.askedAt = append(f.asked, w), append(f.askedAt, now)
	if err := r.enter("Overview"); err != nil {
		return domain.Overview{}, err
	}
	return f.overview, nil
}

func (r *fakeRecords) Workload(_ context.Context, now time.Time, dueSoon time.Duration) (domain.Workload, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.report()
	f.workloadAsked = append(f.workloadAsked, workloadAsk{now: now, dueSoon: dueSoon})
	if err := r.enter("Workload"); err != nil {
		return domain.Workload{}, err
	}
	return f.workload, nil
}
