package ec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/erasure"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// DefaultBatchBytes is the default of Options.BatchBytes: the block data
// Encode and Scrub hold per batch of columns, and the read-ahead of a
// Reader. 8 MiB is 128 blocks of 64 KiB: enough for the batch hasher and
// the store to use every core, little enough to keep memory flat.
const DefaultBatchBytes = 8 << 20

// MaxShards is the largest K+M: the Leopard-RS limit.
const MaxShards = erasure.MaxShardsGF16

// Sentinel errors of the package; test them with errors.Is.
var (
	// ErrInvalidParams reports K and M that the v0.2 layout does not
	// allow for the dataset: K < 1, M < 1, M > K, K+M > MaxShards, or K
	// above the number of blocks of the dataset.
	ErrInvalidParams = errors.New("ec: invalid erasure parameters")
	// ErrNotProtected reports a manifest that should be erasure-coded
	// (protected) and is not, or one with a strategy other than Stepped.
	ErrNotProtected = errors.New("ec: not an erasure-coded (stepped) dataset")
	// ErrAlreadyProtected reports an Encode of a dataset that is already
	// erasure-coded.
	ErrAlreadyProtected = errors.New("ec: dataset is already erasure-coded")
	// ErrUnrecoverable reports a column (codeword) with more than M of its
	// K+M blocks missing or corrupt: its lost data cannot be rebuilt. The
	// error is a *ColumnError that names the column (errors.As).
	ErrUnrecoverable = errors.New("ec: column unrecoverable")
	// ErrInconsistent reports a dataset whose parts disagree: a block list
	// that does not match the manifest's geometry or tree, or a rebuilt
	// block that does not hash to the CID the list gives it (the parity
	// was not computed from this data with this code). Nothing rebuilt is
	// returned or stored then.
	ErrInconsistent = errors.New("ec: dataset inconsistent")
)

// ColumnError is the error of an unrecoverable column. It wraps
// ErrUnrecoverable.
type ColumnError struct {
	// Dataset is the protected manifest CID.
	Dataset cid.Cid
	// Column is the codeword (step) index s, in [0, steps).
	Column int
	// Lost are the tree indices of the column's missing or corrupt
	// blocks, ascending.
	Lost []int
	// K and M are the code parameters: a column survives at most M losses.
	K, M int
}

func (e *ColumnError) Error() string {
	return fmt.Sprintf("ec: dataset %s column %d: %d of its %d blocks lost (tree indices %v), at most M=%d can be rebuilt; fetch the blocks from a peer",
		cids.String(e.Dataset), e.Column, len(e.Lost), e.K+e.M, e.Lost, e.M)
}

// Unwrap returns ErrUnrecoverable.
func (e *ColumnError) Unwrap() error { return ErrUnrecoverable }

// Geometry is the layout of a protected dataset (storage-formats.md §6):
// the tree's leaves form a row-major matrix of K data rows and M parity
// rows of Steps blocks each; column s is codeword s. Leaf r·Steps + s is
// row r of column s. Data leaves at or above Blocks (and below Rounded)
// are padding.
type Geometry struct {
	// K data and M parity blocks per column.
	K, M int
	// Blocks is B, the block count of the original dataset.
	Blocks int
	// Rounded is roundUp(B, K): the data leaves, padding included.
	Rounded int
	// Steps is Rounded / K: the number of columns.
	Steps int
	// Total is Rounded + Steps·M: the leaves of the protected tree.
	Total int
}

// NewGeometry returns the layout of B original blocks coded with K data and
// M parity blocks per column. It returns an error wrapping ErrInvalidParams
// unless 1 ≤ M ≤ K ≤ B and K+M ≤ MaxShards (upstream also requires K ≤ B:
// "not enough blocks").
func NewGeometry(b, k, m int) (Geometry, error) {
	switch {
	case k < 1 || m < 1:
		return Geometry{}, fmt.Errorf("%w: K=%d M=%d, want K ≥ 1 and M ≥ 1", ErrInvalidParams, k, m)
	case m > k:
		return Geometry{}, fmt.Errorf("%w: M=%d exceeds K=%d, which Leopard-RS does not support", ErrInvalidParams, m, k)
	case k+m > MaxShards:
		return Geometry{}, fmt.Errorf("%w: K+M=%d exceeds %d", ErrInvalidParams, k+m, MaxShards)
	case b < 1:
		return Geometry{}, fmt.Errorf("%w: dataset without blocks", ErrInvalidParams)
	case k > b:
		return Geometry{}, fmt.Errorf("%w: K=%d exceeds the %d blocks of the dataset; lower K or use a smaller block size", ErrInvalidParams, k, b)
	}
	steps := (b + k - 1) / k
	if steps > (math.MaxInt32-1)/(k+m) {
		return Geometry{}, fmt.Errorf("%w: %d blocks with K+M=%d is too large", ErrInvalidParams, b, k+m)
	}
	return Geometry{K: k, M: m, Blocks: b, Rounded: steps * k, Steps: steps, Total: steps * (k + m)}, nil
}

// Index returns the tree index of row r (data rows 0..K-1, parity rows
// K..K+M-1) of column s.
func (g Geometry) Index(r, s int) int { return r*g.Steps + s }

// ParityIndex returns the tree index of parity j of column s:
// Rounded + s + j·Steps.
func (g Geometry) ParityIndex(s, j int) int { return g.Rounded + s + j*g.Steps }

// Column returns the column of tree index i.
func (g Geometry) Column(i int) int { return i % g.Steps }

// Row returns the row of tree index i.
func (g Geometry) Row(i int) int { return i / g.Steps }

// IsPadding reports whether tree index i is a padding leaf (cids.EmptyBlock).
func (g Geometry) IsPadding(i int) bool { return i >= g.Blocks && i < g.Rounded }

// Options configures Encode, Open, Scrub and the readers. The zero value
// gives the defaults.
type Options struct {
	// Backend forces the erasure backend (accel.Go or accel.SIMD). Empty
	// means Router picks it for the block size.
	Backend accel.Backend
	// Router picks the erasure backend when Backend is empty. Nil means
	// accel.DefaultRouter() (the probe and CAIRN_ACCEL*).
	Router *accel.Router
	// Hasher hashes parity and rebuilt blocks and builds the tree. Nil
	// means the simd SHA-256 kernel, or the go one where SIMD is missing.
	Hasher accel.SHA256
	// Logger receives repair and encode logs. Nil means slog.Default()
	// with subsys=node/storage/ec.
	Logger *slog.Logger
	// BatchBytes bounds the block data held at once: Encode and Scrub
	// work on as many whole columns (K+M blocks each) as fit, at least
	// one; a Reader reads ahead as many blocks. Zero means
	// DefaultBatchBytes.
	BatchBytes int
}

// resolved is Options with the defaults applied.
type resolved struct {
	backend accel.Backend
	router  *accel.Router
	hasher  accel.SHA256
	log     *slog.Logger
	batch   int
}

func (o Options) resolve() (*resolved, error) {
	r := &resolved{backend: o.Backend, router: o.Router, hasher: o.Hasher, log: o.Logger, batch: o.BatchBytes}
	if r.hasher == nil {
		h, err := sha256x.New(accel.SIMD)
		if err != nil {
			if h, err = sha256x.New(accel.Go); err != nil {
				return nil, fmt.Errorf("ec: hasher: %w", err)
			}
		}
		r.hasher = h
	}
	if r.log == nil {
		r.log = slog.Default().With("subsys", "node/storage/ec")
	}
	if r.batch <= 0 {
		r.batch = DefaultBatchBytes
	}
	return r, nil
}

// code returns the Leopard (K, M) code on the configured backend.
func (r *resolved) code(k, m, blockSize int) (accel.Erasure, error) {
	b := r.backend
	if b == "" {
		rt := r.router
		if rt == nil {
			var err error
			if rt, err = accel.DefaultRouter(); err != nil {
				return nil, fmt.Errorf("ec: erasure routing: %w", err)
			}
		}
		var err error
		if b, err = rt.Pick(accel.KernelErasure, blockSize); err != nil {
			return nil, fmt.Errorf("ec: erasure routing: %w", err)
		}
	}
	// The zero Field is FieldLeopard: parity byte for byte as the C
	// leopard library of Logos Storage v0.2 writes it.
	c, err := erasure.New(accel.ErasureParams{DataShards: k, ParityShards: m}, b)
	if err != nil {
		return nil, fmt.Errorf("ec: (%d,%d) code: %w", k, m, err)
	}
	return c, nil
}

// columnsPerBatch returns how many whole columns of K+M blocks fit in
// the batch bytes, at least 1.
func (r *resolved) columnsPerBatch(g Geometry, blockSize int) int {
	return max(1, r.batch/((g.K+g.M)*blockSize))
}

// loadManifest reads and decodes the manifest block m.
func loadManifest(ctx context.Context, store storage.BlockStore, m cid.Cid) (*manifest.Manifest, error) {
	if err := cids.Check(m, cids.CodecManifest); err != nil {
		return nil, fmt.Errorf("ec: manifest CID: %w", err)
	}
	b, err := store.Get(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("ec: manifest %s: %w", cids.String(m), err)
	}
	man, _, err := manifest.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("ec: manifest %s: %w", cids.String(m), err)
	}
	return man, nil
}

// blockCount converts a manifest's block count to an int.
func blockCount(n uint64) (int, error) {
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d blocks is too many", ErrInvalidParams, n)
	}
	return int(n), nil
}

// forEach runs fn(i) for i in [0, n) on up to GOMAXPROCS goroutines and
// returns the errors joined. It returns when every call has.
func forEach(n int, fn func(i int) error) error {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		var errs []error
		for i := range n {
			if err := fn(i); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				errs[i] = fn(i)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// isLoss reports whether err says a block is missing or corrupt, the
// failures that parity can repair.
func isLoss(err error) bool {
	return errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrCorrupt)
}

// emptyDigest is the sha256 of the empty string: the leaf of a padding
// block (cids.EmptyBlock).
var emptyDigest = func() [32]byte {
	d, err := cids.Digest(cids.EmptyBlock)
	if err != nil {
		panic("BUG: cids.EmptyBlock: " + err.Error())
	}
	return d
}()
