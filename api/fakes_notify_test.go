package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// notifyFakes holds each fakeRecords' notification preferences, by handle.
var notifyFakes sync.Map // *fakeRecords → map[string]domain.NotificationSettings

func (r *fakeRecords) prefs() map[string]domain.NotificationSettings {
	v, _ := notifyFakes.LoadOrStore(r, map[string]domain.NotificationSettings{})
	return v.(map[string]domain.NotificationSettings)
}

func (r *fakeRecords) NotificationSettings(_ context.Context, handle string) (domain.NotificationSettings, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("NotificationSettings"); err != nil {
		return domain.NotificationSettings{}, err
	}
	if _, ok := r.people[handle]; !ok {
		return domain.NotificationSettings{}, fmt.Errorf("person %s: %w", handle, domain.ErrNotFound)
	}
	return r.prefs()[handle], nil
}

func (r *fakeRecords) SetNotificationSettings(_ context.Context, handle string, s domain.NotificationSettings, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("SetNotificationSettings"); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if _, ok := r.people[handle]; !ok {
		return fmt.Errorf("person %s: %w", handle, domain.ErrNotFound)
	}
	r.prefs()[handle] = s
	return nil
}

func (r *fakeRecords) MarkNotificationRead(_ context.Context, recipient string, id uint64, at time.Time) (domain.NotificationMark, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enter("MarkNotificationRead"); err != nil {
		return domain.NotificationMark{}, err
	}
	for i, n := range r.notifications[recipient] {
		if n.ID == id {
			if n.ReadAt == nil {
				r.notifications[recipient][i].ReadAt = &at
			}
			return r.mark(recipient), nil
		}
	}
	return domain.NotificationMark{}, fmt.Errorf("notification %d: %w", id, domain.ErrNotFound)
}
