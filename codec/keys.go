package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// keyIDPattern keeps key IDs short and printable: they travel in clear metadata
// of every payload.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keyring holds the keys payloads are sealed and opened with. The newest key
// seals; every key opens what it sealed.
type Keyring struct {
	newest string
	aeads  map[string]cipher.AEAD
	// raw keeps each key's bytes, for the keys derived from it (Derive).
	raw map[string][]byte
}

// ParseKeys reads a keyring from text: one key per entry, "<id> <base64 key>",
// entries on lines of their own or separated by commas (an environment variable
// is easier to set on one line); blank entries and lines starting with "#" are
// ignored. The last entry is the newest. The error never quotes key material.
func ParseKeys(text string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, raw: map[string][]byte{}}
	var entries []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			entries = append(entries, strings.Split(line, ",")...)
		}
	}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		id, encoded, ok := strings.Cut(e, " ")
		if !ok {
			return nil, fmt.Errorf("key entry %d: want \"<id> <base64 key>\"", i+1)
		}
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("key entry %d: the ID must be 1 to 64 letters, digits, '.', '_' or '-'", i+1)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("key entry %d: key ID %s appears twice", i+1, id)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("key %s: want %d bytes in standard base64", id, KeySize)
		}
		aead, err := newAEAD(raw)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", id, err)
		}
		k.aeads[id], k.raw[id], k.newest = aead, raw, id
	}
	if k.newest == "" {
		return nil, errors.New("no key: the keyring is empty")
	}
	return k, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// LoadKeys reads the keyring from keys when it is set (the content itself,
// typically $TANDEM_CODEC_KEYS), else from the file at path.
func LoadKeys(keys, path string) (*Keyring, error) {
	if strings.TrimSpace(keys) != "" {
		k, err := ParseKeys(keys)
		if err != nil {
			return nil, fmt.Errorf("payload keys: %w", err)
		}
		return k, nil
	}
	if path == "" {
		return nil, errors.New("payload keys: none configured; set $TANDEM_CODEC_KEYS or a key file (tandem codec new-key makes one)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("payload keys: %w", err)
	}
	k, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("payload keys in %s: %w", path, err)
	}
	return k, nil
}

// Newest is the ID of the key new payloads are sealed with.
func (k *Keyring) Newest() string { return k.newest }

// NewKeyEntry makes a random key and returns its keyring entry. An empty id
// becomes one named for today, so entries appended over time sort by age.
func NewKeyEntry(id string, now time.Time) (string, error) {
	if id == "" {
		id = "k" + now.UTC().Format("20060102")
	}
	if !keyIDPattern.MatchString(id) {
		return "", errors.New("the key ID must be 1 to 64 letters, digits, '.', '_' or '-'")
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return id + " " + base64.StdEncoding.EncodeToString(raw), nil
}
