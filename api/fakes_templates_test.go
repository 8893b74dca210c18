package api

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// templateFake is the template part of a fakeRecords: every version of each
// key, in order, kept beside the shared fake so it needs no field of ours. It
// keeps the store's rules (store/templates.go), which the store's own tests
// hold on both databases: the next version only, the same document again is
// not a new version, retiring marks every version.
type templateFake struct {
	versions map[string][]domain.StoredTemplate
}

var templateFakes sync.Map // *fakeRecords → *templateFake

// templates returns the template part of r; the caller holds r.mu.
func (r *fakeRecords) templates() *templateFake {
	v, _ := templateFakes.LoadOrStore(r, &templateFake{versions: map[string][]domain.StoredTemplate{}})
	return v.(*templateFake)
}

func (r *fakeRecords) CreateTemplate(_ context.Context, t domain.StoredTemplate) (domain.StoredTemplate, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CreateTemplate"); err != nil {
		return domain.StoredTemplate{}, false, err
	}
	f := r.templates()
	vs := f.versions[t.Key]
	next := len(vs) + 1
	if len(vs) > 0 {
		latest := vs[len(vs)-1]
		if t.Version == latest.Version && bytes.Equal(t.Document, latest.Document) {
			if latest.Retired() {
				return domain.StoredTemplate{}, false, domain.Conflictf("template %s version %d is retired", t.Key, t.Version)
			}
			return latest, false, nil
		}
	}
	if t.Version != next {
		return domain.StoredTemplate{}, false, domain.Conflictf("template %s: the next version is %d, not %d", t.Key, next, t.Version)
	}
	f.versions[t.Key] = append(vs, t)
	return t, true, nil
}

func (r *fakeRecords) Templates(_ context.Context, retired bool) ([]domain.StoredTemplate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Templates"); err != nil {
		return nil, err
	}
	var out []domain.StoredTemplate
	for _, vs := range r.templates().versions {
		latest := vs[len(vs)-1]
		if retired || !latest.Retired() {
			latest.Document, latest.Source = nil, ""
			out = append(out, latest)
		}
	}
	slices.SortFunc(out, func(a, b domain.StoredTemplate) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func (r *fakeRecords) Template(_ context.Context, key string, version int) (domain.StoredTemplate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Template"); err != nil {
		return domain.StoredTemplate{}, err
	}
	vs := r.templates().versions[key]
	switch {
	case len(vs) == 0, version > len(vs):
		return domain.StoredTemplate{}, domain.ErrNotFound
	case version == 0:
		return vs[len(vs)-1], nil
	}
	return vs[version-1], nil
}

func (r *fakeRecords) RetireTemplate(_ context.Context, key, by string, at time.Time) (domain.StoredTemplate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("RetireTemplate"); err != nil {
		return domain.StoredTemplate{}, err
	}
	vs := r.templates().versions[key]
	if len(vs) == 0 {
		return domain.StoredTemplate{}, domain.ErrNotFound
	}
	for i := range vs {
		if !vs[i].Retired() {
			at := at.UTC()
			vs[i].RetiredAt, vs[i].RetiredBy = &at, by
		}
	}
	return vs[len(vs)-1], nil
}

// templateRunFake is the template-run part of a fakeRecords, kept beside it
// as templateFake is.
type templateRunFake struct {
	runs map[string]domain.TemplateRun
	last domain.TemplateRunFilter
}

var templateRunFakes sync.Map // *fakeRecords → *templateRunFake

// templateRuns returns the template-run part of r; the caller holds r.mu, or
// sets up a test before it serves.
func (r *fakeRecords) templateRuns() *templateRunFake {
	v, _ := templateRunFakes.LoadOrStore(r, &templateRunFake{runs: map[string]domain.TemplateRun{}})
	return v.(*templateRunFake)
}

func (r *fakeRecords) TemplateRun(_ context.Context, id string) (domain.TemplateRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("TemplateRun"); err != nil {
		return domain.TemplateRun{}, err
	}
	run, ok := r.templateRuns().runs[id]
	if !ok {
		return run, domain.ErrNotFound
	}
	return run, nil
}

func (r *fakeRecords) TemplateRuns(_ context.Context, f domain.TemplateRunFilter) (domain.Page[domain.TemplateRun], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.templateRuns().last = f
	if err := r.enter("TemplateRuns"); err != nil {
		return domain.Page[domain.TemplateRun]{}, err
	}
	var out []domain.TemplateRun
	for _, run := range r.templateRuns().runs {
		if (f.Status == "" || run.Status == f.Status) && (f.TemplateKey == "" || run.TemplateKey == f.TemplateKey) &&
			(f.RequestedBy == "" || run.RequestedBy == f.RequestedBy) && named(run.Title, f.Name) {
			out = append(out, run)
		}
	}
	slices.SortFunc(out, func(a, b domain.TemplateRun) int { return strings.Compare(a.ID, b.ID) })
	if f.Newest {
		slices.Reverse(out)
	}
	return page(out, f.ListOptions)
}
