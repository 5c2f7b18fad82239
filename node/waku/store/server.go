package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// ID is the store query protocol (WakuStoreCodec in nwaku's
// waku/waku_core/codecs.nim).
const ID protocol.ID = "/vac/waku/store-query/3.0.0"

// Server defaults.
const (
	// DefaultTimeout bounds one exchange on the server: reading the
	// request, the query, writing the response.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxConcurrent is how many queries the server runs at once;
	// more are answered 503.
	DefaultMaxConcurrent = 16
)

// ServerOptions configure NewServer. Zero values mean the defaults.
type ServerOptions struct {
	// Timeout bounds each exchange; the default is DefaultTimeout.
	Timeout time.Duration
	// MaxConcurrent bounds the queries running at once; the default is
	// DefaultMaxConcurrent.
	MaxConcurrent int
	// RateLimit and RatePeriod allow RateLimit requests per RatePeriod
	// (a token bucket for all peers together, like nwaku's
	// --rate-limit=store:<volume>/<period>); beyond it requests are
	// answered 429 without being read. Zero, the default as in nwaku,
	// means no limit.
	RateLimit  int
	RatePeriod time.Duration
	// Metrics counts queries and errors; nil counts nothing.
	Metrics *Metrics
	// Logger; nil means slog.Default() with subsys=node/waku/store.
	Logger *slog.Logger
}

// Server answers store queries on ID from a Querier.
//
// concurrency: safe for concurrent use; each stream is served on the
// goroutine libp2p gives it.
type Server struct {
	h     host.Host
	q     Querier
	opts  ServerOptions
	log   *slog.Logger
	sem   chan struct{}
	limit *bucket
	once  sync.Once
}

// NewServer registers the stream handler for ID on h and serves queries
// from q until Close.
func NewServer(h host.Host, q Querier, opts ServerOptions) (*Server, error) {
	if h == nil || q == nil {
		return nil, errors.New("store: NewServer needs a host and a querier")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxConcurrent
	}
	if opts.RateLimit < 0 || (opts.RateLimit > 0 && opts.RatePeriod <= 0) {
		return nil, fmt.Errorf("store: rate limit %d per %v: want a positive count and period, or 0 for none", opts.RateLimit, opts.RatePeriod)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{h: h, q: q, opts: opts, log: opts.Logger.With("subsys", "node/waku/store"), sem: make(chan struct{}, opts.MaxConcurrent)}
	if opts.RateLimit > 0 {
		s.limit = newBucket(opts.RateLimit, opts.RatePeriod, time.Now)
	}
	h.SetStreamHandler(ID, s.handle)
	return s, nil
}

// Close removes the stream handler; streams being served finish. Calls
// after the first do nothing. It returns nil.
func (s *Server) Close() error {
	s.once.Do(func() { s.h.RemoveStreamHandler(ID) })
	return nil
}

// handle serves one stream: one request frame in, one response frame out,
// then the stream is closed (js-waku reads until the end of the stream).
func (s *Server) handle(st network.Stream) {
	defer st.Close()
	peer := st.Conn().RemotePeer()
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	_ = st.SetDeadline(time.Now().Add(s.opts.Timeout))

	if s.limit != nil && !s.limit.take() {
		s.reply(st, Response{RequestID: "N/A", StatusCode: StatusTooManyRequests, StatusDesc: "TOO_MANY_REQUESTS"})
		return
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		s.reply(st, Response{RequestID: "N/A", StatusCode: StatusServiceUnavailable, StatusDesc: "SERVICE_UNAVAILABLE"})
		return
	}
	buf, err := readFrame(st, MaxRequestSize)
	if errors.Is(err, errFrameTooLarge) {
		s.opts.Metrics.fail(errDecodeRPC)
		s.reply(st, Response{StatusCode: StatusBadRequest, StatusDesc: "decoding rpc failed: request " + err.Error()})
		return
	}
	if err != nil {
		s.log.Debug("store request not read", "peer", peer, "err", err)
		_ = st.Reset()
		return
	}
	req, err := DecodeRequest(buf)
	if err != nil {
		s.opts.Metrics.fail(errDecodeRPC)
		s.reply(st, Response{StatusCode: StatusBadRequest, StatusDesc: "decoding rpc failed: " + err.Error()})
		return
	}
	s.opts.Metrics.query()
	start := time.Now()
	resp := Answer(ctx, s.q, req)
	s.opts.Metrics.phase("query-db-time", time.Since(start).Seconds())
	if resp.StatusCode >= StatusInternalError && resp.StatusCode != StatusServiceUnavailable {
		s.log.Error("store query failed", "peer", peer, "requestId", req.RequestID, "status", resp.StatusDesc)
	}
	start = time.Now()
	if s.reply(st, resp) {
		s.opts.Metrics.phase("send-store-resp-time", time.Since(start).Seconds())
	}
}

// reply writes resp; it reports whether the write succeeded.
func (s *Server) reply(st network.Stream, resp Response) bool {
	if err := writeFrame(st, resp.Encode()); err != nil {
		s.log.Debug("store response not written", "peer", st.Conn().RemotePeer(), "err", err)
		_ = st.Reset()
		return false
	}
	return true
}

// bucket is a token bucket: n tokens per period, at most n saved.
type bucket struct {
	mu     sync.Mutex
	n      float64
	perSec float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(n int, period time.Duration, now func() time.Time) *bucket {
	return &bucket{n: float64(n), perSec: float64(n) / period.Seconds(), tokens: float64(n), last: now(), now: now}
}

// take spends a token if there is one.
func (b *bucket) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	b.tokens = min(b.n, b.tokens+t.Sub(b.last).Seconds()*b.perSec)
	b.last = t
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
