package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/domain"
)

// Load reads the policy file at path over the built-in defaults: a key the file
// leaves out keeps its default. An unknown key is an error, so a typo never
// silently leaves a default in force. An empty path means the defaults.
func Load(path string) (domain.Policy, error) {
	p := domain.DefaultPolicy()
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("read policy: %w", err)
	}
	p, err = Parse(b)
	if err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a policy document over the built-in defaults and validates it.
func Parse(b []byte) (domain.Policy, error) {
	p := domain.DefaultPolicy()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return p, err
	}
	return p, p.Validate()
}

// Default returns the built-in policy as YAML, ready to copy and edit.
func Default() []byte {
	var buf bytes.Buffer
	buf.WriteString("# Tandem policy: SLAs, reminders, thresholds and due-date offsets.\n")
	buf.WriteString("# Durations are Go duration strings (30s, 15m, 48h). A running process keeps\n")
	buf.WriteString("# the policy it started with; edits apply to processes started afterwards.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(domain.DefaultPolicy()); err != nil {
		panic(err) // the default policy is a fixed value; failing to encode it is a bug
	}
	return buf.Bytes()
}
