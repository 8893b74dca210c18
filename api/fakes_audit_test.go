package api

import (
	"context"
	"slices"
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

// AppendCommandAudit appends e unless command id's entry is there, as a
// process writing it with its records would have.
func (r *fakeRecords) AppendCommandAudit(_ context.Context, e domain.AuditEntry, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("AppendCommandAudit"); err != nil {
		return err
	}
	if r.commandAudits == nil {
		r.commandAudits = map[string]bool{}
	}
	if !r.commandAudits[id] {
		r.commandAudits[id] = true
		a := r.audit()
		*a = append(*a, e)
	}
	return nil
}

func (r *fakeRecords) CommandAudited(_ context.Context, id string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CommandAudited"); err != nil {
		return false, err
	}
	return r.commandAudits[id], nil
}

func (r *fakeRecords) RefusedCommands(_ context.Context, objects []string) ([]domain.AuditEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("RefusedCommands"); err != nil {
		return nil, err
	}
	var out []domain.AuditEntry
	for _, e := range *r.audit() {
		if e.Outcome != domain.AuditAllowed && slices.Contains(objects, e.Object) {
			out = append(out, e)
		}
	}
	return out, nil
}

// auditEntries is a copy of what was appended so far.
func (r *fakeRecords) auditEntries() []domain.AuditEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.AuditEntry(nil), *r.audit()...)
}
