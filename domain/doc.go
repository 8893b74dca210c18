// Package domain holds Tandem's business vocabulary: people, roles and teams,
// human tasks, the campaign brief and its stages, the policy, and the rules that
// decide who may do what. It is pure: the standard library only, no Temporal, no
// database, no HTTP, so every other package can share it and its rules are tested
// with plain table tests.
package domain
