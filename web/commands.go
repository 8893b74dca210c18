package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
)

// Commands from the board's forms. Each form that changes a process carries
// an Idempotency-Key made when the form was drawn (words.Key), which goes
// with its command: sending the form twice (a double click, a retry after a
// timeout, the back button) is one command. When Tandem admits a command but
// no worker processes it in time, the API answers 202; the board then says
// so — sent, not done — on a page that follows the command until it is.

func (a *App) commandRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /commands/{id}", a.authed(a.commandStatus))
}

// command sends one command of a form with the form's Idempotency-Key (a new
// one when the form carries none the page made), decoding its answer into out.
func (a *App) command(r *http.Request, s *session, path string, body, out any) error {
	key := r.PostFormValue(idempotencyField)
	if !validIdempotencyKey(key) {
		key = newIdempotencyKey()
	}
	return a.api.callWith(r, s.auth, http.MethodPost, path, nil, http.Header{"Idempotency-Key": {key}}, body, out)
}

// sent answers a command admitted and not yet processed: to the page that
// follows it, which returns to back.
func (a *App) sent(w http.ResponseWriter, r *http.Request, p *pending, back string) {
	http.Redirect(w, r, "/commands/"+url.PathEscape(p.ID)+"?"+url.Values{"back": {back}}.Encode(), http.StatusSeeOther)
}

// keyReused reports whether the API refused a command because its key came
// before with other values: a form sent, changed, and sent again from the
// browser's history. Nothing new was done.
func keyReused(e *apiError) bool {
	return e.Status == http.StatusConflict && strings.Contains(e.Message, "Idempotency-Key")
}

// reusedKeyProblem says what keyReused means, for the form drawn again with a
// new key.
const reusedKeyProblem = "This form was already sent once with other values, so nothing new was sent. Check the values and send it again."

type commandPage struct {
	State   string // pending, done or refused
	Problem string // why it was refused
	What    string // the task it decided, once done, in words
	Back    string // the page the form was on
}

// commandStatus follows a command the API admitted: "Sent — waiting for
// Tandem to process it" while no worker has, redrawn as the page refreshes
// itself, then done or refused, with the way back to where it was sent from.
func (a *App) commandStatus(w http.ResponseWriter, r *http.Request, s *session) {
	p := commandPage{Back: cmp.Or(localPath(r.URL.Query().Get("back")), "/")}
	// A decision answers its task, whose title says what was done.
	var answer struct {
		Title string `json:"title"`
	}
	err := a.api.call(r, s.auth, http.MethodGet, "/commands/"+url.PathEscape(r.PathValue("id")), nil, nil, &answer)
	_, waiting := asPending(err)
	ae, refused := asAPIError(err)
	switch {
	case err == nil:
		p.State = "done"
		if answer.Title != "" {
			p.What = a.say(r, s, answer.Title)
		}
	case waiting:
		p.State = "pending"
	case refused && ae.Status != http.StatusNotFound && ae.Status < http.StatusInternalServerError:
		p.State, p.Problem = "refused", a.say(r, s, refusal(ae))
	default:
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, http.StatusOK, "command", view{Session: s, Title: "Sent", Poll: p.State == "pending", Data: p})
}
