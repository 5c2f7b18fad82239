package prover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// Defaults of Options.
const (
	// DefaultSamples is the sample count of a request that names none,
	// upstream's usual N.
	DefaultSamples = 5
	// DefaultMaxSamples bounds N: keys for 100 samples take about 3.5 min
	// and up to 3 GB to set up on a 2-core machine, and 268 MB on disk.
	DefaultMaxSamples = 100
	// DefaultSetupWait is how long a request waits for a key setup before
	// it gets ErrSetupRunning: N = 1 takes about 2.5 s, N = 5 about 10 s.
	DefaultSetupWait = 30 * time.Second
)

// ErrSetupRunning reports that the keys for the requested sample count are
// still being generated; the setup goes on, so retry later (the HTTP API
// answers 503 with Retry-After).
var ErrSetupRunning = errors.New("prover: proving keys are being set up")

// Options configures a Service.
type Options struct {
	// Store holds the datasets. Required.
	Store storage.Store
	// Dir keeps the proving keys (Dir/keys) and the slot trees
	// (Dir/slots); created on first use. Required.
	Dir string
	// EC configures reading (and repairing) the protected datasets.
	EC ec.Options
	// Logger receives setup logs. Nil means slog.Default().
	Logger *slog.Logger
	// MaxSamples bounds the sample count of a request. Zero means
	// DefaultMaxSamples.
	MaxSamples int
	// SetupWait is how long Keys waits for a running setup. Zero means
	// DefaultSetupWait.
	SetupWait time.Duration
	// Registerer receives the service's metrics (self-check, proving
	// time, farm fallbacks); nil registers none.
	Registerer prometheus.Registerer
	// Remote, when set, makes the Groth16 proofs elsewhere (a prover
	// farm): Prove builds the witness here, tries Remote, and proves
	// locally when Remote fails (logged at Warn). Nil: always local.
	Remote Remote
}

// Remote proves a witness under keys somewhere else and returns the proof,
// which must verify under keys.VerifyingKey() (Prove does not check it
// again: a farm checks every result itself).
type Remote interface {
	Prove(ctx context.Context, keys *proofs.Keys, w *circuit.Witness) (*proofs.Proof, error)
}

// Service proves slots of the datasets in a store by manifest CID, with
// keys set up lazily per sample count. It is safe for concurrent use;
// proofs run one at a time (each uses every core).
type Service struct {
	opts    Options
	log     *slog.Logger
	ctx     context.Context // cancelled by Close: stops running setups
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	prove   chan struct{} // one proof at a time
	metrics *serviceMetrics

	mu     sync.Mutex
	keys   map[int]*keyEntry
	gauged map[string]bool // CIDs with a self-check gauge
}

// keyEntry is the setup of one sample count; done closes when it ends.
type keyEntry struct {
	done chan struct{}
	keys *proofs.Keys
	err  error
}

// NewService returns a service over opts.Store. It does no I/O; it
// registers the service's metrics with opts.Registerer (once per
// registry).
func NewService(opts Options) *Service {
	if opts.MaxSamples <= 0 {
		opts.MaxSamples = DefaultMaxSamples
	}
	if opts.SetupWait <= 0 {
		opts.SetupWait = DefaultSetupWait
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{
		opts: opts, log: log.With("subsys", "node/storage/proofs"), ctx: ctx, cancel: cancel,
		prove: make(chan struct{}, 1), keys: map[int]*keyEntry{}, gauged: map[string]bool{},
		metrics: newServiceMetrics(opts.Registerer),
	}
}

// closeWait bounds Close's wait for a running key setup: gnark's setup
// checks for cancellation only between its steps.
const closeWait = 15 * time.Second

// Close stops running key setups and waits for them to end, at most
// closeWait (a setup for many samples is then abandoned mid-step; its key
// file is written atomically, so nothing half-written is left).
func (s *Service) Close() {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeWait):
		s.log.Warn("proof key setup still running at close; abandoned")
	}
}

// Keys returns the keys for n samples, setting them up (in the background,
// into Dir/keys, or loading them from there) on first use. It waits for a
// running setup up to Options.SetupWait (or ctx), then returns
// ErrSetupRunning. A failed setup is returned once and retried on the
// next call. Errors wrap ErrInput for n out of range.
func (s *Service) Keys(ctx context.Context, n int) (*proofs.Keys, error) {
	if err := s.checkSamples(n); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e := s.keys[n]
	if e == nil {
		if err := s.ctx.Err(); err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("prover: service closed: %w", err)
		}
		e = &keyEntry{done: make(chan struct{})}
		s.keys[n] = e
		s.wg.Add(1)
		go s.setup(n, e)
	}
	s.mu.Unlock()
	// Keys already set up win over a short wait: select would pick at
	// random between a closed done and an expired timer.
	select {
	case <-e.done:
		return e.keys, e.err
	default:
	}
	t := time.NewTimer(s.opts.SetupWait)
	defer t.Stop()
	select {
	case <-e.done:
		return e.keys, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("%w for %d samples (this takes about %s on a 2-core machine); retry later", ErrSetupRunning, n, setupEstimate(n))
	}
}

// setup runs the setup of n samples and publishes its result in e.
func (s *Service) setup(n int, e *keyEntry) {
	defer s.wg.Done()
	defer close(e.done)
	start := time.Now()
	dir := filepath.Join(s.opts.Dir, "keys")
	if e.err = os.MkdirAll(dir, 0o700); e.err == nil {
		e.keys, e.err = proofs.Setup(s.ctx, dir, circuit.DefaultParams(n))
	}
	if e.err != nil {
		e.err = fmt.Errorf("prover: set up keys for %d samples in %s: %w", n, dir, e.err)
		s.log.Warn("proof key setup failed", "samples", n, "err", e.err)
		s.mu.Lock()
		delete(s.keys, n) // retried by the next request
		s.mu.Unlock()
		return
	}
	s.log.Info("proof keys ready", "samples", n, "from_cache", e.keys.FromCache(), "took", time.Since(start).Round(time.Millisecond))
}

// setupEstimate is the measured setup time for n samples (package proofs'
// figures: 2.6 s per sample), rounded up.
func setupEstimate(n int) time.Duration {
	return (time.Duration(n)*2600*time.Millisecond + time.Second).Round(time.Second)
}

// RetryAfter suggests when to retry after ErrSetupRunning for n samples.
func (s *Service) RetryAfter(n int) time.Duration {
	return max(5*time.Second, min(setupEstimate(n), time.Minute))
}

// Prove proves slot of the protected dataset whose manifest CID is c, for
// entropy with n samples: on Options.Remote when set (falling back to this
// machine), else here. Errors: those of ec.Open (storage.ErrNotFound for
// an unknown CID, ec.ErrNotProtected), Keys and ProveSlot.
func (s *Service) Prove(ctx context.Context, c cid.Cid, slot int, entropy *big.Int, n int) (*Result, error) {
	d, err := ec.Open(ctx, s.opts.Store, c, s.opts.EC)
	if err != nil {
		return nil, err
	}
	keys, err := s.Keys(ctx, n)
	if err != nil {
		return nil, err
	}
	opts, err := s.slotOptions()
	if err != nil {
		return nil, err
	}
	if s.opts.Remote == nil {
		if err := s.acquire(ctx); err != nil {
			return nil, err
		}
		defer s.release()
		res, err := ProveSlot(ctx, d, d.Manifest(), slot, entropy, keys, opts)
		if err == nil {
			s.metrics.duration.WithLabelValues(strconv.Itoa(n), "local").Observe(res.Elapsed.Seconds())
		}
		return res, err
	}
	// The witness is built here, one at a time; the remote proofs of
	// several requests may then run at once.
	start := time.Now()
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	w, cells, err := SlotWitness(ctx, d, d.Manifest(), slot, entropy, n, opts)
	s.release()
	if err != nil {
		return nil, err
	}
	where := "farm"
	proof, err := s.opts.Remote.Prove(ctx, keys, w)
	if err != nil {
		s.log.Warn("remote storage proof failed; proving here", "cid", c, "slot", slot, "samples", n, "err", err,
			"after", time.Since(start).Round(time.Millisecond))
		s.metrics.fallbacks.Inc()
		where = "local"
		if err := s.acquire(ctx); err != nil {
			return nil, err
		}
		proof, err = keys.Prove(w)
		s.release()
		if err != nil {
			return nil, fmt.Errorf("prover: slot %d: %w", slot, err)
		}
	}
	res := newResult(proof, entropy, w, cells, start)
	s.metrics.duration.WithLabelValues(strconv.Itoa(n), where).Observe(res.Elapsed.Seconds())
	return res, nil
}

// acquire waits for the right to use the cores (one proof or witness at
// a time) or for ctx; release gives it back.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.prove <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.prove }

// checkSamples refuses a sample count outside 1..MaxSamples.
func (s *Service) checkSamples(n int) error {
	if n < 1 || n > s.opts.MaxSamples {
		return fmt.Errorf("%w: samples %d, want 1..%d", ErrInput, n, s.opts.MaxSamples)
	}
	return nil
}

// Input returns what Prove would prove, without proving: the witness of n
// samples of slot of the dataset c for entropy, as upstream's circuit
// input (input.json for SampleAndProve with upstream's parameters), which
// upstream's witness generator and provers take; and the sampled cells.
// It needs no keys. Errors: those of ec.Open and SlotWitness, and ErrInput
// for n out of range (as Keys).
func (s *Service) Input(ctx context.Context, c cid.Cid, slot int, entropy *big.Int, n int) ([]byte, []uint64, error) {
	if err := s.checkSamples(n); err != nil {
		return nil, nil, err
	}
	p := circuit.DefaultParams(n)
	d, err := ec.Open(ctx, s.opts.Store, c, s.opts.EC)
	if err != nil {
		return nil, nil, err
	}
	opts, err := s.slotOptions()
	if err != nil {
		return nil, nil, err
	}
	w, cells, err := SlotWitness(ctx, d, d.Manifest(), slot, entropy, n, opts)
	if err != nil {
		return nil, nil, err
	}
	js, err := circuit.MarshalInputJSON(p, w)
	return js, cells, err
}

// slotOptions returns where the slot trees live, creating the directory.
func (s *Service) slotOptions() (slots.Options, error) {
	dir := filepath.Join(s.opts.Dir, "slots")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return slots.Options{}, fmt.Errorf("prover: slot tree directory: %w", err)
	}
	return slots.Options{Dir: dir, Router: s.opts.EC.Router}, nil
}

// Verify checks a proof made with n samples (setting the keys up if
// needed, as Keys): nil when valid, an error wrapping
// proofs.ErrInvalidProof when not.
func (s *Service) Verify(ctx context.Context, n int, proof *proofs.Proof, pub proofs.PublicInputs) error {
	keys, err := s.Keys(ctx, n)
	if err != nil {
		return err
	}
	return VerifySlotProof(keys.VerifyingKey(), proof, pub.Entropy, pub.DataSetRoot, pub.SlotIndex)
}
