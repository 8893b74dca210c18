package api

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/domain"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	e.records.fail["Ping"] = errors.New("down") // liveness checks no dependency
	rr := e.do("GET", "/healthz", "", "")
	want(t, rr, sOK, "")
	if strings.TrimSpace(rr.Body.String()) != `{"status":"ok"}` {
		t.Errorf("body = %s", rr.Body)
	}
}

func TestReadyz(t *testing.T) {
	ok := map[string]string{"database": "ok", "temporal": "ok", "workers": "ok", "schema": "ok"}
	with := func(check, res string, more ...string) map[string]string {
		m := maps.Clone(ok)
		m[check] = res
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	current := &schemaVersion{Version: 2, Expected: 2}
	for name, tc := range map[string]struct {
		db, temporal, workers, schemaErr error
		noWorkers                        bool
		schema                           *int64 // the database's version, 2 when nil; the build expects 2
		status                           int
		want                             readiness
	}{
		"ready":    {status: sOK, want: readiness{Status: "ok", Checks: ok, Schema: current}},
		"temporal": {temporal: errors.New("dial tcp: connection refused"), status: sUnavail, want: readiness{Status: "unavailable", Checks: with("temporal", "unreachable"), Schema: current}},
		"database": {db: errors.New("dial tcp: i/o timeout"), schemaErr: errors.New("dial tcp: i/o timeout"), status: sUnavail,
			want: readiness{Status: "unavailable", Checks: with("database", "unreachable", "schema", "unknown")}},
		"both broken": {db: errors.New("x"), temporal: errors.New("y"), status: sUnavail,
			want: readiness{Status: "unavailable", Checks: map[string]string{"database": "unreachable", "temporal": "unreachable", "workers": "ok", "schema": "ok"}, Schema: current}},
		// Issue 18: with every worker down, /readyz said 200 "ok" while every
		// detail failed. It is degraded, not down: reads and commands still answer.
		"no worker polling":      {noWorkers: true, status: sOK, want: readiness{Status: "degraded", Checks: with("workers", "none polling"), Schema: current}},
		"workers cannot be seen": {workers: errors.New("permission denied: dial tcp"), status: sOK, want: readiness{Status: "degraded", Checks: with("workers", "unknown"), Schema: current}},
		"no worker, no database": {db: errors.New("x"), noWorkers: true, status: sUnavail, want: readiness{Status: "unavailable", Checks: map[string]string{"database": "unreachable", "temporal": "ok", "workers": "none polling", "schema": "ok"}, Schema: current}},
		// A new release started before tandem migrate ran: its queries would fail
		// on the missing change, so it takes no traffic.
		"migrations pending": {schema: ptr(int64(1)), status: sUnavail, want: readiness{Status: "unavailable", Checks: with("schema", "migrations pending"), Schema: &schemaVersion{Version: 1, Expected: 2}}},
		"never migrated":     {schema: ptr(int64(0)), status: sUnavail, want: readiness{Status: "unavailable", Checks: with("schema", "migrations pending"), Schema: &schemaVersion{Version: 0, Expected: 2}}},
		// An older release still running beside a newer one that migrated: versions add, so it serves.
		"schema ahead": {schema: ptr(int64(3)), status: sOK, want: readiness{Status: "ok", Checks: with("schema", "ahead"), Schema: &schemaVersion{Version: 3, Expected: 2}}},
		"schema cannot be read": {schemaErr: errors.New(`relation "goose_db_version": permission denied`), status: sOK,
			want: readiness{Status: "degraded", Checks: with("schema", "unknown")}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.records.fail["Ping"] = tc.db
			e.records.fail["SchemaVersion"] = tc.schemaErr
			if tc.schema != nil {
				e.records.schema = *tc.schema
			}
			e.temporal.health = tc.temporal
			e.temporal.noWorkers, e.temporal.workersErr = tc.noWorkers, tc.workers
			rr := e.do("GET", "/readyz", "", "")
			want(t, rr, tc.status, "")
			got := decodeJSON[readiness](t, rr)
			if got.Status != tc.want.Status || !maps.Equal(got.Checks, tc.want.Checks) || !reflect.DeepEqual(got.Schema, tc.want.Schema) {
				t.Errorf("readiness = %+v (schema %+v), want %+v (schema %+v)", got, got.Schema, tc.want, tc.want.Schema)
			}
			for _, cause := range []string{"dial tcp", "permission denied"} {
				if strings.Contains(rr.Body.String(), cause) {
					t.Errorf("body leaks the cause: %s", rr.Body)
				}
			}
		})
	}
}

// hangingPing is a database whose ping hangs until the probe gives up.
type hangingPing struct{ *fakeRecords }

func (h hangingPing) Ping(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestReadyzHasAShortDeadline(t *testing.T) {
	e := newEnv(t)
	e.srv.records = hangingPing{e.records}
	start := time.Now()
	rr := e.do("GET", "/readyz", "", "")
	want(t, rr, sUnavail, "")
	if elapsed := time.Since(start); elapsed > readyTimeout+time.Second {
		t.Errorf("readyz took %v", elapsed)
	}
	if got := decodeJSON[readiness](t, rr); got.Checks["database"] != "unreachable" {
		t.Errorf("readiness = %+v", got)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("GET", "/api/v1/tasks/"+workTask, "tok-cara", ""), sNotFound, domain.CodeNotFound)
	e.do("GET", "/no/such/thing", "", "")
	rr := e.do("GET", "/metrics", "", "")
	if rr.Code != sOK {
		t.Fatalf("status = %d", rr.Code)
	}
	body := rr.Body.String()
	for _, want := range []string{
		`tandem_http_requests_total{method="GET",route="/api/v1/tasks/:id",status="404"} 1`,
		`tandem_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`tandem_http_request_duration_seconds_bucket{method="GET",route="/api/v1/tasks/:id",status="404",le="+Inf"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Each server has its own registry, so two can run side by side.
	other := newEnv(t)
	if strings.Contains(other.do("GET", "/metrics", "", "").Body.String(), `route="/api/v1/tasks/:id"`) {
		t.Error("servers share a metrics registry")
	}
}

func TestOpenAPIServedWithoutAuth(t *testing.T) {
	rr := newEnv(t).do("GET", "/api/v1/openapi.json", "", "")
	want(t, rr, sOK, "")
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, err %v", doc.OpenAPI, err)
	}
}

func TestUnknownRoute404(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/nope", "/api/v1/campaign", "/api/v1/campaigns/"} {
		want(t, e.do("GET", path, "tok-cara", ""), sNotFound, domain.CodeNotFound)
	}
}

func TestWrongMethod405(t *testing.T) {
	e := newEnv(t)
	rr := e.do("DELETE", "/api/v1/campaigns", "tok-paula", "")
	want(t, rr, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := rr.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q", allow)
	}
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	if got := e.do("GET", "/healthz", "", "", "X-Request-ID", "abc-123").Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed X-Request-ID = %q", got)
	}
	a := e.do("GET", "/healthz", "", "").Header().Get("X-Request-ID")
	b := e.do("GET", "/healthz", "", "", "X-Request-ID", "bad id\x01").Header().Get("X-Request-ID")
	if len(a) != 32 || len(b) != 32 || a == b {
		t.Errorf("generated IDs %q and %q", a, b)
	}
}

func TestPanicAnswers500WithoutAStack(t *testing.T) {
	e := newEnv(t)
	e.records.panicOn = "Tasks"
	rr := e.do("GET", "/api/v1/tasks", "tok-cara", "", "X-Request-ID", "req-panic")
	got := want(t, rr, sInternal, codeInternal)
	if got.Message != "internal error" || strings.Contains(rr.Body.String(), "exploded") || strings.Contains(rr.Body.String(), "goroutine") {
		t.Errorf("answer = %s", rr.Body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "exploded") || !strings.Contains(logs, "req-panic") {
		t.Errorf("the panic is not logged with the request ID:\n%s", logs)
	}
	// The server keeps serving.
	e.records.panicOn = ""
	want(t, e.do("GET", "/api/v1/tasks", "tok-cara", ""), sOK, "")
}

func TestHTTPServerHasTimeouts(t *testing.T) {
	s := NewHTTPServer(":0", http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= downstreamTimeout {
		t.Errorf("timeouts = %v %v %v %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
}

func ptr[T any](v T) *T { return &v }
