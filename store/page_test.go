package store

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/tandemhq/tandem/domain"
)

// FuzzCursor sends arbitrary text as the cursor of every list, on both databases:
// the answer is a page or domain.ErrBadCursor, never another error (which the API
// answers 500). What the decoder lets through is what reaches the database, so the
// check runs the real queries.
func FuzzCursor(f *testing.F) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"", "%%%", b64(`{"n":9223372036854775808}`), b64(`{"n":9223372036854775807}`), b64(`{"n":-1}`),
		b64(`{"id":"a\u0000b"}`), b64(`{"t":"2026-01-01T00:00:00Z","id":"tsk_a"}`), b64(`{"t":"0000-01-01T00:00:00Z","id":"a"}`),
		b64(`{"t":"9999-12-31T23:59:59.999999999-23:59","id":"a"}`), b64(`{"id":"\xff"}`), b64(`null`),
	} {
		f.Add(s)
	}
	var stores []*Store
	for _, b := range backends {
		stores = append(stores, openStore(f, b.dsn(f)))
	}
	f.Fuzz(func(t *testing.T, c string) {
		for _, st := range stores {
			for name, list := range map[string]func() error{
				"tasks": func() error {
					_, err := st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Cursor: c}})
					return err
				},
				"people": func() error {
					_, err := st.People(t.Context(), domain.PeopleFilter{ListOptions: domain.ListOptions{Cursor: c}})
					return err
				},
				"notifications": func() error {
					_, err := st.Notifications(t.Context(), "pat", domain.ListOptions{Cursor: c})
					return err
				},
			} {
				if err := list(); err != nil && !errors.Is(err, domain.ErrBadCursor) {
					t.Fatalf("%s with cursor %q: %v, want a page or a bad cursor", name, c, err)
				}
			}
		}
	})
}
