package templates

import (
	"bytes"
	_ "embed" // the schema
)

// schema is the published JSON Schema of a template document.
//
//go:embed template.schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of a template document, for
// editors that check and complete YAML as it is typed, and for clients of the
// API. Parse holds a document to the same rules and more: the schema cannot
// say that a team exists, a condition compiles or depends_on has no cycle.
func Schema() []byte { return bytes.Clone(schema) }
