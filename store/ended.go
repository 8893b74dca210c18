package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// Unfinished reports whether the record of process p with ID id exists and has not
// ended: what the reconciler reads before it asks Temporal about a run, so a run
// whose record has ended costs one indexed read.
func (st *Store) Unfinished(ctx context.Context, p domain.Process, id string) (bool, error) {
	table, err := recordTable(p)
	if err != nil {
		return false, err
	}
	var status []string
	if err := st.reads.WithContext(ctx).Table(table).Where("id = ?", id).Limit(1).Pluck("status", &status).Error; err != nil {
		return false, wrap(err, fmt.Sprintf("%s %s", p, id))
	}
	if len(status) == 0 {
		return false, nil
	}
	if p == domain.ProcessRisk {
		return !domain.RiskStatus(status[0]).Terminal(), nil
	}
	return !domain.Status(status[0]).Terminal(), nil
}

// CloseEndedRun records that a process's run ended in Temporal without the process
// ending (domain.EndedRun): the record ends (domain.EndedRun.EndCampaign and its
// siblings say how), its open tasks are cancelled, and one timeline event and a
// notice say what happened, all in one transaction. It reports whether it closed
// the record: false when the record is missing or has already ended.
//
// Several workers may call it for the same run at once. The record's status moves
// first, and only from the status read (a compare-and-set), so one call wins; the
// others find the status changed and write nothing. Everything written is keyed by
// the run, so even a repeated write would change nothing.
func (st *Store) CloseEndedRun(ctx context.Context, e domain.EndedRun) (bool, error) {
	table, err := recordTable(e.Process)
	if err != nil {
		return false, err
	}
	closed := false
	err = st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		open, err := scanTasks(tx.Model(&taskRow{}).Select(taskColumns).
			Where("process = ? AND process_id = ? AND status = ?", e.Process, e.ProcessID, domain.TaskOpen).
			Order("created_at, id"))
		if err != nil {
			return fmt.Errorf("open tasks: %w", err)
		}
		tasks := make([]domain.Task, len(open))
		for i, r := range open {
			tasks[i] = r.toDomain()
		}
		b, was, err := ending(tx, e, tasks)
		if err != nil || b.Empty() {
			return err
		}
		if err := checkBatch(b); err != nil {
			return err
		}
		var now string
		switch {
		case b.Campaign != nil:
			now = string(b.Campaign.Status)
		case b.Hiring != nil:
			now = string(b.Hiring.Status)
		case b.Risk != nil:
			now = string(b.Risk.Status)
		case b.TemplateRun != nil:
			now = string(b.TemplateRun.Status)
		}
		claim := tx.Table(table).Where("id = ? AND status = ?", e.ProcessID, was).Update("status", now)
		if claim.Error != nil {
			return fmt.Errorf("claim: %w", claim.Error)
		}
		if claim.RowsAffected == 0 {
			return nil // another caller ended it meanwhile
		}
		closed = true
		return applyBatch(tx, b)
	})
	if err != nil {
		return false, fmt.Errorf("close %s %s after its run ended: %w", e.Process, e.ProcessID, classify(err))
	}
	return closed, nil
}

// ending reads the record e is about and returns the batch that ends it, with the
// status it had; an empty batch when it is missing or has already ended.
func ending(tx *gorm.DB, e domain.EndedRun, open []domain.Task) (domain.Batch, string, error) {
	var err error
	switch e.Process {
	case domain.ProcessCampaign:
		var row campaignRow
		if err = tx.Where("id = ?", e.ProcessID).Take(&row).Error; err == nil {
			return e.EndCampaign(row.toDomain(), open), row.Status, nil
		}
	case domain.ProcessHiring:
		var row hiringRow
		if err = tx.Where("id = ?", e.ProcessID).Take(&row).Error; err == nil {
			return e.EndHiring(row.toDomain(), open), row.Status, nil
		}
	case domain.ProcessRisk:
		var row riskRow
		if err = tx.Where("id = ?", e.ProcessID).Take(&row).Error; err == nil {
			return e.EndRisk(row.toDomain(), open), row.Status, nil
		}
	case domain.ProcessTemplate:
		var row templateRunRow
		if err = tx.Where("id = ?", e.ProcessID).Take(&row).Error; err == nil {
			return e.EndTemplateRun(row.toDomain(), open), row.Status, nil
		}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Batch{}, "", nil
	}
	return domain.Batch{}, "", err
}

// recordTable is the table of process p's records.
func recordTable(p domain.Process) (string, error) {
	switch p {
	case domain.ProcessCampaign:
		return campaignRow{}.TableName(), nil
	case domain.ProcessHiring:
		return hiringRow{}.TableName(), nil
	case domain.ProcessRisk:
		return riskRow{}.TableName(), nil
	case domain.ProcessTemplate:
		return templateRunRow{}.TableName(), nil
	}
	return "", domain.Invalid(domain.FieldProblem{Field: "process", Problem: fmt.Sprintf("unknown process %q", p)})
}
