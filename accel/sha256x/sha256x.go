package sha256x

import (
	"crypto/sha256"
	"fmt"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/parallel"
)

// ParallelMinBytes is the batch size, in total bytes, from which the SIMD
// backend spreads a batch over goroutines. Below it the cost of starting
// goroutines (about a microsecond each) outweighs hashing on one core:
// SHA-NI hashes 64 KiB in ~30 µs.
const ParallelMinBytes = 64 << 10

func init() {
	accel.Register(accel.Registration{
		Kernel:    accel.KernelSHA256,
		Backend:   accel.Go,
		Available: func() error { return nil },
		MinSize:   func(accel.Caps) int { return 0 },
		Unit:      "bytes",
	})
	accel.Register(accel.Registration{
		Kernel:    accel.KernelSHA256,
		Backend:   accel.SIMD,
		Available: accel.SIMDAvailable,
		// crypto/sha256 is faster than the pure-Go loop at every length,
		// even on CPUs without SHA extensions (`make bench`).
		MinSize: func(accel.Caps) int { return 0 },
		Unit:    "bytes",
	})
}

var errNoIcicle = fmt.Errorf("sha256x: icicle has no SHA-256 kernel for blocks; use simd: %w", accel.ErrUnavailable)

// New returns the SHA-256 kernel of backend b.
func New(b accel.Backend) (accel.SHA256, error) {
	switch b {
	case accel.Go:
		return hasher{b, sumGo}, nil
	case accel.SIMD:
		if err := accel.SIMDAvailable(); err != nil {
			return nil, fmt.Errorf("sha256x: %w", err)
		}
		return hasher{b, sha256.Sum256}, nil
	case accel.Icicle:
		return nil, errNoIcicle
	}
	return nil, fmt.Errorf("sha256x: %w: %q", accel.ErrUnknownBackend, b)
}

// hasher implements accel.SHA256 with one single-block function.
type hasher struct {
	backend accel.Backend
	sum     func([]byte) [32]byte
}

var _ accel.SHA256 = hasher{}

func (h hasher) Backend() accel.Backend { return h.backend }

// SumBlocks implements accel.SHA256.
func (h hasher) SumBlocks(out [][32]byte, blocks [][]byte) error {
	if len(out) != len(blocks) {
		return fmt.Errorf("sha256x: SumBlocks: %d outputs for %d blocks: %w", len(out), len(blocks), accel.ErrInvalidParams)
	}
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	workers := 1
	if h.backend == accel.SIMD && total >= ParallelMinBytes {
		workers = 0 // all cores
	}
	parallel.For(len(blocks), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = h.sum(blocks[i])
		}
	})
	return nil
}
