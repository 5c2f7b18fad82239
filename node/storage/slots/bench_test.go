package slots_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// memBlocks serves random blocks from memory, without store I/O.
type memBlocks [][]byte

func (m memBlocks) ReadBlock(_ context.Context, i int) ([]byte, error) {
	return append([]byte(nil), m[i%len(m)]...), nil
}

// BenchmarkBuildSlot builds one 16 MiB slot (256 blocks of 64 KiB, 8192
// cells) per backend; MB/s is slot bytes per second.
func BenchmarkBuildSlot(b *testing.B) {
	const size = 16 << 20
	n := size / blockSize
	blocks := make(memBlocks, n)
	for i := range blocks {
		blocks[i] = randomBytes(uint64(i), blockSize)
	}
	m := manifest.New(cids.Tree(sha256.Sum256([]byte("bench"))), blockSize, uint64(2*size))
	m.Erasure = &manifest.ErasureInfo{K: 1, M: 1, Strategy: manifest.StrategyStepped}
	for _, p := range backends(b) {
		b.Run(string(p.Backend()), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := slots.Build(context.Background(), blocks, m, 0, slots.Options{Poseidon2: p}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
