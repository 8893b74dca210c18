package templates

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Times in a template are durations from something a run knows — its start, a
// stage's start, a date of its intake — written as people say them: "2 days
// after start", "5 working days before event_date". A run computes the time
// itself, from its own start and its intake, so the template holds no date on
// a calendar and a run replays to the same times.

// Unit is what an offset counts.
type Unit string

// The units of an offset. A working day is Monday to Friday, in UTC, with no
// holidays: 1 working day after a Friday is the Monday.
const (
	Hours       Unit = "hours"
	Days        Unit = "days"
	WorkingDays Unit = "working days"
	Weeks       Unit = "weeks"
)

// Offset is an amount of a unit: "5 working days", "2 weeks".
type Offset struct {
	Amount int
	Unit   Unit
}

// The anchors a due date may be relative to, besides a date field of the intake.
const (
	AnchorStart      = "start"       // when the run started
	AnchorStageStart = "stage_start" // when the task's stage started
)

// Due is when a task is due: Offset before or after Anchor (AnchorStart,
// AnchorStageStart or the name of a date field of the intake).
type Due struct {
	Offset
	Before bool
	Anchor string
}

// IsZero reports whether no due date was given.
func (d Due) IsZero() bool { return d == Due{} }

// dueExample is what a problem with a due date shows the author.
const dueExample = `like "2 days after start", "3 working days after stage_start" or "5 working days before event_date"`

func (o Offset) String() string {
	unit := string(o.Unit)
	if o.Amount == 1 || o.Amount == -1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return strconv.Itoa(o.Amount) + " " + unit
}

// MarshalText writes the offset as it is read: "5 working days".
func (o Offset) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads "N unit", the unit singular or plural.
func (o *Offset) UnmarshalText(b []byte) error {
	words := strings.Fields(string(b))
	off, rest, err := readOffset(words)
	if err != nil || len(rest) > 0 {
		return fmt.Errorf("%q is not an amount of time like \"2 weeks\", \"10 days\" or \"48 hours\"", b)
	}
	*o = off
	return nil
}

// amount is an offset's number: digits, negative or not (Atoi alone would also
// take "+5", which the schema does not).
var amount = regexp.MustCompile(`^-?[0-9]+$`)

// readOffset reads "N unit" from the start of words, and returns the words after it.
func readOffset(words []string) (Offset, []string, error) {
	if len(words) < 2 {
		return Offset{}, nil, errors.New("too short")
	}
	if !amount.MatchString(words[0]) {
		return Offset{}, nil, fmt.Errorf("%q is not a whole number", words[0])
	}
	n, err := strconv.Atoi(words[0])
	if err != nil {
		return Offset{}, nil, err
	}
	unit, rest := words[1], words[2:]
	if unit == "working" && len(rest) > 0 {
		unit, rest = unit+" "+rest[0], rest[1:]
	}
	for _, u := range []Unit{Hours, Days, WorkingDays, Weeks} {
		if unit == string(u) || unit == strings.TrimSuffix(string(u), "s") {
			return Offset{Amount: n, Unit: u}, rest, nil
		}
	}
	return Offset{}, nil, fmt.Errorf("unknown unit %q", unit)
}

func (d Due) String() string {
	if d.IsZero() {
		return ""
	}
	dir := "after"
	if d.Before {
		dir = "before"
	}
	return d.Offset.String() + " " + dir + " " + d.Anchor
}

// MarshalText writes the due date as it is read: "5 working days before event_date".
func (d Due) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "N unit before|after ANCHOR". Whether the anchor exists
// and the date falls after the start is the template's validation.
func (d *Due) UnmarshalText(b []byte) error {
	words := strings.Fields(string(b))
	off, rest, err := readOffset(words)
	if err != nil || len(rest) != 2 || rest[0] != "before" && rest[0] != "after" {
		return fmt.Errorf("%q is not a due date %s", b, dueExample)
	}
	*d = Due{Offset: off, Before: rest[0] == "before", Anchor: rest[1]}
	return nil
}

// From is the time the offset leads to from t: forward, or back when before
// is set. Working days step over Saturdays and Sundays in UTC, one weekday at a
// time: 1 working day after a Friday (or a Saturday) is the Monday, at the same
// time of day.
func (o Offset) From(t time.Time, before bool) time.Time {
	n := o.Amount
	if before {
		n = -n
	}
	t = t.UTC()
	switch o.Unit {
	case Hours:
		return t.Add(time.Duration(n) * time.Hour)
	case Days:
		return t.AddDate(0, 0, n)
	case Weeks:
		return t.AddDate(0, 0, 7*n)
	case WorkingDays:
		step := 1
		if n < 0 {
			step, n = -1, -n
		}
		for ; n > 0; n-- {
			t = t.AddDate(0, 0, step)
			for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
				t = t.AddDate(0, 0, step)
			}
		}
	}
	return t
}

// At is when a task with this due date is due in a run that started at start,
// in a stage that started at stageStart, with intake values: the anchor, then
// the offset. It fails only when the anchor is a field the intake does not
// give as a date, which a validated template and a checked intake never do.
func (d Due) At(start, stageStart time.Time, intake map[string]any) (time.Time, error) {
	var anchor time.Time
	switch d.Anchor {
	case AnchorStart:
		anchor = start
	case AnchorStageStart:
		anchor = stageStart
	default:
		at, ok := DateOf(intake, d.Anchor)
		if !ok {
			return time.Time{}, fmt.Errorf("the intake has no date %s for the due date %q", d.Anchor, d)
		}
		anchor = at
	}
	return d.Offset.From(anchor, d.Before), nil
}
