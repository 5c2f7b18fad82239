package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/klauspost/reedsolomon"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/erasure"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/accel/sha256x"
)

// Case is one measured kernel call: Setup prepares inputs for a backend and
// returns the operation to time and the work one call does, in Unit.
type Case struct {
	// Kernel and Params identify the case in tables and JSON
	// (e.g. "rs-encode", "K=10,M=4,shard=64KiB").
	Kernel string
	Params string
	// Unit is what Work counts per call: "MB/s" counts bytes, "hashes/s" and
	// "leaves/s" count items.
	Unit string
	// Quick marks the cases of BENCH=quick.
	Quick bool
	// Setup returns the operation for backend b and the work of one call,
	// or an error (accel.ErrUnavailable skips the backend).
	Setup func(b accel.Backend) (op func() error, work float64, err error)
	// Peer, when set, is measured too, as an extra record whose backend is
	// PeerName: the same work done by a library called directly, so the
	// table shows what Cairn's wrapper costs.
	Peer     func() (op func() error, work float64, err error)
	PeerName string
}

const shardSize = 64 << 10

func randBytes(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return p
}

// Cases returns the suite in display order.
func Cases() []Case {
	var cs []Case
	for _, km := range [][2]int{{2, 1}, {10, 4}, {64, 32}} {
		k, m := km[0], km[1]
		for _, f := range []accel.Field{accel.FieldLeopard, accel.FieldClassic} {
			p := accel.ErasureParams{DataShards: k, ParityShards: m, Field: f}
			params := fmt.Sprintf("K=%d,M=%d,shard=64KiB,%s", k, m, f)
			cs = append(cs,
				Case{Kernel: "rs-encode", Params: params, Unit: "MB/s", Quick: true, Setup: rsSetup(p, false),
					Peer: rsDirect(p), PeerName: "reedsolomon"},
				Case{Kernel: "rs-reconstruct", Params: params, Unit: "MB/s", Quick: true, Setup: rsSetup(p, true)},
			)
		}
	}
	for _, threads := range []int{1, 0} {
		cs = append(cs, Case{Kernel: "sha256-blocks", Params: "64x64KiB," + threadsLabel(threads), Unit: "MB/s", Quick: true, Setup: shaSetup(64, threads)})
	}
	for _, threads := range []int{1, 0} {
		cs = append(cs, Case{Kernel: "poseidon2-compress", Params: "batch=4096," + threadsLabel(threads), Unit: "hashes/s", Quick: true, Setup: poseidonSetup(4096, threads)})
	}
	cs = append(cs,
		Case{Kernel: "merkle-sha256", Params: "leaves=2^16", Unit: "leaves/s", Quick: true, Setup: merkleSHASetup(1 << 16)},
		Case{Kernel: "merkle-poseidon2", Params: "leaves=2^16", Unit: "leaves/s", Quick: true, Setup: merklePoseidonSetup(1 << 16)},
	)
	cs = append(cs, msmCases()...)
	cs = append(cs, decompressCases()...)
	cs = append(cs, storageCases()...)
	// The target file size is 1 GiB; the quick suite uses 64 MiB.
	cs = append(cs, restCases(64<<20, true)...)
	cs = append(cs, restCases(1<<30, false)...)
	cs = append(cs, p2pCases(64<<20, true)...)
	cs = append(cs, rlnCases()...)
	cs = append(cs, farmCases()...)
	cs = append(cs, slotCases()...)
	cs = append(cs, storageProofCases()...)
	cs = append(cs, relayCases()...)
	cs = append(cs, sigCases()...)
	return cs
}

func threadsLabel(threads int) string {
	if threads == 1 {
		return "1-core"
	}
	return fmt.Sprintf("%d-cores", runtime.GOMAXPROCS(0))
}

// withThreads runs op with GOMAXPROCS set to threads (0 leaves it alone),
// so the kernels' parallel paths use that many cores.
func withThreads(threads int, op func() error) func() error {
	if threads == 0 {
		return op
	}
	return func() error {
		old := runtime.GOMAXPROCS(threads)
		defer runtime.GOMAXPROCS(old)
		return op()
	}
}

// rsShards returns K+M random shards of shardSize bytes.
func rsShards(k, m int) [][]byte {
	rng := rand.New(rand.NewPCG(uint64(k), uint64(m)))
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = randBytes(rng, shardSize)
	}
	return shards
}

// rsDirect encodes with klauspost/reedsolomon called directly with its
// default (fastest) options and the construction erasure.Plan picks for p:
// the wrapper's overhead is the gap between this and the simd row.
func rsDirect(p accel.ErasureParams) func() (func() error, float64, error) {
	return func() (func() error, float64, error) {
		kind, err := erasure.Plan(p)
		if err != nil {
			return nil, 0, err
		}
		var opts []reedsolomon.Option
		switch kind {
		case erasure.KindLeopardGF8:
			opts = append(opts, reedsolomon.WithLeopardGF(true))
		case erasure.KindLeopardGF16:
			opts = append(opts, reedsolomon.WithLeopardGF16(true))
		case erasure.KindClassic:
		default: // copy and XOR codes are not reedsolomon's
			return nil, 0, fmt.Errorf("bench: %s code has no direct reedsolomon peer: %w", kind, accel.ErrUnavailable)
		}
		enc, err := reedsolomon.New(p.DataShards, p.ParityShards, opts...)
		if err != nil {
			return nil, 0, err
		}
		shards := rsShards(p.DataShards, p.ParityShards)
		return func() error { return enc.Encode(shards) }, float64(p.DataShards * shardSize), nil
	}
}

func rsSetup(p accel.ErasureParams, reconstruct bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		enc, err := erasure.New(p, b)
		if err != nil {
			return nil, 0, err
		}
		k, m := p.DataShards, p.ParityShards
		shards := rsShards(k, m)
		if err := enc.Encode(shards); err != nil {
			return nil, 0, err
		}
		work := float64(k * shardSize)
		if !reconstruct {
			return func() error { return enc.Encode(shards) }, work, nil
		}
		// Lose M shards, half of them data (the expensive case), and rebuild
		// into the same buffers each time.
		lost := make([]int, 0, m)
		for i := 0; i < m; i++ {
			if i%2 == 0 && i/2 < k {
				lost = append(lost, i/2)
			} else {
				lost = append(lost, k+i)
			}
		}
		work2 := make([][]byte, len(shards))
		return func() error {
			copy(work2, shards)
			for _, i := range lost {
				work2[i] = shards[i][:0]
			}
			return enc.Reconstruct(work2)
		}, work, nil
	}
}

func shaSetup(n, threads int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		h, err := sha256x.New(b)
		if err != nil {
			return nil, 0, err
		}
		rng := rand.New(rand.NewPCG(7, 7))
		blocks := make([][]byte, n)
		for i := range blocks {
			blocks[i] = randBytes(rng, shardSize)
		}
		out := make([][32]byte, n)
		return withThreads(threads, func() error { return h.SumBlocks(out, blocks) }), float64(n * shardSize), nil
	}
}

func randFr(rng *rand.Rand, n int) []accel.Fr {
	out := make([]accel.Fr, n)
	for i := range out {
		out[i] = poseidon2.FrFromUint64(rng.Uint64())
		out[i][8] = byte(rng.Uint32()) // more than 64 bits, still < r
	}
	return out
}

func poseidonSetup(n, threads int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		p, err := poseidon2.New(b)
		if err != nil {
			return nil, 0, err
		}
		rng := rand.New(rand.NewPCG(8, 8))
		left, right := randFr(rng, n), randFr(rng, n)
		out := make([]accel.Fr, n)
		return withThreads(threads, func() error { return p.Compress(out, left, right, 1) }), float64(n), nil
	}
}

func merkleSHASetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		h, err := sha256x.New(b)
		if err != nil {
			return nil, 0, err
		}
		rng := rand.New(rand.NewPCG(9, 9))
		leaves := make([][32]byte, n)
		for i := range leaves {
			copy(leaves[i][:], randBytes(rng, 32))
		}
		c := merkle.SHA256(h)
		return func() error { _, err := merkle.Build(leaves, c); return err }, float64(n), nil
	}
}

func merklePoseidonSetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		p, err := poseidon2.New(b)
		if err != nil {
			return nil, 0, err
		}
		leaves := randFr(rand.New(rand.NewPCG(10, 10)), n)
		c := merkle.Poseidon2(p)
		return func() error { _, err := merkle.Build(leaves, c); return err }, float64(n), nil
	}
}
