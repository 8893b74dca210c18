package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// testSealer is AES-256-GCM under a random key, as codec.Secrets is (the
// store's tests do not link the codec, which brings the Temporal SDK).
type testSealer struct{ aead cipher.AEAD }

func newTestSealer(t *testing.T) testSealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return testSealer{aead}
}

func (s testSealer) Seal(plain, ad []byte) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, ad)), nil
}

func (s testSealer) Open(sealed string, ad []byte) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errors.New("not sealed")
	}
	return s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], ad)
}

// storedRefresh is what the database holds of a session's refresh token.
func storedRefresh(t *testing.T, st *Store, id string) *string {
	t.Helper()
	var row sessionRow
	if err := st.db.Where("hash = ?", hashToken(id)).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.RefreshSealed
}

func TestSessionsKeepTheProvidersRefreshTokenSealed(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		seedPeople(t, st)
		ctx := t.Context()
		const token = "provider-refresh-token-0123456789"
		start := domain.SessionStart{Handle: "maya", Method: domain.SignInOIDC, Idle: 12 * time.Hour, Lifetime: 7 * 24 * time.Hour,
			Refresh: token, Recheck: 15 * time.Minute}

		// Without keys, no refresh token is kept, and no session starts.
		if _, _, err := st.CreateSession(ctx, start, t0); err == nil || !strings.Contains(err.Error(), "no key to seal") {
			t.Fatalf("a refresh token without keys: %v", err)
		}
		st.SealSecretsWith(newTestSealer(t))

		id, s, err := st.CreateSession(ctx, start, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !s.RecheckAt.Equal(at(15 * time.Minute)) {
			t.Errorf("first re-check at %s, want +15m", s.RecheckAt)
		}
		sealed := storedRefresh(t, st, id)
		if sealed == nil || *sealed == "" || strings.Contains(*sealed, token) || strings.Contains(*sealed, "provider") {
			t.Fatalf("the column holds %v: want the token sealed", sealed)
		}
		// Nothing in the row holds the token in clear, whatever the column.
		var n int64
		if err := st.db.Model(&sessionRow{}).Where("refresh_sealed LIKE ? OR hash LIKE ? OR method LIKE ?", "%"+token+"%", "%"+token+"%", "%"+token+"%").Count(&n).Error; err != nil || n != 0 {
			t.Errorf("the token is in clear in %d rows (%v)", n, err)
		}
		_, resolved, err := st.PersonBySession(ctx, id, at(time.Minute), 12*time.Hour)
		if err != nil || !resolved.RecheckAt.Equal(at(15*time.Minute)) {
			t.Errorf("resolved with re-check at %s (%v), want +15m", resolved.RecheckAt, err)
		}

		// Not due yet: nothing to claim, nothing changed.
		if got, claimed, err := st.ClaimRecheck(ctx, id, at(14*time.Minute), at(15*time.Minute)); got != "" || claimed || err != nil {
			t.Errorf("claimed before due: %q %v %v", got, claimed, err)
		}
		// Due: one caller gets the token and moves the re-check on; a second
		// at the same moment gets nothing (it must not spend the token again).
		got, claimed, err := st.ClaimRecheck(ctx, id, at(15*time.Minute), at(16*time.Minute))
		if got != token || !claimed || err != nil {
			t.Fatalf("due: %q %v %v", got, claimed, err)
		}
		if got, claimed, err := st.ClaimRecheck(ctx, id, at(15*time.Minute), at(16*time.Minute)); got != "" || claimed || err != nil {
			t.Errorf("claimed twice: %q %v %v", got, claimed, err)
		}
		// The provider answered with a new token: it replaces the old, sealed.
		const rotated = "provider-refresh-token-rotated"
		if err := st.Rechecked(ctx, id, rotated, at(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if s := storedRefresh(t, st, id); s == nil || strings.Contains(*s, rotated) || *s == *sealed {
			t.Errorf("after rotation the column holds %v", s)
		}
		if got, _, err := st.ClaimRecheck(ctx, id, at(29*time.Minute), at(31*time.Minute)); got != "" || err != nil {
			t.Errorf("claimed before the new due time: %q %v", got, err)
		}
		if got, claimed, err := st.ClaimRecheck(ctx, id, at(30*time.Minute), at(31*time.Minute)); got != rotated || !claimed || err != nil {
			t.Errorf("the rotated token: %q %v %v", got, claimed, err)
		}
		// An answer without a new token keeps the one there.
		if err := st.Rechecked(ctx, id, "", at(45*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := st.ClaimRecheck(ctx, id, at(45*time.Minute), at(46*time.Minute)); got != rotated {
			t.Errorf("kept token: %q", got)
		}

		// A sealed token copied into another session's row does not open
		// there: that session's re-check is dropped and it is told to end.
		other, _, err := st.CreateSession(ctx, start, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.db.Model(&sessionRow{}).Where("hash = ?", hashToken(other)).Update("refresh_sealed", *storedRefresh(t, st, id)).Error; err != nil {
			t.Fatal(err)
		}
		if got, claimed, err := st.ClaimRecheck(ctx, other, at(15*time.Minute), at(16*time.Minute)); got != "" || !claimed || !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a token copied from another session: %q %v %v", got, claimed, err)
		}
		if s := storedRefresh(t, st, other); s != nil {
			t.Errorf("the unopenable token stays: %v", s)
		}

		// A session without a refresh token, or revoked, is never claimed.
		plain, _, err := st.CreateSession(ctx, domain.SessionStart{Handle: "maya", Method: domain.SignInOIDC, Idle: time.Hour, Lifetime: 2 * time.Hour}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, claimed, err := st.ClaimRecheck(ctx, plain, at(time.Hour), at(2*time.Hour)); got != "" || claimed || err != nil {
			t.Errorf("a session without a refresh token: %q %v %v", got, claimed, err)
		}
		if _, err := st.RevokeSessions(ctx, "maya", at(50*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, claimed, err := st.ClaimRecheck(ctx, id, at(time.Hour), at(2*time.Hour)); got != "" || claimed || err != nil {
			t.Errorf("a revoked session: %q %v %v", got, claimed, err)
		}
		if err := st.DeleteSession(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := st.Rechecked(ctx, id, "", at(time.Hour)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("recording the re-check of an ended session: %v", err)
		}
	})
}
