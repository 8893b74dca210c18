package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
)

// sessionPrefix marks board session IDs, as tokenPrefix marks API tokens, so
// a leaked one is recognisable and never taken for a token.
const sessionPrefix = "tds_"

// sessionRefLen is how much of a session's hash names it in the audit trail:
// enough to tell a person's sessions apart, and the hash of a 256-bit secret
// gives nothing away about it.
const sessionRefLen = 12

func (r sessionRow) toDomain() domain.Session {
	s := domain.Session{
		Ref: r.Hash[:sessionRefLen], Handle: r.Handle, Method: domain.SignInMethod(r.Method),
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(),
		IdleExpiresAt: r.IdleExpiresAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
	if r.RecheckAt != nil {
		s.RecheckAt = r.RecheckAt.UTC()
	}
	return s
}

// Sealer encrypts the secrets the store keeps for later use, an identity
// provider's refresh token kept with a board session, so that the database
// never holds them in clear; *codec.Secrets is one. What is sealed is bound to
// ad (the session it belongs to): Open with other ad fails.
type Sealer interface {
	Seal(plain, ad []byte) (string, error)
	Open(sealed string, ad []byte) ([]byte, error)
}

// SealSecretsWith gives the store the keys it seals refresh tokens with. The
// process sets it once, before serving; without it a session is not given a
// refresh token (CreateSession refuses one).
func (st *Store) SealSecretsWith(s Sealer) { st.sealer.Store(&s) }

func (st *Store) secrets() Sealer {
	if s := st.sealer.Load(); s != nil {
		return *s
	}
	return nil
}

// refreshBinding is what a session's sealed refresh token is bound to: the
// session (its ID's hash), so a sealed token copied into another session's row
// does not open there.
func refreshBinding(hash string) []byte { return []byte("board session refresh token\x00" + hash) }

// CreateSession starts a board session at now and returns its ID. It is the
// only time the ID is seen: only its hash is stored. A session signed in with
// an API token (s.Token) is tied to it and needs it live and the person's; an
// unknown person, or a token that is not theirs or no longer valid, is
// domain.ErrNotFound.
//
// Sessions past their absolute expiry, which can never be used again, are
// deleted here, so the table holds at most a lifetime's worth of sign-ins.
func (st *Store) CreateSession(ctx context.Context, s domain.SessionStart, now time.Time) (string, domain.Session, error) {
	if s.Idle <= 0 || s.Lifetime <= 0 {
		return "", domain.Session{}, fmt.Errorf("create session: idle timeout %s and lifetime %s must be positive", s.Idle, s.Lifetime)
	}
	now = utc(now)
	switch p, err := st.Person(ctx, s.Handle); {
	case err != nil:
		return "", domain.Session{}, err
	case !p.Active():
		return "", domain.Session{}, domain.NotFoundf("person %s", s.Handle)
	}
	row := sessionRow{
		Handle: s.Handle, Method: string(s.Method), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(min(s.Idle, s.Lifetime)), ExpiresAt: now.Add(s.Lifetime),
	}
	if s.Token != "" {
		tok, err := st.liveToken(ctx, s.Token)
		if err != nil {
			return "", domain.Session{}, err
		}
		if tok.Handle != s.Handle {
			return "", domain.Session{}, domain.NotFoundf("token")
		}
		row.TokenHash = &tok.Hash
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", domain.Session{}, fmt.Errorf("create session: %w", err)
	}
	id := sessionPrefix + base64.RawURLEncoding.EncodeToString(secret)
	row.Hash = hashToken(id)
	if s.Refresh != "" && s.Recheck > 0 {
		sealer := st.secrets()
		if sealer == nil {
			return "", domain.Session{}, errors.New("create session: a refresh token to keep, and no key to seal it with")
		}
		sealed, err := sealer.Seal([]byte(s.Refresh), refreshBinding(row.Hash))
		if err != nil {
			return "", domain.Session{}, fmt.Errorf("create session: seal the refresh token: %w", err)
		}
		due := now.Add(s.Recheck)
		row.RefreshSealed, row.RecheckAt = &sealed, &due
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at <= ?", now).Delete(&sessionRow{}).Error; err != nil {
			return fmt.Errorf("delete ended sessions: %w", err)
		}
		return tx.Create(&row).Error
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return "", domain.Session{}, domain.NotFoundf("person %s", s.Handle)
	}
	if err != nil {
		return "", domain.Session{}, wrap(err, "create session for "+s.Handle)
	}
	return id, row.toDomain(), nil
}

// PersonBySession resolves a board session ID at now to its person and the
// session. An unknown, revoked, idle or expired session, and one whose token
// was revoked or expired, is domain.ErrNotFound, the same for all, as for
// tokens. Using a session moves its idle expiry to now+idle (never past its
// absolute expiry), written at most once a minute like a token's last use.
func (st *Store) PersonBySession(ctx context.Context, id string, now time.Time, idle time.Duration) (domain.Person, domain.Session, error) {
	now = utc(now)
	// The session, its token and its person in one statement.
	rows, err := st.queryReads(ctx, personBySessionHash, hashToken(id))
	if err != nil {
		return domain.Person{}, domain.Session{}, wrap(err, "session")
	}
	var row sessionRow
	var tok struct {
		hash                 *string
		revokedAt, expiresAt *time.Time
	}
	r, found, err := scanPerson(rows, &row.Hash, &row.Method, &row.TokenHash, &row.CreatedAt, &row.LastSeenAt, &row.IdleExpiresAt,
		&row.ExpiresAt, &row.RecheckAt, &tok.hash, &tok.revokedAt, &tok.expiresAt)
	switch {
	case err != nil:
		return domain.Person{}, domain.Session{}, wrap(err, "session")
	case !found:
		return domain.Person{}, domain.Session{}, domain.NotFoundf("session")
	}
	row.Handle = r.Handle
	// Compared here rather than in SQL, as for tokens: the row is read by its
	// key anyway.
	if !now.Before(row.IdleExpiresAt) || !now.Before(row.ExpiresAt) {
		return domain.Person{}, domain.Session{}, domain.NotFoundf("session")
	}
	if row.TokenHash != nil && (tok.hash == nil || tok.revokedAt != nil || tok.expiresAt != nil && !now.Before(*tok.expiresAt)) {
		return domain.Person{}, domain.Session{}, domain.NotFoundf("session")
	}
	p := r.toDomain()
	if !p.Active() {
		// Disabling revokes the sessions too; this holds for one that raced it.
		return domain.Person{}, domain.Session{}, domain.NotFoundf("session")
	}
	if now.Sub(row.LastSeenAt) >= lastUsedEvery {
		row.LastSeenAt, row.IdleExpiresAt = now, minTime(now.Add(idle), row.ExpiresAt)
		err := st.db.WithContext(ctx).Model(&sessionRow{}).Where("hash = ?", row.Hash).
			Updates(map[string]any{"last_seen_at": row.LastSeenAt, "idle_expires_at": row.IdleExpiresAt}).Error
		if err != nil {
			return domain.Person{}, domain.Session{}, wrap(err, "record session use")
		}
	}
	return p, row.toDomain(), nil
}

// ClaimRecheck takes the re-check of session id that is due at now, for this
// caller alone: it moves the session's next re-check to next (when the caller
// tries again should this one not get an answer) and returns the provider's
// refresh token, opened. claimed is false, and nothing changed, when the
// session is not due (another request claimed it first, or it is never
// re-checked) or has ended. A refresh token that no longer opens (its key left
// the keyring) is dropped, with the re-check: the answer is
// domain.ErrNotFound, for the caller to end the session, whose person then
// signs in again.
func (st *Store) ClaimRecheck(ctx context.Context, id string, now, next time.Time) (refresh string, claimed bool, err error) {
	hash := hashToken(id)
	now, next = utc(now), utc(next)
	res := st.db.WithContext(ctx).Model(&sessionRow{}).
		Where("hash = ? AND revoked_at IS NULL AND refresh_sealed IS NOT NULL AND recheck_at <= ?", hash, now).
		Update("recheck_at", next)
	if res.Error != nil {
		return "", false, wrap(res.Error, "claim the session's re-check")
	}
	if res.RowsAffected == 0 {
		return "", false, nil
	}
	var row sessionRow
	if err := st.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error; err != nil {
		return "", false, wrap(err, "session")
	}
	sealer := st.secrets()
	var plain []byte
	if sealer != nil && row.RefreshSealed != nil {
		plain, err = sealer.Open(*row.RefreshSealed, refreshBinding(hash))
	}
	if sealer == nil || row.RefreshSealed == nil || err != nil {
		if err := st.db.WithContext(ctx).Model(&sessionRow{}).Where("hash = ?", hash).
			Updates(map[string]any{"refresh_sealed": nil, "recheck_at": nil}).Error; err != nil {
			return "", false, wrap(err, "drop the session's refresh token")
		}
		return "", true, domain.NotFoundf("the session's refresh token no longer opens with the keys at hand")
	}
	return string(plain), true, nil
}

// Rechecked records a re-check the provider answered: the session is next due
// at next, and refresh, when not empty, is the provider's new refresh token
// (a provider that rotates them answers one each time), sealed in place of
// the old one. A session ended meanwhile is domain.ErrNotFound.
func (st *Store) Rechecked(ctx context.Context, id, refresh string, next time.Time) error {
	hash := hashToken(id)
	set := map[string]any{"recheck_at": utc(next)}
	if refresh != "" {
		sealer := st.secrets()
		if sealer == nil {
			return errors.New("keep the new refresh token: no key to seal it with")
		}
		sealed, err := sealer.Seal([]byte(refresh), refreshBinding(hash))
		if err != nil {
			return fmt.Errorf("seal the new refresh token: %w", err)
		}
		set["refresh_sealed"] = sealed
	}
	res := st.db.WithContext(ctx).Model(&sessionRow{}).Where("hash = ? AND refresh_sealed IS NOT NULL", hash).Updates(set)
	if res.Error != nil {
		return wrap(res.Error, "record the session's re-check")
	}
	if res.RowsAffected == 0 {
		return domain.NotFoundf("session")
	}
	return nil
}

// DeleteSession ends a session by deleting it: signing out. An unknown
// session is domain.ErrNotFound.
func (st *Store) DeleteSession(ctx context.Context, id string) error {
	res := st.db.WithContext(ctx).Where("hash = ?", hashToken(id)).Delete(&sessionRow{})
	if res.Error != nil {
		return wrap(res.Error, "delete session")
	}
	if res.RowsAffected == 0 {
		return domain.NotFoundf("session")
	}
	return nil
}

// RevokeSessions signs a person out everywhere at now: every session of
// theirs is revoked, and it returns how many had not yet expired. An unknown
// person is domain.ErrNotFound.
func (st *Store) RevokeSessions(ctx context.Context, handle string, now time.Time) (int64, error) {
	now = utc(now)
	var n int64
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&personRow{}).Where("handle = ?", handle).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFoundf("person %s", handle)
		}
		// Every unrevoked one is marked; the count is of those that had not
		// expired of themselves.
		if err := tx.Model(&sessionRow{}).Where("handle = ? AND revoked_at IS NULL AND idle_expires_at > ? AND expires_at > ?", handle, now, now).
			Count(&n).Error; err != nil {
			return err
		}
		return tx.Model(&sessionRow{}).Where("handle = ? AND revoked_at IS NULL", handle).Update("revoked_at", now).Error
	})
	if err != nil {
		return 0, wrap(err, "revoke sessions of "+handle)
	}
	return n, nil
}

// PersonByEmail finds the one person of the directory with an e-mail address,
// compared without regard to case, as an identity provider may spell it: the
// person an OpenID Connect sign-in names. None is domain.ErrNotFound; several
// is domain.ErrConflict, since signing in as one of them would be a guess.
func (st *Store) PersonByEmail(ctx context.Context, email string) (domain.Person, error) {
	var rows []personRow
	err := withRoles(st.reads.WithContext(ctx)).Where("LOWER(email) = LOWER(?)", email).Limit(2).Find(&rows).Error
	switch {
	case err != nil:
		return domain.Person{}, wrap(err, "person by e-mail")
	case len(rows) == 0:
		return domain.Person{}, domain.NotFoundf("person with e-mail %s", email)
	case len(rows) > 1:
		return domain.Person{}, domain.Conflictf("several people have the e-mail %s", email)
	}
	return rows[0].toDomain(), nil
}
