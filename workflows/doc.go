// Package workflows is the Temporal side of Tandem's processes. It holds the
// search attribute keys every run carries (and SearchAttributes, to register
// them on a namespace), which are bound to the Temporal SDK and so are kept out
// of the contract, and the behaviour suite that drives the processes as the
// worker registers them.
//
// The processes live in its subpackages, one each, laid out the same way:
// campaign, hiring and risk, on the kernel every process shares
// (internal/kernel: lifecycle, human tasks, projection). They import package
// contract (names, IDs, inputs, update payloads, detail answers) and the kernel,
// never each other; worker.RegisterWorkflows registers them. See
// docs/architecture.md.
//
// This package holds no workflow code. It must not import gorm, store, api,
// gin, net/http, database/sql or os.
package workflows
