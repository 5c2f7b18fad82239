package lightpush

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// Protocol IDs (nwaku waku_core/codecs.nim). The server also accepts
// either followed by any suffix, as nwaku's protocolMatcher.
const (
	ProtocolID       protocol.ID = "/vac/waku/lightpush/3.0.0"
	LegacyProtocolID protocol.ID = "/vac/waku/lightpush/2.0.0-beta1"
)

// requestTimeout bounds reading a request, publishing it and answering.
const requestTimeout = 30 * time.Second

// Publisher relays a light client's message. *relay.Relay fits through
// RelayPublisher; a wrapper can attach RLN proofs or validate first.
//
// Publish sends m on pubsubTopic and returns its message hash. Errors
// choose the answer: a *StatusError (possibly wrapped) gives its code,
// relay.ErrTooLarge 413, relay.ErrRejected 420, relay.ErrClosed 503,
// anything else 500. PeerCount returns the number of relay peers of
// pubsubTopic; zero after a successful Publish is answered 505 ("No
// peers for topic"), as nwaku does.
//
// concurrency: both methods are called concurrently, one call per
// request.
type Publisher interface {
	Publish(ctx context.Context, pubsubTopic string, m message.Message) ([32]byte, error)
	PeerCount(pubsubTopic string) int
}

// RelayPublisher returns r as a Publisher: Publish is r.Publish and
// PeerCount is len(r.Peers(pubsubTopic)).
func RelayPublisher(r *relay.Relay) Publisher { return relayPublisher{r} }

type relayPublisher struct{ r *relay.Relay }

func (p relayPublisher) Publish(ctx context.Context, t string, m message.Message) ([32]byte, error) {
	return p.r.Publish(ctx, t, m)
}

func (p relayPublisher) PeerCount(t string) int { return len(p.r.Peers(t)) }

// Server is the lightpush service: it relays the messages light clients
// push on ProtocolID (v3) and LegacyProtocolID (v2) through a Publisher,
// and answers with nwaku's status codes and descriptions.
//
// concurrency: safe for concurrent use; each stream is served on its own
// goroutine (libp2p's).
type Server struct {
	h    host.Host
	pub  Publisher
	cfg  config
	log  *slog.Logger
	m    *metrics
	life context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	once sync.Once

	// mu guards closed, so that no request joins wg once Close waits.
	mu     sync.Mutex
	closed bool
}

// begin registers a request in flight; false after Close.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// NewServer registers the handlers of ProtocolID and LegacyProtocolID on
// h. Messages are published through pub. It runs until Close.
func NewServer(h host.Host, pub Publisher, opts ...Option) (*Server, error) {
	if pub == nil {
		return nil, errors.New("lightpush: nil Publisher")
	}
	cfg := config{autoshard: true, cluster: message.DefaultClusterID, numShards: message.DefaultShardCount}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.log == nil {
		cfg.log = slog.Default().With("subsys", "node/waku/lightpush")
	}
	m, err := newMetrics(cfg.reg)
	if err != nil {
		return nil, err
	}
	s := &Server{h: h, pub: pub, cfg: cfg, log: cfg.log, m: m}
	s.life, s.stop = context.WithCancel(context.Background())
	for id, handle := range map[protocol.ID]func([]byte, peer.ID) []byte{
		ProtocolID:       s.handleV3,
		LegacyProtocolID: s.handleLegacy,
	} {
		h.SetStreamHandlerMatch(id, prefixMatch(id), s.streamHandler(handle, id))
	}
	return s, nil
}

func prefixMatch(id protocol.ID) func(protocol.ID) bool {
	return func(got protocol.ID) bool { return strings.HasPrefix(string(got), string(id)) }
}

// Close removes the stream handlers, cancels the publications in flight
// and waits for their answers. It does not close the host. Safe to call
// more than once; returns nil.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.h.RemoveStreamHandler(ProtocolID)
		s.h.RemoveStreamHandler(LegacyProtocolID)
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.stop()
		s.wg.Wait()
	})
	return nil
}

// streamHandler serves one request per stream with handle, which turns
// the request bytes (nil when too large) into the response bytes.
func (s *Server) streamHandler(handle func([]byte, peer.ID) []byte, id protocol.ID) network.StreamHandler {
	return func(st network.Stream) {
		defer st.Close()
		if !s.begin() {
			_ = st.Reset()
			return
		}
		defer s.wg.Done()
		_ = st.SetDeadline(time.Now().Add(requestTimeout))
		p := st.Conn().RemotePeer()
		buf, err := wakustream.ReadMsg(st, MaxRPCSize)
		if err != nil && !errors.Is(err, wakustream.ErrTooLarge) {
			s.log.Debug("read lightpush request", "protocol", id, "peer", p, "err", err)
			_ = st.Reset()
			return
		}
		if err != nil {
			buf = nil
		}
		if err := wakustream.WriteMsg(st, handle(buf, p)); err != nil {
			s.log.Debug("write lightpush response", "protocol", id, "peer", p, "err", err)
			_ = st.Reset()
		}
	}
}

// handleV3 answers a v3 request (nil: larger than MaxRPCSize).
func (s *Server) handleV3(buf []byte, p peer.ID) []byte {
	fail := func(id string, e *StatusError) []byte {
		s.m.errors.WithLabelValues(strconv.Itoa(int(e.Code))).Inc()
		s.log.Debug("lightpush refused", "peer", p, "code", e.Code, "desc", e.Desc)
		return Response{RequestID: id, StatusCode: e.Code, StatusDesc: &e.Desc}.Encode()
	}
	if buf == nil {
		return fail(requestIDNotAvailable, &StatusError{StatusPayloadTooLarge, "request larger than " + strconv.Itoa(MaxRPCSize) + " bytes"})
	}
	req, err := DecodeRequest(buf)
	if err != nil {
		code := StatusBadRequest
		if errors.Is(err, ErrMessageTooLarge) {
			code = StatusPayloadTooLarge
		}
		return fail(requestIDNotAvailable, &StatusError{code, errDecodeRPC + ": " + err.Error()})
	}
	s.m.messages.WithLabelValues("PushRequest").Inc()
	n, serr := s.publish(req.PubsubTopic, req.Message)
	if serr != nil {
		return fail(req.RequestID, serr)
	}
	return Response{RequestID: req.RequestID, StatusCode: StatusOK, RelayPeerCount: &n}.Encode()
}

// handleLegacy answers a v2 PushRPC (nil: larger than MaxRPCSize).
func (s *Server) handleLegacy(buf []byte, p peer.ID) []byte {
	var id, info, label string
	switch rpc, err := DecodePushRPC(buf); {
	case buf == nil:
		info, label = errDecodeRPC+": request larger than "+strconv.Itoa(MaxRPCSize)+" bytes", errDecodeRPC
	case err != nil:
		info, label = errDecodeRPC+": "+err.Error(), errDecodeRPC
	case rpc.Request == nil:
		id, info, label = rpc.RequestID, errEmptyRequestBody, errEmptyRequestBody
	default:
		id = rpc.RequestID
		s.m.legacyMessages.WithLabelValues("PushRequest").Inc()
		topic := rpc.Request.PubsubTopic
		_, serr := s.publish(&topic, rpc.Request.Message)
		switch {
		case serr == nil:
			info = "OK"
		case serr.Code == StatusNoPeersToRelay || serr.Code >= StatusInternalServerError && serr.Code != StatusOutOfRLNProof:
			// As nwaku: legacy clients see every publish failure as this.
			info, label = errNotPublished, errNotPublished
		default:
			info, label = serr.Desc, errMessagePush
		}
	}
	ok := label == ""
	if !ok {
		s.m.legacyErrors.WithLabelValues(label).Inc()
		s.log.Debug("legacy lightpush refused", "peer", p, "info", info)
	}
	return PushRPC{RequestID: id, Response: &PushResponse{IsSuccess: ok, Info: &info}}.Encode()
}

// publish resolves the pubsub topic of m (autosharding when topic is
// nil), publishes m and returns the relay peer count.
func (s *Server) publish(topic *string, m message.Message) (uint32, *StatusError) {
	var t string
	if topic != nil {
		t = *topic
	} else {
		if !s.cfg.autoshard {
			return 0, &StatusError{StatusInvalidMessage, descStaticShardingNeedTopic}
		}
		ct, err := message.ParseContentTopic(m.ContentTopic)
		if err != nil {
			return 0, &StatusError{StatusInvalidMessage, "Invalid content-topic:" + err.Error()}
		}
		t = message.Shard(ct, s.cfg.cluster, s.cfg.numShards).String()
	}
	if strings.TrimSpace(t) == "" {
		return 0, &StatusError{StatusBadRequest, "topic must not be empty"}
	}
	if pt, err := message.ParsePubsubTopic(t); err != nil {
		return 0, &StatusError{StatusUnsupportedPubsub, err.Error()}
	} else if pt.Cluster != s.cfg.cluster {
		return 0, &StatusError{StatusUnsupportedPubsub, "pubsub topic " + t + " is not in cluster " + strconv.Itoa(int(s.cfg.cluster))}
	}
	// Without relay peers the push is refused before it is published, so
	// a refused push leaves nothing behind (no local delivery to filter
	// or store, no RLN message id spent) and the client may retry.
	if s.pub.PeerCount(t) <= 0 {
		return 0, &StatusError{StatusNoPeersToRelay, descNoPeers}
	}
	ctx, cancel := context.WithTimeout(s.life, requestTimeout)
	defer cancel()
	if _, err := s.pub.Publish(ctx, t, m); err != nil {
		return 0, publishStatus(err)
	}
	return uint32(max(s.pub.PeerCount(t), 1)), nil
}

// publishStatus maps a Publisher error to its answer (see Publisher).
func publishStatus(err error) *StatusError {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, relay.ErrTooLarge):
		return &StatusError{StatusPayloadTooLarge, err.Error()}
	case errors.Is(err, relay.ErrRejected):
		return &StatusError{StatusInvalidMessage, err.Error()}
	case errors.Is(err, relay.ErrClosed), errors.Is(err, context.Canceled):
		return &StatusError{StatusServiceNotAvailable, err.Error()}
	}
	return &StatusError{StatusInternalServerError, err.Error()}
}
