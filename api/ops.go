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
// answer within a short deadline. The body names what failed; the cause goes to the log.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	checks := map[string]func(context.Context) error{
		"database": s.records.Ping,
		"temporal": s.temporal.CheckHealth,
	}
	results := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() {
			res := "ok"
			if err := check(ctx); err != nil {
				res = "unreachable"
				s.log.LogAttrs(ctx, slog.LevelWarn, "readiness check failed",
					slog.String("request_id", c.GetString(requestIDKey)), slog.String("check", name), slog.String("error", err.Error()))
			}
			mu.Lock()
			results[name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, res := range results {
		if res != "ok" {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": results})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": results})
}

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}
