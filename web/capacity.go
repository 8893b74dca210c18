package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// Estimates and capacity on the board (issue 20): the capacity of the next
// four weeks on the workload page, the estimate report on the reports page,
// the warning a reassignment to someone over capacity answers.

// hours writes a number of hours the way people do: "16h", "7.5h".
func hours(v any) string {
	var h float64
	switch x := v.(type) {
	case float64:
		h = x
	case *float64:
		if x == nil {
			return ""
		}
		h = *x
	default:
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(h, 'f', -1, 64) + "h"
}

// ratio writes actual / estimate as a factor: "×1.25".
func ratio(v float64) string {
	return "×" + strconv.FormatFloat(v, 'f', 2, 64)
}

// weekOf names the week starting monday: "week of 12 Jan".
func weekOf(monday time.Time) string { return "week of " + monday.Format("2 Jan") }

// capacityWarning is the warning a reassignment answers when the new
// assignee is over capacity, as the API writes it.
type capacityWarning struct {
	Code          string     `json:"code"`
	Message       string     `json:"message"`
	Person        string     `json:"person"`
	WeekStart     *time.Time `json:"week_start"`
	PlannedHours  float64    `json:"planned_hours"`
	CapacityHours float64    `json:"capacity_hours"`
	WithRoom      []struct {
		Handle    string  `json:"handle"`
		Name      string  `json:"name"`
		FreeHours float64 `json:"free_hours"`
	} `json:"with_room"`
}

// maxRoomNamed bounds the people with room a notice names: it travels in a
// cookie.
const maxRoomNamed = 5

// capacityNotice says a warning in words, with the people who have room:
// "Cole Ward is over capacity in the week of 12 Jan: 52h planned for 40h.
// With room in the team that week: Cleo (20h free), Cara (10h free)."
func capacityNotice(w capacityWarning, name func(string) string) string {
	if w.Code != "over_capacity" || w.WeekStart == nil {
		return w.Message
	}
	msg := fmt.Sprintf("%s is over capacity in the %s: %s planned for %s.", name(w.Person), weekOf(*w.WeekStart), hours(w.PlannedHours), hours(w.CapacityHours))
	if len(w.WithRoom) == 0 {
		return msg + " Nobody else in the team has room that week."
	}
	var room []string
	for i, r := range w.WithRoom {
		if i == maxRoomNamed {
			room = append(room, fmt.Sprintf("and %d more", len(w.WithRoom)-maxRoomNamed))
			break
		}
		who := r.Name
		if who == "" {
			who = name(r.Handle)
		}
		room = append(room, fmt.Sprintf("%s (%s free)", who, hours(r.FreeHours)))
	}
	return msg + " With room in the team that week: " + strings.Join(room, ", ") + "."
}

// estimateTable is one table of the estimate report: per team, or per kind.
type estimateTable struct {
	Caption, ID string
	Rows        []estimateGroupRow
	Quarters    []domain.Quarter
}

// estimateGroupRow is one line of the estimate report's tables.
type estimateGroupRow struct {
	Name      string
	Stats     domain.EstimateStats
	ByQuarter []domain.EstimateStats
}

func estimateRows(gs []domain.EstimateGroup, team bool) []estimateGroupRow {
	out := make([]estimateGroupRow, len(gs))
	for i, g := range gs {
		name := label(g.Kind)
		if team {
			name = label(g.Team)
			if g.Team == "" {
				name = "No team"
			}
		} else if k, ok := strings.CutPrefix(g.Kind, "deliverable:"); ok {
			name = label(k)
		}
		out[i] = estimateGroupRow{Name: name, Stats: g.Stats, ByQuarter: g.ByQuarter}
	}
	return out
}
