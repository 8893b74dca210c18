package codec

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Secrets seals small secrets Tandem keeps outside Temporal for later use (an
// identity provider's refresh token, kept with a board session), with AES-256-GCM
// under keys derived from the payload keyring for that one purpose: whoever
// holds the payload keys can open them, and neither key opens what the other
// sealed. Keys rotate with the keyring: the newest seals, every one still in the
// ring opens what it sealed.
type Secrets struct{ ring *Keyring }

// ErrUnopenable is a sealed secret that cannot be opened: sealed by a key no
// longer in the ring, bound to something else, or altered.
var ErrUnopenable = errors.New("the sealed secret cannot be opened")

// Derive returns the keys for purpose, one derived (HKDF-SHA256) from each key of
// the ring under the same ID, so that a secret sealed for one purpose is not
// opened for another, nor mistaken for a payload.
func (k *Keyring) Derive(purpose string) (*Secrets, error) {
	d := &Keyring{newest: k.newest, aeads: map[string]cipher.AEAD{}}
	for id, raw := range k.raw {
		key, err := hkdf.Key(sha256.New, raw, nil, "tandem secrets: "+purpose, KeySize)
		if err != nil {
			return nil, fmt.Errorf("derive key %s: %w", id, err)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("derive key %s: %w", id, err)
		}
		d.aeads[id] = aead
	}
	return &Secrets{ring: d}, nil
}

// Seal encrypts plain, bound to ad (what it belongs to, which Open must be given
// again), and returns text to store: "<key ID>.<base64url of nonce and
// ciphertext>".
func (s *Secrets) Seal(plain, ad []byte) (string, error) {
	id := s.ring.newest
	aead := s.ring.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, plain, boundTo(id, ad))
	return id + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts what Seal returned for the same ad; anything else is
// ErrUnopenable.
func (s *Secrets) Open(sealed string, ad []byte) ([]byte, error) {
	id, text, ok := strings.Cut(sealed, ".")
	aead := s.ring.aeads[id]
	if !ok || aead == nil {
		return nil, ErrUnopenable
	}
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, ErrUnopenable
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], boundTo(id, ad))
	if err != nil {
		return nil, ErrUnopenable
	}
	return plain, nil
}

// boundTo is the authenticated data of a secret: its key ID (so a ciphertext
// relabelled with another ID fails) and what it belongs to, length-prefixed.
func boundTo(id string, ad []byte) []byte {
	return fmt.Appendf(nil, "%d:%s%s", len(id), id, ad)
}
