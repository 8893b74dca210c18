package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// Overview computes the overview report over window w, as of now. Every figure is
// an aggregate the database computes; only the grouped answers are read back.
func (st *Store) Overview(ctx context.Context, w domain.ReportWindow, now time.Time) (domain.Overview, error) {
	from, to, now := utc(w.From), utc(w.To), utc(now)
	o := domain.Overview{Window: domain.ReportWindow{From: from, To: to}, GeneratedAt: now}
	db := st.reads.WithContext(ctx)
	steps := []struct {
		what string
		run  func(*gorm.DB) error
	}{
		{"open processes", func(db *gorm.DB) (err error) { o.OpenProcesses, err = openProcesses(db); return }},
		{"overdue tasks", func(db *gorm.DB) (err error) { o.OverdueTasks, err = overdueTasks(db, now); return }},
		{"approval cycle times", func(db *gorm.DB) (err error) {
			o.ApprovalCycleTimes, err = st.approvalCycleTimes(db, from, to)
			return
		}},
		{"SLA breaches", func(db *gorm.DB) (err error) { o.SLA, err = slaBreaches(db, from, to, now); return }},
		{"escalated tasks", func(db *gorm.DB) (err error) { o.EscalatedTasks, err = escalatedTasks(db, from, to); return }},
		{"risks raised", func(db *gorm.DB) (err error) { o.RisksRaised, err = risksRaised(db, from, to); return }},
		{"KPI attainment", func(db *gorm.DB) (err error) { o.KPIAttainment, err = st.kpiAttainment(db, from, to); return }},
	}
	for _, s := range steps {
		if err := s.run(db); err != nil {
			return domain.Overview{}, fmt.Errorf("overview: %s: %w", s.what, classify(err))
		}
	}
	return o, nil
}

// templateNames is a CTE naming each template by its latest version, as the
// board does: the report counts a template's runs of every version under one name.
const templateNames = `template_names AS (
	SELECT t.template_key, t.name FROM templates AS t
	WHERE t.version = (SELECT MAX(v.version) FROM templates AS v WHERE v.template_key = t.template_key)
)`

// openProcesses counts the running processes by stage, the runs of templates by
// template and stage; a risk's status stands in for the stage it does not have.
func openProcesses(db *gorm.DB) ([]domain.StageCount, error) {
	out := []domain.StageCount{}
	err := db.Raw(`
WITH `+templateNames+`
SELECT g.process, g.template, COALESCE(n.name, '') AS template_name, g.stage, g.count FROM (
	SELECT process, template, stage, COUNT(*) AS count FROM (
		SELECT 'campaign' AS process, '' AS template, stage FROM campaigns WHERE status = ?
		UNION ALL
		SELECT 'hiring', '', stage FROM hiring_requests WHERE status = ?
		UNION ALL
		SELECT 'risk', '', status FROM risks WHERE status IN ?
		UNION ALL
		SELECT 'template', template_key, stage FROM template_runs WHERE status = ?
	) AS running
	GROUP BY process, template, stage
) AS g LEFT JOIN template_names AS n ON n.template_key = g.template
ORDER BY g.process, g.template, g.stage`,
		domain.StatusActive, domain.StatusActive,
		[]domain.RiskStatus{domain.RiskOpen, domain.RiskAcknowledged, domain.RiskMaterialized},
		domain.StatusActive,
	).Scan(&out).Error
	return out, err
}

// overdueTasks counts the open tasks past their due time, by team.
func overdueTasks(db *gorm.DB, now time.Time) ([]domain.TeamCount, error) {
	out := []domain.TeamCount{}
	err := db.Model(&taskRow{}).Select("team, COUNT(*) AS count").
		Where("status = ? AND due_at < ?", domain.TaskOpen, now).
		Group("team").Order("team").Scan(&out).Error
	return out, err
}

// approvalCycleTimes ranks, per approval step (per template and step, for the runs
// of templates, whose tasks name their run in process_id), the cycle times of the
// approval tasks completed in [from, to), and picks the nearest-rank median and
// 90th percentile: the values at ranks ceil(n/2) and ceil(9n/10), in integer
// arithmetic so both databases agree. ROW_NUMBER and COUNT as window functions
// work on both, where PostgreSQL's percentile_disc does not exist on SQLite.
func (st *Store) approvalCycleTimes(db *gorm.DB, from, to time.Time) ([]domain.CycleTime, error) {
	var rows []struct {
		Process, Template, TemplateName, TaskKey string
		Count                                    int
		Median, P90                              int64
	}
	err := db.Raw(`
WITH `+templateNames+`
SELECT g.process, g.template, COALESCE(n.name, '') AS template_name, g.task_key, g.count, g.median, g.p90 FROM (
	SELECT process, template, task_key, MAX(n) AS count,
		MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN secs END) AS median,
		MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN secs END) AS p90
	FROM (
		SELECT process, template, task_key, secs,
			ROW_NUMBER() OVER (PARTITION BY process, template, task_key ORDER BY secs) AS rn,
			COUNT(*) OVER (PARTITION BY process, template, task_key) AS n
		FROM (
			SELECT c.process, COALESCE(r.template_key, '') AS template, c.task_key, c.secs
			FROM (
				SELECT process, process_id, task_key, `+st.cycleSeconds()+` AS secs
				FROM tasks
				WHERE kind = ? AND status = ? AND completed_at >= ? AND completed_at < ?
			) AS c LEFT JOIN template_runs AS r ON c.process = ? AND r.id = c.process_id
		) AS cycles
	) AS ranked
	GROUP BY process, template, task_key
) AS g LEFT JOIN template_names AS n ON n.template_key = g.template
ORDER BY g.process, g.template, g.task_key`,
		domain.KindApproval, domain.TaskDone, from, to, domain.ProcessTemplate,
	).Scan(&rows).Error
	out := make([]domain.CycleTime, len(rows))
	for i, r := range rows {
		out[i] = domain.CycleTime{
			Process: domain.Process(r.Process), TemplateOf: domain.TemplateOf{Template: r.Template, TemplateName: r.TemplateName},
			Key: r.TaskKey, Count: r.Count,
			Median: domain.Duration(time.Duration(r.Median) * time.Second),
			P90:    domain.Duration(time.Duration(r.P90) * time.Second),
		}
	}
	return out, err
}

// cycleSeconds is a task's completed_at − created_at in whole seconds. The dialects
// differ: PostgreSQL subtracts timestamps exactly; SQLite keeps text, and
// julianday() resolves milliseconds, so both round to the second to agree.
func (st *Store) cycleSeconds() string {
	if st.postgres {
		return "CAST(ROUND(EXTRACT(EPOCH FROM (completed_at - created_at))) AS BIGINT)"
	}
	return "CAST(ROUND((julianday(completed_at) - julianday(created_at)) * 86400) AS INTEGER)"
}

// slaBreaches counts the tasks done in [from, to), those done after their due
// time, and the open tasks due in [from, min(to, now)): already late.
func slaBreaches(db *gorm.DB, from, to, now time.Time) (domain.SLABreaches, error) {
	var done struct{ Completed, Late int }
	err := db.Model(&taskRow{}).
		Select("COUNT(*) AS completed, COALESCE(SUM(CASE WHEN completed_at > due_at THEN 1 ELSE 0 END), 0) AS late").
		Where("status = ? AND completed_at >= ? AND completed_at < ?", domain.TaskDone, from, to).
		Scan(&done).Error
	if err != nil {
		return domain.SLABreaches{}, err
	}
	var open int64
	err = db.Model(&taskRow{}).
		Where("status = ? AND due_at >= ? AND due_at < ?", domain.TaskOpen, from, minTime(to, now)).
		Count(&open).Error
	return domain.NewSLABreaches(done.Completed, done.Late, int(open)), err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// escalatedTasks counts the tasks opened in [from, to) by an escalation, by process
// (by template, for the runs of templates).
func escalatedTasks(db *gorm.DB, from, to time.Time) ([]domain.ProcessCount, error) {
	out := []domain.ProcessCount{}
	err := db.Raw(`
WITH `+templateNames+`
SELECT g.process, g.template, COALESCE(n.name, '') AS template_name, g.count FROM (
	SELECT e.process, COALESCE(r.template_key, '') AS template, COUNT(*) AS count
	FROM (
		SELECT process, process_id FROM tasks
		WHERE escalation_level > 0 AND created_at >= ? AND created_at < ?
	) AS e LEFT JOIN template_runs AS r ON e.process = ? AND r.id = e.process_id
	GROUP BY e.process, COALESCE(r.template_key, '')
) AS g LEFT JOIN template_names AS n ON n.template_key = g.template
ORDER BY g.process, g.template`,
		from, to, domain.ProcessTemplate,
	).Scan(&out).Error
	return out, err
}

// risksRaised counts the risks created in [from, to), by severity, lowest first.
func risksRaised(db *gorm.DB, from, to time.Time) ([]domain.SeverityCount, error) {
	out := []domain.SeverityCount{}
	err := db.Model(&riskRow{}).Select("severity, COUNT(*) AS count").
		Where("created_at >= ? AND created_at < ?", from, to).
		Group("severity").Scan(&out).Error
	// At most one row per severity: ordering them by rank here keeps the SQL plain.
	slices.SortFunc(out, func(a, b domain.SeverityCount) int { return cmp.Compare(a.Severity.Rank(), b.Severity.Rank()) })
	return out, err
}

// kpiAttainment scores the campaigns completed in [from, to) against their final
// KPI report, and the template runs completed in it by their KPIs' results. A
// completed campaign or run is never written again, so its updated_at is when it
// completed. The KPI report and a run's KPIs are JSON arrays in both databases;
// each dialect unnests them its own way, and a column that is not an array (a
// campaign stored without a report, a run whose template has no KPIs) counts as
// no KPIs.
func (st *Store) kpiAttainment(db *gorm.DB, from, to time.Time) (domain.KPIAttainment, error) {
	campaigns := []domain.CampaignKPIs{}
	err := db.Raw(`
SELECT c.id, `+st.jsonText("c.brief", "name")+` AS name,
	COUNT(k.value) AS total,
	COALESCE(SUM(CASE WHEN `+st.attained("k.value")+` THEN 1 ELSE 0 END), 0) AS attained
FROM campaigns AS c LEFT JOIN `+st.elements("c.kpi_report")+` ON true
WHERE c.status = ? AND c.updated_at >= ? AND c.updated_at < ?
GROUP BY c.id, `+st.jsonText("c.brief", "name")+`
ORDER BY c.id`,
		domain.StatusCompleted, from, to,
	).Scan(&campaigns).Error
	if err != nil {
		return domain.KPIAttainment{}, err
	}
	// Every KPI of a completed run has its result: its window ended before the
	// run could (the run tracks its KPIs until then).
	runs := []domain.TemplateRunKPIs{}
	result := st.jsonText("k.value", "result")
	err = db.Raw(`
SELECT r.id, r.name AS title, r.template_key AS template, r.template_name,
	COALESCE(SUM(CASE WHEN `+result+` = ? THEN 1 ELSE 0 END), 0) AS met,
	COALESCE(SUM(CASE WHEN `+result+` = ? THEN 1 ELSE 0 END), 0) AS missed,
	COALESCE(SUM(CASE WHEN `+result+` = ? THEN 1 ELSE 0 END), 0) AS unmeasured,
	COUNT(*) AS total
FROM template_runs AS r JOIN `+st.elements("r.kpis")+` ON true
WHERE r.status = ? AND r.updated_at >= ? AND r.updated_at < ?
GROUP BY r.id, r.name, r.template_key, r.template_name
ORDER BY r.id`,
		domain.KPIMet, domain.KPIMissed, domain.KPIUnmeasured, domain.StatusCompleted, from, to,
	).Scan(&runs).Error
	return domain.NewKPIAttainment(campaigns, runs), err
}

// elements unnests the JSON array in column col as rows k(value); what is not an
// array gives no rows.
func (st *Store) elements(col string) string {
	if st.postgres {
		return "LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(" + col + ") = 'array' THEN " + col + " ELSE '[]'::jsonb END) AS k(value)"
	}
	return "json_each(CASE WHEN json_type(" + col + ") = 'array' THEN " + col + " ELSE '[]' END) AS k"
}

// jsonText is the text of member key of the JSON object in col.
func (st *Store) jsonText(col, key string) string {
	if st.postgres {
		return col + "->>'" + key + "'"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// attained is whether the KPI result in col (a campaign's) says attained.
func (st *Store) attained(col string) string {
	if st.postgres {
		return col + "->>'attained' = 'true'"
	}
	return "json_extract(" + col + ", '$.attained') = 1"
}

// Workload computes the workload report as of now, with tasks due in
// [now, now+dueSoon) counted as due soon. One statement: the open tasks,
// grouped by assignee and team from idx_tasks_open_plan alone (migration
// 00014: 'open' is a literal, as that partial index needs), summed once per
// person and once per team; the totals are summed from the team rows, so the
// two always agree. The rows are ordered here, not by the statement: at 1M
// tasks PostgreSQL's sort of the 2,000 rows, ties by their text keys, was a
// quarter of the statement's time (`tandem bench`, the workload page under
// 50 ms). Handles and teams compare byte by byte, as in the capacity report
// and SQLite, whatever PostgreSQL's collation.
func (st *Store) Workload(ctx context.Context, now time.Time, dueSoon time.Duration) (domain.Workload, error) {
	now = utc(now)
	w := domain.Workload{AsOf: now, DueSoonWithin: domain.Duration(dueSoon), People: []domain.PersonLoad{}, Teams: []domain.TeamLoad{}}
	// Scanned by hand, not by GORM: its reflection per row was most of the
	// report's time in Go.
	rows, err := st.reads.WithContext(ctx).Raw(workloadQuery, workloadArgs(now, dueSoon)...).Rows()
	if err != nil {
		return domain.Workload{}, wrap(err, "workload")
	}
	defer rows.Close()
	// One set of destinations for every row, as readCapacity's.
	var kind, handle, name, team string
	var ooo, members, open, overdue, soon, unassigned int
	dest := []any{&kind, &handle, &name, &team, &ooo, &members, &open, &overdue, &soon, &unassigned}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return domain.Workload{}, wrap(err, "workload")
		}
		if kind == "person" {
			w.People = append(w.People, domain.PersonLoad{Handle: handle, Name: name, Team: domain.Team(team),
				OutOfOffice: ooo == 1, Open: open, Overdue: overdue, DueSoon: soon})
			continue
		}
		t := domain.TeamLoad{Team: domain.Team(team), Members: members, Open: open, Overdue: overdue, DueSoon: soon, Unassigned: unassigned}
		w.Totals.Open += t.Open
		w.Totals.Overdue += t.Overdue
		w.Totals.DueSoon += t.DueSoon
		w.Totals.Unassigned += t.Unassigned
		// Tasks without a team (assigned to a person directly) are in the totals and
		// on their assignee's row, not shown as a team without a name.
		if t.Team != "" {
			w.Teams = append(w.Teams, t)
		}
	}
	if err := rows.Err(); err != nil {
		return domain.Workload{}, wrap(err, "workload")
	}
	// Most overdue first, then most open, then by handle or team.
	slices.SortFunc(w.People, func(a, b domain.PersonLoad) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Open, a.Open), cmp.Compare(a.Handle, b.Handle))
	})
	slices.SortFunc(w.Teams, func(a, b domain.TeamLoad) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Open, a.Open), cmp.Compare(a.Team, b.Team))
	})
	return w, nil
}

func workloadArgs(now time.Time, dueSoon time.Duration) []any {
	return []any{sql.Named("now", now), sql.Named("soon", now.Add(dueSoon))}
}

// workloadQuery is Workload's statement: a row per person in the directory,
// free ones included, plus a row per assignee missing from it (row_kind
// 'person'); a row per team with members or open tasks, the open tasks
// without a team making one with an empty team ('team'), in no order. The
// counts are integers, so that PostgreSQL sums them again as bigint rather
// than numeric (COUNT is a bigint, whose SUM is a numeric).
const workloadQuery = `
WITH grouped AS (
	SELECT assignee, team, CAST(COUNT(*) AS integer) AS open,
		CAST(COUNT(*) FILTER (WHERE due_at < @now) AS integer) AS overdue,
		CAST(COUNT(*) FILTER (WHERE due_at >= @now AND due_at < @soon) AS integer) AS due_soon
	FROM tasks WHERE status = 'open'
	GROUP BY assignee, team
), assigned AS (
	SELECT assignee, SUM(open) AS open, SUM(overdue) AS overdue, SUM(due_soon) AS due_soon
	FROM grouped WHERE assignee <> '' GROUP BY assignee
), queued AS (
	SELECT team, SUM(open) AS open, SUM(overdue) AS overdue, SUM(due_soon) AS due_soon,
		SUM(CASE WHEN assignee = '' THEN open ELSE 0 END) AS unassigned
	FROM grouped GROUP BY team
), members AS (
	SELECT team, COUNT(*) AS members FROM people GROUP BY team
)
SELECT 'person' AS row_kind, p.handle, p.name, p.team,
	CASE WHEN p.ooo_from <= @now AND p.ooo_to > @now THEN 1 ELSE 0 END AS out_of_office, 0 AS members,
	COALESCE(a.open, 0) AS open, COALESCE(a.overdue, 0) AS overdue, COALESCE(a.due_soon, 0) AS due_soon, 0 AS unassigned
FROM people AS p LEFT JOIN assigned AS a ON a.assignee = p.handle
UNION ALL
SELECT 'person', a.assignee, '', '', 0, 0, a.open, a.overdue, a.due_soon, 0
FROM assigned AS a
WHERE NOT EXISTS (SELECT 1 FROM people AS p WHERE p.handle = a.assignee)
UNION ALL
SELECT 'team', '', '', t.team, 0, COALESCE(m.members, 0),
	COALESCE(q.open, 0), COALESCE(q.overdue, 0), COALESCE(q.due_soon, 0), COALESCE(q.unassigned, 0)
FROM (SELECT team FROM queued UNION SELECT team FROM members) AS t
LEFT JOIN queued AS q ON q.team = t.team
LEFT JOIN members AS m ON m.team = t.team`
