package filter

import (
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestTableLimitsAndTimeout(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tb := newTable(2, 3, time.Minute)
	a, b, c := peer.ID("a"), peer.ID("b"), peer.ID("c")
	cs := func(cts ...string) []criterion {
		var out []criterion
		for _, ct := range cts {
			out = append(out, criterion{"/waku/2/rs/1/0", ct})
		}
		return out
	}
	if err := tb.subscribe(a, cs("x", "y"), t0); err != nil {
		t.Fatalf("subscribe(a, x y) = %v", err)
	}
	// nwaku counts the new criteria against the limit even if duplicates.
	if err := tb.subscribe(a, cs("x", "z"), t0); err == nil || err.Code != StatusServiceUnavailable || err.Desc != "SERVICE_UNAVAILABLE: peer has reached maximum number of filter criteria" {
		t.Fatalf("subscribe(a, 4 criteria) = %v, want 503 max criteria", err)
	}
	if err := tb.subscribe(b, cs("x"), t0); err != nil {
		t.Fatalf("subscribe(b) = %v", err)
	}
	if err := tb.subscribe(c, cs("x"), t0); err == nil || err.Desc != "SERVICE_UNAVAILABLE: node has reached maximum number of subscriptions: 2" {
		t.Fatalf("subscribe(c) with full table = %v, want 503 max subscriptions", err)
	}
	got := tb.match("/waku/2/rs/1/0", "x", t0)
	slices.Sort(got)
	if !slices.Equal(got, []peer.ID{a, b}) {
		t.Fatalf("match(x) = %v, want [a b]", got)
	}
	// b pings at +50 s, a does not: at +90 s only b is live.
	if err := tb.ping(b, t0.Add(50*time.Second)); err != nil {
		t.Fatalf("ping(b) = %v", err)
	}
	t1 := t0.Add(90 * time.Second)
	if got := tb.match("/waku/2/rs/1/0", "x", t1); !slices.Equal(got, []peer.ID{b}) {
		t.Fatalf("match(x) after a's timeout = %v, want [b]", got)
	}
	if err := tb.ping(a, t1); err == nil || err.Code != StatusNotFound {
		t.Fatalf("ping(a) after timeout = %v, want 404", err)
	}
	// A timed-out peer frees its slot for a new one.
	if gone := tb.expire(t1); !slices.Equal(gone, []peer.ID{a}) {
		t.Fatalf("expire() = %v, want [a]", gone)
	}
	if err := tb.subscribe(c, cs("x"), t1); err != nil {
		t.Fatalf("subscribe(c) after expiry = %v", err)
	}
	if _, ok := tb.index[criterion{"/waku/2/rs/1/0", "y"}]; ok {
		t.Fatalf("criterion y still indexed after its only peer expired")
	}
}

func TestTableUnsubscribe(t *testing.T) {
	now := time.Unix(1000, 0)
	tb := newTable(10, 10, time.Minute)
	a := peer.ID("a")
	x, y := criterion{"p", "x"}, criterion{"p", "y"}
	if err := tb.unsubscribe(a, []criterion{x}, now); err == nil || err.Code != StatusNotFound {
		t.Fatalf("unsubscribe without subscription = %v, want 404", err)
	}
	_ = tb.subscribe(a, []criterion{x, y}, now)
	if err := tb.unsubscribe(a, []criterion{{"p", "other"}}, now); err == nil || err.Code != StatusNotFound {
		t.Fatalf("unsubscribe(unknown criterion) = %v, want 404", err)
	}
	if err := tb.unsubscribe(a, []criterion{x}, now); err != nil {
		t.Fatalf("unsubscribe(x) = %v", err)
	}
	if got := tb.criteriaOf(a); !slices.Equal(got, []criterion{y}) {
		t.Fatalf("criteria after unsubscribe(x) = %v, want [y]", got)
	}
	if err := tb.unsubscribe(a, []criterion{y}, now); err != nil {
		t.Fatalf("unsubscribe(y) = %v", err)
	}
	if len(tb.peers) != 0 || len(tb.index) != 0 {
		t.Fatalf("table not empty after last unsubscribe: %d peers, %d criteria", len(tb.peers), len(tb.index))
	}
	if err := tb.unsubscribeAll(a, now); err == nil || err.Code != StatusNotFound {
		t.Fatalf("unsubscribeAll of a removed peer = %v, want 404", err)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(2, time.Minute)
	p := peer.ID("p")
	if !l.allow(p, now) || !l.allow(p, now) || l.allow(p, now) {
		t.Fatalf("limiter(2/min) did not allow exactly 2 requests at once")
	}
	if !l.allow(p, now.Add(30*time.Second)) || l.allow(p, now.Add(30*time.Second)) {
		t.Fatalf("limiter(2/min) did not refill one token in 30 s")
	}
	if off := newLimiter(0, 0); !off.allow(p, now) {
		t.Fatalf("limiter(0) refused a request")
	}
}
