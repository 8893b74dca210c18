package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandemhq/tandem/domain"
)

// UpsertPerson creates or overwrites a member of the directory: every field of p,
// including the roles and the out-of-office window (nil clears it).
func (st *Store) UpsertPerson(ctx context.Context, p domain.Person) error {
	if p.Handle == "" {
		return domain.Invalid(domain.FieldProblem{Field: "handle", Problem: "required"})
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := personFromDomain(p, time.Now())
		// disabled_at is DisablePerson's alone: a new person starts active (NULL),
		// and an update keeps what it is. weekly_hours is SetWeeklyHours' alone
		// the same way: a new person has the policy's. time_zone is the person's
		// own choice (SetNotificationSettings): a new person starts with the default.
		err := tx.Omit(clause.Associations, "disabled_at", "weekly_hours", "time_zone").Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "handle"}},
			// Everything but created_at, which stays the time the person first appeared.
			DoUpdates: clause.AssignmentColumns([]string{"name", "email", "team", "manager", "ooo_from", "ooo_to", "ooo_delegate", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		if err := tx.Where("handle = ?", p.Handle).Delete(&personRoleRow{}).Error; err != nil {
			return err
		}
		return insertRoles(tx, p)
	})
	return wrap(err, "upsert person "+p.Handle)
}

// AddPerson adds a member the directory does not have yet: ErrConflict when
// the handle is taken, so two people added at once under one handle (two first
// sign-ins) never overwrite each other.
func (st *Store) AddPerson(ctx context.Context, p domain.Person) error {
	if p.Handle == "" {
		return domain.Invalid(domain.FieldProblem{Field: "handle", Problem: "required"})
	}
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := personFromDomain(p, time.Now())
		// weekly_hours and time_zone are SetWeeklyHours' and SetNotificationSettings'
		// alone: a new person has the policy's hours and the default zone.
		res := tx.Omit(clause.Associations, "weekly_hours", "time_zone").Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Conflictf("the handle %s is taken", p.Handle)
		}
		return insertRoles(tx, p)
	})
	return wrap(err, "add person "+p.Handle)
}

// insertRoles writes p's roles in their order, each once.
func insertRoles(tx *gorm.DB, p domain.Person) error {
	var roles []personRoleRow
	seen := map[domain.Role]bool{}
	for _, r := range p.Roles {
		if !seen[r] {
			seen[r] = true
			roles = append(roles, personRoleRow{Handle: p.Handle, Role: string(r), Position: len(roles)})
		}
	}
	if len(roles) == 0 {
		return nil
	}
	return tx.Create(&roles).Error
}

// withRoles loads people with their roles in the order they were given.
func withRoles(q *gorm.DB) *gorm.DB {
	return q.Preload("Roles", func(db *gorm.DB) *gorm.DB { return db.Order("position") })
}

// Person returns one member of the directory.
func (st *Store) Person(ctx context.Context, handle string) (domain.Person, error) {
	rows, err := st.queryReads(ctx, personByHandle, handle)
	if err != nil {
		return domain.Person{}, wrap(err, "person "+handle)
	}
	r, found, err := scanPerson(rows)
	switch {
	case err != nil:
		return domain.Person{}, wrap(err, "person "+handle)
	case !found:
		return domain.Person{}, domain.NotFoundf("person %s", handle)
	}
	return r.toDomain(), nil
}

// People lists the directory by handle, filtered by team and role.
func (st *Store) People(ctx context.Context, f domain.PeopleFilter) (domain.Page[domain.Person], error) {
	db := st.reads.WithContext(ctx)
	q := withRoles(db)
	if f.Team != "" {
		q = q.Where("team = ?", f.Team)
	}
	if f.Role != "" {
		q = q.Where("handle IN (?)", db.Model(&personRoleRow{}).Select("handle").Where("role = ?", f.Role))
	}
	// The directory pages by handle, its natural order and unique key.
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, byHandle)
		if err != nil {
			return domain.Page[domain.Person]{}, err
		}
		q = q.Where("handle > ?", c.ID)
	}
	var rows []personRow
	if err := q.Order("handle").Limit(limitOf(f.ListOptions) + 1).Find(&rows).Error; err != nil {
		return domain.Page[domain.Person]{}, wrap(err, "list people")
	}
	return pageOf(rows, f.ListOptions, personRow.toDomain, func(r personRow) cursor { return cursor{ID: r.Handle} }), nil
}

// DirectoryVersion names the directory as it is now: a digest of every
// person's handle and last change (updated_at, which every write of a person
// sets, disabling and enabling included). Any change of the directory
// changes it, whichever process's clock wrote the time, and it reads two
// short columns rather than the people with their roles: the board keeps
// the directory between requests while this answers the same
// (GET /api/v1/people's ETag).
func (st *Store) DirectoryVersion(ctx context.Context) (string, error) {
	rows, err := st.reads.WithContext(ctx).Raw("SELECT handle, updated_at FROM people ORDER BY handle").Rows()
	if err != nil {
		return "", wrap(err, "directory version")
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var handle string
		var at time.Time
		if err := rows.Scan(&handle, &at); err != nil {
			return "", wrap(err, "directory version")
		}
		fmt.Fprintf(h, "%s\x00%d\x00", handle, at.UnixNano())
	}
	if err := rows.Err(); err != nil {
		return "", wrap(err, "directory version")
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// SetOutOfOffice sets a person's out-of-office window and delegate; nil clears it.
func (st *Store) SetOutOfOffice(ctx context.Context, handle string, o *domain.OutOfOffice) error {
	updates := map[string]any{"ooo_from": nil, "ooo_to": nil, "ooo_delegate": nil, "updated_at": time.Now().UTC()}
	if o != nil {
		updates["ooo_from"], updates["ooo_to"], updates["ooo_delegate"] = utc(o.From), utc(o.To), o.Delegate
	}
	res := st.db.WithContext(ctx).Model(&personRow{}).Where("handle = ?", handle).Updates(updates)
	if res.Error != nil {
		return wrap(res.Error, "set out of office of "+handle)
	}
	if res.RowsAffected == 0 {
		return domain.NotFoundf("person %s", handle)
	}
	return nil
}

// tokenPrefix marks Tandem tokens, so a leaked one is recognisable (secret scanners
// key on such prefixes).
const tokenPrefix = "tdm_"

// hashToken is how a token is stored and looked up: its SHA-256 in hex. The token
// is 256 random bits, so a fast unsalted hash is enough; no one can guess it.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token for a person that never expires, and returns
// it. It is the only time the token is seen: only its hash is stored.
func (st *Store) CreateToken(ctx context.Context, handle, label string) (string, error) {
	return st.CreateTokenExpiring(ctx, handle, label, time.Time{})
}

// CreateTokenExpiring is CreateToken with an expiry: from expiresAt on, the token
// resolves no more. A zero expiresAt is never; one already past is refused, since
// such a token would be useless the moment it is shown.
func (st *Store) CreateTokenExpiring(ctx context.Context, handle, label string, expiresAt time.Time) (string, error) {
	now := time.Now()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return "", domain.Invalid(domain.FieldProblem{Field: "expires_at", Problem: "must be in the future"})
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	row := tokenRow{Hash: hashToken(token), Handle: handle, Label: label, CreatedAt: utc(now)}
	if !expiresAt.IsZero() {
		at := utc(expiresAt)
		row.ExpiresAt = &at
	}
	if err := st.db.WithContext(ctx).Create(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return "", domain.NotFoundf("person %s", handle)
		}
		return "", wrap(err, "create token for "+handle)
	}
	return token, nil
}

// lastUsedEvery is how stale last_used_at may get: resolving a token writes at most
// once a minute, not on every request.
const lastUsedEvery = time.Minute

// PersonByToken resolves a bearer token to its person. An unknown, revoked or
// expired token is domain.ErrNotFound, the same for all three, so a caller learns
// nothing about which tokens once existed.
func (st *Store) PersonByToken(ctx context.Context, token string) (domain.Person, error) {
	// The token and its person in one statement.
	rows, err := st.queryReads(ctx, personByTokenHash, hashToken(token))
	if err != nil {
		return domain.Person{}, wrap(err, "token")
	}
	var tok tokenRow
	r, found, err := scanPerson(rows, &tok.Hash, &tok.LastUsedAt, &tok.ExpiresAt)
	switch {
	case err != nil:
		return domain.Person{}, wrap(err, "token")
	case !found || tok.ExpiresAt != nil && !time.Now().Before(*tok.ExpiresAt):
		return domain.Person{}, domain.NotFoundf("token")
	}
	p := r.toDomain()
	// Disabling revokes a person's tokens; this refuses any that escaped it
	// (one made in the same instant), so a disabled person's token never works.
	if !p.Active() {
		return domain.Person{}, domain.NotFoundf("token")
	}
	if now := utc(time.Now()); tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= lastUsedEvery {
		err := st.db.WithContext(ctx).Model(&tokenRow{}).Where("hash = ?", tok.Hash).Update("last_used_at", now).Error
		if err != nil {
			return domain.Person{}, wrap(err, "record token use")
		}
	}
	return p, nil
}

// liveToken finds a token that is neither revoked nor expired. Expiry is checked
// here rather than in SQL: the row is fetched by its primary key anyway, and
// comparing in Go avoids SQLite's text timestamps in a comparison.
func (st *Store) liveToken(ctx context.Context, token string) (tokenRow, error) {
	var tok tokenRow
	err := st.reads.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL", hashToken(token)).Take(&tok).Error
	if err != nil {
		return tokenRow{}, wrap(err, "token")
	}
	if tok.ExpiresAt != nil && !time.Now().Before(*tok.ExpiresAt) {
		return tokenRow{}, domain.NotFoundf("token")
	}
	return tok, nil
}

// RevokeToken revokes a token; it never resolves again. Revoking a revoked or
// expired token is not an error; an unknown one is domain.ErrNotFound.
func (st *Store) RevokeToken(ctx context.Context, token string) error {
	db := st.db.WithContext(ctx)
	res := db.Model(&tokenRow{}).Where("hash = ? AND revoked_at IS NULL", hashToken(token)).Update("revoked_at", utc(time.Now()))
	if res.Error != nil {
		return wrap(res.Error, "revoke token")
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := db.Model(&tokenRow{}).Where("hash = ?", hashToken(token)).Count(&n).Error; err != nil {
			return wrap(err, "revoke token")
		}
		if n == 0 {
			return domain.NotFoundf("token")
		}
	}
	return nil
}

// RevokeTokens revokes every token of a person (a lost laptop, someone leaving) and
// returns how many were still unrevoked. An unknown person is domain.ErrNotFound.
func (st *Store) RevokeTokens(ctx context.Context, handle string) (int64, error) {
	var n int64
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&personRow{}).Where("handle = ?", handle).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFoundf("person %s", handle)
		}
		res := tx.Model(&tokenRow{}).Where("handle = ? AND revoked_at IS NULL", handle).Update("revoked_at", utc(time.Now()))
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, wrap(err, "revoke tokens of "+handle)
	}
	return n, nil
}

// DisablePerson disables a person at at: from then on no token or session of
// theirs resolves, and both are revoked here, in the same transaction, so
// enabling them again brings none back. A person already disabled keeps the
// time they were first disabled (so a retry is the same disabling) and has
// anything still live revoked again. It answers the person and how many
// sessions (not yet expired) and tokens it revoked. An unknown person is
// domain.ErrNotFound. The person's records (tasks, timelines, audit) are not
// touched: their history keeps their handle.
func (st *Store) DisablePerson(ctx context.Context, handle string, at time.Time) (domain.Person, domain.Revoked, error) {
	at = utc(at)
	var rev domain.Revoked
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&personRow{}).Where("handle = ? AND disabled_at IS NULL", handle).
			Updates(map[string]any{"disabled_at": at, "updated_at": at})
		if res.Error != nil {
			return res.Error
		}
		var n int64
		if err := tx.Model(&personRow{}).Where("handle = ?", handle).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFoundf("person %s", handle)
		}
		if err := tx.Model(&sessionRow{}).Where("handle = ? AND revoked_at IS NULL AND idle_expires_at > ? AND expires_at > ?", handle, at, at).
			Count(&rev.Sessions).Error; err != nil {
			return err
		}
		if err := tx.Model(&sessionRow{}).Where("handle = ? AND revoked_at IS NULL", handle).Update("revoked_at", at).Error; err != nil {
			return err
		}
		res = tx.Model(&tokenRow{}).Where("handle = ? AND revoked_at IS NULL", handle).Update("revoked_at", at)
		rev.Tokens = res.RowsAffected
		if res.Error != nil {
			return res.Error
		}
		// Calendar feed links are secrets like tokens: they end too, and a
		// person enabled again makes new ones.
		return tx.Where("handle = ?", handle).Delete(&feedRow{}).Error
	})
	if err != nil {
		return domain.Person{}, domain.Revoked{}, wrap(err, "disable "+handle)
	}
	p, err := st.Person(ctx, handle)
	return p, rev, err
}

// SetWeeklyHours sets the weekly hours of person handle; nil goes back to the
// policy's. An unknown person is domain.ErrNotFound.
func (st *Store) SetWeeklyHours(ctx context.Context, handle string, hours *float64) (domain.Person, error) {
	res := st.db.WithContext(ctx).Model(&personRow{}).Where("handle = ?", handle).
		Updates(map[string]any{"weekly_hours": hours, "updated_at": utc(time.Now())})
	if res.Error != nil {
		return domain.Person{}, wrap(res.Error, "set weekly hours of "+handle)
	}
	if res.RowsAffected == 0 {
		return domain.Person{}, domain.NotFoundf("no person with handle %q", handle)
	}
	return st.Person(ctx, handle)
}

// EnablePerson makes a disabled person active again; an active one is left
// as is. Their old sessions and tokens stay revoked: they sign in afresh, and
// an admin makes them new tokens. An unknown person is domain.ErrNotFound.
func (st *Store) EnablePerson(ctx context.Context, handle string) (domain.Person, error) {
	res := st.db.WithContext(ctx).Model(&personRow{}).Where("handle = ? AND disabled_at IS NOT NULL", handle).
		Updates(map[string]any{"disabled_at": nil, "updated_at": utc(time.Now())})
	if res.Error != nil {
		return domain.Person{}, wrap(res.Error, "enable "+handle)
	}
	return st.Person(ctx, handle)
}

// demoPeople is the directory `tandem dev` starts with: at least one person per
// role, with managers set.
var demoPeople = []struct {
	handle, name string
	team         domain.Team
	role         domain.Role
	manager      string
}{
	{"pat", "Pat Morgan", domain.TeamPMO, domain.RoleProjectManager, "dana"},
	{"sam", "Sam Reed", domain.TeamPMO, domain.RoleProjectManager, "dana"},
	{"maya", "Maya Ortiz", domain.TeamMarketingOps, domain.RoleMarketingOpsManager, "dana"},
	{"cleo", "Cleo Park", domain.TeamCreative, domain.RoleCreative, "maya"},
	{"colin", "Colin Shaw", domain.TeamContent, domain.RoleContent, "maya"},
	{"wes", "Wes Brandt", domain.TeamWeb, domain.RoleWeb, "maya"},
	{"ana", "Ana Lopez", domain.TeamAnalytics, domain.RoleAnalytics, "maya"},
	{"lee", "Lee Adams", domain.TeamLegal, domain.RoleLegal, "dana"},
	{"finn", "Finn Walsh", domain.TeamFinance, domain.RoleFinance, "dana"},
	{"hana", "Hana Sato", domain.TeamHR, domain.RoleHR, "dana"},
	{"dana", "Dana Kim", domain.TeamLeadership, domain.RoleDirector, ""},
	{"ada", "Ada Quinn", domain.TeamPMO, domain.RoleAdmin, "dana"},
}

// demoTokenLabel labels the tokens SeedDemo makes.
const demoTokenLabel = "demo"

// SeedDemo writes the demo directory and returns a token per demo person. Tokens in
// existing (handle → token, from a previous run's demo-tokens.json) are kept when
// they still resolve to their person; the others are made afresh. A person's
// out-of-office window set during an earlier run survives the reseed.
func SeedDemo(ctx context.Context, st *Store, existing map[string]string) (map[string]string, error) {
	tokens := make(map[string]string, len(demoPeople))
	for _, d := range demoPeople {
		p := domain.Person{
			Handle: d.handle, Name: d.name, Email: d.handle + "@tandem.example",
			Team: d.team, Roles: []domain.Role{d.role}, Manager: d.manager,
		}
		switch prev, err := st.Person(ctx, d.handle); {
		case err == nil:
			p.OutOfOffice = prev.OutOfOffice
		case !errors.Is(err, domain.ErrNotFound):
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		if err := st.UpsertPerson(ctx, p); err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		if tok, ok := existing[d.handle]; ok {
			switch row, err := st.liveToken(ctx, tok); {
			case err == nil && row.Handle == d.handle:
				tokens[d.handle] = tok
				continue
			case err != nil && !errors.Is(err, domain.ErrNotFound):
				return nil, fmt.Errorf("seed demo: %w", err)
			}
		}
		tok, err := st.CreateToken(ctx, d.handle, demoTokenLabel)
		if err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		tokens[d.handle] = tok
	}
	return tokens, nil
}

// DemoPeople reads the demo directory SeedDemo writes, in its order, as the
// people are now: what `tandem dev`'s sign-in page offers to sign in as.
func DemoPeople(ctx context.Context, st *Store) ([]domain.Person, error) {
	out := make([]domain.Person, 0, len(demoPeople))
	for _, d := range demoPeople {
		p, err := st.Person(ctx, d.handle)
		if err != nil {
			return nil, fmt.Errorf("demo person %s: %w", d.handle, err)
		}
		out = append(out, p)
	}
	return out, nil
}
