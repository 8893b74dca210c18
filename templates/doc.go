// Package templates holds the process template: a document (YAML, or JSON over
// the API) in which a team describes a process of its own — an intake form,
// stages of tasks for teams, roles or people of the intake, due dates relative
// to the start, to a date of the intake or to a stage's start, conditions,
// approvals and where a rejection leads, KPIs, who triages the intake and what
// the board shows — and the validation that refuses a template with every
// problem named by its path in the document ("stages[1].tasks[0].assignee.team:
// unknown team \"lgal\"").
//
// A template's conditions are expressions in expr (github.com/expr-lang/expr),
// compiled here against a typed environment built from the intake form and the
// forms of the tasks a condition may read, with every function that reads the
// clock, the machine's time zone or a map's order refused: the generic workflow
// that will run templates evaluates them on replay and must get the same answer
// every time (conditions.go).
//
// It is not domain: domain is standard library only, and a template needs YAML
// and expr. It reuses domain's vocabulary (teams, roles, task kinds, the form
// fields of task forms) rather than a parallel one. It imports the standard
// library, domain, gopkg.in/yaml.v3 and expr; no Temporal SDK, database or
// HTTP, so workflow code, the API and the command line may all use it. Its code
// does no I/O and reads no clock: what it decides depends on the document alone.
//
// The published JSON Schema of the document is template.schema.json, embedded
// (Schema); the tests hold that it and the Go model agree.
package templates
