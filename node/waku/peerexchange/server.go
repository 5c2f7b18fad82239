package peerexchange

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// ID is the protocol ID of Waku peer exchange (nwaku's WakuPeerExchangeCodec).
const ID protocol.ID = "/vac/waku/peer-exchange/2.0.0-alpha1"

// Limits, as nwaku's waku_peer_exchange/common.nim sets them.
const (
	// MaxPeersPerResponse caps the ENRs in one response, whatever the
	// request asks (nwaku's MaxPeersCacheSize).
	MaxPeersPerResponse = 60
	// DefaultNumPeers is what a client asks for by default
	// (DefaultPXNumPeersReq).
	DefaultNumPeers = 5
	// MaxRPCSize is the largest message read: ten 150 KiB Waku messages
	// plus 64 KiB (DefaultMaxRpcSize).
	MaxRPCSize = 10*150*1024 + 64*1024
	// DefaultTimeout bounds one exchange when no other limit is given.
	DefaultTimeout = 10 * time.Second
)

// Source gives the server the records of peers it may recommend.
type Source interface {
	// PeerENRs returns the records of known peers (nwaku hands out only
	// peers found through discv5). It must be safe for concurrent use
	// and must not block on the network; the server does not modify
	// the slice.
	PeerENRs() []*enode.Node
}

// SourceFunc adapts a function to Source.
type SourceFunc func() []*enode.Node

// PeerENRs calls f.
func (f SourceFunc) PeerENRs() []*enode.Node { return f() }

// ServerOptions configures NewServer. The zero value serves every record
// of the source.
type ServerOptions struct {
	// ClusterID, when set, leaves out records whose rs/rsv field names
	// another cluster; records without one are kept (nwaku's
	// isClusterMismatched). Nil filters nothing.
	ClusterID *uint16
	// Timeout bounds one exchange. Zero means DefaultTimeout.
	Timeout time.Duration
	// Logger receives the server's logs. Nil means slog.Default() with
	// subsys=node/waku/peerexchange.
	Logger *slog.Logger
}

// Server answers peer-exchange requests with records from a Source.
// It applies no rate limit (nwaku's is off unless configured).
//
// concurrency: safe for concurrent use.
type Server struct {
	h    host.Host
	src  Source
	opts ServerOptions
	mu   struct {
		sync.Mutex
		closed bool
	}
	wg sync.WaitGroup
}

// NewServer registers the protocol handler on h.
func NewServer(h host.Host, src Source, opts ServerOptions) (*Server, error) {
	if h == nil || src == nil {
		return nil, errors.New("peerexchange: nil host or source")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("subsys", "node/waku/peerexchange")
	}
	s := &Server{h: h, src: src, opts: opts}
	h.SetStreamHandler(ID, s.handle)
	return s, nil
}

// Close removes the handler and waits for requests being answered. It is
// safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.closed = true
	s.mu.Unlock()
	s.h.RemoveStreamHandler(ID)
	s.wg.Wait()
	return nil
}

// handle answers one request, as nwaku's handler: BAD_REQUEST with the
// reason when the request cannot be read or decoded, else SUCCESS with
// up to min(num_peers, MaxPeersPerResponse) records.
func (s *Server) handle(st network.Stream) {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		st.Reset()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer st.Close()
	st.SetDeadline(time.Now().Add(s.opts.Timeout))
	log := s.opts.Logger.With("peer", st.Conn().RemotePeer())

	resp := Response{Status: StatusSuccess}
	b, err := msgio.NewVarintReaderSize(st, MaxRPCSize).ReadMsg()
	if err == nil {
		var req RPC
		if req, err = Unmarshal(b); err == nil {
			resp.ENRs = s.pick(req.NumPeers)
		}
	}
	if err != nil {
		log.Debug("bad peer-exchange request", "err", err)
		resp = Response{Status: StatusBadRequest, Desc: err.Error(), HasDesc: true}
	}
	if err := msgio.NewVarintWriter(st).WriteMsg(RPC{Response: resp}.Marshal()); err != nil {
		log.Debug("write peer-exchange response", "err", err)
		st.Reset()
		return
	}
	log.Debug("peer-exchange request answered", "enrs", len(resp.ENRs))
}

// pick samples up to min(n, MaxPeersPerResponse) eligible records
// uniformly (reservoir sampling, as nwaku) and encodes them.
func (s *Server) pick(n uint64) [][]byte {
	k := int(min(n, MaxPeersPerResponse))
	var chosen []*enode.Node
	i := 0
	for _, node := range s.src.PeerENRs() {
		if node == nil || !s.eligible(node) {
			continue
		}
		if i < k {
			chosen = append(chosen, node)
		} else if j := rand.IntN(i + 1); j < k {
			chosen[j] = node
		}
		i++
	}
	out := make([][]byte, 0, len(chosen))
	for _, node := range chosen {
		if b, err := enr.Encode(node); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// eligible applies the cluster filter.
func (s *Server) eligible(n *enode.Node) bool {
	if s.opts.ClusterID == nil {
		return true
	}
	rs, err := enr.ShardsOf(n.Record())
	return err != nil || rs.Cluster == *s.opts.ClusterID
}
