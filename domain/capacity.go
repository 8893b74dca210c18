package domain

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Estimates, actuals and capacity (issue 20). A task may carry an estimate in
// hours (set from the policy when its process opens it, changed by the
// process's managers while it is open) and, once done, the hours it took (told
// by whoever completed it). A person has weekly hours (the policy's default,
// or their own set by an admin or their manager), less the weekdays they are
// out of office; the capacity report sets the estimates of open tasks against
// it, week by week.

// MaxTaskHours bounds a task's estimate and its actual hours: more than 1000
// hours (half a working year) is not one task but a project.
const MaxTaskHours = 1000.0

// MaxWeeklyHours bounds a person's weekly hours: the hours of a week.
const MaxWeeklyHours = 168.0

// DefaultWeeklyHours is the built-in policy's weekly hours of a person.
const DefaultWeeklyHours = 40.0

// CheckTaskHours adds a problem with field unless 0 < h ≤ MaxTaskHours.
func CheckTaskHours(p *Problems, field string, h float64) {
	if math.IsNaN(h) || h <= 0 || h > MaxTaskHours {
		p.Add(field, "must be more than 0 and at most %g hours", MaxTaskHours)
	}
}

// CheckWeeklyHours adds a problem with field unless 0 ≤ h ≤ MaxWeeklyHours.
// Zero is someone who takes no task work (a director, say).
func CheckWeeklyHours(p *Problems, field string, h float64) {
	if math.IsNaN(h) || h < 0 || h > MaxWeeklyHours {
		p.Add(field, "must be between 0 and %g hours", MaxWeeklyHours)
	}
}

// CapacityPolicy is the policy of people's capacity.
type CapacityPolicy struct {
	// WeeklyHours is a person's weekly hours unless they have their own.
	WeeklyHours float64 `json:"weekly_hours" yaml:"weekly_hours"`
}

// CheckEstimate says whether a may change the estimate of task t: the
// process's managers (who plan its work: a campaign's project manager and
// marketing ops manager) and admins, while the task is open. The assignee,
// who may give the task away, may not re-plan it: the estimate is what the
// plan promised, and the report compares the hours it took against it.
func CheckEstimate(t Task, managers []string, a Actor) error {
	switch {
	case !t.IsOpen():
		return Conflictf("task %s is %s", t.ID, t.Status)
	case a.Handle != "" && slices.Contains(managers, a.Handle), a.HasRole(RoleAdmin):
		return nil
	}
	return Forbiddenf("only the process's managers or an admin may change the estimate of task %s", t.ID)
}

// CheckSetWeeklyHours says whether a may set the weekly hours of person p:
// admins, and p's manager.
func CheckSetWeeklyHours(p Person, a Actor) error {
	if a.HasRole(RoleAdmin) || (p.Manager != "" && a.Handle == p.Manager) {
		return nil
	}
	return Forbiddenf("only an admin or %s's manager may set their weekly hours", p.Handle)
}

// EstimateKind is what the estimate report groups a task by, from its key: a
// deliverable keeps its own ("deliverable:assets"), every other task its
// key's prefix ("signoff", "rework", "added"), since the rest of those keys
// name a person or a task.
func EstimateKind(key string) string {
	if strings.HasPrefix(key, "deliverable:") {
		return key
	}
	if i := strings.IndexByte(key, ':'); i > 0 {
		return key[:i]
	}
	if key == "" {
		return "other"
	}
	return key
}

// Quantile is the q-quantile (0 ≤ q ≤ 1) of sorted values, by linear
// interpolation between the closest ranks (the spreadsheet's PERCENTILE.INC);
// 0 when there are none.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// EstimateStats sums the tasks done with both an estimate and actual hours:
// their hours, and the spread of actual / estimate (1 is on the estimate, 2
// took twice as long).
type EstimateStats struct {
	Tasks          int     `json:"tasks"`
	EstimatedHours float64 `json:"estimated_hours"`
	ActualHours    float64 `json:"actual_hours"`
	// MedianRatio, P25Ratio and P75Ratio are the median and quartiles of
	// actual / estimate over the tasks; 0 when there are none.
	MedianRatio float64 `json:"median_ratio"`
	P25Ratio    float64 `json:"p25_ratio"`
	P75Ratio    float64 `json:"p75_ratio"`
}

// EstimatedTask is one task done with an estimate and actual hours: the
// report's input.
type EstimatedTask struct {
	Team        Team
	Kind        string // EstimateKind of its key
	CompletedAt time.Time
	Estimate    float64
	Actual      float64
}

// NewEstimateStats computes the stats of tasks.
func NewEstimateStats(tasks []EstimatedTask) EstimateStats {
	var s EstimateStats
	ratios := make([]float64, 0, len(tasks))
	for _, t := range tasks {
		s.Tasks++
		s.EstimatedHours += t.Estimate
		s.ActualHours += t.Actual
		ratios = append(ratios, t.Actual/t.Estimate)
	}
	slices.Sort(ratios)
	s.MedianRatio, s.P25Ratio, s.P75Ratio = round3(Quantile(ratios, 0.5)), round3(Quantile(ratios, 0.25)), round3(Quantile(ratios, 0.75))
	s.EstimatedHours, s.ActualHours = round3(s.EstimatedHours), round3(s.ActualHours)
	return s
}

// round3 keeps three decimals: a ratio or an hour sum answered the same on
// both databases, whatever order they summed in.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// EstimateQuarters is how many calendar quarters the estimate report covers,
// the current one included.
const EstimateQuarters = 4

// Quarter is one calendar quarter (UTC) of the estimate report.
type Quarter struct {
	Name  string    `json:"name"` // "2025-Q3"
	Start time.Time `json:"start"`
	End   time.Time `json:"end"` // exclusive
}

// QuartersUpTo are the EstimateQuarters calendar quarters (UTC) ending with
// the one now is in, oldest first.
func QuartersUpTo(now time.Time) []Quarter {
	now = now.UTC()
	q := (int(now.Month()) - 1) / 3
	start := time.Date(now.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
	out := make([]Quarter, EstimateQuarters)
	for i := EstimateQuarters - 1; i >= 0; i-- {
		end := start.AddDate(0, 3, 0)
		out[i] = Quarter{Name: start.Format("2006") + "-Q" + itoa((int(start.Month())-1)/3+1), Start: start, End: end}
		start = start.AddDate(0, -3, 0)
	}
	return out
}

// EstimateReport is estimated against actual hours of the tasks done over the
// last EstimateQuarters quarters, per team and per kind of task, each overall
// and quarter by quarter: how far estimates are off, and whether they get
// better.
type EstimateReport struct {
	AsOf     time.Time       `json:"as_of"`
	Quarters []Quarter       `json:"quarters"`
	Overall  EstimateGroup   `json:"overall"`
	Teams    []EstimateGroup `json:"teams"`
	Kinds    []EstimateGroup `json:"kinds"`
}

// EstimateGroup is one team's, or one kind of task's, figures: overall, and
// per quarter in the order of the report's quarters.
type EstimateGroup struct {
	Team      Team            `json:"team,omitempty"`
	Kind      string          `json:"kind,omitempty"`
	Stats     EstimateStats   `json:"stats"`
	ByQuarter []EstimateStats `json:"by_quarter"`
}

// NewEstimateReport groups tasks (done within quarters) into the report.
func NewEstimateReport(now time.Time, quarters []Quarter, tasks []EstimatedTask) EstimateReport {
	r := EstimateReport{AsOf: now, Quarters: quarters, Teams: []EstimateGroup{}, Kinds: []EstimateGroup{}}
	group := func(g EstimateGroup, ts []EstimatedTask) EstimateGroup {
		g.Stats = NewEstimateStats(ts)
		g.ByQuarter = make([]EstimateStats, len(quarters))
		for i, q := range quarters {
			var in []EstimatedTask
			for _, t := range ts {
				if !t.CompletedAt.Before(q.Start) && t.CompletedAt.Before(q.End) {
					in = append(in, t)
				}
			}
			g.ByQuarter[i] = NewEstimateStats(in)
		}
		return g
	}
	r.Overall = group(EstimateGroup{}, tasks)
	byTeam, byKind := map[Team][]EstimatedTask{}, map[string][]EstimatedTask{}
	for _, t := range tasks {
		byTeam[t.Team] = append(byTeam[t.Team], t)
		byKind[t.Kind] = append(byKind[t.Kind], t)
	}
	for _, team := range slices.Sorted(maps.Keys(byTeam)) {
		r.Teams = append(r.Teams, group(EstimateGroup{Team: team}, byTeam[team]))
	}
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		r.Kinds = append(r.Kinds, group(EstimateGroup{Kind: kind}, byKind[kind]))
	}
	return r
}

// EstimateAccuracy is the estimate accuracy of one campaign, for its
// retrospective: its tasks done with an estimate and actual hours.
func EstimateAccuracy(tasks []Task) *EstimateStats {
	var in []EstimatedTask
	for _, t := range tasks {
		if t.Status == TaskDone && t.EstimateHours != nil && t.ActualHours != nil && *t.EstimateHours > 0 {
			in = append(in, EstimatedTask{Estimate: *t.EstimateHours, Actual: *t.ActualHours})
		}
	}
	if len(in) == 0 {
		return nil
	}
	s := NewEstimateStats(in)
	return &s
}

// CapacityWeeks is how many weeks the capacity report covers: the current
// one and the three after it.
const CapacityWeeks = 4

// WeekStarts are the Mondays, 00:00 UTC, of the CapacityWeeks weeks from the
// one now is in, and the end of the last: CapacityWeeks+1 times.
func WeekStarts(now time.Time) []time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	out := make([]time.Time, CapacityWeeks+1)
	for i := range out {
		out[i] = monday.AddDate(0, 0, 7*i)
	}
	return out
}

// WeekCapacity is the hours a person with weekly hours has in the week
// starting monday: weekly × the share of its five weekdays (Monday to Friday,
// UTC) not out of office. A weekday is out of office when the window covers
// its noon, so a window ending on a morning leaves that day in.
func WeekCapacity(weekly float64, monday time.Time, ooo *OutOfOffice) float64 {
	days := 5
	// Without a window every day is in, as for most people most weeks: the
	// days' dates were a quarter of the capacity report's time in Go.
	if ooo != nil {
		for d := range 5 {
			if ooo.Covers(monday.AddDate(0, 0, d).Add(12 * time.Hour)) {
				days--
			}
		}
	}
	return round3(weekly * float64(days) / 5)
}

// Capacity is, per person and per team and per week, the planned hours of
// open tasks against the hours people have. An open task's estimate counts
// in the week it is due, an overdue one's in the current week (it is still
// to be done); a task without an estimate counts for nothing, and one due
// after the last week is not shown.
type Capacity struct {
	AsOf time.Time `json:"as_of"`
	// Weeks are the Mondays (00:00 UTC) the weeks start on; every row's Weeks
	// follow them.
	Weeks              []time.Time `json:"weeks"`
	DefaultWeeklyHours float64     `json:"default_weekly_hours"`
	// People are the active members of the directory, most over capacity first.
	People []PersonCapacity `json:"people"`
	// PeopleTotal is how many people the whole report has, of the team asked
	// for when the request named one: the API answers a window of them
	// (?offset=, ?limit=), as Workload.PeopleTotal.
	PeopleTotal int `json:"people_total"`
	// Teams are the teams with active members or planned work.
	Teams []TeamCapacity `json:"teams"`
}

// WeekLoad is one week of a person's or a team's capacity.
type WeekLoad struct {
	CapacityHours float64 `json:"capacity_hours"`
	PlannedHours  float64 `json:"planned_hours"`
	Over          bool    `json:"over"`
}

// NewWeekLoad is a week with its over flag: planned above capacity.
func NewWeekLoad(capacity, planned float64) WeekLoad {
	capacity, planned = round3(capacity), round3(planned)
	return WeekLoad{CapacityHours: capacity, PlannedHours: planned, Over: planned > capacity}
}

// PersonCapacity is one person's weeks. WeeklyHours is theirs, or the
// policy's when they have none of their own (OwnWeeklyHours false).
type PersonCapacity struct {
	Handle string `json:"handle"`
	Name   string `json:"name"`
	Team   Team   `json:"team,omitempty"`
	// Manager is the person's manager, who may set their weekly hours (as
	// admins may): the board offers the people it shows to whoever may.
	Manager        string     `json:"manager,omitempty"`
	WeeklyHours    float64    `json:"weekly_hours"`
	OwnWeeklyHours bool       `json:"own_weekly_hours"`
	Weeks          []WeekLoad `json:"weeks"`
	// Over is set when any week is over.
	Over bool `json:"over"`
}

// TeamCapacity is one team's weeks: the capacity of its active members
// against the estimates of the open tasks of the team (its candidate group,
// whoever holds them); UnassignedHours per week are those nobody holds yet.
type TeamCapacity struct {
	Team            Team       `json:"team"`
	Members         int        `json:"members"`
	Weeks           []WeekLoad `json:"weeks"`
	UnassignedHours []float64  `json:"unassigned_hours"`
	Over            bool       `json:"over"`
}

// WeekOf returns the index in c.Weeks of the week a task due at t counts
// in: 0 for anything before the second week (overdue work too), -1 for
// after the last.
func (c Capacity) WeekOf(t time.Time) int {
	for i, start := range c.Weeks {
		if t.Before(start.AddDate(0, 0, 7)) {
			return i
		}
	}
	return -1
}

// Room is the people of team with room in week w: planned below capacity,
// most room first.
func (c Capacity) Room(team Team, w int, except string) []PersonCapacity {
	var out []PersonCapacity
	for _, p := range c.People {
		if p.Team == team && p.Handle != except && w >= 0 && w < len(p.Weeks) && p.Weeks[w].PlannedHours < p.Weeks[w].CapacityHours {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b PersonCapacity) int {
		ra, rb := a.Weeks[w].CapacityHours-a.Weeks[w].PlannedHours, b.Weeks[w].CapacityHours-b.Weeks[w].PlannedHours
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return strings.Compare(a.Handle, b.Handle)
	})
	return out
}
