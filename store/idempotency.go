package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// claimAttempts bounds the retries of a claim whose key is released between the
// failed insert and the read (a concurrent create that failed). One retry suffices
// in practice; a few more cost nothing.
const claimAttempts = 3

// ClaimIdempotencyKey reserves an Idempotency-Key for a create request. A new key is
// stored and "" returned: go ahead and create c.ResourceID. A key already claimed
// with the same body returns the resource the first request created (or is
// creating); with a different body it is domain.ErrConflict.
func (st *Store) ClaimIdempotencyKey(ctx context.Context, c domain.IdempotencyClaim) (string, error) {
	var p domain.Problems
	if c.Scope == "" {
		p.Add("scope", "required")
	}
	if c.Key == "" {
		p.Add("key", "required")
	}
	if c.ResourceID == "" {
		p.Add("resource_id", "required")
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	db := st.db.WithContext(ctx)
	row := idempotencyRow{Scope: c.Scope, IdemKey: c.Key, BodyHash: c.BodyHash, ResourceID: c.ResourceID, CreatedAt: utc(time.Now())}
	for range claimAttempts {
		// Insert-or-nothing, then read: the database decides which of two racing
		// requests owns the key, with no window in which both think they do.
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return "", wrap(res.Error, "claim idempotency key")
		}
		if res.RowsAffected == 1 {
			return "", nil
		}
		var prev idempotencyRow
		err := db.Where("scope = ? AND idem_key = ?", c.Scope, c.Key).Take(&prev).Error
		switch {
		case err == nil && prev.BodyHash != c.BodyHash:
			return "", domain.Conflictf("Idempotency-Key %q was already used with a different request body", c.Key)
		case err == nil:
			return prev.ResourceID, nil
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return "", wrap(err, "claim idempotency key")
		}
	}
	return "", domain.Conflictf("Idempotency-Key %q is being claimed and released concurrently; try again", c.Key)
}

// ReleaseIdempotencyKey gives a key back after the create it was claimed for
// failed, so the client's retry with the same key can succeed. Releasing a key that
// is not claimed is not an error.
func (st *Store) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	err := st.db.WithContext(ctx).Where("scope = ? AND idem_key = ?", scope, key).Delete(&idempotencyRow{}).Error
	return wrap(err, "release idempotency key")
}
