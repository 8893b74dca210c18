package api

import (
	"crypto/sha256"
	"math"
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
	// sweepEvery is how often idle buckets are dropped: often enough to keep the map
	// to the tokens in recent use, rarely enough that the scan costs nothing.
	sweepEvery = time.Minute
)

// rateLimiter holds one bucket per token, in this process's memory: with several
// API replicas behind a balancer, each enforces its own budget, so a client may
// get up to replicas × the limit. Buckets are keyed by the token's SHA-256, so no
// token is kept in memory longer than its request.
//
// Buckets are made only for tokens that authenticated, so the map holds at most
// the issued tokens, and the sweep drops every bucket idle long enough to have
// refilled: such a bucket is the same as a fresh one, so dropping it changes no
// answer.
type rateLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration // how long an unused bucket takes to refill completely
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

// newRateLimiter returns the limiter cfg describes, or nil when it is disabled.
func newRateLimiter(cfg RateLimit) *rateLimiter {
	if cfg.PerSecond < 0 || cfg.Burst < 0 {
		return nil
	}
	if cfg.PerSecond == 0 {
		cfg.PerSecond = defaultRatePerSecond
	}
	if cfg.Burst == 0 {
		cfg.Burst = defaultRateBurst
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
	if now.Sub(l.lastSweep) >= sweepEvery {
		for k, b := range l.buckets {
			if now.Sub(b.seen) >= l.idle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait
	}
	return 0
}

// rateLimit refuses a request over its token's budget with 429 and Retry-After. It
// runs after authenticate, so the token is known good and only real tokens get a
// bucket; the limit is per token, not per person, so a runaway script on one
// token does not lock its owner out of the others.
func (s *Server) rateLimit(c *gin.Context) {
	if s.limiter == nil {
		c.Next()
		return
	}
	token, _ := bearerToken(c.GetHeader("Authorization"))
	if wait := s.limiter.take(sha256.Sum256([]byte(token))); wait > 0 {
		// Whole seconds, rounded up, so a client that waits as told is let through.
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.fail(c, errRateLimited())
		return
	}
	c.Next()
}
