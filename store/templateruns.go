package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// templateRunRow is the projection of a run of a process template. What lists
// filter on is a real column; the intake is JSON. Name is the run's title, for
// the search by name.
type templateRunRow struct {
	ID              string `gorm:"primaryKey"`
	WorkflowID      string `gorm:"not null"`
	TemplateKey     string `gorm:"not null"`
	TemplateVersion int    `gorm:"not null"`
	TemplateName    string `gorm:"not null"`
	Status          string `gorm:"not null"`
	Stage           string `gorm:"not null"`
	Round           int    `gorm:"not null"`
	RequestedBy     string `gorm:"not null"`
	Reason          string `gorm:"not null"`
	Name            string `gorm:"not null;default:''"`
	Intake          jsonCol[map[string]any]
	KPIs            jsonCol[[]domain.TemplateKPI] `gorm:"column:kpis"`
	CreatedAt       time.Time                     `gorm:"not null;autoCreateTime:false"`
	UpdatedAt       time.Time                     `gorm:"not null;autoUpdateTime:false"`
}

func (templateRunRow) TableName() string { return "template_runs" }

// saveTemplateRun upserts the template run of a batch; nil writes nothing.
func saveTemplateRun(tx *gorm.DB, r *domain.TemplateRun) error {
	if r == nil {
		return nil
	}
	if r.ID == "" {
		return domain.Invalid(domain.FieldProblem{Field: "template_run.id", Problem: "required"})
	}
	row := templateRunFromDomain(*r)
	if err := tx.Clauses(upsertByID).Create(&row).Error; err != nil {
		return fmt.Errorf("template run %s: %w", row.ID, err)
	}
	return nil
}

func templateRunFromDomain(r domain.TemplateRun) templateRunRow {
	return templateRunRow{
		ID: r.ID, WorkflowID: r.WorkflowID, TemplateKey: r.TemplateKey, TemplateVersion: r.TemplateVersion,
		TemplateName: r.TemplateName, Status: string(r.Status), Stage: string(r.Stage), Round: r.Round,
		RequestedBy: r.RequestedBy, Reason: r.Reason, Name: r.Title, Intake: jsonCol[map[string]any]{r.Intake},
		KPIs:      jsonCol[[]domain.TemplateKPI]{r.KPIs},
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
}

func (r templateRunRow) toDomain() domain.TemplateRun {
	return domain.TemplateRun{
		ID: r.ID, WorkflowID: r.WorkflowID, TemplateKey: r.TemplateKey, TemplateVersion: r.TemplateVersion,
		TemplateName: r.TemplateName, Title: r.Name, Status: domain.Status(r.Status), Stage: domain.Stage(r.Stage),
		Round: r.Round, Intake: r.Intake.V, KPIs: r.KPIs.V, RequestedBy: r.RequestedBy, Reason: r.Reason,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
	}
}

// TemplateRun returns one template run's record.
func (st *Store) TemplateRun(ctx context.Context, id string) (domain.TemplateRun, error) {
	var row templateRunRow
	if err := st.reads.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.TemplateRun{}, wrap(err, "template run "+id)
	}
	return row.toDomain(), nil
}

// TemplateRuns lists template runs oldest first, filtered by status, template
// and requester, or searched by title.
func (st *Store) TemplateRuns(ctx context.Context, f domain.TemplateRunFilter) (domain.Page[domain.TemplateRun], error) {
	q := st.reads.WithContext(ctx).Model(&templateRunRow{})
	// A fixed order of conditions gives one SQL text per combination of filters.
	for _, c := range []struct{ col, v string }{
		{"status", string(f.Status)}, {"template_key", f.TemplateKey}, {"requested_by", f.RequestedBy},
	} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if f.Name != "" {
		ids, next, err := searchByName(q, f.ListOptions, f.Name)
		if err != nil {
			return domain.Page[domain.TemplateRun]{}, wrap(err, "search template runs")
		}
		p, err := searchPage(st.reads.WithContext(ctx), f.ListOptions, ids, next, templateRunRow.toDomain)
		return p, wrap(err, "search template runs")
	}
	q, err := afterCreated(q, f.ListOptions)
	if err != nil {
		return domain.Page[domain.TemplateRun]{}, err
	}
	var rows []templateRunRow
	if err := q.Find(&rows).Error; err != nil {
		return domain.Page[domain.TemplateRun]{}, wrap(err, "list template runs")
	}
	return pageOf(rows, f.ListOptions, templateRunRow.toDomain, func(r templateRunRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	}), nil
}
