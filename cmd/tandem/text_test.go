package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/api"
	"github.com/tandemhq/tandem/domain"
	"github.com/tandemhq/tandem/store"
	"github.com/tandemhq/tandem/store/storetest"
)

// recordingTemporal is a Temporal that records what it was asked and does nothing.
type recordingTemporal struct {
	mu    sync.Mutex
	calls []string
}

func (r *recordingTemporal) record(what string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, what)
	return nil
}
func (r *recordingTemporal) Start(_ context.Context, req api.StartRequest) error {
	return r.record("start " + req.WorkflowID)
}
func (r *recordingTemporal) Update(_ context.Context, u api.UpdateRequest, _ any) (string, error) {
	return "run-1", r.record("update " + u.WorkflowID + " " + u.Name)
}
func (r *recordingTemporal) Query(context.Context, string, string, any) error { return nil }
func (r *recordingTemporal) CheckHealth(context.Context) error                { return nil }
func (r *recordingTemporal) Workers(context.Context) (int, error)             { return 1, nil }

// The API over the real store, on SQLite and PostgreSQL: text with a NUL or bytes
// that are not UTF-8, in a body, a query, a path or the Idempotency-Key, answers
// 4xx and stores nothing. PostgreSQL refused each of them with a 500 before.
func TestControlCharactersNeverReachTheDatabase(t *testing.T) {
	for _, dsn := range map[string]func(testing.TB) string{"sqlite": storetest.SQLiteDSN, "postgres": storetest.PostgresDSN} {
		ctx := context.Background()
		st, err := store.Open(ctx, dsn(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		tokens, err := store.SeedDemo(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		tmp := &recordingTemporal{}
		srv := api.New(api.Config{Temporal: tmp, Records: st, Policy: domain.DefaultPolicy(), Logger: slog.New(slog.DiscardHandler)}).Handler()
		risk := func(title string) string {
			return `{"title":"` + title + `","description":"d","category":"schedule","probability":2,"impact":2,"owner":"pat"}`
		}
		for _, tc := range []struct {
			method, path, who, body, key string
			status                       int
		}{
			{"POST", "/api/v1/risks", "pat", risk(`Venue\u0000`), "key-1", http.StatusUnprocessableEntity},
			{"POST", "/api/v1/risks", "pat", risk(`Venue`), "key-\xff", http.StatusBadRequest},
			{"PUT", "/api/v1/people/cleo", "ada", `{"name":"Cleo\u0000","email":"cleo@example.com","team":"creative","roles":["creative"]}`, "", http.StatusUnprocessableEntity},
			{"PUT", "/api/v1/people/pat/out-of-office", "pat", `{"from":"2030-01-08T00:00:00Z","to":"2030-01-15T00:00:00Z","delegate":"sam\u0000"}`, "", http.StatusUnprocessableEntity},
			{"PUT", "/api/v1/people/pa%00t/out-of-office", "ada", `{}`, "", http.StatusNotFound},
			{"PUT", "/api/v1/people/pa%fft/out-of-office", "ada", `{}`, "", http.StatusNotFound},
			{"GET", "/api/v1/tasks?assignee=%00", "pat", "", "", http.StatusUnprocessableEntity},
			{"GET", "/api/v1/tasks?process_id=%ff", "pat", "", "", http.StatusUnprocessableEntity},
			{"GET", "/api/v1/campaigns?owner=pa%00t", "pat", "", "", http.StatusUnprocessableEntity},
			{"GET", "/api/v1/people?team=%ff", "pat", "", "", http.StatusUnprocessableEntity},
		} {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			r.Header.Set("Authorization", "Bearer "+tokens[tc.who])
			if tc.key != "" {
				r.Header.Set("Idempotency-Key", tc.key)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Errorf("%s %s %q: status %d, want %d: %s", tc.method, tc.path, tc.body, w.Code, tc.status, w.Body)
			}
		}
		if len(tmp.calls) != 0 {
			t.Errorf("Temporal was called: %v", tmp.calls)
		}
		if p, err := st.Person(ctx, "cleo"); err != nil || strings.ContainsRune(p.Name, 0) {
			t.Errorf("cleo is now %+v (%v)", p, err)
		}
		if p, err := st.Person(ctx, "pat"); err != nil || p.OutOfOffice != nil {
			t.Errorf("pat is now %+v (%v)", p, err)
		}
		if id, err := st.ClaimIdempotencyKey(ctx, domain.IdempotencyClaim{Scope: "pat", Key: "key-1", BodyHash: "other", ResourceID: "rsk_x"}); err != nil || id != "" {
			t.Errorf("the refused request's Idempotency-Key was kept: %q, %v", id, err)
		}
	}
}
