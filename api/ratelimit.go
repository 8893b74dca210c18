package api

import (
	"crypto/sha256"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RateLimit is the request budget of each API token: a token bucket that holds
// Burst requests and refills at PerSecond.
type RateLimit struct {
	// PerSecond is the sustained rate; zero means 20. Negative disables the limit.
	PerSecond float64
	// Burst is how many requests may come at once; zero means 40. Negative disables
	// the limit.
	Burst int
}

const (
	defaultRatePerSecond = 20
	defaultRateBurst     = 40
	// A client address may send 20 requests without a valid token at once, then
	// one a second: room for a person mistyping a token or a script whose token
	// was just revoked, and a floor under what a guesser or a flood costs the
	// database and the audit trail.
	defaultAddressPerSecond = 1
	defaultAddressBurst     = 20
	// maxAddressBuckets bounds the address limiter's memory (about 200 bytes a
	// bucket): addresses are chosen by whoever connects.
	maxAddressBuckets = 100_000
	// sweepEvery is how often idle buckets are dropped: often enough to keep the map
	// to the tokens in recent use, rarely enough that the scan costs nothing.
	sweepEvery = time.Minute
)

// rateLimiter holds one bucket per key, in this process's memory: with several API
// replicas behind a balancer, each enforces its own budget, so a client may get
// up to replicas × the limit. Keys are SHA-256 sums (of a token, or of a client
// address), so no token is kept in memory longer than its request.
//
// The sweep drops every bucket idle long enough to have refilled: such a bucket
// is the same as a fresh one, so dropping it changes no answer. The token limiter
// makes buckets only for tokens that authenticated, so it holds at most the
// issued tokens; the address limiter's keys are chosen by whoever connects, so it
// holds at most max buckets, and when a flood of new addresses fills it they share
// one overflow bucket until the sweep makes room.
type rateLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration // how long an unused bucket takes to refill completely
	max   int           // the most buckets kept; 0 means no bound
	// now is the wall clock, not Config.Now: refilling needs time that moves.
	now func() time.Time

	mu        sync.Mutex
	buckets   map[[sha256.Size]byte]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// overflowKey is the bucket new keys share while an address limiter is full.
var overflowKey [sha256.Size]byte

// newRateLimiter returns the limiter cfg describes, or nil when it is disabled.
func newRateLimiter(cfg RateLimit) *rateLimiter {
	return newLimiter(cfg, defaultRatePerSecond, defaultRateBurst)
}

// newLimiter returns the limiter cfg describes, with the given defaults for its
// zero fields, or nil when it is disabled.
func newLimiter(cfg RateLimit, perSecond float64, burst int) *rateLimiter {
	if cfg.PerSecond < 0 || cfg.Burst < 0 {
		return nil
	}
	if cfg.PerSecond == 0 {
		cfg.PerSecond = perSecond
	}
	if cfg.Burst == 0 {
		cfg.Burst = burst
	}
	return &rateLimiter{
		limit:   rate.Limit(cfg.PerSecond),
		burst:   cfg.Burst,
		idle:    time.Duration(float64(cfg.Burst) / cfg.PerSecond * float64(time.Second)),
		now:     time.Now,
		buckets: map[[sha256.Size]byte]*bucket{},
	}
}

// take spends one request of key's budget. It returns zero when the request may
// go, else how long until it could; a refused request spends nothing.
func (l *rateLimiter) take(key [sha256.Size]byte) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	r := b.lim.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait
	}
	return 0
}

// wait reports how long until key's budget holds a request, without spending
// any: zero when it holds one now. With spend, it limits what happens after a
// request was let in (a token that proves invalid) rather than every request.
func (l *rateLimiter) wait(key [sha256.Size]byte) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil && l.max > 0 && len(l.buckets) >= l.max {
		b = l.buckets[overflowKey]
	}
	if b == nil {
		return 0 // a fresh bucket is full
	}
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
}

// spend takes one request from key's budget, if one is left.
func (l *rateLimiter) spend(key [sha256.Size]byte) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, now).lim.AllowN(now, 1)
}

// bucket returns key's bucket, made when new, or the overflow bucket when the
// limiter is full; l.mu is held.
func (l *rateLimiter) bucket(key [sha256.Size]byte, now time.Time) *bucket {
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil && l.max > 0 && len(l.buckets) >= l.max {
		l.sweep(now)
		if len(l.buckets) >= l.max {
			key = overflowKey
			b = l.buckets[key]
		}
	}
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b
}

// sweep drops the buckets idle long enough to have refilled; l.mu is held.
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// newAddressLimiter returns the limiter of requests without a valid token per
// client address, or nil when cfg disables it.
func newAddressLimiter(cfg RateLimit) *rateLimiter {
	l := newLimiter(cfg, defaultAddressPerSecond, defaultAddressBurst)
	if l != nil {
		l.max = maxAddressBuckets
	}
	return l
}

// addressKey is the bucket key of a client address. An IPv6 client is its /64,
// the block one host or one home is given, so rotating through the addresses of
// its own block gains it nothing; an IPv4 client (mapped into IPv6 or not) is its
// address.
func addressKey(ip string) [sha256.Size]byte {
	if a, err := netip.ParseAddr(ip); err == nil {
		a = a.Unmap()
		if a.Is6() {
			ip = netip.PrefixFrom(a, 64).Masked().String()
		} else {
			ip = a.String()
		}
	}
	return sha256.Sum256([]byte("address\x00" + ip))
}

// retryAfter tells a limited client how long to wait: whole seconds, rounded up,
// so a client that waits as told is let through.
func retryAfter(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
}

// codecBudgetFactor is how many times a token's API budget it has on the codec
// endpoint. The Temporal UI asks for each payload of a run in a request of its
// own: about 65 at once for a page of 100 events (UI 2.54), more as events are
// opened and the tabs switched. The API's burst of 40 cut such a page short and
// left payloads encoded for a person allowed to read them. A decode costs no
// Temporal call and at most two indexed reads of the database.
const codecBudgetFactor = 10

// newCodecLimiter returns the codec endpoint's limiter, codecBudgetFactor times
// the API's budget cfg describes, or nil when cfg disables the limit. Its buckets
// are its own, so browsing runs in the Temporal UI does not spend the budget
// the same person's board and scripts use.
func newCodecLimiter(cfg RateLimit) *rateLimiter {
	api := newRateLimiter(cfg)
	if api == nil {
		return nil
	}
	return newLimiter(RateLimit{PerSecond: float64(api.limit) * codecBudgetFactor, Burst: api.burst * codecBudgetFactor}, 0, 0)
}

// rateLimit refuses a request over its token's budget with 429 and Retry-After. It
// runs after authenticate, so the token is known good and only real tokens get a
// bucket; the limit is per token, not per person, so a runaway script on one
// token does not lock its owner out of the others.
func (s *Server) rateLimit(c *gin.Context) { s.limit(c, s.limiter) }

// codecRateLimit is rateLimit on the codec endpoint's budget.
func (s *Server) codecRateLimit(c *gin.Context) { s.limit(c, s.decodes) }

func (s *Server) limit(c *gin.Context, l *rateLimiter) {
	if l == nil {
		c.Next()
		return
	}
	if wait := l.take(sha256.Sum256([]byte(c.GetString(tokenKey)))); wait > 0 {
		retryAfter(c, wait)
		s.fail(c, errRateLimited())
		return
	}
	c.Next()
}
