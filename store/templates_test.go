package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

// storedTemplate is version v of template key as the API hands it to the
// store; title changes the document, so two titles are two documents.
func storedTemplate(key string, v int, title string) domain.StoredTemplate {
	return domain.StoredTemplate{
		Key: key, Version: v, Name: title, Description: "About " + title, Stages: 2,
		Document:  json.RawMessage(fmt.Sprintf(`{"key": %q, "version": %d, "name": %q, "stages": [{"key": "a"}, {"key": "b"}]}`, key, v, title)),
		Source:    fmt.Sprintf("# the author's comment\nkey: %s\nversion: %d\nname: %s\n", key, v, title),
		CreatedBy: "mo", CreatedAt: t0,
	}
}

func mustCreateTemplate(t *testing.T, st *Store, tpl domain.StoredTemplate) domain.StoredTemplate {
	t.Helper()
	got, created, err := st.CreateTemplate(t.Context(), tpl)
	if err != nil || !created {
		t.Fatalf("CreateTemplate %s v%d = created %v, %v", tpl.Key, tpl.Version, created, err)
	}
	return got
}

func wantConflict(t *testing.T, err error, says string) {
	t.Helper()
	if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), says) {
		t.Errorf("error = %v, want a conflict saying %q", err, says)
	}
}

func TestTemplateVersionsCountFromOnePerKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		v1 := storedTemplate("webinar", 1, "Webinar")
		got := mustCreateTemplate(t, st, v1)
		if got.Version != 1 || got.Source != v1.Source || got.CreatedBy != "mo" || !got.CreatedAt.Equal(t0) || got.Retired() {
			t.Errorf("created = %+v", got)
		}
		mustCreateTemplate(t, st, storedTemplate("webinar", 2, "Webinar, longer"))
		mustCreateTemplate(t, st, storedTemplate("trade-show", 1, "Trade show"))

		// A version that is not the next is refused, naming the next.
		_, _, err := st.CreateTemplate(ctx, storedTemplate("webinar", 2, "Webinar, edited meanwhile"))
		wantConflict(t, err, "template webinar is at version 2: the next version is 3, not 2")
		_, _, err = st.CreateTemplate(ctx, storedTemplate("webinar", 4, "Webinar"))
		wantConflict(t, err, "the next version is 3, not 4")
		_, _, err = st.CreateTemplate(ctx, storedTemplate("launch", 2, "Launch"))
		wantConflict(t, err, "template launch is new: its first version is 1, not 2")

		// The same document as the latest version again is no new version.
		again, created, err := st.CreateTemplate(ctx, storedTemplate("webinar", 2, "Webinar, longer"))
		if err != nil || created || again.Version != 2 || again.Name != "Webinar, longer" {
			t.Errorf("the latest again = %+v, created %v, %v; want version 2, not created", again, created, err)
		}

		latest, err := st.Template(ctx, "webinar", 0)
		if err != nil || latest.Version != 2 || latest.Name != "Webinar, longer" || latest.Stages != 2 || latest.Description != "About Webinar, longer" {
			t.Fatalf("latest = %+v, %v", latest, err)
		}
		// The document comes back as the same JSON, the source as sent.
		if !sameJSON(latest.Document, storedTemplate("webinar", 2, "Webinar, longer").Document) || !strings.HasPrefix(latest.Source, "# the author's comment\n") {
			t.Errorf("document %s, source %q", latest.Document, latest.Source)
		}
		first, err := st.Template(ctx, "webinar", 1)
		if err != nil || first.Version != 1 || first.Name != "Webinar" {
			t.Errorf("version 1 = %+v, %v", first, err)
		}
		for _, c := range []struct {
			key string
			v   int
		}{{"webinar", 3}, {"nope", 0}, {"nope", 1}} {
			if _, err := st.Template(ctx, c.key, c.v); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Template(%s, %d) = %v, want not found", c.key, c.v, err)
			}
		}

		list, err := st.Templates(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Key != "trade-show" || list[0].Version != 1 || list[1].Key != "webinar" || list[1].Version != 2 {
			t.Fatalf("list = %+v, want trade-show v1 and webinar v2, by key", list)
		}
		// A list carries no documents: they may be a megabyte each.
		if list[1].Document != nil || list[1].Source != "" || list[1].Name != "Webinar, longer" || list[1].Stages != 2 || list[1].CreatedBy != "mo" {
			t.Errorf("listed = %+v", list[1])
		}
	})
}

func TestRetiringATemplateRetiresEveryVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		ctx := t.Context()
		mustCreateTemplate(t, st, storedTemplate("webinar", 1, "Webinar"))
		mustCreateTemplate(t, st, storedTemplate("webinar", 2, "Webinar 2"))
		mustCreateTemplate(t, st, storedTemplate("trade-show", 1, "Trade show"))

		at := t0.Add(time.Hour)
		got, err := st.RetireTemplate(ctx, "webinar", "ada", at)
		if err != nil || got.Version != 2 || !got.Retired() || !got.RetiredAt.Equal(at) || got.RetiredBy != "ada" {
			t.Fatalf("RetireTemplate = %+v, %v", got, err)
		}
		for v := 1; v <= 2; v++ {
			if tpl, err := st.Template(ctx, "webinar", v); err != nil || !tpl.Retired() || tpl.RetiredBy != "ada" {
				t.Errorf("version %d after retiring = %+v, %v", v, tpl, err)
			}
		}
		// Retiring again keeps the first retirement.
		again, err := st.RetireTemplate(ctx, "webinar", "mo", at.Add(time.Hour))
		if err != nil || !again.RetiredAt.Equal(at) || again.RetiredBy != "ada" {
			t.Errorf("retired again = %+v, %v", again, err)
		}
		if _, err := st.RetireTemplate(ctx, "nope", "ada", at); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("retire an unknown template: %v", err)
		}

		list, err := st.Templates(ctx, false)
		if err != nil || len(list) != 1 || list[0].Key != "trade-show" {
			t.Errorf("list without the retired = %+v, %v", list, err)
		}
		all, err := st.Templates(ctx, true)
		if err != nil || len(all) != 2 || all[1].Key != "webinar" || !all[1].Retired() || all[1].Version != 2 {
			t.Errorf("list with the retired = %+v, %v", all, err)
		}

		// The retired document again is refused: it is no longer startable,
		// and saying "unchanged" would hide that.
		_, _, err = st.CreateTemplate(ctx, storedTemplate("webinar", 2, "Webinar 2"))
		wantConflict(t, err, "template webinar version 2 is retired: publish it again as version 3")
		// A new version brings the template back; the old ones stay retired.
		back := mustCreateTemplate(t, st, storedTemplate("webinar", 3, "Webinar 2"))
		if back.Retired() {
			t.Errorf("the new version is retired: %+v", back)
		}
		if list, err := st.Templates(ctx, false); err != nil || len(list) != 2 || list[1].Version != 3 {
			t.Errorf("list after the new version = %+v, %v", list, err)
		}
		if v2, err := st.Template(ctx, "webinar", 2); err != nil || !v2.Retired() {
			t.Errorf("version 2 after version 3 = %+v, %v", v2, err)
		}
	})
}

// Writers of the same version at once, on separate connections: one stores
// it; the others, with another document, get a conflict, and with the same
// document get that version back; never a duplicate version or a database
// error.
func TestConcurrentTemplateVersionsNeverDuplicate(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		st := openStore(t, dsn)
		mustCreateTemplate(t, st, storedTemplate("webinar", 1, "Webinar"))
		const writers = 8
		stores := make([]*Store, writers)
		for i := range stores {
			stores[i] = openStore(t, dsn)
		}
		type result struct {
			created bool
			err     error
		}
		results := make([]result, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			// Half send one document, half another.
			title := []string{"Webinar A", "Webinar B"}[i%2]
			wg.Go(func() {
				<-start
				_, created, err := stores[i].CreateTemplate(t.Context(), storedTemplate("webinar", 2, title))
				results[i] = result{created, err}
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for i, r := range results {
			switch {
			case r.created:
				created++
			case r.err == nil, errors.Is(r.err, domain.ErrConflict):
			default:
				t.Errorf("writer %d: %v, want created, unchanged or a conflict", i, r.err)
			}
		}
		if created != 1 {
			t.Errorf("%d writers created version 2, want 1: %+v", created, results)
		}
		latest, err := st.Template(t.Context(), "webinar", 0)
		if err != nil || latest.Version != 2 {
			t.Fatalf("latest = %+v, %v", latest, err)
		}
		// Those with the winner's document were told it is stored, the others
		// that it is not theirs.
		for i, r := range results {
			same := []string{"Webinar A", "Webinar B"}[i%2] == latest.Name
			if !r.created && same != (r.err == nil) {
				t.Errorf("writer %d (same document as the winner: %v): %v", i, same, r.err)
			}
		}
	})
}

func TestCreateTemplateRefusesWhatIsNotATemplate(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		bad := storedTemplate("webinar", 1, "Webinar")
		bad.Document = json.RawMessage(`{"key": `)
		if _, _, err := st.CreateTemplate(t.Context(), bad); err == nil {
			t.Error("a document that is not JSON was stored")
		}
		noAuthor := storedTemplate("webinar", 1, "Webinar")
		noAuthor.CreatedBy = ""
		if _, _, err := st.CreateTemplate(t.Context(), noAuthor); err == nil {
			t.Error("a template without an author was stored")
		}
		if _, err := st.Template(t.Context(), "webinar", 0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("something was stored: %v", err)
		}
	})
}
