// Package workflows is the contract of Tandem's processes: what crosses the
// Temporal boundary, which the API, the worker, the web pages and the
// processes themselves share. It holds the task queue, the workflow type,
// update, query and signal names, the search attributes, the workflow-ID
// helpers, and the inputs, results, update payloads and detail answers, whose
// JSON is kept in running workflows' histories: a field renamed here is a
// field a running workflow no longer reads.
//
// The processes live in its subpackages, one each, laid out the same way:
// campaign, hiring and risk, on the kernel every process shares
// (internal/kernel: lifecycle, human tasks, projection). They import this
// package and the kernel, never each other; worker.RegisterWorkflows registers
// them. See docs/architecture.md.
//
// This package holds types and names only: no workflow code. It must not
// import gorm, store, api, gin, net/http, database/sql or os.
package workflows
