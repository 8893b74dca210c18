package domain

import (
	"strings"
	"time"
)

// CalendarKind says what a calendar entry marks.
type CalendarKind string

// The kinds of calendar entries.
const (
	// CalendarLaunch is a campaign's launch (its brief's launch_at).
	CalendarLaunch CalendarKind = "launch"
	// CalendarTaskDue is a task's due time: a deliverable, a sign-off, a risk's
	// acknowledgement or review, an approval.
	CalendarTaskDue CalendarKind = "task_due"
	// CalendarHireNeeded is the day a hiring request needs its hire by.
	CalendarHireNeeded CalendarKind = "hire_needed_by"
	// CalendarRiskResponse is when the response planned for a risk is due.
	CalendarRiskResponse CalendarKind = "risk_response_due"
	// CalendarOutOfOffice is a person's out-of-office window.
	CalendarOutOfOffice CalendarKind = "out_of_office"
)

// CalendarKinds lists every kind, in the order a legend names them.
var CalendarKinds = []CalendarKind{CalendarLaunch, CalendarTaskDue, CalendarHireNeeded, CalendarRiskResponse, CalendarOutOfOffice}

// CalendarEntry is one dated thing on the calendar. Everything in it is what
// any signed-in person reads in the lists already (process and task titles,
// teams, who holds what, out-of-office windows): the calendar shows no
// confidential part of a hiring request, nor any task's description.
type CalendarEntry struct {
	Kind CalendarKind `json:"kind"`
	// At is the moment; for an out-of-office window, when it starts.
	At time.Time `json:"at"`
	// End is when an out-of-office window ends; zero for the others.
	End time.Time `json:"end,omitzero"`
	// Title is the campaign's name, the task's title, the role's title or the
	// risk's title; empty for an out-of-office window.
	Title string `json:"title"`
	// Process and ProcessID are the process the entry belongs to, empty for an
	// out-of-office window; TaskID is the task of a task's due time.
	Process   Process `json:"process,omitempty"`
	ProcessID string  `json:"process_id,omitempty"`
	TaskID    string  `json:"task_id,omitempty"`
	// TaskKind and Status are the task's, for a task's due time.
	TaskKind TaskKind   `json:"task_kind,omitempty"`
	Status   TaskStatus `json:"status,omitempty"`
	// Team is the task's team, the hiring request's, or the team of the person
	// the entry is about.
	Team Team `json:"team,omitempty"`
	// Person is whom the entry is about: the task's assignee (empty while the
	// team holds it), the campaign's project manager, the hiring manager, the
	// risk's owner, the person out of office.
	Person string `json:"person,omitempty"`
	// Audience is a launch's audience; Overlaps says another launch to the
	// same audience is within OverlapWindow of it (LaunchesOverlap).
	Audience string `json:"audience,omitempty"`
	Overlaps bool   `json:"overlaps,omitempty"`
}

// OverlapWindow is how close two launches to the same audience may come before
// the calendar marks them: within a week, the same people are asked twice.
const OverlapWindow = 7 * 24 * time.Hour

// AudienceKey is how launches' audiences are compared: without case and
// surrounding or repeated spaces, so "Small business owners" and "small
// business  owners" are the one audience.
func AudienceKey(audience string) string {
	return strings.ToLower(strings.Join(strings.Fields(audience), " "))
}

// LaunchesOverlap reports whether two launches, to audiences a and b at times
// x and y, overlap: the same audience (AudienceKey) and less than
// OverlapWindow apart.
func LaunchesOverlap(a string, x time.Time, b string, y time.Time) bool {
	d := x.Sub(y)
	return AudienceKey(a) != "" && AudienceKey(a) == AudienceKey(b) && d < OverlapWindow && d > -OverlapWindow
}

// Calendar limits: the widest range one request may ask for (a month view
// with the weeks around it fits), and the most entries one answer holds.
const (
	MaxCalendarSpan    = 62 * 24 * time.Hour
	MaxCalendarEntries = 2000
)

// CalendarFilter selects calendar entries from From (inclusive) to To
// (exclusive). Empty fields do not filter. Team keeps the entries of that
// team; Person those about that person (the tasks they hold and those their
// team holds with no one assigned; for a launch, its project or marketing ops
// manager; for a hiring request, its requester or hiring manager); Process
// those of one kind of process, which leaves out out-of-office windows.
type CalendarFilter struct {
	From, To time.Time
	Team     Team
	Person   string
	Process  Process
}

// Validate checks the range: both ends set, From before To, at most
// MaxCalendarSpan apart.
func (f CalendarFilter) Validate() error {
	var p Problems
	switch {
	case f.From.IsZero():
		p.Add("from", "required: an RFC 3339 time")
	case f.To.IsZero():
		p.Add("to", "required: an RFC 3339 time")
	case !f.From.Before(f.To):
		p.Add("to", "must be after from")
	case f.To.Sub(f.From) > MaxCalendarSpan:
		p.Add("to", "must be at most 62 days after from")
	}
	return p.Err()
}

// Calendar is the answer to a CalendarFilter: its entries in time order, and
// whether there were more than MaxCalendarEntries (only the first are kept).
type Calendar struct {
	Entries   []CalendarEntry `json:"entries"`
	Truncated bool            `json:"truncated"`
}

// FeedScope says what an iCalendar feed lists: a person's own work, or a team's.
type FeedScope struct {
	// Team is the team of a team's feed; empty for the person's own feed.
	Team Team `json:"team,omitempty"`
}

// Key names the scope in the records: "person", or "team:" and the team.
func (s FeedScope) Key() string {
	if s.Team == "" {
		return "person"
	}
	return "team:" + string(s.Team)
}

// FeedScopeOf reads a scope's Key back; ok is false for anything else.
func FeedScopeOf(key string) (FeedScope, bool) {
	if key == "person" {
		return FeedScope{}, true
	}
	t, found := strings.CutPrefix(key, "team:")
	if !found || !Team(t).Valid() {
		return FeedScope{}, false
	}
	return FeedScope{Team: Team(t)}, true
}

// Feed is one of a person's iCalendar feed links, without its secret, which
// is shown once, when the link is made.
type Feed struct {
	Handle    string    `json:"handle"`
	Scope     FeedScope `json:"scope"`
	CreatedAt time.Time `json:"created_at"`
}

// The feeds' horizon: what a feed lists, around the time it is fetched.
const (
	FeedPast   = 30 * 24 * time.Hour
	FeedFuture = 180 * 24 * time.Hour
)
