// Package node wires a Cairn node together from its configuration: the data
// directory, the kernel router and the HTTP API. It is the one package that
// picks implementations; the others receive interfaces.
//
// # Usage
//
//	n, err := node.New(cfg, node.WithLogger(log))
//	if err != nil {
//		return err
//	}
//	defer n.Close()
//	if err := n.Start(ctx); err != nil {
//		return err
//	}
//	fmt.Println("API on", n.URL())
//	select {
//	case <-ctx.Done():
//	case <-n.Done():
//		return n.Err()
//	}
//	return n.Close()
//
// So far the node serves only its API (see package node/api): health,
// metrics and the accel routing table. The storage and relay protocols, and
// the libp2p host listening on Config.Listen, come with their own packages.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/buildinfo"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/p2p"
	"github.com/cairn-node/cairn/node/relay"
	relayapi "github.com/cairn-node/cairn/node/relay/httpapi"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/httpapi"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

// ShutdownTimeout is how long Close waits for API requests in flight before
// it closes their connections. Change it with WithShutdownTimeout.
const ShutdownTimeout = 5 * time.Second

// LockFile is the name of the lock file in the data directory. It holds the
// PID of the node that owns the directory and exists only while a node
// runs.
const LockFile = "cairn.lock"

// Sentinel errors; test them with errors.Is.
var (
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("node: closed")
	// ErrLocked is returned by New when another node holds the data
	// directory.
	ErrLocked = errors.New("node: data directory in use")
)

// Option configures New.
type Option func(*options) error

type options struct {
	log             *slog.Logger
	shutdownTimeout time.Duration
	scrubInterval   time.Duration
	proofCheck      time.Duration // storage-proof self-check period; 0: off
	proofCheckSet   bool          // WithProofSelfCheck given (else the config decides)
	onSpam          func(rlnrelay.Spam)
	handlers        []extraHandler
	wrap            func(http.Handler) http.Handler
}

// extraHandler is one WithHandler registration.
type extraHandler struct {
	pattern string
	h       func(*Node) http.Handler
}

// WithHandler mounts the handler that h returns for the started node on
// the API server under pattern (a net/http ServeMux pattern such as
// "/dashboard/"). It lets layers above the node (the appliance dashboard,
// the prover farm) serve from the node's listener without the node
// importing them. A pattern that collides with a node route makes Start
// fail.
func WithHandler(pattern string, h func(*Node) http.Handler) Option {
	return func(o *options) error {
		if pattern == "" || h == nil {
			return errors.New("node: WithHandler needs a pattern and a handler")
		}
		o.handlers = append(o.handlers, extraHandler{pattern, h})
		return nil
	}
}

// WithAPIMiddleware wraps the whole API handler, node routes and
// WithHandler routes alike, in wrap: authentication for an appliance,
// for example. wrap sees every request before any route does.
func WithAPIMiddleware(wrap func(http.Handler) http.Handler) Option {
	return func(o *options) error {
		if wrap == nil {
			return errors.New("node: WithAPIMiddleware(nil)")
		}
		o.wrap = wrap
		return nil
	}
}

// WithProofSelfCheck proves every slot of every erasure-coded dataset
// every d (one sample each; keys set up and slot trees built on the first
// round, trees of deleted datasets removed each round) and exports
// cairn_storage_proof_selfcheck_ok{cid} and
// cairn_storage_proof_selfcheck_failures_total. Zero is off. Without this
// option the config's storage.proof_selfcheck decides.
func WithProofSelfCheck(d time.Duration) Option {
	return func(o *options) error {
		o.proofCheck, o.proofCheckSet = d, true
		return nil
	}
}

// WithRLNSpamHook calls f, synchronously in the relay's validation path, for
// each member the RLN validator catches signalling twice in one epoch; the
// Spam carries the member's recovered identity secret, which is what
// slashing the membership on chain needs. Keep f short.
func WithRLNSpamHook(f func(rlnrelay.Spam)) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("node: WithRLNSpamHook(nil)")
		}
		o.onSpam = f
		return nil
	}
}

// WithLogger sets the logger. The node adds a subsys attribute ("node",
// "node/api"). The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("node: WithLogger(nil)")
		}
		o.log = l
		return nil
	}
}

// WithShutdownTimeout sets how long Close waits for API requests in flight;
// the default is ShutdownTimeout.
func WithShutdownTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("node: WithShutdownTimeout(%s): want a positive duration", d)
		}
		o.shutdownTimeout = d
		return nil
	}
}

// Node is a running Cairn node. Its methods are safe for concurrent use.
type Node struct {
	cfg     config.Config
	opts    options
	log     *slog.Logger
	lock    *dirLock
	router  *accel.Router
	metrics *prometheus.Registry
	store   *pebblestore.Store
	hasher  accel.SHA256 // the routed SHA-256 kernel of uploads and reads

	scrubMetrics *scrubMetrics
	// host and exchange are the libp2p side, built by Start; api is the
	// storage REST API (its Close stops background downloads).
	host     *p2p.Host
	exchange *blockexc.Exchange
	api      *httpapi.Server
	proofs   *prover.Service // storage proofs (keys set up lazily)
	relay    *relay.Relay
	relayAPI *relayapi.Server
	waku     *waku       // services around the relay, built by Start
	rln      *rlnService // RLN validation and proving; nil when off
	farm     *farmClient // the prover farm ([farm] url); nil when none
	// archive keeps relayed messages for store queries; nil when
	// waku.store is off. Opened by New, like the dataset store.
	archive *archive.Archive
	// bgCancel stops the background loops (the scrubber) at Close.
	bgCancel context.CancelFunc

	// done is closed when the node stops by itself (the API server failed);
	// err then says why.
	done    chan struct{}
	errOnce sync.Once
	err     error

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup // the API server goroutine

	mu struct {
		sync.Mutex
		closed  bool
		started time.Time // zero until Start
		ln      net.Listener
		srv     *http.Server
	}
}

// New prepares a node: it checks cfg, creates the data directory (mode
// 0700) and locks it, and builds the kernel router from the machine probe
// and cfg.Accel. It does not listen yet; Start does.
//
// cfg gets its defaults filled (Config.EnsureDefaults) and must then be
// valid. A backend that cfg.Accel forces but that is unavailable for a
// registered kernel is an error: an explicit request is never downgraded.
// A data directory held by another node gives an error wrapping ErrLocked.
// The caller must Close the node.
func New(cfg config.Config, opts ...Option) (*Node, error) {
	o := options{log: slog.Default(), shutdownTimeout: ShutdownTimeout, scrubInterval: DefaultScrubInterval}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cfg = cfg.EnsureDefaults(nil)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !o.proofCheckSet {
		o.proofCheck = cfg.Storage.ProofSelfCheckInterval()
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("node: data dir %s: %w", cfg.DataDir, err)
	}
	cfg.DataDir = dir

	router := accel.NewRouter(accel.Probe(), cfg.Accel)
	if err := checkPolicy(router); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("node: create data dir: %w; fix its parent's permissions or pass another --data-dir", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:    cfg,
		opts:   o,
		log:    o.log.With("subsys", "node"),
		lock:   lock,
		router: router,
		done:   make(chan struct{}),
	}
	n.metrics = newMetrics(buildinfo.Read())
	n.scrubMetrics = newScrubMetrics(n.metrics)
	n.log.Debug("data dir locked", "dir", dir)
	if err := n.openStore(); err != nil {
		n.lock.release()
		return nil, err
	}
	if err := n.openArchive(); err != nil {
		n.store.Close()
		n.lock.release()
		return nil, err
	}
	return n, nil
}

// openStore opens the dataset store in <data_dir>/storage with the routed
// SHA-256 kernel.
func (n *Node) openStore() error {
	b, err := n.router.Pick(accel.KernelSHA256, dataset.DefaultBatchBytes)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if n.hasher, err = sha256x.New(b); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.store, err = pebblestore.Open(context.Background(), pebblestore.Options{
		Dir:        filepath.Join(n.cfg.DataDir, "storage"),
		QuotaBytes: n.cfg.Storage.QuotaBytes(),
		TTL:        n.cfg.Storage.TTLDuration(),
		Hasher:     n.hasher,
		Logger:     n.opts.log,
	})
	if err != nil {
		return fmt.Errorf("node: open dataset store: %w", err)
	}
	return nil
}

// startNetwork builds the libp2p host on cfg.Listen (identity key in the
// data dir) and the block exchange over the store.
func (n *Node) startNetwork(ctx context.Context) error {
	popts := p2p.Options{ListenAddrs: n.cfg.Listen, DataDir: n.cfg.DataDir, Logger: n.opts.log}
	popts.DHT = map[string]p2p.DHTMode{"off": p2p.DHTOff, "client": p2p.DHTClient, "server": p2p.DHTServer, "auto": p2p.DHTAuto}[n.cfg.DHT]
	for _, a := range n.cfg.Bootstrap {
		info, err := peer.AddrInfoFromString(a)
		if err != nil {
			return fmt.Errorf("node: bootstrap peer %q: %w", a, err)
		}
		popts.BootstrapPeers = append(popts.BootstrapPeers, *info)
	}
	h, err := p2p.New(ctx, popts)
	if err != nil {
		return fmt.Errorf("node: libp2p host on %v: %w; fix --listen", n.cfg.Listen, err)
	}
	ex, err := blockexc.New(h, n.store, blockexc.WithHasher(n.hasher), blockexc.WithLogger(n.opts.log), blockexc.WithRegisterer(n.metrics))
	if err != nil {
		h.Close()
		return fmt.Errorf("node: block exchange: %w", err)
	}
	rl, err := relay.New(ctx, h, relay.WithLogger(n.opts.log))
	if err != nil {
		ex.Close()
		h.Close()
		return fmt.Errorf("node: waku relay: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		rl.Close()
		ex.Close()
		h.Close()
		return fmt.Errorf("node: start libp2p host: %w", err)
	}
	n.host, n.exchange, n.relay = h, ex, rl
	if err := n.startWaku(); err != nil {
		return err // Close closes the relay, exchange and host
	}
	return nil
}

// checkPolicy fails when the policy forces a backend that cannot run a
// registered kernel.
func checkPolicy(r *accel.Router) error {
	seen := map[accel.Kernel]bool{}
	for _, row := range r.Table() {
		if seen[row.Kernel] {
			continue
		}
		seen[row.Kernel] = true
		p := r.Policy()
		if p.Kernels[row.Kernel] == "" && p.Force == "" {
			continue
		}
		if _, err := r.Pick(row.Kernel, 0); err != nil {
			return fmt.Errorf("node: accel policy: %w; change CAIRN_ACCEL / [accel] or run `cairn accel info`", err)
		}
	}
	return nil
}

// Start listens on Config.APIAddr and serves the API in the background.
// ctx bounds the start-up only; the node runs until Close, or until Done
// is closed by a failure. Start returns ErrClosed after Close and an error
// when called twice.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return ErrClosed
	}
	if n.mu.srv != nil {
		return errors.New("node: already started")
	}
	if err := n.store.Start(); err != nil {
		return fmt.Errorf("node: start store maintenance: %w", err)
	}
	if n.cfg.Farm.URL != "" {
		f, err := dialFarm(n.cfg.Farm, n.log, n.metrics)
		if err != nil {
			return err
		}
		n.farm = f
	}
	if err := n.startNetwork(ctx); err != nil {
		return err
	}
	handler, err := n.apiHandler()
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", n.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("node: listen on api_addr %s: %w; stop what uses it or pick another --api-addr", n.cfg.APIAddr, err)
	}
	apiLog := n.opts.log.With("subsys", "node/api")
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(apiLog.Handler(), slog.LevelWarn),
	}
	n.mu.ln, n.mu.srv, n.mu.started = ln, srv, time.Now()
	bg, cancel := context.WithCancel(context.Background())
	n.bgCancel = cancel
	if iv := n.opts.scrubInterval; iv > 0 {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.scrubLoop(bg, iv)
		}()
	}
	if iv := n.opts.proofCheck; iv > 0 {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.proofs.RunSelfCheck(bg, iv)
		}()
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			n.fail(fmt.Errorf("node: API server: %w", err))
		}
	}()
	n.log.Info("started", "api", n.urlLocked(), "data_dir", n.cfg.DataDir, "version", buildinfo.Read().Version)
	n.log.Info("libp2p host listening", "peer", n.host.ID().String(), "addrs", n.host.Addrs())
	return nil
}

// fail records the first background failure and closes Done.
func (n *Node) fail(err error) {
	n.errOnce.Do(func() {
		n.err = err
		close(n.done)
	})
}

// Done is closed when the node stops by itself because a part failed; Err
// then says why. Close does not close it.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err returns the failure that closed Done, or nil.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Addr returns the address the API listens on, with the actual port when
// Config.APIAddr asked for port 0; nil before Start and after Close.
func (n *Node) Addr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.ln == nil || n.mu.closed {
		return nil
	}
	return n.mu.ln.Addr()
}

// URL returns the base URL of the API, e.g. "http://127.0.0.1:8080", or ""
// before Start and after Close.
func (n *Node) URL() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return ""
	}
	return n.urlLocked()
}

func (n *Node) urlLocked() string {
	if n.mu.ln == nil {
		return ""
	}
	return "http://" + n.mu.ln.Addr().String()
}

// Config returns the configuration in use, with defaults filled and the
// data directory made absolute.
func (n *Node) Config() config.Config { return n.cfg }

// Router returns the kernel router built from the probe and Config.Accel.
func (n *Node) Router() *accel.Router { return n.router }

// Close stops the node: it stops accepting API connections, waits up to
// the shutdown timeout for requests in flight, then closes what is left,
// waits for its goroutines and removes the data directory lock. It is safe
// to call more than once and concurrently; later calls return the first
// call's result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	n.mu.Lock()
	n.mu.closed = true
	srv := n.mu.srv
	n.mu.Unlock()

	var errs []error
	if n.bgCancel != nil {
		n.bgCancel()
	}
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.shutdownTimeout)
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			n.log.Warn("API requests still running at shutdown deadline; closing them", "timeout", n.opts.shutdownTimeout)
			if err := srv.Close(); err != nil {
				errs = append(errs, fmt.Errorf("node: close API server: %w", err))
			}
		}
	}
	n.wg.Wait()
	if n.api != nil {
		n.api.Close()
	}
	if n.proofs != nil {
		n.proofs.Close()
	}
	if n.relayAPI != nil {
		n.relayAPI.Close()
	}
	if n.waku != nil {
		if err := n.waku.close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close waku services: %w", err))
		}
	}
	if n.rln != nil {
		if err := n.rln.close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close rln: %w", err))
		}
	}
	if n.farm != nil {
		if err := n.farm.close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close prover farm client: %w", err))
		}
	}
	if n.relay != nil {
		if err := n.relay.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close waku relay: %w", err))
		}
	}
	if n.exchange != nil {
		if err := n.exchange.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close block exchange: %w", err))
		}
	}
	if n.host != nil {
		if err := n.host.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close libp2p host: %w", err))
		}
	}
	if err := n.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("node: close dataset store: %w", err))
	}
	if n.archive != nil {
		if err := n.archive.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node: close waku message archive: %w", err))
		}
	}
	if err := n.lock.release(); err != nil {
		errs = append(errs, err)
	}
	n.log.Info("stopped")
	return errors.Join(errs...)
}

// uptime returns the time since Start.
func (n *Node) uptime() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.started.IsZero() {
		return 0
	}
	return time.Since(n.mu.started)
}
