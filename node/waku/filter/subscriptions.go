package filter

import (
	"strconv"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// criterion is one filter criterion: a content topic on a pubsub topic.
type criterion struct {
	pubsubTopic  string
	contentTopic string
}

// subscriber is the state of one subscribed peer.
type subscriber struct {
	lastSeen time.Time
	criteria map[criterion]struct{}
}

// table is the subscription table of nwaku's FilterSubscriptions
// (waku_filter_v2/subscriptions.nim), with the clock passed in.
//
// INVARIANT: p is in index[c] iff c is in peers[p].criteria; no entry of
// peers has an empty criteria set and no entry of index an empty peer
// set; len(peers) <= maxPeers and every len(criteria) <= maxCriteria.
//
// concurrency: none; the Server guards it with its mutex.
type table struct {
	maxPeers    int
	maxCriteria int
	ttl         time.Duration
	peers       map[peer.ID]*subscriber
	index       map[criterion]map[peer.ID]struct{}
}

func newTable(maxPeers, maxCriteria int, ttl time.Duration) *table {
	return &table{
		maxPeers:    maxPeers,
		maxCriteria: maxCriteria,
		ttl:         ttl,
		peers:       make(map[peer.ID]*subscriber),
		index:       make(map[criterion]map[peer.ID]struct{}),
	}
}

// live returns p's subscriber if it has not timed out at now.
func (t *table) live(p peer.ID, now time.Time) *subscriber {
	s := t.peers[p]
	if s == nil || now.Sub(s.lastSeen) > t.ttl {
		return nil
	}
	return s
}

// subscribe adds cs to p's criteria and refreshes p. As in nwaku, the
// criteria count limit is checked against the current count plus
// len(cs), and a new peer is refused when the table is full; both answer
// 503. A timed-out entry of p is dropped first, so p starts afresh.
func (t *table) subscribe(p peer.ID, cs []criterion, now time.Time) *StatusError {
	s := t.live(p, now)
	if s == nil {
		t.remove(p)
		if len(t.peers) >= t.maxPeers {
			return statusErr(StatusServiceUnavailable, causeMaxPeers+strconv.Itoa(t.maxPeers))
		}
		s = &subscriber{criteria: make(map[criterion]struct{})}
	} else if len(s.criteria)+len(cs) > t.maxCriteria {
		return statusErr(StatusServiceUnavailable, causeMaxCriteria)
	}
	s.lastSeen = now
	t.peers[p] = s
	for _, c := range cs {
		s.criteria[c] = struct{}{}
		ps := t.index[c]
		if ps == nil {
			ps = make(map[peer.ID]struct{})
			t.index[c] = ps
		}
		ps[p] = struct{}{}
	}
	return nil
}

// unsubscribe removes cs from p's criteria and refreshes p; a peer left
// without criteria is removed. It answers 404 when p has no live
// subscription or held none of cs (nwaku answers 404 when a criterion is
// unknown to the whole node; Cairn judges per peer, which does not depend
// on the other peers or on hash-set order).
func (t *table) unsubscribe(p peer.ID, cs []criterion, now time.Time) *StatusError {
	s := t.live(p, now)
	if s == nil {
		t.remove(p)
		return statusErr(StatusNotFound, causeNoSubscriptions)
	}
	s.lastSeen = now
	removed := 0
	for _, c := range cs {
		if _, ok := s.criteria[c]; !ok {
			continue
		}
		removed++
		delete(s.criteria, c)
		t.unindex(p, c)
	}
	if len(s.criteria) == 0 {
		delete(t.peers, p)
	}
	if removed == 0 {
		return statusErr(StatusNotFound, causeNoSubscriptions)
	}
	return nil
}

// ping refreshes p; 404 when p has no live subscription.
func (t *table) ping(p peer.ID, now time.Time) *StatusError {
	s := t.live(p, now)
	if s == nil {
		return statusErr(StatusNotFound, causeNoSubscriptions)
	}
	s.lastSeen = now
	return nil
}

// unsubscribeAll removes p; 404 when p has no live subscription.
func (t *table) unsubscribeAll(p peer.ID, now time.Time) *StatusError {
	if t.live(p, now) == nil {
		t.remove(p)
		return statusErr(StatusNotFound, causeNoSubscriptions)
	}
	t.remove(p)
	return nil
}

// remove drops p and all its criteria; it reports whether p was there.
func (t *table) remove(p peer.ID) bool {
	s := t.peers[p]
	if s == nil {
		return false
	}
	for c := range s.criteria {
		t.unindex(p, c)
	}
	delete(t.peers, p)
	return true
}

func (t *table) unindex(p peer.ID, c criterion) {
	ps := t.index[c]
	delete(ps, p)
	if len(ps) == 0 {
		delete(t.index, c)
	}
}

// match returns the live peers subscribed to contentTopic on pubsubTopic.
func (t *table) match(pubsubTopic, contentTopic string, now time.Time) []peer.ID {
	ps := t.index[criterion{pubsubTopic, contentTopic}]
	out := make([]peer.ID, 0, len(ps))
	for p := range ps {
		if t.live(p, now) != nil {
			out = append(out, p)
		}
	}
	return out
}

// expire removes the peers not seen within the timeout and returns them.
func (t *table) expire(now time.Time) []peer.ID {
	var gone []peer.ID
	for p := range t.peers {
		if t.live(p, now) == nil {
			gone = append(gone, p)
		}
	}
	for _, p := range gone {
		t.remove(p)
	}
	return gone
}

// criteriaOf returns a copy of p's criteria (for tests and inspection).
func (t *table) criteriaOf(p peer.ID) []criterion {
	s := t.peers[p]
	if s == nil {
		return nil
	}
	out := make([]criterion, 0, len(s.criteria))
	for c := range s.criteria {
		out = append(out, c)
	}
	return out
}
