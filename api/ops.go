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
// answer within a short deadline, else 503. Workers are checked too, but a missing
// one is not the API's fault and taking the API out of rotation would not bring
// it back: the API still answers every read (details from the records) and
// admits commands (202, applied when a worker returns). So no worker polling
// Tandem's task queue answers 200 with status "degraded" and the check
// "workers" naming it, for a dashboard or an alert rather than a load balancer.
// The body names what failed; the cause goes to the log.
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
	switch {
	case results["database"] != "ok" || results["temporal"] != "ok":
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": results})
	case results["workers"] != "ok":
		c.JSON(http.StatusOK, gin.H{"status": "degraded", "checks": results})
	default:
		c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": results})
	}
}

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
