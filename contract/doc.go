// Package contract is what crosses the Temporal boundary between Tandem's
// processes and the rest of it: the task queue, the workflow type, update,
// query and signal names, the workflow-ID helpers and their inverse, and the
// inputs, results, update payloads and detail answers. The API and the worker
// send and read these; the processes (workflows/…) receive and answer them.
//
// Its types are kept, as JSON, in the histories of running workflows (inputs, a
// risk's carried state, update payloads and results): a field renamed here is a
// field a running workflow no longer reads, and the saved histories under
// workflows/testdata/histories stop replaying. They are not the public API: the
// API answers with types of its own, built from these, so either can change
// without the other.
//
// It holds types and names only, and imports the standard library and domain
// alone: no Temporal SDK (what is bound to the SDK, the search attribute keys,
// is in package workflows), no gorm, store, api, gin, net/http, database/sql
// or os.
package contract
