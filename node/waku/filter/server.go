package filter

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

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// Protocol IDs (nwaku waku_core/codecs.nim). The server also accepts
// SubscribeProtocolID followed by any suffix, as nwaku's protocolMatcher.
const (
	SubscribeProtocolID protocol.ID = "/vac/waku/filter-subscribe/2.0.0-beta1"
	PushProtocolID      protocol.ID = "/vac/waku/filter-push/2.0.0-beta1"
)

// ErrClosed is returned by the Client after Close.
var ErrClosed = errors.New("filter: closed")

// requestTimeout bounds reading a request and writing its response.
const requestTimeout = 10 * time.Second

// Server is the filter service: it keeps the subscriptions that light
// clients make on SubscribeProtocolID and pushes them the matching
// messages that HandleMessage is fed, on PushProtocolID.
//
// Pushes never block HandleMessage: each subscriber has a goroutine with
// a bounded queue (WithPush); when the queue is full the push is
// dropped, and a subscriber whose pushes fail several times in a row
// (no connection, write timeout) loses its subscriptions. A message is
// pushed at most once per message-cache TTL (same hash).
//
// concurrency: all methods are safe for concurrent use.
type Server struct {
	h      host.Host
	cfg    config
	log    *slog.Logger
	m      *metrics
	life   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		closed  bool
		subs    *table
		limit   *limiter
		pushers map[peer.ID]*pusher
		// seen maps the hash of each pushed message to when it was
		// last handled.
		seen map[[32]byte]time.Time
	}
	closeOnce sync.Once
}

// NewServer starts the filter service on h: it registers the handler of
// SubscribeProtocolID and starts the goroutine that expires
// subscriptions. It runs until Close.
func NewServer(h host.Host, opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.log == nil {
		cfg.log = slog.Default().With("subsys", "node/waku/filter")
	}
	m, err := newMetrics(cfg.reg)
	if err != nil {
		return nil, err
	}
	s := &Server{h: h, cfg: cfg, log: cfg.log, m: m}
	s.mu.subs = newTable(cfg.maxPeers, cfg.maxCriteria, cfg.timeout)
	s.mu.limit = newLimiter(cfg.rateLimit, cfg.ratePeriod)
	s.mu.pushers = make(map[peer.ID]*pusher)
	s.mu.seen = make(map[[32]byte]time.Time)
	s.life, s.cancel = context.WithCancel(context.Background())
	h.SetStreamHandlerMatch(SubscribeProtocolID, func(id protocol.ID) bool {
		return strings.HasPrefix(string(id), string(SubscribeProtocolID))
	}, s.handleStream)
	s.wg.Add(1)
	go s.maintain()
	return s, nil
}

// Close removes the stream handler, stops every push goroutine and the
// expiry goroutine, and waits for them. Subscriptions are forgotten.
// It does not close the host. Safe to call more than once; returns nil.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.h.RemoveStreamHandler(SubscribeProtocolID)
		s.mu.Lock()
		s.mu.closed = true
		for p := range s.mu.pushers {
			s.stopPusherLocked(p)
		}
		s.mu.Unlock()
		s.cancel()
		s.wg.Wait()
	})
	return nil
}

// SubscriberCount returns the number of peers holding subscriptions
// (timed-out ones included until the next expiry pass).
func (s *Server) SubscriberCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.subs.peers)
}

// handleStream serves one subscribe request: read it, answer, close.
func (s *Server) handleStream(st network.Stream) {
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(requestTimeout))
	p := st.Conn().RemotePeer()

	s.mu.Lock()
	allowed := s.mu.limit.allow(p, s.cfg.now())
	s.mu.Unlock()
	var resp SubscribeResponse
	if !allowed {
		// As nwaku: the request is not read, its id is unknown.
		desc := descRateLimited
		resp = SubscribeResponse{RequestID: requestIDNotAvailable, StatusCode: StatusTooManyRequests, StatusDesc: &desc}
	} else {
		buf, err := wakustream.ReadMsg(st, MaxSubscribeRequestSize)
		if err != nil && !errors.Is(err, wakustream.ErrTooLarge) {
			s.log.Debug("read subscribe request", "peer", p, "err", err)
			_ = st.Reset()
			return
		}
		if err == nil {
			resp = s.handleRequest(p, buf)
		} else {
			resp = badRequestResponse(err)
		}
	}
	if err := wakustream.WriteMsg(st, resp.Encode()); err != nil {
		s.log.Debug("write subscribe response", "peer", p, "err", err)
		_ = st.Reset()
	}
}

// badRequestResponse answers a request that could not be decoded.
// nwaku closes the stream without an answer; Cairn answers 400 so that
// the client learns why.
func badRequestResponse(err error) SubscribeResponse {
	desc := statusErr(StatusBadRequest, errDecodeRPC+": "+err.Error()).Desc
	return SubscribeResponse{RequestID: requestIDNotAvailable, StatusCode: StatusBadRequest, StatusDesc: &desc}
}

// handleRequest decodes and executes one request from p.
func (s *Server) handleRequest(p peer.ID, buf []byte) SubscribeResponse {
	req, err := DecodeSubscribeRequest(buf)
	if err != nil {
		s.m.errors.WithLabelValues(errDecodeRPC).Inc()
		return badRequestResponse(err)
	}
	start := time.Now()
	s.m.requests.WithLabelValues(req.Type.String()).Inc()
	serr := s.execute(p, req)
	s.m.requestDuration.WithLabelValues(req.Type.String()).Observe(time.Since(start).Seconds())
	if serr != nil {
		s.log.Debug("subscribe request refused", "peer", p, "type", req.Type, "code", serr.Code, "desc", serr.Desc)
		return SubscribeResponse{RequestID: req.RequestID, StatusCode: serr.Code, StatusDesc: &serr.Desc}
	}
	ok := "OK"
	return SubscribeResponse{RequestID: req.RequestID, StatusCode: StatusOK, StatusDesc: &ok}
}

// execute applies req of peer p to the subscription table.
func (s *Server) execute(p peer.ID, req SubscribeRequest) *StatusError {
	var cs []criterion
	if req.Type == Subscribe || req.Type == Unsubscribe {
		var serr *StatusError
		if cs, serr = s.criteria(req); serr != nil {
			return serr
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return statusErr(StatusServiceUnavailable, "service is shutting down")
	}
	now := s.cfg.now()
	var serr *StatusError
	switch req.Type {
	case Ping:
		serr = s.mu.subs.ping(p, now)
	case Subscribe:
		serr = s.mu.subs.subscribe(p, cs, now)
	case Unsubscribe:
		serr = s.mu.subs.unsubscribe(p, cs, now)
	case UnsubscribeAll:
		serr = s.mu.subs.unsubscribeAll(p, now)
	}
	if _, ok := s.mu.subs.peers[p]; !ok {
		s.stopPusherLocked(p)
	}
	s.m.subscriptions.Set(float64(len(s.mu.subs.peers)))
	return serr
}

// criteria returns the distinct criteria of a Subscribe or Unsubscribe
// request, deriving the pubsub topic of each content topic by
// autosharding when the request has none.
func (s *Server) criteria(req SubscribeRequest) ([]criterion, *StatusError) {
	if len(req.ContentTopics) == 0 || (req.PubsubTopic == nil && !s.cfg.autoshard) {
		return nil, statusErr(StatusBadRequest, causeTopicsRequired)
	}
	if len(req.ContentTopics) > MaxContentTopicsPerRequest {
		return nil, statusErr(StatusBadRequest, causeTooManyTopics+strconv.Itoa(MaxContentTopicsPerRequest))
	}
	seen := make(map[criterion]struct{}, len(req.ContentTopics))
	cs := make([]criterion, 0, len(req.ContentTopics))
	for _, ct := range req.ContentTopics {
		c := criterion{contentTopic: ct}
		if req.PubsubTopic != nil {
			c.pubsubTopic = *req.PubsubTopic
		} else {
			parsed, err := message.ParseContentTopic(ct)
			if err != nil {
				return nil, statusErr(StatusBadRequest, "cannot autoshard: "+err.Error())
			}
			c.pubsubTopic = message.Shard(parsed, s.cfg.cluster, s.cfg.numShards).String()
		}
		if _, dup := seen[c]; !dup {
			seen[c] = struct{}{}
			cs = append(cs, c)
		}
	}
	return cs, nil
}

// maintain removes timed-out subscriptions, stale message hashes and
// rate-limit buckets periodically, until Close.
func (s *Server) maintain() {
	defer s.wg.Done()
	every := min(maintenanceInterval, s.cfg.timeout)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.life.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		now := s.cfg.now()
		for _, p := range s.mu.subs.expire(now) {
			s.stopPusherLocked(p)
		}
		for h, at := range s.mu.seen {
			if now.Sub(at) > s.cfg.cacheTTL {
				delete(s.mu.seen, h)
			}
		}
		s.mu.limit.forgetFull(now)
		s.m.subscriptions.Set(float64(len(s.mu.subs.peers)))
		s.mu.Unlock()
	}
}
