package metadata

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	msmux "github.com/multiformats/go-multistream"
)

// Start vets, from now on, the first connection of every peer (nwaku's
// "Joined" event), and the peers already connected: each is asked for its
// metadata, and disconnected and removed from the peerstore when
//   - it reports another cluster or none, or
//   - the exchange fails (times out, breaks, sends garbage), or
//   - it does not speak the protocol and Options.DropNonWaku is set.
//
// A peer reachable only through a limited (circuit-relay) connection is
// left alone until a direct connection opens.
//
// Start returns at once; vetting runs in goroutines that Close waits for.
// Calling Start twice or after Close does nothing.
func (s *Service) Start() {
	s.mu.Lock()
	if s.mu.started || s.mu.closed {
		s.mu.Unlock()
		return
	}
	s.mu.started = true
	s.notifiee = &network.NotifyBundle{
		ConnectedF:    func(_ network.Network, c network.Conn) { s.maybeVet(c.RemotePeer()) },
		DisconnectedF: func(n network.Network, c network.Conn) { s.forget(n, c.RemotePeer()) },
	}
	s.mu.Unlock()
	s.h.Network().Notify(s.notifiee)
	for _, p := range s.h.Network().Peers() {
		s.maybeVet(p)
	}
}

// maybeVet starts vetting p unless it is vetted or being vetted.
func (s *Service) maybeVet(p peer.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed || s.mu.vetting[p] {
		return
	}
	if _, done := s.mu.shards[p]; done {
		return
	}
	s.mu.vetting[p] = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.vet(p)
	}()
}

// forget drops what is known of p once its last connection is gone.
func (s *Service) forget(n network.Network, p peer.ID) {
	if n.Connectedness(p) == network.Connected {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mu.shards, p)
}

// vet asks p for its metadata and disconnects it on a mismatch or failure
// (see Start).
func (s *Service) vet(p peer.ID) {
	m, err := s.Request(s.ctx, p)
	reason := ""
	switch {
	case s.ctx.Err() != nil || errors.Is(err, ErrClosed): // shutting down
		s.finish(p, nil, false)
		return
	case err != nil && isNotSupported(err) && !s.opts.DropNonWaku:
		s.log.Debug("peer does not speak waku metadata; kept", "peer", p)
		s.finish(p, nil, false)
		return
	case errors.Is(err, network.ErrLimitedConn):
		// Only a relayed connection so far: vetted again when a direct
		// one opens (its Connected event).
		s.finish(p, nil, false)
		return
	case err != nil:
		reason = "waku metadata request failed: " + err.Error()
	case !m.HasClusterID:
		reason = "empty cluster-id reported"
	case m.ClusterID != uint32(s.opts.ClusterID):
		reason = fmt.Sprintf("different clusterId reported: %d vs %d", s.opts.ClusterID, m.ClusterID)
	default:
		s.finish(p, m.Shards, s.h.Network().Connectedness(p) == network.Connected)
		return
	}
	s.finish(p, nil, false)
	s.log.Info("disconnecting from peer", "peer", p, "reason", reason)
	if err := s.h.Network().ClosePeer(p); err != nil {
		s.log.Debug("close peer", "peer", p, "err", err)
	}
	s.h.Peerstore().RemovePeer(p)
	s.h.Peerstore().ClearAddrs(p)
}

// finish ends the vetting of p, recording its shards when ok.
func (s *Service) finish(p peer.ID, shards []uint32, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mu.vetting, p)
	if ok {
		s.mu.shards[p] = append([]uint32{}, shards...)
	}
}

// isNotSupported reports whether err says the peer refused the protocol.
func isNotSupported(err error) bool {
	var ns msmux.ErrNotSupported[protocol.ID]
	return errors.As(err, &ns)
}
