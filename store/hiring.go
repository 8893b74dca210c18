package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// hiringRow is the projection of a hiring request. What lists filter on is a real
// column; the nested parts are JSON. It holds candidate IDs only.
type hiringRow struct {
	ID            string `gorm:"primaryKey"`
	WorkflowID    string `gorm:"not null"`
	Status        string `gorm:"not null"`
	Stage         string `gorm:"not null"`
	Step          string `gorm:"not null"`
	RequestedBy   string `gorm:"not null"`
	Team          string `gorm:"not null"`
	HiringManager string `gorm:"not null"`
	Round         int    `gorm:"not null"`
	Hired         string `gorm:"not null"`
	Reason        string `gorm:"not null"`
	Name          string `gorm:"not null;default:''"` // the role's title, for the search by name
	Request       jsonCol[domain.Requisition]
	Chain         jsonCol[[]domain.ChainStep]
	Candidates    jsonCol[[]domain.CandidateRef]
	Offer         jsonCol[*domain.Offer]
	NeededBy      *time.Time // the requisition's, for the calendar's range scan
	CreatedAt     time.Time  `gorm:"not null;autoCreateTime:false"`
	UpdatedAt     time.Time  `gorm:"not null;autoUpdateTime:false"`
}

func (hiringRow) TableName() string { return "hiring_requests" }

// candidateRow is a candidate's personal data: only here, never in Temporal.
type candidateRow struct {
	ID        string    `gorm:"primaryKey"`
	HiringID  string    `gorm:"not null"`
	Name      string    `gorm:"not null"`
	Email     string    `gorm:"not null"`
	AddedBy   string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (candidateRow) TableName() string { return "candidates" }

// saveHiring upserts the hiring record of a batch; nil writes nothing.
func saveHiring(tx *gorm.DB, r *domain.HiringRequest) error {
	if r == nil {
		return nil
	}
	if r.ID == "" {
		return domain.Invalid(domain.FieldProblem{Field: "hiring.id", Problem: "required"})
	}
	row := hiringFromDomain(*r)
	if err := tx.Clauses(upsertByID).Create(&row).Error; err != nil {
		return fmt.Errorf("hiring request %s: %w", row.ID, err)
	}
	return nil
}

func hiringFromDomain(h domain.HiringRequest) hiringRow {
	h = hiringUTC(h)
	return hiringRow{
		ID: h.ID, WorkflowID: h.WorkflowID, Status: string(h.Status), Stage: string(h.Stage), Step: h.Step,
		RequestedBy: h.RequestedBy, Team: string(h.Request.Team), HiringManager: h.Request.HiringManager,
		Round: h.Round, Hired: h.Hired, Reason: h.Reason, Name: h.Request.Title,
		Request: jsonCol[domain.Requisition]{h.Request}, Chain: jsonCol[[]domain.ChainStep]{h.Chain},
		Candidates: jsonCol[[]domain.CandidateRef]{h.Candidates}, Offer: jsonCol[*domain.Offer]{h.Offer},
		NeededBy:  timeOrNil(h.Request.NeededBy),
		CreatedAt: utc(h.CreatedAt), UpdatedAt: utc(h.UpdatedAt),
	}
}

// hiringUTC puts the times inside a record's JSON parts in UTC, so it reads back
// the same whichever zone the writer used. It copies what it changes.
func hiringUTC(h domain.HiringRequest) domain.HiringRequest {
	h.Request.NeededBy = h.Request.NeededBy.UTC()
	if h.Chain != nil {
		chain := make([]domain.ChainStep, len(h.Chain))
		for i, s := range h.Chain {
			s.DecidedAt = utcPtr(s.DecidedAt)
			if s.Escalations != nil {
				esc := make([]domain.Escalation, len(s.Escalations))
				for j, e := range s.Escalations {
					e.At = e.At.UTC()
					esc[j] = e
				}
				s.Escalations = esc
			}
			chain[i] = s
		}
		h.Chain = chain
	}
	return h
}

func (r hiringRow) toDomain() domain.HiringRequest {
	return domain.HiringRequest{
		ID: r.ID, WorkflowID: r.WorkflowID, Request: r.Request.V, Status: domain.Status(r.Status),
		Stage: domain.Stage(r.Stage), Step: r.Step, RequestedBy: r.RequestedBy, Round: r.Round,
		Chain: r.Chain.V, Candidates: r.Candidates.V, Offer: r.Offer.V, Hired: r.Hired, Reason: r.Reason,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
	}
}

// HiringRequest returns one hiring request record.
func (st *Store) HiringRequest(ctx context.Context, id string) (domain.HiringRequest, error) {
	var row hiringRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.HiringRequest{}, wrap(err, "hiring request "+id)
	}
	return row.toDomain(), nil
}

// HiringRequests lists hiring requests oldest first, filtered by status,
// requester and team.
func (st *Store) HiringRequests(ctx context.Context, f domain.HiringFilter) (domain.Page[domain.HiringRequest], error) {
	q := st.reads.WithContext(ctx).Model(&hiringRow{})
	// A fixed order of conditions gives one SQL text per combination of filters.
	for _, c := range []struct{ col, v string }{
		{"status", string(f.Status)}, {"requested_by", f.RequestedBy}, {"team", string(f.Team)},
	} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if f.Name != "" {
		ids, next, err := searchByName(q, f.ListOptions, f.Name)
		if err != nil {
			return domain.Page[domain.HiringRequest]{}, wrap(err, "search hiring requests")
		}
		p, err := searchPage(st.reads.WithContext(ctx), f.ListOptions, ids, next, hiringRow.toDomain)
		return p, wrap(err, "search hiring requests")
	}
	q, err := afterCreated(q, f.ListOptions)
	if err != nil {
		return domain.Page[domain.HiringRequest]{}, err
	}
	var rows []hiringRow
	if err := q.Find(&rows).Error; err != nil {
		return domain.Page[domain.HiringRequest]{}, wrap(err, "list hiring requests")
	}
	return pageOf(rows, f.ListOptions, hiringRow.toDomain, func(r hiringRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	}), nil
}

// AddCandidate stores a candidate's personal data.
func (st *Store) AddCandidate(ctx context.Context, c domain.Candidate) error {
	row := candidateRow{ID: c.ID, HiringID: c.HiringID, Name: c.Name, Email: c.Email, AddedBy: c.AddedBy, CreatedAt: utc(c.CreatedAt)}
	if err := st.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrap(err, "candidate "+c.ID)
	}
	return nil
}

// RemoveCandidate deletes a candidate whose addition the process refused, so
// nothing half-made remains. Removing one already gone is not an error.
func (st *Store) RemoveCandidate(ctx context.Context, id string) error {
	if err := st.db.WithContext(ctx).Where("id = ?", id).Delete(&candidateRow{}).Error; err != nil {
		return wrap(err, "remove candidate "+id)
	}
	return nil
}

// Candidates returns the candidates of a hiring request, in the order added.
func (st *Store) Candidates(ctx context.Context, hiringID string) ([]domain.Candidate, error) {
	var rows []candidateRow
	if err := st.reads.WithContext(ctx).Where("hiring_id = ?", hiringID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "candidates of "+hiringID)
	}
	out := make([]domain.Candidate, len(rows))
	for i, r := range rows {
		out[i] = domain.Candidate{ID: r.ID, HiringID: r.HiringID, Name: r.Name, Email: r.Email, AddedBy: r.AddedBy, CreatedAt: fromDB(r.CreatedAt)}
	}
	return out, nil
}
