package filter

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// limiter is a token bucket per peer: n tokens refilled evenly over
// period, as nwaku's per-peer TokenBucket for filter. n = 0 allows all.
//
// concurrency: none; the Server guards it with its mutex.
type limiter struct {
	n       int
	period  time.Duration
	buckets map[peer.ID]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(n int, period time.Duration) *limiter {
	return &limiter{n: n, period: period, buckets: make(map[peer.ID]*bucket)}
}

// allow takes a token of p at now and reports whether there was one.
func (l *limiter) allow(p peer.ID, now time.Time) bool {
	if l.n == 0 {
		return true
	}
	b := l.buckets[p]
	if b == nil {
		b = &bucket{tokens: float64(l.n), last: now}
		l.buckets[p] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(float64(l.n), b.tokens+float64(l.n)*el.Seconds()/l.period.Seconds())
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forgetFull drops the buckets that have refilled completely by now, so
// that the map only holds recently active peers.
func (l *limiter) forgetFull(now time.Time) {
	for p, b := range l.buckets {
		if now.Sub(b.last) >= l.period {
			delete(l.buckets, p)
		}
	}
}
