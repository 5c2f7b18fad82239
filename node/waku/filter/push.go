package filter

import (
	"context"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// HandleMessage pushes m, relayed on pubsubTopic, to every live
// subscriber of (pubsubTopic, m.ContentTopic). It does not block on the
// network: it only queues the encoded push for each subscriber's
// goroutine. A message whose hash was handled within the message-cache
// TTL is not pushed again (and its entry is refreshed, as in nwaku).
// m is not retained. After Close it does nothing.
func (s *Server) HandleMessage(pubsubTopic string, m message.Message) {
	start := time.Now()
	hash := message.Hash(pubsubTopic, m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return
	}
	now := s.cfg.now()
	peers := s.mu.subs.match(pubsubTopic, m.ContentTopic, now)
	if len(peers) == 0 {
		return
	}
	at, dup := s.mu.seen[hash]
	s.mu.seen[hash] = now
	if dup && now.Sub(at) <= s.cfg.cacheTTL {
		return
	}
	data := MessagePush{Message: m, PubsubTopic: pubsubTopic}.Encode()
	for _, p := range peers {
		pu := s.pusherLocked(p)
		select {
		case pu.queue <- data:
		default:
			s.m.errors.WithLabelValues(errPushQueueFull).Inc()
			s.log.Debug("push queue full, dropping push", "peer", p)
		}
	}
	s.m.handleDuration.Observe(time.Since(start).Seconds())
}

// pusher delivers the pushes of one subscriber over one reused stream,
// as nwaku reuses the open push stream of a peer.
type pusher struct {
	peer   peer.ID
	queue  chan []byte
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards st, the open push stream, so that stopping the pusher
	// can reset a write blocked on a subscriber that does not read.
	mu sync.Mutex
	st network.Stream
}

// setStream records the open stream (nil: none).
func (pu *pusher) setStream(st network.Stream) {
	pu.mu.Lock()
	pu.st = st
	pu.mu.Unlock()
}

// resetStream resets the open stream, if any, unblocking its writer.
func (pu *pusher) resetStream() {
	pu.mu.Lock()
	defer pu.mu.Unlock()
	if pu.st != nil {
		_ = pu.st.Reset()
	}
}

// pusherLocked returns p's pusher, starting it if needed. s.mu is held.
func (s *Server) pusherLocked(p peer.ID) *pusher {
	if pu := s.mu.pushers[p]; pu != nil {
		return pu
	}
	ctx, cancel := context.WithCancel(s.life)
	pu := &pusher{peer: p, queue: make(chan []byte, s.cfg.pushQueue), ctx: ctx, cancel: cancel}
	s.mu.pushers[p] = pu
	s.wg.Add(1)
	go s.runPusher(pu)
	return pu
}

// stopPusherLocked stops p's pusher, if any; queued pushes are dropped.
// s.mu is held.
func (s *Server) stopPusherLocked(p peer.ID) {
	if pu := s.mu.pushers[p]; pu != nil {
		pu.cancel()
		delete(s.mu.pushers, p)
	}
}

// runPusher writes pu's queued pushes until pu is stopped or
// maxPushFailures pushes in a row fail; then it removes the subscriber.
func (s *Server) runPusher(pu *pusher) {
	defer s.wg.Done()
	stop := context.AfterFunc(pu.ctx, pu.resetStream)
	defer stop()
	var st network.Stream
	defer func() {
		if st != nil {
			_ = st.Close()
		}
	}()
	failures := 0
	for {
		var data []byte
		select {
		case <-pu.ctx.Done():
			return
		case data = <-pu.queue:
		}
		reused := st != nil
		var err error
		st, err = s.push(pu, st, data)
		if err != nil && reused {
			// The subscriber may have closed an idle stream: retry once
			// on a fresh one.
			st, err = s.push(pu, nil, data)
		}
		if err == nil {
			failures = 0
			continue
		}
		failures++
		s.log.Debug("filter push failed", "peer", pu.peer, "failures", failures, "err", err)
		if failures >= s.cfg.maxPushFailures {
			s.dropSubscriber(pu)
			return
		}
	}
}

// push writes one push to pu's peer, opening a stream when st is nil. It
// returns the stream to use next (nil after a failure).
func (s *Server) push(pu *pusher, st network.Stream, data []byte) (network.Stream, error) {
	if st == nil {
		// As nwaku: push only over an existing connection, never dial a
		// light client.
		ctx, cancel := context.WithTimeout(network.WithNoDial(pu.ctx, "filter push"), s.cfg.pushTimeout)
		var err error
		st, err = s.h.NewStream(ctx, pu.peer, PushProtocolID)
		cancel()
		if err != nil {
			s.m.errors.WithLabelValues(errDialFailure).Inc()
			return nil, err
		}
		pu.setStream(st)
		if pu.ctx.Err() != nil { // stopped while opening: AfterFunc has run
			_ = st.Reset()
			return nil, pu.ctx.Err()
		}
	}
	_ = st.SetWriteDeadline(time.Now().Add(s.cfg.pushTimeout))
	if err := wakustream.WriteMsg(st, data); err != nil {
		s.m.errors.WithLabelValues(errPushTimeout).Inc()
		_ = st.Reset()
		pu.setStream(nil)
		return nil, err
	}
	return st, nil
}

// dropSubscriber removes the subscriptions of a subscriber whose pushes
// keep failing, unless pu was already replaced or stopped.
func (s *Server) dropSubscriber(pu *pusher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.pushers[pu.peer] != pu {
		return
	}
	delete(s.mu.pushers, pu.peer)
	pu.cancel()
	s.mu.subs.remove(pu.peer)
	s.m.errors.WithLabelValues(errSubscriberGone).Inc()
	s.m.subscriptions.Set(float64(len(s.mu.subs.peers)))
	s.log.Info("removed filter subscriber after failed pushes", "peer", pu.peer, "failures", s.cfg.maxPushFailures)
}
