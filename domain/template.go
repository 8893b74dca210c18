package domain

import (
	"encoding/json"
	"time"
)

// StoredTemplate is one stored version of a process template (package
// templates holds the document's model and its validation; domain stays
// standard library only, so the document travels here as JSON). A template's
// versions count from 1 per key; a run keeps the version it started with, so
// a new version or a retirement never changes a running process.
type StoredTemplate struct {
	Key     string
	Version int
	// Name, Description and Stages (how many) are the document's, kept beside
	// it so a list of templates need not read every document.
	Name        string
	Description string
	Stages      int
	// Document is the validated template as JSON (templates.Template); Source
	// is the text as its author sent it, YAML comments and all. A list of
	// templates leaves both empty.
	Document json.RawMessage
	Source   string
	// CreatedBy is the handle of who stored this version.
	CreatedBy string
	CreatedAt time.Time
	// RetiredAt is when the template was retired, by RetiredBy: no run starts
	// from a retired version. Nil while it is not.
	RetiredAt *time.Time
	RetiredBy string
}

// Retired reports whether the version was retired.
func (t StoredTemplate) Retired() bool { return t.RetiredAt != nil }

// MaxTemplates caps how many templates (keys, not versions) the records
// hold: a list of them is answered whole, and each is a process a team runs,
// so even a large organisation has far fewer.
const MaxTemplates = 500
