package api

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// securityHeaders goes on every answer, errors and unknown routes included, since
// it runs before any handler. The API serves JSON only, so the content policy
// allows nothing to load and no page to frame it; answers under /api/v1 carry
// people's data, so no cache or proxy may keep them.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if p := c.Request.URL.Path; p == "/api/v1" || strings.HasPrefix(p, "/api/v1/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}
