package acceltest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
)

// sha256Lengths covers the padding edges of SHA-256 (55, 56, 63, 64, 119,
// 120) and the Logos Storage block size.
var sha256Lengths = []int{0, 1, 3, 31, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 4096, 65 << 10, 64 << 10}

// RunSHA256 checks backend b of the SHA-256 kernel against the Go reference
// on single blocks of edge lengths and on batches of 0 to 300 random blocks
// (large enough to cross the parallel threshold).
func RunSHA256(t *testing.T, b accel.Backend) {
	t.Helper()
	h, ref := kernelPair(t, b, "sha256x.New", sha256x.New)
	rng := rand.New(rand.NewPCG(3, 4))
	randBlock := func(n int) []byte {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		return p
	}
	check := func(name string, blocks [][]byte) {
		want := make([][32]byte, len(blocks))
		got := make([][32]byte, len(blocks))
		if err := ref.SumBlocks(want, blocks); err != nil {
			t.Fatalf("%s: go SumBlocks = %v", name, err)
		}
		if err := h.SumBlocks(got, blocks); err != nil {
			t.Fatalf("%s: %s SumBlocks = %v", name, b, err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: %s SumBlocks block %d (len %d) = %x, go %x", name, b, i, len(blocks[i]), got[i], want[i])
			}
		}
	}
	for _, n := range sha256Lengths {
		check(fmt.Sprintf("len %d", n), [][]byte{randBlock(n)})
	}
	for _, count := range []int{0, 1, 2, 7, 64, 300} {
		blocks := make([][]byte, count)
		for i := range blocks {
			blocks[i] = randBlock(rng.IntN(2048))
		}
		check(fmt.Sprintf("batch %d", count), blocks)
	}
	if err := h.SumBlocks(make([][32]byte, 1), make([][]byte, 2)); !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("%s SumBlocks(1 out, 2 blocks) = %v, want ErrInvalidParams", b, err)
	}
}
