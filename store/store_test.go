package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store/storetest"
)

// One suite, two databases: every test runs on a SQLite file and on a PostgreSQL
// schema of its own, so the two behave the same by construction.
var backends = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", storetest.SQLiteDSN},
	{"postgres", storetest.PostgresDSN},
}

// eachBackend runs test on a fresh, migrated store per database.
func eachBackend(t *testing.T, test func(t *testing.T, st *Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, openStore(t, b.dsn(t)))
		})
	}
}

// eachDSN runs test with the DSN of a fresh, empty database per backend, for tests
// that open their own stores.
func eachDSN(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.dsn(t))
		})
	}
}

func openStore(t testing.TB, dsn string) *Store {
	t.Helper()
	st, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}

// t0 has microseconds, so a store that dropped sub-second precision would show.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

func mustApply(t testing.TB, st *Store, b domain.Batch) {
	t.Helper()
	if err := st.Apply(t.Context(), b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func mustUpsert(t testing.TB, st *Store, people ...domain.Person) {
	t.Helper()
	for _, p := range people {
		if err := st.UpsertPerson(t.Context(), p); err != nil {
			t.Fatalf("UpsertPerson %s: %v", p.Handle, err)
		}
	}
}

func person(handle string, team domain.Team, roles ...domain.Role) domain.Person {
	return domain.Person{Handle: handle, Name: strings.ToUpper(handle[:1]) + handle[1:], Email: handle + "@example.com", Team: team, Roles: roles}
}

func newTask(id string, created time.Time) domain.Task {
	return domain.Task{
		ID: id, Process: domain.ProcessCampaign, ProcessID: "cmp_000000000001", WorkflowID: "campaign/cmp_000000000001",
		Kind: domain.KindWork, Key: "deliverable:" + id, Title: "Task " + id, Team: domain.TeamCreative,
		Role: domain.RoleCreative, Status: domain.TaskOpen, DueAt: created.Add(72 * time.Hour),
		CreatedAt: created, UpdatedAt: created,
	}
}

func newCampaign(id, pm, mops string, status domain.Status, created time.Time) domain.Campaign {
	return domain.Campaign{
		ID: id, WorkflowID: "campaign/" + id,
		Brief: domain.Brief{
			Name: "Spring launch " + id, Objective: "Grow sign-ups", Audience: "SMB owners",
			Channels: []domain.Channel{domain.ChannelEmail, domain.ChannelPaidSearch},
			Budget:   domain.Money{Amount: 25000.5, Currency: "EUR"}, LaunchAt: created.Add(30 * 24 * time.Hour),
			TrackingWindow: domain.Duration(336 * time.Hour),
			KPIs:           []domain.KPI{{Name: "signups", Target: 1200, Unit: "count", Direction: domain.Higher}},
			ProjectManager: pm, MarketingOpsManager: mops, Regulated: true,
		},
		Status: status, Stage: domain.StageProduction, RequestedBy: pm,
		CreatedAt: created, UpdatedAt: created.Add(time.Hour),
	}
}

// collect pages through a list with the given page size and returns every item,
// failing on a page over the limit or a cursor on an empty page.
func collect[T any](t *testing.T, limit int, list func(domain.ListOptions) (domain.Page[T], error)) []T {
	t.Helper()
	var all []T
	o := domain.ListOptions{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		p, err := list(o)
		if err != nil {
			t.Fatalf("list page %d: %v", pages, err)
		}
		if len(p.Items) > limit {
			t.Fatalf("page %d has %d items, limit %d", pages, len(p.Items), limit)
		}
		if p.NextCursor != "" && len(p.Items) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", pages)
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all
		}
		o.Cursor = p.NextCursor
	}
}

// dump reads a whole table as text, one line per row, in the given order, so two
// states of the database can be compared exactly.
func dump(t testing.TB, st *Store, table, order string) []string {
	t.Helper()
	rows, err := st.db.WithContext(t.Context()).Raw("SELECT * FROM " + table + " ORDER BY " + order).Rows()
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		fields := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				fields[i] = cols[i] + "=" + string(v)
			case time.Time:
				fields[i] = cols[i] + "=" + v.UTC().Format(time.RFC3339Nano)
			default:
				fields[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
		}
		out = append(out, strings.Join(fields, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	return out
}

func count(t testing.TB, st *Store, table string) int {
	t.Helper()
	var n int64
	if err := st.db.WithContext(t.Context()).Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func wantErr(t testing.TB, err, kind error, what string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got error %v, want %v", what, err, kind)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func taskID(t domain.Task) string         { return t.ID }
func campaignID(c domain.Campaign) string { return c.ID }

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func TestMigrateTwice(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{newTask("tsk_a", t0)}})
		before := catalogOf(t, st)
		for range 2 {
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		if d := catalogOf(t, st).diff(before, nil); d != "" {
			t.Errorf("migrating again changed the schema:\n%s", d)
		}
		// The data survives and the store still works.
		if _, err := st.Task(t.Context(), "tsk_a"); err != nil {
			t.Fatalf("Task after migrating again: %v", err)
		}
		mustApply(t, st, domain.Batch{Tasks: []domain.Task{newTask("tsk_b", t0)}})
	})
}

func TestMigrateConcurrently(t *testing.T) {
	// An API and a worker starting together both migrate one fresh database.
	eachDSN(t, func(t *testing.T, dsn string) {
		stores := make([]*Store, 3)
		for i := range stores {
			st, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = st.Close() })
			stores[i] = st
		}
		errs := make(chan error, len(stores))
		for _, st := range stores {
			go func() { errs <- st.Migrate(t.Context()) }()
		}
		for range stores {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Migrate: %v", err)
			}
		}
	})
}

func TestOpenAndPing(t *testing.T) {
	st := openStore(t, ":memory:")
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// A ":memory:" database lives as long as its one connection: a write is still
	// there on the next call.
	mustApply(t, st, domain.Batch{Tasks: []domain.Task{newTask("tsk_mem", t0)}})
	if _, err := st.Task(t.Context(), "tsk_mem"); err != nil {
		t.Fatalf("Task on :memory: %v", err)
	}

	st2 := openStore(t, "sqlite:"+storetest.SQLiteDSN(t))
	var mode string
	if err := st2.db.Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil || !strings.EqualFold(mode, "wal") {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	var fk int
	if err := st2.db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
	var sync int
	if err := st2.db.Raw("PRAGMA synchronous").Scan(&sync).Error; err != nil || sync != 1 {
		t.Errorf("synchronous = %d (%v), want 1 (NORMAL)", sync, err)
	}
	for name, db := range map[string]*gorm.DB{"writer": st2.db, "reads": st2.reads} {
		var temp int
		if err := db.Raw("PRAGMA temp_store").Scan(&temp).Error; err != nil || temp != 2 {
			t.Errorf("%s: temp_store = %d (%v), want 2 (MEMORY)", name, temp, err)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	for _, tc := range []struct{ in, path string }{
		{"/data/tandem.db", "/data/tandem.db"},
		{"sqlite:/data/tandem.db", "/data/tandem.db"},
		{"sqlite:///data/tandem.db", "/data/tandem.db"},
		{":memory:", ":memory:"},
	} {
		got, err := sqliteDSN(tc.in)
		if err != nil {
			t.Fatalf("sqliteDSN(%q): %v", tc.in, err)
		}
		path, query, _ := strings.Cut(got, "?")
		if path != tc.path {
			t.Errorf("sqliteDSN(%q) path = %q, want %q", tc.in, path, tc.path)
		}
		for _, want := range []string{"journal_mode%28WAL%29", "busy_timeout%285000%29", "foreign_keys%281%29", "synchronous%28NORMAL%29", "_txlock=immediate"} {
			if !strings.Contains(query, want) {
				t.Errorf("sqliteDSN(%q) = %q, missing %s", tc.in, got, want)
			}
		}
	}
	// The caller's own settings win.
	got, err := sqliteDSN("/x.db?_pragma=busy_timeout(100)&_txlock=deferred")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "busy_timeout%285000%29") || !strings.Contains(got, "_txlock=deferred") || strings.Contains(got, "immediate") {
		t.Errorf("caller's settings overridden: %s", got)
	}
	// A caller who wants every commit synced says so.
	if got, err := sqliteDSN("/x.db?_pragma=synchronous(FULL)"); err != nil || strings.Contains(got, "NORMAL") || !strings.Contains(got, "synchronous%28FULL%29") {
		t.Errorf("caller's synchronous(FULL) overridden: %s (%v)", got, err)
	}
	// The read pool's DSN: the same file and settings, query_only, deferred
	// transactions, and no journal mode of its own.
	rd := sqliteReadDSN(got)
	if path, _, _ := strings.Cut(rd, "?"); path != "/x.db" {
		t.Errorf("read DSN path = %q, want /x.db", path)
	}
	for _, want := range []string{"query_only%281%29", "_txlock=deferred", "busy_timeout%28100%29", "_time_format=sqlite"} {
		if !strings.Contains(rd, want) {
			t.Errorf("read DSN %q missing %s", rd, want)
		}
	}
	if strings.Contains(rd, "journal_mode") || strings.Contains(rd, "immediate") {
		t.Errorf("read DSN %q sets a journal mode or immediate transactions", rd)
	}
	if _, err := sqliteDSN("sqlite:"); err == nil {
		t.Error("empty path accepted")
	}
}

func TestPostgresUnreachableIsUnavailable(t *testing.T) {
	// Nothing listens on port 1: Open must say the database is unavailable (503),
	// not fail with an anonymous error.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	wantErr(t, err, domain.ErrUnavailable, "Open on a closed port")
}

func TestBadCursor(t *testing.T) {
	eachBackend(t, func(t *testing.T, st *Store) {
		for _, c := range []string{"%%%", "bm90IGpzb24", (cursor{Seq: 3}).encode()} {
			_, err := st.Tasks(t.Context(), domain.TaskFilter{ListOptions: domain.ListOptions{Cursor: c}})
			wantErr(t, err, domain.ErrBadCursor, "Tasks with cursor "+c)
		}
		_, err := st.Notifications(t.Context(), "pat", domain.ListOptions{Cursor: (cursor{ID: "x"}).encode()})
		wantErr(t, err, domain.ErrBadCursor, "Notifications with a task cursor")
		_, err = st.People(t.Context(), domain.PeopleFilter{ListOptions: domain.ListOptions{Cursor: "!"}})
		wantErr(t, err, domain.ErrBadCursor, "People with a bad cursor")
	})
}

// A cursor is the client's to send back, so it is input like any other: every
// field a crafted one may hold, out of range or of the wrong kind, is refused as a
// bad cursor, never passed to the database (which answered 500).
func TestCraftedCursors(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	lists := map[string]func(*Store, context.Context, string) error{
		"tasks": func(st *Store, ctx context.Context, c string) error {
			_, err := st.Tasks(ctx, domain.TaskFilter{ListOptions: domain.ListOptions{Cursor: c}})
			return err
		},
		"campaigns": func(st *Store, ctx context.Context, c string) error {
			_, err := st.Campaigns(ctx, domain.CampaignFilter{ListOptions: domain.ListOptions{Cursor: c}})
			return err
		},
		"hiring": func(st *Store, ctx context.Context, c string) error {
			_, err := st.HiringRequests(ctx, domain.HiringFilter{ListOptions: domain.ListOptions{Cursor: c}})
			return err
		},
		"risks": func(st *Store, ctx context.Context, c string) error {
			_, err := st.Risks(ctx, domain.RiskFilter{ListOptions: domain.ListOptions{Cursor: c}})
			return err
		},
		"people": func(st *Store, ctx context.Context, c string) error {
			_, err := st.People(ctx, domain.PeopleFilter{ListOptions: domain.ListOptions{Cursor: c}})
			return err
		},
		"notifications": func(st *Store, ctx context.Context, c string) error {
			_, err := st.Notifications(ctx, "pat", domain.ListOptions{Cursor: c})
			return err
		},
	}
	created := []string{"tasks", "campaigns", "hiring", "risks"}
	crafted := []struct {
		json  string
		lists []string
	}{
		{`{"n":9223372036854775808}`, []string{"notifications"}},
		{`{"n":18446744073709551615}`, []string{"notifications"}},
		{`{"n":18446744073709551616}`, []string{"notifications"}},
		{`{"n":-1}`, []string{"notifications"}},
		{`{"n":1.5}`, []string{"notifications"}},
		{`{"n":"1"}`, []string{"notifications"}},
		{`{"n":0}`, []string{"notifications"}},
		{`{"n":1,"id":"x"}`, []string{"notifications"}},
		{`{"n":1,"x":1}`, []string{"notifications"}},
		{`{"n":1}{"n":2}`, []string{"notifications"}},
		{`{"id":"a\u0000b"}`, []string{"people"}},
		{`{"id":"a\u001bb"}`, []string{"people"}},
		{`{"id":"` + strings.Repeat("a", 300) + `"}`, []string{"people"}},
		{`{"id":""}`, []string{"people"}},
		{`{"id":7}`, []string{"people"}},
		{`{"id":"ada","t":"2026-01-01T00:00:00Z"}`, []string{"people"}},
		{`{"t":"2026-01-01T00:00:00Z","id":"a\u0000"}`, created},
		{`{"t":"0000-01-01T00:00:00Z","id":"a"}`, created},
		{`{"t":"0001-01-01T00:00:00+23:59","id":"a"}`, created},
		{`{"t":"9999-12-31T23:59:59-23:59","id":"a"}`, created},
		{`{"t":"2026-13-01T00:00:00Z","id":"a"}`, created},
		{`{"t":"yesterday","id":"a"}`, created},
		{`{"id":"a"}`, created},
		{`{"t":"2026-01-01T00:00:00Z"}`, created},
		{`{"t":"2026-01-01T00:00:00Z","id":"a","n":1}`, created},
		{`null`, append([]string{"people", "notifications"}, created...)},
		{`[]`, append([]string{"people", "notifications"}, created...)},
		{`{}`, append([]string{"people", "notifications"}, created...)},
	}
	eachBackend(t, func(t *testing.T, st *Store) {
		for _, tc := range crafted {
			for _, name := range tc.lists {
				if err := lists[name](st, t.Context(), b64(tc.json)); !errors.Is(err, domain.ErrBadCursor) {
					t.Errorf("%s with cursor %s: got error %v, want %v", name, tc.json, err, domain.ErrBadCursor)
				}
			}
		}
		// The cursors the lists make still work, at the edges of their ranges.
		for _, tc := range []struct{ json, list string }{
			{`{"n":9223372036854775807}`, "notifications"},
			{`{"id":"` + strings.Repeat("a", 128) + `"}`, "people"},
			{`{"t":"0001-01-01T00:00:01Z","id":"a"}`, "tasks"},
			{`{"t":"9999-12-31T23:59:59.999999Z","id":"tsk_zzz"}`, "tasks"},
		} {
			if err := lists[tc.list](st, t.Context(), b64(tc.json)); err != nil {
				t.Errorf("%s with cursor %s: %v", tc.list, tc.json, err)
			}
		}
	})
}

// sortedTasks orders tasks the way the store pages them: by (created_at, id).
func sortedTasks(ts []domain.Task) []domain.Task {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b domain.Task) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
