package api

import (
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, path, token string
		status            int
		noStore           bool
	}{
		{"200", "/api/v1/me", "tok-paula", sOK, true},
		{"401", "/api/v1/me", "", sUnauth, true},
		{"404 under /api/v1", "/api/v1/nowhere", "tok-paula", sNotFound, true},
		{"404 elsewhere", "/nowhere", "", sNotFound, false},
		{"health", "/healthz", "", sOK, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := e.do("GET", tc.path, tc.token, "")
			if rr.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rr.Code, tc.status, rr.Body)
			}
			wantSecurityHeaders(t, rr)
			if got, want := rr.Header().Get("Cache-Control"), map[bool]string{true: "no-store"}[tc.noStore]; got != want {
				t.Errorf("Cache-Control = %q, want %q", got, want)
			}
		})
	}
}

func wantSecurityHeaders(t *testing.T, rr *httptest.ResponseRecorder) {
	t.Helper()
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	} {
		if got := rr.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}
