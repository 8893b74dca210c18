package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// riskRow is the projection of a risk. What lists filter on is a real column; the
// whole record (score history, escalation trail, response) is JSON.
type riskRow struct {
	ID             string `gorm:"primaryKey"`
	WorkflowID     string `gorm:"not null"`
	Status         string `gorm:"not null"`
	Severity       string `gorm:"not null"`
	Score          int    `gorm:"not null"`
	Owner          string `gorm:"not null"`
	Level          int    `gorm:"not null"`
	RelatedProcess string `gorm:"not null"`
	RelatedID      string `gorm:"not null"`
	Name           string `gorm:"not null;default:''"` // the title, for the search by name
	Record         jsonCol[domain.Risk]
	ResponseDueAt  *time.Time // the planned response's, for the calendar's range scan
	CreatedAt      time.Time  `gorm:"not null;autoCreateTime:false"`
	UpdatedAt      time.Time  `gorm:"not null;autoUpdateTime:false"`
}

func (riskRow) TableName() string { return "risks" }

func riskFromDomain(r domain.Risk) riskRow {
	r.CreatedAt, r.UpdatedAt = utc(r.CreatedAt), utc(r.UpdatedAt)
	r.EndedAt = utcPtr(r.EndedAt)
	row := riskRow{
		ID: r.ID, WorkflowID: r.WorkflowID, Status: string(r.Status), Severity: string(r.Severity), Score: r.Score,
		Owner: r.Owner, Level: r.Level, Name: r.Title, Record: jsonCol[domain.Risk]{r}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.Response != nil {
		row.ResponseDueAt = timeOrNil(r.Response.DueAt)
	}
	if r.Related != nil {
		row.RelatedProcess, row.RelatedID = string(r.Related.Process), r.Related.ID
	}
	return row
}

func (r riskRow) toDomain() domain.Risk { return r.Record.V }

// saveRisk upserts the risk record of a batch; nil writes nothing.
func saveRisk(tx *gorm.DB, r *domain.Risk) error {
	if r == nil {
		return nil
	}
	if r.ID == "" {
		return domain.Invalid(domain.FieldProblem{Field: "risk.id", Problem: "required"})
	}
	row := riskFromDomain(*r)
	if err := tx.Clauses(upsertByID).Create(&row).Error; err != nil {
		return fmt.Errorf("risk %s: %w", row.ID, err)
	}
	return nil
}

// Risk returns one risk record.
func (st *Store) Risk(ctx context.Context, id string) (domain.Risk, error) {
	var row riskRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Risk{}, wrap(err, "risk "+id)
	}
	return row.toDomain(), nil
}

// Risks lists risks oldest first, filtered by severity, status, owner and the
// process they are linked to.
func (st *Store) Risks(ctx context.Context, f domain.RiskFilter) (domain.Page[domain.Risk], error) {
	q := st.reads.WithContext(ctx).Model(&riskRow{})
	for _, c := range []struct{ col, v string }{
		{"severity", string(f.Severity)}, {"status", string(f.Status)}, {"owner", f.Owner}, {"related_id", f.Related},
	} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if f.Name != "" {
		ids, next, err := searchByName(q, f.ListOptions, f.Name)
		if err != nil {
			return domain.Page[domain.Risk]{}, wrap(err, "search risks")
		}
		p, err := searchPage(st.reads.WithContext(ctx), f.ListOptions, ids, next, riskRow.toDomain)
		return p, wrap(err, "search risks")
	}
	q, err := afterCreated(q, f.ListOptions)
	if err != nil {
		return domain.Page[domain.Risk]{}, err
	}
	var rows []riskRow
	if err := q.Find(&rows).Error; err != nil {
		return domain.Page[domain.Risk]{}, wrap(err, "list risks")
	}
	return pageOf(rows, f.ListOptions, riskRow.toDomain, func(r riskRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	}), nil
}
