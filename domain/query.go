package domain

import "errors"

// ErrUnavailable means a dependency (the database or Temporal) cannot be reached
// right now; the API answers 503 and the caller may try again.
var ErrUnavailable = errors.New("unavailable")

// ErrBadCursor means a list's ?cursor= is not one that list returned: malformed,
// tampered with, or another list's. The API answers 400, naming the parameter.
var ErrBadCursor = errors.New("not a cursor this list returned")

// List limits of the contract.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListOptions pages through a list: at most Limit items after the opaque Cursor a
// previous page returned.
type ListOptions struct {
	Limit  int
	Cursor string
	// Newest lists the newest first, where a list is in order of creation (the
	// process lists): what ended lately is found without paging through years.
	Newest bool
}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// TaskFilter selects tasks for the inbox. Empty fields do not filter.
type TaskFilter struct {
	Assignee  string
	Team      Team
	Role      Role
	Status    TaskStatus
	Process   Process
	ProcessID string
	// Unheld keeps the tasks no team and nobody holds: a role's own queue
	// (a template's task for "an analyst"), which no list of a team has.
	Unheld bool
	// ByDue orders the list soonest due first, ties by ID, the tasks without
	// a due time last, instead of oldest first: the overdue ones lead.
	ByDue bool
	ListOptions
}

// MaxTaskCount bounds what TaskCounts counts: past it a list is "more than"
// that many, so a count costs the same however big a list grows.
const MaxTaskCount = 1000

// TaskCounts are how many tasks a TaskFilter's list holds and how many of them
// are overdue, each at most MaxTaskCount; More says the list holds more than
// that, so Total is a floor.
type TaskCounts struct {
	Total   int  `json:"total"`
	Overdue int  `json:"overdue"`
	More    bool `json:"more"`
}

// CampaignFilter selects campaigns. Owner matches the project manager or the
// marketing ops manager of the brief; Name, the campaigns whose name holds it.
type CampaignFilter struct {
	Status Status
	Owner  string
	Name   string
	ListOptions
}

// MaxNameQuery bounds the text a list is searched by name for.
const MaxNameQuery = 100

// PeopleFilter selects people from the directory.
type PeopleFilter struct {
	Team Team
	Role Role
	ListOptions
}

// IdempotencyClaim reserves an Idempotency-Key for a create request.
type IdempotencyClaim struct {
	Scope      string // whose key it is: the caller's handle, so keys never collide across people
	Key        string
	BodyHash   string // SHA-256 of the request body, hex
	ResourceID string // the ID the request will create
}
