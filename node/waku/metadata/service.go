package metadata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
)

// ID is the protocol ID of Waku metadata (nwaku's WakuMetadataCodec).
const ID protocol.ID = "/vac/waku/metadata/1.0.0"

// MaxMessageSize is the largest request or response read, in bytes
// (nwaku's RpcResponseMaxBytes).
const MaxMessageSize = 1024

// DefaultTimeout bounds one exchange (stream open, write and read) when
// Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// ErrClosed is returned by Request after Close.
var ErrClosed = errors.New("metadata: closed")

// Options configures New.
type Options struct {
	// ClusterID is this node's cluster, sent in every message and
	// required of peers. Zero is cluster 0.
	ClusterID uint16
	// Shards returns this node's relay shards when a message is sent;
	// it must be safe for concurrent use. Nil means none.
	Shards func() []uint16
	// DropNonWaku disconnects peers that do not speak the protocol, as
	// nwaku does. Off by default (see the package doc).
	DropNonWaku bool
	// Timeout bounds one exchange. Zero means DefaultTimeout.
	Timeout time.Duration
	// Logger receives the service's logs. Nil means slog.Default() with
	// subsys=node/waku/metadata.
	Logger *slog.Logger
}

// Service answers metadata requests and, after Start, vets new
// connections.
//
// concurrency: all methods are safe for concurrent use.
type Service struct {
	h      host.Host
	opts   Options
	log    *slog.Logger
	ctx    context.Context // lifetime: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // vetting goroutines and in-flight handlers

	mu struct {
		sync.Mutex
		started, closed bool
		vetting         map[peer.ID]bool     // peers being vetted
		shards          map[peer.ID][]uint32 // peers vetted, with their shards
	}
	notifiee network.Notifiee
}

// New registers the protocol handler on h; the node answers requests from
// then on. It does not vet connections until Start.
func New(h host.Host, opts Options) (*Service, error) {
	if h == nil {
		return nil, errors.New("metadata: nil host")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("subsys", "node/waku/metadata")
	}
	s := &Service{h: h, opts: opts, log: opts.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.vetting = map[peer.ID]bool{}
	s.mu.shards = map[peer.ID][]uint32{}
	h.SetStreamHandler(ID, s.handle)
	return s, nil
}

// Local returns the message this node sends: its cluster and shards.
func (s *Service) Local() Message {
	m := Message{ClusterID: uint32(s.opts.ClusterID), HasClusterID: true}
	if s.opts.Shards != nil {
		for _, sh := range s.opts.Shards() {
			m.Shards = append(m.Shards, uint32(sh))
		}
	}
	return m
}

// handle answers one request: it reads the peer's message (logged, as
// nwaku does, not checked) and writes ours.
func (s *Service) handle(st network.Stream) {
	if !s.track() {
		st.Reset()
		return
	}
	defer s.wg.Done()
	defer st.Close()
	st.SetDeadline(time.Now().Add(s.opts.Timeout))
	req, err := msgio.NewVarintReaderSize(st, MaxMessageSize).ReadMsg()
	if err != nil {
		s.log.Debug("read request", "peer", st.Conn().RemotePeer(), "err", err)
		st.Reset()
		return
	}
	m, err := Unmarshal(req)
	if err != nil {
		s.log.Debug("decode request", "peer", st.Conn().RemotePeer(), "err", err)
		st.Reset()
		return
	}
	s.log.Debug("metadata request", "peer", st.Conn().RemotePeer(), "cluster", m.ClusterID, "shards", m.Shards)
	if err := msgio.NewVarintWriter(st).WriteMsg(s.Local().Marshal()); err != nil {
		s.log.Debug("write response", "peer", st.Conn().RemotePeer(), "err", err)
		st.Reset()
	}
}

// Request sends this node's message to p and returns p's answer. It
// blocks until the answer comes, ctx ends or Options.Timeout passes.
// Errors: ErrClosed, stream errors (a peer that does not speak the
// protocol gives multistream's ErrNotSupported), decode errors.
func (s *Service) Request(ctx context.Context, p peer.ID) (Message, error) {
	if !s.track() {
		return Message{}, ErrClosed
	}
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	st, err := s.h.NewStream(ctx, p, ID)
	if err != nil {
		return Message{}, fmt.Errorf("metadata: open stream to %s: %w", p, err)
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if err := msgio.NewVarintWriter(st).WriteMsg(s.Local().Marshal()); err != nil {
		st.Reset()
		return Message{}, fmt.Errorf("metadata: write request to %s: %w", p, err)
	}
	st.CloseWrite()
	resp, err := msgio.NewVarintReaderSize(st, MaxMessageSize).ReadMsg()
	if err != nil {
		st.Reset()
		return Message{}, fmt.Errorf("metadata: read response from %s: %w", p, err)
	}
	m, err := Unmarshal(resp)
	if err != nil {
		return Message{}, fmt.Errorf("metadata: response from %s: %w", p, err)
	}
	return m, nil
}

// track counts one more goroutine working for s, unless s is closed.
func (s *Service) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// PeerShards returns the shards p reported, if p passed vetting and is
// still connected. The caller owns the returned slice.
func (s *Service) PeerShards(p peer.ID) ([]uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.mu.shards[p]
	return append([]uint32(nil), sh...), ok
}

// Close stops vetting, removes the handler and waits for in-flight
// exchanges (which it cancels). It is safe to call more than once.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.closed = true
	started := s.mu.started
	s.mu.Unlock()
	s.h.RemoveStreamHandler(ID)
	if started {
		s.h.Network().StopNotify(s.notifiee)
	}
	s.cancel()
	s.wg.Wait()
	return nil
}
