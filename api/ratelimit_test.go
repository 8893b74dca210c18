package api

import (
	"crypto/sha256"
	"testing"
	"time"
)

// limitedEnv is a test server whose tokens may make burst requests at once and
// perSecond after that, on a clock the test moves.
func limitedEnv(t *testing.T, perSecond float64, burst int) (*env, *time.Time) {
	e := newEnv(t)
	clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	e.srv.limiter = newRateLimiter(RateLimit{PerSecond: perSecond, Burst: burst})
	e.srv.limiter.now = func() time.Time { return clock }
	return e, &clock
}

func TestRateLimitPerToken(t *testing.T) {
	e, clock := limitedEnv(t, 1, 3)
	for i := range 3 {
		if rr := e.do("GET", "/api/v1/me", "tok-paula", ""); rr.Code != sOK {
			t.Fatalf("request %d of the burst: %d %s", i+1, rr.Code, rr.Body)
		}
	}
	rr := e.do("GET", "/api/v1/me", "tok-paula", "")
	want(t, rr, 429, "rate_limited")
	if got := rr.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	wantSecurityHeaders(t, rr)

	// Another token has its own budget; probes and unauthenticated calls are not limited.
	if rr := e.do("GET", "/api/v1/me", "tok-mo", ""); rr.Code != sOK {
		t.Errorf("another token: %d %s", rr.Code, rr.Body)
	}
	for _, path := range []string{"/healthz", "/api/v1/openapi.json"} {
		if rr := e.do("GET", path, "tok-paula", ""); rr.Code != sOK {
			t.Errorf("%s while the token is limited: %d", path, rr.Code)
		}
	}
	want(t, e.do("GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	if n := len(e.srv.limiter.buckets); n != 2 {
		t.Errorf("%d buckets, want 2: only tokens that authenticate get one", n)
	}

	// Refused requests spent nothing: one second later, exactly one more goes.
	*clock = clock.Add(time.Second)
	if rr := e.do("GET", "/api/v1/me", "tok-paula", ""); rr.Code != sOK {
		t.Fatalf("after a second's refill: %d %s", rr.Code, rr.Body)
	}
	want(t, e.do("GET", "/api/v1/me", "tok-paula", ""), 429, "rate_limited")

	// A full refill restores the whole burst.
	*clock = clock.Add(3 * time.Second)
	for i := range 3 {
		if rr := e.do("GET", "/api/v1/me", "tok-paula", ""); rr.Code != sOK {
			t.Fatalf("request %d after a full refill: %d", i+1, rr.Code)
		}
	}
}

func TestRateLimitRetryAfterRoundsUp(t *testing.T) {
	e, _ := limitedEnv(t, 0.4, 1) // one request per 2.5 s
	e.do("GET", "/api/v1/me", "tok-paula", "")
	rr := e.do("GET", "/api/v1/me", "tok-paula", "")
	want(t, rr, 429, "rate_limited")
	if got := rr.Header().Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want 3 (2.5 s rounded up)", got)
	}
}

func TestRateLimitEvictsIdleBuckets(t *testing.T) {
	e, clock := limitedEnv(t, 1, 3) // a bucket refills completely in 3 s
	start := *clock
	e.do("GET", "/api/v1/me", "tok-paula", "")
	*clock = start.Add(sweepEvery)
	e.do("GET", "/api/v1/me", "tok-mo", "")
	if _, ok := e.srv.limiter.buckets[sha256.Sum256([]byte("tok-paula"))]; ok || len(e.srv.limiter.buckets) != 1 {
		t.Errorf("%d buckets after paula idled past a sweep, want only mo's", len(e.srv.limiter.buckets))
	}

	// A bucket used within its refill time survives the sweep, with what it spent.
	*clock = start.Add(2*sweepEvery - time.Second)
	for range 3 {
		e.do("GET", "/api/v1/me", "tok-mo", "")
	}
	*clock = start.Add(2 * sweepEvery)
	e.do("GET", "/api/v1/me", "tok-paula", "") // sweeps
	want(t, e.do("GET", "/api/v1/me", "tok-mo", ""), sOK, "")
	want(t, e.do("GET", "/api/v1/me", "tok-mo", ""), 429, "rate_limited")
}

func TestRateLimitConfig(t *testing.T) {
	l := newRateLimiter(RateLimit{})
	if l == nil || l.limit != defaultRatePerSecond || l.burst != defaultRateBurst || l.idle != 2*time.Second {
		t.Errorf("zero config gives %+v, want 20/s, burst 40, idle after 2s", l)
	}
	if newRateLimiter(RateLimit{PerSecond: -1}) != nil || newRateLimiter(RateLimit{Burst: -1}) != nil {
		t.Error("a negative rate or burst does not disable the limit")
	}
	if New(Config{RateLimit: RateLimit{PerSecond: -1}}).limiter != nil {
		t.Error("a server configured without a limit has one")
	}
	// Disabled: any number of requests goes through.
	e := newEnv(t)
	e.srv.limiter = nil
	for range defaultRateBurst + 10 {
		if rr := e.do("GET", "/api/v1/me", "tok-paula", ""); rr.Code != sOK {
			t.Fatalf("disabled limit refused: %d", rr.Code)
		}
	}
}
