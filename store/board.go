package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// boardRow is what a board's card reads of a process's row, whatever its
// kind: the columns are renamed in each kind's select (boardSelects).
type boardRow struct {
	ID        string
	Stage     string
	Name      string
	Owner     string
	HeldBy    string
	HeldSince *time.Time
	Risks     jsonCol[[]domain.LinkedRisk]
	Step      string
	Severity  string
	CreatedAt time.Time
}

// boardTables says, per kind, which table a board column reads, the
// condition of a running process in the column, the owner filter, and the
// columns a card needs (not the records' JSON, which a card does not show).
var boardTables = map[domain.Process]struct {
	table, running, owner, columns string
}{
	domain.ProcessCampaign: {"campaigns", "status = 'active' AND stage = ?", "(project_manager = ? OR marketing_ops_manager = ?)",
		"id, stage, name, project_manager AS owner, held_by, held_since, risks, '' AS step, '' AS severity, created_at"},
	domain.ProcessHiring: {"hiring_requests", "status = 'active' AND stage = ?", "requested_by = ?",
		"id, stage, name, requested_by AS owner, '' AS held_by, NULL AS held_since, NULL AS risks, step, '' AS severity, created_at"},
	// A risk's column is its status; the board shows only live ones (its
	// stages), so the status alone says it is running.
	domain.ProcessRisk: {"risks", "status = ?", "owner = ?",
		"id, status AS stage, name, owner, '' AS held_by, NULL AS held_since, NULL AS risks, '' AS step, severity, created_at"},
}

// BoardCards answers one column of a board (f.Process's running processes in
// f.Stage), oldest first, a page at a time, each with whom it waits on: two
// queries, a range scan of the column's index (idx_campaigns_board,
// idx_hiring_board, idx_risks_status) and one of the page's open tasks by
// process ID (idx_tasks_process_id).
func (st *Store) BoardCards(ctx context.Context, f domain.BoardFilter) (domain.Page[domain.BoardCard], error) {
	k, ok := boardTables[f.Process]
	if !ok || !domain.ValidBoardStage(f.Process, f.Stage) {
		return domain.Page[domain.BoardCard]{}, domain.Invalid(domain.FieldProblem{Field: "stage",
			Problem: fmt.Sprintf("%q is not a column of the %s board", f.Stage, f.Process)})
	}
	db := st.reads.WithContext(ctx)
	q := db.Table(k.table).Select(k.columns).Where(k.running, f.Stage)
	if f.Owner != "" {
		args := []any{f.Owner}
		if f.Process == domain.ProcessCampaign {
			args = append(args, f.Owner)
		}
		q = q.Where(k.owner, args...)
	}
	if f.Team != "" {
		q = q.Where("id IN (?)", db.Table("tasks").Select("process_id").
			Where("team = ? AND status = ? AND process = ?", f.Team, domain.TaskOpen, f.Process))
	}
	f.Newest = false // a column is oldest first: the longest waiting at the top of its pages
	q, err := afterCreated(q, f.ListOptions)
	if err != nil {
		return domain.Page[domain.BoardCard]{}, err
	}
	var rows []boardRow
	if err := q.Scan(&rows).Error; err != nil {
		return domain.Page[domain.BoardCard]{}, wrap(err, "board column")
	}
	page := pageOf(rows, f.ListOptions, func(r boardRow) boardRow { return r }, func(r boardRow) cursor {
		return cursor{At: r.CreatedAt, ID: r.ID}
	})
	open, err := st.openTasksOf(db, page.Items)
	if err != nil {
		return domain.Page[domain.BoardCard]{}, err
	}
	out := domain.Page[domain.BoardCard]{Items: make([]domain.BoardCard, len(page.Items)), NextCursor: page.NextCursor}
	for i, r := range page.Items {
		c := domain.BoardCard{ID: r.ID, Process: f.Process, Name: r.Name, Stage: r.Stage, Owner: r.Owner,
			HeldBy: r.HeldBy, Step: r.Step, Severity: domain.Severity(r.Severity), CreatedAt: fromDB(r.CreatedAt)}
		var decisions []domain.WaitingOn
		if r.HeldBy != "" {
			decisions = domain.Campaign{HeldBy: r.HeldBy, HeldSince: fromDBPtr(r.HeldSince), Risks: r.Risks.V}.WaitingOn(nil)
		}
		c.SetWaiting(open[r.ID], decisions)
		out.Items[i] = c
	}
	return out, nil
}

// openTasksOf reads the open tasks of the rows' processes in one query, by
// process, oldest first.
func (st *Store) openTasksOf(db *gorm.DB, rows []boardRow) (map[string][]domain.Task, error) {
	out := map[string][]domain.Task{}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	// SQLite, without statistics, takes an index on the status for a better
	// choice than a list of a few process IDs, and reads every open task: it
	// is told which index to use. No ORDER BY: the rows come from an IN-list
	// scan of the index, and the few of them are put in order here rather
	// than by a sort in the plan.
	table := "tasks"
	if !st.postgres {
		table = "tasks INDEXED BY idx_tasks_process_id"
	}
	tasks, err := scanTasks(db.Table(table).Select(taskColumns).Where("process_id IN ? AND status = ?", ids, domain.TaskOpen))
	if err != nil {
		return nil, wrap(err, "board column's open tasks")
	}
	slices.SortFunc(tasks, func(a, b taskRow) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, t := range tasks {
		out[t.ProcessID] = append(out[t.ProcessID], t.toDomain())
	}
	return out, nil
}
