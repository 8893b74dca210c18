package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestPeople(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		// Roles keep their order; a repeated role is stored once.
		walt := person("walt", domain.TeamWeb, domain.RoleWeb, domain.RoleCreative, domain.RoleWeb)
		walt.Manager = "maya"
		mustUpsert(t, st, walt)
		got, err := st.Person(t.Context(), "walt")
		if err != nil {
			t.Fatal(err)
		}
		walt.Roles = []domain.Role{domain.RoleWeb, domain.RoleCreative}
		equal(t, "person", got, walt)

		// Upsert overwrites: a lost role is gone.
		walt.Roles, walt.Team, walt.Name = []domain.Role{domain.RoleWeb}, domain.TeamCreative, "Walter"
		mustUpsert(t, st, walt)
		got, err = st.Person(t.Context(), "walt")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "person after upsert", got, walt)

		handle := func(p domain.Person) string { return p.Handle }
		for _, tc := range []struct {
			name string
			f    domain.PeopleFilter
			want []string
		}{
			{"all", domain.PeopleFilter{}, []string{"cara", "cleo", "maya", "pat", "sam", "walt", "wes"}},
			{"team", domain.PeopleFilter{Team: domain.TeamCreative}, []string{"cara", "cleo", "walt"}},
			{"role", domain.PeopleFilter{Role: domain.RoleProjectManager}, []string{"pat", "sam"}},
			{"second role", domain.PeopleFilter{Role: domain.RoleAdmin}, []string{"sam"}},
			{"team and role", domain.PeopleFilter{Team: domain.TeamCreative, Role: domain.RoleCreative}, []string{"cara", "cleo"}},
			{"none", domain.PeopleFilter{Role: domain.RoleLegal}, []string{}},
		} {
			for _, limit := range []int{1, 2, 50} {
				got := collect(t, limit, func(o domain.ListOptions) (domain.Page[domain.Person], error) {
					f := tc.f
					f.ListOptions = o
					return st.People(t.Context(), f)
				})
				equal(t, tc.name, ids(got, handle), tc.want)
			}
		}
		p, err := st.People(t.Context(), domain.PeopleFilter{Role: domain.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "listed person's roles", p.Items[0].Roles, []domain.Role{domain.RoleProjectManager, domain.RoleAdmin})

		_, err = st.Person(t.Context(), "zed")
		wantErr(t, err, domain.ErrNotFound, "Person of an unknown handle")
		wantErr(t, st.UpsertPerson(t.Context(), domain.Person{Name: "No handle"}), domain.ErrInvalid, "UpsertPerson without a handle")
	})
}

func TestOutOfOffice(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		paris := time.FixedZone("CET", 3600)
		o := &domain.OutOfOffice{
			From:     time.Date(2026, 7, 1, 9, 0, 0, 999, paris),
			To:       time.Date(2026, 7, 15, 18, 0, 0, 0, paris),
			Delegate: "sam",
		}
		if err := st.SetOutOfOffice(t.Context(), "pat", o); err != nil {
			t.Fatal(err)
		}
		got, err := st.Person(t.Context(), "pat")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "out of office", got.OutOfOffice, &domain.OutOfOffice{
			From: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), To: time.Date(2026, 7, 15, 17, 0, 0, 0, time.UTC), Delegate: "sam",
		})
		if !got.OutOfOffice.Covers(time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC)) {
			t.Error("window read back does not cover a day inside it")
		}
		// The rest of the person is untouched.
		got.OutOfOffice = nil
		equal(t, "person beside the window", got, person("pat", domain.TeamPMO, domain.RoleProjectManager))

		if err := st.SetOutOfOffice(t.Context(), "pat", nil); err != nil {
			t.Fatal(err)
		}
		got, err = st.Person(t.Context(), "pat")
		if err != nil {
			t.Fatal(err)
		}
		if got.OutOfOffice != nil {
			t.Errorf("cleared window reads back as %+v", got.OutOfOffice)
		}
		wantErr(t, st.SetOutOfOffice(t.Context(), "zed", o), domain.ErrNotFound, "SetOutOfOffice of an unknown handle")
	})
}

func TestTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		tok, err := st.CreateToken(t.Context(), "pat", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		secret, ok := strings.CutPrefix(tok, tokenPrefix)
		if !ok || len(secret) != 43 {
			t.Fatalf("token %q: want %q and 43 base64url characters (32 bytes)", tok, tokenPrefix)
		}
		tok2, err := st.CreateToken(t.Context(), "pat", "ci")
		if err != nil {
			t.Fatal(err)
		}
		if tok2 == tok {
			t.Fatal("two tokens are equal")
		}

		p, err := st.PersonByToken(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.Handle != "pat" || len(p.Roles) != 1 {
			t.Errorf("token resolves to %+v, want pat with roles", p)
		}

		// Only the hash is stored: neither the token nor its secret part appears anywhere.
		rows := dump(t, st, "api_tokens", "hash")
		if len(rows) != 2 {
			t.Fatalf("api_tokens has %d rows, want 2", len(rows))
		}
		sum := sha256.Sum256([]byte(tok))
		hash := hex.EncodeToString(sum[:])
		foundHash := false
		for _, r := range rows {
			if strings.Contains(r, tok) || strings.Contains(r, secret) {
				t.Fatalf("the token is stored in clear: %s", r)
			}
			foundHash = foundHash || strings.Contains(r, "hash="+hash)
		}
		if !foundHash {
			t.Errorf("no row holds the SHA-256 of the token; rows: %v", rows)
		}
		var used tokenRow
		if err := st.db.Where("hash = ?", hash).Take(&used).Error; err != nil {
			t.Fatal(err)
		}
		if used.LastUsedAt == nil || time.Since(*used.LastUsedAt) > time.Minute || used.Label != "laptop" {
			t.Errorf("token row after use: %+v; want last_used_at now and label laptop", used)
		}

		if err := st.RevokeToken(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		_, err = st.PersonByToken(t.Context(), tok)
		wantErr(t, err, domain.ErrNotFound, "PersonByToken after revoke")
		if err := st.RevokeToken(t.Context(), tok); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		// The person's other token still works.
		if p, err := st.PersonByToken(t.Context(), tok2); err != nil || p.Handle != "pat" {
			t.Errorf("other token after revoke: %+v, %v", p, err)
		}

		wantErr(t, st.RevokeToken(t.Context(), "tdm_unknown"), domain.ErrNotFound, "RevokeToken of an unknown token")
		_, err = st.PersonByToken(t.Context(), "tdm_unknown")
		wantErr(t, err, domain.ErrNotFound, "PersonByToken of an unknown token")
		_, err = st.PersonByToken(t.Context(), "")
		wantErr(t, err, domain.ErrNotFound, "PersonByToken of an empty token")
		_, err = st.CreateToken(t.Context(), "zed", "x")
		wantErr(t, err, domain.ErrNotFound, "CreateToken for an unknown person")
	})
}

func TestTokenExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		expires := time.Now().Add(time.Hour)
		tok, err := st.CreateTokenExpiring(t.Context(), "pat", "ci", expires)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := st.PersonByToken(t.Context(), tok); err != nil || p.Handle != "pat" {
			t.Fatalf("unexpired token resolves to %+v, %v", p, err)
		}
		var row tokenRow
		if err := st.db.Where("hash = ?", hashToken(tok)).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.ExpiresAt == nil || !row.ExpiresAt.Equal(utc(expires)) {
			t.Errorf("expires_at = %v, want %v", row.ExpiresAt, utc(expires))
		}
		secret := strings.TrimPrefix(tok, tokenPrefix)
		for _, r := range dump(t, st, "api_tokens", "hash") {
			if strings.Contains(r, secret) {
				t.Fatalf("the token is stored in clear: %s", r)
			}
		}

		// Once the expiry passes, the token answers exactly like an unknown one.
		past := utc(time.Now().Add(-time.Second))
		if err := st.db.Model(&tokenRow{}).Where("hash = ?", hashToken(tok)).Update("expires_at", past).Error; err != nil {
			t.Fatal(err)
		}
		_, expiredErr := st.PersonByToken(t.Context(), tok)
		wantErr(t, expiredErr, domain.ErrNotFound, "PersonByToken of an expired token")
		_, unknownErr := st.PersonByToken(t.Context(), "tdm_unknown")
		if expiredErr.Error() != unknownErr.Error() {
			t.Errorf("an expired token is told apart from an unknown one: %q vs %q", expiredErr, unknownErr)
		}
		// Revoking an expired token still works, so it stays dead if the clock is wrong.
		if err := st.RevokeToken(t.Context(), tok); err != nil {
			t.Errorf("revoking an expired token: %v", err)
		}

		// A token with no expiry never expires.
		never, err := st.CreateToken(t.Context(), "pat", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		var neverRow tokenRow
		if err := st.db.Where("hash = ?", hashToken(never)).Take(&neverRow).Error; err != nil || neverRow.ExpiresAt != nil {
			t.Errorf("token without expiry has expires_at %v (%v), want NULL", neverRow.ExpiresAt, err)
		}

		before := count(t, st, "api_tokens")
		_, err = st.CreateTokenExpiring(t.Context(), "pat", "late", time.Now().Add(-time.Minute))
		wantErr(t, err, domain.ErrInvalid, "CreateTokenExpiring in the past")
		_, err = st.CreateTokenExpiring(t.Context(), "zed", "x", expires)
		wantErr(t, err, domain.ErrNotFound, "CreateTokenExpiring for an unknown person")
		if n := count(t, st, "api_tokens"); n != before {
			t.Errorf("refused creations left %d tokens, want %d", n, before)
		}
	})
}

func TestRevokeTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		var pats []string
		for _, label := range []string{"laptop", "ci", "phone"} {
			tok, err := st.CreateToken(t.Context(), "pat", label)
			if err != nil {
				t.Fatal(err)
			}
			pats = append(pats, tok)
		}
		sams, err := st.CreateToken(t.Context(), "sam", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeToken(t.Context(), pats[0]); err != nil {
			t.Fatal(err)
		}
		n, err := st.RevokeTokens(t.Context(), "pat")
		if err != nil || n != 2 {
			t.Fatalf("RevokeTokens(pat) = %d, %v; want the 2 still live", n, err)
		}
		for _, tok := range pats {
			_, err := st.PersonByToken(t.Context(), tok)
			wantErr(t, err, domain.ErrNotFound, "pat's token after RevokeTokens")
		}
		if p, err := st.PersonByToken(t.Context(), sams); err != nil || p.Handle != "sam" {
			t.Errorf("another person's token after RevokeTokens(pat): %+v, %v", p, err)
		}
		if n, err := st.RevokeTokens(t.Context(), "pat"); err != nil || n != 0 {
			t.Errorf("RevokeTokens again = %d, %v; want 0, nil", n, err)
		}
		if n, err := st.RevokeTokens(t.Context(), "cleo"); err != nil || n != 0 {
			t.Errorf("RevokeTokens of a person without tokens = %d, %v; want 0, nil", n, err)
		}
		_, err = st.RevokeTokens(t.Context(), "zed")
		wantErr(t, err, domain.ErrNotFound, "RevokeTokens of an unknown person")
	})
}

func TestIdempotencyKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		claim := domain.IdempotencyClaim{Scope: "pat", Key: "k1", BodyHash: "aaa", ResourceID: "cmp_1"}
		claim2 := func(c domain.IdempotencyClaim) string {
			t.Helper()
			id, err := st.ClaimIdempotencyKey(t.Context(), c)
			if err != nil {
				t.Fatalf("claim %+v: %v", c, err)
			}
			return id
		}
		if id := claim2(claim); id != "" {
			t.Fatalf("new key returned %q, want \"\"", id)
		}
		// A retry of the same request (which made a new ID of its own) gets the first one.
		retry := claim
		retry.ResourceID = "cmp_2"
		if id := claim2(retry); id != "cmp_1" {
			t.Fatalf("same key and body returned %q, want cmp_1", id)
		}
		other := claim
		other.BodyHash = "bbb"
		_, err := st.ClaimIdempotencyKey(t.Context(), other)
		wantErr(t, err, domain.ErrConflict, "same key, different body")

		// Keys are per caller.
		sam := claim
		sam.Scope, sam.ResourceID = "sam", "cmp_3"
		if id := claim2(sam); id != "" {
			t.Fatalf("another caller's key returned %q, want \"\"", id)
		}

		// Released after a failed create: the key is free again, for any body.
		if err := st.ReleaseIdempotencyKey(t.Context(), "pat", "k1"); err != nil {
			t.Fatal(err)
		}
		other.ResourceID = "cmp_4"
		if id := claim2(other); id != "" {
			t.Fatalf("released key returned %q, want \"\"", id)
		}
		if id := claim2(other); id != "cmp_4" {
			t.Fatalf("reclaimed key returned %q, want cmp_4", id)
		}
		if err := st.ReleaseIdempotencyKey(t.Context(), "pat", "never"); err != nil {
			t.Errorf("releasing an unclaimed key: %v", err)
		}
		_, err = st.ClaimIdempotencyKey(t.Context(), domain.IdempotencyClaim{Scope: "pat"})
		wantErr(t, err, domain.ErrInvalid, "claim without a key")
	})
}

func TestSeedDemo(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		tokens, err := SeedDemo(t.Context(), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != len(demoPeople) || len(demoPeople) != 12 {
			t.Fatalf("%d tokens for %d demo people, want 12", len(tokens), len(demoPeople))
		}
		for handle, tok := range tokens {
			p, err := st.PersonByToken(t.Context(), tok)
			if err != nil || p.Handle != handle {
				t.Fatalf("token of %s resolves to %+v, %v", handle, p, err)
			}
		}
		maya, err := st.Person(t.Context(), "maya")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "maya", maya, domain.Person{
			Handle: "maya", Name: "Maya Ortiz", Email: "maya@tandem.example", Team: domain.TeamMarketingOps,
			Roles: []domain.Role{domain.RoleMarketingOpsManager}, Manager: "dana",
		})
		// Every role has someone, and every manager named is in the directory.
		for _, r := range domain.Roles {
			p, err := st.People(t.Context(), domain.PeopleFilter{Role: r})
			if err != nil || len(p.Items) == 0 {
				t.Errorf("no demo person holds %s (%v)", r, err)
			}
			for _, person := range p.Items {
				if person.Manager != "" {
					if _, err := st.Person(t.Context(), person.Manager); err != nil {
						t.Errorf("%s's manager %s: %v", person.Handle, person.Manager, err)
					}
				}
			}
		}

		// A window set during the demo survives a restart's reseed.
		ooo := &domain.OutOfOffice{From: t0, To: at(24 * time.Hour), Delegate: "sam"}
		if err := st.SetOutOfOffice(t.Context(), "pat", ooo); err != nil {
			t.Fatal(err)
		}

		// A restart with the saved tokens keeps them all and makes none.
		again, err := SeedDemo(t.Context(), st, tokens)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "tokens after reseeding", again, tokens)
		if n := count(t, st, "api_tokens"); n != 12 {
			t.Errorf("api_tokens = %d after reseeding, want 12", n)
		}
		if n := count(t, st, "people"); n != 12 {
			t.Errorf("people = %d after reseeding, want 12", n)
		}
		pat, err := st.Person(t.Context(), "pat")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "pat's window after reseeding", pat.OutOfOffice, ooo)

		// Tokens that no longer resolve to their person are replaced; the rest kept.
		if err := st.RevokeToken(t.Context(), tokens["pat"]); err != nil {
			t.Fatal(err)
		}
		stale := map[string]string{}
		for h, tok := range tokens {
			stale[h] = tok
		}
		stale["sam"] = tokens["maya"] // someone else's token
		stale["lee"] = "tdm_garbage"
		stale["zed"] = "tdm_not_a_demo_person"
		fresh, err := SeedDemo(t.Context(), st, stale)
		if err != nil {
			t.Fatal(err)
		}
		if len(fresh) != 12 {
			t.Fatalf("%d tokens, want 12", len(fresh))
		}
		for h, tok := range fresh {
			replaced := h == "pat" || h == "sam" || h == "lee"
			if replaced == (tok == tokens[h]) {
				t.Errorf("token of %s: replaced %v, want %v", h, tok != tokens[h], replaced)
			}
			if p, err := st.PersonByToken(t.Context(), tok); err != nil || p.Handle != h {
				t.Errorf("token of %s resolves to %+v, %v", h, p, err)
			}
		}
		if n := count(t, st, "api_tokens"); n != 15 {
			t.Errorf("api_tokens = %d, want 15", n)
		}
	})
}

func TestAddPersonNeverOverwrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		nia := person("nia", domain.TeamContent, domain.RoleContent)
		if err := st.AddPerson(t.Context(), nia); err != nil {
			t.Fatal(err)
		}
		got, err := st.Person(t.Context(), "nia")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "added", got, nia)

		// Another person under the same handle is refused, and the first is kept whole.
		other := person("nia", domain.TeamLegal, domain.RoleLegal)
		other.Name, other.Email = "Nia Other", "nia.other@example.com"
		if err := st.AddPerson(t.Context(), other); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("a taken handle: %v, want a conflict", err)
		}
		got, err = st.Person(t.Context(), "nia")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "after the refused add", got, nia)
	})
}

// TestDirectoryVersionChangesWithEveryChangeOfAPerson: the directory's
// version stays while nothing changes, and moves with a rename, a disabling,
// an enabling, out-of-office, weekly hours and a new person.
func TestDirectoryVersionChangesWithEveryChangeOfAPerson(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		version := func() string {
			t.Helper()
			v, err := st.DirectoryVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		last := version()
		if again := version(); again != last {
			t.Fatalf("nothing changed, yet the version moved from %s to %s", last, again)
		}
		moved := func(what string) {
			t.Helper()
			if v := version(); v == last {
				t.Errorf("%s: the version stayed %s", what, v)
			} else {
				last = v
			}
		}
		maya, err := st.Person(ctx, "maya")
		if err != nil {
			t.Fatal(err)
		}
		maya.Name = "Maya Renamed"
		mustUpsert(t, st, maya)
		moved("a rename")
		if _, _, err := st.DisablePerson(ctx, "maya", time.Now()); err != nil {
			t.Fatal(err)
		}
		moved("disabling")
		if _, err := st.EnablePerson(ctx, "maya"); err != nil {
			t.Fatal(err)
		}
		moved("enabling")
		if err := st.SetOutOfOffice(ctx, "maya", &domain.OutOfOffice{From: time.Now(), To: time.Now().Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		moved("out of office")
		hours := 20.0
		if _, err := st.SetWeeklyHours(ctx, "maya", &hours); err != nil {
			t.Fatal(err)
		}
		moved("weekly hours")
		mustUpsert(t, st, person("newt", domain.TeamWeb, domain.RoleWeb))
		moved("a new person")
	})
}

// Person, PersonByToken and PersonBySession read a person by hand (rawread.go); the directory's
// list reads them through GORM. Every field, on both: the same person.
func TestPersonReadsAgreeWithTheDirectory(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		walt := person("walt", domain.TeamWeb, domain.RoleAdmin, domain.RoleWeb, domain.RoleCreative)
		walt.Manager, walt.Email = "maya", "walt@example.com"
		nora := person("nora", domain.TeamWeb) // no role
		mustUpsert(t, st, walt, nora)
		o := &domain.OutOfOffice{From: at(time.Hour), To: at(48 * time.Hour), Delegate: "nora"}
		if err := st.SetOutOfOffice(t.Context(), "walt", o); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetWeeklyHours(t.Context(), "walt", ptr(12.5)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.DisablePerson(t.Context(), "wes", at(0)); err != nil {
			t.Fatal(err)
		}
		listed := collect(t, 50, func(o domain.ListOptions) (domain.Page[domain.Person], error) {
			return st.People(t.Context(), domain.PeopleFilter{ListOptions: o})
		})
		if len(listed) < 8 {
			t.Fatalf("the directory lists %d people, want at least 8", len(listed))
		}
		for _, want := range listed {
			got, err := st.Person(t.Context(), want.Handle)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "Person "+want.Handle, got, want)
			if !want.Active() {
				continue
			}
			tok, err := st.CreateToken(t.Context(), want.Handle, "test")
			if err != nil {
				t.Fatal(err)
			}
			got, err = st.PersonByToken(t.Context(), tok)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "PersonByToken "+want.Handle, got, want)
			start := domain.SessionStart{Handle: want.Handle, Method: domain.SignInToken, Token: tok, Idle: time.Hour, Lifetime: 2 * time.Hour}
			id, _, err := st.CreateSession(t.Context(), start, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			got, _, err = st.PersonBySession(t.Context(), id, time.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "PersonBySession "+want.Handle, got, want)
		}
		got, err := st.Person(t.Context(), "walt")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Roles) != 3 || got.OutOfOffice == nil || got.WeeklyHours == nil || *got.WeeklyHours != 12.5 {
			t.Errorf("walt reads back as %+v: want three roles, the window and 12.5 hours", got)
		}
		if got, err := st.Person(t.Context(), "wes"); err != nil || got.DisabledAt == nil {
			t.Errorf("wes reads back as %+v, %v: want disabled", got, err)
		}
	})
}
