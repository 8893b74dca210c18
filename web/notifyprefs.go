package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/tandemhq/tandem/domain"
)

// The person's notification preferences, a section of their own page (/me):
// for each kind of notification, in the app only, also by e-mail at once, in
// the daily digest, or not at all, and the time zone the digest keeps. Read
// and set through GET/PUT /people/{handle}/notification-preferences.

// notifyKinds says what each kind of notification is, on the preferences form.
var notifyKinds = map[domain.NotificationKind]string{
	domain.NotifyAssigned:  "Work for you: a task assigned to you or your team",
	domain.NotifyReminder:  "Reminders of a task due soon",
	domain.NotifyOverdue:   "Overdue work",
	domain.NotifyEscalated: "Escalations to you",
	domain.NotifyUpdate:    "News of your processes (a launch held or released, a risk)",
	domain.NotifyMention:   "Mentions of you or your team in a comment",
	domain.NotifyReply:     "Replies to your comments",
}

// channelWords are the channels as the form offers them.
var channelWords = []option{
	{string(domain.NotifyInApp), "Here only"},
	{string(domain.NotifyByEmail), "Here and by e-mail at once"},
	{string(domain.NotifyDigest), "Here and in the daily e-mail"},
	{string(domain.NotifyOff), "Off"},
}

// commonZones are the time zones offered first; the person's own and the
// browser's are added when not among them.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
	"Europe/Amsterdam", "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Africa/Lagos",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
	"Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "America/New_York", "America/Chicago",
	"America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
}

// prefsForm is the preferences section of /me.
type prefsForm struct {
	Form []section
}

// notifyPrefsForm reads the person's preferences and makes the form.
func (a *App) notifyPrefsForm(r *http.Request, s *session) (*prefsForm, error) {
	var p domain.NotificationSettings
	if err := a.api.call(r, s.auth, http.MethodGet, "/people/"+url.PathEscape(s.me.Handle)+"/notification-preferences", nil, nil, &p); err != nil {
		return nil, err
	}
	zones := slices.Clone(commonZones)
	browser := ""
	if s.zone != nil {
		browser = s.zone.String()
	}
	for _, z := range []string{p.TimeZone, browser} {
		if z != "" && !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	zone := input{Scope: "notify", Name: "time_zone", Label: "Your time zone", Kind: "select", Value: p.TimeZone,
		Hint: "Your daily e-mail goes out at 8:00 here, with what came the day before."}
	if browser != "" && browser != p.TimeZone {
		zone.Hint += " Your browser says " + browser + "."
	}
	for _, z := range zones {
		zone.Options = append(zone.Options, option{z, z})
	}
	kinds := section{Scope: "notify", Name: "channels", Legend: "How you hear of each"}
	for _, k := range domain.NotificationKinds {
		kinds.Inputs = append(kinds.Inputs, input{Scope: "notify", Name: "channel-" + string(k), Label: notifyKinds[k], Kind: "select",
			Value: string(p.Channel(k)), Options: channelWords})
	}
	return &prefsForm{Form: []section{{Inputs: []input{zone}}, kinds}}, nil
}

// setNotifyPrefs saves the form: the zone and a channel per kind.
func (a *App) setNotifyPrefs(w http.ResponseWriter, r *http.Request, s *session) {
	body := domain.NotificationSettings{TimeZone: text(r.PostForm, "time_zone"), Channels: map[domain.NotificationKind]domain.NotifyChannel{}}
	for _, k := range domain.NotificationKinds {
		if c := text(r.PostForm, "channel-"+string(k)); c != "" {
			body.Channels[k] = domain.NotifyChannel(c)
		}
	}
	err := a.api.call(r, s.auth, http.MethodPut, "/people/"+url.PathEscape(s.me.Handle)+"/notification-preferences", nil, body, nil)
	if err == nil {
		a.setNotice(w, "Notification preferences saved.")
		http.Redirect(w, r, "/me#notify-h", http.StatusSeeOther)
		return
	}
	ae, ok := asAPIError(err)
	if !ok || ae.Status >= http.StatusInternalServerError && ae.Status != http.StatusServiceUnavailable {
		a.fail(w, r, s, err)
		return
	}
	a.setProblem(w, "Nothing was saved: "+refusal(ae))
	http.Redirect(w, r, "/me#notify-h", http.StatusSeeOther)
}
