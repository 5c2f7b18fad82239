package discovery

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/p2p/discover"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// Defaults of Discv5Options.
const (
	// DefaultDiscv5Port is nwaku's default discv5 UDP port
	// (--discv5-udp-port).
	DefaultDiscv5Port = 9000
	// DefaultMaxCached is how many found records PeerENRs keeps.
	DefaultMaxCached = 1000
)

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("discovery: closed")

// Discv5Options configures NewDiscv5.
type Discv5Options struct {
	// Key is the node key (required): the host's secp256k1 identity, so
	// that records name the host's peer ID (see enr.ECDSAKey).
	Key *ecdsa.PrivateKey
	// ListenAddr is the UDP host:port to listen on. Empty means
	// 0.0.0.0:DefaultDiscv5Port; port 0 picks a free port.
	ListenAddr string
	// Bootnodes seed the routing table. None by default.
	Bootnodes []*enode.Node
	// Local holds the Waku fields of the local record (tcp is written
	// under the "tcp" key, also next to an IPv6 ip6, which nwaku reads).
	// Local.IP, when set, is announced as is; otherwise the listen IP (127.0.0.1 for
	// an unspecified one) is a fallback that discv5 replaces with the
	// address peers observe. Local.UDP is ignored: the record carries the
	// port actually bound.
	Local enr.Fields
	// Predicate selects the records reported. Nil means
	// ShardPredicate(*Local.Shards, Bootnodes) when Local.Shards is set
	// (nwaku's rule), else every record.
	Predicate Predicate
	// OnPeer receives each new record that passes Predicate and converts
	// to an AddrInfo, once per node ID and sequence number. Calls come
	// from one goroutine, in order; OnPeer should not block (dial in a
	// goroutine). Nil means records are only cached for PeerENRs.
	OnPeer func(peer.AddrInfo, *enode.Node)
	// MaxCached bounds the records PeerENRs keeps. Zero means
	// DefaultMaxCached.
	MaxCached int
	// Logger receives the service's logs. Nil means slog.Default() with
	// subsys=node/waku/discovery.
	Logger *slog.Logger
}

// Discv5 is a discv5 node that reports Waku peers.
//
// concurrency: all methods are safe for concurrent use.
type Discv5 struct {
	opts Discv5Options
	log  *slog.Logger

	mu struct {
		sync.Mutex
		started, closed bool
		udp             *discover.UDPv5
		iter            enode.Iterator
		seen            map[enode.ID]uint64 // reported seq per node
		cache           []*enode.Node       // reported records, oldest first
	}
	wg sync.WaitGroup
}

// NewDiscv5 checks opts; it opens no socket (Start does).
func NewDiscv5(opts Discv5Options) (*Discv5, error) {
	if opts.Key == nil {
		return nil, errors.New("discovery: Discv5Options.Key is required")
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = fmt.Sprintf("0.0.0.0:%d", DefaultDiscv5Port)
	}
	if opts.MaxCached <= 0 {
		opts.MaxCached = DefaultMaxCached
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("subsys", "node/waku/discovery")
	}
	if opts.Predicate == nil {
		opts.Predicate = func(*enode.Node) bool { return true }
		if opts.Local.Shards != nil {
			opts.Predicate = ShardPredicate(*opts.Local.Shards, opts.Bootnodes)
		}
	}
	d := &Discv5{opts: opts, log: opts.Logger}
	d.mu.seen = map[enode.ID]uint64{}
	return d, nil
}

// Start binds the UDP socket, starts discv5 with the bootnodes and the
// random walk that feeds OnPeer. Errors: ErrClosed, a second Start, bind
// and record errors.
func (d *Discv5) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mu.closed {
		return ErrClosed
	}
	if d.mu.started {
		return errors.New("discovery: discv5 already started")
	}
	addr, err := net.ResolveUDPAddr("udp", d.opts.ListenAddr)
	if err != nil {
		return fmt.Errorf("discovery: listen address %q: %w", d.opts.ListenAddr, err)
	}
	ln, err := d.localNode(addr)
	if err != nil {
		return err
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		ln.Database().Close()
		return fmt.Errorf("discovery: listen on %s: %w", addr, err)
	}
	ln.SetFallbackUDP(conn.LocalAddr().(*net.UDPAddr).Port)
	udp, err := discover.ListenV5(conn, ln, discover.Config{PrivateKey: d.opts.Key, Bootnodes: d.opts.Bootnodes})
	if err != nil {
		conn.Close()
		ln.Database().Close()
		return fmt.Errorf("discovery: start discv5: %w", err)
	}
	d.mu.started, d.mu.udp = true, udp
	d.mu.iter = enode.Filter(udp.RandomNodes(), d.opts.Predicate)
	d.wg.Add(1)
	go d.walk(d.mu.iter, udp.Self().ID())
	d.log.Info("discv5 up", "addr", conn.LocalAddr(), "enr", udp.Self().String())
	return nil
}

// localNode builds the local record: Local's entries, ip and udp.
func (d *Discv5) localNode(addr *net.UDPAddr) (*enode.LocalNode, error) {
	f := d.opts.Local
	ip := f.IP
	f.IP, f.UDP = nil, 0 // LocalNode manages ip and udp itself
	es, err := f.Entries()
	if err != nil {
		return nil, fmt.Errorf("discovery: local record: %w", err)
	}
	db, err := enode.OpenDB("") // in memory
	if err != nil {
		return nil, fmt.Errorf("discovery: node database: %w", err)
	}
	ln := enode.NewLocalNode(db, d.opts.Key)
	for _, e := range es {
		ln.Set(e)
	}
	switch {
	case ip != nil:
		ln.SetStaticIP(ip)
	case addr.IP != nil && !addr.IP.IsUnspecified():
		ln.SetFallbackIP(addr.IP)
	default:
		ln.SetFallbackIP(net.IPv4(127, 0, 0, 1))
	}
	return ln, nil
}

// walk reports the records of it until it is closed.
func (d *Discv5) walk(it enode.Iterator, self enode.ID) {
	defer d.wg.Done()
	for it.Next() {
		n := it.Node()
		if n.ID() == self || !d.remember(n) {
			continue
		}
		ai, err := enr.AddrInfo(n)
		if err != nil {
			d.log.Debug("discovered record not dialable", "enr", n.String(), "err", err)
			continue
		}
		if d.opts.OnPeer != nil {
			d.opts.OnPeer(ai, n)
		}
	}
}

// remember records n; it returns false if n (at this sequence number or
// a later one) was reported before.
func (d *Discv5) remember(n *enode.Node) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if seq, ok := d.mu.seen[n.ID()]; ok && seq >= n.Seq() {
		return false
	}
	d.mu.seen[n.ID()] = n.Seq()
	d.mu.cache = slices.DeleteFunc(d.mu.cache, func(c *enode.Node) bool { return c.ID() == n.ID() })
	d.mu.cache = append(d.mu.cache, n)
	if len(d.mu.cache) > d.opts.MaxCached {
		d.mu.cache = d.mu.cache[1:]
	}
	return true
}

// Self returns the current local record, or nil before Start.
func (d *Discv5) Self() *enode.Node {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mu.udp == nil {
		return nil
	}
	return d.mu.udp.Self()
}

// PeerENRs returns the latest version of the most recently reported
// records (at most MaxCached), so that Discv5 can serve as a
// peer-exchange source, as nwaku serves discv5-found peers. The caller
// owns the returned slice.
func (d *Discv5) PeerENRs() []*enode.Node {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*enode.Node(nil), d.mu.cache...)
}

// Close stops the walk and discv5 and closes the socket. It is safe to
// call more than once.
func (d *Discv5) Close() error {
	d.mu.Lock()
	if d.mu.closed {
		d.mu.Unlock()
		return nil
	}
	d.mu.closed = true
	udp, it := d.mu.udp, d.mu.iter
	d.mu.Unlock()
	if it != nil {
		it.Close()
	}
	d.wg.Wait()
	if udp != nil {
		db := udp.LocalNode().Database()
		udp.Close()
		db.Close()
	}
	return nil
}
