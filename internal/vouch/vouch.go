// Package vouch carries, inside one process, the board's word that a person
// proved who they are by a means other than an API token: a demo person picked
// on `tandem dev`'s sign-in page. The board puts it on the context of the
// request it sends the API's handler in process to start a session
// (POST /api/v1/sessions), and the API believes it there alone.
//
// It is a context value, so nothing a client sends over HTTP can carry it:
// only code in this process that calls the API's handler can, and only the
// board does, after its own checks. The package is internal, so no other
// module can either, and it holds nothing but the key, so the board imports it
// without linking the API (and Temporal with it).
package vouch

import (
	"context"

	"github.com/tandemhq/tandem/domain"
)

type key struct{}

type word struct {
	handle string
	method domain.SignInMethod
}

// For returns ctx carrying the board's word that the person with handle
// proved who they are by method.
func For(ctx context.Context, handle string, method domain.SignInMethod) context.Context {
	return context.WithValue(ctx, key{}, word{handle: handle, method: method})
}

// From reads the board's word from ctx, if it carries one.
func From(ctx context.Context) (handle string, method domain.SignInMethod, ok bool) {
	w, ok := ctx.Value(key{}).(word)
	return w.handle, w.method, ok
}
