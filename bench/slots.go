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
// (quick suite) and 16 MiB of 64 KiB blocks hashed into 2 KiB Poseidon2
// cells, block trees and the slot tree, from memory (no store I/O). The
// issue's target is 100 MB/s for a 1 GiB slot; the cost is linear in the
// slot size (34 permutations per cell, plus one per cell for the trees).
func slotCases() []Case {
	var cs []Case
	for _, mib := range []int{4, 16} {
		cs = append(cs, Case{Kernel: "slot-build", Params: fmt.Sprintf("slot=%dMiB,64KiB blocks,2KiB cells", mib),
			Unit: "MB/s", Quick: mib == 4, Setup: slotSetup(mib << 20)})
	}
	return cs
}

// memBlocks is a slots.BlockReader over random blocks in memory.
type memBlocks [][]byte

func (m memBlocks) ReadBlock(_ context.Context, i int) ([]byte, error) {
	return append([]byte(nil), m[i%len(m)]...), nil
}

// slotSetup builds slot 0 of a K=1, M=1 dataset whose slots hold size
// bytes each.
func slotSetup(size int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		p, err := poseidon2.New(b)
		if err != nil {
			return nil, 0, err
		}
		n := size / shardSize
		rng := rand.New(rand.NewPCG(uint64(size), 6))
		blocks := make(memBlocks, n)
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
