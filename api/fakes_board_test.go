package api

import (
	"context"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// The boards of fakeRecords: BoardCards answers the running processes the
// fake holds in the column asked for, by ID, with their open tasks, as the
// store's does (store/board.go).
func (r *fakeRecords) BoardCards(_ context.Context, f domain.BoardFilter) (domain.Page[domain.BoardCard], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastBoard = f
	if err := r.enter("BoardCards"); err != nil {
		return domain.Page[domain.BoardCard]{}, err
	}
	var out []domain.BoardCard
	add := func(c domain.BoardCard, owners []string, decisions []domain.WaitingOn) {
		if c.Stage != f.Stage || (f.Owner != "" && !slices.Contains(owners, f.Owner)) {
			return
		}
		var open []domain.Task
		for _, t := range r.tasks {
			if t.ProcessID == c.ID && t.IsOpen() {
				open = append(open, t)
			}
		}
		slices.SortFunc(open, func(a, b domain.Task) int { return strings.Compare(a.ID, b.ID) })
		if f.Team != "" && !slices.ContainsFunc(open, func(t domain.Task) bool { return t.Team == f.Team }) {
			return
		}
		c.SetWaiting(open, decisions)
		out = append(out, c)
	}
	switch f.Process {
	case domain.ProcessCampaign:
		for _, k := range r.campaigns {
			if k.Status == domain.StatusActive {
				add(domain.BoardCard{ID: k.ID, Process: f.Process, Name: k.Brief.Name, Stage: string(k.Stage), Owner: k.Brief.ProjectManager, HeldBy: k.HeldBy},
					[]string{k.Brief.ProjectManager, k.Brief.MarketingOpsManager}, k.WaitingOn(nil))
			}
		}
	case domain.ProcessHiring:
		for _, h := range r.hiring().requests {
			if h.Status == domain.StatusActive {
				add(domain.BoardCard{ID: h.ID, Process: f.Process, Name: h.Request.Title, Stage: string(h.Stage), Owner: h.RequestedBy, Step: h.Step},
					[]string{h.RequestedBy}, nil)
			}
		}
	case domain.ProcessRisk:
		for _, k := range r.risk().risks {
			add(domain.BoardCard{ID: k.ID, Process: f.Process, Name: k.Title, Stage: string(k.Status), Owner: k.Owner, Severity: k.Severity},
				[]string{k.Owner}, nil)
		}
	}
	slices.SortFunc(out, func(a, b domain.BoardCard) int { return strings.Compare(a.ID, b.ID) })
	return page(out, f.ListOptions)
}
