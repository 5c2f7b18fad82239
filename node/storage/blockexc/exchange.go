package blockexc

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
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
)

// Protocol IDs, as negotiated by multistream-select.
const (
	// ID is the 2026 Logos Storage block-exchange protocol: framed
	// control messages (want-have, presences) and WantBlocks
	// requests/responses on long-lived streams.
	ID protocol.ID = wire.ProtocolBlockExchange
	// ManifestID fetches one manifest by CID: one request, one response
	// per stream.
	ManifestID protocol.ID = wire.ProtocolManifest
)

// Defaults of the options.
const (
	// DefaultStreams is how many block streams Fetch opens to each
	// provider, each with one WantBlocks request in flight.
	DefaultStreams = 4
	// DefaultBatchBytes is the block data Fetch asks for in one
	// WantBlocks request (16 blocks of 64 KiB). Upstream asks for
	// wire.TargetBatchBytes (128 KiB, 2 blocks); both fit the response
	// limit, and the larger batch halves the round trips that bound a
	// download's speed. WithBatchBytes(wire.TargetBatchBytes) behaves as
	// upstream does.
	DefaultBatchBytes = 1 << 20
	// DefaultRequestTimeout bounds one WantBlocks round trip.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultPresenceTimeout bounds the wait for a provider's answer to
	// the want-have Fetch sends first; a provider that does not answer
	// in time is still asked for blocks.
	DefaultPresenceTimeout = 5 * time.Second
	// DefaultManifestTimeout bounds a manifest request (upstream's 30 s).
	DefaultManifestTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds one frame write to a peer.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultTreeCache is how many dataset trees the server keeps built.
	DefaultTreeCache = 16
	// DefaultMaxAttempts is how often one provider is asked for the same
	// blocks, after timeouts, broken streams or empty answers, before
	// Fetch gives up on it for those blocks.
	DefaultMaxAttempts = 3

	// MaxPresenceWindow is the largest range a want-have entry may ask
	// about (1 GiB of 4 KiB blocks, upstream MaxPresenceWindowBlocks);
	// larger entries are ignored, as upstream does.
	MaxPresenceWindow = 1 << 30 / wire.MinBlockSize
	// MaxDatasetBlocks caps the blocks of a dataset Fetch accepts (1 TiB
	// of 64 KiB blocks), whatever the store's quota: Fetch keeps a CID per
	// block in memory (about 60 bytes).
	MaxDatasetBlocks = 1 << 24
	// presenceWindow is the range Fetch's first want-have asks about:
	// upstream's presence window, 1 GiB of 64 KiB blocks.
	presenceWindow = 1 << 30 / (64 << 10)
	// rescanInterval rate-limits rescans of the store's dataset list on
	// requests for unknown trees.
	rescanInterval = 100 * time.Millisecond
)

// Errors; test them with errors.Is.
var (
	// ErrClosed is returned by calls after Close.
	ErrClosed = errors.New("blockexc: closed")
	// ErrNotProvided reports a provider that does not have the manifest
	// or dataset asked for.
	ErrNotProvided = errors.New("blockexc: peer does not provide it")
	// ErrInvalidManifest reports a manifest that does not hash to its CID
	// or does not decode or validate.
	ErrInvalidManifest = errors.New("blockexc: invalid manifest")
	// ErrInvalidBlock reports a block whose data does not hash to its CID
	// or whose proof does not lead to the dataset root, or a response that
	// breaks the protocol. Fetch stops asking the peer that sent it.
	ErrInvalidBlock = errors.New("blockexc: invalid block from peer")
	// ErrUnavailable reports blocks that no provider delivered.
	ErrUnavailable = errors.New("blockexc: blocks unavailable from every provider")
)

// Option configures New.
type Option func(*config) error

type config struct {
	log             *slog.Logger
	hasher          accel.SHA256
	streams         int
	batchBytes      int
	requestTimeout  time.Duration
	presenceTimeout time.Duration
	manifestTimeout time.Duration
	writeTimeout    time.Duration
	treeCache       int
	maxAttempts     int
	registerer      prometheus.Registerer
}

// WithLogger sets the logger; the default is slog.Default() with
// subsys=node/storage/blockexc.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("blockexc: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithHasher sets the SHA-256 kernel that checks received blocks and
// builds dataset trees. The default is sha256x's SIMD kernel (its Go one
// in a noasm build); the node passes its routed kernel.
func WithHasher(h accel.SHA256) Option {
	return func(c *config) error {
		if h == nil {
			return errors.New("blockexc: nil hasher")
		}
		c.hasher = h
		return nil
	}
}

// WithStreams sets the block streams per provider (default
// DefaultStreams).
func WithStreams(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("blockexc: %d streams per provider: want 1 to 64", n)
		}
		c.streams = n
		return nil
	}
}

// WithBatchBytes sets the block data asked for per WantBlocks request
// (default DefaultBatchBytes). Fetch asks for at least one block, at most
// wire.MaxBlocksPerBatch, and never more than fits a response.
func WithBatchBytes(n int) Option {
	return func(c *config) error {
		if n < 1 || n > wire.MaxWantBlocksResponseSize {
			return fmt.Errorf("blockexc: batch of %d bytes: want 1 to %d", n, wire.MaxWantBlocksResponseSize)
		}
		c.batchBytes = n
		return nil
	}
}

// WithTimeouts sets the WantBlocks round-trip, presence, manifest and
// write timeouts; zero keeps a default.
func WithTimeouts(request, presence, manifest, write time.Duration) Option {
	return func(c *config) error {
		for _, p := range []struct {
			d   time.Duration
			dst *time.Duration
		}{{request, &c.requestTimeout}, {presence, &c.presenceTimeout}, {manifest, &c.manifestTimeout}, {write, &c.writeTimeout}} {
			if p.d < 0 {
				return fmt.Errorf("blockexc: negative timeout %v", p.d)
			}
			if p.d > 0 {
				*p.dst = p.d
			}
		}
		return nil
	}
}

// WithTreeCache sets how many dataset trees the server keeps (default
// DefaultTreeCache).
func WithTreeCache(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("blockexc: tree cache of %d: want at least 1", n)
		}
		c.treeCache = n
		return nil
	}
}

// WithMaxAttempts sets how often one provider is asked for the same
// blocks before Fetch gives up on it for them (default
// DefaultMaxAttempts).
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("blockexc: %d attempts: want at least 1", n)
		}
		c.maxAttempts = n
		return nil
	}
}

// Exchange serves the local datasets of a store over ID and ManifestID and
// downloads datasets from peers (Fetch).
//
// concurrency: all methods are safe for concurrent use.
type Exchange struct {
	h      host.Host
	store  storage.Store
	cfg    config
	log    *slog.Logger
	hasher accel.SHA256
	comp   merkle.Compressor[[32]byte]
	trees  *treeCache
	subs   presenceSubs
	met    *metrics

	// ctx is the service's lifetime; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	mu struct {
		sync.Mutex
		closed  bool
		streams map[network.Stream]struct{}
	}
	// wg counts stream handlers, Fetch calls and the streams they own.
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New returns an Exchange serving store on h and registers its stream
// handlers for ID and ManifestID, so it serves at once (as go-libp2p's
// ping.NewPingService does). Close removes them. The Exchange does not own
// h or store: close them after the Exchange.
func New(h host.Host, store storage.Store, opts ...Option) (*Exchange, error) {
	cfg := config{
		streams:         DefaultStreams,
		batchBytes:      DefaultBatchBytes,
		requestTimeout:  DefaultRequestTimeout,
		presenceTimeout: DefaultPresenceTimeout,
		manifestTimeout: DefaultManifestTimeout,
		writeTimeout:    DefaultWriteTimeout,
		treeCache:       DefaultTreeCache,
		maxAttempts:     DefaultMaxAttempts,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if h == nil || store == nil {
		return nil, errors.New("blockexc: New needs a host and a store")
	}
	if cfg.log == nil {
		cfg.log = slog.Default().With("subsys", "node/storage/blockexc")
	}
	if cfg.hasher == nil {
		hs, err := sha256x.New(accel.SIMD)
		if err != nil {
			if hs, err = sha256x.New(accel.Go); err != nil {
				return nil, fmt.Errorf("blockexc: SHA-256 kernel: %w", err)
			}
		}
		cfg.hasher = hs
	}
	e := &Exchange{
		h:      h,
		store:  store,
		cfg:    cfg,
		log:    cfg.log,
		hasher: cfg.hasher,
		comp:   merkle.SHA256(cfg.hasher),
		met:    newMetrics(cfg.registerer),
		subs:   presenceSubs{m: map[uint64]chan presence{}},
	}
	e.trees = newTreeCache(store, e.comp, cfg.treeCache)
	e.mu.streams = map[network.Stream]struct{}{}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	h.SetStreamHandler(ID, e.handleBlockExchange)
	h.SetStreamHandler(ManifestID, e.handleManifest)
	return e, nil
}

// Close stops serving: it removes the stream handlers, resets every
// stream the Exchange has open, ends Fetch calls in progress (they return
// ErrClosed or a context error) and waits for all of its goroutines. It
// is safe to call more than once.
func (e *Exchange) Close() error {
	e.closeOnce.Do(func() {
		e.h.RemoveStreamHandler(ID)
		e.h.RemoveStreamHandler(ManifestID)
		e.mu.Lock()
		e.mu.closed = true
		streams := make([]network.Stream, 0, len(e.mu.streams))
		for s := range e.mu.streams {
			streams = append(streams, s)
		}
		e.mu.Unlock()
		e.cancel()
		for _, s := range streams {
			s.Reset()
		}
		e.wg.Wait()
	})
	return nil
}

// enter counts a goroutine or call that Close must wait for; it returns
// false after Close.
func (e *Exchange) enter() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed {
		return false
	}
	e.wg.Add(1)
	return true
}

func (e *Exchange) leave() { e.wg.Done() }

// track registers s so that Close resets it, and counts its owner as
// enter does. It resets s and returns false after Close.
func (e *Exchange) track(s network.Stream) bool {
	e.mu.Lock()
	if e.mu.closed {
		e.mu.Unlock()
		s.Reset()
		return false
	}
	e.mu.streams[s] = struct{}{}
	e.wg.Add(1)
	e.mu.Unlock()
	return true
}

// untrack undoes track once the stream is closed or reset.
func (e *Exchange) untrack(s network.Stream) {
	e.mu.Lock()
	delete(e.mu.streams, s)
	e.mu.Unlock()
	e.wg.Done()
}
