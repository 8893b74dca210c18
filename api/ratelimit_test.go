package api

import (
	"crypto/sha256"
	"fmt"
	"net/http/httptest"
	"strings"
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

// doFrom sends a request from the client at addr (host:port), with headers.
func (e *env) doFrom(addr, method, path, token, body string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = addr
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.serve(req)
}

// addressEnv is a test server whose client addresses may fail burst requests at
// once and perSecond after that, on a clock the test moves.
func addressEnv(t *testing.T, cfg Config, perSecond float64, burst int) (*env, *time.Time) {
	e := newEnv(t)
	if cfg.TrustedProxies != nil {
		if err := e.srv.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	e.srv.addresses = newAddressLimiter(RateLimit{PerSecond: perSecond, Burst: burst})
	e.srv.addresses.now = func() time.Time { return clock }
	return e, &clock
}

func TestRequestsWithoutAValidTokenAreLimitedPerAddress(t *testing.T) {
	e, clock := addressEnv(t, Config{}, 1, 3)
	const a, b = "198.51.100.7:4000", "203.0.113.9:5000"
	// Valid tokens spend nothing.
	for range 10 {
		want(t, e.doFrom(a, "GET", "/api/v1/me", "tok-paula", ""), sOK, "")
	}
	for i, token := range []string{"tok-nobody", "", "tok-guess"} {
		if rr := e.doFrom(a, "GET", "/api/v1/me", token, ""); rr.Code != sUnauth {
			t.Fatalf("refusal %d of the burst: %d %s", i+1, rr.Code, rr.Body)
		}
	}
	// The budget is spent: the next is refused before its token is looked up,
	// a valid one too.
	e.records.panicOn = "PersonByToken"
	for _, token := range []string{"tok-nobody", "tok-paula"} {
		rr := e.doFrom(a, "POST", completePath, token, `{"outcome":"done"}`)
		want(t, rr, 429, "rate_limited")
		if got := rr.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After = %q, want 1", got)
		}
	}
	// The same host on another port, and the same client behind a forwarded
	// header nobody was told to trust, share the budget.
	want(t, e.doFrom("198.51.100.7:4001", "GET", "/api/v1/me", "tok-nobody", ""), 429, "rate_limited")
	want(t, e.doFrom(a, "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "192.0.2.55"), 429, "rate_limited")
	e.records.panicOn = ""
	// Another address has its own budget.
	want(t, e.doFrom(b, "GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	want(t, e.doFrom(b, "GET", "/api/v1/me", "tok-mo", ""), sOK, "")
	// A second later, one more try.
	*clock = clock.Add(time.Second)
	want(t, e.doFrom(a, "GET", "/api/v1/me", "tok-paula", ""), sOK, "")
	want(t, e.doFrom(a, "GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	want(t, e.doFrom(a, "GET", "/api/v1/me", "tok-nobody", ""), 429, "rate_limited")
	if len(e.temporal.updates) != 0 {
		t.Errorf("a limited command reached Temporal: %+v", e.temporal.updates)
	}
}

func TestAddressLimitKeysIPv6ByItsBlock(t *testing.T) {
	e, _ := addressEnv(t, Config{}, 1, 1)
	want(t, e.doFrom("[2001:db8:1:2::1]:4000", "GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	// Another address of the same /64 is the same client.
	want(t, e.doFrom("[2001:db8:1:2:aaaa::9]:4000", "GET", "/api/v1/me", "tok-nobody", ""), 429, "rate_limited")
	// Another /64 is not.
	want(t, e.doFrom("[2001:db8:1:3::1]:4000", "GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	// An IPv4 address mapped into IPv6 is that IPv4 address.
	want(t, e.doFrom("198.51.100.7:1", "GET", "/api/v1/me", "tok-nobody", ""), sUnauth, "unauthorized")
	want(t, e.doFrom("[::ffff:198.51.100.7]:2", "GET", "/api/v1/me", "tok-nobody", ""), 429, "rate_limited")
}

// Behind a proxy the operator trusts, its X-Forwarded-For names the client; from
// anyone else the header is ignored.
func TestAddressLimitBehindATrustedProxy(t *testing.T) {
	e, _ := addressEnv(t, Config{TrustedProxies: []string{"10.0.0.0/8"}}, 1, 1)
	const proxy = "10.1.2.3:3000"
	want(t, e.doFrom(proxy, "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "198.51.100.7"), sUnauth, "unauthorized")
	want(t, e.doFrom(proxy, "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "198.51.100.7"), 429, "rate_limited")
	// A client cannot choose its address by sending the header through the proxy:
	// the rightmost address the trusted proxy did not add is the client.
	want(t, e.doFrom(proxy, "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "192.0.2.1, 198.51.100.7"), 429, "rate_limited")
	want(t, e.doFrom(proxy, "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "203.0.113.9"), sUnauth, "unauthorized")
	// Not through the proxy: the header is ignored, the peer is the client.
	want(t, e.doFrom("198.51.100.200:1", "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "192.0.2.77"), sUnauth, "unauthorized")
	want(t, e.doFrom("198.51.100.200:1", "GET", "/api/v1/me", "tok-nobody", "", "X-Forwarded-For", "192.0.2.78"), 429, "rate_limited")
}

func TestAddressLimiterMemoryIsBounded(t *testing.T) {
	l := newAddressLimiter(RateLimit{PerSecond: 1, Burst: 1})
	l.max = 3
	for i := range 10 {
		l.spend(addressKey(fmt.Sprintf("192.0.2.%d", i)))
	}
	if len(l.buckets) > 4 {
		t.Errorf("%d buckets, want at most 3 and the overflow", len(l.buckets))
	}
	// Past the bound, new addresses share the overflow bucket, spent by now.
	if l.wait(addressKey("192.0.2.200")) == 0 {
		t.Error("a new address past the bound is not limited with the overflow")
	}
}

func TestCheckTrustedProxies(t *testing.T) {
	if err := CheckTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", ""} {
		if CheckTrustedProxies([]string{bad}) == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
