package codec

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSecretsSealHidingTheSecretAndOpenOnlyWhereBound(t *testing.T) {
	k := ring(t, "k1")
	s, err := k.Derive("refresh tokens")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "provider-refresh-token-0123456789"
	sealed, err := s.Seal([]byte(secret), []byte("session A"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "k1.") || strings.Contains(sealed, secret) || strings.Contains(sealed, "provider") {
		t.Fatalf("sealed %q: want the key ID and ciphertext only", sealed)
	}
	again, _ := s.Seal([]byte(secret), []byte("session A"))
	if again == sealed {
		t.Error("the same secret sealed twice reads the same: the nonce is not fresh")
	}
	got, err := s.Open(sealed, []byte("session A"))
	if err != nil || string(got) != secret {
		t.Fatalf("open: %q, %v", got, err)
	}
	other, _ := k.Derive("something else")
	for name, open := range map[string]func() ([]byte, error){
		"bound to another session": func() ([]byte, error) { return s.Open(sealed, []byte("session B")) },
		"another purpose's keys":   func() ([]byte, error) { return other.Open(sealed, []byte("session A")) },
		"a key not in the ring":    func() ([]byte, error) { return s.Open("k9"+sealed[2:], []byte("session A")) },
		"altered":                  func() ([]byte, error) { return s.Open(flipMiddle(sealed), []byte("session A")) },
		"not sealed at all":        func() ([]byte, error) { return s.Open(secret, []byte("session A")) },
	} {
		if got, err := open(); !errors.Is(err, ErrUnopenable) || got != nil {
			t.Errorf("%s: opened %q (%v)", name, got, err)
		}
	}
}

func TestSecretsRotateWithTheKeyring(t *testing.T) {
	e1, _ := NewKeyEntry("k1", time.Now())
	e2, _ := NewKeyEntry("k2", time.Now())
	old, err := ParseKeys(e1)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := old.Derive("refresh tokens")
	sealed, err := s1.Seal([]byte("rt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	both, err := ParseKeys(e1 + "\n" + e2)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := both.Derive("refresh tokens")
	if got, err := s2.Open(sealed, nil); err != nil || string(got) != "rt" {
		t.Errorf("an older key's secret: %q, %v", got, err)
	}
	if newer, _ := s2.Seal([]byte("rt"), nil); !strings.HasPrefix(newer, "k2.") {
		t.Errorf("sealed %q: want the newest key, k2", newer)
	}
	// A key taken out of the ring no longer opens what it sealed.
	onlyNew, _ := ParseKeys(e2)
	s3, _ := onlyNew.Derive("refresh tokens")
	if _, err := s3.Open(sealed, nil); !errors.Is(err, ErrUnopenable) {
		t.Errorf("a removed key's secret opened (%v)", err)
	}
}

// flipMiddle changes a character in the middle of a sealed secret to another
// base64url one (the last could carry only padding bits).
func flipMiddle(s string) string {
	i, c := len(s)/2, byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
