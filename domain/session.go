package domain

import "time"

// SignInMethod is how a person proved who they are when a board session began.
type SignInMethod string

// The ways to sign in to the board.
const (
	// SignInToken: they pasted an API token.
	SignInToken SignInMethod = "token"
	// SignInDemo: they picked a demo person on `tandem dev`'s sign-in page,
	// which no other command offers.
	SignInDemo SignInMethod = "demo"
	// SignInOIDC: an OpenID Connect provider vouched for them.
	SignInOIDC SignInMethod = "oidc"
)

// Session is one sign-in to the board, kept on the server: the browser holds
// only its random ID, and the records only the ID's hash.
type Session struct {
	// Ref names the session in the audit trail without being its ID: the
	// start of the ID's hash, so it cannot be used to sign in.
	Ref    string       `json:"ref"`
	Handle string       `json:"handle"`
	Method SignInMethod `json:"method"`
	// CreatedAt is the sign-in; LastSeenAt the last request that used the
	// session, to within a minute.
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// IdleExpiresAt ends the session if it is not used before then; each use
	// moves it on. ExpiresAt ends it whatever happens.
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	// RecheckAt is when the session is next re-checked with the identity
	// provider that signed the person in; zero for one never re-checked. It is
	// the API's own business, not part of its answers.
	RecheckAt time.Time `json:"-"`
}

// SessionStart is what a new session is made from.
type SessionStart struct {
	Handle string
	Method SignInMethod
	// Token is the API token the person signed in with, when they did: the
	// session ends when that token is revoked or expires, as the token alone
	// would have signed the browser out.
	Token string
	// Idle and Lifetime set the session's idle and absolute expiry from now.
	Idle, Lifetime time.Duration
	// Refresh is the identity provider's refresh token, for a session the
	// provider is asked about again every Recheck: kept sealed with the
	// session, never in clear. Empty (or Recheck zero): never re-checked.
	Refresh string
	Recheck time.Duration
}

// Revoked counts what disabling a person ended: their sessions that had not
// yet expired, and their tokens.
type Revoked struct {
	Sessions int64 `json:"sessions"`
	Tokens   int64 `json:"tokens"`
}
