package mplex

import (
	"log/slog"
	"net"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// ID is mplex's protocol id, negotiated with multistream-select. It is
// untyped, like yamux.ID, so it serves as a string (libp2p.Muxer) and as a
// protocol.ID.
const ID = "/mplex/6.7.0"

// Defaults of Transport.
const (
	// DefaultMaxStreamBuffer is the received data a stream buffers before
	// the connection's reader waits for the application: 1 MiB.
	DefaultMaxStreamBuffer = 1 << 20
	// DefaultReceiveTimeout is how long the reader waits for room in a
	// stream's buffer (or for AcceptStream to take a new stream) before it
	// resets that stream: 5 s, go-mplex's ReceiveTimeout.
	DefaultReceiveTimeout = 5 * time.Second
	// DefaultMaxInboundStreams is how many streams the peer may have open
	// at once: 1024, js-libp2p's limit.
	DefaultMaxInboundStreams = 1024
	// DefaultAcceptBacklog is how many new streams wait for AcceptStream
	// before the reader waits (up to the receive timeout).
	DefaultAcceptBacklog = 64
)

// Transport builds mplex connections; it implements network.Multiplexer.
// The zero value (and DefaultTransport) uses the defaults above; a zero
// field means its default.
//
// concurrency: a Transport must not be changed after its first NewConn;
// NewConn is safe for concurrent use.
type Transport struct {
	// MaxStreamBuffer bounds each stream's unread received data, in
	// bytes. Zero means DefaultMaxStreamBuffer.
	MaxStreamBuffer int
	// ReceiveTimeout is how long a full stream may stall the connection.
	// Zero means DefaultReceiveTimeout.
	ReceiveTimeout time.Duration
	// MaxInboundStreams bounds the streams opened by the peer and not yet
	// closed. Zero means DefaultMaxInboundStreams.
	MaxInboundStreams int
	// Logger receives debug logs of connection failures and resets. Nil
	// means slog.Default() with subsys=node/p2p/mplex.
	Logger *slog.Logger
}

// DefaultTransport is a Transport with every default, for libp2p.Muxer.
var DefaultTransport = &Transport{}

var _ network.Multiplexer = (*Transport)(nil)

// NewConn starts mplex on c and returns the multiplexed connection, which
// owns c from now on (Close closes it). isServer does not matter to mplex:
// each side numbers its own streams. scope may be nil; if not, received
// data is accounted in it while buffered. NewConn never fails.
func (t *Transport) NewConn(c net.Conn, isServer bool, scope network.PeerScope) (network.MuxedConn, error) {
	cfg := *t
	if cfg.MaxStreamBuffer <= 0 {
		cfg.MaxStreamBuffer = DefaultMaxStreamBuffer
	}
	if cfg.ReceiveTimeout <= 0 {
		cfg.ReceiveTimeout = DefaultReceiveTimeout
	}
	if cfg.MaxInboundStreams <= 0 {
		cfg.MaxInboundStreams = DefaultMaxInboundStreams
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default().With("subsys", "node/p2p/mplex")
	}
	return newConn(c, cfg, scope), nil
}
