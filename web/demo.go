package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/internal/vouch"
)

// Demo sign-in: `tandem dev` lists its demo people on the sign-in page, and a
// click signs the browser in as one of them, no token needed. Only dev's wiring
// sets Config.DemoPeople; without it POST /signin/demo is not routed at all
// (404), and the API starts a session on the board's word alone for a request
// made in process, never for one that came over HTTP (package vouch).

// demoPerson is one button of the demo sign-in.
type demoPerson struct {
	Handle, Name string
	What         string // their roles and team, in words
}

func demoPeople(people []domain.Person) []demoPerson {
	out := make([]demoPerson, 0, len(people))
	for _, p := range people {
		roles := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			roles[i] = label(r)
		}
		out = append(out, demoPerson{Handle: p.Handle, Name: p.Name, What: strings.Join(roles, ", ")})
	}
	return out
}

// demoSignIn signs the browser in as the demo person the form names. The form
// is checked like the token sign-in's, so a foreign page cannot sign a
// browser in as a demo person either (login CSRF).
func (a *App) demoSignIn(w http.ResponseWriter, r *http.Request) {
	d, ok := a.signInForm(w, r)
	if !ok {
		return
	}
	handle := r.PostFormValue("handle")
	if !slices.ContainsFunc(a.demo, func(p demoPerson) bool { return p.Handle == handle }) {
		a.render(w, r, http.StatusUnprocessableEntity, "signin", view{Title: "Sign in", Data: d,
			Problem: "That is not one of the demo people: pick one below."})
		return
	}
	id, err := a.startSession(r.WithContext(vouch.For(r.Context(), handle, domain.SignInDemo)), "")
	if err != nil {
		a.fail(w, r, nil, err)
		return
	}
	a.signedIn(w, r, id, d.Next)
}
