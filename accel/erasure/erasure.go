package erasure

import (
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"sync"

	"github.com/klauspost/reedsolomon"

	"github.com/cairn-node/cairn/accel"
)

// Limits of the codes.
const (
	// MaxShardsGF8 is the largest K+M of a GF(2^8) code.
	MaxShardsGF8 = 256
	// MaxShardsGF16 is the largest K+M of the Leopard GF(2^16) code.
	MaxShardsGF16 = 65536
	// LeopardShardMultiple is the byte multiple every Leopard shard length
	// must be (the C library works on 64-byte units).
	LeopardShardMultiple = 64
	// ReconstructStripMin is the smallest column strip, in bytes per shard,
	// that Reconstruct hands to a goroutine of its own. Below it goroutine
	// start-up outweighs the decoding saved.
	ReconstructStripMin = 16 << 10
)

func init() {
	accel.Register(accel.Registration{
		Kernel:    accel.KernelErasure,
		Backend:   accel.Go,
		Available: func() error { return nil },
		MinSize:   func(accel.Caps) int { return 0 },
		Unit:      "bytes per shard",
	})
	accel.Register(accel.Registration{
		Kernel:    accel.KernelErasure,
		Backend:   accel.SIMD,
		Available: accel.SIMDAvailable,
		// reedsolomon's SIMD paths are 10-60x the pure-Go code at 64 KiB
		// shards in `make bench`, and below its 64-byte SIMD unit it falls
		// back to the same Go loop, so SIMD is never slower: size 0.
		MinSize: func(accel.Caps) int { return 0 },
		Unit:    "bytes per shard",
	})
}

// New returns a code with parameters p computed by backend b. It returns an
// error wrapping accel.ErrInvalidParams when p is outside what the code
// supports and accel.ErrUnavailable for a backend without an erasure kernel.
func New(p accel.ErasureParams, b accel.Backend) (accel.Erasure, error) {
	kind, err := Plan(p)
	if err != nil {
		return nil, err
	}
	var opts []reedsolomon.Option
	switch b {
	case accel.Go:
		opts = pureGoOptions()
	case accel.SIMD:
		if err := accel.SIMDAvailable(); err != nil {
			return nil, fmt.Errorf("erasure: %w", err)
		}
	case accel.Icicle:
		return nil, fmt.Errorf("erasure: icicle has no Reed-Solomon kernel, use go or simd: %w", accel.ErrUnavailable)
	default:
		return nil, fmt.Errorf("erasure: %w: %q", accel.ErrUnknownBackend, b)
	}
	c := &code{backend: b, params: p, kind: kind}
	switch kind {
	case KindNone, KindCopy:
		return c, nil
	case KindXOR:
		c.xor = xorFunc(b)
		return c, nil
	case KindClassic:
	case KindLeopardGF8:
		opts = append(opts, reedsolomon.WithLeopardGF(true))
	case KindLeopardGF16:
		opts = append(opts, reedsolomon.WithLeopardGF16(true))
	}
	c.rs, err = reedsolomon.New(p.DataShards, p.ParityShards, opts...)
	if err != nil {
		return nil, fmt.Errorf("erasure: new (%d,%d) %s code: %w: %w", p.DataShards, p.ParityShards, kind, accel.ErrInvalidParams, err)
	}
	return c, nil
}

// pureGoOptions switches off every assembly path of reedsolomon.
func pureGoOptions() []reedsolomon.Option {
	return []reedsolomon.Option{
		reedsolomon.WithSSE2(false), reedsolomon.WithSSSE3(false), reedsolomon.WithAVX2(false),
		reedsolomon.WithAVX512(false), reedsolomon.WithGFNI(false), reedsolomon.WithAVXGFNI(false),
		reedsolomon.WithNEON(false), reedsolomon.WithSVE(false),
	}
}

// Kind is the construction a set of parameters resolves to.
type Kind string

// The constructions Plan can choose.
const (
	KindNone        Kind = "none"        // M == 0: nothing to compute
	KindCopy        Kind = "copy"        // Leopard K == 1: parity is the data shard
	KindXOR         Kind = "xor"         // Leopard M == 1: parity is the XOR of the data shards
	KindClassic     Kind = "classic"     // Vandermonde GF(2^8)
	KindLeopardGF8  Kind = "leopard-gf8" // Leopard FFT code over GF(2^8)
	KindLeopardGF16 Kind = "leopard-gf16"
)

// Plan validates p and returns the construction it resolves to, applying
// the field choice rule of the C leopard library for accel.FieldLeopard.
func Plan(p accel.ErasureParams) (Kind, error) {
	k, m := p.DataShards, p.ParityShards
	if k < 1 || m < 0 {
		return "", fmt.Errorf("erasure: K=%d M=%d: need K >= 1 and M >= 0: %w", k, m, accel.ErrInvalidParams)
	}
	if err := checkLimits(p); err != nil {
		return "", err
	}
	switch {
	case m == 0:
		return KindNone, nil
	case p.Field == accel.FieldClassic:
		return KindClassic, nil
	case p.Field == accel.FieldLeopardGF8:
		return KindLeopardGF8, nil
	case p.Field == accel.FieldLeopardGF16:
		return KindLeopardGF16, nil
	}
	// The rule of leo_encode in leopard.cpp.
	switch {
	case k == 1:
		return KindCopy, nil
	case m == 1:
		return KindXOR, nil
	case nextPow2(nextPow2(m)+k) <= MaxShardsGF8:
		return KindLeopardGF8, nil
	}
	return KindLeopardGF16, nil
}

// checkLimits checks K and M against the limits of p.Field.
func checkLimits(p accel.ErasureParams) error {
	k, m := p.DataShards, p.ParityShards
	switch p.Field {
	case accel.FieldClassic:
		if k+m > MaxShardsGF8 {
			return fmt.Errorf("erasure: K+M=%d exceeds %d for the classic GF(2^8) code; use the leopard field: %w", k+m, MaxShardsGF8, accel.ErrInvalidParams)
		}
		return nil
	case accel.FieldLeopard, accel.FieldLeopardGF8, accel.FieldLeopardGF16:
	default:
		return fmt.Errorf("erasure: unknown field %d: %w", p.Field, accel.ErrInvalidParams)
	}
	if m > k {
		return fmt.Errorf("erasure: M=%d exceeds K=%d, which Leopard codes do not support: %w", m, k, accel.ErrInvalidParams)
	}
	if k+m > MaxShardsGF16 {
		return fmt.Errorf("erasure: K+M=%d exceeds %d: %w", k+m, MaxShardsGF16, accel.ErrInvalidParams)
	}
	if p.Field == accel.FieldLeopardGF8 && k+m > MaxShardsGF8 {
		return fmt.Errorf("erasure: K+M=%d exceeds %d for leopard GF(2^8); use leopard-gf16: %w", k+m, MaxShardsGF8, accel.ErrInvalidParams)
	}
	return nil
}

func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// code implements accel.Erasure.
type code struct {
	backend accel.Backend
	params  accel.ErasureParams
	kind    Kind
	rs      reedsolomon.Encoder    // classic and leopard kinds
	xor     func(dst, a, b []byte) // KindXOR
}

var _ accel.Erasure = (*code)(nil)

func (c *code) Backend() accel.Backend      { return c.backend }
func (c *code) Params() accel.ErasureParams { return c.params }
func (c *code) total() int                  { return c.params.DataShards + c.params.ParityShards }
func (c *code) leopard() bool               { return c.params.Field != accel.FieldClassic }
func (c *code) String() string {
	return fmt.Sprintf("%s(%d,%d)/%s", c.kind, c.params.DataShards, c.params.ParityShards, c.backend)
}

// shardSize checks the shard list and returns the common length of the
// present shards. With needAll every shard must be present.
func (c *code) shardSize(shards [][]byte, needAll bool) (int, error) {
	if len(shards) != c.total() {
		return 0, fmt.Errorf("erasure: %s: got %d shards, want K+M=%d: %w", c, len(shards), c.total(), accel.ErrShardSize)
	}
	size := -1
	for i, s := range shards {
		if len(s) == 0 {
			if needAll {
				return 0, fmt.Errorf("erasure: %s: shard %d is empty; every shard needs the same non-zero length: %w", c, i, accel.ErrShardSize)
			}
			continue
		}
		if size == -1 {
			size = len(s)
		} else if len(s) != size {
			return 0, fmt.Errorf("erasure: %s: shard %d has %d bytes, shard 0..%d have %d: %w", c, i, len(s), i-1, size, accel.ErrShardSize)
		}
	}
	if size == -1 {
		return 0, fmt.Errorf("erasure: %s: all shards are empty: %w", c, accel.ErrTooFewShards)
	}
	if c.leopard() && size%LeopardShardMultiple != 0 {
		return 0, fmt.Errorf("erasure: %s: shard length %d is not a multiple of %d, as Leopard codes require (pad the shards): %w", c, size, LeopardShardMultiple, accel.ErrShardSize)
	}
	return size, nil
}

// Encode implements accel.Erasure.
func (c *code) Encode(shards [][]byte) error {
	if _, err := c.shardSize(shards, true); err != nil {
		return err
	}
	data, parity := shards[:c.params.DataShards], shards[c.params.DataShards:]
	switch c.kind {
	case KindNone:
		return nil
	case KindCopy:
		for _, p := range parity {
			copy(p, data[0])
		}
		return nil
	case KindXOR:
		c.xorInto(parity[0], data)
		return nil
	}
	if err := c.rs.Encode(shards); err != nil {
		return c.wrap("encode", err)
	}
	return nil
}

func (c *code) xorInto(dst []byte, srcs [][]byte) {
	copy(dst, srcs[0])
	for _, s := range srcs[1:] {
		c.xor(dst, dst, s)
	}
}

// Verify implements accel.Erasure.
func (c *code) Verify(shards [][]byte) (bool, error) {
	size, err := c.shardSize(shards, true)
	if err != nil {
		return false, err
	}
	switch c.kind {
	case KindNone:
		return true, nil
	case KindCopy, KindXOR:
		want := make([]byte, size)
		c.recompute(want, shards, c.params.DataShards)
		for _, p := range shards[c.params.DataShards:] {
			if string(p) != string(want) {
				return false, nil
			}
		}
		return true, nil
	}
	ok, err := c.rs.Verify(shards)
	if err != nil {
		return false, c.wrap("verify", err)
	}
	return ok, nil
}

// recompute writes into dst the shard at index i of a copy or XOR code from
// the other shards, which must be present.
func (c *code) recompute(dst []byte, shards [][]byte, i int) {
	if c.kind == KindCopy {
		// Every shard, data or parity, holds the same bytes.
		for j, s := range shards {
			if j != i && len(s) > 0 {
				copy(dst, s)
				return
			}
		}
	}
	// XOR code: every shard is the XOR of all the others (K data + 1 parity).
	others := make([][]byte, 0, len(shards)-1)
	for j, s := range shards {
		if j != i {
			others = append(others, s)
		}
	}
	c.xorInto(dst, others)
}

// Reconstruct implements accel.Erasure.
func (c *code) Reconstruct(shards [][]byte) error {
	size, err := c.shardSize(shards, false)
	if err != nil {
		return err
	}
	var missing []int
	for i, s := range shards {
		if len(s) == 0 {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if len(missing) > c.params.ParityShards {
		return fmt.Errorf("erasure: %s: %d shards missing, at most M=%d can be rebuilt: %w", c, len(missing), c.params.ParityShards, accel.ErrTooFewShards)
	}
	for _, i := range missing {
		if cap(shards[i]) >= size {
			shards[i] = shards[i][:size]
		} else {
			shards[i] = make([]byte, size)
		}
	}
	if c.kind == KindCopy || c.kind == KindXOR {
		// Exactly one shard is missing (M == 1).
		c.recompute(shards[missing[0]], shards, missing[0])
		return nil
	}
	if missing[0] >= c.params.DataShards {
		// Only parity is lost: encoding rewrites it from the intact data,
		// several times faster than decoding (Leopard decodes at about a
		// quarter of its encode speed).
		if err := c.rs.Encode(shards); err != nil {
			return c.wrap("reconstruct parity", err)
		}
		return nil
	}
	if c.kind == KindClassic {
		// The classic decoder spreads its own work over goroutines.
		return c.reconstructStrip(shards, missing, 0, size)
	}
	return c.reconstructColumns(shards, missing, size)
}

// reconstructColumns decodes a Leopard code in column strips: byte ranges
// of the shards aligned to 64 bytes are independent codewords, so strips
// are rebuilt on separate goroutines into the already allocated missing
// shards. reedsolomon's Leopard decoder keeps most of its work on one
// goroutine; strips took (10,4) reconstruction from 4.9 to 5.9 GB/s on
// 2 cores (`cairn bench --filter rs-reconstruct`).
func (c *code) reconstructColumns(shards [][]byte, missing []int, size int) error {
	strips := min(runtime.GOMAXPROCS(0), size/ReconstructStripMin)
	if strips <= 1 {
		return c.reconstructStrip(shards, missing, 0, size)
	}
	unit := LeopardShardMultiple
	step := (size/strips + unit - 1) / unit * unit
	errs := make([]error, strips)
	var wg sync.WaitGroup
	for s, lo := 0, 0; lo < size; s, lo = s+1, lo+step {
		hi := min(lo+step, size)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[s] = c.reconstructStrip(shards, missing, lo, hi)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// reconstructStrip rebuilds bytes [lo, hi) of the missing shards, which
// must already be allocated.
func (c *code) reconstructStrip(shards [][]byte, missing []int, lo, hi int) error {
	strip := make([][]byte, len(shards))
	for i, s := range shards {
		strip[i] = s[lo:hi:hi]
	}
	for _, i := range missing {
		// Length 0 marks the shard missing; the capacity makes reedsolomon
		// write the strip in place.
		strip[i] = shards[i][lo:lo:hi]
	}
	if err := c.rs.Reconstruct(strip); err != nil {
		return c.wrap("reconstruct", err)
	}
	return nil
}

// wrap maps reedsolomon's errors onto accel's sentinels.
func (c *code) wrap(op string, err error) error {
	switch {
	case errors.Is(err, reedsolomon.ErrTooFewShards):
		return fmt.Errorf("erasure: %s %s: %w: %w", op, c, accel.ErrTooFewShards, err)
	case errors.Is(err, reedsolomon.ErrShardSize), errors.Is(err, reedsolomon.ErrShardNoData), errors.Is(err, reedsolomon.ErrInvalidShardSize):
		return fmt.Errorf("erasure: %s %s: %w: %w", op, c, accel.ErrShardSize, err)
	}
	return fmt.Errorf("erasure: %s %s: %w", op, c, err)
}
