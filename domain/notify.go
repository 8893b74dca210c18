package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// How each person wants to hear of each kind of notification. A channel other
// than off keeps the notification in the person's notification center; e-mail
// sends it at once as well, digest gathers it into one e-mail a day. Off
// writes nothing: the notification is not made for that person at all.

// NotifyChannel is how a person hears of one kind of notification.
type NotifyChannel string

// Notification channels.
const (
	NotifyInApp   NotifyChannel = "in_app"
	NotifyByEmail NotifyChannel = "email"
	NotifyDigest  NotifyChannel = "digest"
	NotifyOff     NotifyChannel = "off"
)

// NotifyChannels are the channels a person may choose, in the order offered.
var NotifyChannels = []NotifyChannel{NotifyInApp, NotifyByEmail, NotifyDigest, NotifyOff}

// NotificationKinds are every kind a person may set a channel for, in the
// order offered.
var NotificationKinds = []NotificationKind{
	NotifyAssigned, NotifyReminder, NotifyOverdue, NotifyEscalated, NotifyUpdate, NotifyMention, NotifyReply,
}

// DefaultChannels are the channels of a person who chose none: what needs
// someone to act soon (a reminder, an escalation) or names them (a mention, a
// reply to them) goes by e-mail at once, as reminders and escalations always
// did; the rest stays in the app, where the inbox already shows the work.
var DefaultChannels = map[NotificationKind]NotifyChannel{
	NotifyAssigned:  NotifyInApp,
	NotifyReminder:  NotifyByEmail,
	NotifyOverdue:   NotifyInApp,
	NotifyEscalated: NotifyByEmail,
	NotifyUpdate:    NotifyInApp,
	NotifyMention:   NotifyByEmail,
	NotifyReply:     NotifyByEmail,
}

// DefaultTimeZone is a person's time zone until they choose one.
const DefaultTimeZone = "UTC"

// MaxTimeZoneChars bounds a time zone's name: the longest IANA names are
// about 30 characters.
const MaxTimeZoneChars = 64

// DigestHour is the local hour a person's daily digest goes out: the start of
// a working day. A digest covers the day before it, from this hour to this
// hour in the person's zone.
const DigestHour = 8

// NotificationSettings are one person's preferences: their time zone (an IANA
// name, for the digest) and a channel per kind of notification.
type NotificationSettings struct {
	TimeZone string                             `json:"time_zone"`
	Channels map[NotificationKind]NotifyChannel `json:"channels"`
}

// Channel is how the settings say to hear of kind k: the person's choice, or
// the default.
func (s NotificationSettings) Channel(k NotificationKind) NotifyChannel {
	if c, ok := s.Channels[k]; ok {
		return c
	}
	if c, ok := DefaultChannels[k]; ok {
		return c
	}
	return NotifyInApp
}

// Complete answers s with every kind's channel spelled out and the time zone
// set, defaults filling what the person did not choose.
func (s NotificationSettings) Complete() NotificationSettings {
	out := NotificationSettings{TimeZone: s.TimeZone, Channels: make(map[NotificationKind]NotifyChannel, len(NotificationKinds))}
	if out.TimeZone == "" {
		out.TimeZone = DefaultTimeZone
	}
	for _, k := range NotificationKinds {
		out.Channels[k] = s.Channel(k)
	}
	return out
}

// Validate checks what a person asks for: a known kind and channel each, and a
// time zone the IANA database names.
func (s NotificationSettings) Validate() error {
	var p Problems
	if _, err := LoadTimeZone(s.TimeZone); err != nil {
		p.Add("time_zone", "%v", err)
	}
	for k, c := range s.Channels {
		if !slices.Contains(NotificationKinds, k) {
			p.Add("channels", "%q is not a kind of notification (one of %v)", k, NotificationKinds)
			continue
		}
		if !slices.Contains(NotifyChannels, c) {
			p.Add("channels."+string(k), "must be one of %v", NotifyChannels)
		}
	}
	return p.Err()
}

// LoadTimeZone reads an IANA time zone name ("Europe/Paris", "UTC"). It
// refuses what is not one: an empty name and "Local" (the server's zone, not
// the person's) included, and a name too long or with characters no IANA name
// has, before the name reaches the file system lookup.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > MaxTimeZoneChars || strings.Contains(name, "..") ||
		strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_-+", r))
		}) >= 0 || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("must be an IANA time zone name such as Europe/Paris or UTC")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as Europe/Paris or UTC", name)
	}
	return loc, nil
}

// DigestDay is the local date of the digest due at now in loc, and the window
// of notifications it covers, [from, to): the day up to DigestHour today.
// Before DigestHour no digest is due yet (ok false).
func DigestDay(now time.Time, loc *time.Location) (date string, from, to time.Time, ok bool) {
	local := now.In(loc)
	to = time.Date(local.Year(), local.Month(), local.Day(), DigestHour, 0, 0, 0, loc)
	if local.Before(to) {
		return "", time.Time{}, time.Time{}, false
	}
	return to.Format(time.DateOnly), to.AddDate(0, 0, -1), to, true
}

// Events of the conversation, which webhooks may ask for. The API writes them
// to an outbox with the comment (no workflow writes comments), and the worker's
// notifier delivers them.
const (
	EventCommentCreated EventKind = "comment.created"
	EventMention        EventKind = "mention"
)

// CommentEvent is the event of comment c, just written. Its message names who
// wrote on what, never the text: a hiring request's conversation is for the
// people involved, and a webhook's receiver (a chat channel) may be anyone.
func CommentEvent(c Comment) Event {
	return Event{
		Key: fmt.Sprintf("comment/%d/created", c.ID), Process: c.Process, ProcessID: c.ProcessID, Kind: EventCommentCreated,
		Actor: c.Author, TaskID: c.TaskID, At: c.CreatedAt,
		Message: fmt.Sprintf("@%s commented", c.Author),
	}
}

// MentionEvent is the event of comment c mentioning handle (a person; a team
// mention is one event per member told), at at.
func MentionEvent(c Comment, handle string, at time.Time) Event {
	return Event{
		Key: fmt.Sprintf("comment/%d/mention/%s", c.ID, handle), Process: c.Process, ProcessID: c.ProcessID, Kind: EventMention,
		Actor: c.Author, TaskID: c.TaskID, At: at,
		Message: fmt.Sprintf("@%s mentioned @%s in a comment", c.Author, handle),
	}
}

// OutboxEvent is an event waiting in the outbox for its webhook deliveries;
// Attempts counts the notifier's passes that could not deliver it all.
type OutboxEvent struct {
	ID       uint64 `json:"id"`
	Event    Event  `json:"event"`
	Attempts int    `json:"attempts"`
}
