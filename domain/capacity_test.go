package domain

import (
	"slices"
	"testing"
	"time"
)

func TestWeeksStartOnMondayUTC(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC),                       // Monday midnight
		time.Date(2026, 5, 13, 15, 0, 0, 0, time.UTC),                      // Wednesday
		time.Date(2026, 5, 17, 23, 59, 0, 0, time.UTC),                     // Sunday night
		time.Date(2026, 5, 18, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), // Sunday 23:00 UTC
	} {
		w := WeekStarts(now)
		if len(w) != CapacityWeeks+1 || !w[0].Equal(time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)) || !w[4].Equal(time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("WeekStarts(%s) = %v", now, w)
		}
		c := Capacity{Weeks: w[:CapacityWeeks]}
		for due, want := range map[time.Time]int{
			w[0].Add(-time.Hour): 0, w[0]: 0, w[1].Add(-time.Nanosecond): 0, w[1]: 1, w[3]: 3, w[4].Add(-time.Nanosecond): 3, w[4]: -1,
		} {
			if got := c.WeekOf(due); got != want {
				t.Errorf("WeekOf(%s) = %d, want %d", due, got, want)
			}
		}
	}
}

func TestWeekCapacityLessTheDaysAway(t *testing.T) {
	monday := time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)
	day := func(d int, h int) time.Time { return monday.Add(time.Duration(d*24+h) * time.Hour) }
	for _, tc := range []struct {
		name string
		ooo  *OutOfOffice
		want float64
	}{
		{"not away", nil, 40},
		{"the weekend only", &OutOfOffice{From: day(5, 0), To: day(7, 0)}, 40},
		{"Tuesday to Thursday", &OutOfOffice{From: day(1, 0), To: day(4, 0)}, 16},
		{"from Wednesday afternoon: Wednesday counts", &OutOfOffice{From: day(2, 13), To: day(9, 0)}, 24},
		{"until Friday morning: Friday counts", &OutOfOffice{From: day(-3, 0), To: day(4, 11)}, 8},
		{"the whole week", &OutOfOffice{From: day(-1, 0), To: day(8, 0)}, 0},
	} {
		if got := WeekCapacity(40, monday, tc.ooo); got != tc.want {
			t.Errorf("%s: %g, want %g", tc.name, got, tc.want)
		}
	}
	if got := WeekCapacity(32, monday, &OutOfOffice{From: day(0, 0), To: day(1, 0)}); got != 25.6 {
		t.Errorf("32h less a day = %g, want 25.6", got)
	}
}

func TestQuartersUpTo(t *testing.T) {
	q := QuartersUpTo(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
	var names []string
	for _, x := range q {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"}) ||
		!q[0].Start.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) || !q[3].End.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("quarters = %+v", q)
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4}
	for q, want := range map[float64]float64{0: 1, 0.25: 1.75, 0.5: 2.5, 0.75: 3.25, 1: 4} {
		if got := Quantile(v, q); got != want {
			t.Errorf("Quantile(%v, %g) = %g, want %g", v, q, got, want)
		}
	}
	if Quantile(nil, 0.5) != 0 || Quantile([]float64{7}, 0.75) != 7 {
		t.Error("Quantile of none or one")
	}
}

func TestHoursBounds(t *testing.T) {
	for h, ok := range map[float64]bool{0: false, -1: false, 0.25: true, 1000: true, 1000.01: false} {
		var p Problems
		CheckTaskHours(&p, "hours", h)
		if (p.Err() == nil) != ok {
			t.Errorf("task hours %g: %v", h, p.Err())
		}
	}
	for h, ok := range map[float64]bool{-0.5: false, 0: true, 168: true, 168.5: false} {
		var p Problems
		CheckWeeklyHours(&p, "weekly_hours", h)
		if (p.Err() == nil) != ok {
			t.Errorf("weekly hours %g: %v", h, p.Err())
		}
	}
}

func TestWhoMayEstimateAndSetWeeklyHours(t *testing.T) {
	open := Task{ID: "tsk_1", Status: TaskOpen, Assignee: "cleo"}
	pat := Actor{Handle: "pat", Roles: []Role{RoleProjectManager}}
	if CheckEstimate(open, []string{"pat", "maya"}, pat) != nil {
		t.Error("the campaign's PM may not re-plan its task")
	}
	if Code(CheckEstimate(open, []string{"pat"}, Actor{Handle: "cleo"})) != CodeForbidden {
		t.Error("the assignee may re-plan their own task")
	}
	if CheckEstimate(open, nil, Actor{Handle: "ada", Roles: []Role{RoleAdmin}}) != nil {
		t.Error("an admin may not re-plan a task")
	}
	if Code(CheckEstimate(Task{ID: "tsk_2", Status: TaskDone}, []string{"pat"}, pat)) != CodeConflict {
		t.Error("a done task may be re-planned")
	}
	cole := Person{Handle: "cole", Manager: "dana"}
	if CheckSetWeeklyHours(cole, Actor{Handle: "dana"}) != nil || CheckSetWeeklyHours(cole, Actor{Handle: "ada", Roles: []Role{RoleAdmin}}) != nil {
		t.Error("the manager or an admin may not set weekly hours")
	}
	if Code(CheckSetWeeklyHours(cole, Actor{Handle: "cole"})) != CodeForbidden || Code(CheckSetWeeklyHours(Person{Handle: "x"}, Actor{})) != CodeForbidden {
		t.Error("the person themself, or anyone for someone without a manager, may set weekly hours")
	}
}
