package p2p

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/cairn-node/cairn/node/p2p/mplex"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Options.
const (
	// DefaultConnLow and DefaultConnHigh are the connection manager's
	// watermarks: above High it trims connections down to Low. High is
	// Logos Storage's default maximum peer count (160).
	DefaultConnLow  = 100
	DefaultConnHigh = 160
	// DefaultDHTPrefix is the protocol prefix of the kad DHT
	// ("/cairn/kad/1.0.0"), apart from the public IPFS DHT (/ipfs).
	DefaultDHTPrefix protocol.ID = "/cairn"
	// DefaultUserAgent is sent in identify.
	DefaultUserAgent = "cairn"
)

// DefaultWebSocketPort is nwaku's default WebSocket port
// (--websocket-port). Browsers (js-waku) can only dial WebSocket addresses;
// a node that browsers reach through a port forward should listen on a
// fixed port such as this one (/ip4/0.0.0.0/tcp/8000/ws).
const DefaultWebSocketPort = 8000

// DefaultListenAddrs are the listen addresses when Options.ListenAddrs is
// nil: TCP, QUIC and WebSocket (for browsers) on every IPv4 interface,
// ports chosen by the kernel, so that several hosts can share a machine.
var DefaultListenAddrs = []string{
	"/ip4/0.0.0.0/tcp/0",
	"/ip4/0.0.0.0/udp/0/quic-v1",
	"/ip4/0.0.0.0/tcp/0/ws",
}

// Errors of Host; test them with errors.Is.
var (
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("p2p: closed")
	// ErrNoDHT is returned by Provide and FindProviders on a host built
	// with DHTOff.
	ErrNoDHT = errors.New("p2p: DHT disabled; set Options.DHT to use it")
)

// DHTMode selects whether and how the host runs the kad DHT.
type DHTMode int

const (
	// DHTOff runs no DHT (the default): providers are given explicitly.
	DHTOff DHTMode = iota
	// DHTClient queries the DHT but does not answer queries.
	DHTClient
	// DHTServer queries and answers; for nodes that others can dial.
	DHTServer
	// DHTAuto switches between client and server as AutoNAT finds the
	// node reachable or not.
	DHTAuto
)

// String returns "off", "client", "server" or "auto".
func (m DHTMode) String() string {
	switch m {
	case DHTOff:
		return "off"
	case DHTClient:
		return "client"
	case DHTServer:
		return "server"
	case DHTAuto:
		return "auto"
	}
	return fmt.Sprintf("DHTMode(%d)", int(m))
}

// Options configures New. The zero value is valid: a host with an
// ephemeral identity, listening on DefaultListenAddrs, without a DHT.
type Options struct {
	// ListenAddrs are the multiaddrs to listen on. Nil means
	// DefaultListenAddrs; an empty non-nil slice listens nowhere (a
	// dial-only host).
	ListenAddrs []string
	// PrivKeyPath is the identity key file. Empty means DataDir/KeyFile;
	// if DataDir is empty too, the identity is random and lost on Close.
	// A missing file is created (see LoadOrCreateKey).
	PrivKeyPath string
	// DataDir is the node's data directory, where the key lives unless
	// PrivKeyPath says otherwise.
	DataDir string
	// Logger receives the host's logs. Nil means slog.Default() with
	// subsys=node/p2p.
	Logger *slog.Logger

	// NATPortMap asks the LAN gateway for a port mapping (UPnP,
	// NAT-PMP). Default off: it sends traffic to the local network.
	NATPortMap bool
	// DisableRelay turns off the circuit-relay v2 client (dialling and
	// being dialled through relays), on by default.
	DisableRelay bool
	// StaticRelays, when set, turns on AutoRelay with these relays: the
	// host reserves a slot on them when AutoNAT finds it unreachable.
	StaticRelays []peer.AddrInfo
	// DisableHolePunching turns off DCUtR hole punching, on by default.
	DisableHolePunching bool
	// DisableAutoNATv2 turns off the AutoNAT v2 client and server, on by
	// default. (go-libp2p's AutoNAT v1 client always runs; it only probes
	// public addresses.)
	DisableAutoNATv2 bool

	// ConnLow and ConnHigh are the connection manager's watermarks. Zero
	// means DefaultConnLow / DefaultConnHigh.
	ConnLow, ConnHigh int
	// UserAgent is sent in identify. Empty means DefaultUserAgent.
	UserAgent string
	// Registerer receives go-libp2p's metrics. Nil means no metrics.
	Registerer prometheus.Registerer

	// DHT selects the DHT mode; DHTOff (the default) runs none.
	DHT DHTMode
	// BootstrapPeers are dialled by Start and seed the DHT's routing
	// table. None by default: a node never dials public bootstrap nodes.
	BootstrapPeers []peer.AddrInfo
	// DHTPrefix is the DHT's protocol prefix. Empty means
	// DefaultDHTPrefix.
	DHTPrefix protocol.ID
}

// Host is a running libp2p host, with an optional DHT. It embeds the
// go-libp2p host, so it can be passed wherever a host.Host is taken;
// Close closes the DHT and then the host.
//
// concurrency: all methods are safe for concurrent use.
type Host struct {
	host.Host
	dht  *dht.IpfsDHT
	log  *slog.Logger
	opts Options

	mu struct {
		sync.Mutex
		closed bool
	}
	closeOnce sync.Once
	closeErr  error
}

var _ host.Host = (*Host)(nil)

// New builds the host and starts listening on opts.ListenAddrs. It loads
// (or creates) the identity key first. It dials nobody: Start dials the
// bootstrap peers. ctx bounds the construction only.
func New(ctx context.Context, opts Options) (*Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default().With("subsys", "node/p2p")
	}
	if opts.ListenAddrs == nil {
		opts.ListenAddrs = DefaultListenAddrs
	}
	if opts.ConnLow == 0 {
		opts.ConnLow = DefaultConnLow
	}
	if opts.ConnHigh == 0 {
		opts.ConnHigh = DefaultConnHigh
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.DHTPrefix == "" {
		opts.DHTPrefix = DefaultDHTPrefix
	}
	if opts.DHT < DHTOff || opts.DHT > DHTAuto {
		return nil, fmt.Errorf("p2p: unknown DHT mode %d", int(opts.DHT))
	}
	listen := make([]multiaddr.Multiaddr, 0, len(opts.ListenAddrs))
	for _, s := range opts.ListenAddrs {
		a, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("p2p: listen address %q: %w", s, err)
		}
		listen = append(listen, a)
	}

	key, err := identity(opts, log)
	if err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(opts.ConnLow, opts.ConnHigh)
	if err != nil {
		return nil, fmt.Errorf("p2p: connection manager: %w", err)
	}
	lo := []libp2p.Option{
		libp2p.Identity(key),
		libp2p.ListenAddrs(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.Transport(websocket.New), // /ws listen addrs, for browsers (js-waku)
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.Muxer(mplex.ID, mplex.DefaultTransport), // after yamux: only for peers without it (js-waku)
		libp2p.ConnectionManager(cm),
		libp2p.UserAgent(opts.UserAgent),
	}
	if opts.Registerer != nil {
		lo = append(lo, libp2p.PrometheusRegisterer(opts.Registerer))
	} else {
		lo = append(lo, libp2p.DisableMetrics())
	}
	if opts.DisableRelay {
		lo = append(lo, libp2p.DisableRelay())
	} else {
		lo = append(lo, libp2p.EnableRelay())
		if len(opts.StaticRelays) > 0 {
			lo = append(lo, libp2p.EnableAutoRelayWithStaticRelays(opts.StaticRelays))
		}
	}
	if !opts.DisableHolePunching {
		lo = append(lo, libp2p.EnableHolePunching())
	}
	if !opts.DisableAutoNATv2 {
		lo = append(lo, libp2p.EnableAutoNATv2())
	}
	if opts.NATPortMap {
		lo = append(lo, libp2p.NATPortMap())
	}
	lh, err := libp2p.New(lo...)
	if err != nil {
		return nil, fmt.Errorf("p2p: build host: %w", err)
	}
	h := &Host{Host: lh, log: log, opts: opts}
	if opts.DHT != DHTOff {
		mode := map[DHTMode]dht.ModeOpt{DHTClient: dht.ModeClient, DHTServer: dht.ModeServer, DHTAuto: dht.ModeAuto}[opts.DHT]
		do := []dht.Option{dht.Mode(mode), dht.ProtocolPrefix(opts.DHTPrefix)}
		if len(opts.BootstrapPeers) > 0 {
			do = append(do, dht.BootstrapPeers(opts.BootstrapPeers...))
		}
		if h.dht, err = dht.New(lh, do...); err != nil {
			lh.Close()
			return nil, fmt.Errorf("p2p: build DHT: %w", err)
		}
	}
	log.Info("libp2p host up", "peer", lh.ID(), "addrs", lh.Addrs(), "dht", opts.DHT)
	return h, nil
}

// identity loads the key of opts, or makes an ephemeral one.
func identity(opts Options, log *slog.Logger) (crypto.PrivKey, error) {
	path := opts.PrivKeyPath
	if path == "" && opts.DataDir != "" {
		path = filepath.Join(opts.DataDir, KeyFile)
	}
	if path == "" {
		k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("p2p: generate identity key: %w", err)
		}
		return k, nil
	}
	return LoadOrCreateKey(path, log)
}

// Start dials the bootstrap peers in parallel and bootstraps the DHT. A
// peer that cannot be dialled is logged, not returned: the node can still
// be dialled and given peers later. It returns ErrClosed after Close and
// ctx's error if ctx ends first.
func (h *Host) Start(ctx context.Context) error {
	if h.isClosed() {
		return ErrClosed
	}
	var wg sync.WaitGroup
	for _, ai := range h.opts.BootstrapPeers {
		wg.Go(func() {
			if err := h.Connect(ctx, ai); err != nil {
				h.log.Warn("bootstrap peer unreachable", "peer", ai.ID, "err", err)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if h.dht != nil {
		if err := h.dht.Bootstrap(ctx); err != nil {
			return fmt.Errorf("p2p: bootstrap DHT: %w", err)
		}
	}
	return nil
}

// AddrInfo returns the host's peer ID and listen addresses, as another
// host passes them to Connect.
func (h *Host) AddrInfo() peer.AddrInfo {
	return peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}
}

// DHT returns the DHT, or nil for DHTOff.
func (h *Host) DHT() *dht.IpfsDHT { return h.dht }

// Provide announces this host as a provider of c in the DHT and waits
// until the record is stored on the closest peers it finds. Errors:
// ErrNoDHT, ErrClosed, or the DHT's (for example when its routing table
// is empty).
func (h *Host) Provide(ctx context.Context, c cid.Cid) error {
	if h.dht == nil {
		return ErrNoDHT
	}
	if h.isClosed() {
		return ErrClosed
	}
	if err := h.dht.Provide(ctx, c, true); err != nil {
		return fmt.Errorf("p2p: provide %s: %w", c, err)
	}
	return nil
}

// FindProviders returns up to limit providers of c found in the DHT (this
// host excluded); limit <= 0 means no limit. Providers that come without
// addresses are returned too: the peerstore may know them. Errors:
// ErrNoDHT, ErrClosed, ctx's error.
func (h *Host) FindProviders(ctx context.Context, c cid.Cid, limit int) ([]peer.AddrInfo, error) {
	if h.dht == nil {
		return nil, ErrNoDHT
	}
	if h.isClosed() {
		return nil, ErrClosed
	}
	limit = max(limit, 0) // FindProvidersAsync: 0 is no limit
	var out []peer.AddrInfo
	for ai := range h.dht.FindProvidersAsync(ctx, c, limit) {
		if ai.ID == h.ID() {
			continue
		}
		out = append(out, ai)
	}
	if len(out) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (h *Host) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.closed
}

// Close closes the DHT, then the host and its connections. It is safe to
// call more than once; later calls return the first call's result.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.mu.closed = true
		h.mu.Unlock()
		var errs []error
		if h.dht != nil {
			if err := h.dht.Close(); err != nil {
				errs = append(errs, fmt.Errorf("p2p: close DHT: %w", err))
			}
		}
		if err := h.Host.Close(); err != nil {
			errs = append(errs, fmt.Errorf("p2p: close host: %w", err))
		}
		h.closeErr = errors.Join(errs...)
	})
	return h.closeErr
}
