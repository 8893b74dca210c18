// Package vouch carries, inside one process, the board's word about a sign-in
// that no API token proves: a demo person picked on `tandem dev`'s sign-in
// page, or a person an OpenID Connect provider identified. The board puts it
// on the context of the request it sends the API's handler in process to start
// a session (POST /api/v1/sessions), and the API believes it there alone. The
// word may also be a refusal (an identity provider's answer the board could not
// trust), so that a failed sign-in reaches the API's audit trail like any other.
//
// It is a context value, so nothing a client sends over HTTP can carry it:
// only code in this process that calls the API's handler can, and only the
// board does, after its own checks. The package is internal, so no other
// module can either, and it holds nothing but the key, so the board imports it
// without linking the API (and Temporal with it).
package vouch

import (
	"context"
	"errors"

	"github.com/tandemhq/tandem/domain"
)

type key struct{}

// Word is what the board vouches for: exactly one of Handle (the person), Email
// (the person of the directory with that address) and Refused (why there is no
// one to vouch for), and how the sign-in was made.
type Word struct {
	Handle, Email, Refused string
	Method                 domain.SignInMethod
	// Profile, with Email, is what the identity provider says of the person
	// besides their address, for a board set up to take it; nil otherwise.
	Profile *Profile
	// Refresh is the provider's refresh token, for a session the API re-checks
	// with the provider (Recheck); empty when it gave none or the board does
	// not re-check.
	Refresh string
}

// Profile is what an identity provider says of a person beyond who they are,
// for a directory that takes it from the provider (the board's OpenID Connect
// settings: people added at their first sign-in, groups mapped to teams and
// roles).
type Profile struct {
	// Name is the provider's name for the person, for someone added.
	Name string
	// Mapped says whether any of the person's groups maps to Tandem; if so,
	// Team is the team they map to ("" when they map to roles only) and Roles
	// the roles, which the sign-in gives the person.
	Mapped bool
	Team   domain.Team
	Roles  []domain.Role
	// Create lets the sign-in add the person when the directory lacks the
	// address, if their groups give them a team.
	Create bool
}

// For returns ctx carrying the board's word that the person with handle
// proved who they are by method.
func For(ctx context.Context, handle string, method domain.SignInMethod) context.Context {
	return context.WithValue(ctx, key{}, Word{Handle: handle, Method: method})
}

// ForEmail returns ctx carrying the board's word that whoever has the e-mail
// address email in the directory proved who they are by method.
func ForEmail(ctx context.Context, email string, method domain.SignInMethod) context.Context {
	return context.WithValue(ctx, key{}, Word{Email: email, Method: method})
}

// ForEmailWith is ForEmail with the provider's profile of the person.
func ForEmailWith(ctx context.Context, email string, method domain.SignInMethod, profile *Profile) context.Context {
	return context.WithValue(ctx, key{}, Word{Email: email, Method: method, Profile: profile})
}

// Refusing returns ctx carrying a sign-in by method that failed, and why, in
// words fit for the audit trail.
func Refusing(ctx context.Context, method domain.SignInMethod, why string) context.Context {
	return context.WithValue(ctx, key{}, Word{Refused: why, Method: method})
}

// From reads the board's word from ctx, if it carries one.
func From(ctx context.Context) (Word, bool) {
	w, ok := ctx.Value(key{}).(Word)
	return w, ok
}

// ForEmailRefreshing is ForEmailWith, with the provider's refresh token for the
// API to re-check the person with (Recheck).
func ForEmailRefreshing(ctx context.Context, email string, method domain.SignInMethod, profile *Profile, refresh string) context.Context {
	return context.WithValue(ctx, key{}, Word{Email: email, Method: method, Profile: profile, Refresh: refresh})
}

// ForRefreshing is For, with the provider's refresh token for the API to
// re-check the person with (Recheck).
func ForRefreshing(ctx context.Context, handle string, method domain.SignInMethod, refresh string) context.Context {
	return context.WithValue(ctx, key{}, Word{Handle: handle, Method: method, Refresh: refresh})
}

// Recheck asks the identity provider again, with the refresh token it gave at
// sign-in, whether it still vouches for the person: the board's word, asked
// again later by the API for a session it keeps. An error wrapping ErrRefused
// is the provider's refusal (the person deactivated, their consent or the
// token revoked); any other error is no answer (the provider unreachable, or
// answering with a server error), which says nothing about the person.
type Recheck func(ctx context.Context, refresh string) (Rechecked, error)

// Rechecked is a provider's answer that it still vouches for the person.
type Rechecked struct {
	// Refresh is the provider's new refresh token, which replaces the old
	// one; empty when it keeps the old one.
	Refresh string
}

// ErrRefused is a provider's refusal to vouch for a person any longer.
var ErrRefused = errors.New("the identity provider refused")
