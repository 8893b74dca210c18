package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// Changing a task's estimate from its card (issue 20): the process's managers
// and admins (domain.CheckEstimate, the rule the workflow's validator
// applies) re-plan an open task in hours, with why. The board offers the form
// by the rule and checks the number before sending; the API and the workflow
// check again.

// estimateForm is the form that changes a task's estimate, drawn again as it
// was sent after a refusal.
type estimateForm struct {
	Hours, Reason string
	Problem       string
	HoursProblem  string
	Open          bool
}

// estimateFor is task t's estimate form, filled with its estimate, or with
// what attempt sent when it is a refused estimate of t.
func estimateFor(t domain.Task, attempt *taskAttempt) *estimateForm {
	f := &estimateForm{}
	if t.EstimateHours != nil {
		f.Hours = strconv.FormatFloat(*t.EstimateHours, 'f', -1, 64)
	}
	if attempt != nil && attempt.ID == t.ID && attempt.Estimate {
		f.Open, f.Problem, f.Hours, f.Reason, f.HoursProblem = true, attempt.Problem, attempt.Hours, attempt.Comment, attempt.Fields["hours"]
	}
	return f
}

// taskHours reads a number of hours as typed ("12", "7.5", "7,5"): within
// the bounds of a task's hours (more than 0, at most domain.MaxTaskHours), or
// a problem saying what they are.
func taskHours(v string) (float64, string) {
	h, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil || h <= 0 || h > domain.MaxTaskHours {
		return 0, fmt.Sprintf("must be a number of hours, more than 0 and at most %g", domain.MaxTaskHours)
	}
	return h, ""
}

// estimateTask sends a task's new estimate from its card. Success goes back
// where the form was, with a notice; a refusal is drawn on the card's form
// (a field to fix), or said on the page.
func (a *App) estimateTask(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	back := cmp.Or(localPath(r.PostFormValue("back")), "/")
	var t domain.Task
	if err := a.api.call(r, s.auth, http.MethodGet, "/tasks/"+url.PathEscape(id), nil, nil, &t); err != nil {
		a.fail(w, r, s, err)
		return
	}
	attempt := &taskAttempt{ID: id, Estimate: true, Hours: strings.TrimSpace(r.PostFormValue("hours")),
		Comment: strings.TrimSpace(r.PostFormValue("reason")), Zone: r.PostFormValue(tzField)}
	h, problem := taskHours(attempt.Hours)
	if problem != "" {
		a.knowTask(r, s, t)
		attempt.Problem, attempt.Fields = "Nothing was sent: the estimate "+problem+".", map[string]string{"hours": problem}
		a.redrawTask(w, r, s, t, back, http.StatusUnprocessableEntity, attempt)
		return
	}
	body := map[string]any{"hours": h, "reason": attempt.Comment}
	err := a.command(r, s, "/tasks/"+url.PathEscape(id)+"/estimate", body, nil)
	if err == nil {
		wd, err := a.words(r, s)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		a.lookup(r, s, wd, t.Title)
		a.setNotice(w, "Estimate of "+wd.Text(t.Title)+": "+hours(h))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	a.taskNotDone(w, r, s, t, back, err, attempt, "You may not change this task's estimate")
}
