// Package domain holds Tandem's business vocabulary: people, roles and teams,
// human tasks, the campaign brief and its stages, the policy, the rules that
// decide who may do what, and the caps on what a request may carry into a
// process (limits.go), which the API and the workflows' validators both check,
// and the forms of the structured answers tasks take (form.go, taskforms.go),
// which the validators, the API and the board all read.
// It is pure: the standard library only, no Temporal, no database, no HTTP, so
// every other package can share it and its rules are tested with plain table
// tests.
package domain
