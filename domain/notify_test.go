package domain

import (
	"errors"
	"testing"
	"time"
)

func TestLoadTimeZoneTakesIANANamesOnly(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		if _, err := LoadTimeZone(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Paris\n", "Europe/Pa ris", string(make([]byte, 70))} {
		if _, err := LoadTimeZone(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNotificationSettingsValidate(t *testing.T) {
	good := NotificationSettings{TimeZone: "Asia/Tokyo", Channels: map[NotificationKind]NotifyChannel{NotifyMention: NotifyDigest}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]NotificationSettings{
		"unknown kind":    {TimeZone: "UTC", Channels: map[NotificationKind]NotifyChannel{"gossip": NotifyOff}},
		"unknown channel": {TimeZone: "UTC", Channels: map[NotificationKind]NotifyChannel{NotifyMention: "pigeon"}},
		"no zone":         {},
	} {
		if err := s.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := NotificationSettings{}.Complete()
	if c.TimeZone != "UTC" || len(c.Channels) != len(NotificationKinds) || c.Channels[NotifyReminder] != NotifyByEmail {
		t.Fatalf("complete defaults = %+v", c)
	}
}

// The digest of a local date is due from DigestHour there, and covers the
// day up to that hour, whatever the zone's offset or its daylight saving.
func TestDigestDay(t *testing.T) {
	tokyo, _ := LoadTimeZone("Asia/Tokyo")
	paris, _ := LoadTimeZone("Europe/Paris")
	cases := []struct {
		now  time.Time
		loc  *time.Location
		date string
		due  bool
	}{
		{time.Date(2026, 12, 6, 22, 59, 0, 0, time.UTC), tokyo, "", false},           // 07:59 in Tokyo on the 7th
		{time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC), tokyo, "2026-12-07", true},   // 08:00 there
		{time.Date(2026, 12, 6, 6, 59, 0, 0, time.UTC), paris, "", false},            // 07:59 in Paris
		{time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC), paris, "2026-12-06", true},    // 08:00 in Paris
		{time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC), paris, "2026-03-29", true},    // 08:00 on the day clocks go forward
		{time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), paris, "2026-12-07", false}, // after midnight there, before 08:00
	}
	for _, c := range cases {
		date, from, to, due := DigestDay(c.now, c.loc)
		if due != c.due || due && date != c.date {
			t.Errorf("%v in %v: %q %v, want %q %v", c.now, c.loc, date, due, c.date, c.due)
		}
		if due && (to.In(c.loc).Hour() != DigestHour || !from.Equal(to.AddDate(0, 0, -1)) || to.After(c.now)) {
			t.Errorf("%v in %v: window [%v, %v)", c.now, c.loc, from, to)
		}
	}
}
