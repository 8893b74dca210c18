package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// templateRow is one version of a process template. A version is written once
// and never changed but for its retirement.
type templateRow struct {
	TemplateKey string                   `gorm:"primaryKey"`
	Version     int                      `gorm:"primaryKey;autoIncrement:false"`
	Name        string                   `gorm:"not null"`
	Description string                   `gorm:"not null"`
	StageCount  int                      `gorm:"not null"`
	Document    jsonCol[json.RawMessage] `gorm:"not null"`
	Source      string                   `gorm:"not null"`
	CreatedBy   string                   `gorm:"not null"`
	CreatedAt   time.Time                `gorm:"not null;autoCreateTime:false"`
	RetiredAt   *time.Time
	RetiredBy   *string
}

func (templateRow) TableName() string { return "templates" }

// templateSummary are the columns of a list: everything but the document and
// its source, which may be a megabyte each.
var templateSummary = []string{"template_key", "version", "name", "description", "stage_count", "created_by", "created_at", "retired_at", "retired_by"}

func (r templateRow) toDomain() domain.StoredTemplate {
	t := domain.StoredTemplate{
		Key: r.TemplateKey, Version: r.Version, Name: r.Name, Description: r.Description, Stages: r.StageCount,
		Document: r.Document.V, Source: r.Source, CreatedBy: r.CreatedBy, CreatedAt: fromDB(r.CreatedAt),
		RetiredAt: fromDBPtr(r.RetiredAt),
	}
	if r.RetiredBy != nil {
		t.RetiredBy = *r.RetiredBy
	}
	return t
}

// CreateTemplate stores t as the next version of its key. t.Version must be
// exactly one more than the key's latest version (1 for a new key): the
// author says which version they are publishing, so two people editing the
// same version do not overwrite each other unseen; anything else is
// domain.ErrConflict naming the version expected. A t whose document is the
// same as the latest version's, at that version, is not stored again: it
// returns the latest with created false, so applying a file twice changes
// nothing. The same document as a retired latest version is a conflict: it
// comes back as a new version. A new key beyond domain.MaxTemplates is a
// conflict too.
//
// The version is checked and written in one transaction. Two writers of the
// same version at once meet the primary key: the loser tries once more, and
// finds the winner's version (the same document: not created; another: a
// conflict), never a duplicate or a database error.
func (st *Store) CreateTemplate(ctx context.Context, t domain.StoredTemplate) (domain.StoredTemplate, bool, error) {
	if t.Key == "" || t.Version < 1 || len(t.Document) == 0 || t.CreatedBy == "" {
		return domain.StoredTemplate{}, false, fmt.Errorf("create template: key %q, version %d, a document and an author are required", t.Key, t.Version)
	}
	doc, err := compactJSON(t.Document)
	if err != nil {
		return domain.StoredTemplate{}, false, fmt.Errorf("create template %s: the document: %w", t.Key, err)
	}
	row := templateRow{
		TemplateKey: t.Key, Version: t.Version, Name: t.Name, Description: t.Description, StageCount: t.Stages,
		Document: jsonCol[json.RawMessage]{doc}, Source: t.Source, CreatedBy: t.CreatedBy, CreatedAt: utc(t.CreatedAt),
	}
	for attempt := 0; ; attempt++ {
		out, created, err := st.createTemplate(ctx, row)
		if errors.Is(err, gorm.ErrDuplicatedKey) && attempt == 0 {
			continue
		}
		if err != nil {
			return domain.StoredTemplate{}, false, wrap(err, fmt.Sprintf("template %s version %d", t.Key, t.Version))
		}
		return out, created, nil
	}
}

func (st *Store) createTemplate(ctx context.Context, row templateRow) (domain.StoredTemplate, bool, error) {
	var out domain.StoredTemplate
	var created bool
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var latest templateRow
		err := tx.Where("template_key = ?", row.TemplateKey).Order("version DESC").Limit(1).Take(&latest).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			var keys int64
			if err := tx.Model(&templateRow{}).Distinct("template_key").Count(&keys).Error; err != nil {
				return err
			}
			if keys >= domain.MaxTemplates {
				return domain.Conflictf("there are already %d templates, the most Tandem keeps", keys)
			}
			if row.Version != 1 {
				return domain.Conflictf("template %s is new: its first version is 1, not %d", row.TemplateKey, row.Version)
			}
		case err != nil:
			return err
		case row.Version == latest.Version && sameJSON(row.Document.V, latest.Document.V):
			if latest.RetiredAt != nil {
				return domain.Conflictf("template %s version %d is retired: publish it again as version %d", row.TemplateKey, latest.Version, latest.Version+1)
			}
			out = latest.toDomain()
			return nil
		case row.Version != latest.Version+1:
			return domain.Conflictf("template %s is at version %d: the next version is %d, not %d", row.TemplateKey, latest.Version, latest.Version+1, row.Version)
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out, created = row.toDomain(), true
		return nil
	})
	return out, created, err
}

// compactJSON checks doc is one JSON value and returns it compacted.
func compactJSON(doc []byte) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sameJSON reports whether two JSON documents hold the same values, whatever
// their spacing and key order (PostgreSQL's jsonb gives its own order back).
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// Templates lists the latest version of every template, by key, without its
// document and source; retired ones only when retired is true. A template is
// retired when its latest version is.
func (st *Store) Templates(ctx context.Context, retired bool) ([]domain.StoredTemplate, error) {
	q := st.reads.WithContext(ctx).Model(&templateRow{}).Select(templateSummary).
		Where("version = (SELECT MAX(version) FROM templates AS later WHERE later.template_key = templates.template_key)")
	if !retired {
		q = q.Where("retired_at IS NULL")
	}
	var rows []templateRow
	if err := q.Order("template_key").Limit(domain.MaxTemplates).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list templates")
	}
	out := make([]domain.StoredTemplate, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Template reads a version of the template key, its latest when version is 0.
// An unknown key or version is domain.ErrNotFound. A retired version is
// returned, with its retirement: whether to start from it is the caller's.
func (st *Store) Template(ctx context.Context, key string, version int) (domain.StoredTemplate, error) {
	q := st.reads.WithContext(ctx).Where("template_key = ?", key)
	what := "template " + key
	if version != 0 {
		q = q.Where("version = ?", version)
		what = fmt.Sprintf("template %s version %d", key, version)
	}
	var row templateRow
	if err := q.Order("version DESC").Limit(1).Take(&row).Error; err != nil {
		return domain.StoredTemplate{}, wrap(err, what)
	}
	return row.toDomain(), nil
}

// RetireTemplate retires every version of the template key at at, by by: none
// may start a run any more, while runs started from one go on with their own
// copy. It returns the latest version. An unknown key is domain.ErrNotFound;
// a template already retired is returned as it is, its first retirement kept.
// A version stored later is not retired: publishing one brings the template
// back.
func (st *Store) RetireTemplate(ctx context.Context, key, by string, at time.Time) (domain.StoredTemplate, error) {
	var out domain.StoredTemplate
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&templateRow{}).Where("template_key = ? AND retired_at IS NULL", key).
			Updates(map[string]any{"retired_at": utc(at), "retired_by": by}).Error
		if err != nil {
			return err
		}
		var row templateRow
		if err := tx.Where("template_key = ?", key).Order("version DESC").Limit(1).Take(&row).Error; err != nil {
			return err
		}
		out = row.toDomain()
		return nil
	})
	if err != nil {
		return domain.StoredTemplate{}, wrap(err, "template "+key)
	}
	return out, nil
}
