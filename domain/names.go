package domain

import "strings"

// What the IDs in a text stand for, in people's words. Workflow texts name
// things by ID on purpose (a candidate's name never enters Temporal; a risk's
// title may change), and readers such as the board resolve them in one
// lookup, not one call per ID.

// NameKind is what kind of thing an ID names.
type NameKind string

// Kinds of named IDs: the three processes, a task and a candidate.
const (
	NameCampaign  NameKind = "campaign"
	NameHiring    NameKind = "hiring"
	NameRisk      NameKind = "risk"
	NameTask      NameKind = "task"
	NameCandidate NameKind = "candidate"
)

// NamedID is what one ID stands for: a process by its name, a task by its
// title, a candidate by their name.
type NamedID struct {
	ID   string   `json:"id"`
	Kind NameKind `json:"kind"`
	// Name is empty for a candidate whose name the reader may not know
	// (HiringRequest.MayReadCandidates).
	Name string `json:"name,omitempty"`
	// HiringID is, for a candidate, the hiring request they applied to, whose
	// rule says who may read their name. It never leaves the API.
	HiringID string `json:"-"`
}

// MaxNamedIDs bounds the IDs of one lookup.
const MaxNamedIDs = 200

// maxIDLength bounds an ID in a lookup: those Tandem makes are 16 characters.
const maxIDLength = 64

// NameKindOf says what kind of thing id names, by its prefix, and whether it
// could be an ID at all: a known prefix, then letters and digits.
func NameKindOf(id string) (NameKind, bool) {
	if len(id) > maxIDLength {
		return "", false
	}
	for prefix, k := range map[string]NameKind{
		PrefixCampaign: NameCampaign, PrefixHiring: NameHiring, PrefixRisk: NameRisk,
		PrefixTask: NameTask, PrefixCandidate: NameCandidate,
	} {
		rest, ok := strings.CutPrefix(id, prefix)
		if !ok {
			continue
		}
		if rest == "" || strings.ContainsFunc(rest, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
			return "", false
		}
		return k, true
	}
	return "", false
}
