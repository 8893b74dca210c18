// Package api is Tandem's HTTP API v1: the Gin server, its routes, authentication
// (bearer tokens, and the board's sessions, sessions.go), the request and response
// types, and the one mapping from domain
// and Temporal errors to status codes and the contract's error body.
//
// The server starts, inspects and advances processes through a small Temporal
// interface (NewTemporal adapts the SDK client to it) and reads records through the
// Records interface, so handler tests run on fakes. It binds requests into its own
// types, never into domain, workflow or database types, and answers processes
// and tasks in types of its own too (answers.go), built from the detail answers
// of package contract and from the records: what workflows keep in their
// histories and what the API answers can each change its JSON without the
// other. Every route that changes
// a running process is a command (commands.go): one Temporal Update whose ID comes
// from the caller's Idempotency-Key, stored so a retry or its status URL reaches
// the same update.
//
// Process templates are published through ApplyTemplate (templates.go), which
// validates a document with package templates and stores it through
// TemplateWriter; `tandem templates apply` calls it too, so both refuse alike.
//
// It must not import gorm, the store package or go.temporal.io/server: the
// database arrives through Records, and the Temporal server is heavy to link.
package api
