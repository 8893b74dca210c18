package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// openAPIDoc describes every route; a test keeps it and the router in step.
//
//go:embed openapi.json
var openAPIDoc []byte

// healthz says the process is up; it checks no dependency, so a restart is never
// triggered by a database or Temporal outage.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether the server can do its work: the database and Temporal both
// answer within a short deadline, and the database has the schema this build
// needs, else 503. A schema that lacks a version (tandem migrate has not run yet)
// is unavailable, not degraded: the first query that touches the change would
// fail, so this instance must take no traffic while the previous release's keep
// serving. A schema ahead of the build (a newer release migrated it) is ready:
// versions only add. The version is in the body either way. Workers are checked
// too, but a missing one is not the API's fault and taking the API out of
// rotation would not bring it back: the API still answers every read (details
// from the records) and admits commands (202, applied when a worker returns). So
// no worker polling Tandem's task queue answers 200 with status "degraded" and
// the check "workers" naming it, for a dashboard or an alert rather than a load
// balancer. The body names what failed; the cause goes to the log.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	reach := func(check func(context.Context) error) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			if err := check(ctx); err != nil {
				return "unreachable", err
			}
			return "ok", nil
		}
	}
	var schema *schemaVersion // written by its check alone, read after wg.Wait
	checks := map[string]func(context.Context) (string, error){
		"database": reach(s.records.Ping),
		"temporal": reach(s.temporal.CheckHealth),
		"workers": func(ctx context.Context) (string, error) {
			n, err := s.temporal.Workers(ctx)
			switch {
			case err != nil:
				return "unknown", err
			case n == 0:
				return "none polling", nil
			}
			return "ok", nil
		},
		"schema": func(ctx context.Context) (string, error) {
			current, latest, err := s.records.SchemaVersion(ctx)
			if err != nil {
				return "unknown", err
			}
			schema = &schemaVersion{Version: current, Expected: latest}
			switch {
			case current < latest:
				return "migrations pending", nil
			case current > latest:
				return "ahead", nil
			}
			return "ok", nil
		},
	}
	results := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() {
			res, err := check(ctx)
			if err != nil {
				s.log.LogAttrs(ctx, slog.LevelWarn, "readiness check failed",
					slog.String("request_id", c.GetString(requestIDKey)), slog.String("check", name), slog.String("error", err.Error()))
			}
			mu.Lock()
			results[name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	body := readiness{Checks: results, Schema: schema}
	code := http.StatusOK
	switch {
	case results["database"] != "ok" || results["temporal"] != "ok" || results["schema"] == "migrations pending":
		body.Status, code = "unavailable", http.StatusServiceUnavailable
	case results["workers"] != "ok" || results["schema"] == "unknown":
		body.Status = "degraded"
	default:
		body.Status = "ok"
	}
	c.JSON(code, body)
}

// readiness is the answer of /readyz.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	// Schema is absent when the database could not say.
	Schema *schemaVersion `json:"schema,omitempty"`
}

// schemaVersion is the database's schema version and the one this build expects.
type schemaVersion struct {
	Version  int64 `json:"version"`
	Expected int64 `json:"expected"`
}

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
