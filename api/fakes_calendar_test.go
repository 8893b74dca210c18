package api

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// The calendar of fakeRecords: Calendar answers what a test put in calendar
// and keeps the filter it was asked with; feed links are kept by secret, a
// new one of a scope replacing the old, as in the store.

type fakeCalendar struct {
	answer domain.Calendar
	asked  []domain.CalendarFilter
	feeds  map[string]domain.Feed // by secret
	made   int
}

func (r *fakeRecords) cal() *fakeCalendar {
	if r.calendar == nil {
		r.calendar = &fakeCalendar{feeds: map[string]domain.Feed{}}
	}
	return r.calendar
}

func (r *fakeRecords) Calendar(_ context.Context, f domain.CalendarFilter) (domain.Calendar, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Calendar"); err != nil {
		return domain.Calendar{}, err
	}
	c := r.cal()
	c.asked = append(c.asked, f)
	out := domain.Calendar{Entries: []domain.CalendarEntry{}, Truncated: c.answer.Truncated}
	for _, e := range c.answer.Entries {
		if !e.At.Before(f.From) && e.At.Before(f.To) {
			out.Entries = append(out.Entries, e)
		}
	}
	return out, nil
}

func (r *fakeRecords) CreateFeed(_ context.Context, handle string, scope domain.FeedScope, now time.Time) (string, domain.Feed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("CreateFeed"); err != nil {
		return "", domain.Feed{}, err
	}
	if _, ok := r.people[handle]; !ok {
		return "", domain.Feed{}, domain.NotFoundf("person %s", handle)
	}
	c := r.cal()
	for tok, f := range c.feeds {
		if f.Handle == handle && f.Scope == scope {
			delete(c.feeds, tok)
		}
	}
	c.made++
	tok := fmt.Sprintf("tdf_%s_%d", handle, c.made)
	f := domain.Feed{Handle: handle, Scope: scope, CreatedAt: now}
	c.feeds[tok] = f
	return tok, f, nil
}

func (r *fakeRecords) Feeds(_ context.Context, handle string) ([]domain.Feed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("Feeds"); err != nil {
		return nil, err
	}
	var out []domain.Feed
	for _, f := range r.cal().feeds {
		if f.Handle == handle {
			out = append(out, f)
		}
	}
	return out, nil
}

func (r *fakeRecords) FeedByToken(_ context.Context, token string) (domain.Feed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("FeedByToken"); err != nil {
		return domain.Feed{}, err
	}
	f, ok := r.cal().feeds[token]
	if !ok {
		return domain.Feed{}, domain.NotFoundf("feed")
	}
	return f, nil
}
