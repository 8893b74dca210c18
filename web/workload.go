package web

import (
	"net/http"

	"github.com/tandemhq/tandem/domain"
)

type workloadData struct {
	domain.Workload
	MaxPerson, MaxTeam int // the largest open count, the full length of a bar
	// Capacity is the planned hours against people's hours over the next
	// four weeks (GET /reports/capacity).
	Capacity domain.Capacity
}

// workload shows open and overdue tasks per person and per team, from the API's
// workload report, so whoever assigns work sees who is overloaded and who is free.
func (a *App) workload(w http.ResponseWriter, r *http.Request, s *session) {
	var d workloadData
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/workload", nil, nil, &d.Workload); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if err := a.api.call(r, s.auth, http.MethodGet, "/reports/capacity", nil, nil, &d.Capacity); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, p := range d.People {
		d.MaxPerson = max(d.MaxPerson, p.Open)
	}
	for _, t := range d.Teams {
		d.MaxTeam = max(d.MaxTeam, t.Open)
	}
	a.render(w, r, http.StatusOK, "workload", view{Session: s, Title: "Workload", Nav: "workload", Poll: true, Data: d})
}
