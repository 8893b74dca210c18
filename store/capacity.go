package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// EstimateReport answers estimated against actual hours over the last
// domain.EstimateQuarters quarters, as of now. One query reads the tasks done
// with both in that time (a partial index holds only those with actual
// hours); the medians and quartiles are computed here, as SQLite has no
// percentile function and both databases then answer the same figures.
func (st *Store) EstimateReport(ctx context.Context, now time.Time) (domain.EstimateReport, error) {
	now = utc(now)
	quarters := domain.QuartersUpTo(now)
	rows, err := st.reads.WithContext(ctx).Raw(`
SELECT team, task_key, completed_at, estimate_hours, actual_hours
FROM tasks
WHERE actual_hours IS NOT NULL AND completed_at >= @from AND completed_at < @to
	AND status = @done AND estimate_hours > 0`,
		sql.Named("from", quarters[0].Start), sql.Named("to", quarters[len(quarters)-1].End), sql.Named("done", domain.TaskDone),
	).Rows()
	if err != nil {
		return domain.EstimateReport{}, wrap(err, "estimate report")
	}
	defer rows.Close()
	var tasks []domain.EstimatedTask
	for rows.Next() {
		var t domain.EstimatedTask
		var team, key string
		var at anyTime
		if err := rows.Scan(&team, &key, &at, &t.Estimate, &t.Actual); err != nil {
			return domain.EstimateReport{}, wrap(err, "estimate report")
		}
		t.Team, t.Kind, t.CompletedAt = domain.Team(team), domain.EstimateKind(key), at.t
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return domain.EstimateReport{}, wrap(err, "estimate report")
	}
	return domain.NewEstimateReport(now, quarters, tasks), nil
}

// Capacity answers, as of now, the planned hours of open tasks per person and
// per team over the domain.CapacityWeeks weeks from the current one, against
// what people have: their weekly hours (defaultWeekly when they have none of
// their own) less the weekdays they are out of office. One query: the
// estimates of the open tasks due before the last week ends (an overdue one
// counts in the current week), summed per week by assignee and by team,
// beside every active person's hours and out-of-office window. The open tasks
// are read from idx_tasks_open_plan alone (migration 00014), which holds
// nothing else: 'open' is a literal, as that partial index needs.
func (st *Store) Capacity(ctx context.Context, now time.Time, defaultWeekly float64) (domain.Capacity, error) {
	now = utc(now)
	weeks := domain.WeekStarts(now)
	q, args := capacityQuery(weeks)
	rows, err := st.reads.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return domain.Capacity{}, wrap(err, "capacity")
	}
	defer rows.Close()
	c := domain.Capacity{AsOf: now, Weeks: weeks[:domain.CapacityWeeks], DefaultWeeklyHours: defaultWeekly,
		People: []domain.PersonCapacity{}, Teams: []domain.TeamCapacity{}}
	if err := readCapacity(rows, weeks, defaultWeekly, &c); err != nil {
		return domain.Capacity{}, err
	}
	return c, nil
}

// capacityQuery is Capacity's one query for the weeks starting at weeks.
// Each task's estimate is added to its own week's sum only (FILTER): with a
// CASE of 0 elsewhere, PostgreSQL added four numerics a task. The sums are
// numerics, exact; the people's rows answer them as doubles (and so the
// team rows too, of the same columns): PostgreSQL sends a numeric as text,
// which the driver made a string and database/sql parsed again, 18,000 times
// for 2,000 people. Both roundings are to the nearest double, so the hours
// read are the same.
func capacityQuery(weeks []time.Time) (string, []any) {
	return `
WITH planned AS (
	SELECT assignee, team,
		COALESCE(SUM(estimate_hours) FILTER (WHERE due_at < @w1), 0) AS h0,
		COALESCE(SUM(estimate_hours) FILTER (WHERE due_at >= @w1 AND due_at < @w2), 0) AS h1,
		COALESCE(SUM(estimate_hours) FILTER (WHERE due_at >= @w2 AND due_at < @w3), 0) AS h2,
		COALESCE(SUM(estimate_hours) FILTER (WHERE due_at >= @w3), 0) AS h3
	FROM tasks
	WHERE status = 'open' AND estimate_hours IS NOT NULL AND due_at < @w4
	GROUP BY assignee, team
), mine AS (
	SELECT assignee, SUM(h0) AS h0, SUM(h1) AS h1, SUM(h2) AS h2, SUM(h3) AS h3
	FROM planned WHERE assignee <> '' GROUP BY assignee
)
SELECT 'person' AS row_kind, p.handle, p.name, p.team, p.manager, CAST(p.weekly_hours AS double precision) AS weekly_hours, p.ooo_from, p.ooo_to,
	CAST(COALESCE(m.h0, 0) AS double precision) AS h0, CAST(COALESCE(m.h1, 0) AS double precision) AS h1,
	CAST(COALESCE(m.h2, 0) AS double precision) AS h2, CAST(COALESCE(m.h3, 0) AS double precision) AS h3,
	CAST(0 AS double precision) AS u0, CAST(0 AS double precision) AS u1, CAST(0 AS double precision) AS u2, CAST(0 AS double precision) AS u3
FROM people AS p LEFT JOIN mine AS m ON m.assignee = p.handle
WHERE p.disabled_at IS NULL
UNION ALL
SELECT 'team', '', '', team, '', NULL, NULL, NULL, SUM(h0), SUM(h1), SUM(h2), SUM(h3),
	SUM(CASE WHEN assignee = '' THEN h0 ELSE 0 END), SUM(CASE WHEN assignee = '' THEN h1 ELSE 0 END),
	SUM(CASE WHEN assignee = '' THEN h2 ELSE 0 END), SUM(CASE WHEN assignee = '' THEN h3 ELSE 0 END)
FROM planned WHERE team <> '' GROUP BY team`, []any{
			sql.Named("w1", weeks[1]), sql.Named("w2", weeks[2]), sql.Named("w3", weeks[3]), sql.Named("w4", weeks[4]),
		}
}

// readCapacity reads capacityQuery's rows into c.
func readCapacity(rows *sql.Rows, weeks []time.Time, defaultWeekly float64, c *domain.Capacity) error {
	teams := map[domain.Team]*domain.TeamCapacity{}
	team := func(t domain.Team) *domain.TeamCapacity {
		if teams[t] == nil {
			teams[t] = &domain.TeamCapacity{Team: t, Weeks: make([]domain.WeekLoad, domain.CapacityWeeks), UnassignedHours: make([]float64, domain.CapacityWeeks)}
		}
		return teams[t]
	}
	// One set of destinations for every row: declared in the loop, each row
	// put its sixteen on the heap (they escape through Scan's arguments).
	var kind, handle, name, teamName, manager string
	var weekly sql.NullFloat64
	var from, to anyTime
	var h, u [domain.CapacityWeeks]float64
	dest := []any{&kind, &handle, &name, &teamName, &manager, &weekly, &from, &to,
		&h[0], &h[1], &h[2], &h[3], &u[0], &u[1], &u[2], &u[3]}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return wrap(err, "capacity")
		}
		if kind == "team" {
			t := team(domain.Team(teamName))
			for w := range h {
				t.Weeks[w].PlannedHours, t.UnassignedHours[w] = h[w], u[w]
			}
			continue
		}
		p := domain.PersonCapacity{Handle: handle, Name: name, Team: domain.Team(teamName), Manager: manager, WeeklyHours: defaultWeekly,
			OwnWeeklyHours: weekly.Valid, Weeks: make([]domain.WeekLoad, domain.CapacityWeeks)}
		if weekly.Valid {
			p.WeeklyHours = weekly.Float64
		}
		var ooo *domain.OutOfOffice
		if !from.t.IsZero() && !to.t.IsZero() {
			ooo = &domain.OutOfOffice{From: from.t, To: to.t}
		}
		for w := range h {
			p.Weeks[w] = domain.NewWeekLoad(domain.WeekCapacity(p.WeeklyHours, weeks[w], ooo), h[w])
			p.Over = p.Over || p.Weeks[w].Over
		}
		c.People = append(c.People, p)
		if p.Team != "" {
			t := team(p.Team)
			t.Members++
			for w := range t.Weeks {
				t.Weeks[w].CapacityHours += p.Weeks[w].CapacityHours
			}
		}
	}
	if err := rows.Err(); err != nil {
		return wrap(err, "capacity")
	}
	for _, t := range teams {
		for w, l := range t.Weeks {
			t.Weeks[w] = domain.NewWeekLoad(l.CapacityHours, l.PlannedHours)
			t.Over = t.Over || t.Weeks[w].Over
		}
		c.Teams = append(c.Teams, *t)
	}
	slices.SortFunc(c.Teams, func(a, b domain.TeamCapacity) int { return cmp.Compare(a.Team, b.Team) })
	// Most over first, then the most planned this week, then by handle.
	slices.SortFunc(c.People, func(a, b domain.PersonCapacity) int {
		if a.Over != b.Over {
			if a.Over {
				return -1
			}
			return 1
		}
		if d := cmp.Compare(b.Weeks[0].PlannedHours-b.Weeks[0].CapacityHours, a.Weeks[0].PlannedHours-a.Weeks[0].CapacityHours); d != 0 {
			return d
		}
		return cmp.Compare(a.Handle, b.Handle)
	})
	return nil
}
