package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// slotCases are the storage-proof slot tree rows: one slot of 4 MiB
// (quick suite), 16 MiB and 1 GiB of 64 KiB blocks hashed into 2 KiB
// Poseidon2 cells, block trees and the slot tree, from memory (no store
// I/O). The target is 100 MB/s for a 1 GiB slot; the cost is
// linear in the slot size (34 permutations per cell, plus one per cell for
// the trees).
func slotCases() []Case {
	var cs []Case
	for _, mib := range []int{4, 16, 1024} {
		cs = append(cs, Case{Kernel: "slot-build", Params: fmt.Sprintf("slot=%dMiB,64KiB blocks,2KiB cells", mib),
			Unit: "MB/s", Quick: mib == 4, Setup: slotSetup(mib << 20)})
	}
	return cs
}

// slotCompareMax is the largest slot-build row measured on every backend;
// larger ones run on simd alone.
const slotCompareMax = 16 << 20

// slotDistinctBlocks bounds the random blocks a slot-build row holds.
const slotDistinctBlocks = 256

// memBlocks is a slots.BlockReader over random blocks in memory.
type memBlocks [][]byte

func (m memBlocks) ReadBlock(_ context.Context, i int) ([]byte, error) {
	return append([]byte(nil), m[i%len(m)]...), nil
}

// slotSetup builds slot 0 of a K=1, M=1 dataset whose slots hold size
// bytes each.
func slotSetup(size int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if size > slotCompareMax && b != accel.SIMD {
			return nil, 0, fmt.Errorf("bench: slot-build of %d MiB runs on simd only (go would take minutes per round; "+
				"the smaller rows compare the backends): %w", size>>20, accel.ErrUnavailable)
		}
		p, err := poseidon2.New(b)
		if err != nil {
			return nil, 0, err
		}
		n := size / shardSize
		rng := rand.New(rand.NewPCG(uint64(size), 6))
		// At most slotDistinctBlocks distinct blocks (16 MiB), read in turn:
		// a 1 GiB slot then needs no 1 GiB of memory, and the hashing cost
		// does not depend on the bytes.
		blocks := make(memBlocks, min(n, slotDistinctBlocks))
		for i := range blocks {
			blocks[i] = randBytes(rng, shardSize)
		}
		m := manifest.New(cids.Tree(sha256.Sum256([]byte("slot-build"))), shardSize, uint64(2*n*shardSize))
		m.Erasure = &manifest.ErasureInfo{K: 1, M: 1, Strategy: manifest.StrategyStepped}
		opts := slots.Options{Poseidon2: p}
		op := func() error {
			_, err := slots.Build(context.Background(), blocks, m, 0, opts)
			return err
		}
		return op, float64(size), nil
	}
}
