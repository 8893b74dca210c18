package api

import (
	"context"
	"sync"

	"github.com/tandemhq/tandem/domain"
)

var auditFakes sync.Map // *fakeRecords → *[]domain.AuditEntry

// audit returns the audit entries appended to r; the caller holds r.mu.
func (r *fakeRecords) audit() *[]domain.AuditEntry {
	v, _ := auditFakes.LoadOrStore(r, &[]domain.AuditEntry{})
	return v.(*[]domain.AuditEntry)
}

func (r *fakeRecords) AppendAudit(_ context.Context, e domain.AuditEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("AppendAudit"); err != nil {
		return err
	}
	a := r.audit()
	*a = append(*a, e)
	return nil
}

// auditEntries is a copy of what was appended so far.
func (r *fakeRecords) auditEntries() []domain.AuditEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.AuditEntry(nil), *r.audit()...)
}
