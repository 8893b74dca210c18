// Package web is the board: server-rendered pages where every team sees who is
// working on what, served at / beside the API.
//
// The pages are a client of API v1, not a second way into the processes: every
// read and every command goes through the API's own http.Handler, in process, with
// the signed-in person's board session (Authorization: Session), which the API
// keeps; the browser's cookie holds the session's ID, never a token. So the web
// app has exactly the API's permissions, validation, audit trail and rate limit,
// and nothing of its own to keep in step with them. Signing in (session.go) is
// with an API token, as a demo person in `tandem dev` (demo.go), or through an
// OpenID Connect provider (oidc.go); the last two pass the board's word to the
// API in process (internal/vouch).
//
// Pages are html/template with a little hand-written JavaScript (live updates and
// in-page checks); every asset is embedded, so the content policy can be
// default-src 'self' and no front-end build step exists.
//
// It reads the API's answers into domain's records (the permission rules the
// pages apply to decide which actions to offer are domain's) and its own
// detail bodies. It may import domain, internal/vouch and templates (a
// template run's page draws the template's stages and intake form); it must
// not import store, gorm, gin,
// the workflows' contract, the workflows or the Temporal SDK and gRPC
// (deps_test.go holds the last four).
package web
